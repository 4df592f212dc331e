"""Domain errors: a user's mistake becomes one of these, never a bare traceback.

The command line and the web API catch :class:`WasteError` once, at their boundary, and show its message.
"""

from __future__ import annotations


class WasteError(Exception):
    """Base class of every error caused by input or configuration rather than by a bug."""


class InputError(WasteError, ValueError):
    """Bad input data, located as precisely as it can be: file, row, field and reason.

    Parameters
    ----------
    reason
        What is wrong, in words a user can act on.
    file
        The file (or other source, such as an MQTT topic) the input came from.
    row
        1-based line number in ``file`` (the header of a CSV file is line 1).
    field
        The column or key at fault.
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.row = row
        self.field = field
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


class ConfigError(WasteError):
    """A setting that cannot be used (unknown city, unreachable database, bad URL)."""
