"""``python -m waste`` runs the ``waste`` command."""

from waste.cli import main

main()
