"""WorklistIntake, Worklist and claim_view on the in-memory fakes: follow-ups open once, billers list
and take them, and a resolution moves money once, whoever else acts at the same moment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from tests.unit.services.fakes import FakeWorklist
from tests.unit.services.practice import Practice

from remitflow.domain.errors import Conflict, InvalidRequest
from remitflow.domain.posting import PostingDecision
from remitflow.domain.resolutions import AuditEntry
from remitflow.services.claim_view import claim_view
from remitflow.services.ports import CashRelease, FollowupChange, RaisedFollowup
from remitflow.services.worklist_intake import WorklistIntake
from remitflow.services.worklist_models import AssignRequest, ListQuery, ResolveRequest

ANA, BO = "ana@lakeside.example", "bo@lakeside.example"
APPLY = {"resolution": "applied_to_claim", "note": "the member id was mistyped", "claim_id": "PCN1005"}


@pytest.fixture
def posted(loaded: Practice) -> Practice:
    """The sample 835 posted and its follow-ups (underpaid, denied, claim not found) on the worklist."""
    loaded.post()
    loaded.deliver_followups()
    return loaded


def followup_id(practice: Practice, followup_type: str) -> str:
    return practice.followup_of_type(followup_type).id


def apply(practice: Practice, who: str = ANA, **changes: Any) -> Any:
    request = ResolveRequest.model_validate(APPLY | changes)
    return practice.worklist_service().resolve(followup_id(practice, "claim_not_found"), request, caller=who)


def test_a_follow_up_received_again_leaves_what_the_biller_did(posted: Practice) -> None:
    denied = posted.followup_of_type("denied")
    posted.worklist_service().assign(denied.id, AssignRequest(), caller=ANA)

    again = WorklistIntake(posted.worklist).receive_all([denied])
    assert again.added == frozenset() and again.refused == {}

    item = posted.worklist.work_item(denied.id)
    assert item is not None and (item.assignee, item.version) == (ANA, 1)


def test_listing_pages_through_the_open_follow_ups_oldest_first(posted: Practice) -> None:
    service = posted.worklist_service()

    first = service.list(ListQuery(limit=2))
    rest = service.list(ListQuery(limit=2, cursor=first.next_cursor))

    assert first.next_cursor is not None and rest.next_cursor is None
    assert len(first.items) == 2 and len(rest.items) == 1
    assert {i.type.value for i in first.items + rest.items} == {"underpaid", "denied", "claim_not_found"}
    assert first.counts_by_type == {"claim_not_found": 1, "denied": 1, "underpaid": 1}


def test_a_cursor_from_another_listing_is_refused_naming_the_field(posted: Practice) -> None:
    service = posted.worklist_service()
    cursor = service.list(ListQuery(limit=1)).next_cursor

    with pytest.raises(InvalidRequest) as refused:
        service.list(ListQuery.model_validate({"status": "any", "type": "denied", "cursor": cursor}))

    assert refused.value.field == "cursor"


def test_taking_a_follow_up_at_a_version_someone_moved_on_is_a_conflict(posted: Practice) -> None:
    service = posted.worklist_service()
    denied = followup_id(posted, "denied")
    service.assign(denied, AssignRequest(expected_version=0), caller=ANA)

    with pytest.raises(Conflict, match="version 1, not 0"):
        service.assign(denied, AssignRequest(expected_version=0), caller=BO)
    with pytest.raises(Conflict, match=f"assigned to {ANA}"):
        service.assign(denied, AssignRequest(), caller=BO)


def test_held_money_applied_to_a_claim_posts_once_and_leaves_the_suspense_account(posted: Practice) -> None:
    result = apply(posted)

    claim = posted.claims.get("PCN1005")
    assert claim is not None and (claim.insurance_paid, claim.insurance_balance) == (Decimal("75.00"), Decimal(0))
    assert len(posted.claims.postings("PCN1005")) == 1
    (held,) = posted.remittances.held.values()
    assert (held["status"], held["applied_to_claim"], held["applied_by"]) == ("applied", "PCN1005", ANA)
    assert (result.followup.status.value, result.followup.version) == ("resolved", 1)
    assert result.claim is not None and result.claim["insurance_balance"] == "0.00"
    item = posted.worklist.work_item(result.followup.id)
    assert item is not None and item.resolved_claim_id == "PCN1005"
    (audit,) = item.history
    assert audit.after["held"]["status"] == "applied"


def test_resolving_again_is_a_conflict_and_moves_no_more_money(posted: Practice) -> None:
    apply(posted)

    with pytest.raises(Conflict, match="already resolved"):
        apply(posted, BO)

    claim = posted.claims.get("PCN1005")
    assert claim is not None and claim.insurance_paid == Decimal("75.00")
    assert len(posted.claims.postings("PCN1005")) == 1


class AnotherBillerFirst(FakeWorklist):
    """Another biller changes the follow-up after this one read it and before this one commits."""

    def commit_resolution(
        self,
        *,
        decision: PostingDecision,
        change: FollowupChange,
        release: CashRelease | None,
        recorded_at: datetime,
        raised: Sequence[RaisedFollowup] = (),
    ) -> None:
        audit = AuditEntry(at=recorded_at, by=BO, action="assigned", after={"assignee": BO})
        self.change(FollowupChange(change.followup_id, change.expected_version, audit, set={"assignee": BO}))
        super().commit_resolution(
            decision=decision, change=change, release=release, recorded_at=recorded_at, raised=raised
        )


def test_a_follow_up_changed_by_someone_else_while_resolving_is_a_conflict_and_nothing_moves(
    posted: Practice,
) -> None:
    racing = AnotherBillerFirst(posted.claims, posted.remittances)
    racing.items = posted.worklist.items
    posted.worklist = racing

    with pytest.raises(Conflict, match="changed since version 0"):
        apply(posted)

    assert posted.claims.postings("PCN1005") == []
    assert [h["status"] for h in posted.remittances.held.values()] == ["held"]


class ClaimImportedMeanwhile(FakeWorklist):
    """The billing system refreshes the claim between the resolution's read and its (first) commit."""

    commits = 0

    def commit_resolution(
        self,
        *,
        decision: PostingDecision,
        change: FollowupChange,
        release: CashRelease | None,
        recorded_at: datetime,
        raised: Sequence[RaisedFollowup] = (),
    ) -> None:
        self.commits += 1
        claim = self.claims.get(decision.claim_id)
        if self.commits == 1 and claim is not None:
            self.claims.import_claim(claim)
        super().commit_resolution(
            decision=decision, change=change, release=release, recorded_at=recorded_at, raised=raised
        )


def test_a_claim_that_moves_while_resolving_is_read_again_and_the_money_still_posts_once(posted: Practice) -> None:
    moving = ClaimImportedMeanwhile(posted.claims, posted.remittances)
    moving.items = posted.worklist.items
    posted.worklist = moving

    result = apply(posted)

    assert moving.commits == 2  # ClaimChanged, then decided again on the new version
    assert result.claim is not None and result.claim["insurance_balance"] == "0.00"
    assert len(posted.claims.postings("PCN1005")) == 1


def test_money_no_longer_held_is_not_applied(posted: Practice) -> None:
    (held,) = posted.remittances.held.values()
    held["status"] = "applied"  # applied another way meanwhile

    with pytest.raises(Conflict, match="no longer held"):
        apply(posted)

    assert posted.claims.postings("PCN1005") == []


def test_writing_off_a_denied_claim_closes_it(posted: Practice) -> None:
    request = ResolveRequest.model_validate(
        {"resolution": "written_off", "note": "timely filing missed", "write_off_reason": "timely_filing"}
    )

    result = posted.worklist_service().resolve(followup_id(posted, "denied"), request, caller=ANA)

    claim = posted.claims.get("PCN1002")
    assert claim is not None and (claim.other_adjustment, claim.insurance_balance) == (Decimal("120.00"), Decimal(0))
    assert result.claim is not None and result.claim["insurance_balance"] == "0.00"


def test_an_appeal_records_its_due_date_and_moves_no_money(posted: Practice) -> None:
    request = ResolveRequest(
        resolution="appealed", note="medical necessity letter sent", appeal_due_date=date(2025, 3, 1)
    )
    before = posted.claims.get("PCN1002")

    result = posted.worklist_service().resolve(followup_id(posted, "denied"), request, caller=ANA)

    item = posted.worklist.work_item(result.followup.id)
    assert item is not None and item.appeal_due_date == date(2025, 3, 1)
    claim = posted.claims.get("PCN1002")
    assert before is not None and claim is not None and claim.appeals == [result.followup.id]  # marked
    assert claim.model_copy(update={"appeals": [], "version": before.version}) == before  # no money moved


def test_the_claim_view_shows_balances_and_postings_as_text(posted: Practice) -> None:
    view = claim_view(posted.claims, "PCN1001")

    assert view is not None and view["insurance_balance"] == "0.00"
    (posting,) = view["postings"]
    assert (posting["posted_payment"], posting["outcome"]) == ("160.00", "posted")
    assert posting["followups"] == [followup_id(posted, "underpaid")]
    assert claim_view(posted.claims, "PCN404") is None


def test_ages_count_from_the_payment_and_the_service_not_from_when_the_file_was_loaded(posted: Practice) -> None:
    posted.now = datetime(2025, 3, 17, 9, 30, tzinfo=UTC)  # two months after the ERA was loaded
    service = posted.worklist_service()

    listed = {i.type.value: i for i in service.list(ListQuery()).items}

    for followup_type in ("underpaid", "denied", "claim_not_found"):
        item = listed[followup_type]
        assert (item.payment_date, item.days_since_payment) == ("2025-01-16", 60)
        assert item.age_days == 59  # loaded on 2025-01-17: not how old the money is
    # Denied and underpaid: the claim's date of service (their detail has none); not found: the 835's.
    claims = {cid: posted.claims.get(cid) for cid in ("PCN1001", "PCN1002")}
    for followup_type, claim_id in (("underpaid", "PCN1001"), ("denied", "PCN1002")):
        claim = claims[claim_id]
        assert claim is not None
        served = min(line.service_date for line in claim.lines)
        assert listed[followup_type].service_date == served.isoformat()
        assert listed[followup_type].days_since_service == (posted.now.date() - served).days
    assert (listed["claim_not_found"].service_date, listed["claim_not_found"].days_since_service) == ("2025-01-07", 69)
    detail = service.get(listed["denied"].id).followup
    assert detail.service_date == listed["denied"].service_date


def test_my_items_are_the_callers(posted: Practice) -> None:
    service = posted.worklist_service()
    service.assign(followup_id(posted, "denied"), AssignRequest(), caller=ANA)

    mine = service.list(ListQuery(assignee=ANA))

    assert [i.type.value for i in mine.items] == ["denied"]
