"""What every bank reader shares: read once, stream transactions, collect positioned problems."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import ClassVar

from remitflow.bank.models import AccountSummary, BankFormat, BankProblem, BankStatement, BankTransaction, Severity
from remitflow.bank.source import DepositSource
from remitflow.values import stable_id

# Problems kept per severity and file, the last place being a count of the rest: a file of a million
# bad rows costs no more memory than one of a hundred. A follow-up lists 100 problems
# (domain.followups.unreadable_file), so the count is among those a person sees.
MAX_PROBLEMS = 100


class DepositReader(ABC):
    """Iterate to stream the transactions; afterwards `errors`, `warnings`, `file_id` are complete.

    A reader never raises for a bad record: the record becomes an error and reading goes on. It
    raises `BankFileError` only when the file as a whole cannot be read. `errors` and `warnings` hold
    at most MAX_PROBLEMS each: past that, the last one says how many more there were
    (`errors_not_listed`, `warnings_not_listed`).
    """

    default_format: ClassVar[BankFormat]

    def __init__(self, source_name: str, source: DepositSource) -> None:
        self.source = source_name
        self._input = source
        self.format = self.default_format
        self.errors: list[BankProblem] = []
        self.warnings: list[BankProblem] = []
        self.errors_not_listed = 0
        self.warnings_not_listed = 0
        self.accounts: list[AccountSummary] = []
        self._file_id: str | None = None
        self._started = False

    def __iter__(self) -> Iterator[BankTransaction]:
        if self._started:
            raise RuntimeError(f"{self.source}: a reader reads its input once")
        self._started = True
        return self._read()

    @abstractmethod
    def _read(self) -> Iterator[BankTransaction]: ...

    @property
    def file_id(self) -> str:
        return self._file_id or stable_id(str(self.format), "unidentified", self.source)

    def read(self) -> BankStatement:
        """Read everything (raises `BankFileError` if the file cannot be read at all)."""
        transactions = tuple(self)
        return BankStatement(
            source=self.source,
            format=self.format,
            file_id=self.file_id,
            transactions=transactions,
            accounts=tuple(self.accounts),
            errors=tuple(self.errors),
            warnings=tuple(self.warnings),
        )

    def error(self, where: str, message: str, **position: str | int | None) -> None:
        self._add(Severity.ERROR, where, message, position)

    def warning(self, where: str, message: str, **position: str | int | None) -> None:
        self._add(Severity.WARNING, where, message, position)

    def _add(self, severity: Severity, where: str, message: str, position: dict[str, str | int | None]) -> None:
        problems = self.errors if severity is Severity.ERROR else self.warnings
        if len(problems) >= MAX_PROBLEMS:
            self._not_listed(severity, problems)
            return
        problem = BankProblem.model_validate(
            {"severity": severity, "message": f"{self.source} {where}: {message}", "source": self.source, **position}
        )
        problems.append(problem)

    def _not_listed(self, severity: Severity, problems: list[BankProblem]) -> None:
        """Count one more problem past the cap; the last place says how many are not listed."""
        kind = "errors" if severity is Severity.ERROR else "warnings"
        # The first time, the problem in the last place makes way for the count: it is one of them.
        count = (getattr(self, f"{kind}_not_listed") or 1) + 1
        setattr(self, f"{kind}_not_listed", count)
        problems[-1] = BankProblem.model_construct(
            severity=severity,
            message=f"{self.source}: {count:,} more {kind} not listed; the first {MAX_PROBLEMS - 1} are above",
            source=self.source,
        )
