"""Ledger entries: one per payment and per CAS triplet, so every cent of a claim's charge has a line."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from remitflow.domain.claims import Claim, ClaimLine
from remitflow.values import ZERO, DomainModel, Money, cents, stable_id

if TYPE_CHECKING:  # in signatures only
    from remitflow.x12.models import Adjustment, ClaimPayment, ServiceLine


class EntryKind(StrEnum):
    PAYMENT = "payment"
    CONTRACTUAL_ADJUSTMENT = "contractual_adjustment"  # CO
    OTHER_ADJUSTMENT = "other_adjustment"  # OA, PI (and CR in 4010 files)
    PATIENT_RESPONSIBILITY = "patient_responsibility"  # PR: reason 1 deductible, 2 coinsurance, 3 copay, ...
    WRITE_OFF = "write_off"  # a biller's decision, not the payer's: kept apart from the CAS adjustments
    PATIENT_WRITE_OFF = "patient_write_off"  # what the patient owes, forgiven (small balance, hardship...)
    # OA-23 from a later payer, when the earlier payers' own postings are on the claim: recorded, but
    # it moves no balance, since those postings already did.
    PRIOR_PAYER = "prior_payer"


# CLP02 of a payer after the first: processed as secondary or tertiary (and maybe forwarded again).
LATER_PAYER = frozenset({"2", "3", "20", "21"})
PRIOR_PAYER_IMPACT = ("OA", "23")  # CARC 23: the impact of prior payers' adjudication

KIND_OF_GROUP = {
    "CO": EntryKind.CONTRACTUAL_ADJUSTMENT,
    "OA": EntryKind.OTHER_ADJUSTMENT,
    "PI": EntryKind.OTHER_ADJUSTMENT,
    "CR": EntryKind.OTHER_ADJUSTMENT,
    "PR": EntryKind.PATIENT_RESPONSIBILITY,
}

# Which claim balance each kind of entry moves (PRIOR_PAYER moves none).
BALANCE_OF_KIND = {
    EntryKind.PAYMENT: "insurance_paid",
    EntryKind.CONTRACTUAL_ADJUSTMENT: "contractual_adjustment",
    EntryKind.OTHER_ADJUSTMENT: "other_adjustment",
    EntryKind.PATIENT_RESPONSIBILITY: "patient_responsibility",
    # The claim has no balance of its own for write-offs: like OA/PI, they reduce what the payers owe.
    EntryKind.WRITE_OFF: "other_adjustment",
    # Kept apart from patient_responsibility (what the payers said the patient owes), so the
    # insurance balance does not move when the patient's share is forgiven.
    EntryKind.PATIENT_WRITE_OFF: "patient_written_off",
}


class LedgerEntry(DomainModel):
    """One amount on a claim. A reversal keeps the kind of what it undoes, negated, and names it."""

    entry_id: str
    posting_id: str
    claim_id: str
    kind: EntryKind
    group: str | None = None  # CAS01; None for payments
    reason: str | None = None  # CARC
    amount: Money
    quantity: Decimal | None = None
    line_number: int | None = None  # our claim line; None = posted at claim level
    procedure_code: str | None = None
    note: str | None = None  # why an entry is where it is (unmatched line, claim-level correction)
    reverses: str | None = None  # the entry id this one undoes


class _Book:
    """Collects entries of one posting; the n-th entry's id is a hash of (posting id, n)."""

    def __init__(self, posting_id: str, claim_id: str) -> None:
        self.posting_id = posting_id
        self.claim_id = claim_id
        self.entries: list[LedgerEntry] = []

    def add(self, kind: EntryKind, amount: Decimal, **fields: object) -> None:
        entry_id = stable_id("entry", self.posting_id, len(self.entries))
        self.entries.append(
            LedgerEntry.model_validate(
                {"entry_id": entry_id, "posting_id": self.posting_id, "claim_id": self.claim_id}
                | {"kind": kind, "amount": amount, **fields}
            )
        )

    def adjust(self, adjustments: Sequence[Adjustment], *, after_earlier_payers: bool, **where: object) -> None:
        for a in adjustments:  # every triplet, even a zero one: it is what the payer said
            if after_earlier_payers and (a.group, a.reason) == PRIOR_PAYER_IMPACT:
                kind = EntryKind.PRIOR_PAYER
            else:
                kind = KIND_OF_GROUP.get(a.group, EntryKind.OTHER_ADJUSTMENT)
            self.add(kind, a.amount, group=a.group, reason=a.reason, quantity=a.quantity, **where)


def _line_place(index: int, line: ServiceLine, match: ClaimLine | None, note: str | None) -> dict[str, object]:
    if match is not None:
        place: dict[str, object] = {"line_number": match.line_number, "procedure_code": match.procedure_code}
        return place | ({"note": note} if note else {})
    reference = f", REF*6R {line.line_control_number}" if line.line_control_number else ""
    return {
        "procedure_code": line.procedure.code,
        "note": note
        or f"service line {index} ({line.procedure.code}{reference}) matched no claim line: posted at claim level",
    }


def payment_entries(
    claim_payment: ClaimPayment,
    matches: Sequence[ClaimLine | None],
    posting_id: str,
    claim: Claim,
    notes: Sequence[str | None] = (),
) -> list[LedgerEntry]:
    """Payments and adjustments of a processed claim payment; the payments always add up to CLP04.
    `notes` (one per service line, optional) say on each of the line's entries how it was matched.

    A later payer's claim payment (CLP02 2, 3, 20 or 21) restates the whole claim. When earlier payers'
    remittances are already posted to it, its OA-23 (their payments and adjustments) is recorded
    without moving a balance, and its PR replaces theirs: what the patient owes is what the last payer
    says. When they are not (the primary paid on paper, say), OA-23 is the only record of that money
    and is posted as an adjustment.
    """
    book = _Book(posting_id, claim.claim_id)
    after_earlier_payers = claim_payment.status_code in LATER_PAYER and _settled_by_payers(claim) != 0
    lines_paid = ZERO
    for index, (line, match) in enumerate(zip(claim_payment.service_lines, matches, strict=True), start=1):
        place = _line_place(index, line, match, notes[index - 1] if notes else None)
        if line.paid_amount:
            book.add(EntryKind.PAYMENT, line.paid_amount, **place)
        lines_paid += line.paid_amount
        book.adjust(line.adjustments, after_earlier_payers=after_earlier_payers, **place)
    book.adjust(claim_payment.adjustments, after_earlier_payers=after_earlier_payers)
    # Without lines the claim is paid as a whole; with lines, claim-level CAS reduce the line payments.
    rest = claim_payment.paid_amount - lines_paid
    if rest:
        note = "claim-level adjustments reduce the line payments" if claim_payment.service_lines else None
        book.add(EntryKind.PAYMENT, rest, note=note)
    if after_earlier_payers and claim.patient_responsibility:
        book.add(
            EntryKind.PATIENT_RESPONSIBILITY,
            -claim.patient_responsibility,
            note="the earlier payers' patient responsibility, replaced by this payer's",
        )
    return book.entries


def _settled_by_payers(claim: Claim) -> Decimal:
    """What earlier postings settled of the charge on the payers' side: paid and adjusted."""
    return claim.insurance_paid + claim.contractual_adjustment + claim.other_adjustment


def reversal_entries(original: Sequence[LedgerEntry], posting_id: str, claim_id: str) -> list[LedgerEntry]:
    """The original posting's entries negated, each naming the entry it undoes."""
    book = _Book(posting_id, claim_id)
    for entry in original:
        book.add(
            entry.kind,
            -entry.amount,
            group=entry.group,
            reason=entry.reason,
            quantity=None if entry.quantity is None else -entry.quantity,
            line_number=entry.line_number,
            procedure_code=entry.procedure_code,
            reverses=entry.entry_id,
        )
    return book.entries


def paid_by(entries: Sequence[LedgerEntry]) -> Decimal:
    return cents(sum((e.amount for e in entries if e.kind is EntryKind.PAYMENT), ZERO))


def balance_updates(claim: Claim, entries: Sequence[LedgerEntry]) -> dict[str, Decimal]:
    """The claim's balances with the entries added, as fields for `Claim.model_copy(update=...)`."""
    updates = {name: getattr(claim, name) for name in BALANCE_OF_KIND.values()}
    for entry in entries:
        balance = BALANCE_OF_KIND.get(entry.kind)
        if balance is not None:
            updates[balance] += entry.amount
    return updates
