"""Reading a text stream in pieces of bounded size: lines with a length cap, and the items of a JSON array.

Memory must follow the batch size, not the input: a 2 MB gzip file can inflate to one 2 GiB line, and reading
that line whole (as iterating a text file does) or a whole JSON array at once exhausts memory. Here a line longer
than :data:`MAX_LINE_CHARS` is skipped in blocks and its number noted, so the reader can quarantine it
(``line_too_long``) and go on with the next line; a JSON array is decoded item by item.

The stream is decoded with ``errors="surrogateescape"``: a byte that is not UTF-8 becomes a lone surrogate in its
line instead of stopping the file, and :func:`is_utf8` finds the rows that hold one (``bad_encoding``).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

#: Longest line (or JSON array item) read, in characters. A reading is well under a kilobyte and a LoRaWAN uplink
#: with the metadata of many gateways a few tens of kilobytes.
MAX_LINE_CHARS = 1 << 20
#: Characters read from the stream at a time: small, because a block cut by a truncated archive is lost whole.
BLOCK_CHARS = 1 << 13


def is_utf8(text: str) -> bool:
    """Whether ``text`` came from valid UTF-8 (holds no byte kept as a surrogate by ``surrogateescape``)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class CappedLines:
    """The lines of ``text`` (line ends kept, split as ``newline=""`` splits them), none longer than ``limit``.

    A longer line is given as an empty line, so the numbering of the lines after it is unchanged, and
    its number is appended to :attr:`too_long`. Iterate it once.
    """

    def __init__(self, text: io.TextIOBase, limit: int = MAX_LINE_CHARS, block: int = BLOCK_CHARS) -> None:
        self.too_long: list[int] = []
        self._text, self._limit, self._block = text, limit, max(block, 1)

    def __iter__(self) -> Iterator[str]:
        return self._lines()

    def _lines(self) -> Iterator[str]:
        carry, skipping, number = "", False, 0
        while True:
            block = self._text.read(self._block)
            if not block:
                if carry:
                    yield carry
                return
            if skipping:  # the rest of an overlong line, already given as an empty one
                end = block.find("\n")
                if end < 0:
                    continue
                block, skipping = block[end + 1 :], False
            text = carry + block
            cut = _last_line_end(text)
            body, carry = text[:cut], text[cut:]
            if body:
                lines = io.StringIO(body, newline="").readlines()
                if max(map(len, lines)) > self._limit:
                    for i, line in enumerate(lines):
                        if len(line) > self._limit:
                            self.too_long.append(number + i + 1)
                            lines[i] = "\n"
                number += len(lines)
                yield from lines
            if len(carry) > self._limit:
                number += 1
                self.too_long.append(number)
                carry, skipping = "", True
                yield "\n"


def _last_line_end(text: str) -> int:
    """Index just past the last complete line of ``text`` (0 if none); a final CR waits for a possible LF."""
    cut = text.rfind("\n") + 1
    if cut:
        return cut
    cut = text.rfind("\r", 0, len(text) - 1) + 1  # old Mac line ends
    return cut


class JsonArrayError(Exception):
    """The array cannot be read on from here: invalid JSON between its items, or its end is missing."""


def json_array_items(text: io.TextIOBase, limit: int = MAX_LINE_CHARS) -> Iterator[tuple[int, Any, str]]:
    """Items of the JSON array that ``text`` holds, as (number from 1, item, its JSON text).

    An item longer than ``limit`` characters, or one that does not parse (a syntax error, nesting too deep for the
    parser, an integer of thousands of digits), is skipped and given as an item that :func:`unreadable` explains,
    so the caller quarantines it and the items after it are still read. What cannot be skipped (no ``,`` between
    items, a missing ``]``) ends the array with :class:`JsonArrayError` after the items before it.
    """
    reader = _Buffer(text)
    if not reader.skip_space() or reader.peek() != "[":
        raise JsonArrayError("expected a JSON array")
    reader.pos += 1
    decoder = json.JSONDecoder()
    number = 0
    while True:
        if not reader.skip_space():
            raise JsonArrayError(f"the array ends after item {number} without ']'")
        if reader.peek() == "]":
            return
        if number:
            if reader.peek() != ",":
                raise JsonArrayError(f"expected ',' or ']' after item {number}")
            reader.pos += 1
            if not reader.skip_space():
                raise JsonArrayError(f"the array ends after item {number} without ']'")
        number += 1
        kind, value, raw = reader.decode(decoder, limit)
        if kind != "ok":
            reader.skip_value()
            yield number, _Unreadable(kind, value), raw
            continue
        yield number, value, raw


class _Unreadable:
    """An array item that was skipped: ``line_too_long`` or ``malformed_row``, with why."""

    __slots__ = ("detail", "reason")

    def __init__(self, reason: str, detail: str) -> None:
        self.reason, self.detail = reason, detail


def unreadable(item: Any) -> tuple[str, str] | None:
    """(reason, detail) when an item from :func:`json_array_items` was skipped, else ``None``."""
    return (item.reason, item.detail) if isinstance(item, _Unreadable) else None


class _Buffer:
    """A window on the stream: text read so far and not yet consumed, refilled block by block."""

    _STRING_END = re.compile(r'["\\]')
    _STRUCTURE = re.compile(r'["\[\]{}]')
    _SCALAR_END = re.compile(r'[\s,\]}\[{"]')

    def __init__(self, text: io.TextIOBase) -> None:
        self.text, self.buf, self.pos, self.eof = text, "", 0, False

    def fill(self) -> bool:
        """Read one more block; ``False`` at the end of the stream."""
        if self.eof:
            return False
        block = self.text.read(BLOCK_CHARS)
        if not block:
            self.eof = True
            return False
        self.buf = self.buf[self.pos :] + block
        self.pos = 0
        return True

    def skip_space(self) -> bool:
        """Move past white space; ``False`` when the stream ends first."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf):
                return True
            if not self.fill():
                return False

    def peek(self) -> str:
        return self.buf[self.pos]

    def decode(self, decoder: json.JSONDecoder, limit: int) -> tuple[str, Any, str]:
        """The next value: ("ok", value, its text), or ("line_too_long" / "malformed_row", why, a prefix of its text).

        A value that is not "ok" is left unconsumed for :meth:`skip_value`.
        """
        while True:
            head = self.buf[self.pos : self.pos + 2000]
            try:
                value, end = decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                cut_short = exc.pos >= len(self.buf) or exc.msg.startswith("Unterminated string")
                if cut_short and self._wants_more(limit):
                    continue
                if len(self.buf) - self.pos > limit:
                    return "line_too_long", f"an item longer than {limit:,} characters", head
                return "malformed_row", f"invalid JSON: {exc.msg}", head
            except (ValueError, RecursionError) as exc:
                detail = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
                return "malformed_row", f"invalid JSON: {detail}", head
            if end == len(self.buf) and self._wants_more(limit):
                continue  # a number cut at the block's end: read on before trusting it
            raw = self.buf[self.pos : end]
            self.pos = end
            return "ok", value, raw

    def _wants_more(self, limit: int) -> bool:
        """Read another block if the value so far is within ``limit``; ``False`` when there is no more to read."""
        return len(self.buf) - self.pos <= limit and self.fill()

    def skip_value(self) -> None:
        """Move past one JSON value without keeping it, in blocks (for an item too long to decode)."""
        depth, first = 0, True
        while True:
            if self.pos >= len(self.buf):
                self.buf, self.pos = "", 0
                if not self.fill():
                    raise JsonArrayError("the array ends inside an item")
            char = self.buf[self.pos]
            if char == '"':
                self.pos += 1
                self._skip_string()
                if depth == 0:
                    return
            elif char in "[{":
                depth += 1
                self.pos += 1
            elif char in "]}":
                depth -= 1
                self.pos += 1
                if depth <= 0:
                    return
            elif depth == 0 and first:
                if not self._skip_scalar():
                    return
                continue  # garbage before an object, array or string: skip that value too
            else:
                found = self._STRUCTURE.search(self.buf, self.pos)
                self.pos = found.start() if found else len(self.buf)
            first = False

    def _skip_string(self) -> None:
        while True:
            found = self._STRING_END.search(self.buf, self.pos)
            if found is None:
                self.buf, self.pos = "", 0
                if not self.fill():
                    raise JsonArrayError("the array ends inside a string")
                continue
            if found.group() == '"':
                self.pos = found.end()
                return
            if found.end() >= len(self.buf):  # a backslash at the block's end: its escaped character follows
                self.buf, self.pos = "\\", 0
                if not self.fill():
                    raise JsonArrayError("the array ends inside a string")
                continue
            self.pos = found.end() + 1

    def _skip_scalar(self) -> bool:
        """Move past a number, literal or garbage; ``True`` when an object, array or string follows it directly."""
        while True:
            found = self._SCALAR_END.search(self.buf, self.pos)
            if found is not None:
                self.pos = found.start()
                return found.group() in '[{"'
            self.buf, self.pos = "", 0
            if not self.fill():
                return False
