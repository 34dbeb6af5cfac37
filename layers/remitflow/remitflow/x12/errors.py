"""Problems found while reading X12: positioned, human-readable, never a bare traceback."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Problem(BaseModel):
    """One thing wrong with the input, with where it was found.

    `segment_number` counts segments from the start of the file (1 = the first ISA).
    Messages name ids we read from the envelope or the claim number (CLP01), never patient data.
    """

    severity: Severity
    message: str
    segment_number: int | None = None
    segment_id: str | None = None
    element: str | None = None
    transaction: str | None = None

    def __str__(self) -> str:
        return self.message


class X12SyntaxError(Exception):
    """The input cannot be read as X12 at all (no ISA, garbage, a truncated envelope header)."""

    def __init__(self, message: str, *, segment_number: int | None = None, segment_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.segment_number = segment_number
        self.segment_id = segment_id


def where(segment_number: int | None, segment_id: str | None, element: str | None = None) -> str:
    """'segment 14 (CLP), element CLP04' — the prefix of every positioned message."""
    if segment_number is None:
        return "file"
    text = f"segment {segment_number} ({segment_id})" if segment_id else f"segment {segment_number}"
    return f"{text}, element {element}" if element else text
