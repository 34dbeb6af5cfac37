"""Follow-ups arriving from the queue become open items on the billers' worklist."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from remitflow.adapters.dynamodb import WorklistStore
from remitflow.domain.followups import Followup

logger = Logger(child=True)


class WorklistIntake:
    def __init__(self, worklist: WorklistStore) -> None:
        self.worklist = worklist

    def receive(self, followup: Followup) -> bool:
        """Open the follow-up; a repeat (same id) leaves the existing item, and whatever a biller did
        to it, untouched. Returns whether it was new."""
        added = self.worklist.add(followup)
        logger.info(
            "follow-up opened" if added else "follow-up already on the worklist",
            extra={"followup_id": followup.id, "followup_type": followup.type.value, "claim_id": followup.claim_id},
        )
        return added
