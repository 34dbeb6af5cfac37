"""Undoing a biller's posting when its follow-up is reopened: the posting stays on the ledger and a
reversal posting beside it negates every entry, so the claim's history shows both, never a gap.

Pure, like the posting engine: the caller reads the claim and the posting, passes the time in, and
commits the decision (the reversal, the claim at its next version) with the follow-up's change in one
transaction. The reversal's id is keyed on the posting it undoes, so a posting is undone once only.
"""

from __future__ import annotations

from datetime import datetime

from remitflow.domain.claims import Claim, ClaimStatus
from remitflow.domain.errors import AlreadyApplied, ResolutionError
from remitflow.domain.ledger import balance_updates, paid_by, reversal_entries
from remitflow.domain.posting import Outcome, PostingDecision, PostingRecord
from remitflow.values import stable_id


def undo_posting_id(posting_id: str) -> str:
    return stable_id("posting", "undo", posting_id)


def undo_posting(original: PostingRecord, claim: Claim, *, by: str, now: datetime) -> PostingDecision:
    """The reversal of `original` on `claim` (the claim it is on, as read now).

    Raises AlreadyApplied when it is undone already, ResolutionError when it is not on the claim.
    """
    pid = undo_posting_id(original.posting_id)
    if pid in claim.posting_ids:
        raise AlreadyApplied(f"posting {original.posting_id} on claim {claim.claim_id} is already undone")
    if original.posting_id not in claim.posting_ids or original.claim_id != claim.claim_id:
        raise ResolutionError("claim_id", f"posting {original.posting_id} is not on claim {claim.claim_id}")
    note = f"undone by {by} on {now.date().isoformat()}: its follow-up was reopened"
    entries = [
        entry.model_copy(update={"note": note}) for entry in reversal_entries(original.entries, pid, claim.claim_id)
    ]
    updated = claim.model_copy(
        update={
            "version": claim.version + 1,
            "posting_ids": [*claim.posting_ids, pid],
            **balance_updates(claim, entries),
        }
    )
    return PostingDecision(
        posting_id=pid,
        claim_id=claim.claim_id,
        remittance=original.remittance,
        payer_claim_control_number=original.payer_claim_control_number,
        status_code=original.status_code,
        outcome=Outcome.REVERSED,
        entries=entries,
        posted_payment=paid_by(entries),
        reverses=original.posting_id,
        claim=updated.model_copy(update={"status": status_after_undo(original, updated)}),
    )


def status_after_undo(original: PostingRecord, claim: Claim) -> ClaimStatus:
    """With money owed again (or a recorded denial undone) the claim is open, or partially paid when
    payers paid some of it; otherwise what other postings made it stays."""
    if claim.insurance_balance > 0 or original.outcome is Outcome.DENIED:
        return ClaimStatus.PARTIALLY_PAID if claim.insurance_paid > 0 else ClaimStatus.OPEN
    return claim.status
