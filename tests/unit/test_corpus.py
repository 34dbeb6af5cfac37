"""Every 835 in ../shared/corpus/835 is read and agrees with expected.json; known quirks are reported."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from remitflow.x12 import parse_835
from remitflow.x12.models import Remittance

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "835"
EXPECTED: dict[str, list[dict[str, object]]] = json.loads((CORPUS / "expected.json").read_text())


def read(name: str) -> Remittance:
    with (CORPUS / name).open("rb") as stream:
        return parse_835(stream)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_totals_agree_with_expected(name: str) -> None:
    remittance = read(name)
    expected = EXPECTED[name]
    assert len(remittance.transactions) == len(expected)
    for transaction, want in zip(remittance.transactions, expected, strict=True):
        header, totals = transaction.header, transaction.totals
        claim_ids = [c.patient_control_number for c in transaction.claims] + [
            b.patient_control_number for b in transaction.broken_claims
        ]
        assert header.control_number == want["control_number"]
        assert header.payment.amount == Decimal(str(want["payment_amount"]))
        assert header.payment.trace_number == want["trace_number"]
        assert totals.claim_count + totals.unreadable_claim_count == want["claims"]
        assert claim_ids == want["claim_ids"]
        assert totals.charge_total == Decimal(str(want["charge_total"]))
        assert totals.paid_total == Decimal(str(want["paid_total"]))
        assert totals.provider_adjustment_total == Decimal(str(want["plb_total"]))
        assert totals.service_line_count == want["service_lines"]


def test_every_corpus_file_is_listed() -> None:
    files = {str(p.relative_to(CORPUS)) for p in CORPUS.glob("*/*") if p.parent.name != "LICENSES"}
    assert files == set(EXPECTED)


def test_several_interchanges_report_every_payment() -> None:
    remittance = read("tastypackets__x12-parser/profee-multiple.edi")
    assert len(remittance.transactions) == 156
    assert sum(t.header.payment.amount for t in remittance.transactions) == Decimal("7137.00")


def test_unbalanced_transaction_is_reported_not_forced() -> None:
    transaction = read("azoner__pyx12/835_simple.txt").transactions[0]
    assert not transaction.totals.balanced
    assert "BPR02 is 5950.21" in transaction.totals.balance_errors[0]
    assert "difference -5482.52" in transaction.totals.balance_errors[0]
    assert transaction.header.payment.amount == Decimal("5950.21")  # as sent, never adjusted


def test_4010_file_is_read_with_a_warning() -> None:
    remittance = read("azoner__pyx12/835_simple.txt")
    assert any("4010" in w.message for w in remittance.warnings)
    reversal = remittance.transactions[0].claims[0]
    assert reversal.status_code == "22"
    assert reversal.adjustments == [] and reversal.service_lines[0].adjustments[0].group == "CR"


def test_wrong_segment_count_and_unbalanced_lines_are_reported() -> None:
    remittance = read("josephbiagio__openx12/conftest_sample_835.edi")
    se_errors = [e for e in remittance.errors if e.element == "SE01"]
    assert se_errors and "35" in se_errors[0].message and "31" in se_errors[0].message
    claim = remittance.transactions[0].claims[0]
    assert not claim.balanced
    assert any("service line payments 250" in message for message in claim.balance_errors)


@pytest.mark.parametrize(
    "name",
    [
        "tastypackets__x12-parser/multi-line-not-delimited.edi",
        "tastypackets__x12-parser/profee-one-line.edi",
        "tastypackets__x12-parser/profee.edi",
    ],
)
def test_layout_variants_read_the_same(name: str) -> None:
    reference = read("tastypackets__x12-parser/profee.edi").transactions[0]
    transaction = read(name).transactions[0]
    assert transaction.claims == reference.claims
    assert transaction.totals.balanced


def test_payer_using_another_component_separator_is_read_with_a_warning() -> None:
    remittance = read("LinuxForHealth__x12/secondary-payment.835")
    lines = [line for claim in remittance.transactions[0].claims for line in claim.service_lines]
    assert [(line.procedure.code, line.procedure.modifiers) for line in lines] == [
        ("12345", ("26",)),
        ("66543", ("26",)),
    ]
    assert any("ISA16 declares ':'" in w.message for w in remittance.warnings)


def test_file_without_envelope_is_read_and_flagged() -> None:
    remittance = read("keironstoddart__edi-835-parser/blue_cross_nc_sample.txt")
    assert any("no ISA" in w.message for w in remittance.warnings)
    claim = remittance.transactions[0].claims[0]
    assert claim.errors and "SVC02" in claim.errors[0]  # the malformed third line is named, not skipped
    assert not claim.balanced
