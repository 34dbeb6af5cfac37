"""How a biller closes a follow-up, and what the two money-moving resolutions do to a claim.

Pure, like the posting engine it reuses: the caller reads the follow-up, the claim and its postings,
passes the time in, and commits what comes back in one transaction.

- `applied_to_claim` runs the posting engine again on the held 835 claim payment, with CLP01 replaced
  by the claim the biller chose. The posting id is keyed on the follow-up, so the same held money can
  be posted once only, whichever claim it goes to.
- `written_off` adds one ledger entry of kind `write_off` (it moves the `other_adjustment` balance,
  so the insurance balance falls by the amount) under a posting whose id is also keyed on the
  follow-up. Written off in full, the claim is closed. With `balance` "patient" it writes off what
  the patient owes instead (entry kind `patient_write_off`, one of PatientWriteOffReason), from a
  follow-up about a posting that left the patient owing (PATIENT_WRITE_OFF_FITS).
- `appealed` moves no money: the follow-up waits under status appealed until its due date.
- The others only record the biller's decision.

Posting ids are keyed on the follow-up and on how many times it was reopened (`WorkItem.reopened`):
a reopen reverses the posting (see domain.undo), and the follow-up resolved again posts anew.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from remitflow.domain.claims import Claim, ClaimStatus, FeeSchedule
from remitflow.domain.errors import AlreadyApplied as AlreadyApplied  # noqa: PLC0414  # these lived here first
from remitflow.domain.errors import ResolutionError as ResolutionError  # noqa: PLC0414
from remitflow.domain.followups import Followup, FollowupType
from remitflow.domain.ledger import EntryKind, LedgerEntry, balance_updates
from remitflow.domain.posting import (
    DEFAULT_TOLERANCE,
    STATUS_NOT_OUR_CLAIM,
    Outcome,
    PostingDecision,
    PostingRecord,
    RemittanceRef,
    decide,
)
from remitflow.domain.underpayment import UnderpaymentTolerance
from remitflow.domain.work_items import AuditEntry as AuditEntry  # noqa: PLC0414
from remitflow.domain.work_items import Resolution as Resolution  # noqa: PLC0414
from remitflow.domain.work_items import WorkItem as WorkItem  # noqa: PLC0414
from remitflow.domain.work_items import WriteOffBalance as WriteOffBalance  # noqa: PLC0414
from remitflow.domain.work_items import resolution_audit as resolution_audit  # noqa: PLC0414
from remitflow.domain.work_items import resolved_fields as resolved_fields  # noqa: PLC0414
from remitflow.domain.work_items import status_after as status_after  # noqa: PLC0414
from remitflow.values import ZERO, cents, money_text, stable_id
from remitflow.x12.models import ClaimPayment

_ALL_TYPES = frozenset(FollowupType)
# Which resolutions make sense for which follow-ups. Held money goes to a claim only from the
# follow-ups that keep the claim payment; a balance is written off or appealed only where a claim of
# ours is in question; a refund only where the payer sent money we may not keep.
FITS: Mapping[Resolution, frozenset[FollowupType]] = {
    Resolution.APPLIED_TO_CLAIM: frozenset(
        {FollowupType.CLAIM_NOT_FOUND, FollowupType.NOT_OUR_CLAIM, FollowupType.REVERSAL_UNMATCHED}
    ),
    Resolution.WRITTEN_OFF: frozenset({FollowupType.DENIED, FollowupType.UNDERPAID, FollowupType.NOT_OUR_CLAIM}),
    Resolution.APPEALED: frozenset({FollowupType.DENIED, FollowupType.UNDERPAID, FollowupType.PROVIDER_ADJUSTMENT}),
    Resolution.REFUND_REQUESTED: frozenset(
        {
            FollowupType.OVERPAID,
            FollowupType.CLAIM_NOT_FOUND,
            FollowupType.NOT_OUR_CLAIM,
            FollowupType.DUPLICATE_REMITTANCE,
            FollowupType.PROVIDER_ADJUSTMENT,
            FollowupType.UNBALANCED,
        }
    ),
    Resolution.PAYER_CONTACTED: _ALL_TYPES,
    Resolution.DUPLICATE: _ALL_TYPES,
    Resolution.NO_ACTION: _ALL_TYPES,
}
# A patient balance is written off only from a follow-up about a posting that left the patient
# owing (PR adjustments on a posted claim payment); a not-our-claim's payment posted nothing.
PATIENT_WRITE_OFF_FITS = frozenset({FollowupType.DENIED, FollowupType.UNDERPAID})
# What a held claim payment may become on the chosen claim: posted, forwarded, a reversal of an
# earlier posting, or a denial recorded. Anything else would be held again.
APPLIED_OUTCOMES = frozenset({Outcome.POSTED, Outcome.FORWARDED, Outcome.REVERSED, Outcome.DENIED})
# CLP02 "1": processed as primary. See `apply_to_claim`.
PROCESSED_AS_PRIMARY = "1"


class PatientWriteOffReason(StrEnum):
    SMALL_BALANCE = "small_balance"
    HARDSHIP = "hardship"
    COURTESY = "courtesy"


def fitting(followup_type: FollowupType) -> list[Resolution]:
    """The resolutions a follow-up of this type may be given, in the enum's order."""
    return [resolution for resolution in Resolution if followup_type in FITS[resolution]]


def check_fits(followup: Followup, resolution: Resolution) -> None:
    if followup.type not in FITS[resolution]:
        choices = ", ".join(fitting(followup.type))
        raise ResolutionError(
            "resolution", f"{resolution.value} does not fit a {followup.type.value} follow-up; choose one of {choices}"
        )


def check_appeal_due(due: date | None, today: date) -> date:
    if due is None:
        raise ResolutionError("appeal_due_date", "required for appealed (YYYY-MM-DD)")
    if due < today:
        raise ResolutionError("appeal_due_date", f"{due.isoformat()} is in the past")
    return due


# ------------------------------------------------------------------------- applied to a claim


def held_claim_payment(followup: Followup) -> ClaimPayment:
    """The 835 claim payment the follow-up keeps (the engine stores it on every follow-up that holds money)."""
    raw = followup.detail.get("claim_payment")
    if not isinstance(raw, dict):
        raise ResolutionError("resolution", "this follow-up keeps no 835 claim payment to apply to a claim")
    try:
        return ClaimPayment.model_validate(raw)
    except ValidationError as error:
        raise ResolutionError(
            "resolution", f"the kept claim payment cannot be read: {error.errors()[0]['msg']}"
        ) from None


def held_remittance(followup: Followup) -> RemittanceRef:
    """The remittance the held payment came in, as the follow-up recorded it."""
    trace = followup.detail.get("trace_number")
    if not followup.payer_id or not isinstance(trace, str):
        raise ResolutionError("resolution", "this follow-up does not say which remittance its money came in")
    paid_on = followup.detail.get("payment_date")
    return RemittanceRef(
        payer_id=followup.payer_id,
        trace_number=trace,
        payment_date=date.fromisoformat(paid_on) if isinstance(paid_on, str) else None,
        source_key=followup.source,
    )


def held_posting_id(followup: Followup) -> str | None:
    """The posting that held the money: its unapplied cash is stored under this id."""
    value = followup.detail.get("posting_id")
    return value if isinstance(value, str) else None


def _round(*key: str | int) -> tuple[str | int, ...]:
    """Round 0 keeps the ids postings had before follow-ups could be reopened."""
    return key if key[-1] else key[:-1]


def applied_posting_id(followup_id: str, round_: int = 0) -> str:
    return stable_id("posting", "applied", *_round(followup_id, round_))


def apply_to_claim(
    followup: Followup,
    claim: Claim | None,
    *,
    claim_id: str,
    prior_postings: Sequence[PostingRecord] = (),
    fee_schedule: FeeSchedule | None = None,
    tolerance: UnderpaymentTolerance = DEFAULT_TOLERANCE,
    now: datetime,
    round_: int = 0,
) -> PostingDecision:
    """Post the follow-up's held claim payment to `claim` (the claim whose id is `claim_id`, None if
    there is none) through the posting engine. The decision carries no unapplied cash: money that would
    only be held again is refused with the engine's reason.

    A CLP02 23 ("not our claim") payment can never post as it is; a biller applying it asserts the money
    pays the chosen claim, so it posts as processed (CLP02 1).
    """
    check_fits(followup, Resolution.APPLIED_TO_CLAIM)
    if followup.type is not FollowupType.CLAIM_NOT_FOUND and not followup.amount:
        raise ResolutionError("resolution", f"this {followup.type.value} follow-up holds no money to apply")
    if claim is None:
        raise ResolutionError("claim_id", f"no claim {claim_id!r}")
    payment = held_claim_payment(followup)
    changes: dict[str, Any] = {"patient_control_number": claim.claim_id}
    if payment.status_code == STATUS_NOT_OUR_CLAIM:
        changes["status_code"] = PROCESSED_AS_PRIMARY
    decision = decide(
        payment.model_copy(update=changes),
        remittance=held_remittance(followup),
        claim=claim,
        occurrence=0,
        fee_schedule=fee_schedule or FeeSchedule(),
        prior_postings=prior_postings,
        tolerance=tolerance,
        now=now,
        override_posting_id=applied_posting_id(followup.id, round_),
    )
    if decision.outcome is Outcome.NO_OP:
        raise AlreadyApplied(f"follow-up {followup.id} is already applied to claim {claim.claim_id}")
    if decision.outcome not in APPLIED_OUTCOMES or decision.unapplied_cash:
        why = decision.followups[0].detail.get("reason") if decision.followups else decision.outcome.value
        raise ResolutionError(
            "claim_id", f"the posting engine would hold this payment again on claim {claim.claim_id}: {why}"
        )
    return decision


# ------------------------------------------------------------------------------- written off


def write_off_posting_id(followup_id: str, round_: int = 0) -> str:
    return stable_id("posting", "write_off", *_round(followup_id, round_))


def write_off(
    followup: Followup,
    claim: Claim,
    *,
    amount: Decimal | None,
    reason: str,
    by: str,
    now: datetime,
    balance_of: WriteOffBalance = WriteOffBalance.INSURANCE,
    round_: int = 0,
) -> PostingDecision:
    """Write off `amount` (default: all of it) of the claim's insurance or patient balance.

    Recorded as a posting with one `write_off` (or `patient_write_off`) entry, so the claim's ledger
    shows it next to the payer's postings; the claim's version moves, so it commits only on the claim
    as it was read. A patient write-off gives one of PatientWriteOffReason as its reason.
    """
    check_fits(followup, Resolution.WRITTEN_OFF)
    reason = reason.strip()
    if not reason:
        raise ResolutionError("write_off_reason", "required for written_off")
    patient = balance_of is WriteOffBalance.PATIENT
    if patient and followup.type not in PATIENT_WRITE_OFF_FITS:
        fits = " or ".join(sorted(t.value for t in PATIENT_WRITE_OFF_FITS))
        raise ResolutionError(
            "write_off_balance",
            f"a patient balance is written off from a {fits} follow-up; this {followup.type.value} one posted "
            "nothing the patient owes: write off the insurance balance",
        )
    if patient and reason not in set(PatientWriteOffReason):
        choices = ", ".join(PatientWriteOffReason)
        raise ResolutionError("write_off_reason", f"a patient balance is written off as one of {choices}")
    pid = write_off_posting_id(followup.id, round_)
    if pid in claim.posting_ids:
        raise AlreadyApplied(f"follow-up {followup.id} already wrote off part of claim {claim.claim_id}")
    balance = claim.patient_balance if patient else claim.insurance_balance
    if balance <= 0:
        raise ResolutionError(
            "claim_id", f"claim {claim.claim_id} has no {balance_of.value} balance to write off ({money_text(balance)})"
        )
    amount = balance if amount is None else cents(amount)
    if amount <= 0:
        raise ResolutionError("amount", f"must be more than 0.00, not {money_text(amount)}")
    if amount > balance:
        raise ResolutionError(
            "amount",
            f"{money_text(amount)} is more than claim {claim.claim_id}'s {balance_of.value} balance "
            f"{money_text(balance)}",
        )
    entry = LedgerEntry(
        entry_id=stable_id("entry", pid, 0),
        posting_id=pid,
        claim_id=claim.claim_id,
        kind=EntryKind.PATIENT_WRITE_OFF if patient else EntryKind.WRITE_OFF,
        amount=amount,
        note=f"{'patient balance ' if patient else ''}written off by {by}: {reason}",
    )
    updated = claim.model_copy(
        update={
            "version": claim.version + 1,
            "posting_ids": [*claim.posting_ids, pid],
            **balance_updates(claim, [entry]),
        }
    )
    if not patient and updated.insurance_balance == ZERO:
        updated = updated.model_copy(update={"status": ClaimStatus.CLOSED})
    return PostingDecision(
        posting_id=pid,
        claim_id=claim.claim_id,
        # No remittance brought this: the payer it is owed by, and the follow-up it was decided on.
        remittance=RemittanceRef(
            payer_id=claim.payer_id, trace_number="write-off", payment_date=now.date(), source_key=followup.source
        ),
        payer_claim_control_number=None,
        status_code="",
        outcome=Outcome.WRITTEN_OFF,
        entries=[entry],
        claim=updated,
    )
