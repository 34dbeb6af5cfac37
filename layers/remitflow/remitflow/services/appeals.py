"""The daily sweep's part for appeals (ReconciliationSweeper): every follow-up under status appealed
is closed when the payer has answered (a posting from an ERA on its claim since), or opened again,
due, on its due date. One claim read per appealed follow-up, and the claim's ledger only when its
posting count moved: never a query per posted claim.

Each change is conditional on the version read, so a biller acting at the same moment wins and the
sweep leaves that follow-up alone (it is no longer appealed, or the next sweep sees it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from aws_lambda_powertools import Logger

from remitflow.domain.appeals import answer_note, has_new_postings, is_due, payer_answer
from remitflow.domain.errors import Conflict
from remitflow.domain.followups import FollowupStatus
from remitflow.domain.work_items import AuditEntry, WorkItem
from remitflow.services.clock import utc_now
from remitflow.services.ports import ClaimStorage, FollowupChange, WorklistFilter, WorklistStorage
from remitflow.values import money_text

logger = Logger(child=True)

SWEEPER = "remitflow appeal sweep"
PAGE = 200


@dataclass
class AppealSweepSummary:
    answered: int = 0
    due: int = 0
    waiting: int = 0
    raced: int = 0  # a biller changed it meanwhile: theirs stands


class AppealSweep:
    def __init__(
        self, *, worklist: WorklistStorage, claims: ClaimStorage, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.worklist = worklist
        self.claims = claims
        self.clock = clock

    def sweep(self, today: date) -> AppealSweepSummary:
        summary = AppealSweepSummary()
        for item in self._appealed():
            try:
                outcome = self._decide(item, today)
            except Conflict:
                summary.raced += 1
                continue
            setattr(summary, outcome, getattr(summary, outcome) + 1)
        logger.info("appeals swept", extra={"as_of": today.isoformat()} | vars(summary))
        return summary

    def _appealed(self) -> list[WorkItem]:
        items: list[WorkItem] = []
        cursor = None
        while True:
            page, cursor = self.worklist.page(
                WorklistFilter(status=FollowupStatus.APPEALED.value), limit=PAGE, cursor=cursor
            )
            items.extend(page)
            if cursor is None:
                return items

    def _decide(self, item: WorkItem, today: date) -> str:
        claim_id = item.followup.claim_id
        claim = self.claims.get(claim_id) if claim_id else None
        if claim is not None and has_new_postings(item, claim):
            answer = payer_answer(item, claim, [p.record for p in self.claims.postings(claim.claim_id)])
            if answer is not None:
                now = self.clock()
                audit = AuditEntry(
                    at=now,
                    by=SWEEPER,
                    action="appeal answered",
                    before={"status": FollowupStatus.APPEALED.value},
                    after={"status": FollowupStatus.RESOLVED.value, "posting_id": answer.posting_id}
                    | {"trace_number": answer.remittance.trace_number, "paid": money_text(answer.posted_payment)},
                    note=answer_note(answer),
                )
                fields = {"status": FollowupStatus.RESOLVED.value, "note": answer_note(answer)}
                fields |= {"resolved_by": SWEEPER, "resolved_at": now.isoformat()}
                self.worklist.change(FollowupChange(item.followup.id, item.version, audit, set=fields))
                return "answered"
        if not is_due(item, today):
            return "waiting"
        now = self.clock()
        assert item.appeal_due_date is not None
        note = f"appeal due {item.appeal_due_date.isoformat()}: no ERA has posted to claim {claim_id} since"
        audit = AuditEntry(
            at=now,
            by=SWEEPER,
            action="appeal due",
            before={"status": FollowupStatus.APPEALED.value},
            after={"status": FollowupStatus.OPEN.value, "appeal_due_date": item.appeal_due_date.isoformat()},
            note=note,
        )
        # The resolution stays "appealed" and the due date with it: open and appealed reads "due".
        self.worklist.change(
            FollowupChange(item.followup.id, item.version, audit, set={"status": FollowupStatus.OPEN.value})
        )
        return "due"
