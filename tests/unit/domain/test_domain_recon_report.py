"""The reconciliation report: its totals and line items, and the CSV a spreadsheet opens safely."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

from tests.unit.domain.recon_items import PAYER, THU, dep, era

from remitflow.domain.matching import match
from remitflow.domain.recon_report import ClassifiedDeposit, reconciliation_report, report_csv

# --- the report -----------------------------------------------------------------------------------


def test_reconciliation_report_totals_and_line_items() -> None:
    eras = [
        era("A", "120.00", trace="883001"),  # exact
        era("B", "100.00", trace="777"),  # mismatch
        era("C", "33.33", paid=date(2025, 8, 20)),  # waiting
        era("Z", "0.00"),  # never counted
    ]
    deposits = [
        dep("D1", "120.00", trace="883001", payer=PAYER),
        dep("D2", "95.00", trace="777"),
        dep("D3", "12.00", trace="=HYPERLINK(1)", booked=date(2025, 9, 3)),
    ]
    result = match(eras, deposits)
    report = reconciliation_report(
        eras, deposits, result, as_of=date(2025, 9, 4), posted={"A": Decimal("120"), "C": None}
    )
    json.dumps(report)  # JSON-ready as it is: no Decimal, no date
    assert report["as_of"] == "2025-09-04"
    assert report["totals"] == {
        "deposits_total": "227.00",
        "era_total": "253.33",
        "matched_era_total": "120.00",
        "matched_deposit_total": "120.00",
        "unmatched_era_total": "133.33",
        "unmatched_deposit_total": "107.00",
        "amount_mismatch_total": "-5.00",
        "posted_total": "120.00",
        "deposited_total": "120.00",
    }
    (matched,) = report["matched"]
    assert matched | {"rule": "", "match_id": ""} == {
        "match_id": "",
        "trace_number": "883001",
        "era_trace_numbers": ["883001"],
        "era_amount": "120.00",
        "deposit_amount": "120.00",
        "confidence": "exact",
        "era_ids": ["A"],
        "deposit_ids": ["D1"],
        "rule": "",
    }
    waiting = {e["era_id"]: e for e in report["eras_without_deposit"]}
    assert set(waiting) == {"B", "C"}
    assert waiting["C"] | {} == waiting["C"] and waiting["C"]["amount"] == "33.33"
    assert (waiting["C"]["overdue"], waiting["C"]["business_days_waiting"]) == (True, 10)
    assert (waiting["B"]["amount_mismatch"], waiting["B"]["trace_number"]) == (True, "777")
    unexplained = {d["deposit_id"]: d for d in report["deposits_without_era"]}
    assert unexplained["D3"]["overdue"] is False and unexplained["D3"]["amount"] == "12.00"
    assert report["amount_mismatches"][0]["difference"] == "-5.00"

    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    kinds = [row["kind"] for row in rows]
    assert kinds.count("matched") == 1
    assert kinds.count("era_without_deposit") == 2
    assert kinds.count("deposit_without_era") == 2
    assert kinds.count("amount_mismatch") == 1
    assert {row["name"]: row["amount"] for row in rows if row["kind"] == "total"}["unmatched_era_total"] == "133.33"
    d3 = next(row for row in rows if row["deposit_ids"] == "D3")
    assert d3["trace_number"] == "'=HYPERLINK(1)"  # a spreadsheet shows it, never runs it
    mismatch_row = next(row for row in rows if row["kind"] == "amount_mismatch")
    assert mismatch_row["difference"] == "-5.00"  # money stays a number a spreadsheet can add


def test_report_without_posted_amounts() -> None:
    report = reconciliation_report([], [], match([], []), as_of=THU)
    assert report["totals"]["posted_total"] is None
    assert report["totals"]["deposits_total"] == "0.00"
    assert report_csv(report).splitlines()[0].startswith("kind,name,trace_number")


def test_a_deposit_classified_by_hand_is_reported_as_classified_never_as_unmatched() -> None:
    deposits = [dep("D1", "120.00", trace="883001", payer=PAYER), dep("D2", "12.00")]
    eras = [era("A", "120.00", trace="883001")]
    card = ClassifiedDeposit.from_record(
        dep("D9", "1200.00", booked=date(2025, 9, 2)).model_dump(mode="json")
        | {"category": "card_settlement", "note": "CardConnect", "by": "ana", "at": "2025-09-03T10:00:00+00:00"}
    )

    report = reconciliation_report(eras, deposits, match(eras, deposits), as_of=date(2025, 9, 4), classified=[card])

    assert report["classified"] == [
        {
            "deposit_id": "D9",
            "trace_number": None,
            "amount": "1200.00",
            "payer_id": None,
            "booking_date": "2025-09-02",
            "category": "card_settlement",
            "classified_by": "ana",
            "classified_at": "2025-09-03T10:00:00+00:00",
        }
    ]
    assert [d["deposit_id"] for d in report["deposits_without_era"]] == ["D2"]
    totals = report["totals"]
    assert (totals["deposits_total"], totals["classified_deposit_total"]) == ("1332.00", "1200.00")
    assert totals["unmatched_deposit_total"] == "12.00"
    parts = ("matched_deposit_total", "unmatched_deposit_total", "classified_deposit_total")
    assert sum(Decimal(totals[name]) for name in parts) == Decimal(totals["deposits_total"])
    assert (report["counts"]["deposits"], report["counts"]["classified"]) == (3, 1)
    assert "CardConnect" not in json.dumps(report)  # the note may name a person: it stays with the record
    (row,) = [r for r in csv.DictReader(io.StringIO(report_csv(report))) if r["kind"] == "classified_deposit"]
    assert (row["deposit_ids"], row["amount"], row["category"], row["resolved_by"]) == (
        "D9",
        "1200.00",
        "card_settlement",
        "ana",
    )


def test_a_classified_deposit_that_is_waiting_or_matched_again_counts_once() -> None:
    deposits = [dep("D2", "12.00")]
    again = ClassifiedDeposit(deposit=deposits[0], category="interest")

    report = reconciliation_report([], deposits, match([], deposits), as_of=date(2025, 9, 4), classified=[again])

    assert (report["classified"], report["totals"]["deposits_total"]) == ([], "12.00")
