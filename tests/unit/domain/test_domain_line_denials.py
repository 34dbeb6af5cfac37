"""A paid claim with a denied line: the claim posts, and the line is followed up like a denial."""

from __future__ import annotations

from decimal import Decimal

from tests.unit.domain.builders import PAYER, claim_line, claim_payment, decide_one, make_claim

from remitflow.domain import ClaimStatus, FeeSchedule, FeeScheduleEntry, FollowupType, Outcome

# Line 1 paid; line 2 denied as not medically necessary (CO-50, RARC N115); line 3 the deductible.
CLAIM = (
    "CLP*PCN40*1*300.00*80.00*100.00*12*PAY40",
    "SVC*HC:99214*100.00*80.00**1",
    "DTM*472*20250102",
    "CAS*CO*45*20.00",
    "SVC*HC:97110*100.00*0.00**1",
    "DTM*472*20250102",
    "CAS*CO*50*100.00",
    "LQ*HE*N115",
    "SVC*HC:36415*100.00*0.00**1",
    "DTM*472*20250102",
    "CAS*PR*1*100.00",
)
LINES = [claim_line(1, "99214", "100.00"), claim_line(2, "97110", "100.00"), claim_line(3, "36415", "100.00")]


def test_a_denied_line_of_a_paid_claim_raises_a_denial_follow_up_naming_it() -> None:
    decision = decide_one(claim_payment(*CLAIM), make_claim("PCN40", "300.00", LINES))

    assert decision.outcome is Outcome.POSTED and decision.posted_payment == Decimal("80.00")
    assert decision.claim is not None and decision.claim.status is ClaimStatus.PAID
    (denial,) = decision.followups
    assert denial.type is FollowupType.DENIED and denial.amount == Decimal("100.00")
    assert denial.reason_codes == ["CO-50", "N115"]
    assert denial.detail["denied_lines_only"] is True
    assert denial.detail["lines"] == [
        {
            "service_line": 2,
            "procedure_code": "97110",
            "modifiers": [],
            "charge_amount": "100.00",
            "adjustment_codes": ["CO-50"],
            "remark_codes": ["N115"],
        }
    ]


def test_a_denied_line_is_not_also_an_underpayment() -> None:
    fees = FeeSchedule(
        entries=[
            FeeScheduleEntry(payer_id=PAYER, procedure_code=code, allowed_amount=Decimal("80.00"))
            for code in ("99214", "97110")
        ]
    )
    decision = decide_one(claim_payment(*CLAIM), make_claim("PCN40", "300.00", LINES), fee_schedule=fees)
    assert [f.type for f in decision.followups] == [FollowupType.DENIED]


def test_lines_left_to_the_patient_or_paid_by_a_prior_payer_are_not_denied() -> None:
    cp = claim_payment(
        "CLP*PCN41*2*200.00*0.00*30.00*12*PAY41",
        "SVC*HC:99214*100.00*0.00**1",
        "DTM*472*20250102",
        "CAS*OA*23*100.00",
        "SVC*HC:36415*100.00*0.00**1",
        "DTM*472*20250102",
        "CAS*OA*23*70.00",
        "CAS*PR*2*30.00",
    )
    decision = decide_one(cp, make_claim("PCN41", "200.00"))
    assert decision.outcome is Outcome.POSTED
    assert [f.type for f in decision.followups] == []
