"""Properties of the posting engine over generated balanced 835s, with claims known or unknown at random."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.synth835 import TransactionExpectation, balanced_835_strategy, generate_835
from tests.unit.domain.builders import (
    REMITTANCE,
    Books,
    claim_for,
    decide_one,
    negated,
    post_transaction,
)

from remitflow.domain import Claim, EntryKind, FeeSchedule, FeeScheduleEntry, Outcome, PostingDecision
from remitflow.x12 import parse_835
from remitflow.x12.models import Transaction

Case = tuple[bytes, list[TransactionExpectation]]
EARLIER = REMITTANCE.model_copy(update={"trace_number": "EARLIER01"})
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def starting_books(tx: Transaction, data: st.DataObject) -> tuple[Books, list[PostingDecision]]:
    """Claims for a random subset of the claim payments; for some reversals, their original already posted."""
    claim_ids = list(dict.fromkeys(cp.patient_control_number for cp in tx.claims))
    known = data.draw(st.sets(st.sampled_from(claim_ids)), label="known claims")
    line_controls = data.draw(st.booleans(), label="claims keep REF*6R")
    books = Books()
    for cp in tx.claims:
        if cp.patient_control_number in known:
            books.claims[cp.patient_control_number] = claim_for(cp, line_controls=line_controls)
    seeded = []
    for cp in tx.claims:
        claim = books.claims.get(cp.patient_control_number)
        if cp.status_code == "22" and claim is not None and data.draw(st.booleans(), label="original posted"):
            original = decide_one(negated(cp, "1"), claim, remittance=EARLIER)
            assert original.claim is not None
            books.claims[cp.patient_control_number] = original.claim
            books.postings[cp.patient_control_number] = [original.record()]
            seeded.append(original)
    return books, seeded


def fee_schedule(tx: Transaction, data: st.DataObject) -> FeeSchedule:
    codes = sorted({line.procedure.code for cp in tx.claims for line in cp.service_lines})
    if not codes:
        return FeeSchedule()
    rates = data.draw(st.dictionaries(st.sampled_from(codes), st.integers(100, 100_000)), label="fee schedule")
    payer = tx.header.payment.payer_identifier or ""
    return FeeSchedule(
        entries=[
            FeeScheduleEntry(payer_id=payer, procedure_code=c, allowed_amount=Decimal(r) / 100)
            for c, r in rates.items()
        ]
    )


def _balances(claim: Claim) -> tuple[Decimal, ...]:
    return (claim.insurance_paid, claim.contractual_adjustment, claim.other_adjustment, claim.patient_responsibility)


@PROPERTY_SETTINGS
@given(case=balanced_835_strategy(), data=st.data())
def test_each_cent_of_a_generated_remittance_is_in_exactly_one_place(case: Case, data: st.DataObject) -> None:
    raw, expected = case
    for tx, want in zip(parse_835(raw).transactions, expected, strict=True):
        books, seeded = starting_books(tx, data)
        money = post_transaction(books, tx, fee_schedule=fee_schedule(tx, data))

        assert money.posted + money.unapplied == tx.totals.paid_total  # each CLP04 cent once
        assert money.provider_adjustments == tx.totals.provider_adjustment_total
        # tests/support/synth835.py sometimes writes an FB pair twice (its one-segment PLB list aliases
        # the list the FB is appended to; e.g. seed 3547, 3 claims): such a set does not balance.
        if tx.totals.balanced:
            assert money.paid_out == want.payment_amount  # BPR02 = Σ posted + Σ unapplied - Σ PLB
        for cp, decision in zip(tx.claims, books.decisions, strict=True):
            assert decision.outcome is not Outcome.NO_OP
            assert decision.posted_payment + decision.unapplied_cash == cp.paid_amount
            assert decision.unapplied_cash == 0 or decision.followups  # nothing is held silently
            if decision.outcome in (Outcome.POSTED, Outcome.FORWARDED):
                assert sum(e.amount for e in decision.entries) == cp.charge_amount
            if decision.outcome is Outcome.NOT_FOUND:
                assert decision.claim is None and cp.patient_control_number not in books.claims
        # each claim's balances are exactly the sum of the entries posted to it
        for claim_id, claim in books.claims.items():
            entries = [e for d in [*seeded, *books.decisions] if d.claim_id == claim_id for e in d.entries]
            sums = {kind: sum((e.amount for e in entries if e.kind is kind), Decimal(0)) for kind in EntryKind}
            assert _balances(claim) == (
                sums[EntryKind.PAYMENT],
                sums[EntryKind.CONTRACTUAL_ADJUSTMENT],
                sums[EntryKind.OTHER_ADJUSTMENT],
                sums[EntryKind.PATIENT_RESPONSIBILITY],
            )


@PROPERTY_SETTINGS
@given(case=balanced_835_strategy(), data=st.data())
def test_same_input_same_ids_and_a_retry_changes_nothing(case: Case, data: st.DataObject) -> None:
    raw, _ = case
    for first_tx, second_tx in zip(parse_835(raw).transactions, parse_835(raw).transactions, strict=True):
        start, _ = starting_books(first_tx, data)
        schedule = fee_schedule(first_tx, data)
        first = Books(claims=dict(start.claims), postings={k: list(v) for k, v in start.postings.items()})
        second = Books(claims=dict(start.claims), postings={k: list(v) for k, v in start.postings.items()})
        post_transaction(first, first_tx, fee_schedule=schedule)
        post_transaction(second, second_tx, fee_schedule=schedule)
        assert first.decisions == second.decisions
        assert first.followups == second.followups
        assert first.provider_entries == second.provider_entries

        posting_ids = [d.posting_id for d in first.decisions]
        entry_ids = [e.entry_id for d in first.decisions for e in d.entries]
        entry_ids += [e.entry_id for e in first.provider_entries]
        followup_ids = [f.id for f in first.followups]
        for ids in (posting_ids, entry_ids, followup_ids):
            assert len(ids) == len(set(ids))

        # A retry (duplicate S3 event, re-upload) on what was written: known claims are untouched.
        retry = Books(claims=dict(first.claims), postings={k: list(v) for k, v in first.postings.items()})
        money = post_transaction(retry, first_tx, fee_schedule=schedule)
        assert retry.claims == first.claims
        assert money.posted == 0
        for decision in retry.decisions:
            assert decision.outcome is (Outcome.NOT_FOUND if decision.claim_id not in start.claims else Outcome.NO_OP)
        assert {f.id for f in retry.followups} <= set(followup_ids)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), lines=st.integers(min_value=0, max_value=4))
def test_reversing_a_posting_restores_the_claim(seed: int, lines: int) -> None:
    raw, _ = generate_835(seed, claims_per_transaction=4, max_lines_per_claim=lines)
    for cp in parse_835(raw).transactions[0].claims:
        if cp.status_code not in {"1", "2", "19"}:
            continue
        claim = claim_for(cp)
        posted = decide_one(cp, claim, remittance=EARLIER)
        assert posted.claim is not None
        undone = decide_one(negated(cp, "22"), posted.claim, prior=[posted.record()])
        assert undone.outcome is Outcome.REVERSED and undone.reverses == posted.posting_id
        assert undone.claim is not None and _balances(undone.claim) == _balances(claim)
        assert undone.posted_payment == -posted.posted_payment == -cp.paid_amount
        assert [e.amount for e in undone.entries] == [-e.amount for e in posted.entries]
