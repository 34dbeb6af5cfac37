"""Reopening a follow-up: a biller undoes a resolution, and what it posted is reversed.

- `applied_to_claim`: the posting it made on the chosen claim is reversed (domain.undo) and the
  held money goes back on hold (status applied -> held), so it can be applied again, anywhere.
  The follow-ups that posting raised (an underpayment, a denied line...) are about a posting that is
  no longer there: the open ones are closed (no_action, saying why) in the reversal's transaction,
  the others checked there to be as read; one resolved by moving money (a write-off) or under
  appeal must be reopened first (see `Reopening._raised`).
- `written_off`: the write-off posting is reversed.
- the others (and an appeal still waiting): the follow-up alone opens again.

One transaction, as a resolution: the reversal posting (its id keyed on the posting it undoes), the
claim at its version, the money (only while still applied), the follow-up at the version read and
the follow-ups the undone posting raised, each as read.
So a reopen raced against another reopen, or against a resolve, moves money once: the other one is
refused (Conflict, the API's 409). The follow-up keeps its history, the claim its ledger; the next
resolution posts under a new id (WorkItem.reopened).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from aws_lambda_powertools import Logger

from remitflow.domain.errors import AlreadyPosted, ClaimChanged, Conflict, NotFound
from remitflow.domain.followups import FollowupStatus
from remitflow.domain.resolutions import (
    AlreadyApplied,
    AuditEntry,
    Resolution,
    WorkItem,
    applied_posting_id,
    held_posting_id,
    resolution_audit,
    resolved_fields,
    write_off_posting_id,
)
from remitflow.domain.undo import undo_posting
from remitflow.services.claim_view import claim_view
from remitflow.services.ports import (
    CashRelease,
    ClaimStorage,
    FollowupChange,
    RaisedFollowup,
    RemittanceStorage,
    StoredPosting,
    WorklistStorage,
)
from remitflow.services.worklist import MAX_CLAIM_RETRIES, claim_state
from remitflow.services.worklist_models import ReopenRequest, ResolveResult, followup_view
from remitflow.values import money_text

logger = Logger(child=True)

MONEY_MOVING = frozenset({Resolution.APPLIED_TO_CLAIM, Resolution.WRITTEN_OFF})
# What a resolution set on the follow-up, and an application on the held money: gone once reopened.
RESOLUTION_FIELDS = (
    "resolution",
    "note",
    "resolved_by",
    "resolved_at",
    "resolved_claim_id",
    "appeal_due_date",
    "appeal_postings_seen",
)
APPLICATION_FIELDS = ("applied_posting_id", "applied_to_claim", "applied_by", "applied_at")


class Reopening:
    def __init__(
        self,
        *,
        worklist: WorklistStorage,
        claims: ClaimStorage,
        remittances: RemittanceStorage,
        clock: Callable[[], datetime],
    ) -> None:
        self.worklist = worklist
        self.claims = claims
        self.remittances = remittances
        self.clock = clock

    def reopen(self, followup_id: str, request: ReopenRequest, *, caller: str) -> ResolveResult:
        for _ in range(MAX_CLAIM_RETRIES):
            item = self._reopenable(followup_id, request.expected_version)
            try:
                claim_id: str | None
                if item.resolution in MONEY_MOVING and item.resolved_claim_id:
                    claim_id = self._undo(item, request, caller)
                else:
                    claim_id = item.followup.claim_id
                    self.worklist.change(self._change(item, request, caller, self.clock()))
            except ClaimChanged:
                continue  # a posting landed on the claim meanwhile: read it again and undo again
            except (AlreadyApplied, AlreadyPosted):
                raise Conflict(f"follow-up {followup_id} was reopened by someone else first") from None
            logger.info(
                "follow-up reopened",
                extra={"followup_id": followup_id, "resolution": item.resolution.value if item.resolution else None},
            )
            now = self.clock()
            updated = self.worklist.work_item(followup_id)
            assert updated is not None
            return ResolveResult(
                followup=followup_view(updated, now),
                claim=claim_view(self.claims, claim_id) if claim_id else None,
            )
        raise Conflict(f"the claim kept changing while reopening follow-up {followup_id}; try again")

    def _reopenable(self, followup_id: str, expected_version: int | None) -> WorkItem:
        item = self.worklist.work_item(followup_id)
        if item is None:
            raise NotFound(f"no follow-up {followup_id!r}")
        if item.followup.status is FollowupStatus.OPEN:
            raise Conflict(f"follow-up {followup_id} is open: there is nothing to reopen")
        if expected_version is not None and expected_version != item.version:
            raise Conflict(
                f"follow-up {followup_id} is at version {item.version}, not {expected_version}: "
                "someone changed it; reload it and try again"
            )
        return item

    def _change(
        self,
        item: WorkItem,
        request: ReopenRequest,
        caller: str,
        now: datetime,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> FollowupChange:
        audit = AuditEntry(
            at=now,
            by=caller,
            action="reopened",
            before={
                "status": item.followup.status.value,
                "resolution": item.resolution.value if item.resolution else None,
                "resolved_by": item.resolved_by,
                "resolved_claim_id": item.resolved_claim_id,
            }
            | (before or {}),
            after={"status": FollowupStatus.OPEN.value, "resolution": None} | (after or {}),
            note=request.note,
        )
        return FollowupChange(
            item.followup.id,
            item.version,
            audit,
            set={"status": FollowupStatus.OPEN.value, "reopened": item.reopened + 1},
            remove=RESOLUTION_FIELDS,
            require_open=False,  # the version read is the condition: it moves on every change
        )

    def _undo(self, item: WorkItem, request: ReopenRequest, caller: str) -> str:
        """Reverse the resolution's posting, put the money back on hold, reopen: in one commit."""
        followup = item.followup
        claim_id = item.resolved_claim_id or ""
        applied = item.resolution is Resolution.APPLIED_TO_CLAIM
        pid = (applied_posting_id if applied else write_off_posting_id)(followup.id, item.reopened)
        claim = self.claims.get(claim_id)
        original = next((p for p in self.claims.postings(claim_id) if p.record.posting_id == pid), None)
        if claim is None or original is None:
            raise Conflict(f"posting {pid} of follow-up {followup.id} is not on claim {claim_id}: it cannot be undone")
        now = self.clock()
        decision = undo_posting(original.record, claim, by=caller, now=now)
        assert decision.claim is not None
        release, held = self._returned_money(item, pid, caller, now) if applied else (None, None)
        raised = self._raised(original, followup.id, caller, now) if applied else []
        change = self._change(
            item,
            request,
            caller,
            now,
            before={"claim": claim_state(claim)} | ({"held": held} if held else {}),
            after={"claim": claim_state(decision.claim), "reversal_posting_id": decision.posting_id}
            | {"reversed_posting_id": pid, "reversed_payment": money_text(-decision.posted_payment)}
            | ({"held": held | {"status": "held"}} if held else {}),
        )
        self.worklist.commit_resolution(
            decision=decision, change=change, release=release, recorded_at=now, raised=raised
        )
        return claim_id

    def _raised(self, original: StoredPosting, reopened_id: str, caller: str, now: datetime) -> list[RaisedFollowup]:
        """The follow-ups the posting raised (its stored record lists them), read in one batch, each
        held in the reversal's transaction as read: a biller acting on one meanwhile makes the reopen
        a Conflict, with nothing undone. Open ones are closed there (no_action, saying why); one not
        on the worklist yet (its message still in the follow-up queue) is written closed, so
        FollowupWorker's put of it, conditional on its absence, finds it there and opens nothing
        about a posting that is gone; the others are only checked to be unchanged.

        Refused while one has moved money of its own (a write-off), or is under appeal: an appeal
        is a letter the payer has, about a payment this reopen would take back. Closing it here
        would leave the payer working an appeal nobody follows; the biller withdraws it (resolves or
        reopens it) knowingly, then reopens this one."""
        wanted = {f.id: f for f in original.followups}
        found = self.worklist.work_items(list(wanted)) if wanted else {}
        note = f"its posting was undone: follow-up {reopened_id} was reopened"
        raised: list[RaisedFollowup] = []
        for followup_id, followup in wanted.items():
            item = found.get(followup_id)
            if item is not None and item.resolution in MONEY_MOVING:
                raise Conflict(
                    f"follow-up {followup_id} ({followup.type.value}), raised by the posting this reopen "
                    f"would undo, was resolved as {item.resolution.value}: reopen it first"
                )
            if item is not None and item.followup.status is FollowupStatus.APPEALED:
                raise Conflict(
                    f"follow-up {followup_id} ({followup.type.value}), raised by the posting this reopen "
                    "would undo, is under appeal: resolve or reopen it first"
                )
            if item is not None and item.followup.status is not FollowupStatus.OPEN:
                raised.append(RaisedFollowup(followup, item.version))  # closed already: only unchanged
                continue
            current = item or WorkItem(followup=followup)
            audit = resolution_audit(current, Resolution.NO_ACTION, note, caller, now)
            fields = resolved_fields(Resolution.NO_ACTION, note, caller, now)
            close = FollowupChange(followup_id, current.version, audit, set=fields)
            raised.append(RaisedFollowup(followup, item.version if item else None, close))
        return raised

    def _returned_money(
        self, item: WorkItem, pid: str, caller: str, now: datetime
    ) -> tuple[CashRelease | None, dict[str, Any] | None]:
        """The held money the application released, back on hold: only if that posting released it."""
        followup = item.followup
        held_id = held_posting_id(followup)
        cash = self.remittances.unapplied(held_id) if held_id else None
        if held_id is None or cash is None:
            if followup.amount:
                raise Conflict(f"follow-up {followup.id} names no held money to put back on hold")
            return None, None  # a claim not found that carried no money: nothing was released
        if cash.get("status") != "applied" or cash.get("applied_posting_id") != pid:
            raise Conflict(
                f"the money of follow-up {followup.id} is not where its resolution put it "
                f"({cash.get('status')}): it cannot go back on hold"
            )
        release = CashRelease(
            held_posting_id=held_id,
            fields={"returned_by": caller, "returned_at": now.isoformat(), "returned_from_posting_id": pid},
            from_status="applied",
            to_status="held",
            remove=APPLICATION_FIELDS,
        )
        return release, {"posting_id": held_id, "amount": money_text(Decimal(cash["amount"])), "status": "applied"}
