"""Underpayment: expected allowed (claim line, else fee schedule x units) against the payer's allowed."""

from __future__ import annotations

from decimal import Decimal

from tests.unit.domain.builders import PAYER, claim_line, claim_payment, decide_one, make_claim

from remitflow.domain import FeeSchedule, FeeScheduleEntry, Followup, FollowupType, UnderpaymentTolerance


def fees(*rows: tuple[str, ...] | tuple[str, str, list[str]], payer: str = PAYER) -> FeeSchedule:
    """A fee schedule from (procedure, allowed per unit[, modifiers]) rows."""
    entries = [
        FeeScheduleEntry(
            payer_id=payer,
            procedure_code=code,
            allowed_amount=Decimal(allowed),
            modifiers=list(rest[0]) if rest else [],
        )
        for code, allowed, *rest in rows
    ]
    return FeeSchedule(entries=entries)


def one_line(allowed: str | None, paid: str, co: str, pr: str = "0.00", *, units: str = "1") -> tuple[str, ...]:
    charge = Decimal(paid) + Decimal(co) + Decimal(pr)
    segments = [
        f"CLP*PCN30*1*{charge}*{paid}*{pr}*12*PAY30",
        f"SVC*HC:99214*{charge}*{paid}**{units}",
        "DTM*472*20250102",
        f"CAS*CO*45*{co}",
    ]
    if Decimal(pr):
        segments.append(f"CAS*PR*2*{pr}")
    if allowed is not None:
        segments.append(f"AMT*B6*{allowed}")
    return tuple(segments)


def underpaid(body: tuple[str, ...], schedule: FeeSchedule, **line: str) -> list[Followup]:
    cp = claim_payment(*body)
    charge = str(cp.charge_amount)
    claim = make_claim("PCN30", charge, [claim_line(1, "99214", charge, **line)])  # type: ignore[arg-type]
    decision = decide_one(cp, claim, fee_schedule=schedule)
    return [f for f in decision.followups if f.type is FollowupType.UNDERPAID]


def test_allowed_below_the_fee_schedule_beyond_tolerance_is_underpaid() -> None:
    (followup,) = underpaid(one_line("160.00", "130.00", "40.00", "30.00"), fees(("99214", "175.00")))
    assert followup.amount == Decimal("15.00")
    (line,) = followup.detail["lines"]
    assert line["expected_allowed"] == "175.00" and line["actual_allowed"] == "160.00"
    assert line["expected_from"] == "fee schedule" and line["actual_from"] == "AMT*B6"
    assert line["line_number"] == 1 and line["shortfall"] == "15.00"
    assert followup.reason_codes == ["CO-45", "PR-2"]


def test_without_amt_b6_the_allowed_is_paid_plus_patient_responsibility() -> None:
    (followup,) = underpaid(one_line(None, "100.00", "60.00", "30.00"), fees(("99214", "175.00")))
    assert followup.detail["lines"][0]["actual_allowed"] == "130.00"
    assert followup.amount == Decimal("45.00")


def test_fee_schedule_is_per_unit() -> None:
    assert underpaid(one_line("200.00", "200.00", "10.00", units="2"), fees(("99214", "100.00")), units="2") == []
    (followup,) = underpaid(one_line("150.00", "150.00", "10.00", units="2"), fees(("99214", "100.00")), units="2")
    assert followup.amount == Decimal("50.00")


def test_shortfall_must_exceed_both_one_dollar_and_two_percent() -> None:
    schedule = fees(("99214", "40.00"))
    # 1.50 short of 40.00: more than $1.00 and 3.75 %
    assert len(underpaid(one_line("38.50", "38.50", "10.00"), schedule)) == 1
    # exactly 1.00 short: not more than $1.00
    assert underpaid(one_line("39.00", "39.00", "10.00"), schedule) == []
    # 3.00 short of 200.00 is 1.5 %: under the 2 % tolerance
    assert underpaid(one_line("197.00", "197.00", "10.00"), fees(("99214", "200.00"))) == []
    # 4.01 short of 200.00 is just over 2 %
    assert len(underpaid(one_line("195.99", "195.99", "10.00"), fees(("99214", "200.00")))) == 1


def test_tolerance_can_be_set() -> None:
    cp = claim_payment(*one_line("190.00", "190.00", "10.00"))
    claim = make_claim("PCN30", "200.00", [claim_line(1, "99214", "200.00")])
    loose = UnderpaymentTolerance(amount=Decimal("20.00"), percent=Decimal(0))
    decision = decide_one(cp, claim, fee_schedule=fees(("99214", "200.00")), tolerance=loose)
    assert decision.followups == []


def test_expected_allowed_on_the_claim_line_wins_over_the_fee_schedule() -> None:
    body = one_line("160.00", "130.00", "40.00", "30.00")
    (followup,) = underpaid(body, fees(("99214", "100.00")), expected="170.00")
    assert followup.detail["lines"][0]["expected_from"] == "claim line"
    assert followup.amount == Decimal("10.00")


def test_fee_schedule_matches_payer_procedure_and_modifiers_exactly() -> None:
    schedule = fees(("99214", "175.00", ["25"]), ("99214", "175.00", ["GT"]))
    assert underpaid(one_line("160.00", "130.00", "40.00", "30.00"), schedule) == []
    other_payer = fees(("99214", "175.00"), payer="1999999999")
    assert underpaid(one_line("160.00", "130.00", "40.00", "30.00"), other_payer) == []
    assert fees(("99214", "1.00", ["GT", "25"])).allowed(PAYER, "99214", ["25", "gt"]) == Decimal("1.00")


def test_several_short_lines_give_one_followup() -> None:
    cp = claim_payment(
        "CLP*PCN31*1*300.00*200.00**12*PAY31",
        "SVC*HC:99214*150.00*100.00**1",
        "DTM*472*20250102",
        "CAS*CO*45*50.00",
        "SVC*HC:36415*150.00*100.00**1",
        "DTM*472*20250102",
        "CAS*CO*45*50.00",
    )
    claim = make_claim("PCN31", "300.00", [claim_line(1, "99214", "150.00"), claim_line(2, "36415", "150.00")])
    decision = decide_one(cp, claim, fee_schedule=fees(("99214", "120.00"), ("36415", "130.00")))
    (followup,) = decision.followups
    assert followup.amount == Decimal("50.00")
    assert [line["line_number"] for line in followup.detail["lines"]] == [1, 2]


def test_unmatched_lines_are_priced_from_the_service_line() -> None:
    cp = claim_payment(*one_line("100.00", "100.00", "10.00"))
    decision = decide_one(cp, make_claim("PCN30", "110.00"), fee_schedule=fees(("99214", "175.00")))
    (followup,) = decision.followups
    assert followup.detail["lines"][0]["line_number"] is None
    assert followup.amount == Decimal("75.00")


def test_lines_we_cannot_price_are_not_flagged() -> None:
    assert underpaid(one_line("10.00", "10.00", "90.00"), FeeSchedule()) == []


def test_fee_schedule_rejects_the_same_key_twice() -> None:
    import pytest

    with pytest.raises(ValueError, match="twice"):
        fees(("99214", "1.00", ["25", "GT"]), ("99214", "2.00", ["GT", "25"]))
