"""The transaction set's own UNBALANCED: raised only for money no claim follow-up holds, for that amount."""

from __future__ import annotations

from decimal import Decimal

from tests.unit.domain.builders import NOW, REMITTANCE, Books, post_transaction, transaction, x835

from remitflow.domain import Followup, FollowupType
from remitflow.domain.remittance_balance import unbalanced_transaction
from remitflow.x12 import parse_835
from remitflow.x12.models import Transaction

PAID = "CLP*PCN900*1*150.00*110.00**12*P900", "CAS*CO*45*40.00"
UNREADABLE = "CLP*PCN901*1*120.00*96.00**12*P901", "CAS*CO*45*2A.00"


def with_unreadable_clp04() -> Transaction:
    """PAID and a claim payment of 96.00 whose CLP04 is garbled; BPR02 still counts the 96.00."""
    data = x835(*PAID, "CLP*PCN902*1*120.00*96.00**12*P902").replace(b"*96.00**12*P902", b"*9G.00**12*P902")
    (tx,) = parse_835(data).transactions
    return tx


def check(tx: Transaction, payment: str) -> tuple[Books, Followup | None]:
    books = Books()
    money = post_transaction(books, tx)
    followup = unbalanced_transaction(
        tx.totals,
        remittance=REMITTANCE,
        transaction_key="ERA#1",
        payment_amount=Decimal(payment),
        accounted=money.paid_out,
        now=NOW,
    )
    return books, followup


def test_a_held_unreadable_claim_leaves_nothing_for_the_transaction() -> None:
    tx = transaction(*PAID, *UNREADABLE)
    assert not tx.totals.balanced  # the reader's verdict stands: a claim is unreadable

    books, followup = check(tx, "206.00")

    assert followup is None
    assert [f.type for f in books.followups] == [FollowupType.CLAIM_NOT_FOUND, FollowupType.CLAIM_NOT_FOUND]


def test_the_difference_is_the_amount_and_is_signed_in_the_detail() -> None:
    _, followup = check(transaction(*PAID), "100.00")

    assert followup is not None and followup.type is FollowupType.UNBALANCED
    assert followup.amount == Decimal("10.00") and followup.claim_id is None
    assert (followup.detail["difference"], followup.detail["accounted_for"]) == ("-10.00", "110.00")
    # Deterministic: the same transaction gives the same id.
    _, again = check(transaction(*PAID), "100.00")
    assert again is not None and again.id == followup.id


def test_an_unknown_clp04_is_the_amount_at_stake() -> None:
    _, followup = check(with_unreadable_clp04(), "206.00")

    assert followup is not None and followup.amount == Decimal("96.00")
    assert followup.detail["unreadable_claims"] == 1


def test_unreadable_segments_outside_the_claims_are_still_reported_without_an_amount() -> None:
    tx = transaction(*PAID)
    tx = tx.model_copy(update={"totals": tx.totals.model_copy(update={"errors": ["segment 9 (N1): ..."]})})

    _, followup = check(tx, "110.00")

    assert followup is not None and followup.amount is None
    assert "could not be read" in followup.detail["reason"] and followup.detail["difference"] == "0.00"


def test_a_set_cut_before_its_se_is_still_reported() -> None:
    tx = transaction(*PAID)
    tx = tx.model_copy(update={"totals": tx.totals.model_copy(update={"complete": False})})

    _, followup = check(tx, "110.00")

    assert followup is not None and "SE" in followup.detail["reason"]
