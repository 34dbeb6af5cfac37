"""The deposit view on the in-memory practice: each credit of the sample bank file, its status and its ERAs."""

from __future__ import annotations

from datetime import date

import pytest
from tests.unit.services.practice import SAMPLES, Practice
from tests.unit.services.view_fakes import FakeEraLines, FakeEraRecords, FakeReconLookups

from remitflow.domain.errors import NotFound
from remitflow.services.deposit_view import DepositView
from remitflow.services.era_view import EraView
from remitflow.services.worklist import InvalidRequest

ERAS = ("acme-ach-2025-01-16.835", "summit-check-2024-12-20.835", "summit-check-2025-01-21.835")


@pytest.fixture
def deposits(loaded: Practice) -> DepositView:
    for name in ERAS:
        loaded.post(f"remittances/{name}", (SAMPLES / "remittances" / name).read_bytes())
    loaded.deposit()
    records, lookups = FakeEraRecords(loaded.remittances), FakeReconLookups(loaded.reconciliation)
    eras = EraView(remittances=records, claims=FakeEraLines(loaded.claims), reconciliation=lookups)
    return DepositView(reconciliation=lookups, remittances=records, eras=eras)


def test_each_credit_shows_its_bank_text_status_and_the_eras_it_paid(deposits: DepositView) -> None:
    items = {d["amount"]: d for d in deposits.page()["items"]}
    assert {a: d["status"] for a, d in items.items()} == {
        "1200.00": "unmatched",  # card settlement: no ERA pays it
        "319.50": "matched",  # the ACH's TRN names the ERA
        "50.00": "probable",  # the check deposit carries no trace
    }
    ach = items["319.50"]
    assert "TRN*1*0123456789*1411289245" in ach["bank_text"]
    assert (ach["trace_number"], ach["bank_reference"], ach["date"]) == ("0123456789", "FN250116000184", "2025-01-16")
    assert [(e["trace_number"], e["payer_name"], e["deposit_status"]) for e in ach["eras"]] == [
        ("0123456789", "ACME HEALTH PLAN", "matched")
    ]
    assert items["1200.00"]["eras"] == [] and items["1200.00"]["match_id"] is None


def test_the_list_takes_a_status_and_dates(deposits: DepositView) -> None:
    assert [d["amount"] for d in deposits.page(status="unmatched")["items"]] == ["1200.00"]
    assert [d["amount"] for d in deposits.page(date_from=date(2025, 1, 20))["items"]] == ["50.00"]
    first = deposits.page(limit=2)
    assert len(first["items"]) == 2
    assert [d["amount"] for d in deposits.page(limit=2, cursor=first["next_cursor"])["items"]] == ["50.00"]
    with pytest.raises(InvalidRequest, match="status"):
        deposits.page(status="lost")


def test_one_deposit_shows_where_it_was_read_and_its_match(deposits: DepositView) -> None:
    (check,) = deposits.page(status="probable")["items"]
    shown = deposits.show(check["deposit_id"])
    assert (shown["format"], shown["type_code"], shown["position"], shown["account"]) == (
        "bai2",
        "175",
        "line 11",  # its 16 record in the BAI2 file
        "****6789",
    )
    assert shown["match"]["confidence"] == "probable" and "business days" in shown["match"]["rule"]
    assert shown["match"]["deposit_ids"] == [check["deposit_id"]]
    with pytest.raises(NotFound):
        deposits.show("no-such-deposit")
