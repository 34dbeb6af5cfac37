"""Appeals that come back.

Appealing marks the claim (`Claim.appeals`, written with the follow-up's change). The posting engine's
hook, `answer_appeals`, sees the marker on the claim it has read anyway: a payer posting on a marked
claim raises an APPEAL_ANSWERED, and the worklist closes the appeal with a note naming the ERA and
what it paid. No query per claim; a claim without appeals costs one list check.

The daily sweep decides the rest for a follow-up still under status appealed: on its due date it
opens again, due. As a backstop (an appeal marked before the hook, a message lost) it also closes an
appeal when a payer posting landed after the `appeal_postings_seen` it kept. A biller's own postings
(write-offs, undos) are no answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from remitflow.domain.claims import Claim
from remitflow.domain.followups import FollowupType, new_followup
from remitflow.domain.posting import Outcome, PostingDecision, PostingRecord
from remitflow.domain.undo import undo_posting_id
from remitflow.values import money_text

if TYPE_CHECKING:  # in signatures only
    from remitflow.domain.work_items import WorkItem


def has_new_postings(item: WorkItem, claim: Claim | None) -> bool:
    """Whether anything posted to the claim since the appeal (cheap: the claim's posting count)."""
    seen = item.appeal_postings_seen
    return claim is not None and seen is not None and len(claim.posting_ids) > seen


def payer_answer(item: WorkItem, claim: Claim, postings: Sequence[PostingRecord]) -> PostingRecord | None:
    """The first payer posting on the claim after the appeal, if any."""
    new = set(claim.posting_ids[item.appeal_postings_seen or 0 :])
    for posting in postings:
        if posting.posting_id in new and _from_the_payer(posting):
            return posting
    return None


def _from_the_payer(posting: PostingRecord) -> bool:
    if posting.outcome is Outcome.WRITTEN_OFF:
        return False
    return not (posting.reverses and posting.posting_id == undo_posting_id(posting.reverses))


def answer_note(posting: PostingRecord) -> str:
    ref = posting.remittance
    when = f" of {ref.payment_date.isoformat()}" if ref.payment_date else ""
    return (
        f"the payer answered the appeal: ERA {ref.trace_number}{when} from payer {ref.payer_id} "
        f"({ref.source_key}) {posting.outcome.value} claim {posting.claim_id}, "
        f"paid {money_text(posting.posted_payment)}"
    )


def is_due(item: WorkItem, today: date) -> bool:
    return item.appeal_due_date is not None and item.appeal_due_date <= today


# ------------------------------------------------------------------ the posting hook

# What a payer may answer an appeal with: a payment, a forwarding, a denial upheld, a take-back.
ANSWERS = frozenset({Outcome.POSTED, Outcome.FORWARDED, Outcome.DENIED, Outcome.REVERSED})


def answer_appeals(decision: PostingDecision, now: datetime) -> PostingDecision:
    """A payer's posting on a claim whose `appeals` marker names appealed follow-ups: the decision
    clears the marker (in the claim it writes anyway) and raises one APPEAL_ANSWERED naming them,
    sent after the commit like every follow-up. Any other decision comes back as it was."""
    claim = decision.claim
    if claim is None or not claim.appeals or decision.outcome not in ANSWERS:
        return decision
    answered = new_followup(
        FollowupType.APPEAL_ANSWERED,
        key=(decision.posting_id,),
        created_at=now,
        source=decision.remittance.source_key,
        claim_id=decision.claim_id,
        payer_id=decision.remittance.payer_id,
        amount=decision.posted_payment,
        detail={"appeals": list(claim.appeals), "posting_id": decision.posting_id, "note": answer_note(decision)},
    )
    return decision.model_copy(
        update={"claim": claim.model_copy(update={"appeals": []}), "followups": [*decision.followups, answered]}
    )
