"""Reopen and appeals on moto, through WorklistApi and `remitflow followups`: an applied payment is
reversed on the claim's ledger and its money held again, once, even with two billers at once."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from tests.integration.conftest import SAMPLES, Harness
from tests.integration.test_worklist_api import ACME, APPLY, BO, Queue, call, held_status
from tests.integration.test_worklist_cli import run
from tests.unit.services.test_service_appeals import answer_835

from remitflow.adapters.dynamodb import keys
from remitflow.adapters.dynamodb.shared import to_dynamo
from remitflow.domain.claims import FeeScheduleEntry
from remitflow.domain.errors import Conflict
from remitflow.domain.work_items import AuditEntry, Resolution, resolved_fields
from remitflow.runtime import worklist
from remitflow.services.ports import FollowupChange
from remitflow.services.worklist_intake import APPEAL_ANSWERER
from remitflow.services.worklist_models import ReopenRequest

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning")
REOPEN = {"note": "applied to the wrong claim"}


@pytest.fixture
def queue(harness: Harness) -> Queue:
    harness.load_sample_reference_data()
    harness.deliver(ACME, SAMPLES / "remittances" / "acme-ach-2025-01-16.835")
    by_type = {item["type"]: item["id"] for item in harness.followups()}
    return Queue(harness, by_type["claim_not_found"], by_type["denied"], by_type["underpaid"])


def test_reopen_reverses_the_payment_and_the_money_can_be_applied_again(queue: Queue) -> None:
    harness = queue.harness
    assert call(harness, "POST", f"/api/followups/{queue.not_found}/resolve", body=APPLY).status == 200

    reply = call(harness, "POST", f"/api/followups/{queue.not_found}/reopen", body=REOPEN, identity=BO)

    assert reply.status == 200, reply.body
    assert (reply.body["followup"]["status"], reply.body["followup"]["reopened"]) == ("open", 1)
    assert reply.body["claim"]["insurance_balance"] == "90.00"
    postings = reply.body["claim"]["postings"]
    assert [p["posted_payment"] for p in postings] == ["75.00", "-75.00"]
    assert postings[1]["reverses"] == postings[0]["posting_id"]
    assert held_status(queue) == "held"
    detail = call(harness, "GET", f"/api/followups/{queue.not_found}").body
    reopened = detail["history"][-1]
    assert (reopened["action"], reopened["by"], reopened["note"]) == ("reopened", BO, REOPEN["note"])
    assert reopened["before"]["claim"]["insurance_balance"] == "0.00"
    assert reopened["after"]["claim"]["insurance_balance"] == "90.00"

    again = call(harness, "POST", f"/api/followups/{queue.not_found}/resolve", body=APPLY)
    assert again.status == 200 and again.body["claim"]["insurance_balance"] == "0.00"
    assert held_status(queue) == "applied"
    assert len(harness.claims.postings("PCN1005")) == 3


def test_reopen_of_an_open_follow_up_is_409_and_without_a_note_400(queue: Queue) -> None:
    harness = queue.harness
    reply = call(harness, "POST", f"/api/followups/{queue.denied}/reopen", body=REOPEN)
    assert reply.status == 409 and "nothing to reopen" in reply.body["message"]

    reply = call(harness, "POST", f"/api/followups/{queue.denied}/reopen", body={})
    assert reply.status == 400 and reply.body["message"].startswith("note:")
    assert call(harness, "POST", "/api/followups/nope/reopen", body=REOPEN).status == 404


def test_two_reopens_at_once_reverse_the_payment_once(queue: Queue, harness: Harness) -> None:
    call(harness, "POST", f"/api/followups/{queue.not_found}/resolve", body=APPLY)
    service = worklist(harness.settings, harness.stores)
    both_read = threading.Barrier(2, timeout=30)
    one_at_a_time = threading.Lock()  # moto cannot run two transactions at once; DynamoDB serialises them
    commit = service.worklist.commit_resolution

    def commit_after_both_read(**kwargs: Any) -> None:
        both_read.wait()
        with one_at_a_time:
            commit(**kwargs)

    service.worklist.commit_resolution = commit_after_both_read  # type: ignore[method-assign]
    outcomes: dict[str, str] = {}

    def reopen(who: str) -> None:
        try:
            service.reopen(queue.not_found, ReopenRequest.model_validate(REOPEN), caller=who)
            outcomes[who] = "reopened"
        except Conflict:
            outcomes[who] = "conflict"

    threads = [threading.Thread(target=reopen, args=(who,)) for who in ("ana", "bo")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) == ["conflict", "reopened"]
    claim = harness.claims.get("PCN1005")
    assert claim is not None and (claim.insurance_paid, claim.insurance_balance) == (Decimal(0), Decimal("90.00"))
    assert len(harness.claims.postings("PCN1005")) == 2
    assert held_status(queue) == "held"


def test_the_cli_reopens_and_lists_appeals_with_their_due_date(
    queue: Queue, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys,
        "resolve",
        queue.denied,
        "--resolution",
        "written_off",
        "--write-off-reason",
        "timely_filing",
        "--note",
        "late",
        "--as",
        "ana",
    )
    assert code == 0, err
    code, reopened, err = run(
        capsys, "reopen", queue.denied, "--note", "filed in time after all", "--as", "bo", "--json"
    )
    assert code == 0, err
    assert reopened["claim"]["insurance_balance"] == "120.00"
    assert [p["outcome"] for p in reopened["claim"]["postings"]] == ["denied", "written_off", "reversed"]
    code, _, err = run(capsys, "reopen", queue.denied, "--note", "again", "--as", "bo")
    assert code == 4 and "nothing to reopen" in err

    code, _, err = run(
        capsys,
        "resolve",
        queue.denied,
        "--resolution",
        "appealed",
        "--appeal-due-date",
        "2099-03-01",
        "--note",
        "letter sent",
        "--as",
        "ana",
    )
    assert code == 0, err
    code, items, _ = run(capsys, "list", "--status", "appealed", "--json")
    assert [(i["id"], i["status"], i["appeal_due_date"]) for i in items] == [(queue.denied, "appealed", "2099-03-01")]


def test_a_patient_balance_is_written_off_through_the_api(queue: Queue) -> None:
    harness = queue.harness
    body = {
        "resolution": "written_off",
        "note": "hardship form on file",
        "write_off_balance": "patient",
        "write_off_reason": "hardship",
    }

    reply = call(harness, "POST", f"/api/followups/{queue.underpaid}/resolve", body=body)

    assert reply.status == 200, reply.body
    assert (reply.body["claim"]["patient_balance"], reply.body["claim"]["insurance_balance"]) == ("0.00", "0.00")
    refused = call(harness, "POST", f"/api/followups/{queue.denied}/resolve", body=body)
    assert refused.status == 400 and "no patient balance" in refused.body["message"]


def test_an_era_posting_for_an_appealed_claim_closes_the_appeal(queue: Queue) -> None:
    harness = queue.harness
    body = {"resolution": "appealed", "appeal_due_date": "2099-03-01", "note": "medical necessity letter sent"}
    assert call(harness, "POST", f"/api/followups/{queue.denied}/resolve", body=body).status == 200
    claim = harness.claims.get("PCN1002")
    assert claim is not None and claim.appeals == [queue.denied]

    harness.deliver("remittances/acme-appeal-2025-03-01.835", answer_835())

    item = harness.worklist.work_item(queue.denied)
    assert item is not None and (item.followup.status.value, item.resolved_by) == ("resolved", APPEAL_ANSWERER)
    assert item.note is not None and "ERA APPEAL0002" in item.note and "paid 100.00" in item.note
    claim = harness.claims.get("PCN1002")
    assert claim is not None and claim.appeals == [] and claim.insurance_paid == Decimal("100.00")
    assert "appeal_answered" not in {f["type"] for f in harness.followups()}


def test_reopen_closes_the_underpayment_its_posting_raised(queue: Queue) -> None:
    harness = queue.harness
    entry = FeeScheduleEntry(payer_id="1411289245", procedure_code="99212", allowed_amount=Decimal("85.00"))
    harness.stores.remittances.put_fee_schedule([entry])  # PCN1005's visit: 75.00 paid is 10.00 short
    assert call(harness, "POST", f"/api/followups/{queue.not_found}/resolve", body=APPLY).status == 200
    (raised,) = [f for f in harness.followups() if f["type"] == "underpaid" and f["claim_id"] == "PCN1005"]

    reply = call(harness, "POST", f"/api/followups/{queue.not_found}/reopen", body=REOPEN, identity=BO)

    assert reply.status == 200, reply.body
    closed = call(harness, "GET", f"/api/followups/{raised['id']}").body["followup"]
    assert (closed["status"], closed["resolution"], closed["assignee"]) == ("resolved", "no_action", None)
    assert closed["note"] == f"its posting was undone: follow-up {queue.not_found} was reopened"


@pytest.fixture
def underpaid_on_apply(queue: Queue) -> tuple[Queue, str]:
    """PCN1005's visit is allowed 85.00: the 75.00 applied to it raises an underpayment of its own."""
    harness = queue.harness
    entry = FeeScheduleEntry(payer_id="1411289245", procedure_code="99212", allowed_amount=Decimal("85.00"))
    harness.stores.remittances.put_fee_schedule([entry])
    assert call(harness, "POST", f"/api/followups/{queue.not_found}/resolve", body=APPLY).status == 200
    (raised,) = [f for f in harness.followups() if f["type"] == "underpaid" and f["claim_id"] == "PCN1005"]
    return queue, raised["id"]


def _reopen_after(harness: Harness, meanwhile: Any) -> Any:
    """The reopen's service, with `meanwhile` committed after it read and before it commits."""
    service = worklist(harness.settings, harness.stores)
    commit = service.worklist.commit_resolution

    def commit_after(**kwargs: Any) -> None:
        meanwhile(service.worklist)
        commit(**kwargs)

    service.worklist.commit_resolution = commit_after  # type: ignore[method-assign]
    return service


def test_a_raised_follow_up_changed_while_reopening_fails_the_reopen_whole(
    underpaid_on_apply: tuple[Queue, str],
) -> None:
    queue, raised_id = underpaid_on_apply
    harness = queue.harness

    def write_it_off(store: Any) -> None:  # as a biller's write-off of it leaves it
        item = store.work_item(raised_id)
        audit = AuditEntry(at=item.followup.created_at, by="ana", action="resolved")
        fields = resolved_fields(Resolution.WRITTEN_OFF, "small balance", "ana", item.followup.created_at)
        store.change(FollowupChange(raised_id, item.version, audit, set=fields))

    service = _reopen_after(harness, write_it_off)
    with pytest.raises(Conflict, match=f"follow-up {raised_id}, raised by the posting being undone, changed"):
        service.reopen(queue.not_found, ReopenRequest.model_validate(REOPEN), caller=BO)

    assert len(harness.claims.postings("PCN1005")) == 1 and held_status(queue) == "applied"  # nothing undone
    assert harness.worklist.get(queue.not_found)["status"] == "resolved"  # type: ignore[index]
    assert harness.worklist.get(raised_id)["resolution"] == "written_off"  # type: ignore[index]
    reply = call(harness, "POST", f"/api/followups/{queue.not_found}/reopen", body=REOPEN, identity=BO)
    assert reply.status == 409 and "written_off: reopen it first" in reply.body["message"]


def test_a_closed_raised_follow_up_is_checked_and_one_still_queued_is_written_closed(
    underpaid_on_apply: tuple[Queue, str],
) -> None:
    queue, raised_id = underpaid_on_apply
    harness = queue.harness
    contacted = {"resolution": "payer_contacted", "note": "called"}
    assert call(harness, "POST", f"/api/followups/{raised_id}/resolve", body=contacted).status == 200

    def note_on_it(store: Any) -> None:  # any change moves its version on
        item = store.work_item(raised_id)
        audit = AuditEntry(at=item.followup.created_at, by="ana", action="noted")
        store.change(FollowupChange(raised_id, item.version, audit, set={"note": "called twice"}, require_open=False))

    with pytest.raises(Conflict, match="changed meanwhile"):
        _reopen_after(harness, note_on_it).reopen(queue.not_found, ReopenRequest.model_validate(REOPEN), caller=BO)
    assert len(harness.claims.postings("PCN1005")) == 1

    # Its message not delivered yet: the reopen writes it closed, and its later delivery opens nothing.
    followup = harness.worklist.work_item(raised_id).followup  # type: ignore[union-attr]
    harness.worklist.client.delete_item(TableName=harness.worklist.table, Key=to_dynamo(keys.followup(raised_id)))
    reply = call(harness, "POST", f"/api/followups/{queue.not_found}/reopen", body=REOPEN, identity=BO)
    assert reply.status == 200, reply.body
    closed = harness.worklist.work_item(raised_id)
    assert closed is not None and (closed.followup.status.value, closed.resolution) == ("resolved", "no_action")
    assert harness.worklist.add_many([followup]).added == frozenset()
    assert harness.worklist.get(raised_id)["status"] == "resolved"  # type: ignore[index]
