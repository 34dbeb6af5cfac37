"""Search and the claim and account views, against the in-memory stores: the sample practice posted."""

from __future__ import annotations

import pytest
from tests.unit.services.fakes import FakeSearch
from tests.unit.services.practice import Practice

from remitflow.domain.errors import NotFound
from remitflow.services.accounts import ClaimBook, account_totals
from remitflow.services.search import GROUP_LIMIT, Search
from remitflow.services.worklist import InvalidRequest

OURS = (
    "claim_id,line_number,account_id,payer_id,patient_name,service_date,procedure_code,modifiers,units,"
    "charge_amount,line_control_number,expected_allowed\n"
    "PCN8001,1,ACC-8001,1411289245,Renée Lévesque-Ôba,2025-03-03,99213,,1,61.00,PCN8001-1,\n"
    "PCN8002,1,ACC-8001,1411289245,Seán O\u2019Connor,2025-03-04,99213,,1,62.00,PCN8002-1,\n"
)


@pytest.fixture
def posted(loaded: Practice) -> Practice:
    loaded.import_file("claims/ours.csv", OURS.encode())
    loaded.post()
    loaded.deposit()
    loaded.deliver_followups()
    return loaded


def index(practice: Practice) -> FakeSearch:
    return FakeSearch(practice.claims, practice.remittances, practice.reconciliation)


def searcher(practice: Practice) -> Search:
    return Search(store=index(practice), claims=practice.claims, worklist=practice.worklist)


def book(practice: Practice) -> ClaimBook:
    return ClaimBook(store=index(practice), claims=practice.claims, worklist=practice.worklist)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("renee", ["PCN8001"]),
        ("LEVESQUE", ["PCN8001"]),
        ("oba", ["PCN8001"]),
        ("levesqueoba", ["PCN8001"]),
        ("sean o'connor", ["PCN8002"]),
        ("oconnor", ["PCN8002"]),
        ("connor", ["PCN8002"]),
        ("acc-8001", ["PCN8001", "PCN8002"]),
        ("pcn800", ["PCN8001", "PCN8002"]),
        ("2025-03-04", ["PCN8002"]),
        ("61", ["PCN8001"]),
        ("renee connor", []),  # both words must be one patient's
    ],
)
def test_claims_by_name_id_account_date_and_amount(posted: Practice, text: str, expected: list[str]) -> None:
    assert sorted(c["claim_id"] for c in searcher(posted).search(text)["claims"]) == expected


def test_the_era_by_trace_carries_the_payer_name_from_n1_pr(posted: Practice) -> None:
    found = searcher(posted).search("0123456789")
    (era,) = found["eras"]
    assert (era["payer_name"], era["payment_amount"], era["deposit_status"]) == ("ACME HEALTH PLAN", "319.50", "none")
    assert [d["amount"] for d in found["deposits"]] == ["319.50"]


def test_the_payer_name_finds_its_claims_and_eras(posted: Practice) -> None:
    found = searcher(posted).search("acme health plan")
    assert {"PCN1001", "PCN8001"} <= {c["claim_id"] for c in found["claims"]}
    assert "PCN2001" not in {c["claim_id"] for c in found["claims"]}
    assert [e["trace_number"] for e in found["eras"]] == ["0123456789"]
    assert searcher(posted).search("acme nobody")["eras"] == []  # every word of the name must match


def test_follow_ups_come_with_their_claims_and_an_unknown_claim_by_its_id(posted: Practice) -> None:
    assert [f["type"] for f in searcher(posted).search("PCN1002")["followups"]] == ["denied"]
    unknown = searcher(posted).search("pcn1099")
    assert unknown["claims"] == [] and [f["type"] for f in unknown["followups"]] == ["claim_not_found"]


def test_an_empty_box_is_refused_naming_q(posted: Practice) -> None:
    with pytest.raises(InvalidRequest, match=r"^q: "):
        searcher(posted).search(" ' ")


def test_every_group_holds_at_most_the_limit(posted: Practice) -> None:
    many = "".join(
        f"PCN9{n:03d},1,ACC-9{n:03d},1411289245,Jo Many,2025-04-01,99213,,1,10.00,,\n" for n in range(GROUP_LIMIT + 5)
    )
    posted.import_file("claims/many.csv", (OURS.split("\n", 1)[0] + "\n" + many).encode())
    assert len(searcher(posted).search("many")["claims"]) == GROUP_LIMIT


def test_the_claim_list_filters_and_pages(posted: Practice) -> None:
    claims = book(posted)
    assert [c["claim_id"] for c in claims.list_claims(account_id="ACC-8001")["items"]] == ["PCN8001", "PCN8002"]
    assert [c["claim_id"] for c in claims.list_claims(status="denied")["items"]] == ["PCN1002"]
    first = claims.list_claims(limit=3)
    second = claims.list_claims(limit=3, cursor=first["next_cursor"])
    assert len(first["items"]) == 3 and not {c["claim_id"] for c in first["items"]} & {
        c["claim_id"] for c in second["items"]
    }
    with pytest.raises(InvalidRequest, match=r"^status: "):
        claims.list_claims(status="lost")
    with pytest.raises(InvalidRequest, match=r"^cursor: "):
        claims.list_claims(cursor="nope")


def test_a_claim_has_its_ledger_eras_and_follow_ups(posted: Practice) -> None:
    claim = book(posted).claim("PCN1001")
    assert claim["payer_name"] == "ACME HEALTH PLAN"
    assert [e["trace_number"] for e in claim["eras"]] == ["0123456789"]
    assert claim["ledger"] and all(entry["era_id"] == claim["eras"][0]["era_id"] for entry in claim["ledger"])
    assert [f["type"] for f in claim["followups"]] == ["underpaid"]
    with pytest.raises(NotFound):
        book(posted).claim("PCN0000")


def test_an_account_totals_its_claims(posted: Practice) -> None:
    account = book(posted).account("ACC-8001")
    assert account["patient_name"] == "Renée Lévesque-Ôba"
    assert account["totals"] == {
        "charge_amount": "123.00",
        "insurance_paid": "0.00",
        "adjustments": "0.00",
        "patient_responsibility": "0.00",
        "insurance_balance": "123.00",
        "patient_balance": "0.00",
    }
    posted_account = book(posted).account("ACC-5001")
    claim = posted.claims.get("PCN1001")
    assert claim is not None
    assert posted_account["totals"] == account_totals([claim])
    assert posted_account["totals"]["adjustments"] == f"{claim.contractual_adjustment + claim.other_adjustment:.2f}"
    with pytest.raises(NotFound):
        book(posted).account("ACC-0000")
