"""Search, claims and accounts on moto: the sample practice posted, then found by every kind of key
through GET /api/search, /api/claims, /api/claims/{id} and /api/accounts/{id}.

Names with accents, hyphens and apostrophes are our own data, loaded beside the samples.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.integration.conftest import SAMPLES, Harness
from tests.integration.test_worklist_api import call

from remitflow.adapters.dynamodb import keys
from remitflow.adapters.dynamodb.shared import query
from remitflow.services.record_views import era_id_from_ref

ACME = "remittances/acme-ach-2025-01-16.835"
BANK = "deposits/first-national-2025-01-16.bai"
ACME_ID = "1411289245"
HEADER = (
    "claim_id,line_number,account_id,payer_id,patient_name,service_date,procedure_code,modifiers,units,"
    "charge_amount,line_control_number,expected_allowed\n"
)
OUR_NAMES = (
    HEADER
    + """PCN7001,1,ACC-7001,1411289245,José Núñez,2025-02-03,99213,,1,110.00,PCN7001-1,
PCN7002,1,ACC-7002,1411289245,Mary-Ann O'Brien,2025-02-04,99213,,1,111.00,PCN7002-1,
PCN7003,1,ACC-7002,1987654321,Zoë D’Angelo-Smith,2025-02-05,99212,,1,112.00,PCN7003-1,
"""
)


@pytest.fixture
def practice(harness: Harness) -> Harness:
    harness.load_sample_reference_data()
    harness.upload("claims/our-names.csv", OUR_NAMES.encode())
    harness.runner.pump()
    harness.deliver(ACME, SAMPLES / "remittances" / "acme-ach-2025-01-16.835")
    harness.deliver(BANK, SAMPLES / "deposits" / "first-national-2025-01-16.bai")
    return harness


def search(harness: Harness, text: str) -> dict[str, Any]:
    reply = call(harness, "GET", "/api/search", query={"q": text})
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.body
    return body


def claim_ids(body: dict[str, Any]) -> list[str]:
    return [claim["claim_id"] for claim in body["claims"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PCN1001", ["PCN1001"]),  # claim id
        ("pcn100", ["PCN1001", "PCN1002", "PCN1003", "PCN1005"]),  # case-insensitive prefix
        ("Rivera", ["PCN1001"]),  # patient name, any part
        ("ana riv", ["PCN1001"]),
        ("okafor", ["PCN1003", "PCN2002"]),
        ("acc-5003", ["PCN1003", "PCN2002"]),  # account id, however it is typed
        ("ACC5003", ["PCN1003", "PCN2002"]),
        ("2025-01-02", ["PCN1001"]),  # date of service
        ("01/06/2025", ["PCN1003", "PCN2002"]),
        ("250.00", ["PCN1001"]),  # charge amount
        ("$400", ["PCN2002"]),
        ("jose", ["PCN7001"]),  # accents
        ("NÚÑEZ josé", ["PCN7001"]),
        ("obrien", ["PCN7002"]),  # apostrophes
        ("o'brien", ["PCN7002"]),
        ("brien", ["PCN7002"]),
        ("mary-ann", ["PCN7002"]),  # hyphens
        ("ann", ["PCN7002"]),
        ("smith", ["PCN7003"]),
        ("dangelo", ["PCN7003"]),
        ("zoe", ["PCN7003"]),
        ("nobody", []),
    ],
)
def test_claims_are_found_by_id_name_account_date_and_amount(practice: Harness, text: str, expected: list[str]) -> None:
    assert sorted(claim_ids(search(practice, text))) == expected


def test_a_claim_found_carries_its_balances_payer_name_and_account(practice: Harness) -> None:
    body = search(practice, "Ana Rivera")
    (claim,) = body["claims"]
    assert claim == {
        "claim_id": "PCN1001",
        "account_id": "ACC-5001",
        "patient_name": "Ana Rivera",
        "payer_id": ACME_ID,
        "payer_name": "ACME HEALTH PLAN",  # the 835's N1*PR, kept with the payer
        "status": claim["status"],
        "service_date": "2025-01-02",
        "charge_amount": "250.00",
        "insurance_paid": claim["insurance_paid"],
        "patient_responsibility": claim["patient_responsibility"],
        "insurance_balance": claim["insurance_balance"],
        "patient_balance": claim["patient_balance"],
    }
    assert claim["insurance_paid"] != "0.00"  # posted from the sample 835
    assert body["accounts"] == [{"account_id": "ACC-5001", "patient_name": "Ana Rivera", "claim_ids": ["PCN1001"]}]


def test_the_era_and_its_deposit_are_found_by_trace_payer_and_amount(practice: Harness) -> None:
    by_trace = search(practice, "0123456789")
    (era,) = by_trace["eras"]
    assert (era["trace_number"], era["payer_id"], era["payer_name"]) == ("0123456789", ACME_ID, "ACME HEALTH PLAN")
    assert (era["payment_amount"], era["payment_date"], era["source_key"]) == ("319.50", "2025-01-16", ACME)
    assert era["deposit_status"] == "matched" and era["balanced"] is True
    assert era_id_from_ref(era["era_id"]) == f"ERA#{ACME_ID}#0123456789#319.50#2025-01-16"
    assert [d["trace_number"] for d in by_trace["deposits"]] == ["0123456789"]
    assert [d["amount"] for d in by_trace["deposits"]] == ["319.50"]

    assert [e["trace_number"] for e in search(practice, "acme health")["eras"]] == ["0123456789"]
    assert [e["trace_number"] for e in search(practice, ACME_ID)["eras"]] == ["0123456789"]
    by_amount = search(practice, "319.50")
    assert [e["trace_number"] for e in by_amount["eras"]] == ["0123456789"]
    assert [d["amount"] for d in by_amount["deposits"]] == ["319.50"]


def test_a_payer_is_found_by_name_and_id_with_its_claims(practice: Harness) -> None:
    by_name = claim_ids(search(practice, "ACME"))
    by_id = claim_ids(search(practice, ACME_ID))
    assert by_name == by_id
    assert {"PCN1001", "PCN1002", "PCN7001", "PCN7002"} <= set(by_id)
    assert "PCN2001" not in by_id  # another payer's


def test_follow_ups_are_found_through_their_claim_even_one_never_imported(practice: Harness) -> None:
    denied = search(practice, "pcn1002")["followups"]
    assert [(f["type"], f["claim_id"], f["payer_name"]) for f in denied] == [("denied", "PCN1002", "ACME HEALTH PLAN")]
    unknown = search(practice, "PCN1099")  # in the 835, not in the claims file
    assert unknown["claims"] == []
    assert [(f["type"], f["claim_id"], f["amount"]) for f in unknown["followups"]] == [
        ("claim_not_found", "PCN1099", "75.00")
    ]


def test_every_group_is_there_and_an_empty_box_is_400(practice: Harness) -> None:
    body = search(practice, "zzz")
    assert body == {"query": "zzz", "claims": [], "accounts": [], "eras": [], "deposits": [], "followups": []}
    for text in ("", "  ", "-'"):
        reply = call(practice, "GET", "/api/search", query={"q": text})
        assert reply.status == 400 and reply.body["message"].startswith("q: ")


def test_no_search_term_reaches_the_logs(practice: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    search(practice, "Núñez")
    search(practice, "O'Brien")
    out, err = capsys.readouterr()
    assert not [word for word in ("nunez", "núñez", "brien") if word in (out + err).lower()]


def test_search_reads_the_entries_it_wrote_never_a_scan(practice: Harness) -> None:
    client = practice.clients.dynamodb
    scans: list[Any] = []
    original = client.scan
    client.scan = lambda **kwargs: scans.append(kwargs) or original(**kwargs)  # type: ignore[method-assign]
    try:
        # The claim's entries sit in the claims table under the keys keys.search_entry spells.
        entries = list(
            query(
                client,
                practice.settings.claims_table_name,
                "pk = :pk",
                {":pk": "SEARCH#name#jo"},
            )
        )
        assert [(e["sk"], e["entity_id"]) for e in entries] == [("jose#claim#PCN7001", "PCN7001")]
        assert keys.search_entry  # the one place that spells them
        search(practice, "jose")
    finally:
        client.scan = original  # type: ignore[method-assign]
    assert scans == []


# ------------------------------------------------------------------------------------- claims


def test_claims_are_listed_by_account_payer_and_status(practice: Harness) -> None:
    def listed(**query: str) -> list[str]:
        reply = call(practice, "GET", "/api/claims", query=query)
        assert reply.status == 200, reply.body
        assert reply.body["next_cursor"] is None
        return [item["claim_id"] for item in reply.body["items"]]

    assert listed(account="ACC-5003") == ["PCN1003", "PCN2002"]
    assert listed(account="ACC-7002", payer="1987654321") == ["PCN7003"]
    assert listed(payer="1987654321") == ["PCN2001", "PCN2002", "PCN7003"]
    assert listed(status="denied") == ["PCN1002"]
    assert listed(account="ACC-7002", status="open") == ["PCN7002", "PCN7003"]
    assert len(listed()) == 9


def test_claim_pages_follow_the_cursor_and_cover_every_claim_once(practice: Harness) -> None:
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    from remitflow.runtime import claim_book

    book = claim_book(practice.settings, practice.stores)
    while True:
        page = book.list_claims(cursor=cursor, limit=2)
        seen += [item["claim_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        pages += 1
        if cursor is None:
            break
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 9 and pages >= 5


def test_bad_claim_list_parameters_are_400_naming_the_parameter(practice: Harness) -> None:
    reply = call(practice, "GET", "/api/claims", query={"status": "lost"})
    assert reply.status == 400 and reply.body["message"].startswith("status: expected one of open")
    reply = call(practice, "GET", "/api/claims", query={"cursor": "not-ours"})
    assert reply.status == 400 and reply.body["message"].startswith("cursor: ")


def test_one_claim_with_balances_ledger_eras_and_follow_ups(practice: Harness) -> None:
    reply = call(practice, "GET", "/api/claims/PCN1002")
    assert reply.status == 200
    claim = reply.body
    assert (claim["claim_id"], claim["account_id"], claim["payer_name"]) == ("PCN1002", "ACC-5002", "ACME HEALTH PLAN")
    assert set(claim["balances"]) == {
        "charge_amount",
        "insurance_paid",
        "contractual_adjustment",
        "other_adjustment",
        "patient_responsibility",
        "insurance_balance",
        "patient_balance",
    }
    (era,) = claim["eras"]
    assert era["trace_number"] == "0123456789"
    assert [p["outcome"] for p in claim["postings"]] == ["denied"]
    assert [f["type"] for f in claim["followups"]] == ["denied"]
    assert [line["procedure_code"] for line in claim["lines"]] == ["97110"]

    paid = call(practice, "GET", "/api/claims/PCN1001").body
    ledger = paid["ledger"]
    assert ledger and {entry["era_id"] for entry in ledger} == {era["era_id"]}
    assert {entry["kind"] for entry in ledger} >= {"payment"}
    assert all(entry["cas"] == f"{entry['group']}-{entry['reason']}" for entry in ledger if entry["group"])


def test_a_claim_without_a_follow_up_opens_too(practice: Harness) -> None:
    reply = call(practice, "GET", "/api/claims/PCN7001")
    assert reply.status == 200
    assert (reply.body["followups"], reply.body["ledger"], reply.body["eras"]) == ([], [], [])
    assert reply.body["balances"]["insurance_balance"] == "110.00"


# ----------------------------------------------------------------------------------- accounts


def test_an_account_has_every_claim_and_its_totals(practice: Harness) -> None:
    reply = call(practice, "GET", "/api/accounts/ACC-5003")
    assert reply.status == 200
    account = reply.body
    assert (account["account_id"], account["patient_name"]) == ("ACC-5003", "James Okafor")
    claims = account["claims"]
    assert [c["claim_id"] for c in claims] == ["PCN1003", "PCN2002"]
    totals = account["totals"]
    assert totals["charge_amount"] == "550.00"
    for name in ("insurance_paid", "patient_responsibility", "insurance_balance", "patient_balance"):
        assert totals[name] == f"{sum(float(c[name]) for c in claims):.2f}"  # the sum of its claims'
    assert set(totals) == {
        "charge_amount",
        "insurance_paid",
        "adjustments",
        "patient_responsibility",
        "insurance_balance",
        "patient_balance",
    }


def test_unknown_ids_are_404(practice: Harness) -> None:
    for path in ("/api/claims/PCN0000", "/api/accounts/ACC-0000"):
        reply = call(practice, "GET", path)
        assert reply.status == 404 and "message" in reply.body


def test_without_a_verified_identity_every_new_route_is_401(practice: Harness) -> None:
    for path in ("/api/search", "/api/claims", "/api/claims/PCN1001", "/api/accounts/ACC-5001"):
        assert call(practice, "GET", path, query={"q": "ana"}, identity=None).status == 401
