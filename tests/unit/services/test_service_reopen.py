"""Reopening a follow-up undoes what its resolution posted, once, whoever else acts at the same
moment; patient balances are written off through the same engine; an appeal waits under its own
status. After every undo the money adds up: each balance is the sum of its ledger entries, and the
payer's money is either posted or held, never both, never neither."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from tests.unit.services.fakes import FakeWorklist
from tests.unit.services.practice import Practice

from remitflow.domain.claims import ClaimStatus, FeeScheduleEntry
from remitflow.domain.errors import Conflict
from remitflow.domain.ledger import BALANCE_OF_KIND
from remitflow.domain.posting import PostingDecision
from remitflow.services.ports import CashRelease, FollowupChange, RaisedFollowup
from remitflow.services.worklist import InvalidRequest
from remitflow.services.worklist_intake import WorklistIntake
from remitflow.services.worklist_models import ListQuery, ReopenRequest, ResolveRequest
from remitflow.values import ZERO

ANA, BO = "ana@lakeside.example", "bo@lakeside.example"
APPLY = {"resolution": "applied_to_claim", "note": "the member id was mistyped", "claim_id": "PCN1005"}
HELD = Decimal("75.00")  # CLP04 of PCN1099, the claim not found


@pytest.fixture
def posted(loaded: Practice) -> Practice:
    loaded.post()
    loaded.deliver_followups()
    return loaded


def fid(practice: Practice, followup_type: str) -> str:
    return practice.followup_of_type(followup_type).id


def resolve(practice: Practice, followup_type: str, who: str = ANA, **fields: Any) -> Any:
    request = ResolveRequest.model_validate(fields)
    return practice.worklist_service().resolve(fid(practice, followup_type), request, caller=who)


def reopen(practice: Practice, followup_type: str, who: str = ANA, **fields: Any) -> Any:
    request = ReopenRequest.model_validate({"note": "applied to the wrong claim"} | fields)
    return practice.worklist_service().reopen(fid(practice, followup_type), request, caller=who)


def assert_money_adds_up(practice: Practice, claim_id: str) -> None:
    """Every balance of the claim is the sum of its entries, and the held money is posted or held."""
    claim = practice.claims.get(claim_id)
    assert claim is not None
    entries = [e for p in practice.claims.postings(claim_id) for e in p.record.entries]
    for kind, balance in BALANCE_OF_KIND.items():
        total = sum((e.amount for e in entries if e.kind is kind), ZERO)
        others = sum((e.amount for e in entries if e.kind is not kind and BALANCE_OF_KIND.get(e.kind) == balance), ZERO)
        assert getattr(claim, balance) == total + others, balance
    (held,) = practice.remittances.held.values()
    posted_on_1005 = sum((p.record.posted_payment for p in practice.claims.postings("PCN1005")), ZERO)
    assert posted_on_1005 + (held["amount"] if held["status"] == "held" else ZERO) == HELD


def test_reopening_an_applied_payment_reverses_it_and_puts_the_money_back_on_hold(posted: Practice) -> None:
    resolve(posted, "claim_not_found", **APPLY)

    result = reopen(posted, "claim_not_found", BO)

    claim = posted.claims.get("PCN1005")
    assert claim is not None and (claim.insurance_paid, claim.insurance_balance) == (ZERO, Decimal("90.00"))
    assert claim.status is ClaimStatus.OPEN
    original, reversal = posted.claims.postings("PCN1005")  # the history stays: both are on the ledger
    assert reversal.record.reverses == original.record.posting_id
    assert [e.reverses for e in reversal.record.entries] == [e.entry_id for e in original.record.entries]
    assert reversal.record.posted_payment == -HELD
    (held,) = posted.remittances.held.values()
    assert held["status"] == "held" and "applied_to_claim" not in held and held["returned_by"] == BO
    assert (result.followup.status.value, result.followup.resolution, result.followup.reopened) == ("open", None, 1)
    item = posted.worklist.work_item(result.followup.id)
    assert item is not None
    audit = item.history[-1]
    assert (audit.action, audit.by, audit.note) == ("reopened", BO, "applied to the wrong claim")
    assert audit.before["resolution"] == "applied_to_claim" and audit.before["claim"]["insurance_balance"] == "0.00"
    assert audit.after["claim"]["insurance_balance"] == "90.00" and audit.after["held"]["status"] == "held"
    assert_money_adds_up(posted, "PCN1005")


def test_reopened_money_can_be_applied_again_under_a_new_posting(posted: Practice) -> None:
    resolve(posted, "claim_not_found", **APPLY)
    reopen(posted, "claim_not_found")

    resolve(posted, "claim_not_found", BO, **APPLY | {"note": "it was PCN1005 after all"})

    claim = posted.claims.get("PCN1005")
    assert claim is not None and (claim.insurance_paid, claim.insurance_balance) == (HELD, ZERO)
    ids = [p.record.posting_id for p in posted.claims.postings("PCN1005")]
    assert len(ids) == len(set(ids)) == 3
    assert_money_adds_up(posted, "PCN1005")
    reopen(posted, "claim_not_found")  # and undone again: the second posting, not the first
    claim = posted.claims.get("PCN1005")
    assert claim is not None and claim.insurance_paid == ZERO and len(claim.posting_ids) == 4
    assert_money_adds_up(posted, "PCN1005")


def test_reopening_a_write_off_reverses_it(posted: Practice) -> None:
    resolve(posted, "denied", resolution="written_off", note="timely filing", write_off_reason="timely_filing")

    reopen(posted, "denied", note="the payer accepted the late claim")

    claim = posted.claims.get("PCN1002")
    assert claim is not None and (claim.other_adjustment, claim.insurance_balance) == (ZERO, Decimal("120.00"))
    assert claim.status is ClaimStatus.OPEN
    assert [p.record.outcome.value for p in posted.claims.postings("PCN1002")] == ["denied", "written_off", "reversed"]
    assert_money_adds_up(posted, "PCN1002")


def test_reopening_a_resolution_that_moved_no_money_only_opens_it(posted: Practice) -> None:
    resolve(posted, "denied", resolution="payer_contacted", note="called")
    before = posted.claims.get("PCN1002")

    result = reopen(posted, "denied")

    assert result.followup.status.value == "open" and posted.claims.get("PCN1002") == before


def test_an_open_follow_up_cannot_be_reopened(posted: Practice) -> None:
    with pytest.raises(Conflict, match="is open: there is nothing to reopen"):
        reopen(posted, "denied")


def test_reopening_twice_is_a_conflict_and_undoes_once(posted: Practice) -> None:
    resolve(posted, "claim_not_found", **APPLY)
    reopen(posted, "claim_not_found")

    with pytest.raises(Conflict, match="is open"):
        reopen(posted, "claim_not_found", BO)

    assert len(posted.claims.postings("PCN1005")) == 2
    assert_money_adds_up(posted, "PCN1005")


class SomeoneElseFirst(FakeWorklist):
    """Another biller's action commits after this one read the follow-up and before it commits."""

    def __init__(self, practice: Practice, first: Any) -> None:
        super().__init__(practice.claims, practice.remittances)
        self.items = practice.worklist.items
        self.first = first
        self.raced = False

    def commit_resolution(
        self,
        *,
        decision: PostingDecision,
        change: FollowupChange,
        release: CashRelease | None,
        recorded_at: datetime,
        raised: Sequence[RaisedFollowup] = (),
    ) -> None:
        if not self.raced:
            self.raced = True
            self.first()
        super().commit_resolution(
            decision=decision, change=change, release=release, recorded_at=recorded_at, raised=raised
        )


def test_a_reopen_raced_by_another_reopen_undoes_once(posted: Practice) -> None:
    resolve(posted, "claim_not_found", **APPLY)
    posted.worklist = SomeoneElseFirst(posted, lambda: reopen(posted, "claim_not_found", BO))

    with pytest.raises(Conflict):
        reopen(posted, "claim_not_found")

    assert len(posted.claims.postings("PCN1005")) == 2
    item = posted.worklist.work_item(fid(posted, "claim_not_found"))
    assert item is not None and item.reopened == 1 and [h.by for h in item.history][-1] == BO
    assert_money_adds_up(posted, "PCN1005")


def test_a_resolve_raced_by_a_reopen_and_a_resolve_again_moves_money_once(posted: Practice) -> None:
    """B reopens and resolves again while A, who read the resolved follow-up, reopens it: A is refused."""
    resolve(posted, "claim_not_found", **APPLY)

    def reopen_and_apply_again() -> None:
        reopen(posted, "claim_not_found", BO)
        resolve(posted, "claim_not_found", BO, **APPLY)

    posted.worklist = SomeoneElseFirst(posted, reopen_and_apply_again)
    with pytest.raises(Conflict):
        reopen(posted, "claim_not_found")

    claim = posted.claims.get("PCN1005")
    assert claim is not None and (claim.insurance_paid, len(claim.posting_ids)) == (HELD, 3)
    (held,) = posted.remittances.held.values()
    assert held["status"] == "applied"
    assert_money_adds_up(posted, "PCN1005")


def test_a_reopen_at_a_version_someone_moved_on_is_a_conflict(posted: Practice) -> None:
    result = resolve(posted, "claim_not_found", **APPLY)

    with pytest.raises(Conflict, match=f"version {result.followup.version}, not 0"):
        reopen(posted, "claim_not_found", expected_version=0)


# ------------------------------------------------------------------------ patient balances


def test_a_patient_balance_is_written_off_with_its_own_reason_and_leaves_the_insurance_balance(
    posted: Practice,
) -> None:
    before = posted.claims.get("PCN1001")
    assert before is not None and before.patient_balance == Decimal("30.00")

    result = resolve(
        posted,
        "underpaid",
        resolution="written_off",
        note="under our small balance policy",
        write_off_balance="patient",
        write_off_reason="small_balance",
        amount="10.00",
    )

    claim = posted.claims.get("PCN1001")
    assert claim is not None and claim.patient_balance == Decimal("20.00")
    assert (claim.insurance_balance, claim.status) == (before.insurance_balance, before.status)
    assert result.claim is not None and result.claim["patient_balance"] == "20.00"
    (entry,) = posted.claims.postings("PCN1001")[-1].record.entries
    assert (entry.kind.value, entry.amount) == ("patient_write_off", Decimal("10.00"))
    reopen(posted, "underpaid", note="the patient paid")
    claim = posted.claims.get("PCN1001")
    assert claim is not None and claim.patient_balance == Decimal("30.00")
    assert_money_adds_up(posted, "PCN1001")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"write_off_reason": "timely_filing"}, "write_off_reason", "small_balance, hardship, courtesy"),
        ({"write_off_reason": "hardship", "amount": "30.01"}, "amount", "patient balance 30.00"),
    ],
)
def test_a_patient_write_off_names_what_is_wrong(
    posted: Practice, fields: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        resolve(posted, "underpaid", resolution="written_off", note="n", write_off_balance="patient", **fields)

    assert refused.value.field == field and message in refused.value.message
    assert len(posted.claims.postings("PCN1001")) == 1


# ---------------------------------------------------------------------------------- appeals


def test_an_appeal_waits_under_its_own_status_with_its_due_date(posted: Practice) -> None:
    resolve(posted, "denied", resolution="appealed", note="letter sent", appeal_due_date="2025-03-01")
    service = posted.worklist_service()

    appealed = service.list(ListQuery(status="appealed"))
    still_open = service.list(ListQuery())

    (item,) = appealed.items
    assert (item.status.value, item.appeal_due_date, appealed.counts_by_type) == (
        "appealed",
        "2025-03-01",
        {"denied": 1},
    )
    assert "denied" not in still_open.counts_by_type
    assert posted.worklist.work_item(item.id).appeal_postings_seen == 1  # type: ignore[union-attr]
    # Still workable: the payer may answer by phone.
    done = resolve(posted, "denied", resolution="payer_contacted", note="the payer will reprocess")
    assert done.followup.status.value == "resolved"


def test_an_appeal_is_reopened_without_moving_money(posted: Practice) -> None:
    resolve(posted, "denied", resolution="appealed", note="letter sent", appeal_due_date=date(2025, 3, 1).isoformat())

    result = reopen(posted, "denied", note="wrong payer address")

    assert (result.followup.status.value, result.followup.appeal_due_date) == ("open", None)


@pytest.fixture
def underpaid_on_apply(posted: Practice) -> Practice:
    """PCN1005's 99212 is allowed 85.00: the 75.00 held payment applied to it raises an UNDERPAID."""
    posted.remittances.put_fee_schedule(
        [FeeScheduleEntry(payer_id="1411289245", procedure_code="99212", allowed_amount=Decimal("85.00"))]
    )
    resolve(posted, "claim_not_found", **APPLY)
    return posted


def raised_underpayments(practice: Practice) -> list[Any]:
    items = (practice.worklist.work_item(followup_id) for followup_id in practice.worklist.items)
    return [
        i for i in items if i is not None and i.followup.type.value == "underpaid" and i.followup.claim_id == "PCN1005"
    ]


def test_reopening_an_application_closes_the_follow_ups_its_posting_raised(underpaid_on_apply: Practice) -> None:
    (raised,) = raised_underpayments(underpaid_on_apply)
    assert (raised.followup.status.value, raised.followup.amount) == ("open", Decimal("10.00"))

    reopen(underpaid_on_apply, "claim_not_found", BO)

    (closed,) = raised_underpayments(underpaid_on_apply)
    assert (closed.followup.status.value, closed.resolution, closed.resolved_by) == ("resolved", "no_action", BO)
    assert closed.note.startswith("its posting was undone: follow-up ")
    resolve(underpaid_on_apply, "claim_not_found", ANA, **APPLY)  # applied again: its own underpayment
    assert sorted(i.followup.status.value for i in raised_underpayments(underpaid_on_apply)) == ["open", "resolved"]


def test_a_reopen_reads_what_its_posting_raised_from_the_stored_posting_in_one_batch(
    underpaid_on_apply: Practice,
) -> None:
    (raised,) = raised_underpayments(underpaid_on_apply)
    underpaid_on_apply.worklist.batch_reads.clear()

    reopen(underpaid_on_apply, "claim_not_found", BO)

    assert underpaid_on_apply.worklist.batch_reads == [[raised.followup.id]]  # no guess per follow-up type


def test_an_application_whose_raised_follow_up_moved_money_is_not_reopened_until_that_one_is(
    underpaid_on_apply: Practice,
) -> None:
    (raised,) = raised_underpayments(underpaid_on_apply)
    # As a write-off of the underpayment leaves it (this claim has no balance left to write off).
    underpaid_on_apply.worklist.items[raised.followup.id] |= {"status": "resolved", "resolution": "written_off"}

    with pytest.raises(Conflict, match=f"follow-up {raised.followup.id} \\(underpaid\\).*written_off: reopen it first"):
        reopen(underpaid_on_apply, "claim_not_found", BO)

    claim = underpaid_on_apply.claims.get("PCN1005")
    assert claim is not None and claim.insurance_paid == HELD and len(claim.posting_ids) == 1  # nothing undone
    held = underpaid_on_apply.worklist.work_item(fid(underpaid_on_apply, "claim_not_found"))
    assert held is not None and held.followup.status.value == "resolved"


def test_a_raised_follow_up_written_off_while_reopening_makes_the_reopen_a_conflict_and_undoes_nothing(
    underpaid_on_apply: Practice,
) -> None:
    practice = underpaid_on_apply
    (raised,) = raised_underpayments(practice)

    def write_it_off() -> None:  # as a biller's write-off leaves it, committed between read and commit
        item = practice.worklist.items[raised.followup.id]
        item |= {"status": "resolved", "resolution": "written_off", "version": item["version"] + 1}

    practice.worklist = SomeoneElseFirst(practice, write_it_off)
    with pytest.raises(Conflict, match=f"follow-up {raised.followup.id}, raised by the posting being undone"):
        reopen(practice, "claim_not_found", BO)

    claim = practice.claims.get("PCN1005")
    assert claim is not None and claim.insurance_paid == HELD and len(claim.posting_ids) == 1  # nothing undone
    (held,) = practice.remittances.held.values()
    assert held["status"] == "applied"
    item = practice.worklist.work_item(fid(practice, "claim_not_found"))
    assert item is not None and (item.followup.status.value, item.reopened) == ("resolved", 0)
    (written_off,) = raised_underpayments(practice)
    assert written_off.resolution == "written_off"  # what the other biller did stands


def test_a_raised_follow_up_closed_while_reopening_makes_the_reopen_a_conflict(underpaid_on_apply: Practice) -> None:
    practice = underpaid_on_apply
    (raised,) = raised_underpayments(practice)
    contacted = ResolveRequest.model_validate({"resolution": "payer_contacted", "note": "called"})
    practice.worklist_service().resolve(raised.followup.id, contacted, caller=ANA)  # closed: only checked

    def touch_it() -> None:  # a note added meanwhile moves its version on
        practice.worklist.items[raised.followup.id]["version"] += 1

    practice.worklist = SomeoneElseFirst(practice, touch_it)
    with pytest.raises(Conflict, match="changed meanwhile"):
        reopen(practice, "claim_not_found", BO)
    assert len(practice.claims.postings("PCN1005")) == 1

    reopen(practice, "claim_not_found", BO)  # read again: it goes through, the closed one left as it is
    (closed,) = raised_underpayments(practice)
    assert (closed.resolution, closed.resolved_by) == ("payer_contacted", ANA)
    assert len(practice.claims.postings("PCN1005")) == 2


def test_a_raised_follow_up_still_in_the_queue_is_written_closed_and_never_opens(underpaid_on_apply: Practice) -> None:
    practice = underpaid_on_apply
    (raised,) = raised_underpayments(practice)
    del practice.worklist.items[raised.followup.id]  # its message not delivered yet

    reopen(practice, "claim_not_found", BO)

    (closed,) = raised_underpayments(practice)
    assert (closed.followup.status.value, closed.resolution, closed.resolved_by) == ("resolved", "no_action", BO)
    assert closed.version == 1 and closed.history[-1].action == "resolved"
    again = WorklistIntake(practice.worklist).receive_all([raised.followup])  # the message arrives now
    assert again.added == frozenset()
    (still,) = raised_underpayments(practice)
    assert still.followup.status.value == "resolved"


def test_an_application_whose_raised_follow_up_is_under_appeal_is_not_reopened(underpaid_on_apply: Practice) -> None:
    practice = underpaid_on_apply
    (raised,) = raised_underpayments(practice)
    practice.worklist.items[raised.followup.id] |= {"status": "appealed", "resolution": "appealed"}

    with pytest.raises(Conflict, match=f"follow-up {raised.followup.id} \\(underpaid\\).*is under appeal"):
        reopen(practice, "claim_not_found", BO)

    claim = practice.claims.get("PCN1005")
    assert claim is not None and claim.insurance_paid == HELD and len(claim.posting_ids) == 1
