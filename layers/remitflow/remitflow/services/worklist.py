"""The billers' worklist: follow-ups arrive from the queue (`worklist_intake`), billers list, take and
resolve them (Worklist). Every change is conditional on the version the biller saw and appends an
audit entry in the same write; the resolutions that move money commit with the posting in one
transaction, so a follow-up resolved twice (or by two billers at once) moves money once.

The caller's identity is an argument: the API takes it from the verified token, the CLI from
`--as` or the AWS caller, never from a request body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from aws_lambda_powertools import Logger

from remitflow.domain.claims import Claim
from remitflow.domain.errors import AlreadyPosted, ClaimChanged, Conflict, InvalidRequest, NotFound
from remitflow.domain.followups import Followup, FollowupStatus
from remitflow.domain.posting import DEFAULT_TOLERANCE, PostingDecision
from remitflow.domain.resolutions import (
    AlreadyApplied,
    AuditEntry,
    Resolution,
    WorkItem,
    WriteOffBalance,
    apply_to_claim,
    check_appeal_due,
    check_fits,
    fitting,
    held_posting_id,
    resolution_audit,
    resolved_fields,
    write_off,
)
from remitflow.domain.underpayment import UnderpaymentTolerance
from remitflow.services.claim_view import claim_view
from remitflow.services.clock import utc_now
from remitflow.services.ports import (
    BadCursor,
    CashRelease,
    ClaimStorage,
    FollowupChange,
    RemittanceStorage,
    WorklistFilter,
    WorklistStorage,
)
from remitflow.services.worklist_models import (
    AssignRequest,
    FollowupDetail,
    FollowupPage,
    FollowupView,
    ListQuery,
    ReopenRequest,
    ResolveRequest,
    ResolveResult,
    UnassignRequest,
    audit_view,
    detail_service_date,
    followup_view,
)
from remitflow.values import money_text

logger = Logger(child=True)

# A posting landing on the claim between our read and our write is normal: decide again a few times.
MAX_CLAIM_RETRIES = 5
# Fields a resolution accepts besides resolution, note and expected_version.
RESOLUTION_FIELDS = {
    Resolution.APPLIED_TO_CLAIM: {"claim_id"},
    Resolution.WRITTEN_OFF: {"claim_id", "write_off_reason", "amount", "write_off_balance"},
    Resolution.APPEALED: {"appeal_due_date"},
}
OPTIONAL_FIELDS = ("claim_id", "write_off_reason", "amount", "appeal_due_date", "write_off_balance")


def first_service(claim: Claim) -> date | None:
    return min((line.service_date for line in claim.lines), default=None)


class Worklist:
    """List, look at, take and resolve follow-ups. Raises InvalidRequest, NotFound or Conflict."""

    def __init__(
        self,
        *,
        worklist: WorklistStorage,
        claims: ClaimStorage,
        remittances: RemittanceStorage,
        tolerance: UnderpaymentTolerance = DEFAULT_TOLERANCE,
        clock: Callable[[], datetime] = utc_now,
        payer_names: Callable[[Iterable[str]], Mapping[str, str]] | None = None,
    ) -> None:
        self.worklist = worklist
        self.claims = claims
        self.remittances = remittances
        self.tolerance = tolerance
        self.clock = clock
        self.payer_names = payer_names  # SearchStorage.payer_names: shown beside each payer id

    def _names(self, items: Iterable[WorkItem]) -> Mapping[str, str]:
        payer_ids = [i.followup.payer_id for i in items if i.followup.payer_id]
        return self.payer_names(payer_ids) if self.payer_names and payer_ids else {}

    def _view(self, item: WorkItem, now: datetime, served: date | None = None) -> FollowupView:
        return followup_view(item, now, self._names([item]).get(item.followup.payer_id or ""), served)

    # -- reading -------------------------------------------------------------------------------

    def list(self, query: ListQuery) -> FollowupPage:
        now = self.clock()
        if query.status == "any" and query.type is None:
            raise InvalidRequest("status", "'any' lists one type of follow-up: give a type, or status open or resolved")
        if query.min_amount is not None and query.max_amount is not None and query.min_amount > query.max_amount:
            raise InvalidRequest("min_amount", "is more than max_amount")
        if (
            query.min_age_days is not None
            and query.max_age_days is not None
            and query.min_age_days > query.max_age_days
        ):
            raise InvalidRequest("min_age_days", "is more than max_age_days")
        status = None if query.status == "any" else query.status
        # Age in whole days, as age_days shows it: max_age_days 3 keeps items up to 3 days and 23 hours old.
        where = WorklistFilter(
            status=status,
            type=None if query.type is None else query.type.value,
            payer_id=query.payer_id,
            claim_id=query.claim_id,
            assignee=query.assignee,
            created_to=None if query.min_age_days is None else now - timedelta(days=query.min_age_days),
            created_from=None
            if query.max_age_days is None
            else now - timedelta(days=query.max_age_days + 1) + timedelta(microseconds=1),
            min_amount=query.min_amount,
            max_amount=query.max_amount,
        )
        try:
            items, cursor = self.worklist.page(where, limit=query.limit, cursor=query.cursor)
        except BadCursor as error:
            raise InvalidRequest("cursor", str(error)) from None
        counts = self.worklist.counts_by_type(status) if status else self._type_count(query)
        names = self._names(items)
        served = self._service_dates(items)
        views = [
            followup_view(i, now, names.get(i.followup.payer_id or ""), served.get(i.followup.claim_id or ""))
            for i in items
        ]
        return FollowupPage(items=views, next_cursor=cursor, counts_by_type=counts)

    def _service_dates(self, items: Sequence[WorkItem]) -> dict[str, date]:
        """The claims' dates of service for the follow-ups whose detail has none, in one batched read."""
        wanted: dict[str, str] = {}
        for item in items:
            followup = item.followup
            if followup.claim_id and detail_service_date(followup.detail) is None:
                posting_id = followup.detail.get("posting_id")
                wanted[followup.claim_id] = posting_id if isinstance(posting_id, str) and posting_id else "-"
        if not wanted:
            return {}
        claims, _ = self.claims.read(list(wanted.items()))
        return {claim_id: day for claim_id, claim in claims.items() if (day := first_service(claim))}

    def _type_count(self, query: ListQuery) -> dict[str, int]:
        assert query.type is not None
        total = sum(self.worklist.counts_by_type(s.value).get(query.type.value, 0) for s in FollowupStatus)
        return {query.type.value: total}

    def get(self, followup_id: str) -> FollowupDetail:
        item = self._item(followup_id)
        followup = item.followup
        claim_id = item.resolved_claim_id or followup.claim_id
        payment = followup.detail.get("claim_payment")
        claim = self.claims.get(followup.claim_id) if followup.claim_id else None
        return FollowupDetail(
            followup=self._view(item, self.clock(), None if claim is None else first_service(claim)),
            history=[audit_view(entry) for entry in item.history],
            claim=claim_view(self.claims, claim_id) if claim_id else None,
            claim_payment=payment if isinstance(payment, dict) else None,
            resolutions=fitting(followup.type),
        )

    def _item(self, followup_id: str) -> WorkItem:
        item = self.worklist.work_item(followup_id)
        if item is None:
            raise NotFound(f"no follow-up {followup_id!r}")
        return item

    def _open_at(self, followup_id: str, expected_version: int | None) -> WorkItem:
        """The follow-up, open and at the version the caller saw (when they say which)."""
        item = self._item(followup_id)
        if item.followup.status is FollowupStatus.RESOLVED:
            who = f" by {item.resolved_by}" if item.resolved_by else ""
            resolution = item.resolution.value if item.resolution else "resolved"
            raise Conflict(f"follow-up {followup_id} is already resolved ({resolution}){who}; reopen it first")
        if expected_version is not None and expected_version != item.version:
            raise Conflict(
                f"follow-up {followup_id} is at version {item.version}, not {expected_version}: "
                "someone changed it; reload it and try again"
            )
        return item

    # -- taking --------------------------------------------------------------------------------

    def assign(self, followup_id: str, request: AssignRequest, *, caller: str) -> FollowupView:
        item = self._open_at(followup_id, request.expected_version)
        assignee = request.assignee or caller
        if item.assignee == assignee:
            return self._view(item, self.clock())  # already theirs: nothing to change
        if item.assignee is not None:
            raise Conflict(f"follow-up {followup_id} is assigned to {item.assignee}; unassign it first")
        now = self.clock()
        audit = AuditEntry(
            at=now, by=caller, action="assigned", before={"assignee": None}, after={"assignee": assignee}
        )
        change = FollowupChange(
            followup_id, item.version, audit, set={"assignee": assignee, "assigned_at": now.isoformat()}
        )
        updated = self.worklist.change(change)
        logger.info("follow-up assigned", extra={"followup_id": followup_id})
        return self._view(updated, now)

    def unassign(self, followup_id: str, request: UnassignRequest, *, caller: str) -> FollowupView:
        item = self._open_at(followup_id, request.expected_version)
        if item.assignee is None:
            return self._view(item, self.clock())
        now = self.clock()
        audit = AuditEntry(
            at=now, by=caller, action="unassigned", before={"assignee": item.assignee}, after={"assignee": None}
        )
        change = FollowupChange(followup_id, item.version, audit, set={}, remove=("assignee", "assigned_at"))
        updated = self.worklist.change(change)
        logger.info("follow-up unassigned", extra={"followup_id": followup_id})
        return self._view(updated, now)

    # -- reopening ----------------------------------------------------------------------------

    def reopen(self, followup_id: str, request: ReopenRequest, *, caller: str) -> ResolveResult:
        """Reopen a resolved (or appealed) follow-up, undoing what its resolution posted: see services.reopen."""
        from remitflow.services.reopen import Reopening  # noqa: PLC0415  # it builds on this module

        reopening = Reopening(
            worklist=self.worklist, claims=self.claims, remittances=self.remittances, clock=self.clock
        )
        return reopening.reopen(followup_id, request, caller=caller)

    # -- resolving -----------------------------------------------------------------------------

    def resolve(self, followup_id: str, request: ResolveRequest, *, caller: str) -> ResolveResult:
        _check_fields(request)
        for _ in range(MAX_CLAIM_RETRIES):
            item = self._open_at(followup_id, request.expected_version)
            try:
                check_fits(item.followup, request.resolution)
                if request.resolution is Resolution.APPLIED_TO_CLAIM:
                    result = self._apply(item, request, caller)
                elif request.resolution is Resolution.WRITTEN_OFF:
                    result = self._write_off(item, request, caller)
                else:
                    result = self._record(item, request, caller)
            except ClaimChanged:
                continue  # a posting landed on the claim meanwhile: read it again and decide again
            except (AlreadyApplied, AlreadyPosted):
                raise Conflict(f"follow-up {followup_id} is already resolved: its posting is on the claim") from None
            logger.info(
                "follow-up resolved",
                extra={"followup_id": followup_id, "resolution": request.resolution.value},
            )
            return result
        raise Conflict(f"the claim kept changing while resolving follow-up {followup_id}; try again")

    def _record(self, item: WorkItem, request: ResolveRequest, caller: str) -> ResolveResult:
        """A resolution that moves no money: the follow-up alone changes."""
        now = self.clock()
        fields = resolved_fields(request.resolution, request.note, caller, now)
        extra: dict[str, Any] = {}
        if request.resolution is Resolution.APPEALED:
            due = check_appeal_due(request.appeal_due_date, now.date())
            fields["appeal_due_date"] = extra["appeal_due_date"] = due.isoformat()
            # What the claim's ledger held when it was appealed: a posting after these answers it.
            appealed = self.claims.get(item.followup.claim_id or "")
            if appealed is not None:
                fields["appeal_postings_seen"] = len(appealed.posting_ids)
            if appealed is not None and item.followup.id not in appealed.appeals:
                audit = resolution_audit(item, request.resolution, request.note, caller, now, after=extra)
                change = FollowupChange(item.followup.id, item.version, audit, set=fields)
                # The claim is marked in the same write, for the posting hook (domain.appeals).
                self.worklist.commit_appeal(change=change, claim=appealed)
                return self._result(item.followup.id, appealed.claim_id, now)
        audit = resolution_audit(item, request.resolution, request.note, caller, now, after=extra)
        updated = self.worklist.change(FollowupChange(item.followup.id, item.version, audit, set=fields))
        claim_id = updated.followup.claim_id
        return ResolveResult(
            followup=self._view(updated, now), claim=claim_view(self.claims, claim_id) if claim_id else None
        )

    def _apply(self, item: WorkItem, request: ResolveRequest, caller: str) -> ResolveResult:
        """The held claim payment goes through the posting engine onto the chosen claim."""
        followup = item.followup
        claim_id = request.claim_id or ""
        claim = self.claims.get(claim_id)
        priors = [p.record for p in self.claims.postings(claim_id)] if claim is not None else []
        now = self.clock()
        decision = apply_to_claim(
            followup,
            claim,
            claim_id=claim_id,
            prior_postings=priors,
            fee_schedule=self.remittances.fee_schedule(followup.payer_id or ""),
            tolerance=self.tolerance,
            now=now,
            round_=item.reopened,
        )
        assert claim is not None and decision.claim is not None  # apply_to_claim refuses otherwise
        release, held = self._held_money(followup, decision, caller, now)
        audit = resolution_audit(
            item,
            request.resolution,
            request.note,
            caller,
            now,
            before={"claim": claim_state(claim)} | ({"held": held} if held else {}),
            after={"claim": claim_state(decision.claim), "posting_id": decision.posting_id}
            | ({"held": held | {"status": "applied"}} if held else {}),
        )
        fields = resolved_fields(request.resolution, request.note, caller, now) | {"resolved_claim_id": claim.claim_id}
        change = FollowupChange(followup.id, item.version, audit, set=fields)
        self.worklist.commit_resolution(decision=decision, change=change, release=release, recorded_at=now)
        return self._result(followup.id, claim.claim_id, now)

    def _held_money(
        self, followup: Followup, decision: PostingDecision, caller: str, now: datetime
    ) -> tuple[CashRelease | None, dict[str, Any] | None]:
        """The suspense record the money leaves, checked to be what the posting takes (every cent in one place)."""
        if not followup.amount:
            return None, None
        held_id = held_posting_id(followup)
        cash = self.remittances.unapplied(held_id) if held_id else None
        if held_id is None or cash is None:
            raise InvalidRequest("resolution", "no held money is recorded for this follow-up")
        if cash.get("status") != "held":
            raise Conflict(f"the money of follow-up {followup.id} is no longer held ({cash.get('status')})")
        amount = Decimal(cash["amount"])
        if amount != decision.posted_payment:
            raise InvalidRequest(
                "claim_id",
                f"the posting would take {money_text(decision.posted_payment)} but {money_text(amount)} is held",
            )
        release = CashRelease(
            held_posting_id=held_id,
            fields={
                "applied_posting_id": decision.posting_id,
                "applied_to_claim": decision.claim_id,
                "applied_by": caller,
                "applied_at": now.isoformat(),
                "followup_id": followup.id,
            },
        )
        return release, {"posting_id": held_id, "amount": money_text(amount), "status": "held"}

    def _write_off(self, item: WorkItem, request: ResolveRequest, caller: str) -> ResolveResult:
        followup = item.followup
        claim_id = request.claim_id or followup.claim_id
        if not claim_id:
            raise InvalidRequest("claim_id", "this follow-up names no claim: give the claim to write off")
        claim = self.claims.get(claim_id)
        if claim is None:
            raise InvalidRequest("claim_id", f"no claim {claim_id!r}")
        now = self.clock()
        decision = write_off(
            followup,
            claim,
            amount=request.amount,
            reason=request.write_off_reason or "",
            by=caller,
            now=now,
            balance_of=request.write_off_balance or WriteOffBalance.INSURANCE,
            round_=item.reopened,
        )
        assert decision.claim is not None
        audit = resolution_audit(
            item,
            request.resolution,
            request.note,
            caller,
            now,
            before={"claim": claim_state(claim)},
            after={
                "claim": claim_state(decision.claim),
                "posting_id": decision.posting_id,
                "written_off": money_text(decision.entries[0].amount),
                "write_off_reason": request.write_off_reason,
                "write_off_balance": (request.write_off_balance or WriteOffBalance.INSURANCE).value,
            },
        )
        fields = resolved_fields(request.resolution, request.note, caller, now) | {"resolved_claim_id": claim.claim_id}
        change = FollowupChange(followup.id, item.version, audit, set=fields)
        self.worklist.commit_resolution(decision=decision, change=change, release=None, recorded_at=now)
        return self._result(followup.id, claim.claim_id, now)

    def _result(self, followup_id: str, claim_id: str, now: datetime) -> ResolveResult:
        return ResolveResult(followup=self._view(self._item(followup_id), now), claim=claim_view(self.claims, claim_id))


def _check_fields(request: ResolveRequest) -> None:
    """Each resolution's own fields: required ones present, others' absent (so nothing is silently ignored)."""
    wanted = RESOLUTION_FIELDS.get(request.resolution, set())
    for name in OPTIONAL_FIELDS:
        if getattr(request, name) is not None and name not in wanted:
            raise InvalidRequest(name, f"does not go with resolution {request.resolution.value}")
    if request.resolution is Resolution.APPLIED_TO_CLAIM and request.claim_id is None:
        raise InvalidRequest("claim_id", "required for applied_to_claim: the claim the money pays")
    if request.resolution is Resolution.WRITTEN_OFF and request.write_off_reason is None:
        raise InvalidRequest("write_off_reason", "required for written_off")
    if request.resolution is Resolution.APPEALED and request.appeal_due_date is None:
        raise InvalidRequest("appeal_due_date", "required for appealed (YYYY-MM-DD)")


def claim_state(claim: Claim) -> dict[str, Any]:
    """What an audit entry keeps of a claim, before and after a change (the patient balance once
    a biller has written some of it off)."""
    state = {
        "claim_id": claim.claim_id,
        "version": claim.version,
        "status": claim.status.value,
        "insurance_balance": money_text(claim.insurance_balance),
    }
    if claim.patient_written_off:
        state["patient_balance"] = money_text(claim.patient_balance)
    return state
