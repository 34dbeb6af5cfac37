"""Claims and patient accounts as billers read them: lists of claims, one claim with its ledger, ERAs
and follow-ups, and an account with every claim on it and its totals.

Whether or not a claim has a follow-up, it can be listed and opened: claims are listed through the
claims table's indexes (by account, payer, status), never a scan.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from remitflow.domain.claims import Claim, ClaimStatus
from remitflow.domain.errors import InvalidRequest, NotFound
from remitflow.domain.search_terms import Field, Term, id_term
from remitflow.services.claim_view import claim_view
from remitflow.services.ports import BadCursor, ClaimStorage, SearchStorage, WorklistStorage
from remitflow.services.record_views import claim_balances, claim_summary, era_summary, followup_summary
from remitflow.values import ZERO, money_text

PAGE_LIMIT = 50
ACCOUNT_LIMIT = 1_000  # claims shown on one account; a patient account past this is a data problem
TOTALS = (
    "charge_amount",
    "insurance_paid",
    "adjustments",
    "patient_responsibility",
    "insurance_balance",
    "patient_balance",
)


class ClaimBook:
    def __init__(self, *, store: SearchStorage, claims: ClaimStorage, worklist: WorklistStorage) -> None:
        self.store = store
        self.claims = claims
        self.worklist = worklist

    def list_claims(
        self,
        *,
        account_id: str | None = None,
        status: str | None = None,
        payer_id: str | None = None,
        cursor: str | None = None,
        limit: int = PAGE_LIMIT,
    ) -> dict[str, Any]:
        statuses = [s.value for s in ClaimStatus]
        if status is not None and status not in statuses:
            raise InvalidRequest("status", f"expected one of {', '.join(statuses)}, got {status!r}")
        try:
            claims, next_cursor = self.store.claims_page(
                account_id=account_id or None, payer_id=payer_id or None, status=status, limit=limit, cursor=cursor
            )
        except BadCursor:
            raise InvalidRequest("cursor", "not one this listing gave out: start the list again") from None
        names = self.store.payer_names(c.payer_id for c in claims)
        return {"items": [claim_summary(c, names) for c in claims], "next_cursor": next_cursor}

    def claim(self, claim_id: str) -> dict[str, Any]:
        """The claim's summary, its 7 balances, its ledger (every entry of every posting, with the
        ERA it came in), its ERAs and follow-ups, and its lines."""
        claim = self.claims.get(claim_id)
        view = claim_view(self.claims, claim_id) if claim is not None else None
        if claim is None or view is None:
            raise NotFound(f"no claim {claim_id!r}")
        names = self.store.payer_names([claim.payer_id])
        eras = self._eras(view["postings"])
        era_of = {(e["payer_id"], e["trace_number"], e["payment_date"]): e["era_id"] for e in eras}
        ledger = [
            {
                "posting_id": posting["posting_id"],
                "date": posting["payment_date"],
                "kind": entry["kind"],
                "amount": entry["amount"],
                "cas": f"{entry['group']}-{entry['reason']}" if entry.get("group") else None,
                "group": entry.get("group"),
                "reason": entry.get("reason"),
                "line_number": entry.get("line_number"),
                "outcome": posting["outcome"],
                "trace_number": posting["trace_number"],
                "era_id": era_of.get((posting["payer_id"], posting["trace_number"], posting["payment_date"])),
            }
            for posting in view["postings"]
            for entry in posting["entries"]
        ]
        followup_ids = list(dict.fromkeys(f for posting in view["postings"] for f in posting["followups"]))
        items = [item for item in (self.worklist.work_item(f) for f in followup_ids) if item is not None]
        return claim_summary(claim, names) | {
            "balances": claim_balances(claim),
            "ledger": ledger,
            "postings": view["postings"],
            "eras": eras,
            "followups": [followup_summary(item, names) for item in items],
            "lines": view["lines"],
        }

    def _eras(self, postings: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The ERAs the claim's postings came in: found by trace, kept when payer and date agree."""
        wanted = {(p["payer_id"], p["trace_number"], p["payment_date"]) for p in postings if p.get("trace_number")}
        ids: list[str] = []
        for trace in dict.fromkeys(trace for _, trace, _ in sorted(wanted, key=str)):
            ids += [i for i in self.store.find(Term(Field.TRACE, id_term(trace)), kind="era", limit=20) if i not in ids]
        records = [
            r
            for r in self.store.eras(ids)
            if (r.get("payer_id"), r.get("trace_number"), _day(r.get("payment_date"))) in wanted
        ]
        names = self.store.payer_names(str(r.get("payer_id")) for r in records)
        matches = self.store.era_matches([str(r["pk"]) for r in records])
        return [era_summary(r, names, matches.get(str(r["pk"]))) for r in records]

    def account(self, account_id: str) -> dict[str, Any]:
        claims: list[Claim] = []
        cursor: str | None = None
        while len(claims) < ACCOUNT_LIMIT:
            page, cursor = self.store.claims_page(
                account_id=account_id, limit=min(PAGE_LIMIT * 4, ACCOUNT_LIMIT - len(claims)), cursor=cursor
            )
            claims += page
            if cursor is None:
                break
        if not claims:
            raise NotFound(f"no account {account_id!r}")
        names = self.store.payer_names(c.payer_id for c in claims)
        return {
            "account_id": account_id,
            "patient_name": next((c.patient_name for c in claims if c.patient_name), None),
            "claims": [claim_summary(c, names) for c in claims],
            "totals": account_totals(claims),
        }


def account_totals(claims: list[Claim]) -> dict[str, str]:
    """The account's money: charges, what insurance paid, adjustments (contractual and other),
    what the patient owes, and what insurance and the patient still owe."""
    sums = dict.fromkeys(TOTALS, ZERO)
    for claim in claims:
        sums["charge_amount"] += claim.charge_amount
        sums["insurance_paid"] += claim.insurance_paid
        sums["adjustments"] += claim.contractual_adjustment + claim.other_adjustment
        sums["patient_responsibility"] += claim.patient_responsibility
        sums["insurance_balance"] += claim.insurance_balance
        sums["patient_balance"] += claim.patient_balance
    return {name: money_text(Decimal(value)) for name, value in sums.items()}


def _day(value: Any) -> str | None:
    return None if value is None else str(value)[:10]
