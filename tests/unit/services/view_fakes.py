"""The read side of the in-memory stores, for the ERA and deposit views: what the DynamoDB stores'
indexes answer (claims_by_era, eras_by_date/payer/trace, deposits_by_date), read from the fakes the
practice posts into. Pages and cursors behave as the stores' do: a cursor names its listing."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from tests.unit.services.fakes import FakeClaims, FakeReconciliation, FakeRemittances

from remitflow.domain.claims import Claim
from remitflow.services.ports import BadCursor, RemittanceKey


def _page(listing: str, items: list[dict[str, Any]], limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
    start = 0
    if cursor:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            if decoded["listing"] != listing:
                raise BadCursor("the cursor belongs to another listing: start again without it")
            start = int(decoded["next"])
        except (ValueError, KeyError, TypeError):
            raise BadCursor("not a cursor this listing gave out") from None
    page = items[start : start + limit]
    more = start + limit < len(items)
    token = json.dumps({"listing": listing, "next": start + limit}).encode()
    return page, base64.urlsafe_b64encode(token).decode().rstrip("=") if more else None


def _listed_on(day: Any, key: str) -> str:
    return f"{str(day)[:10] if day else '0000-00-00'}#{key}"


def _in_range(listed_on: str, date_from: date | None, date_to: date | None) -> bool:
    day = listed_on[:10]
    return (date_from is None or day >= date_from.isoformat()) and (date_to is None or day <= date_to.isoformat())


class FakeEraRecords:
    def __init__(self, remittances: FakeRemittances) -> None:
        self.remittances = remittances

    def _all(self) -> list[dict[str, Any]]:
        records = [dict(r, pk=key, sk="META") for key, r in self.remittances.by_era.items()]
        return sorted(records, key=lambda r: _listed_on(r.get("payment_date"), r["pk"]))

    def record(self, era_id: str) -> dict[str, Any] | None:
        found = self.remittances.by_era.get(era_id)
        return None if found is None else dict(found, pk=era_id, sk="META")

    def records(self, era_ids: Sequence[str]) -> list[dict[str, Any]]:
        return [r for r in map(self.record, era_ids) if r is not None]

    def eras_of_trace(self, trace_number: str) -> list[dict[str, Any]]:
        return [r for r in self._all() if r.get("trace_number") == trace_number]

    def list_eras(
        self, *, payer_id: str | None, date_from: date | None, date_to: date | None, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        found = [
            r
            for r in self._all()
            if (payer_id is None or r.get("payer_id") == payer_id)
            and _in_range(_listed_on(r.get("payment_date"), r["pk"]), date_from, date_to)
            and not (date_from and not r.get("payment_date"))
        ]
        return _page(f"eras:{payer_id}:{date_from}:{date_to}", found, limit, cursor)


class FakeEraLines:
    def __init__(self, claims: FakeClaims) -> None:
        self.store = claims

    def era_lines(self, era_id: str, *, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        lines = []
        for ledger in self.store.ledgers.values():
            for stored in ledger.values():
                record, ref = stored.record, stored.record.remittance
                if record.figures is None or ref.payment_amount is None:
                    continue
                key = RemittanceKey(
                    ref.payer_id, ref.trace_number, Decimal(ref.payment_amount), ref.payment_date
                ).era_id
                if key == era_id:
                    item = record.model_dump(mode="json") | {"unapplied_cash": str(stored.unapplied_cash)}
                    lines.append(item)
        lines.sort(key=lambda line: int(line["figures"]["segment_number"]))
        return _page(f"lines:{era_id}", lines, limit, cursor)

    def claims(self, claim_ids: Sequence[str]) -> dict[str, Claim]:
        return {c: self.store.claims[c] for c in claim_ids if c in self.store.claims}

    def account_claim_ids(self, account_id: str) -> list[str]:
        return sorted(c.claim_id for c in self.store.claims.values() if c.account_id == account_id)


class FakeReconLookups:
    def __init__(self, reconciliation: FakeReconciliation) -> None:
        self.store = reconciliation

    def era_states(self, era_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        items = self.store.era_items
        return {e: dict(items[e], pk=e, sk="RECON") for e in era_ids if e in items}

    def match_records(self, match_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        records = self.store.match_records
        return {m: json.loads(json.dumps(records[m], default=str)) for m in match_ids if m in records}

    def _matched_by(self, deposit_id: str) -> str | None:
        found = [m for m, r in self.store.match_records.items() if deposit_id in r["deposit_ids"]]
        return found[0] if found else None

    def _item(self, transaction_id: str) -> dict[str, Any]:
        tx = self.store.transactions[transaction_id]
        item = tx.model_dump(mode="json", exclude={"text", "account_number"})
        item |= {"account": tx.masked_account, "bank_text": " ".join(tx.text.split()) or None}
        matched_by = self._matched_by(transaction_id)
        return item | ({"matched_by": matched_by} if matched_by else {})

    def bank_transactions(self, deposit_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {d: self._item(d) for d in deposit_ids if d in self.store.transactions}

    def list_deposits(
        self, *, date_from: date | None, date_to: date | None, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        credits = [t for t in self.store.transactions.values() if t.is_deposit and t.amount > 0]
        found = sorted(
            (self._item(t.transaction_id) for t in credits),
            key=lambda item: _listed_on(item["booking_date"], item["transaction_id"]),
        )
        found = [i for i in found if _in_range(_listed_on(i["booking_date"], ""), date_from, date_to)]
        return _page(f"deposits:{date_from}:{date_to}", found, limit, cursor)
