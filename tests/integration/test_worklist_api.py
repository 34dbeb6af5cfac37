"""WorklistApi on moto: every route and error status, resolutions that move money exactly once, the audit trail.

The function is invoked as API Gateway would after its JWT authorizer: payload format 2.0 events
(as `sam local generate-event apigateway http-api-proxy` makes them) with the verified claims in
requestContext.authorizer.jwt.claims.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from tests.integration.conftest import ROOT, SAMPLES, Harness

from remitflow.adapters.dynamodb.claims import ClaimsStore
from remitflow.adapters.dynamodb.worklist import WorklistStore
from remitflow.domain.claims import Claim
from remitflow.domain.errors import Conflict
from remitflow.runtime import worklist
from remitflow.services.worklist import Worklist
from remitflow.services.worklist_models import ResolveRequest

ACME = "remittances/acme-ach-2025-01-16.835"
ANA = "ana@lakeside.example"
BO = "bo@lakeside.example"
BASE_EVENT: dict[str, Any] = json.loads((ROOT / "events" / "worklist_api.json").read_text())


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


def http_event(
    method: str, path: str, *, query: dict[str, str] | None = None, body: Any = None, identity: str | None = ANA
) -> dict[str, Any]:
    event = copy.deepcopy(BASE_EVENT)
    event["routeKey"] = event["requestContext"]["routeKey"] = "$default"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["rawQueryString"] = urlencode(query or {})
    event["queryStringParameters"] = query or None
    if identity is None:
        del event["requestContext"]["authorizer"]
        del event["headers"]["authorization"]
    else:
        event["requestContext"]["authorizer"]["jwt"]["claims"]["email"] = identity
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
        event["headers"]["content-type"] = "application/json"
    return event


def call(harness: Harness, method: str, path: str, **kwargs: Any) -> Reply:
    response = harness.runner.invoke("WorklistApi", http_event(method, path, **kwargs))
    headers = response.get("headers") or {}
    text = response["body"]
    body = json.loads(text) if headers.get("Content-Type", "").startswith("application/json") else text
    return Reply(response["statusCode"], body, headers)


@dataclass
class Queue:
    harness: Harness
    not_found: str  # PCN1099: 75.00 held, belongs to PCN1005
    denied: str  # PCN1002
    underpaid: str  # PCN1001


@pytest.fixture
def queue(harness: Harness) -> Queue:
    harness.load_sample_reference_data()
    harness.deliver(ACME, SAMPLES / "remittances" / "acme-ach-2025-01-16.835")
    by_type = {item["type"]: item["id"] for item in harness.followups()}
    return Queue(harness, by_type["claim_not_found"], by_type["denied"], by_type["underpaid"])


def balance(harness: Harness, claim_id: str) -> Decimal:
    claim = harness.claims.get(claim_id)
    assert claim is not None
    return claim.insurance_balance


def held_status(queue: Queue) -> str:
    item = queue.harness.worklist.get(queue.not_found)
    assert item is not None
    cash = queue.harness.remittances.unapplied(item["detail"]["posting_id"])
    assert cash is not None
    return str(cash["status"])


APPLY = {"resolution": "applied_to_claim", "claim_id": "PCN1005", "note": "payer used the old account number"}


# ---------------------------------------------------------------------------------- listing


def test_the_open_worklist_lists_oldest_first_with_counts_by_type(queue: Queue) -> None:
    reply = call(queue.harness, "GET", "/api/followups")

    assert reply.status == 200
    assert reply.body["counts_by_type"] == {"claim_not_found": 1, "denied": 1, "underpaid": 1}
    assert reply.body["next_cursor"] is None
    items = {item["type"]: item for item in reply.body["items"]}
    created = [item["created_at"] for item in reply.body["items"]]
    assert created == sorted(created)
    held = items["claim_not_found"]
    assert (held["claim_id"], held["amount"], held["status"], held["version"]) == ("PCN1099", "75.00", "open", 0)
    assert held["age_days"] == 0 and held["assignee"] is None and held["resolution"] is None
    assert held["source"] == ACME and held["reason_codes"] == ["CO-45"]
    assert held["summary"] == "claim not found: CO-45 above the allowed amount (fee schedule) (write off)"
    assert items["denied"]["summary"].startswith("denied: CO-50 not medically necessary (appeal)")
    assert items["denied"]["amount"] == "120.00"
    assert held["payer_name"] == "ACME HEALTH PLAN"  # the 835's N1*PR, beside the payer id
    assert set(held) == {
        "id",
        "type",
        "status",
        "claim_id",
        "payer_id",
        "payer_name",
        "amount",
        "reason_codes",
        "summary",
        "created_at",
        "age_days",
        "assignee",
        "resolution",
        "note",
        "version",
        "source",
        "detail",
        "appeal_due_date",
        "reopened",
        "payment_date",
        "service_date",
        "days_since_payment",
        "days_since_service",
    }
    # How old the money is: the ERA's payment date and the 835's date of service, not the load time.
    assert (held["payment_date"], held["service_date"]) == ("2025-01-16", "2025-01-07")
    assert held["days_since_payment"] > 300 and held["days_since_service"] > held["days_since_payment"]


def test_my_items_are_the_callers_whoever_the_query_names(queue: Queue) -> None:
    call(queue.harness, "POST", f"/api/followups/{queue.denied}/assign", body={})
    call(queue.harness, "POST", f"/api/followups/{queue.underpaid}/assign", body={}, identity=BO)

    mine = call(queue.harness, "GET", "/api/followups", query={"mine": "true", "assignee": BO})

    assert mine.status == 200, mine.body
    assert [(item["claim_id"], item["assignee"]) for item in mine.body["items"]] == [("PCN1002", ANA)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"type": "denied"}, ["PCN1002"]),
        ({"claim_id": "PCN1001"}, ["PCN1001"]),
        ({"payer_id": "1411289245"}, ["PCN1001", "PCN1002", "PCN1099"]),
        ({"payer_id": "1987654321"}, []),
        ({"min_amount": "75.00", "max_amount": "100"}, ["PCN1099"]),
        ({"min_amount": "100.00"}, ["PCN1002"]),
        ({"max_age_days": "0"}, ["PCN1001", "PCN1002", "PCN1099"]),
        ({"min_age_days": "1"}, []),
        ({"status": "resolved"}, []),
        ({"status": "any", "type": "underpaid"}, ["PCN1001"]),
        ({"assignee": ANA}, []),
    ],
)
def test_filters(queue: Queue, query: dict[str, str], expected: list[str]) -> None:
    reply = call(queue.harness, "GET", "/api/followups", query=query)
    assert reply.status == 200, reply.body
    assert sorted(item["claim_id"] for item in reply.body["items"]) == expected


def test_pages_follow_the_cursor_and_cover_every_item_once(queue: Queue) -> None:
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = {"limit": "1"} | ({"cursor": cursor} if cursor else {})
        reply = call(queue.harness, "GET", "/api/followups", query=query)
        assert reply.status == 200 and len(reply.body["items"]) == 1
        seen.extend(item["id"] for item in reply.body["items"])
        pages += 1
        cursor = reply.body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert sorted(seen) == sorted([queue.not_found, queue.denied, queue.underpaid])


def test_a_filtered_page_is_filled_past_the_items_the_filter_drops(queue: Queue) -> None:
    first = call(queue.harness, "GET", "/api/followups", query={"limit": "1", "min_amount": "20.00"})
    assert [i["claim_id"] for i in first.body["items"]] in (["PCN1002"], ["PCN1099"])
    second = call(
        queue.harness,
        "GET",
        "/api/followups",
        query={"limit": "1", "min_amount": "20.00", "cursor": first.body["next_cursor"]},
    )
    assert second.body["next_cursor"] is None
    assert {i["claim_id"] for i in first.body["items"] + second.body["items"]} == {"PCN1002", "PCN1099"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"status": "closed"}, "status"),
        ({"type": "denial"}, "type"),
        ({"min_amount": "12.345"}, "min_amount"),
        ({"max_amount": "ten"}, "max_amount"),
        ({"min_age_days": "-1"}, "min_age_days"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"status": "any"}, "status"),
        ({"min_amount": "10", "max_amount": "5"}, "min_amount"),
    ],
)
def test_bad_list_parameters_are_400_naming_the_parameter(queue: Queue, query: dict[str, str], field: str) -> None:
    reply = call(queue.harness, "GET", "/api/followups", query=query)
    assert reply.status == 400
    assert reply.body["message"].startswith(f"{field}: "), reply.body


def test_a_cursor_of_another_listing_is_refused(queue: Queue) -> None:
    first = call(queue.harness, "GET", "/api/followups", query={"limit": "1"})
    reply = call(
        queue.harness,
        "GET",
        "/api/followups",
        query={"status": "any", "type": "denied", "cursor": first.body["next_cursor"]},
    )
    assert reply.status == 400 and "another listing" in reply.body["message"]


# ----------------------------------------------------------------------------------- one item


def test_one_follow_up_with_its_claim_payment_and_no_claim_yet(queue: Queue) -> None:
    reply = call(queue.harness, "GET", f"/api/followups/{queue.not_found}")

    assert reply.status == 200
    assert reply.body["followup"]["id"] == queue.not_found
    assert reply.body["followup"]["payer_name"] == "ACME HEALTH PLAN"
    assert reply.body["history"] == []
    assert reply.body["claim"] is None  # PCN1099 is nobody's claim
    assert reply.body["claim_payment"]["patient_control_number"] == "PCN1099"
    assert reply.body["claim_payment"]["paid_amount"] == "75.00"
    assert "applied_to_claim" in reply.body["resolutions"]


def test_a_follow_up_on_a_claim_shows_the_claim_and_its_ledger(queue: Queue) -> None:
    reply = call(queue.harness, "GET", f"/api/followups/{queue.underpaid}")
    claim = reply.body["claim"]
    assert claim["claim_id"] == "PCN1001" and claim["insurance_paid"] == "160.00"
    (posting,) = claim["postings"]
    assert posting["outcome"] == "posted" and posting["entries"]


def test_an_unknown_id_is_404_on_every_route(queue: Queue) -> None:
    for method, path, body in [
        ("GET", "/api/followups/nope", None),
        ("POST", "/api/followups/nope/assign", {}),
        ("POST", "/api/followups/nope/unassign", {}),
        ("POST", "/api/followups/nope/resolve", {"resolution": "no_action", "note": "x"}),
    ]:
        reply = call(queue.harness, method, path, body=body)
        assert (reply.status, reply.body) == (404, {"message": "no follow-up 'nope'"}), path


# --------------------------------------------------------------------------- who is asking


def test_without_a_verified_identity_the_api_answers_401(queue: Queue) -> None:
    for method, path, body in [
        ("GET", "/api/followups", None),
        ("GET", f"/api/followups/{queue.denied}", None),
        ("POST", f"/api/followups/{queue.denied}/assign", {}),
        ("POST", f"/api/followups/{queue.denied}/resolve", {"resolution": "no_action", "note": "x"}),
    ]:
        reply = call(queue.harness, method, path, body=body, identity=None)
        assert reply.status == 401 and "identity" in reply.body["message"], path
    assert queue.harness.worklist.get(queue.denied)["version"] == 0  # type: ignore[index]


def test_the_identity_comes_from_the_token_never_the_body(queue: Queue) -> None:
    reply = call(queue.harness, "POST", f"/api/followups/{queue.denied}/assign", body={"by": "mallory"})
    assert reply.status == 400 and reply.body["message"].startswith("by: ")
    token_sub_only = http_event("POST", f"/api/followups/{queue.denied}/assign", body={})
    del token_sub_only["requestContext"]["authorizer"]["jwt"]["claims"]["email"]
    response = queue.harness.runner.invoke("WorklistApi", token_sub_only)
    assert (
        json.loads(response["body"])["assignee"] == BASE_EVENT["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]
    )


def test_the_page_is_served_at_the_root_without_sign_in(queue: Queue) -> None:
    reply = call(queue.harness, "GET", "/", identity=None)
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/html")
    assert "<html" in reply.body.lower()
    assert call(queue.harness, "GET", "/static/..%2Ftemplate.yaml", identity=None).status == 404
    assert call(queue.harness, "GET", "/static/missing.js", identity=None).status == 404


# ------------------------------------------------------------------------------- assigning


def test_assign_and_unassign_with_history(queue: Queue) -> None:
    taken = call(queue.harness, "POST", f"/api/followups/{queue.denied}/assign", body={"expected_version": 0})
    assert taken.status == 200
    assert (taken.body["assignee"], taken.body["version"]) == (ANA, 1)
    again = call(queue.harness, "POST", f"/api/followups/{queue.denied}/assign")  # no body: the caller
    assert (again.status, again.body["version"]) == (200, 1)  # already hers: nothing changes

    refused = call(queue.harness, "POST", f"/api/followups/{queue.denied}/assign", body={}, identity=BO)
    assert refused.status == 409 and f"assigned to {ANA}" in refused.body["message"]

    released = call(queue.harness, "POST", f"/api/followups/{queue.denied}/unassign", body={}, identity=BO)
    assert (released.status, released.body["assignee"], released.body["version"]) == (200, None, 2)
    given = call(queue.harness, "POST", f"/api/followups/{queue.denied}/assign", body={"assignee": BO})
    assert (given.status, given.body["assignee"]) == (200, BO)

    history = call(queue.harness, "GET", f"/api/followups/{queue.denied}").body["history"]
    assert [(h["by"], h["action"], h["before"], h["after"]) for h in history] == [
        (ANA, "assigned", {"assignee": None}, {"assignee": ANA}),
        (BO, "unassigned", {"assignee": ANA}, {"assignee": None}),
        (ANA, "assigned", {"assignee": None}, {"assignee": BO}),
    ]
    assert all(datetime.fromisoformat(h["at"]).tzinfo is not None for h in history)
    mine = call(queue.harness, "GET", "/api/followups", query={"assignee": BO}).body["items"]
    assert [item["id"] for item in mine] == [queue.denied]


def test_a_stale_version_is_409(queue: Queue) -> None:
    call(queue.harness, "POST", f"/api/followups/{queue.denied}/assign", body={})
    reply = call(queue.harness, "POST", f"/api/followups/{queue.denied}/unassign", body={"expected_version": 0})
    assert reply.status == 409 and "version 1, not 0" in reply.body["message"]
    assert queue.harness.worklist.get(queue.denied)["assignee"] == ANA  # type: ignore[index]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "body: not valid JSON"),
        ({"expected_version": -1}, "expected_version: "),
        ({"expected_version": "one"}, "expected_version: "),
        ({"assignee": ""}, "assignee: "),
    ],
)
def test_bad_assign_bodies_are_400(queue: Queue, body: Any, message: str) -> None:
    reply = call(queue.harness, "POST", f"/api/followups/{queue.denied}/assign", body=body)
    assert reply.status == 400 and reply.body["message"].startswith(message), reply.body


# ------------------------------------------------------------------------------- resolving


def test_applying_held_money_posts_it_to_the_right_claim_once(queue: Queue) -> None:
    harness = queue.harness
    assert balance(harness, "PCN1005") == Decimal("90.00")

    reply = call(harness, "POST", f"/api/followups/{queue.not_found}/resolve", body=APPLY)

    assert reply.status == 200, reply.body
    followup = reply.body["followup"]
    assert (followup["status"], followup["resolution"], followup["note"]) == (
        "resolved",
        "applied_to_claim",
        APPLY["note"],
    )
    assert reply.body["claim"]["claim_id"] == "PCN1005"
    assert reply.body["claim"]["insurance_balance"] == "0.00"
    assert balance(harness, "PCN1005") == Decimal("0.00")
    assert held_status(queue) == "applied"

    again = call(harness, "POST", f"/api/followups/{queue.not_found}/resolve", body=APPLY, identity=BO)
    assert again.status == 409 and "already resolved (applied_to_claim) by " + ANA in again.body["message"]
    assert balance(harness, "PCN1005") == Decimal("0.00")
    assert len(harness.claims.postings("PCN1005")) == 1
    assert call(harness, "GET", "/api/followups", query={"status": "resolved"}).body["counts_by_type"] == {
        "claim_not_found": 1
    }


def test_the_audit_trail_says_who_when_what_before_and_after(queue: Queue) -> None:
    harness = queue.harness
    call(harness, "POST", f"/api/followups/{queue.not_found}/assign", body={})
    call(harness, "POST", f"/api/followups/{queue.not_found}/resolve", body=APPLY)

    detail = call(harness, "GET", f"/api/followups/{queue.not_found}").body
    assigned, resolved = detail["history"]
    assert assigned["action"] == "assigned"
    assert (resolved["by"], resolved["action"], resolved["note"]) == (ANA, "resolved", APPLY["note"])
    assert resolved["before"]["status"] == "open" and resolved["before"]["assignee"] == ANA
    assert resolved["before"]["claim"] == {
        "claim_id": "PCN1005",
        "version": 1,
        "status": "open",
        "insurance_balance": "90.00",
    }
    assert resolved["before"]["held"]["status"] == "held" and resolved["before"]["held"]["amount"] == "75.00"
    assert resolved["after"]["status"] == "resolved" and resolved["after"]["resolution"] == "applied_to_claim"
    assert resolved["after"]["claim"]["insurance_balance"] == "0.00"
    assert resolved["after"]["held"]["status"] == "applied"
    assert detail["claim"]["claim_id"] == "PCN1005"  # the claim the money went to
    assert [p["posted_payment"] for p in detail["claim"]["postings"]] == ["75.00"]


def test_two_resolves_at_once_move_the_money_once(queue: Queue, harness: Harness) -> None:
    service = worklist(harness.settings, harness.stores)
    both_read = threading.Barrier(2, timeout=30)
    # moto applies a transaction item by item and rolls back by restoring a copy of the tables, so
    # two transactions at once would clobber each other; DynamoDB serialises them, and so does this.
    one_at_a_time = threading.Lock()
    commit = service.worklist.commit_resolution

    def commit_after_both_read(**kwargs: Any) -> None:
        both_read.wait()  # both billers decided on the same versions before either writes
        with one_at_a_time:
            commit(**kwargs)

    service.worklist.commit_resolution = commit_after_both_read  # type: ignore[method-assign]
    outcomes: dict[str, str] = {}

    def resolve(who: str) -> None:
        try:
            service.resolve(queue.not_found, ResolveRequest.model_validate(APPLY), caller=who)
            outcomes[who] = "resolved"
        except Conflict as error:
            outcomes[who] = f"conflict: {error}"

    threads = [threading.Thread(target=resolve, args=(who,)) for who in (ANA, BO)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(o.split(":")[0] for o in outcomes.values()) == ["conflict", "resolved"], outcomes
    assert balance(harness, "PCN1005") == Decimal("0.00")
    claim = harness.claims.get("PCN1005")
    assert claim is not None and claim.insurance_paid == Decimal("75.00")
    assert len(harness.claims.postings("PCN1005")) == 1
    assert held_status(queue) == "applied"
    item = harness.worklist.work_item(queue.not_found)
    assert item is not None and item.version == 1 and len(item.history) == 1
    (winner,) = [who for who, outcome in outcomes.items() if outcome == "resolved"]
    assert item.resolved_by == winner


def test_a_claim_that_moves_meanwhile_is_read_again_and_the_money_still_posts_once(queue: Queue) -> None:
    harness = queue.harness
    service = worklist(harness.settings, harness.stores)
    reads = 0
    get = ClaimsStore.get

    def stale_once(store: ClaimsStore, claim_id: str) -> Claim | None:
        nonlocal reads
        claim = get(store, claim_id)
        reads += 1
        if reads == 1 and claim is not None:  # an import lands between our read and our write
            harness.claims.import_claim(claim)
        return claim

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ClaimsStore, "get", stale_once)
        result = service.resolve(queue.not_found, ResolveRequest.model_validate(APPLY), caller=ANA)

    assert reads >= 2
    assert result.claim is not None and result.claim["insurance_balance"] == "0.00"
    assert len(harness.claims.postings("PCN1005")) == 1


def test_writing_off_a_denied_claim(queue: Queue) -> None:
    harness = queue.harness
    body = {"resolution": "written_off", "write_off_reason": "past timely filing", "amount": "20.00", "note": "n"}
    reply = call(harness, "POST", f"/api/followups/{queue.denied}/resolve", body=body)

    assert reply.status == 200, reply.body
    assert reply.body["claim"]["insurance_balance"] == "100.00"
    (write_off,) = [p for p in reply.body["claim"]["postings"] if p["outcome"] == "written_off"]
    assert [(e["kind"], e["amount"]) for e in write_off["entries"]] == [("write_off", "20.00")]
    assert balance(harness, "PCN1002") == Decimal("100.00")
    again = call(harness, "POST", f"/api/followups/{queue.denied}/resolve", body=body)
    assert again.status == 409
    assert balance(harness, "PCN1002") == Decimal("100.00")


def test_appealing_records_the_due_date(queue: Queue) -> None:
    due = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    body = {"resolution": "appealed", "appeal_due_date": due, "note": "medical necessity letter sent"}
    reply = call(queue.harness, "POST", f"/api/followups/{queue.denied}/resolve", body=body)
    assert reply.status == 200, reply.body
    item = queue.harness.worklist.get(queue.denied)
    assert item is not None and item["appeal_due_date"] == due and item["status"] == "appealed"
    (entry,) = call(queue.harness, "GET", f"/api/followups/{queue.denied}").body["history"]
    assert entry["after"]["appeal_due_date"] == due
    assert balance(queue.harness, "PCN1002") == Decimal("120.00")  # an appeal moves no money


@pytest.mark.parametrize(
    ("which", "body", "message"),
    [
        ("not_found", {"resolution": "applied_to_claim", "note": "n"}, "claim_id: required for applied_to_claim"),
        ("not_found", {"resolution": "applied", "note": "n"}, "resolution: Input should be 'applied_to_claim'"),
        ("not_found", {"resolution": "no_action", "note": "  "}, "note: "),
        ("not_found", {"resolution": "no_action"}, "note: Field required"),
        ("not_found", {"note": "n"}, "resolution: Field required"),
        ("not_found", {**APPLY, "claim_id": "PCN9999"}, "claim_id: no claim 'PCN9999'"),
        ("not_found", {"resolution": "written_off", "write_off_reason": "r", "note": "n"}, "resolution: written_off"),
        ("not_found", {**APPLY, "amount": "1.00"}, "amount: does not go with resolution applied_to_claim"),
        ("denied", {"resolution": "appealed", "note": "n"}, "appeal_due_date: required"),
        ("denied", {"resolution": "appealed", "note": "n", "appeal_due_date": "2020-01-01"}, "appeal_due_date: "),
        ("denied", {"resolution": "appealed", "note": "n", "appeal_due_date": "soon"}, "appeal_due_date: "),
        ("denied", {"resolution": "written_off", "note": "n"}, "write_off_reason: required"),
        ("denied", {"resolution": "written_off", "note": "n", "write_off_reason": "r", "amount": 5.5}, "amount: "),
        ("denied", {"resolution": "written_off", "note": "n", "write_off_reason": "r", "amount": "500.00"}, "amount: "),
        ("denied", {"resolution": "no_action", "note": "n", "expected_version": "x"}, "expected_version: "),
    ],
)
def test_bad_resolutions_are_400_naming_the_field_and_change_nothing(
    queue: Queue, which: str, body: Any, message: str
) -> None:
    followup_id = getattr(queue, which)
    reply = call(queue.harness, "POST", f"/api/followups/{followup_id}/resolve", body=body)
    assert reply.status == 400, reply.body
    assert reply.body["message"].startswith(message), reply.body
    assert queue.harness.worklist.get(followup_id)["status"] == "open"  # type: ignore[index]
    assert held_status(queue) == "held"


def test_a_stale_version_cannot_resolve(queue: Queue) -> None:
    call(queue.harness, "POST", f"/api/followups/{queue.not_found}/assign", body={})
    reply = call(
        queue.harness, "POST", f"/api/followups/{queue.not_found}/resolve", body={**APPLY, "expected_version": 0}
    )
    assert reply.status == 409
    assert balance(queue.harness, "PCN1005") == Decimal("90.00") and held_status(queue) == "held"


def test_resolved_items_cannot_be_taken_or_released(queue: Queue) -> None:
    call(
        queue.harness,
        "POST",
        f"/api/followups/{queue.underpaid}/resolve",
        body={"resolution": "no_action", "note": "n"},
    )
    for action in ("assign", "unassign"):
        reply = call(queue.harness, "POST", f"/api/followups/{queue.underpaid}/{action}", body={})
        assert reply.status == 409 and "already resolved (no_action)" in reply.body["message"]


def test_no_note_or_patient_name_reaches_the_logs(queue: Queue, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    body = {**APPLY, "note": "Petra Novak called about NOVAK ACM776655"}
    assert call(queue.harness, "POST", f"/api/followups/{queue.not_found}/resolve", body=body).status == 200
    assert call(queue.harness, "GET", f"/api/followups/{queue.not_found}").status == 200
    out, err = capsys.readouterr()
    assert not [word for word in ("Petra", "NOVAK", "ACM776655") if word.lower() in (out + err).lower()]


@pytest.fixture
def store(queue: Queue) -> Iterator[WorklistStore]:
    yield queue.harness.worklist


def test_items_opened_before_versions_count_as_version_0(queue: Queue, store: WorklistStore) -> None:
    store.client.update_item(
        TableName=store.table, Key={"pk": {"S": queue.denied}}, UpdateExpression="REMOVE version, history"
    )
    reply = call(queue.harness, "POST", f"/api/followups/{queue.denied}/assign", body={"expected_version": 0})
    assert (reply.status, reply.body["version"]) == (200, 1)
    assert len(call(queue.harness, "GET", f"/api/followups/{queue.denied}").body["history"]) == 1


def test_the_service_alone_refuses_an_unknown_claim_without_writing(queue: Queue) -> None:
    service: Worklist = worklist(queue.harness.settings, queue.harness.stores)
    with pytest.raises(Exception, match="claim_id: no claim"):
        service.resolve(queue.not_found, ResolveRequest.model_validate({**APPLY, "claim_id": "X"}), caller=ANA)
    assert held_status(queue) == "held"


def test_the_sample_event_in_events_lists_the_open_worklist(queue: Queue) -> None:
    response = queue.harness.runner.invoke("WorklistApi", copy.deepcopy(BASE_EVENT))
    assert response["statusCode"] == 200
    assert len(json.loads(response["body"])["items"]) == 3


@pytest.mark.parametrize(
    ("domain", "client", "expected"),
    [
        ("", "", 'data-cognito-domain="" data-client-id=""'),
        (
            "https://lakeside.auth.us-east-1.amazoncognito.com",
            "abc123",
            'data-cognito-domain="https://lakeside.auth.us-east-1.amazoncognito.com" data-client-id="abc123"',
        ),
    ],
)
def test_the_page_names_the_hosted_sign_in_when_the_stack_has_one(
    harness: Harness, domain: str, client: str, expected: str
) -> None:
    harness.runner.environment |= {"SIGN_IN_DOMAIN": domain, "SIGN_IN_CLIENT_ID": client}

    reply = call(harness, "GET", "/", identity=None)

    assert reply.status == 200
    assert expected in reply.body
