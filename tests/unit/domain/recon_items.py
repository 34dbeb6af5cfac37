"""ERAs and deposits for the reconciliation tests: one payer, dated around Labor Day 2025."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from remitflow.domain.recon_models import Deposit, EraPayment

PAYER = "1411289245"
OTHER_PAYER = "1999999999"
NOW = datetime(2025, 9, 5, 6, 0, tzinfo=UTC)
THU = date(2025, 8, 28)  # the Thursday before Labor Day (Monday 2025-09-01)


def era(
    era_id: str,
    amount: str,
    paid: date | None = THU,
    *,
    trace: str | None = None,
    payer: str = PAYER,
    method: str = "ACH",
) -> EraPayment:
    return EraPayment(
        era_id=era_id,
        payer_id=payer,
        trace_number=trace or f"TR{era_id}",
        amount=Decimal(amount),
        payment_date=paid,
        method=method,
        source=f"remittances/{era_id}.835",
    )


def dep(
    deposit_id: str,
    amount: str,
    booked: date = THU,
    *,
    trace: str | None = None,
    payer: str | None = None,
) -> Deposit:
    return Deposit(
        deposit_id=deposit_id,
        amount=Decimal(amount),
        booking_date=booked,
        trace_number=trace,
        payer_id=payer,
        source="deposits/bank.bai",
    )
