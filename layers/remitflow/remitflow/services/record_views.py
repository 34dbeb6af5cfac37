"""The workstation's summaries as JSON: a claim, an ERA, a deposit and a follow-up, each with the ids
that link it to the others. Money as strings, dates ISO; names only where a biller reads them.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from remitflow.domain.claims import Claim
from remitflow.domain.work_items import WorkItem
from remitflow.values import money_text

CLAIM_BALANCES = (
    "charge_amount",
    "insurance_paid",
    "contractual_adjustment",
    "other_adjustment",
    "patient_responsibility",
    "insurance_balance",
    "patient_balance",
)


def era_ref(era_id: str) -> str:
    """The URL-safe id of an ERA ("ERA#<payer>#<trace>#..." holds '#'): base64url, no padding, so
    it turns back into the stored id without a lookup."""
    return base64.urlsafe_b64encode(era_id.encode()).decode().rstrip("=")


def era_id_from_ref(ref: str) -> str | None:
    """The stored era id of a URL-safe one; None when `ref` is not one."""
    try:
        era_id = base64.urlsafe_b64decode(ref + "=" * (-len(ref) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return era_id if era_id.startswith("ERA#") else None


def _money(value: Any) -> str | None:
    return None if value is None else money_text(Decimal(str(value)))


def _iso(value: Any) -> str | None:
    """A date as stored (ISO text in DynamoDB, a date in memory) as ISO text."""
    return None if value is None else str(value)[:10]


def claim_summary(claim: Claim, payer_names: Mapping[str, str]) -> dict[str, Any]:
    dates = sorted(line.service_date for line in claim.lines)
    return {
        "claim_id": claim.claim_id,
        "account_id": claim.account_id,
        "patient_name": claim.patient_name,
        "payer_id": claim.payer_id,
        "payer_name": payer_names.get(claim.payer_id),
        "status": claim.status.value,
        "service_date": dates[0].isoformat() if dates else None,
        "charge_amount": money_text(claim.charge_amount),
        "insurance_paid": money_text(claim.insurance_paid),
        "patient_responsibility": money_text(claim.patient_responsibility),
        "insurance_balance": money_text(claim.insurance_balance),
        "patient_balance": money_text(claim.patient_balance),
    }


def claim_balances(claim: Claim) -> dict[str, str]:
    return {name: money_text(getattr(claim, name)) for name in CLAIM_BALANCES}


def deposit_status(reconciliation: Mapping[str, Any] | None) -> str:
    """matched once a match joined it; waiting while it is on the waiting list; none before that."""
    if reconciliation is None:
        return "none"
    return "matched" if reconciliation.get("matched_by") else "waiting"


def era_summary(
    record: Mapping[str, Any], payer_names: Mapping[str, str], reconciliation: Mapping[str, Any] | None
) -> dict[str, Any]:
    payer_id = str(record.get("payer_id") or "")
    return {
        "era_id": era_ref(str(record["pk"])),
        "trace_number": record.get("trace_number"),
        "payer_id": payer_id,
        "payer_name": record.get("payer_name") or payer_names.get(payer_id),
        "payee_name": record.get("payee_name"),
        "payment_amount": _money(record.get("payment_amount")),
        "payment_method": record.get("payment_method"),
        "payment_date": _iso(record.get("payment_date")),
        "source_key": record.get("source_key"),
        "claims_count": None if record.get("claim_payments") is None else int(record["claim_payments"]),
        "balanced": record.get("balanced"),
        "deposit_status": deposit_status(reconciliation),
    }


def deposit_summary(transaction: Mapping[str, Any]) -> dict[str, Any]:
    """A bank transaction as the search lists it (its ERAs are on the deposit's own view)."""
    return {
        "deposit_id": transaction.get("transaction_id"),
        "amount": _money(transaction.get("amount")),
        "date": _iso(transaction.get("booking_date")),
        "bank_reference": transaction.get("bank_reference"),
        "trace_number": transaction.get("trace_number"),
        "source_key": transaction.get("source"),
        "payer_id": transaction.get("payer_id"),
    }


def followup_summary(item: WorkItem, payer_names: Mapping[str, str]) -> dict[str, Any]:
    followup = item.followup
    return {
        "followup_id": followup.id,
        "type": followup.type.value,
        "status": followup.status.value,
        "claim_id": followup.claim_id,
        "amount": None if followup.amount is None else money_text(followup.amount),
        "payer_id": followup.payer_id,
        "payer_name": payer_names.get(followup.payer_id) if followup.payer_id else None,
    }
