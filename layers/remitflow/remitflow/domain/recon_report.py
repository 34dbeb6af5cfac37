"""The day's reconciliation report: what matched, what still waits, the totals; and its CSV export.

Pure: built from the matcher's result and the items it covers, as JSON-ready data (money as strings,
dates ISO); the CSV is the same report one row per line item, safe to open in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from remitflow.domain.calendar import business_days_between
from remitflow.domain.matching import DEFAULT_WINDOW
from remitflow.domain.recon_models import Deposit, EraPayment, MatchResult
from remitflow.domain.spreadsheet import cell
from remitflow.values import ZERO, DomainModel, cents, money_text


class ResolvedItem(DomainModel):
    """A biller's resolution of the ERA_WITHOUT_DEPOSIT or DEPOSIT_WITHOUT_ERA of a still unmatched
    item. (The resolution's note stays on the worklist: free text may name a patient.)"""

    followup_id: str
    followup_type: str
    resolution: str
    resolved_by: str | None = None
    resolved_at: datetime | None = None


class ClassifiedDeposit(DomainModel):
    """A deposit a person classified as not insurance money (a card settlement, interest...): off the
    waiting list, reported as classified. (The note stays with the record: free text may name a patient.)"""

    deposit: Deposit
    category: str
    classified_by: str | None = None
    classified_at: datetime | None = None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> ClassifiedDeposit:
        """From the stored record: the deposit's fields, `category`, `by` and `at`."""
        deposit = Deposit.model_validate({name: record[name] for name in Deposit.model_fields if name in record})
        return cls(
            deposit=deposit,
            category=str(record["category"]),
            classified_by=record.get("by"),
            classified_at=record.get("at"),
        )


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
    resolved: Mapping[str, ResolvedItem] | None = None,
    classified: Iterable[ClassifiedDeposit] | None = None,
) -> dict[str, Any]:
    """The day's reconciliation as JSON-ready data (money as strings, dates ISO).

    `eras`/`deposits` are everything the report covers (matched or not); `posted` maps an era id to the
    amount posted to claims from it. `deposited_total` is the cash matched to ERAs, set against
    `posted_total`; `posted_total` is None when no posted amounts were given.

    `resolved` maps the id of an unmatched ERA or deposit to the resolution of its waiting follow-up:
    such an item leaves the unmatched lists and totals for the `resolved` section (with
    `resolved_era_total` and `resolved_deposit_total`, given only when `resolved` is).

    `classified`: the deposits a person said are not insurance money; they count among the deposits
    (`deposits_total`) and are listed and totalled apart (`classified_deposit_total`, given only when
    `classified` is), never as unmatched.
    """
    done = dict(resolved or {})
    waiting_eras = [e for e in result.unmatched_eras if e.era_id not in done]
    waiting_deposits = [d for d in result.unmatched_deposits if d.deposit_id not in done]
    resolved_eras = [e for e in result.unmatched_eras if e.era_id in done]
    resolved_deposits = [d for d in result.unmatched_deposits if d.deposit_id in done]
    era_list = sorted((e for e in eras if e.needs_deposit), key=lambda e: e.era_id)
    deposit_list = sorted(deposits, key=lambda d: d.deposit_id)
    covered = {d.deposit_id for d in deposit_list}  # each deposit counts once, by its id
    classified_list = sorted(
        (c for c in classified or () if c.deposit.deposit_id not in covered), key=lambda c: c.deposit.deposit_id
    )
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
    for era in waiting_eras:
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
    for deposit in waiting_deposits:
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
    resolved_items = [
        _resolved_row("era", era.era_id, era.trace_number, era.amount, era.payer_id, era.payment_date, done[era.era_id])
        for era in resolved_eras
    ] + [
        _resolved_row("deposit", d.deposit_id, d.trace_number, d.amount, d.payer_id, d.booking_date, done[d.deposit_id])
        for d in resolved_deposits
    ]
    classified_items = [
        {
            "deposit_id": c.deposit.deposit_id,
            "trace_number": c.deposit.trace_number,
            "amount": money_text(c.deposit.amount),
            "payer_id": c.deposit.payer_id,
            "booking_date": c.deposit.booking_date.isoformat(),
            "category": c.category,
            "classified_by": c.classified_by,
            "classified_at": c.classified_at.isoformat() if c.classified_at else None,
        }
        for c in classified_list
    ]
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
        "deposits_total": _total(d.amount for d in [*deposit_list, *(c.deposit for c in classified_list)]),
        "era_total": _total(e.amount for e in era_list),
        "matched_era_total": _total(m.era_amount for m in result.matches),
        "matched_deposit_total": matched_deposit_total,
        "unmatched_era_total": _total(e.amount for e in waiting_eras),
        "unmatched_deposit_total": _total(d.amount for d in waiting_deposits),
        "amount_mismatch_total": _total(m.difference for m in result.amount_mismatches),
        "posted_total": posted_total,
        "deposited_total": matched_deposit_total,
    }
    if resolved is not None:
        totals["resolved_era_total"] = _total(e.amount for e in resolved_eras)
        totals["resolved_deposit_total"] = _total(d.amount for d in resolved_deposits)
    if classified is not None:
        totals["classified_deposit_total"] = _total(c.deposit.amount for c in classified_list)
    return {
        "as_of": as_of.isoformat(),
        "window_business_days": window_business_days,
        "matched": matched,
        "eras_without_deposit": eras_without_deposit,
        "deposits_without_era": deposits_without_era,
        "amount_mismatches": mismatches,
        "resolved": resolved_items,
        "classified": classified_items,
        "totals": {name: None if value is None else money_text(value) for name, value in totals.items()},
        "counts": {
            "eras": len(era_list),
            "deposits": len(deposit_list) + len(classified_list),
            "matched": len(matched),
            "eras_without_deposit": len(eras_without_deposit),
            "deposits_without_era": len(deposits_without_era),
            "amount_mismatches": len(mismatches),
            "resolved": len(resolved_items),
            "classified": len(classified_items),
        },
    }


def _resolved_row(
    side: str,
    item_id: str,
    trace: str | None,
    amount: Decimal,
    payer_id: str | None,
    day: date | None,
    resolved: ResolvedItem,
) -> dict[str, Any]:
    return {
        "side": side,
        f"{side}_id": item_id,
        "trace_number": trace,
        "amount": money_text(amount),
        "payer_id": payer_id,
        "date": day.isoformat() if day else None,
        "followup_id": resolved.followup_id,
        "followup_type": resolved.followup_type,
        "resolution": resolved.resolution,
        "resolved_by": resolved.resolved_by,
        "resolved_at": resolved.resolved_at.isoformat() if resolved.resolved_at else None,
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
    "resolution",
    "resolved_by",
    "followup_id",
    "category",  # a classified deposit's: what kind of money it is
)


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
    rows.extend(
        {
            "kind": f"resolved_{r['side']}",
            "trace_number": r["trace_number"],
            "era_ids": [r["era_id"]] if r["side"] == "era" else None,
            "deposit_ids": [r["deposit_id"]] if r["side"] == "deposit" else None,
            "payer_id": r["payer_id"],
            "date": r["date"],
            "era_amount" if r["side"] == "era" else "deposit_amount": r["amount"],
            "amount": r["amount"],
            "resolution": r["resolution"],
            "resolved_by": r["resolved_by"],
            "followup_id": r["followup_id"],
        }
        for r in report.get("resolved", ())
    )
    rows.extend(
        {
            "kind": "classified_deposit",
            "trace_number": c["trace_number"],
            "deposit_ids": [c["deposit_id"]],
            "payer_id": c["payer_id"],
            "date": c["booking_date"],
            "deposit_amount": c["amount"],
            "amount": c["amount"],
            "resolved_by": c["classified_by"],  # who settled it
            "category": c["category"],
        }
        for c in report.get("classified", ())
    )
    rows.extend({"kind": "total", "name": name, "amount": value} for name, value in report["totals"].items())
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: cell(row.get(column)) for column in CSV_COLUMNS})
    return out.getvalue()
