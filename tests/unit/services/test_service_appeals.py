"""The daily sweep and appeals: an appeal comes back, due, on its due date when the payer has not
answered; a new ERA posting to the claim closes it, naming the ERA and what it paid."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from tests.unit.services.practice import Practice

from remitflow.domain.resolutions import WorkItem, write_off
from remitflow.services.appeals import SWEEPER, AppealSweep
from remitflow.services.worklist_intake import APPEAL_ANSWERER, WorklistIntake
from remitflow.services.worklist_models import ListQuery, ReopenRequest, ResolveRequest

DUE = date(2025, 3, 1)
ISA = (Path(__file__).resolve().parents[3] / "samples/remittances/acme-ach-2025-01-16.835").read_text().split("~")[0]


def answer_835() -> bytes:
    """The payer reprocesses PCN1002 on appeal: 100.00 paid, 20.00 contractual."""
    segments = [
        "GS*HP*PAYERCLEAR*LAKESIDEFM*20250301*0930*102*X*005010X221A1",
        "ST*835*0002",
        "BPR*I*100.00*C*ACH*CCP*01*011000015*DA*123456789*1411289245**01*021000021*DA*987654321*20250301",
        "TRN*1*APPEAL0002*1411289245",
        "N1*PR*ACME HEALTH PLAN*XV*41128",
        "N1*PE*LAKESIDE FAMILY MEDICINE*XX*1234567893",
        "LX*1",
        "CLP*PCN1002*1*120.00*100.00*0*12*ACM0001002*11*1",
        "SVC*HC:97110:GP*120.00*100.00**2",
        "CAS*CO*45*20.00",
        "REF*6R*PCN1002-1",
    ]
    segments.append(f"SE*{len(segments)}*0002")
    segments += ["GE*1*102", "IEA*1*000000102"]
    return (ISA.strip().replace("000000101", "000000102") + "~" + "~".join(segments) + "~").encode()


@pytest.fixture
def appealed(loaded: Practice) -> Practice:
    loaded.post()
    loaded.deliver_followups()
    request = ResolveRequest(resolution="appealed", note="medical necessity letter sent", appeal_due_date=DUE)
    loaded.worklist_service().resolve(denied(loaded).followup.id, request, caller="ana")
    return loaded


def denied(practice: Practice) -> WorkItem:
    item = practice.worklist.work_item(practice.followup_of_type("denied").id)
    assert item is not None
    return item


def sweep(practice: Practice, day: date) -> AppealSweep:
    service = AppealSweep(worklist=practice.worklist, claims=practice.claims, clock=practice.clock)
    service.sweep(day)
    return service


def test_an_unanswered_appeal_waits_until_its_due_date_then_comes_back_due(appealed: Practice) -> None:
    sweep(appealed, date(2025, 2, 28))
    assert denied(appealed).followup.status.value == "appealed"

    sweep(appealed, DUE)

    item = denied(appealed)
    assert (item.followup.status.value, item.resolution, item.appeal_due_date) == ("open", "appealed", DUE)
    audit = item.history[-1]
    assert (audit.by, audit.action) == (SWEEPER, "appeal due")
    assert audit.note == "appeal due 2025-03-01: no ERA has posted to claim PCN1002 since"
    open_now = appealed.worklist_service().list(ListQuery())
    assert open_now.counts_by_type.get("denied") == 1
    sweep(appealed, date(2025, 3, 2))  # open again: the sweep leaves it to the biller
    assert len(denied(appealed).history) == len(item.history)


def test_a_new_era_posting_closes_the_appeal_naming_the_era_and_what_it_paid(appealed: Practice) -> None:
    appealed.post("remittances/acme-appeal-2025-03-01.835", answer_835())
    appealed.deliver_followups()  # the FollowupWorker takes the posting's APPEAL_ANSWERED

    item = denied(appealed)
    assert (item.followup.status.value, item.resolution, item.resolved_by) == ("resolved", "appealed", APPEAL_ANSWERER)
    assert item.note is not None and "ERA APPEAL0002 of 2025-03-01" in item.note and "paid 100.00" in item.note
    assert (item.history[-1].action, item.history[-1].after["paid"]) == ("appeal answered", "100.00")
    claim = appealed.claims.get("PCN1002")
    assert claim is not None and claim.appeals == [] and claim.insurance_paid == Decimal("100.00")
    assert appealed.worklist.work_item(appealed.followup_of_type("appeal_answered").id) is None  # no item of its own
    appealed.deliver_followups()
    again = WorklistIntake(appealed.worklist).receive_all([appealed.followup_of_type("appeal_answered")])
    assert again.added == frozenset() and again.refused == {}  # again: nothing opens


def test_the_sweep_closes_an_answered_appeal_whose_message_was_lost(appealed: Practice) -> None:
    appealed.post("remittances/acme-appeal-2025-03-01.835", answer_835())  # not delivered

    sweep(appealed, date(2025, 2, 1))

    item = denied(appealed)
    assert (item.followup.status.value, item.resolved_by) == ("resolved", SWEEPER)
    assert item.note is not None and "ERA APPEAL0002 of 2025-03-01" in item.note and "paid 100.00" in item.note
    assert item.history[-1].after["paid"] == "100.00"


def test_a_write_off_after_the_appeal_is_no_answer(appealed: Practice) -> None:
    claim = appealed.claims.get("PCN1002")
    assert claim is not None
    # A biller's posting on the claim moves its posting count, but it is not the payer answering.
    decision = write_off(
        appealed.followup_of_type("underpaid"), claim, amount=None, reason="r", by="bo", now=appealed.now
    )
    appealed.claims.commit(decision, unapplied_table=appealed.remittances.table, recorded_at=appealed.now)

    sweep(appealed, date(2025, 2, 1))

    assert denied(appealed).followup.status.value == "appealed"


def test_a_biller_acting_during_the_sweep_wins(appealed: Practice) -> None:
    service = AppealSweep(worklist=appealed.worklist, claims=appealed.claims, clock=appealed.clock)
    change = appealed.worklist.change

    def biller_first(request):  # type: ignore[no-untyped-def]
        appealed.worklist.change = change  # type: ignore[method-assign]
        resolve = ResolveRequest(resolution="payer_contacted", note="the payer called back")
        appealed.worklist_service().resolve(denied(appealed).followup.id, resolve, caller="bo")
        return change(request)

    appealed.worklist.change = biller_first  # type: ignore[method-assign]
    summary = service.sweep(DUE)

    assert (summary.raced, summary.due) == (1, 0)
    item = denied(appealed)
    assert (item.followup.status.value, item.resolved_by) == ("resolved", "bo")


def test_an_appeal_reopened_and_appealed_again_marks_its_claim_once(appealed: Practice) -> None:
    service = appealed.worklist_service()
    followup_id = denied(appealed).followup.id
    service.reopen(followup_id, ReopenRequest(note="wrong address"), caller="ana")

    again = ResolveRequest(resolution="appealed", note="sent again", appeal_due_date=DUE)
    service.resolve(followup_id, again, caller="ana")

    claim = appealed.claims.get("PCN1002")
    assert claim is not None and claim.appeals == [followup_id]
    assert denied(appealed).followup.status.value == "appealed"
