"""The money invariant over real files: the bundled samples and every 835 of the shared corpus.

For each transaction set, BPR02 = Σ posted payment + Σ unapplied cash - Σ PLB: each cent in one place.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from tests.unit.domain.builders import (
    Books,
    claim_for,
    decide_one,
    negated,
    post_transaction,
)

from remitflow.domain import ClaimStatus, FollowupType, Outcome, RemittanceRef
from remitflow.x12 import parse_835
from remitflow.x12.models import Transaction

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "samples" / "remittances"
CORPUS = ROOT.parent / "shared" / "corpus" / "835"
CORPUS_FILES = sorted(p for p in CORPUS.glob("*/*") if p.parent.name != "LICENSES")
# Known quirk (SOURCES.md): BPR02 5950.21 while Σ CLP04 - Σ PLB is 467.69.
UNBALANCED_TRANSACTIONS = {"azoner__pyx12/835_simple.txt"}


def transactions(path: Path) -> list[Transaction]:
    remittance = parse_835(path.read_bytes())
    assert remittance.transactions, [p.message for p in remittance.problems]
    return remittance.transactions


def books_knowing(tx: Transaction, known: bool) -> Books:
    books = Books()
    if known:
        books.claims = {cp.patient_control_number: claim_for(cp) for cp in tx.claims}
    return books


def outcomes(books: Books) -> list[tuple[str, Outcome]]:
    return [(d.claim_id, d.outcome) for d in books.decisions]


def test_acme_sample_posts_denies_forwards_and_holds_the_unknown_claim() -> None:
    (tx,) = transactions(SAMPLES / "acme-ach-2025-01-16.835")
    books = books_knowing(tx, known=True)
    del books.claims["PCN1099"]
    money = post_transaction(books, tx, source="remittances/acme-ach-2025-01-16.835")
    assert outcomes(books) == [
        ("PCN1001", Outcome.POSTED),
        ("PCN1002", Outcome.DENIED),
        ("PCN1003", Outcome.FORWARDED),
        ("PCN1099", Outcome.NOT_FOUND),
    ]
    assert (money.posted, money.unapplied, money.provider_adjustments) == (
        Decimal("240.00"),
        Decimal("75.00"),
        Decimal("-4.50"),
    )
    assert money.paid_out == tx.header.payment.amount == Decimal("319.50")
    assert [f.type for f in books.followups] == [FollowupType.DENIED, FollowupType.CLAIM_NOT_FOUND]
    assert books.followups[0].reason_codes == ["CO-50", "N115"]
    assert books.provider_entries[0].reason == "L6"
    assert books.claims["PCN1001"].status is ClaimStatus.PAID
    assert books.claims["PCN1003"].status is ClaimStatus.FORWARDED


def test_summit_sample_reverses_the_earlier_posting_and_posts_the_correction() -> None:
    (tx,) = transactions(SAMPLES / "summit-check-2025-01-21.835")
    books = books_knowing(tx, known=True)
    # The original payment of PCN2001 came in an earlier remittance from the same payer.
    reversal = tx.claims[0]
    earlier = RemittanceRef.from_header(tx.header, "remittances/earlier.835").model_copy(
        update={"trace_number": "00045000"}
    )
    original = decide_one(negated(reversal, "1"), books.claims["PCN2001"], remittance=earlier)
    assert original.claim is not None
    books.claims["PCN2001"] = original.claim
    books.postings["PCN2001"] = [original.record()]

    money = post_transaction(books, tx, source="remittances/summit-check-2025-01-21.835")
    assert outcomes(books) == [
        ("PCN2001", Outcome.REVERSED),
        ("PCN2001", Outcome.POSTED),
        ("PCN2002", Outcome.POSTED),
    ]
    assert books.decisions[0].reverses == original.posting_id
    assert (money.posted, money.unapplied, money.provider_adjustments) == (
        Decimal("75.00"),
        Decimal(0),
        Decimal("25.00"),
    )
    assert money.paid_out == tx.header.payment.amount == Decimal("50.00")
    (recoupment,) = books.followups
    assert recoupment.type is FollowupType.PROVIDER_ADJUSTMENT and recoupment.detail["reference"] == "RECOUP2024A"
    corrected = books.claims["PCN2001"]
    assert (corrected.insurance_paid, corrected.contractual_adjustment) == (Decimal("135.00"), Decimal("25.00"))


def test_summit_sample_without_the_original_holds_the_reversal() -> None:
    (tx,) = transactions(SAMPLES / "summit-check-2025-01-21.835")
    books = books_knowing(tx, known=True)
    money = post_transaction(books, tx)
    assert books.decisions[0].outcome is Outcome.REVERSAL_UNMATCHED
    assert money.unapplied == Decimal("-120.00") and money.posted == Decimal("195.00")
    assert money.paid_out == tx.header.payment.amount


@pytest.mark.parametrize("known", [True, False], ids=["claims-known", "claims-unknown"])
@pytest.mark.parametrize(
    "path", sorted(SAMPLES.glob("*.835")) + CORPUS_FILES, ids=lambda p: p.parent.name + "/" + p.name
)
def test_each_cent_is_in_exactly_one_place(path: Path, known: bool) -> None:
    for tx in transactions(path):
        books = books_knowing(tx, known)
        money = post_transaction(books, tx, source=path.name)
        totals = tx.totals
        # Our own accounting always holds: what the claim payments and PLBs say, we booked.
        assert money.paid_out == totals.paid_total - totals.provider_adjustment_total
        if f"{path.parent.name}/{path.name}" in UNBALANCED_TRANSACTIONS:
            assert money.paid_out != tx.header.payment.amount
        else:
            assert money.paid_out == tx.header.payment.amount
        for cp, decision in zip(tx.claims, books.decisions, strict=True):
            assert decision.posted_payment + decision.unapplied_cash == cp.paid_amount


def test_pyx12_simple_is_unbalanced_at_transaction_level_and_our_books_follow_the_claims() -> None:
    (tx,) = transactions(CORPUS / "azoner__pyx12" / "835_simple.txt")
    money = post_transaction(books_knowing(tx, known=True), tx)
    assert not tx.totals.balanced
    assert tx.header.payment.amount == Decimal("5950.21")
    assert money.paid_out == Decimal("467.69")  # Σ CLP04 (-510.25) - Σ PLB (-977.94)
    # both reversals find no earlier posting: their (negative) money is held
    assert money.unapplied == Decimal("-710.25") and money.posted == Decimal("200.00")


def test_a_repeated_transaction_set_posts_nothing_twice() -> None:
    first, second, *_ = transactions(CORPUS / "tastypackets__x12-parser" / "profee-multiple.edi")

    def key(tx: Transaction) -> tuple[object, ...]:
        return (tx.header.payment.trace_number, [(cp.patient_control_number, cp.paid_amount) for cp in tx.claims])

    assert key(first) == key(second)
    books = books_knowing(first, known=True)
    post_transaction(books, first)
    ids = {f.id for f in books.followups}
    before = dict(books.claims)
    again = Books(claims=books.claims, postings=books.postings)
    money = post_transaction(again, second)
    assert {d.outcome for d in again.decisions} == {Outcome.NO_OP}
    assert money.posted == money.unapplied == 0
    assert books.claims == before
    assert {f.id for f in again.followups} <= ids  # the same ids: the worklist keeps one of each
