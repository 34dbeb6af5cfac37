"""Follow-ups arrive from the queue: each opens an item on the worklist once (FollowupWorker's work).

Apart from the billers' side (`services.worklist`) so that FollowupWorker loads only what it runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

from remitflow.domain.errors import Conflict, NotFound, StoreBusy, Unstorable
from remitflow.domain.followups import Followup, FollowupStatus, FollowupType
from remitflow.domain.work_items import AuditEntry
from remitflow.services.clock import utc_now
from remitflow.services.ports import Additions, FollowupChange
from remitflow.values import money_text

if TYPE_CHECKING:
    from remitflow.services.ports import WorklistStorage

logger = Logger(child=True)

APPEAL_ANSWERER = "remitflow posting"  # who closes an appeal a payer's posting answered


class WorklistIntake:
    def __init__(self, worklist: WorklistStorage) -> None:
        self.worklist = worklist

    def receive_all(self, followups: Sequence[Followup]) -> Additions:
        """Open the follow-ups together; a repeat (same id) leaves the existing item, and whatever a
        biller did to it, untouched. An APPEAL_ANSWERED closes the appeals it names instead and opens
        nothing (the FollowupsOpened metric counts `added`: items opened). Each follow-up the store
        refuses is refused alone (its message fails, to be delivered again); the others stand."""
        answers = [f for f in followups if f.type is FollowupType.APPEAL_ANSWERED]
        items = [f for f in followups if f.type is not FollowupType.APPEAL_ANSWERED]
        additions = self.worklist.add_many(items) if items else Additions()
        refused = dict(additions.refused)
        for answer in answers:
            try:
                self._close_appeals(answer)
            except (StoreBusy, Unstorable) as error:
                refused[answer.id] = error
        for followup in {f.id: f for f in items}.values():  # once per id, however often it came
            fields = {"followup_id": followup.id, "followup_type": followup.type.value, "claim_id": followup.claim_id}
            if followup.id in refused:
                logger.warning("follow-up not stored", extra=fields | {"reason": str(refused[followup.id])})
            else:
                added = followup.id in additions.added
                logger.info("follow-up opened" if added else "follow-up already on the worklist", extra=fields)
        return Additions(added=additions.added, refused=refused)

    def _close_appeals(self, answer: Followup) -> int:
        """Each appeal the answer names, still appealed, is resolved with the answer's note; on the
        version read, so a biller acting on it at the same moment keeps what they did. A repeat finds
        them resolved and does nothing."""
        note = str(answer.detail.get("note") or "the payer answered the appeal")
        closed = 0
        for followup_id in answer.detail.get("appeals") or []:
            item = self.worklist.work_item(str(followup_id))
            if item is None or item.followup.status is not FollowupStatus.APPEALED:
                continue
            now = utc_now()
            audit = AuditEntry(
                at=now,
                by=APPEAL_ANSWERER,
                action="appeal answered",
                before={"status": FollowupStatus.APPEALED.value},
                after={"status": FollowupStatus.RESOLVED.value, "posting_id": answer.detail.get("posting_id")}
                | {"paid": None if answer.amount is None else money_text(answer.amount)},
                note=note,
            )
            fields = {"status": FollowupStatus.RESOLVED.value, "note": note}
            fields |= {"resolved_by": APPEAL_ANSWERER, "resolved_at": now.isoformat()}
            try:
                self.worklist.change(FollowupChange(item.followup.id, item.version, audit, set=fields))
            except (Conflict, NotFound):
                continue
            closed += 1
            logger.info("appeal answered by a posting", extra={"followup_id": item.followup.id})
        return closed
