"""Problems found while reading X12: positioned, human-readable, never a bare traceback."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Problem(BaseModel):
    """One thing wrong with the input, with where it was found.

    `segment_number` counts segments from the start of the file (1 = the first ISA).
    Messages name ids we read from the envelope or the claim number (CLP01), never patient data.
    """

    model_config = ConfigDict(defer_build=True)  # its schema is built with the first problem found

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


# Problems one file may keep: a hostile file of a million bad segments costs no more than one of a
# thousand. The first MAX_PROBLEMS - 1 are kept whole; the last place says how many more there were.
MAX_PROBLEMS = 1000


class ProblemLog(list[Problem]):
    """A list of problems that stops growing at `limit` through `append` (the parser's only way in):
    a drop-in for the parser's `problems` list.

    Past the limit, the last place holds a count of the problems not listed, as an error if any of
    them was one (so a capped file never looks cleaner than it is), in the transaction set of the
    last of them.
    """

    def __init__(self, limit: int = MAX_PROBLEMS) -> None:
        super().__init__()
        self.limit = max(limit, 1)
        self.not_listed = 0
        self._worst = Severity.WARNING

    def append(self, problem: Problem) -> None:
        if len(self) < self.limit:
            super().append(problem)
            return
        if not self.not_listed:
            self.not_listed = 1  # the problem in the last place makes way for the count
            self._worst = self[-1].severity
        self.not_listed += 1
        if problem.severity is Severity.ERROR:
            self._worst = Severity.ERROR
        self[-1] = Problem(
            severity=self._worst,
            message=f"{self.not_listed:,} more problems not listed; the first {self.limit - 1:,} are above",
            transaction=problem.transaction,
        )
