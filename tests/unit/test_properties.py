"""Property-based tests: generated balanced 835s read back exactly; corruption never escapes the reader."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.synth835 import TransactionExpectation, balanced_835_strategy, generate_835

from remitflow.x12 import RemittanceParser, parse_835
from remitflow.x12.models import ClaimPayment, TransactionEnd


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(balanced_835_strategy())
def test_balanced_files_read_back_their_totals(case: tuple[bytes, list[TransactionExpectation]]) -> None:
    data, expected = case
    remittance = parse_835(data)
    assert remittance.errors == []
    assert len(remittance.transactions) == len(expected)
    for transaction, want in zip(remittance.transactions, expected, strict=True):
        totals = transaction.totals
        assert transaction.header.control_number == want.control_number
        assert transaction.header.payment.amount == want.payment_amount
        assert transaction.header.payment.trace_number == want.trace_number
        assert [c.patient_control_number for c in transaction.claims] == want.claim_ids
        assert totals.charge_total == want.charge_total
        assert totals.paid_total == want.paid_total
        assert totals.provider_adjustment_total == want.plb_total
        assert totals.service_line_count == want.service_lines
        assert totals.balanced, totals.balance_errors
        # the money invariant the posting engine relies on
        assert totals.paid_total - totals.provider_adjustment_total == transaction.header.payment.amount


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=4096))
def test_chunk_size_never_changes_the_result(seed: int, chunk_size: int) -> None:
    data, _ = generate_835(seed, transactions=2, claims_per_transaction=3)
    whole = parse_835(data)
    chunks = [data[i : i + chunk_size] for i in range(0, len(data), chunk_size)]
    assert parse_835(iter(chunks)) == whole


_CORRUPTIONS = ("delete", "insert", "replace", "truncate", "swap_delimiter", "garbage")


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    how=st.sampled_from(_CORRUPTIONS),
    where=st.floats(min_value=0, max_value=1),
    junk=st.binary(min_size=1, max_size=40),
)
def test_corruption_is_reported_never_raised(seed: int, how: str, where: float, junk: bytes) -> None:
    data, _ = generate_835(seed, transactions=2, claims_per_transaction=3)
    at = int(where * (len(data) - 1))
    corrupted = {
        "delete": data[:at] + data[at + len(junk) :],
        "insert": data[:at] + junk + data[at:],
        "replace": data[:at] + junk + data[at + len(junk) :],
        "truncate": data[:at],
        "swap_delimiter": data.replace(b"*", junk[:1], 1 + at % 50),
        "garbage": junk * 50,
    }[how]
    parser = RemittanceParser(corrupted)
    events = list(parser)  # must not raise
    ended = [e for e in events if isinstance(e, TransactionEnd)]
    assert parser.transactions_read == len(ended)
    if not ended:
        assert any(p.severity == "error" for p in parser.problems), "nothing read, yet no error said why"
    for problem in parser.problems:
        assert problem.message and "Traceback" not in problem.message
    for event in events:
        if isinstance(event, ClaimPayment):
            assert isinstance(event.paid_amount, Decimal)


def test_a_corrupted_claim_does_not_hide_its_neighbours() -> None:
    data, expected = generate_835(7, transactions=1, claims_per_transaction=6, max_lines_per_claim=2)
    segments = data.split(b"~")
    clp_positions = [i for i, s in enumerate(segments) if s.strip().startswith(b"CLP*")]
    target = clp_positions[2]
    fields = segments[target].split(b"*")
    fields[4] = b"12X.00"
    segments[target] = b"*".join(fields)
    remittance = parse_835(b"~".join(segments))
    transaction = remittance.transactions[0]
    read_ids = [c.patient_control_number for c in transaction.claims]
    broken_ids = [b.patient_control_number for b in transaction.broken_claims]
    assert broken_ids == [expected[0].claim_ids[2]]
    assert read_ids == expected[0].claim_ids[:2] + expected[0].claim_ids[3:]
    assert any(p.element == "CLP04" and "12X.00" in p.message for p in remittance.errors)
    assert not transaction.totals.balanced


def test_generated_files_are_deterministic_and_varied() -> None:
    first, _ = generate_835(11)
    again, _ = generate_835(11)
    other, _ = generate_835(random.Random(3).randint(12, 99))
    assert first == again and first != other
