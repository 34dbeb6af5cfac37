"""TR3 1.10.2 balancing: computed and reported per line, claim and transaction, never forced."""

from __future__ import annotations

import re
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.synth835 import balanced_835_strategy, generate_835
from tests.unit.conftest import BODY, CLAIM, parse, paying, single

from remitflow.x12 import parse_835
from remitflow.x12.balancing import transaction_balance_error
from remitflow.x12.models import Transaction

D = Decimal


def read(*body: str, bpr: str = "80.00") -> Transaction:
    return single(parse(*body, header=paying(bpr)))


# --- service line: SVC02 - sum(line CAS) = SVC03 ---------------------------------------------------


def test_a_balanced_line_and_claim() -> None:
    result = read("CLP*C1*1*100.00*80.00", "SVC*HC:99213*100.00*80.00", "CAS*CO*45*15.00", "CAS*PR*2*5.00")
    claim = result.claims[0]

    assert claim.balanced and claim.service_lines[0].balanced
    assert claim.balance_errors == [] and result.totals.balance_errors == []
    assert result.totals.balanced


def test_a_line_that_does_not_balance_names_the_claim_the_line_and_the_difference() -> None:
    result = read(
        "CLP*C7*1*150.00*110.00",
        "SVC*HC:99213*100.00*80.00",
        "CAS*CO*45*20.00",
        "SVC*HC:36415*50.00*30.00",
        "CAS*CO*45*15.00",
    )
    claim = result.claims[0]
    line_errors = [e for e in claim.balance_errors if "service line" in e]

    assert [line.balanced for line in claim.service_lines] == [True, False]
    assert not claim.balanced
    assert len(line_errors) == 1
    assert "claim C7" in line_errors[0] and "service line 2" in line_errors[0]
    assert f"segment {BODY + 3}" in line_errors[0] and "36415" in line_errors[0]
    assert "difference 5.00" in line_errors[0]
    assert line_errors[0] in result.totals.balance_errors
    assert not result.totals.balanced


# --- claim: CLP03 - sum(all CAS) = CLP04; with lines sum(SVC03) - sum(claim CAS) = CLP04 -------------


def test_a_claim_without_lines_that_does_not_balance() -> None:
    result = read("CLP*C3*1*100.00*80.00", "CAS*CO*45*25.00")
    claim = result.claims[0]

    assert not claim.balanced
    assert len(claim.balance_errors) == 1
    assert "claim C3" in claim.balance_errors[0] and "CLP04" in claim.balance_errors[0]
    assert "difference -5.00" in claim.balance_errors[0]
    assert claim.balance_errors[0] in result.totals.balance_errors
    assert not result.totals.balanced


def test_claim_charge_minus_claim_and_line_adjustments_must_be_the_payment() -> None:
    # The line balances and sum(SVC03) = CLP04, but CLP03 120 - 20 = 100, not 80.
    claim = read("CLP*C4*1*120.00*80.00", "SVC*HC:99213*100.00*80.00", "CAS*CO*45*20.00").claims[0]

    assert not claim.balanced and claim.service_lines[0].balanced
    assert len(claim.balance_errors) == 1
    assert "claim C4" in claim.balance_errors[0] and "CLP03" in claim.balance_errors[0]
    assert "difference 20.00" in claim.balance_errors[0]


def test_line_payments_minus_claim_adjustments_must_be_the_payment() -> None:
    # CLP03 150 - 20 = 130 = CLP04, but the only line pays 80.
    claim = read("CLP*C5*1*150.00*130.00", "SVC*HC:99213*100.00*80.00", "CAS*CO*45*20.00", bpr="130.00").claims[0]

    assert not claim.balanced
    assert len(claim.balance_errors) == 1
    assert "claim C5" in claim.balance_errors[0] and "service line payments" in claim.balance_errors[0]
    assert "difference -50.00" in claim.balance_errors[0]


def test_claim_and_line_adjustments_are_added_together() -> None:
    claim = read(
        "CLP*C6*1*100.00*70.00",
        "CAS*OA*23*10.00",
        "SVC*HC:99213*100.00*80.00",
        "CAS*CO*45*20.00",
        bpr="70.00",
    ).claims[0]
    assert claim.balanced, claim.balance_errors


def test_a_denied_claim_and_a_reversal_balance() -> None:
    result = read(
        "CLP*C1*4*100.00*0.00",
        "CAS*CO*50*100.00",
        "CLP*C2*22*-100.00*-80.00",
        "CAS*CO*45*-20.00",
        "CLP*C2*1*100.00*80.00",
        "CAS*CO*45*20.00",
        bpr="0.00",
    )
    assert [c.balanced for c in result.claims] == [True, True, True]
    assert result.totals.balanced, result.totals.balance_errors


def test_one_unbalanced_claim_leaves_the_others_balanced() -> None:
    result = read(*CLAIM, "CLP*C2*1*50.00*40.00", "CAS*CO*45*5.00", bpr="120.00")
    assert [(c.patient_control_number, c.balanced) for c in result.claims] == [("C1", True), ("C2", False)]


# --- transaction: sum(CLP04) - sum(PLB) = BPR02 --------------------------------------------------------


def test_a_transaction_whose_payment_differs_names_the_set_and_the_difference() -> None:
    result = read(*CLAIM, bpr="75.00")

    assert result.claims[0].balanced
    assert not result.totals.balanced
    assert len(result.totals.balance_errors) == 1
    message = result.totals.balance_errors[0]
    assert "transaction 0001" in message and "BPR02" in message and "difference 5.00" in message


def test_plb_amounts_reduce_the_payment_and_negative_ones_increase_it() -> None:
    balanced = read(*CLAIM, "PLB*1234567893*20231231*WO:X1*30.00*L6*-2.50", bpr="52.50")
    unbalanced = read(*CLAIM, "PLB*1234567893*20231231*WO:X1*30.00", bpr="80.00")

    assert balanced.totals.balanced, balanced.totals.balance_errors
    assert not unbalanced.totals.balanced
    assert "difference -30.00" in unbalanced.totals.balance_errors[0]


def test_transaction_balance_error_is_none_when_it_balances() -> None:
    assert transaction_balance_error("0001", D("100.00"), D("-5.00"), D("105.00")) is None
    message = transaction_balance_error("0001", D("100.00"), D("5.00"), D("100.00"))
    assert message is not None and "difference -5.00" in message


def test_amounts_compare_by_value_not_by_spelling() -> None:
    result = read("CLP*C1*1*100*80.0", "CAS*CO*45*20.000", bpr="80")
    assert result.claims[0].balanced and result.totals.balanced


# --- whole files ------------------------------------------------------------------------------------

CAS_AMOUNT = re.compile(rb"(?m)^CAS\*[A-Z]{2}((?:\*[^*~]*){1,18})~")


def cas_triplets(data: bytes) -> int:
    count = 0
    for match in CAS_AMOUNT.finditer(data):
        elements = match.group(1).split(b"*")[1:]
        count += sum(1 for reason in elements[0::3] if reason)
    return count


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(balanced_835_strategy())
def test_a_balanced_file_reports_balanced_with_its_totals(sample: tuple[bytes, list]) -> None:
    data, expectations = sample
    remittance = parse_835(data)

    assert [p for p in remittance.problems if p.severity == "error"] == []
    assert len(remittance.transactions) == len(expectations)
    for found, expected in zip(remittance.transactions, expectations, strict=True):
        totals = found.totals
        assert totals.balanced, totals.balance_errors
        assert totals.balance_errors == []
        assert all(c.balanced and all(line.balanced for line in c.service_lines) for c in found.claims)
        assert found.header.control_number == expected.control_number
        assert found.header.payment.amount == expected.payment_amount
        assert found.header.payment.trace_number == expected.trace_number
        assert [c.patient_control_number for c in found.claims] == expected.claim_ids
        assert (totals.charge_total, totals.paid_total) == (expected.charge_total, expected.paid_total)
        assert totals.provider_adjustment_total == expected.plb_total
        assert totals.service_line_count == expected.service_lines


def test_no_adjustment_is_invented_to_make_a_file_balance() -> None:
    data, _ = generate_835(8, transactions=2, claims_per_transaction=12)
    remittance = parse_835(data)
    read_adjustments = sum(len(c.all_adjustments()) for t in remittance.transactions for c in t.claims)

    assert read_adjustments == cas_triplets(data) > 0


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), which=st.integers(0, 5), cents=st.integers(1, 999))
def test_changing_one_clp04_is_caught_with_the_exact_difference(seed: int, which: int, cents: int) -> None:
    data, _ = generate_835(seed, claims_per_transaction=6, max_lines_per_claim=3)
    segments = data.split(b"~\n")
    clps = [i for i, s in enumerate(segments) if s.startswith(b"CLP*")]
    index = clps[which % len(clps)]
    elements = segments[index].split(b"*")
    paid = D(elements[4].decode())
    elements[4] = str(paid + D(cents) / 100).encode()
    segments[index] = b"*".join(elements)

    result = parse_835(b"~\n".join(segments)).transactions[0]
    broken = [c for c in result.claims if c.segment_number == index + 1]

    assert len(broken) == 1 and not broken[0].balanced
    assert f"difference -{D(cents) / 100}" in broken[0].balance_errors[0]
    assert [c for c in result.claims if not c.balanced] == broken
    assert not result.totals.balanced
    assert any(e.startswith("transaction") for e in result.totals.balance_errors)
