"""Payers that drop (or add) a billed modifier: the line still posts to the claim line it pays.

Without REF*6R, a service line whose procedure and service date (then units and charge) point at
exactly one claim line posts to that line, with a note that the modifiers differ. When two or more
claim lines fit equally, it posts at claim level and a LINE_NOT_MATCHED follow-up says so.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from tests.unit.domain.builders import PAYER, claim_line, claim_payment, decide_one, make_claim

from remitflow.domain import Claim, ClaimLine, EntryKind, FeeSchedule, FeeScheduleEntry, FollowupType, Outcome
from remitflow.domain.posting import PostingDecision

DAY = date(2025, 2, 3)


def line_numbers(decision: PostingDecision, procedure: str) -> set[int | None]:
    return {e.line_number for e in decision.entries if e.procedure_code == procedure}


def notes(decision: PostingDecision, line_number: int | None) -> set[str | None]:
    return {e.note for e in decision.entries if e.line_number == line_number and e.procedure_code}


def visit_claim(*lines: ClaimLine, claim_id: str = "PCN800") -> Claim:
    charge = sum((line.charge_amount for line in lines), Decimal(0))
    return make_claim(claim_id, str(charge), lines).model_copy(update={"patient_name": "QUILL MARGARET"})


def test_a_dropped_modifier_posts_to_the_billed_line_and_says_the_modifiers_differ() -> None:
    # Billed 99213-25 (a separate E/M on the day of a procedure) and 11102; the payer answers 99213.
    cp = claim_payment(
        "CLP*PCN800*1*260.00*170.00*20.00*12*PAYR800",
        "SVC*HC:99213*150.00*80.00**1",
        "DTM*472*20250203",
        "CAS*CO*45*50.00",
        "CAS*PR*3*20.00",
        "SVC*HC:11102*110.00*90.00**1",
        "DTM*472*20250203",
        "CAS*CO*45*20.00",
    )
    claim = visit_claim(
        claim_line(1, "99213", "150.00", modifiers=["25"], day=DAY, expected="100.00"),
        claim_line(2, "11102", "110.00", day=DAY),
    )

    decision = decide_one(cp, claim)

    assert decision.outcome is Outcome.POSTED
    assert line_numbers(decision, "99213") == {1}
    (note,) = notes(decision, 1)
    assert note is not None and "modifiers differ" in note
    assert "99213-25" in note and "billed" in note and "paid" in note
    assert notes(decision, 2) == {None}  # an exact match needs no note
    assert [f.type for f in decision.followups] == []  # the line is found: nothing for a person to do


def test_a_line_found_despite_its_modifiers_keeps_its_line_level_underpayment_check() -> None:
    cp = claim_payment(
        "CLP*PCN801*1*150.00*80.00*20.00*12*PAYR801",
        "SVC*HC:99213*150.00*80.00**1",
        "DTM*472*20250203",
        "CAS*CO*45*50.00",
        "CAS*PR*3*20.00",
    )
    claim = visit_claim(
        claim_line(1, "99213", "150.00", modifiers=["25"], day=DAY, expected="115.00"), claim_id="PCN801"
    )

    (short,) = decide_one(cp, claim).followups

    assert short.type is FollowupType.UNDERPAID and short.amount == Decimal("15.00")
    (line,) = short.detail["lines"]
    assert (line["line_number"], line["expected_from"], line["modifiers"]) == (1, "claim line", ["25"])


def test_an_added_modifier_posts_to_the_billed_line() -> None:
    cp = claim_payment(
        "CLP*PCN802*1*95.00*76.00**12*PAYR802",
        "SVC*HC:97110:GP*95.00*76.00**1",
        "DTM*472*20250203",
        "CAS*CO*45*19.00",
    )
    claim = visit_claim(claim_line(3, "97110", "95.00", day=DAY), claim_id="PCN802")

    decision = decide_one(cp, claim)

    assert line_numbers(decision, "97110") == {3}
    (note,) = notes(decision, 3)
    assert note is not None and "modifiers differ" in note and "97110-GP" in note
    assert decision.followups == []


def test_the_exact_modifiers_win_over_a_line_that_differs_only_by_them() -> None:
    cp = claim_payment(
        "CLP*PCN803*1*150.00*100.00**12*PAYR803", "SVC*HC:99213*150.00*100.00**1", "DTM*472*20250203", "CAS*CO*45*50.00"
    )
    claim = visit_claim(
        claim_line(1, "99213", "150.00", modifiers=["25"], day=DAY),
        claim_line(2, "99213", "150.00", day=DAY),
        claim_id="PCN803",
    )

    decision = decide_one(cp, claim)

    assert line_numbers(decision, "99213") == {2} and notes(decision, 2) == {None}


def test_lines_differing_only_by_modifier_are_told_apart_by_charge_then_units() -> None:
    # 97110-GP-59 twice the same day, billed with different units and charges; the payer drops the modifiers.
    cp = claim_payment(
        "CLP*PCN804*1*300.00*240.00**12*PAYR804",
        "SVC*HC:97110*200.00*160.00**2",
        "DTM*472*20250203",
        "CAS*CO*45*40.00",
        "SVC*HC:97110*100.00*80.00**1",
        "DTM*472*20250203",
        "CAS*CO*45*20.00",
    )
    claim = visit_claim(
        claim_line(1, "97110", "100.00", modifiers=["GP"], day=DAY, units="1"),
        claim_line(2, "97110", "200.00", modifiers=["GP", "59"], day=DAY, units="2"),
        claim_id="PCN804",
    )

    decision = decide_one(cp, claim)

    payments = [e for e in decision.entries if e.kind is EntryKind.PAYMENT]
    assert [(e.line_number, e.amount) for e in payments] == [(2, Decimal("160.00")), (1, Decimal("80.00"))]
    assert all(e.note is not None and "modifiers differ" in e.note for e in payments)
    assert decision.followups == []


def test_units_tell_apart_lines_of_the_same_charge() -> None:
    cp = claim_payment(
        "CLP*PCN805*1*100.00*80.00**12*PAYR805", "SVC*HC:J1885*100.00*80.00**4", "DTM*472*20250203", "CAS*CO*45*20.00"
    )
    claim = visit_claim(
        claim_line(1, "J1885", "100.00", modifiers=["JW"], day=DAY, units="2"),
        claim_line(2, "J1885", "100.00", modifiers=["JZ"], day=DAY, units="4"),
        claim_id="PCN805",
    )

    assert line_numbers(decide_one(cp, claim), "J1885") == {2}


def test_lines_nothing_tells_apart_post_at_claim_level_with_one_follow_up() -> None:
    # Billed 20610-RT and 20610-LT, same day, units and charge; the payer drops both modifiers.
    cp = claim_payment(
        "CLP*PCN806*1*240.00*180.00**12*PAYR806",
        "NM1*QC*1*QUILL*MARGARET****MI*W55501234",
        "SVC*HC:20610*120.00*90.00**1",
        "DTM*472*20250203",
        "CAS*CO*45*30.00",
        "SVC*HC:20610*120.00*90.00**1",
        "DTM*472*20250203",
        "CAS*CO*45*30.00",
    )
    claim = visit_claim(
        claim_line(1, "20610", "120.00", modifiers=["RT"], day=DAY),
        claim_line(2, "20610", "120.00", modifiers=["LT"], day=DAY),
        claim_id="PCN806",
    )

    decision = decide_one(cp, claim)

    assert decision.outcome is Outcome.POSTED and decision.posted_payment == Decimal("180.00")
    assert line_numbers(decision, "20610") == {None}  # at claim level, as before
    assert all(e.note is not None and "claim level" in e.note for e in decision.entries if e.procedure_code)
    (followup,) = decision.followups
    assert followup.type is FollowupType.LINE_NOT_MATCHED
    assert followup.claim_id == "PCN806" and followup.amount == Decimal("180.00")
    reason = followup.detail["reason"]
    assert "20610" in reason and "2025-02-03" in reason
    assert [(line["service_line"], line["candidate_lines"]) for line in followup.detail["lines"]] == [
        (1, [1, 2]),
        (2, [1, 2]),
    ]
    text = json.dumps(followup.detail)
    assert "QUILL" not in text and "MARGARET" not in text and "W55501234" not in text
    # Deterministic: deciding again gives the same follow-up id.
    assert decide_one(cp, claim).followups[0].id == followup.id


def test_an_ambiguous_line_is_not_priced_against_one_of_its_candidates() -> None:
    fees = FeeSchedule(
        entries=[
            FeeScheduleEntry(payer_id=PAYER, procedure_code="20610", modifiers=["RT"], allowed_amount=Decimal(150))
        ]
    )
    cp = claim_payment(
        "CLP*PCN807*1*120.00*90.00**12*PAYR807", "SVC*HC:20610*120.00*90.00**1", "DTM*472*20250203", "CAS*CO*45*30.00"
    )
    claim = visit_claim(
        claim_line(1, "20610", "120.00", modifiers=["RT"], day=DAY),
        claim_line(2, "20610", "120.00", modifiers=["LT"], day=DAY),
        claim_id="PCN807",
    )

    decision = decide_one(cp, claim, fee_schedule=fees)

    assert [f.type for f in decision.followups] == [FollowupType.LINE_NOT_MATCHED]


def test_another_service_date_is_not_the_same_line() -> None:
    cp = claim_payment(
        "CLP*PCN808*1*150.00*100.00**12*PAYR808", "SVC*HC:99213*150.00*100.00**1", "DTM*472*20250204", "CAS*CO*45*50.00"
    )
    claim = visit_claim(claim_line(1, "99213", "150.00", modifiers=["25"], day=DAY), claim_id="PCN808")

    decision = decide_one(cp, claim)

    assert line_numbers(decision, "99213") == {None}
    assert decision.followups == []  # no claim line fits at all: posted at claim level, as before


def test_with_ref_6r_the_control_number_decides_as_before() -> None:
    cp = claim_payment(
        "CLP*PCN809*1*150.00*100.00**12*PAYR809",
        "SVC*HC:99213*150.00*100.00**1",
        "DTM*472*20250203",
        "CAS*CO*45*50.00",
        "REF*6R*PCN809-1",
    )
    claim = visit_claim(
        claim_line(1, "99213", "150.00", modifiers=["25"], day=DAY, control="PCN809-1"), claim_id="PCN809"
    )

    decision = decide_one(cp, claim)

    assert line_numbers(decision, "99213") == {1} and notes(decision, 1) == {None}


def test_an_unknown_ref_6r_is_not_matched_by_procedure_alone() -> None:
    cp = claim_payment(
        "CLP*PCN810*1*150.00*100.00**12*PAYR810",
        "SVC*HC:99213*150.00*100.00**1",
        "DTM*472*20250203",
        "CAS*CO*45*50.00",
        "REF*6R*OTHER-7",
    )
    claim = visit_claim(
        claim_line(1, "99213", "150.00", modifiers=["25"], day=DAY, control="PCN810-1"), claim_id="PCN810"
    )

    decision = decide_one(cp, claim)

    assert line_numbers(decision, "99213") == {None}
    (note,) = notes(decision, None)
    assert note is not None and "OTHER-7" in note and "matched no claim line" in note
    assert decision.followups == []
