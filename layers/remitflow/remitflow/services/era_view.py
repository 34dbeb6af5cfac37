"""The ERA view: one 835 transaction set (a check or an EFT) as billers balance and audit it.

An ERA is read from its remittance record (header, progress and totals, the PLB lines), its claim
payments from the postings that decided them (the claims_by_era index, in file order, a page at a
time: a 134k-claim ERA is never read whole), the claims for account and patient, and its deposit
from the reconciliation side. Money is text ("75.00") and dates ISO, as the API and CLI show them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from remitflow.domain.claims import Claim
from remitflow.domain.errors import InvalidRequest, NotFound
from remitflow.services.era_ids import public_era_id, record_key
from remitflow.services.ports import BadCursor
from remitflow.values import ZERO, cents, money_text

PAGE = 50  # ERAs per list page
CLAIMS_PAGE = 100  # claim payments per page of an ERA
NO_DEPOSIT_NEEDED = frozenset({"NON"})  # BPR04: no money moves, so no deposit is expected


class EraRecords(Protocol):
    """RemittancesTable, for the view: records by era id, listed by payment date, found by trace."""

    def record(self, era_id: str) -> dict[str, Any] | None: ...

    def eras_of_trace(self, trace_number: str) -> list[dict[str, Any]]: ...

    def list_eras(
        self, *, payer_id: str | None, date_from: date | None, date_to: date | None, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Records oldest first and a cursor for the rest; BadCursor for one it did not give out."""
        ...


class EraLines(Protocol):
    """ClaimsTable, for the view: an ERA's postings in file order, and claims by id."""

    def era_lines(self, era_id: str, *, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]: ...

    def claims(self, claim_ids: Sequence[str]) -> dict[str, Claim]: ...


class ReconciliationLookups(Protocol):
    """The reconciliation side: an ERA's item (matched_by), matches, and bank transactions."""

    def era_states(self, era_ids: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    def match_records(self, match_ids: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    def bank_transactions(self, deposit_ids: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    def list_deposits(
        self, *, date_from: date | None, date_to: date | None, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]: ...


# -- shaping ---------------------------------------------------------------------------------------


def money_or_none(value: Any) -> str | None:
    return None if value is None else money_text(Decimal(value))


def day_of(value: Any) -> str | None:
    return None if value in (None, "") else str(value)[:10]


def deposit_of(
    record: Mapping[str, Any], state: Mapping[str, Any] | None, match: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The ERA's deposit: matched (exact), probable, waiting (on the reconciliation side, or still
    posting), or none (no deposit expected: a NON or zero-dollar payment, or never opened)."""
    empty: dict[str, Any] = {"deposit_id": None, "deposit_ids": [], "match_id": None, "amount": None, "date": None}
    if state is not None and state.get("matched_by"):
        match_id = str(state["matched_by"])
        deposits = list((match or {}).get("deposits") or [])
        confidence = str((match or {}).get("confidence", "exact"))
        return {
            "status": "matched" if confidence == "exact" else "probable",
            "deposit_id": deposits[0]["deposit_id"] if deposits else None,
            "deposit_ids": [d["deposit_id"] for d in deposits],
            "match_id": match_id,
            "amount": money_or_none((match or {}).get("deposit_amount")),
            "date": day_of(deposits[0].get("booking_date")) if deposits else None,
            "confidence": confidence,
            "rule": (match or {}).get("rule"),
        }
    amount = Decimal(record.get("payment_amount", 0))
    if record.get("payment_method") in NO_DEPOSIT_NEEDED or amount == ZERO:
        return {"status": "none", **empty}
    if state is not None or record.get("status") != "posted":
        return {"status": "waiting", **empty}
    return {"status": "none", **empty}  # posted but never opened (a payment method we cannot match)


def era_summary(record: Mapping[str, Any], deposit_status: str) -> dict[str, Any]:
    posted = record.get("status") == "posted"
    return {
        "era_id": public_era_id(str(record["pk"])),
        "trace_number": record.get("trace_number"),
        "payer_id": record.get("payer_id"),
        "payer_name": record.get("payer_name"),
        "payee_name": record.get("payee_name"),
        "payment_amount": money_or_none(record.get("payment_amount")),
        "payment_method": record.get("payment_method"),
        "payment_date": day_of(record.get("payment_date")),
        "source_key": record.get("source_key"),
        "claims_count": int(record["claim_payments"]) if posted and "claim_payments" in record else None,
        # The money invariant and the 835's own balancing; None while the set is still posting.
        "balanced": (bool(record.get("balanced")) and bool(record.get("money_accounted_for"))) if posted else None,
        "deposit_status": deposit_status,
        "posting_status": record.get("status", "posting"),
    }


def invariant(record: Mapping[str, Any]) -> dict[str, Any]:
    """BPR02 = posted + held (unapplied cash) - PLB: each term, and what is left over."""
    payment = Decimal(record.get("payment_amount", 0))
    posted = Decimal(record.get("posted_payment", 0))
    held = Decimal(record.get("unapplied_cash", 0))
    provider = Decimal(record.get("provider_adjustments", 0))
    accounted = cents(posted + held - provider)
    return {
        "payment_amount": money_text(payment),
        "posted_payment": money_text(posted),
        "unapplied_cash": money_text(held),
        "provider_adjustments": money_text(provider),
        "accounted": money_text(accounted),
        "difference": money_text(cents(payment - accounted)),
        "holds": record.get("status") == "posted" and accounted == cents(payment),
        "claims_charge_total": money_or_none(record.get("charge_total")),
        "claims_paid_total": money_or_none(record.get("paid_total")),
        "unreadable_claims": int(record.get("unreadable_claims", 0)),
        # PLB lines in the 835; more than the view lists (MAX_PROVIDER_LINES) says the list is cut.
        "provider_adjustment_lines": int(record.get("provider_line_count", 0)),
    }


def claim_line(line: Mapping[str, Any], claim: Claim | None) -> dict[str, Any]:
    figures = dict(line.get("figures") or {})
    return {
        "claim_id": line.get("claim_id"),
        "account_id": claim.account_id if claim else None,
        "patient_name": claim.patient_name if claim else None,
        "status_code": line.get("status_code"),
        "charge_amount": money_or_none(figures.get("charge_amount")),
        "paid_amount": money_or_none(figures.get("paid_amount")),
        "patient_responsibility": money_or_none(figures.get("patient_responsibility")),
        "adjustments": [
            {"group": a["group"], "reason": a["reason"], "amount": money_text(Decimal(a["amount"]))}
            for a in figures.get("adjustments") or []
        ],
        "outcome": line.get("outcome"),
        "posting_id": line.get("posting_id"),
        "posted_payment": money_or_none(line.get("posted_payment")),
        "unapplied_cash": money_or_none(line.get("unapplied_cash")),
    }


class EraView:
    def __init__(self, *, remittances: EraRecords, claims: EraLines, reconciliation: ReconciliationLookups) -> None:
        self.remittances = remittances
        self.claims = claims
        self.reconciliation = reconciliation

    def page(
        self,
        *,
        payer_id: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        cursor: str | None = None,
        limit: int = PAGE,
    ) -> dict[str, Any]:
        """ERAs by payment date, oldest first: {"items": [EraSummary], "next_cursor"}."""
        if date_from and date_to and date_from > date_to:
            raise InvalidRequest("from", f"{date_from} is after to {date_to}")
        try:
            records, next_cursor = self.remittances.list_eras(
                payer_id=payer_id or None, date_from=date_from, date_to=date_to, limit=limit, cursor=cursor
            )
        except BadCursor as error:
            raise InvalidRequest("cursor", str(error)) from None
        return {"items": self.summaries(records), "next_cursor": next_cursor}

    def summaries(self, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Each record as an EraSummary; the deposits of a page are read together."""
        keys = [str(r["pk"]) for r in records]
        states = self.reconciliation.era_states(keys) if keys else {}
        match_ids = sorted({str(s["matched_by"]) for s in states.values() if s.get("matched_by")})
        matches = self.reconciliation.match_records(match_ids) if match_ids else {}
        result = []
        for record in records:
            state = states.get(str(record["pk"]))
            match = matches.get(str(state.get("matched_by"))) if state else None
            result.append(era_summary(record, deposit_of(record, state, match)["status"]))
        return result

    def find(self, trace_number: str, payer_id: str | None = None) -> list[dict[str, Any]]:
        """The ERAs with this check or EFT number (of one payer when given), as summaries."""
        records = [
            r
            for r in self.remittances.eras_of_trace(trace_number.strip())
            if payer_id is None or r.get("payer_id") == payer_id
        ]
        return self.summaries(records)

    def show(self, era_id: str, *, cursor: str | None = None, limit: int = CLAIMS_PAGE) -> dict[str, Any]:
        """The whole ERA, with one page of its claim payments (`claims_next_cursor` for the next)."""
        key = record_key(era_id)
        record = self.remittances.record(key)
        if record is None:
            raise NotFound(f"no ERA {era_id!r}")
        state = self.reconciliation.era_states([key]).get(key)
        match_id = str(state["matched_by"]) if state and state.get("matched_by") else None
        match = self.reconciliation.match_records([match_id]).get(match_id) if match_id else None
        deposit = deposit_of(record, state, match)
        lines, claims_cursor = self.claim_page(key, cursor=cursor, limit=limit)
        return era_summary(record, deposit["status"]) | {
            "payee": {
                "name": record.get("payee_name"),
                "id": record.get("payee_id"),
                "id_qualifier": record.get("payee_id_qualifier"),
            },
            "dates": {
                "payment_date": day_of(record.get("payment_date")),
                "production_date": day_of(record.get("production_date")),
                "received_at": record.get("received_at"),
            },
            "credit_debit": record.get("credit_debit"),
            "claims": lines,
            "claims_next_cursor": claims_cursor,
            "provider_adjustments": [
                {
                    "reason": p.get("reason"),
                    "reference": p.get("reference"),
                    "amount": money_or_none(p.get("amount")),
                    "provider_id": p.get("provider_id"),
                }
                for p in record.get("provider_lines") or []
            ],
            "invariant": invariant(record),
            "deposit": deposit,
        }

    def claim_page(
        self, record_key: str, *, cursor: str | None, limit: int = CLAIMS_PAGE
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of an ERA's claim payments in file order, with their claims' account and patient."""
        try:
            lines, next_cursor = self.claims.era_lines(record_key, limit=limit, cursor=cursor)
        except BadCursor as error:
            raise InvalidRequest("cursor", str(error)) from None
        ids = sorted({str(line["claim_id"]) for line in lines})
        claims = self.claims.claims(ids) if ids else {}
        return [claim_line(line, claims.get(str(line["claim_id"]))) for line in lines], next_cursor


__all__ = ["EraView", "era_summary"]
