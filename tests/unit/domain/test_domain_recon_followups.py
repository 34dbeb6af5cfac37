"""The follow-ups reconciliation raises: amount mismatches at once, unmatched items once overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from tests.unit.domain.recon_items import NOW, PAYER, THU, dep, era

from remitflow.domain.followups import Followup, FollowupType
from remitflow.domain.matching import match
from remitflow.domain.recon_followups import amount_mismatch_followups, overdue
from remitflow.domain.recon_models import AmountMismatch


def test_amount_mismatch_followups() -> None:
    mismatch = AmountMismatch(
        era_id="A",
        deposit_id="D",
        trace_number="777",
        payer_id=PAYER,
        era_amount=Decimal("100"),
        deposit_amount=Decimal("95"),
        difference=Decimal("-5"),
    )
    (followup,) = amount_mismatch_followups([mismatch], NOW, "recon/sweep")
    assert followup.type is FollowupType.AMOUNT_MISMATCH
    assert (followup.amount, followup.payer_id, followup.source) == (Decimal("-5.00"), PAYER, "recon/sweep")
    assert followup.detail["difference"] == "-5.00"
    assert "$" not in followup.detail["reason"] and "5.00 less than its ERA" in followup.detail["reason"]
    assert Followup.model_validate_json(followup.model_dump_json()) == followup
    later = amount_mismatch_followups([mismatch], datetime(2025, 9, 9, tzinfo=UTC), "other")
    assert later[0].id == followup.id


# --- overdue: the daily sweep------------------------------------------------------------------------------


def test_an_era_is_overdue_after_three_business_days_counting_holidays() -> None:
    waiting = [era("A", "250.00", trace="883")]
    # Thursday before Labor Day: Fri, Tue, Wed make three; Thursday the fourth.
    assert overdue(waiting, [], today=date(2025, 9, 3), now=NOW, source="sweep") == []
    (followup,) = overdue(waiting, [], today=date(2025, 9, 4), now=NOW, source="sweep")
    assert followup.type is FollowupType.ERA_WITHOUT_DEPOSIT
    assert (followup.amount, followup.payer_id, followup.source) == (Decimal("250.00"), PAYER, "sweep")
    assert followup.detail["trace_number"] == "883"
    assert followup.detail["payment_date"] == "2025-08-28"
    assert followup.detail["business_days_waiting"] == 4
    assert "4 business days" in followup.detail["reason"]


def test_a_deposit_is_overdue_after_three_business_days_counting_thanksgiving() -> None:
    waiting = [dep("D", "99.00", booked=date(2024, 11, 27), trace="T9")]
    # Fri 29, Mon 2, Tue 3 make three; Wednesday December 4 the fourth.
    assert overdue([], waiting, today=date(2024, 12, 3), now=NOW, source="sweep") == []
    (followup,) = overdue([], waiting, today=date(2024, 12, 4), now=NOW, source="sweep")
    assert followup.type is FollowupType.DEPOSIT_WITHOUT_ERA
    assert followup.detail["booking_date"] == "2024-11-27"
    assert followup.detail["business_days_waiting"] == 4
    assert followup.amount == Decimal("99.00")


def test_a_daily_sweep_finds_the_same_followups_again() -> None:
    eras, deposits = [era("A", "1.00")], [dep("D", "2.00")]
    monday = overdue(eras, deposits, today=date(2025, 9, 15), now=NOW, source="sweep")
    tuesday = overdue(eras, deposits, today=date(2025, 9, 16), now=datetime(2025, 9, 16, tzinfo=UTC), source="sweep")
    assert [f.id for f in monday] == [f.id for f in tuesday]
    assert len({f.id for f in monday}) == 2
    for followup in monday:
        assert Followup.model_validate_json(followup.model_dump_json()) == followup


def test_the_sweep_leaves_amount_mismatches_to_their_own_followup() -> None:
    result = match([era("A", "100.00", trace="7"), era("B", "5.00")], [dep("D", "90.00", trace="7")])
    followups = overdue(result, today=date(2025, 10, 1), now=NOW, source="sweep")
    assert [(f.type, f.detail.get("era_id")) for f in followups] == [(FollowupType.ERA_WITHOUT_DEPOSIT, "B")]
    with pytest.raises(ValueError, match="MatchResult alone"):
        overdue(result, [], today=date(2025, 10, 1), now=NOW, source="sweep")


def test_an_era_without_payment_date_is_reported_at_once() -> None:
    (followup,) = overdue([era("A", "10.00", paid=None)], [], today=THU, now=NOW, source="sweep")
    assert followup.detail["payment_date"] is None
    assert "no payment date" in followup.detail["reason"]


def test_a_payment_dated_in_the_future_is_not_overdue() -> None:
    assert overdue([era("A", "10.00", paid=date(2025, 12, 1))], [], today=THU, now=NOW, source="sweep") == []
