"""The day's reconciliation report: what matched, what still waits, the totals; and its CSV export.

Pure: built from the matcher's result and the items it covers, as JSON-ready data (money as strings,
dates ISO); the CSV is the same report one row per line item, safe to open in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from remitflow.domain.calendar import business_days_between
from remitflow.domain.matching import DEFAULT_WINDOW, Deposit, EraPayment, MatchResult
from remitflow.values import ZERO, cents, money_text


def _total(amounts: Iterable[Decimal]) -> Decimal:
    return cents(sum(amounts, ZERO))


def reconciliation_report(
    eras: Iterable[EraPayment],
    deposits: Iterable[Deposit],
    result: MatchResult,
    *,
    as_of: date,
    posted: Mapping[str, Decimal | None] | None = None,
    window_business_days: int = DEFAULT_WINDOW,
) -> dict[str, Any]:
    """The day's reconciliation as JSON-ready data (money as strings, dates ISO).

    `eras`/`deposits` are everything the report covers (matched or not); `posted` maps an era id to the
    amount posted to claims from it. `deposited_total` is the cash matched to ERAs, set against
    `posted_total`; `posted_total` is None when no posted amounts were given.
    """
    era_list = sorted((e for e in eras if e.needs_deposit), key=lambda e: e.era_id)
    deposit_list = sorted(deposits, key=lambda d: d.deposit_id)
    by_era = {e.era_id: e for e in [*era_list, *result.unmatched_eras]}
    mismatched_eras = {m.era_id for m in result.amount_mismatches}
    mismatched_deposits = {m.deposit_id for m in result.amount_mismatches}

    def waiting(since: date | None) -> int | None:
        return None if since is None else business_days_between(since, as_of)

    matched = [
        {
            "match_id": m.match_id,
            "trace_number": m.trace_number,
            "era_trace_numbers": [by_era[i].trace_number for i in m.era_ids if i in by_era],
            "era_amount": money_text(m.era_amount),
            "deposit_amount": money_text(m.deposit_amount),
            "confidence": m.confidence,
            "era_ids": list(m.era_ids),
            "deposit_ids": list(m.deposit_ids),
            "rule": m.rule,
        }
        for m in result.matches
    ]
    eras_without_deposit = []
    for era in result.unmatched_eras:
        days = waiting(era.payment_date)
        eras_without_deposit.append(
            {
                "era_id": era.era_id,
                "trace_number": era.trace_number,
                "amount": money_text(era.amount),
                "payer_id": era.payer_id,
                "payment_date": era.payment_date.isoformat() if era.payment_date else None,
                "method": era.method,
                "business_days_waiting": days,
                "overdue": days is None or days > window_business_days,
                "amount_mismatch": era.era_id in mismatched_eras,
            }
        )
    deposits_without_era = []
    for deposit in result.unmatched_deposits:
        days = business_days_between(deposit.booking_date, as_of)
        deposits_without_era.append(
            {
                "deposit_id": deposit.deposit_id,
                "trace_number": deposit.trace_number,
                "amount": money_text(deposit.amount),
                "payer_id": deposit.payer_id,
                "booking_date": deposit.booking_date.isoformat(),
                "business_days_waiting": days,
                "overdue": days > window_business_days,
                "amount_mismatch": deposit.deposit_id in mismatched_deposits,
            }
        )
    mismatches = [
        {
            "era_id": m.era_id,
            "deposit_id": m.deposit_id,
            "trace_number": m.trace_number,
            "payer_id": m.payer_id,
            "era_amount": money_text(m.era_amount),
            "deposit_amount": money_text(m.deposit_amount),
            "difference": money_text(m.difference),
        }
        for m in result.amount_mismatches
    ]
    matched_deposit_total = _total(m.deposit_amount for m in result.matches)
    posted_total = None if posted is None else _total(v for e in era_list if (v := posted.get(e.era_id)) is not None)
    totals = {
        "deposits_total": _total(d.amount for d in deposit_list),
        "era_total": _total(e.amount for e in era_list),
        "matched_era_total": _total(m.era_amount for m in result.matches),
        "matched_deposit_total": matched_deposit_total,
        "unmatched_era_total": _total(e.amount for e in result.unmatched_eras),
        "unmatched_deposit_total": _total(d.amount for d in result.unmatched_deposits),
        "amount_mismatch_total": _total(m.difference for m in result.amount_mismatches),
        "posted_total": posted_total,
        "deposited_total": matched_deposit_total,
    }
    return {
        "as_of": as_of.isoformat(),
        "window_business_days": window_business_days,
        "matched": matched,
        "eras_without_deposit": eras_without_deposit,
        "deposits_without_era": deposits_without_era,
        "amount_mismatches": mismatches,
        "totals": {name: None if value is None else money_text(value) for name, value in totals.items()},
        "counts": {
            "eras": len(era_list),
            "deposits": len(deposit_list),
            "matched": len(matched),
            "eras_without_deposit": len(eras_without_deposit),
            "deposits_without_era": len(deposits_without_era),
            "amount_mismatches": len(mismatches),
        },
    }


CSV_COLUMNS = (
    "kind",
    "name",
    "trace_number",
    "era_ids",
    "deposit_ids",
    "payer_id",
    "date",
    "era_amount",
    "deposit_amount",
    "amount",
    "difference",
    "confidence",
    "business_days_waiting",
    "rule",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _cell(value: object) -> str:
    """Text as a spreadsheet will not run it: trace numbers come from bank files."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    text = str(value)
    if _NUMBER.fullmatch(text):  # money and counts stay numbers a spreadsheet can add
        return text
    return "'" + text if text.startswith(_FORMULA_START) else text


def report_csv(report: Mapping[str, Any]) -> str:
    """The report as CSV: one row per line item with a `kind` column, then one `total` row per total."""
    rows: list[dict[str, object]] = [
        {
            "kind": "matched",
            "trace_number": m["trace_number"],
            "era_ids": m["era_ids"],
            "deposit_ids": m["deposit_ids"],
            "era_amount": m["era_amount"],
            "deposit_amount": m["deposit_amount"],
            "confidence": m["confidence"],
            "rule": m["rule"],
        }
        for m in report["matched"]
    ]
    rows.extend(
        {
            "kind": "era_without_deposit",
            "trace_number": e["trace_number"],
            "era_ids": [e["era_id"]],
            "payer_id": e["payer_id"],
            "date": e["payment_date"],
            "era_amount": e["amount"],
            "amount": e["amount"],
            "business_days_waiting": e["business_days_waiting"],
        }
        for e in report["eras_without_deposit"]
    )
    rows.extend(
        {
            "kind": "deposit_without_era",
            "trace_number": d["trace_number"],
            "deposit_ids": [d["deposit_id"]],
            "payer_id": d["payer_id"],
            "date": d["booking_date"],
            "deposit_amount": d["amount"],
            "amount": d["amount"],
            "business_days_waiting": d["business_days_waiting"],
        }
        for d in report["deposits_without_era"]
    )
    rows.extend(
        {
            "kind": "amount_mismatch",
            "trace_number": m["trace_number"],
            "era_ids": [m["era_id"]],
            "deposit_ids": [m["deposit_id"]],
            "payer_id": m["payer_id"],
            "era_amount": m["era_amount"],
            "deposit_amount": m["deposit_amount"],
            "difference": m["difference"],
        }
        for m in report["amount_mismatches"]
    )
    rows.extend({"kind": "total", "name": name, "amount": value} for name, value in report["totals"].items())
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: _cell(row.get(column)) for column in CSV_COLUMNS})
    return out.getvalue()
