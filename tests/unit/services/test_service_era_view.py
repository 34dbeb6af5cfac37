"""The ERA view on the in-memory practice: the sample ERAs and one of our own, as billers read them."""

from __future__ import annotations

from datetime import date

import pytest
from tests.unit.services.practice import SAMPLES, Practice
from tests.unit.services.view_fakes import FakeEraLines, FakeEraRecords, FakeReconLookups

from remitflow.domain.errors import NotFound
from remitflow.services.era_ids import public_era_id, record_key
from remitflow.services.era_view import EraView
from remitflow.services.worklist import InvalidRequest

SUMMIT_JAN = "remittances/summit-check-2025-01-21.835"
SUMMIT_DEC = "remittances/summit-check-2024-12-20.835"
ACME = "remittances/acme-ach-2025-01-16.835"
# Our own: a zero-dollar NON remittance (no deposit is expected) with a denied claim, a claim we
# never billed, and two PLB lines that cancel out.
ZERO_ERA = "remittances/acme-non-2025-01-24.835"
ZERO_FILE = b"""\
ISA*00*          *00*          *ZZ*PAYERCLEAR     *ZZ*LAKESIDEFM     *250124*0930*^*00501*000000109*0*P*:~
GS*HP*PAYERCLEAR*LAKESIDEFM*20250124*0930*109*X*005010X221A1~
ST*835*0001~
BPR*H*0*C*NON************20250124~
TRN*1*ZERO0001*1411289245~
DTM*405*20250123~
N1*PR*ACME HEALTH PLAN*XV*41128~
N1*PE*LAKESIDE FAMILY MEDICINE*XX*1234567893~
LX*1~
CLP*PCN1003*4*150.00*0*0*12*ACM0009003~
CAS*CO*50*150.00~
CLP*PCN7777*4*80.00*0*0*12*ACM0009004~
CAS*CO*29*80.00~
PLB*1234567893*20251231*L6*-5.00*WO:RECOUP9*5.00~
SE*13*0001~
GE*1*109~
IEA*1*000000109~
"""


@pytest.fixture
def posted(loaded: Practice) -> Practice:
    for key in (ACME, SUMMIT_DEC, SUMMIT_JAN):
        loaded.post(key, (SAMPLES / key).read_bytes())
    loaded.post(ZERO_ERA, ZERO_FILE)
    loaded.deposit()
    return loaded


def view_of(practice: Practice) -> EraView:
    return EraView(
        remittances=FakeEraRecords(practice.remittances),
        claims=FakeEraLines(practice.claims),
        reconciliation=FakeReconLookups(practice.reconciliation),
    )


def era_of(view: EraView, trace: str) -> dict:
    (summary,) = view.find(trace)
    return view.show(summary["era_id"])


def test_eras_are_listed_by_payment_date_with_their_deposit_status(posted: Practice) -> None:
    items = view_of(posted).page()["items"]
    assert [(e["trace_number"], e["payment_date"], e["deposit_status"]) for e in items] == [
        ("00044100", "2024-12-20", "waiting"),  # no deposit in the bank file yet
        ("0123456789", "2025-01-16", "matched"),
        ("00045321", "2025-01-21", "probable"),  # the check's deposit carries no trace
        ("ZERO0001", "2025-01-24", "none"),  # NON: no money moves
    ]
    acme = items[1]
    assert acme["payer_name"] == "ACME HEALTH PLAN" and acme["payee_name"] == "LAKESIDE FAMILY MEDICINE"
    assert (acme["payment_amount"], acme["payment_method"], acme["claims_count"]) == ("319.50", "ACH", 4)
    assert acme["balanced"] is True and acme["source_key"] == ACME
    assert record_key(acme["era_id"]).startswith("ERA#1411289245#0123456789#")


def test_the_list_takes_a_payer_a_date_range_and_pages_with_a_cursor(posted: Practice) -> None:
    view = view_of(posted)
    summit = view.page(payer_id="1987654321")["items"]
    assert [e["trace_number"] for e in summit] == ["00044100", "00045321"]
    january = view.page(date_from=date(2025, 1, 1), date_to=date(2025, 1, 21))["items"]
    assert [e["trace_number"] for e in january] == ["0123456789", "00045321"]
    first = view.page(limit=3)
    rest = view.page(limit=3, cursor=first["next_cursor"])
    assert len(first["items"]) == 3 and [e["trace_number"] for e in rest["items"]] == ["ZERO0001"]
    assert rest["next_cursor"] is None
    with pytest.raises(InvalidRequest, match="cursor"):
        view.page(payer_id="1987654321", cursor=first["next_cursor"])
    with pytest.raises(InvalidRequest, match="from"):
        view.page(date_from=date(2025, 2, 1), date_to=date(2025, 1, 1))


def test_an_era_shows_every_claim_payment_with_its_cas_and_outcome_and_its_plb(posted: Practice) -> None:
    era = era_of(view_of(posted), "0123456789")
    claims = {c["claim_id"]: c for c in era["claims"]}
    assert list(claims) == ["PCN1001", "PCN1002", "PCN1003", "PCN1099"]  # file order
    assert claims["PCN1001"] | {"adjustments": None} == claims["PCN1001"] | {
        "account_id": "ACC-5001",
        "status_code": "1",
        "charge_amount": "250.00",
        "paid_amount": "160.00",
        "patient_responsibility": "30.00",
        "outcome": "posted",
        "adjustments": None,
    }
    assert claims["PCN1001"]["adjustments"] == [  # both lines' CAS, by group and reason
        {"group": "CO", "reason": "45", "amount": "60.00"},
        {"group": "PR", "reason": "3", "amount": "30.00"},
    ]
    assert (claims["PCN1002"]["outcome"], claims["PCN1002"]["adjustments"]) == (
        "denied",
        [{"group": "CO", "reason": "50", "amount": "120.00"}],
    )
    assert claims["PCN1003"]["outcome"] == "forwarded"
    unknown = claims["PCN1099"]
    assert (unknown["outcome"], unknown["account_id"], unknown["unapplied_cash"]) == ("not_found", None, "75.00")
    assert era["provider_adjustments"] == [
        {"reason": "L6", "reference": None, "amount": "-4.50", "provider_id": "1234567893"}
    ]
    assert era["invariant"] | {"claims_charge_total": None} == {
        "payment_amount": "319.50",
        "posted_payment": "240.00",
        "unapplied_cash": "75.00",
        "provider_adjustments": "-4.50",
        "accounted": "319.50",
        "difference": "0.00",
        "holds": True,
        "claims_charge_total": None,
        "claims_paid_total": "315.00",
        "unreadable_claims": 0,
        "provider_adjustment_lines": 1,
    }
    assert era["deposit"]["status"] == "matched" and era["deposit"]["amount"] == "319.50"
    assert era["payee"] == {"name": "LAKESIDE FAMILY MEDICINE", "id": "1234567893", "id_qualifier": "XX"}
    assert era["dates"]["production_date"] == "2025-01-14"


def test_a_reversal_and_its_correction_are_two_lines_of_the_era(posted: Practice) -> None:
    era = era_of(view_of(posted), "00045321")
    assert [(c["claim_id"], c["status_code"], c["paid_amount"], c["outcome"]) for c in era["claims"]] == [
        ("PCN2001", "22", "-120.00", "reversed"),
        ("PCN2001", "1", "135.00", "posted"),
        ("PCN2002", "2", "60.00", "posted"),
    ]
    assert era["provider_adjustments"][0] | {"provider_id": None} == {
        "reason": "WO",
        "reference": "RECOUP2024A",
        "amount": "25.00",
        "provider_id": None,
    }
    assert (era["balanced"], era["deposit"]["status"], era["deposit"]["confidence"]) == (True, "probable", "probable")


def test_our_zero_dollar_era_needs_no_deposit_and_balances_with_plb_lines_that_cancel(posted: Practice) -> None:
    era = era_of(view_of(posted), "ZERO0001")
    assert [(c["claim_id"], c["outcome"]) for c in era["claims"]] == [("PCN1003", "denied"), ("PCN7777", "not_found")]
    assert [(p["reason"], p["amount"]) for p in era["provider_adjustments"]] == [("L6", "-5.00"), ("WO", "5.00")]
    assert era["deposit"] == {
        "status": "none",
        "deposit_id": None,
        "deposit_ids": [],
        "match_id": None,
        "amount": None,
        "date": None,
    }
    assert era["invariant"]["holds"] is True and era["balanced"] is True


def test_an_era_still_posting_is_waiting_and_not_yet_balanced(loaded: Practice) -> None:
    loaded.post(ACME, (SAMPLES / ACME).read_bytes())
    record = next(iter(loaded.remittances.by_era.values()))
    record["status"] = "posting"  # as a chunk of a big file would leave it, before the last one
    (summary,) = view_of(loaded).page()["items"]
    assert (summary["balanced"], summary["claims_count"], summary["posting_status"]) == (None, None, "posting")


def test_claims_of_an_era_are_paged_in_file_order(posted: Practice) -> None:
    view = view_of(posted)
    era_id = view.find("0123456789")[0]["era_id"]
    seen, cursor = [], None
    for _ in range(10):
        page = view.show(era_id, cursor=cursor, limit=1)
        seen.extend(c["claim_id"] for c in page["claims"])
        cursor = page["claims_next_cursor"]
        if cursor is None:
            break
    assert seen == ["PCN1001", "PCN1002", "PCN1003", "PCN1099"]
    other = view.find("00045321")[0]["era_id"]
    with pytest.raises(InvalidRequest, match="cursor"):
        view.show(other, cursor=view.show(era_id, limit=1)["claims_next_cursor"])


def test_find_by_trace_takes_a_payer_and_an_unknown_era_is_not_found(posted: Practice) -> None:
    view = view_of(posted)
    assert view.find("0123456789", payer_id="1987654321") == []
    assert [e["payer_id"] for e in view.find(" 0123456789 ")] == ["1411289245"]
    with pytest.raises(NotFound):
        view.show(public_era_id("ERA#1411289245#nope#1.00#2025-01-01"))
    with pytest.raises(NotFound):
        view.show("not*an*era")
