"""domain.undo: a reversal negates every entry of the posting it undoes, so the claim's balances are
back where they were, both postings stay on the ledger, and a posting is undone once only."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from remitflow.domain.claims import Claim, ClaimStatus
from remitflow.domain.followups import FollowupType, new_followup
from remitflow.domain.ledger import BALANCE_OF_KIND
from remitflow.domain.resolutions import AlreadyApplied, ResolutionError, WriteOffBalance, write_off
from remitflow.domain.undo import undo_posting, undo_posting_id

NOW = datetime(2025, 2, 3, 10, tzinfo=UTC)
DENIED = new_followup(FollowupType.DENIED, key=("p1",), created_at=NOW, source="remittances/a.835", claim_id="C1")
BALANCES = sorted(set(BALANCE_OF_KIND.values()))


def claim(**balances: Decimal) -> Claim:
    return Claim(claim_id="C1", account_id="A1", payer_id="P1", charge_amount=Decimal("500.00"), version=3, **balances)


cents_up_to = st.integers(min_value=1, max_value=20000).map(lambda n: Decimal(n).scaleb(-2))


@given(
    paid=st.integers(min_value=0, max_value=20000).map(lambda n: Decimal(n).scaleb(-2)),
    patient=cents_up_to,
    percent=st.integers(min_value=0, max_value=100),
    balance_of=st.sampled_from(list(WriteOffBalance)),
)
def test_a_write_off_undone_leaves_every_balance_where_it_was(
    paid: Decimal, patient: Decimal, percent: int, balance_of: WriteOffBalance
) -> None:
    before = claim(insurance_paid=paid, patient_responsibility=patient)
    owed = before.patient_balance if balance_of is WriteOffBalance.PATIENT else before.insurance_balance
    amount = max(Decimal("0.01"), (owed * percent / 100).quantize(Decimal("0.01")))
    reason = "hardship" if balance_of is WriteOffBalance.PATIENT else "timely filing"
    written = write_off(DENIED, before, amount=amount, reason=reason, by="ana", now=NOW, balance_of=balance_of)
    assert written.claim is not None

    undone = undo_posting(written.record(), written.claim, by="bo", now=NOW)

    assert undone.claim is not None
    after = undone.claim
    assert {name: getattr(after, name) for name in BALANCES} == {name: getattr(before, name) for name in BALANCES}
    assert (after.insurance_balance, after.patient_balance) == (before.insurance_balance, before.patient_balance)
    assert after.posting_ids == [written.posting_id, undo_posting_id(written.posting_id)]
    assert after.version == before.version + 2
    assert sum(e.amount for e in written.entries + undone.entries) == 0
    assert [e.reverses for e in undone.entries] == [e.entry_id for e in written.entries]
    with pytest.raises(AlreadyApplied):
        undo_posting(written.record(), after, by="bo", now=NOW)


def test_an_insurance_write_off_in_full_undone_opens_the_claim_again() -> None:
    before = claim(insurance_paid=Decimal("300.00"))
    written = write_off(DENIED, before, amount=None, reason="small", by="ana", now=NOW)
    assert written.claim is not None and written.claim.status is ClaimStatus.CLOSED

    undone = undo_posting(written.record(), written.claim, by="bo", now=NOW)

    assert undone.claim is not None and undone.claim.status is ClaimStatus.PARTIALLY_PAID
    assert undone.posted_payment == 0 and undone.reverses == written.posting_id


def test_a_posting_that_is_not_on_the_claim_is_not_undone() -> None:
    written = write_off(DENIED, claim(), amount=Decimal("1.00"), reason="r", by="ana", now=NOW)

    with pytest.raises(ResolutionError, match="is not on claim C1"):
        undo_posting(written.record(), claim(), by="bo", now=NOW)
