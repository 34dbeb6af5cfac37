"""BAI2 records as read: one logical record with its 88 continuations, its fields, and field values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(slots=True)
class Record:
    """One logical record: its physical line and the lines of the 88 records that continue it."""

    code: str
    line: int
    pieces: list[tuple[int, str]]  # (line number, raw text after "NN,")
    size: int = 0  # characters in `pieces`
    dropped_lines: int = 0  # 88 lines past MAX_RECORD_LENGTH, or the one line too long to hold
    overflow_line: int = 0  # where the record outgrew its bound
    long_line: int | None = None  # a line too long to hold: its length in bytes

    @property
    def lines(self) -> int:
        return len(self.pieces) + self.dropped_lines


class Fields:
    """The comma-separated fields of a logical record, read in order across its continuation lines."""

    def __init__(self, pieces: Sequence[tuple[int, str]]) -> None:
        self._pieces = pieces
        self._index = 0
        self._pos = 0
        self.line = pieces[0][0] if pieces else 0

    def take(self) -> str | None:
        """The next field, stripped; None when the record has no more fields."""
        while self._index < len(self._pieces):
            line, text = self._pieces[self._index]
            if self._pos > len(text):
                self._index += 1
                self._pos = 0
                continue
            self.line = line
            end = text.find(",", self._pos)
            if end < 0:
                value, self._pos = text[self._pos :], len(text) + 1
            else:
                value, self._pos = text[self._pos : end], end + 1
            return value.strip()
        return None

    def rest(self) -> str:
        """Everything after the fields taken so far, continuation lines joined with nothing between them."""
        if self._index >= len(self._pieces):
            return ""
        parts = [self._pieces[self._index][1][self._pos :]]
        parts.extend(text for _, text in self._pieces[self._index + 1 :])
        self._index = len(self._pieces)
        return "".join(parts)


def parse_cents(text: str, *, signed: bool) -> int | None:
    digits = text[1:] if signed and text[:1] in ("+", "-") else text
    if not digits or not (digits.isascii() and digits.isdigit()):
        return None
    value = int(digits)
    return -value if text.startswith("-") else value


def parse_count(text: str) -> int | None:
    return int(text) if text and text.isascii() and text.isdigit() else None


def money(cents_value: int) -> Decimal:
    return Decimal(cents_value).scaleb(-2)


def yymmdd(text: str) -> date | None:
    if len(text) != 6 or not (text.isascii() and text.isdigit()):
        return None
    year = int(text[:2])
    try:
        return date(2000 + year if year < 80 else 1900 + year, int(text[2:4]), int(text[4:6]))
    except ValueError:
        return None
