"""One waiting list with every shape of match the matcher makes, for the report and the sweep to read
back from a store: exact trace, normalised trace, a unique amount without a trace (probable), one
deposit for two ERAs (consolidated, no trace at all) and one ERA over two deposits (split).

ERAs and deposits are opened through whatever stores a test wires: `open_all(open_era, record)`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from remitflow.bank.models import BankFormat, BankTransaction, Direction
from remitflow.domain.recon_models import Deposit, EraPayment

PAYER = "1521900441"
PAID = date(2025, 6, 10)  # a Tuesday
AS_OF = date(2025, 6, 24)  # two weeks on: anything unmatched would be overdue


def _era(era_id: str, amount: str, trace: str, method: str = "ACH") -> EraPayment:
    return EraPayment(
        era_id=f"ERA#{PAYER}#{trace}#{amount}#{PAID.isoformat()}",
        payer_id=PAYER,
        trace_number=trace,
        amount=Decimal(amount),
        payment_date=PAID,
        method=method,
        source=f"remittances/{era_id}.835",
    )


ERAS = {
    "exact": _era("exact", "120.00", "883001"),
    "normalized": _era("normalized", "75.00", "5512"),
    "probable": _era("probable", "33.33", "CHK10044", method="CHK"),
    "consolidated-1": _era("consolidated-1", "40.00", "61001"),
    "consolidated-2": _era("consolidated-2", "60.00", "61002"),
    "split": _era("split", "250.00", "71001"),
}
POSTED = {era.era_id: era.amount for era in ERAS.values()}  # each ERA posted in full


def _credit(name: str, amount: str, trace: str | None = None, payer: str | None = None) -> BankTransaction:
    return BankTransaction(
        transaction_id=f"tx-{name}",
        source="deposits/shapes.bai",
        format=BankFormat.BAI2,
        amount=Decimal(amount),
        direction=Direction.CREDIT,
        credit=True,
        booking_date=PAID,
        trace_number=trace,
        payer_id=payer,
        line=1,
    )


CREDITS = [
    _credit("exact", "120.00", trace="883001", payer=PAYER),
    _credit("normalized", "75.00", trace=" 5512\\"),  # the TRN terminator and a space copied by the bank
    _credit("probable", "33.33"),  # a check deposit: no trace
    _credit("consolidated", "100.00"),  # 40.00 + 60.00, no trace
    _credit("split-1", "200.00"),
    _credit("split-2", "50.00"),  # 200.00 + 50.00 pay the 250.00 ERA
]
TOTAL = "578.33"

# era ids of each match -> its confidence
EXPECTED = {
    (ERAS["exact"].era_id,): "exact",
    (ERAS["normalized"].era_id,): "normalized",
    (ERAS["probable"].era_id,): "probable",
    tuple(sorted((ERAS["consolidated-1"].era_id, ERAS["consolidated-2"].era_id))): "probable",
    (ERAS["split"].era_id,): "probable",
}


def open_all(
    open_era: Callable[[EraPayment, Decimal], object],
    record: Callable[[BankTransaction, Deposit], object],
) -> None:
    for era in ERAS.values():
        open_era(era, POSTED[era.era_id])
    for credit in CREDITS:
        record(credit, Deposit.from_bank(credit))
