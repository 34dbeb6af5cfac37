"""The bundled deposit samples read back with the amounts, dates and traces of the sample ERAs they pay."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from remitflow.bank import BankFormat, Direction, deposit_reader, read_deposit_file
from remitflow.x12 import parse_835

ROOT = Path(__file__).resolve().parents[3]
DEPOSITS = ROOT / "samples" / "deposits"
REMITTANCES = ROOT / "samples" / "remittances"
BAI2_SAMPLE = DEPOSITS / "first-national-2025-01-16.bai"
CAMT_SAMPLE = DEPOSITS / "first-national-2025-01-16.camt053.xml"


def era(name: str) -> tuple[Decimal, date | None, str | None, str | None]:
    """(BPR02, BPR16, TRN02, TRN03) of the sample ERA."""
    payment = parse_835((REMITTANCES / name).read_bytes()).transactions[0].header.payment
    return payment.amount, payment.effective_date, payment.trace_number, payment.payer_identifier


def test_the_bai2_sample() -> None:
    statement = read_deposit_file("deposits/first-national-2025-01-16.bai", BAI2_SAMPLE.read_bytes())
    assert statement.format is BankFormat.BAI2
    assert statement.errors == () and statement.warnings == ()
    assert [(t.type_code, t.amount, t.direction, t.booking_date) for t in statement.transactions] == [
        ("165", Decimal("319.50"), Direction.CREDIT, date(2025, 1, 16)),
        ("169", Decimal("1200.00"), Direction.CREDIT, date(2025, 1, 16)),
        ("175", Decimal("50.00"), Direction.CREDIT, date(2025, 1, 21)),
        ("698", Decimal("25.00"), Direction.DEBIT, date(2025, 1, 21)),
    ]
    assert {t.masked_account for t in statement.transactions} == {"****6789"}
    assert [t.trace_number for t in statement.transactions] == ["0123456789", None, None, None]


def test_the_ach_deposit_carries_the_trace_of_the_acme_era() -> None:
    ach = read_deposit_file("first-national.bai", BAI2_SAMPLE.read_bytes()).transactions[0]
    amount, paid_on, trace, payer = era("acme-ach-2025-01-16.835")
    assert (ach.amount, ach.booking_date, ach.trace_number, ach.payer_id) == (amount, paid_on, trace, payer)
    assert "TRN*1*0123456789*1411289245\\" in ach.text  # joined across its 16 and 88 records


def test_the_check_deposit_has_the_summit_eras_amount_and_no_trace() -> None:
    check = read_deposit_file("first-national.bai", BAI2_SAMPLE.read_bytes()).transactions[2]
    amount, paid_on, trace, _ = era("summit-check-2025-01-21.835")
    assert (check.amount, check.booking_date) == (amount, paid_on)
    assert check.trace_number is None and trace and trace.lstrip("0") not in check.text


def test_the_camt053_sample_has_the_same_ach_credit() -> None:
    statement = read_deposit_file("first-national.camt053.xml", CAMT_SAMPLE.read_bytes())
    bai2_ach = read_deposit_file("first-national.bai", BAI2_SAMPLE.read_bytes()).transactions[0]
    assert statement.format is BankFormat.CAMT053
    assert statement.errors == () and statement.warnings == ()
    (ach,) = statement.transactions
    for field in (
        "amount",
        "direction",
        "booking_date",
        "trace_number",
        "payer_id",
        "account_number",
        "bank_reference",
    ):
        assert getattr(ach, field) == getattr(bai2_ach, field), field


@pytest.mark.parametrize("sample", [BAI2_SAMPLE, CAMT_SAMPLE])
def test_reading_a_sample_twice_gives_the_same_ids(sample: Path) -> None:
    data = sample.read_bytes()
    first = read_deposit_file(sample.name, data)
    with sample.open("rb") as stream:
        second = read_deposit_file("renamed/" + sample.name, stream)
    assert [t.transaction_id for t in first.transactions] == [t.transaction_id for t in second.transactions]
    assert first.file_id == second.file_id
    assert len({t.transaction_id for t in first.transactions}) == len(first.transactions)


def test_a_reader_can_stream_a_sample() -> None:
    reader = deposit_reader("first-national.bai", io.BytesIO(BAI2_SAMPLE.read_bytes()))
    assert sum(t.amount for t in reader if t.is_deposit) == Decimal("1569.50")
    assert reader.errors == [] and len(reader.accounts) == 2
