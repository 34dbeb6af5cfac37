"""What the 835 reader knows at the current segment (the open interchange, functional group,
transaction set, claim and service line, and the transaction's running totals), and how a problem is
reported against it. The handlers in `envelope` and `segments` read and change one `ReaderState`."""

from __future__ import annotations

from typing import Any

from remitflow.x12.errors import Problem, ProblemLog, Severity, where
from remitflow.x12.fast_paths import Procedures
from remitflow.x12.models import Event, HeaderGroup, TransactionHeader
from remitflow.x12.tokenizer import SegmentReader

# Memory stays bounded whatever the input: the file keeps its first problems and a count of the rest
# (ProblemLog), and a claim, a service line or a transaction lists at most this many of its own
# errors or unrecognized segments; past that, one last entry says more were left out.
MAX_LISTED_IN_CLAIM = 100
MAX_LISTED_IN_TRANSACTION = 1000
NOT_LISTED = "more not listed here; the file's problems count them all"


def add_listed(items: list[str], item: str, limit: int) -> None:
    """Append `item` to a list of messages that holds at most `limit` of them."""
    if len(items) < limit:
        items.append(item)
    elif len(items) == limit:
        items.append(NOT_LISTED)


def add_listed_problem(items: list[Problem], problem: Problem, limit: int = MAX_LISTED_IN_CLAIM) -> None:
    """Append `problem` to a claim's or a line's problems, which hold at most `limit` of them."""
    if len(items) < limit:
        items.append(problem)
    elif len(items) == limit:
        items.append(problem.model_copy(update={"message": NOT_LISTED}))


def segment_label(segment: list[str]) -> str:
    """The segment id for a message; a short escaped excerpt when the 'segment' is not X12 at all
    (free text or binary junk could hold patient data and must not be quoted whole)."""
    segment_id = segment[0]
    if len(segment_id) <= 3 and segment_id.isalnum():
        return segment_id
    return repr(segment_id[:12]) + ("..." if len(segment_id) > 12 else "")


class ReaderState:
    """The reader's position and what it has read so far. Claims, lines, headers and totals are dicts
    of their models' fields until they are complete, then built into models once."""

    def __init__(self, reader: SegmentReader) -> None:
        self.reader = reader
        # Typed as ProblemLog, not list: compiled code would call list.append, not its capped append.
        self.problems: ProblemLog = ProblemLog()
        self.transactions_read = 0
        self.out: list[Event] = []  # events ready to be yielded
        self.component = ":"
        self.procedures = Procedures(":")
        self.number = 0  # of the current segment, counted from the start of the file
        self.at_end = False
        # envelope
        self.interchange: dict[str, Any] | None = None
        self.unread_outside: tuple[int, str] | None = None  # the first unknown segment outside a set
        self.padded_elements: set[str] = set()  # elements that had a number with spaces around it
        self.group_count = 0
        self.group: dict[str, Any] | None = None
        self.transaction_count = 0
        self.legacy = False
        # transaction
        self.control: str | None = None
        self.skipping = False
        self.st_number = 0
        self.header: dict[str, Any] | None = None
        self.emitted_header: TransactionHeader | None = None
        self.payment: dict[str, Any] | None = None
        self.party: dict[str, Any] | None = None
        self.totals: dict[str, Any] = {}
        self.group_header: HeaderGroup | None = None
        self.in_summary = False
        # claim
        self.claim: dict[str, Any] | None = None
        self.claim_problems: list[Problem] = []
        self.line: dict[str, Any] | None = None

    def use_component(self, component: str) -> None:
        """The component separator an ISA16 declares, for the composites that follow."""
        self.component = component
        if self.procedures.component != component:
            self.procedures = Procedures(component)

    # --- problems -----------------------------------------------------------------------------------

    def problem(
        self,
        severity: Severity,
        message: str,
        *,
        number: int | None = None,
        segment_id: str | None = None,
        element: str | None = None,
    ) -> Problem:
        problem = Problem(
            severity=severity,
            message=message,
            segment_number=number,
            segment_id=segment_id,
            element=element,
            transaction=self.control,
        )
        self.problems.append(problem)
        return problem

    def context(self) -> str:
        """' [transaction 0001, claim 7722]': where in the file a message is, by ids we assigned."""
        parts = []
        if self.control is not None:
            parts.append(f"transaction {self.control}")
        if self.claim is not None:
            parts.append(f"claim {self.claim.get('patient_control_number') or '(no CLP01)'}")
        return f" [{', '.join(parts)}]" if parts else ""

    def report(self, severity: Severity, segment: list[str], message: str, element: str | None = None) -> Problem:
        segment_id = segment_label(segment)
        text = f"{where(self.number, segment_id, element)}: {message}{self.context()}"
        return self.problem(severity, text, number=self.number, segment_id=segment_id, element=element)

    def warn(self, segment: list[str], message: str, element: str | None = None) -> None:
        self.report(Severity.WARNING, segment, message, element)

    def bad_segment(self, segment: list[str], message: str, element: str | None) -> None:
        """An error in one segment: spoil the smallest enclosing unit and go on."""
        if self.claim is not None:
            problem = self.report(Severity.ERROR, segment, message, element)
            add_listed_problem(self.claim_problems, problem)
            add_listed(
                self.claim["errors"], f"{where(self.number, segment[0], element)}: {message}", MAX_LISTED_IN_CLAIM
            )
            self._on_unreadable_line(problem)
        else:
            # Outside a claim (header, PLB, envelope, a misplaced segment): report it on the transaction
            # and go on. Only a transaction without a readable BPR is skipped, when its header ends.
            self.report(Severity.ERROR, segment, message, element)
            if self.control is not None and not self.skipping:
                add_listed(
                    self.totals["errors"],
                    f"{where(self.number, segment_label(segment), element)}: {message}",
                    MAX_LISTED_IN_TRANSACTION,
                )

    def soft_error(self, segment: list[str], message: str, element: str) -> None:
        """An error that leaves the enclosing claim readable but marks it as not to be trusted."""
        problem = self.report(Severity.ERROR, segment, message, element)
        if self.claim is not None:
            add_listed(
                self.claim["errors"], f"{where(self.number, segment[0], element)}: {message}", MAX_LISTED_IN_CLAIM
            )
            self._on_unreadable_line(problem)

    def _on_unreadable_line(self, problem: Problem) -> None:
        """A problem of the service line being read, kept with it when the line's SVC did not read."""
        line = self.line
        if line is not None and "problems" in line:
            add_listed_problem(line["problems"], problem)

    def padded_number(self, segment: list[str], element: str, value: str, stripped: str) -> None:
        """A number read without the spaces around it: a warning the first time in each element."""
        if element not in self.padded_elements:
            self.padded_elements.add(element)
            self.warn(
                segment,
                f"expected a decimal number without spaces, found {value!r}: read as {stripped}; "
                f"later numbers with spaces in {element} are read alike without a warning",
                element,
            )

    def separator(self) -> str:
        """The element separator, to keep a segment we do not read as its original text."""
        delimiters = self.reader.delimiters
        return delimiters.element if delimiters else "*"
