"""What the bank readers produce: transactions, the account summaries a file reports, and problems.

Every format (BAI2, camt.052/053/054, CSV exports) becomes the same `BankTransaction`. Amounts are
positive; the direction says which way the money went. Only `Direction.CREDIT` is a deposit the
matcher may pair with an ERA: debits, returns and entries of unknown direction are recorded, never
matched as payments.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Self

from pydantic import Field, field_validator, model_validator

from remitflow.values import DomainModel, Money


class BankFormat(StrEnum):
    BAI2 = "bai2"
    CAMT052 = "camt.052"
    CAMT053 = "camt.053"
    CAMT054 = "camt.054"
    CSV = "csv"


class Direction(StrEnum):
    CREDIT = "credit"  # money in: a deposit
    DEBIT = "debit"  # money out: fees, checks paid, transfers
    RETURN = "return"  # a returned item or a reversal, either way (`credit` says which)
    UNKNOWN = "unknown"  # a bank-specific code that does not say which way the money went


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


def mask_account(account_number: str | None) -> str | None:
    """'****6789': all a log line, a metric or an error message may show of an account number."""
    if account_number is None:
        return None
    if not account_number:
        return ""
    return "****" + account_number[-4:] if len(account_number) > 4 else "****"


def shown(value: str | None, limit: int = 20) -> str:
    """A value the bank wrote, as an error message may quote it: short, and never free text.

    Coded fields (amounts, dates, codes) hold no spaces; a value with one is text in the wrong place
    (a memo, maybe a name), so only its length is told.
    """
    text = value or ""
    if " " in text.strip():
        return f"a text of {len(text)} characters"
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


class TraceRef(DomainModel):
    """The reassociation trace found in bank text: the 835's TRN02 (and TRN03 when present)."""

    trace_number: str
    payer_id: str | None = None
    raw: str  # the text it was read from, as found


class BankTransaction(DomainModel):
    """One line of a bank file: a deposit, a debit or a return on one account.

    `transaction_id` is derived from what identifies the file (not its name) and the transaction's
    place in it, so reading the same file again (or a re-upload under another key) gives the same ids.
    """

    transaction_id: str
    source: str  # the name (object key) of the file it was read from
    format: BankFormat
    account_number: str | None = Field(default=None, repr=False)
    currency: str = "USD"
    amount: Money
    direction: Direction
    credit: bool | None  # True money in, False money out, None when the bank's code does not say
    booking_date: date
    value_date: date | None = None
    type_code: str | None = None  # BAI2 type code, ISO Domn/Fmly/SubFmly ("PMNT/RCDT/ACDT") or proprietary code
    bank_reference: str | None = None
    customer_reference: str | None = None
    # Free text and addenda: may name a card holder, so kept out of repr.
    text: str = Field(default="", repr=False)
    trace_number: str | None = None
    payer_id: str | None = None
    line: int | None = None  # BAI2 line of the 16 record, CSV line of the row
    path: str | None = None  # camt: the element path of the entry or transaction details

    @field_validator("amount")
    @classmethod
    def _positive(cls, amount: Decimal) -> Decimal:
        if amount < 0:
            raise ValueError(f"amount must not be negative (the direction carries the sign), got {amount}")
        return amount

    @model_validator(mode="after")
    def _direction_agrees(self) -> Self:
        expected = {Direction.CREDIT: True, Direction.DEBIT: False, Direction.UNKNOWN: None}
        if self.direction in expected and self.credit is not expected[self.direction]:
            raise ValueError(f"direction {self.direction} needs credit={expected[self.direction]}, got {self.credit}")
        if self.direction is Direction.RETURN and self.credit is None:
            raise ValueError("a return must say whether money came in or went out (credit True or False)")
        return self

    @property
    def masked_account(self) -> str | None:
        return mask_account(self.account_number)

    @property
    def is_deposit(self) -> bool:
        """A credit the matcher may pair with an ERA payment."""
        return self.direction is Direction.CREDIT

    @property
    def signed_amount(self) -> Decimal | None:
        """Positive for money in, negative for money out, None when the direction is unknown."""
        if self.credit is None:
            return None
        return self.amount if self.credit else -self.amount

    @property
    def position(self) -> str:
        """Where it is in its file, for a person: 'line 7' or an element path."""
        if self.path is not None:
            return self.path
        return f"line {self.line}" if self.line is not None else "file"


class SummaryAmount(DomainModel):
    """One type code/amount pair of a BAI2 03 record: a balance (010-099) or an activity summary."""

    type_code: str
    amount: Money | None  # signed for balances; None when the bank left it blank
    item_count: int | None = None


class AccountSummary(DomainModel):
    """What a BAI2 03 record reports for one account on one as-of date."""

    account_number: str = Field(repr=False)
    currency: str
    as_of: date
    line: int
    amounts: tuple[SummaryAmount, ...] = ()

    @property
    def masked_account(self) -> str | None:
        return mask_account(self.account_number)


class BankProblem(DomainModel):
    """One thing wrong with a bank file, with where it was found and what was expected.

    `message` is complete on its own ("deposits.bai line 7 (16 record), field amount: expected ...").
    It quotes codes, amounts and dates the bank wrote, never free text, and account numbers masked.
    """

    severity: Severity
    message: str
    source: str
    line: int | None = None
    record: str | None = None  # BAI2 record code, "row" for CSV, element name for camt
    field: str | None = None
    path: str | None = None

    def __str__(self) -> str:
        return self.message


class BankStatement(DomainModel):
    """Everything read from one bank file."""

    source: str
    format: BankFormat
    file_id: str  # stable: the same file content gives the same id whatever its name
    transactions: tuple[BankTransaction, ...] = ()
    accounts: tuple[AccountSummary, ...] = ()
    errors: tuple[BankProblem, ...] = ()
    warnings: tuple[BankProblem, ...] = ()

    @property
    def deposits(self) -> tuple[BankTransaction, ...]:
        return tuple(t for t in self.transactions if t.is_deposit)


class BankFileError(Exception):
    """The file cannot be read at all: not the format it claims, unsafe XML, a broken header."""

    def __init__(
        self,
        message: str,
        *,
        source: str,
        line: int | None = None,
        field: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.field = field
        self.path = path
