"""What reconciliation reasons about: ERA payments, deposits, matches as made and as stored, and
the normalised forms of their references (trace numbers, bank references).

Pure models; the matcher is in `matching`, the follow-ups in `recon_followups`, the report in
`recon_report`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from remitflow.bank.models import BankTransaction
from remitflow.values import ZERO, DomainModel, Money, money_text, stable_id

if TYPE_CHECKING:  # in a signature only: reconciliation does not load the 835 models
    from remitflow.x12.models import TransactionHeader

PaymentMethod = Literal["ACH", "CHK", "NON", "BOP", "FWT"]  # BPR04
Confidence = Literal["exact", "normalized", "probable", "manual"]  # manual: a person paired them

_TEXT_HINT_LIMIT = 200


# --- models ----------------------------------------------------------------------------------------


class EraPayment(DomainModel):
    """The payment side of one 835 transaction set (BPR + TRN)."""

    era_id: str
    payer_id: str  # TRN03
    trace_number: str  # TRN02
    amount: Money  # BPR02
    payment_date: date | None = None  # BPR16
    method: PaymentMethod  # BPR04
    source: str  # object key of the 835 file

    @field_validator("method", mode="before")
    @classmethod
    def _method_code(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @property
    def needs_deposit(self) -> bool:
        """A zero-dollar ERA (BPR02 0, or BPR04 NON) moves no money: no deposit will ever come."""
        return self.amount > ZERO and self.method != "NON"

    @classmethod
    def from_header(cls, header: TransactionHeader, source_key: str, *, era_id: str | None = None) -> EraPayment:
        """From a parsed 835 header. Without `era_id`, a hash of TRN03, TRN02, BPR02 and BPR16: what makes
        two transaction sets the same payment (see services.ports.RemittanceKey)."""
        payment = header.payment
        payer = payment.payer_identifier or (header.payer.identifier if header.payer else None) or ""
        trace = payment.trace_number or f"ISA{header.interchange.control_number}-ST{header.control_number}"
        when = payment.effective_date
        return cls(
            era_id=era_id
            or stable_id("era", payer, trace, money_text(payment.amount), when.isoformat() if when else None),
            payer_id=payer,
            trace_number=trace,
            amount=payment.amount,
            payment_date=when,
            method=payment.method,  # checked by the model
            source=source_key,
        )


class Deposit(DomainModel):
    """Money in the bank that an ERA should explain."""

    deposit_id: str
    amount: Money
    booking_date: date
    trace_number: str | None = None  # TRN02 from the ACH addenda, when the bank passed it on
    payer_id: str | None = None  # TRN03 from the addenda
    text_hint: str | None = Field(default=None, repr=False)  # bank text: may name a person
    source: str  # object key of the bank file

    @field_validator("amount")
    @classmethod
    def _positive(cls, amount: Decimal) -> Decimal:
        if amount <= ZERO:
            raise ValueError(f"a deposit must be more than zero, got {amount}")
        return amount

    @classmethod
    def from_bank(cls, tx: BankTransaction) -> Deposit:
        """A credit from a bank file. Raises ValueError for anything else, and for a zero-dollar credit
        (an ACH prenote), which no ERA pays."""
        if not tx.is_deposit:
            raise ValueError(f"{tx.source} {tx.position}: a {tx.direction} is not a deposit")
        if tx.amount <= ZERO:
            raise ValueError(f"{tx.source} {tx.position}: a zero-dollar credit (an ACH prenote?) is not a deposit")
        text = " ".join(tx.text.split())[:_TEXT_HINT_LIMIT]
        return cls(
            deposit_id=tx.transaction_id,
            amount=tx.amount,
            booking_date=tx.booking_date,
            trace_number=tx.trace_number or None,
            payer_id=tx.payer_id or None,
            text_hint=text or None,
            source=tx.source,
        )


class Match(DomainModel):
    """ERAs and deposits that pay each other, and why we think so."""

    match_id: str  # the same ERAs and deposits always give the same id
    era_ids: tuple[str, ...]
    deposit_ids: tuple[str, ...]
    confidence: Confidence
    rule: str  # a sentence for a person
    trace_number: str | None = None  # the deposit's trace when it has one, else a single ERA's
    era_amount: Money
    deposit_amount: Money


class StoredMatch(BaseModel):
    """A match as the store keeps it, with what it joined: the one way a stored match is read back.

    Stores leave out fields without a value (a consolidated or split match without a trace has no
    `trace_number`), older records may lack what later ones carry, and the record carries the store's
    own keys: absent optional fields take their defaults and unknown fields are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    match_id: str
    era_ids: tuple[str, ...]
    deposit_ids: tuple[str, ...]
    confidence: Confidence
    rule: str = ""
    trace_number: str | None = None
    era_amount: Money
    deposit_amount: Money
    eras: tuple[EraPayment, ...] = ()  # the ERA payments as they were matched
    deposits: tuple[Deposit, ...] = ()
    posted: dict[str, Money] = Field(default_factory=dict)  # era id -> amount posted from it

    @property
    def match(self) -> Match:
        return Match.model_validate(self.model_dump(include=set(Match.model_fields)))


def match_id(era_ids: Iterable[str], deposit_ids: Iterable[str]) -> str:
    eras = sorted(era_ids)
    # The count keeps ("a", "b") + ("c",) apart from ("a",) + ("b", "c").
    return stable_id("match", len(eras), *eras, *sorted(deposit_ids))


class AmountMismatch(DomainModel):
    """An ERA and a deposit with the same trace and different amounts: a person must look."""

    era_id: str
    deposit_id: str
    trace_number: str  # the ERA's TRN02
    payer_id: str | None = None
    era_amount: Money
    deposit_amount: Money
    difference: Money  # deposit - ERA: negative when the bank got less than the ERA says


class MatchResult(DomainModel):
    matches: tuple[Match, ...] = ()
    amount_mismatches: tuple[AmountMismatch, ...] = ()
    unmatched_eras: tuple[EraPayment, ...] = ()  # needing a deposit; includes those in a mismatch
    unmatched_deposits: tuple[Deposit, ...] = ()  # includes those in a mismatch
    no_deposit_needed: tuple[str, ...] = ()  # era ids of zero-dollar / NON ERAs: never matched or reported


# --- normalisation ---------------------------------------------------------------------------------


def normalize_trace(text: str) -> str:
    """Bank noise off a trace or payer id: all whitespace, trailing backslashes/tildes (the TRN segment
    terminator copied into the addenda), case."""
    return "".join(text.split()).rstrip("\\~").upper()


def bank_reference_identity(tx: BankTransaction) -> str | None:
    """What makes two bank transactions the same one whatever file or format reported it (a BAI2 and
    a camt.053 of the same day): the account (letters and digits only, case and leading zeros
    ignored), the booking date and the bank's reference (whitespace and case ignored). None without
    a bank reference: such a transaction is known only by its place in its file."""
    reference = "".join((tx.bank_reference or "").split()).upper()
    if not reference:
        return None
    account = "".join(ch for ch in (tx.account_number or "").upper() if ch.isascii() and ch.isalnum()).lstrip("0")
    return stable_id("bank-reference", account, tx.booking_date.isoformat(), reference)


def strip_zeros(text: str) -> str:
    """The last resort: some banks pad or drop leading zeros of a numeric trace."""
    return normalize_trace(text).lstrip("0") or "0"
