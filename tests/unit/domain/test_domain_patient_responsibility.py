"""A deductible is not a denial: what the payer allowed and left to the patient is the patient's to pay.

A denial is the payer refusing the service (CO, OA or PI with nothing paid and nothing owed by the
patient for it; or CLP02 4). A claim or line the payer processed, paid nothing on and left to the
patient (PR-1 deductible, PR-2 coinsurance, PR-3 copay) is adjudicated, not denied.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from tests.unit.domain.builders import claim_line, claim_payment, decide_one, make_claim

from remitflow.domain import Claim, ClaimStatus, EntryKind, FollowupType, Outcome

# Two office visits on a high-deductible plan: the payer reduced each to its allowed amount (CO-45)
# and left all of it to the patient. CLP04 0, CLP05 = the allowed amounts.
ALL_TO_THE_PATIENT = (
    "SVC*HC:99203*180.00*0.00**1",
    "DTM*472*20250106",
    "CAS*CO*45*62.50",
    "CAS*PR*{reason}*117.50",
    "SVC*HC:81002*25.00*0.00**1",
    "DTM*472*20250106",
    "CAS*CO*45*13.75",
    "CAS*PR*{reason}*11.25",
)
VISIT_DAY = date(2025, 1, 6)
LINES = [claim_line(1, "99203", "180.00", day=VISIT_DAY), claim_line(2, "81002", "25.00", day=VISIT_DAY)]


def visit(status: str, reason: str) -> tuple[str, ...]:
    clp = f"CLP*PCN700*{status}*205.00*0.00*128.75*12*PAYR700"
    return (clp, *(segment.format(reason=reason) for segment in ALL_TO_THE_PATIENT))


def claim() -> Claim:
    return make_claim("PCN700", "205.00", LINES)


@pytest.mark.parametrize("reason", ["1", "2", "3"], ids=["deductible", "coinsurance", "copay"])
@pytest.mark.parametrize("status", ["1", "2", "3"], ids=["primary", "secondary", "tertiary"])
def test_nothing_paid_because_the_allowed_amount_went_to_the_patient_is_no_denial(status: str, reason: str) -> None:
    decision = decide_one(claim_payment(*visit(status, reason)), claim())

    assert decision.outcome is Outcome.POSTED and decision.posted_payment == 0
    assert [f.type for f in decision.followups] == []  # no DENIED for the whole charge
    posted = decision.claim
    assert posted is not None
    assert posted.status is ClaimStatus.PATIENT_RESPONSIBILITY
    assert (posted.insurance_paid, posted.contractual_adjustment, posted.patient_responsibility) == (
        Decimal("0.00"),
        Decimal("76.25"),
        Decimal("128.75"),
    )
    assert posted.insurance_balance == 0 and posted.patient_balance == Decimal("128.75")
    # Still posted to its lines, as the patient's.
    responsibility = [e for e in decision.entries if e.kind is EntryKind.PATIENT_RESPONSIBILITY]
    assert [(e.line_number, e.reason, e.amount) for e in responsibility] == [
        (1, reason, Decimal("117.50")),
        (2, reason, Decimal("11.25")),
    ]


def test_a_claim_without_lines_left_to_the_patient_says_the_patient_owes() -> None:
    cp = claim_payment("CLP*PCN701*1*140.00*0.00*95.00*12*PAYR701", "CAS*CO*45*45.00", "CAS*PR*1*95.00")

    decision = decide_one(cp, make_claim("PCN701", "140.00"))

    assert decision.followups == []
    assert decision.claim is not None and decision.claim.status is ClaimStatus.PATIENT_RESPONSIBILITY
    assert decision.claim.patient_responsibility == Decimal("95.00") and decision.claim.insurance_balance == 0


def test_mixed_lines_deny_only_the_refused_line() -> None:
    # Line 1: not medically necessary (CO-50), nothing owed by the patient: denied.
    # Line 2: all of its allowed amount went to the deductible: the patient's, not a denial.
    cp = claim_payment(
        "CLP*PCN702*1*205.00*0.00*11.25*12*PAYR702",
        "SVC*HC:99203*180.00*0.00**1",
        "DTM*472*20250106",
        "CAS*CO*50*180.00",
        "LQ*HE*N115",
        "SVC*HC:81002*25.00*0.00**1",
        "DTM*472*20250106",
        "CAS*CO*45*13.75",
        "CAS*PR*1*11.25",
    )

    decision = decide_one(cp, make_claim("PCN702", "205.00", LINES))

    (denial,) = decision.followups
    assert denial.type is FollowupType.DENIED
    assert denial.amount == Decimal("180.00")  # the refused line's charge, not the claim's
    assert [line["service_line"] for line in denial.detail["lines"]] == [1]
    assert denial.reason_codes == ["CO-50", "N115"]
    assert decision.claim is not None and decision.claim.status is ClaimStatus.PATIENT_RESPONSIBILITY
    assert decision.claim.patient_responsibility == Decimal("11.25")


def test_a_line_of_a_paid_claim_left_to_the_patient_is_not_a_denied_line() -> None:
    cp = claim_payment(
        "CLP*PCN703*1*205.00*90.00*11.25*12*PAYR703",
        "SVC*HC:99203*180.00*90.00**1",
        "DTM*472*20250106",
        "CAS*CO*45*90.00",
        "SVC*HC:81002*25.00*0.00**1",
        "DTM*472*20250106",
        "CAS*CO*45*13.75",
        "CAS*PR*3*11.25",
    )

    decision = decide_one(cp, make_claim("PCN703", "205.00", LINES))

    assert decision.followups == []
    # The payer paid part of it: its status stays "paid", the patient balance shows the copay.
    assert decision.claim is not None and decision.claim.status is ClaimStatus.PAID
    assert decision.claim.patient_balance == Decimal("11.25")


def test_a_refusal_with_nothing_owed_by_the_patient_is_still_a_denial() -> None:
    cp = claim_payment(
        "CLP*PCN704*1*205.00*0.00*0.00*12*PAYR704",
        "SVC*HC:99203*180.00*0.00**1",
        "DTM*472*20250106",
        "CAS*CO*97*180.00",
        "SVC*HC:81002*25.00*0.00**1",
        "DTM*472*20250106",
        "CAS*OA*18*25.00",
    )

    decision = decide_one(cp, make_claim("PCN704", "205.00", LINES))

    (denial,) = decision.followups
    assert denial.type is FollowupType.DENIED and denial.amount == Decimal("205.00")
    assert decision.claim is not None and decision.claim.status is ClaimStatus.PAID


def test_a_claim_denied_by_clp02_4_is_still_denied() -> None:
    cp = claim_payment("CLP*PCN705*4*140.00*0.00*0.00*12*PAYR705", "CAS*CO*29*140.00")

    decision = decide_one(cp, make_claim("PCN705", "140.00"))

    assert decision.outcome is Outcome.DENIED
    assert [f.type for f in decision.followups] == [FollowupType.DENIED]
    assert decision.claim is not None and decision.claim.status is ClaimStatus.DENIED


def test_forwarded_to_the_next_payer_stays_forwarded() -> None:
    cp = claim_payment(*visit("19", "1"))

    decision = decide_one(cp, claim())

    assert decision.followups == []
    assert decision.claim is not None and decision.claim.status is ClaimStatus.FORWARDED
