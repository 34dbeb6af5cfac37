"""Appeals that come back: what the daily sweep decides for a follow-up waiting under status appealed.

When it was appealed the worklist kept how many postings the claim had (`appeal_postings_seen`).
A payer's posting after those is the payer's answer: the appeal closes, naming the ERA and what it
paid. Without one, on its due date it opens again, due. A biller's own postings (write-offs, undos)
are no answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from remitflow.domain.claims import Claim
from remitflow.domain.posting import Outcome, PostingRecord
from remitflow.domain.resolutions import WorkItem
from remitflow.domain.undo import undo_posting_id
from remitflow.values import money_text


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
