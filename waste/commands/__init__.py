"""The subcommands of the ``waste`` command line, one module each."""
