"""The deposit view: a credit on the bank account as the bank reported it, and the ERAs it paid.

A deposit is its bank transaction as kept (amount, booking date, references, the bank's text), its
status (matched when its match is exact, probable, else unmatched) and the ERAs of its match, as
the ERA view summarises them. Listed by booking date a page at a time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Protocol

from remitflow.domain.errors import InvalidRequest, NotFound
from remitflow.services.era_view import PAGE, EraView, ReconciliationLookups, day_of, money_or_none
from remitflow.services.ports import BadCursor

STATUSES = ("matched", "probable", "unmatched")


class EraRecordsById(Protocol):
    def records(self, era_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The remittance records of these era ids that exist."""
        ...


def deposit_status(match: Mapping[str, Any] | None) -> str:
    if match is None:
        return "unmatched"
    return "matched" if match.get("confidence", "exact") == "exact" else "probable"


class DepositView:
    def __init__(self, *, reconciliation: ReconciliationLookups, remittances: EraRecordsById, eras: EraView) -> None:
        self.reconciliation = reconciliation
        self.remittances = remittances
        self.eras = eras

    def page(
        self,
        *,
        date_from: date | None = None,
        date_to: date | None = None,
        status: str | None = None,
        cursor: str | None = None,
        limit: int = PAGE,
    ) -> dict[str, Any]:
        """Deposits by booking date, oldest first. A status keeps that status only: a page may then
        hold fewer than `limit` items while `next_cursor` still leads on."""
        if status is not None and status not in STATUSES:
            raise InvalidRequest("status", f"expected one of {', '.join(STATUSES)}, found {status!r}")
        if date_from and date_to and date_from > date_to:
            raise InvalidRequest("from", f"{date_from} is after to {date_to}")
        try:
            items, next_cursor = self.reconciliation.list_deposits(
                date_from=date_from, date_to=date_to, limit=limit, cursor=cursor
            )
        except BadCursor as error:
            raise InvalidRequest("cursor", str(error)) from None
        summaries = self.summaries(items)
        if status is not None:
            summaries = [s for s in summaries if s["status"] == status]
        return {"items": summaries, "next_cursor": next_cursor}

    def show(self, deposit_id: str) -> dict[str, Any]:
        item = self.reconciliation.bank_transactions([deposit_id]).get(deposit_id)
        if item is None or item.get("direction") != "credit":
            raise NotFound(f"no deposit {deposit_id!r}")
        (summary,) = self.summaries([item], detail=True)
        return summary

    def summaries(self, items: Sequence[Mapping[str, Any]], *, detail: bool = False) -> list[dict[str, Any]]:
        """Each bank transaction as a DepositSummary; the matches and ERAs of a page read together."""
        match_ids = sorted({str(i["matched_by"]) for i in items if i.get("matched_by")})
        matches = self.reconciliation.match_records(match_ids) if match_ids else {}
        era_keys = sorted({str(e) for m in matches.values() for e in m.get("era_ids") or []})
        records = {str(r["pk"]): r for r in self.remittances.records(era_keys)} if era_keys else {}
        eras = {s_key: s for s_key, s in zip(records, self.eras.summaries(list(records.values())), strict=True)}
        result = []
        for item in items:
            match = matches.get(str(item.get("matched_by"))) if item.get("matched_by") else None
            summary = {
                "deposit_id": item.get("transaction_id"),
                "amount": money_or_none(item.get("amount")),
                "date": day_of(item.get("booking_date")),
                "bank_reference": item.get("bank_reference"),
                "customer_reference": item.get("customer_reference"),
                "trace_number": item.get("trace_number"),
                "payer_id": item.get("payer_id"),
                "bank_text": item.get("bank_text"),
                "source_key": item.get("source"),
                "status": deposit_status(match),
                "match_id": match.get("match_id") if match else None,
                "eras": [eras[e] for e in (match or {}).get("era_ids") or [] if e in eras],
            }
            if detail:
                summary |= {
                    "format": item.get("format"),
                    "type_code": item.get("type_code"),
                    "account": item.get("account"),
                    "value_date": day_of(item.get("value_date")),
                    "position": f"line {item['line']}" if item.get("line") is not None else item.get("path"),
                    "match": None
                    if match is None
                    else {
                        "match_id": match.get("match_id"),
                        "confidence": match.get("confidence"),
                        "rule": match.get("rule"),
                        "era_amount": money_or_none(match.get("era_amount")),
                        "deposit_amount": money_or_none(match.get("deposit_amount")),
                        "deposit_ids": list(match.get("deposit_ids") or []),
                    },
                }
            result.append(summary)
        return result


__all__ = ["DepositView", "deposit_status"]
