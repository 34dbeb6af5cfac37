"""CSV exports on the in-memory practice: an ERA, a claim's and an account's ledger, the worklist as
filtered and the reconciliation report, every cell safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from tests.unit.services.practice import SAMPLES, Practice
from tests.unit.services.view_fakes import FakeEraLines, FakeEraRecords, FakeReconLookups

from remitflow.domain.errors import NotFound
from remitflow.services.era_view import EraView
from remitflow.services.exports import Export, Exports, check_kind, csv_chunks, too_big
from remitflow.services.worklist import InvalidRequest
from remitflow.services.worklist_models import ListQuery

ERAS = ("acme-ach-2025-01-16.835", "summit-check-2024-12-20.835", "summit-check-2025-01-21.835")


@pytest.fixture
def exports(loaded: Practice) -> Exports:
    for name in ERAS:
        loaded.post(f"remittances/{name}", (SAMPLES / "remittances" / name).read_bytes())
    loaded.deposit()
    loaded.deliver_followups()
    lines = FakeEraLines(loaded.claims)
    eras = EraView(
        remittances=FakeEraRecords(loaded.remittances),
        claims=lines,
        reconciliation=FakeReconLookups(loaded.reconciliation),
    )
    return Exports(
        eras=eras,
        claims=loaded.claims,
        accounts=lines,
        worklist=loaded.worklist_service(),
        reconciliation=loaded.reconciler,
    )


def rows_of(export: Export) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO("".join(csv_chunks(export)))))


def test_an_era_exports_every_claim_payment_its_plb_and_its_total(exports: Exports) -> None:
    (summary,) = exports.eras.find("0123456789")
    made = exports.era(summary["era_id"])
    assert made.filename == "era-0123456789-2025-01-16.csv" and made.size == 5
    rows = rows_of(made)
    assert [(r["kind"], r["claim_id"], r["outcome"]) for r in rows] == [
        ("claim", "PCN1001", "posted"),
        ("claim", "PCN1002", "denied"),
        ("claim", "PCN1003", "forwarded"),
        ("claim", "PCN1099", "not_found"),
        ("provider_adjustment", "", ""),
        ("total", "", ""),
    ]
    assert rows[0]["adjustments"] == "CO-45 60.00; PR-3 30.00" and rows[0]["patient_name"] == "Ana Rivera"
    assert (rows[4]["reason"], rows[4]["amount"]) == ("L6", "-4.50")  # a number, not guarded text
    assert (rows[5]["reason"], rows[5]["amount"]) == ("payment_amount", "319.50")


def test_a_claim_and_an_account_export_their_ledgers(exports: Exports) -> None:
    claim = rows_of(exports.claim("PCN1001"))
    assert {(r["entry_kind"], r["group"], r["reason"], r["amount"]) for r in claim} == {
        ("payment", "", "", "130.00"),
        ("payment", "", "", "30.00"),
        ("contractual_adjustment", "CO", "45", "40.00"),
        ("contractual_adjustment", "CO", "45", "20.00"),
        ("patient_responsibility", "PR", "3", "30.00"),
    }
    assert {r["trace_number"] for r in claim} == {"0123456789"} and all(r["era_id"] for r in claim)
    account = rows_of(exports.account("ACC-5003"))
    assert {r["claim_id"] for r in account} == {"PCN1003", "PCN2002"}
    assert {r["account_id"] for r in account} == {"ACC-5003"}
    with pytest.raises(NotFound):
        exports.claim("PCN0000")
    with pytest.raises(NotFound):
        exports.account("ACC-0000")


def test_the_worklist_exports_what_its_filters_list(exports: Exports) -> None:
    every = rows_of(exports.worklist_view(ListQuery()))
    assert {r["type"] for r in every} >= {"denied", "claim_not_found", "underpaid"}
    denied = rows_of(exports.worklist_view(ListQuery(type="denied")))
    assert [(r["claim_id"], r["amount"], r["status"]) for r in denied] == [("PCN1002", "120.00", "open")]


def test_the_reconciliation_report_is_the_sweeps_csv(exports: Exports) -> None:
    name, text = exports.recon(date(2025, 1, 28))
    assert name == "reconciliation-2025-01-28.csv"
    kinds = [r["kind"] for r in csv.DictReader(io.StringIO(text))]
    assert kinds.count("matched") == 2 and "era_without_deposit" in kinds and "deposit_without_era" in kinds


def test_cells_that_start_like_a_formula_are_text_and_numbers_stay_numbers() -> None:
    rows = iter([{"kind": "=HYPERLINK(1)", "amount": "-4.50", "reason": "@SUM", "reference": "+1"}])
    (row,) = rows_of(Export("x.csv", ("kind", "amount", "reason", "reference"), rows))
    assert row == {"kind": "'=HYPERLINK(1)", "amount": "-4.50", "reason": "'@SUM", "reference": "'+1"}


def test_kinds_are_checked_and_big_exports_are_known_before_writing() -> None:
    assert check_kind("era") == "era"
    with pytest.raises(InvalidRequest, match="kind"):
        check_kind("everything")
    assert too_big(Export("x.csv", ("a",), iter([]), size=20_001))
    assert not too_big(Export("x.csv", ("a",), iter([]), size=None))
