"""The benchmark harness's domain error."""

from __future__ import annotations


class BenchInputError(ValueError):
    """A benchmark input is wrong: a missing folder or instance, an unreadable file, an unknown solver or family."""
