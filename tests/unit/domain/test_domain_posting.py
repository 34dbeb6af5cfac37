"""The posting engine, one rule at a time: matching, entries, claim status codes, holds, retries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.unit.domain.builders import (
    PAYER,
    REMITTANCE,
    TRACE,
    claim_line,
    claim_payment,
    claim_payments,
    decide_one,
    make_claim,
    transaction,
)

from remitflow.domain import (
    Claim,
    ClaimStatus,
    EntryKind,
    FollowupType,
    Outcome,
    RemittanceRef,
    occurrences,
    posting_id,
)

PAID_CLAIM = (
    "CLP*PCN1*1*250.00*160.00*30.00*12*PAY0001*11*1",
    "NM1*QC*1*RIVERA*ANA****MI*MEMBER998877",
    "SVC*HC:99214*200.00*130.00**1",
    "DTM*472*20250102",
    "CAS*CO*45*40.00",
    "CAS*PR*3*30.00",
    "REF*6R*PCN1-1",
    "AMT*B6*160.00",
    "SVC*HC:36415*50.00*30.00**1",
    "DTM*472*20250102",
    "CAS*CO*45*20.00",
    "REF*6R*PCN1-2",
)


def paid_claim(charge: str = "250.00") -> Claim:
    return make_claim(
        "PCN1",
        charge,
        [claim_line(1, "99214", "200.00", control="PCN1-1"), claim_line(2, "36415", "50.00", control="PCN1-2")],
    )


# --- claim lookup ---------------------------------------------------------------------------------


def test_unknown_claim_holds_the_money_and_carries_the_whole_claim_payment() -> None:
    cp = claim_payment(*PAID_CLAIM)
    decision = decide_one(cp, None)
    assert decision.outcome is Outcome.NOT_FOUND
    assert decision.entries == [] and decision.claim is None
    assert decision.posted_payment == 0 and decision.unapplied_cash == Decimal("160.00")
    (followup,) = decision.followups
    assert followup.type is FollowupType.CLAIM_NOT_FOUND
    assert followup.claim_id == "PCN1" and followup.amount == Decimal("160.00")
    assert followup.detail["claim_payment"] == cp.model_dump(mode="json")
    assert followup.detail["claim_payment"]["paid_amount"] == "160.00"


# --- entries ----------------------------------------------------------------------------------------


def test_payment_and_every_cas_triplet_become_separate_entries_on_their_lines() -> None:
    decision = decide_one(claim_payment(*PAID_CLAIM), paid_claim())
    assert decision.outcome is Outcome.POSTED
    got = [(e.kind, e.group, e.reason, e.amount, e.line_number) for e in decision.entries]
    assert got == [
        (EntryKind.PAYMENT, None, None, Decimal("130.00"), 1),
        (EntryKind.CONTRACTUAL_ADJUSTMENT, "CO", "45", Decimal("40.00"), 1),
        (EntryKind.PATIENT_RESPONSIBILITY, "PR", "3", Decimal("30.00"), 1),
        (EntryKind.PAYMENT, None, None, Decimal("30.00"), 2),
        (EntryKind.CONTRACTUAL_ADJUSTMENT, "CO", "45", Decimal("20.00"), 2),
    ]
    assert decision.posted_payment == Decimal("160.00") and decision.unapplied_cash == 0
    # every cent of the charge is on exactly one ledger line
    assert sum(e.amount for e in decision.entries) == Decimal("250.00")


def test_group_codes_map_to_kinds_and_patient_reasons_and_quantities_are_kept() -> None:
    cp = claim_payment(
        "CLP*PCN7*1*300.00*100.00*110.00*12*PAY0007",
        "CAS*OA*23*40.00",
        "CAS*PI*94*10.00",
        "CAS*CO*45*40.00*2",
        "CAS*PR*1*50.00**2*40.00**3*20.00",
    )
    decision = decide_one(cp, make_claim("PCN7", "300.00"))
    kinds = {(e.group, e.reason): (e.kind, e.amount, e.quantity) for e in decision.entries if e.group}
    assert kinds == {
        ("OA", "23"): (EntryKind.OTHER_ADJUSTMENT, Decimal("40.00"), None),
        ("PI", "94"): (EntryKind.OTHER_ADJUSTMENT, Decimal("10.00"), None),
        ("CO", "45"): (EntryKind.CONTRACTUAL_ADJUSTMENT, Decimal("40.00"), Decimal(2)),
        ("PR", "1"): (EntryKind.PATIENT_RESPONSIBILITY, Decimal("50.00"), None),
        ("PR", "2"): (EntryKind.PATIENT_RESPONSIBILITY, Decimal("40.00"), None),
        ("PR", "3"): (EntryKind.PATIENT_RESPONSIBILITY, Decimal("20.00"), None),
    }
    claim = decision.claim
    assert claim is not None
    assert (claim.insurance_paid, claim.contractual_adjustment, claim.other_adjustment) == (
        Decimal("100.00"),
        Decimal("40.00"),
        Decimal("50.00"),
    )
    assert claim.patient_responsibility == claim.patient_balance == Decimal("110.00")
    assert claim.insurance_balance == 0 and claim.status is ClaimStatus.PAID


def test_claim_level_adjustments_on_a_claim_with_lines_reduce_the_payment_at_claim_level() -> None:
    cp = claim_payment(
        "CLP*PCN8*1*100.00*78.00**12*PAY0008",
        "CAS*CO*253*2.00",
        "SVC*HC:99213*100.00*80.00**1",
        "DTM*472*20250102",
        "CAS*CO*45*20.00",
    )
    decision = decide_one(cp, make_claim("PCN8", "100.00", [claim_line(1, "99213", "100.00")]))
    correction = decision.entries[-1]
    assert (correction.kind, correction.amount, correction.line_number) == (EntryKind.PAYMENT, Decimal("-2.00"), None)
    assert correction.note is not None and "claim-level" in correction.note
    assert decision.posted_payment == Decimal("78.00")
    assert decision.claim is not None and decision.claim.insurance_balance == 0


# --- line matching ----------------------------------------------------------------------------------


def test_lines_match_by_line_control_number_first() -> None:
    # Control numbers cross the procedure order: REF*6R wins over the procedure code.
    cp = claim_payment(*PAID_CLAIM)
    claim = make_claim(
        "PCN1",
        "250.00",
        [claim_line(7, "36415", "50.00", control="PCN1-2"), claim_line(9, "99214", "200.00", control="PCN1-1")],
    )
    entries = decide_one(cp, claim).entries
    assert {(e.procedure_code, e.line_number) for e in entries} == {("99214", 9), ("36415", 7)}


def test_lines_match_by_procedure_modifiers_and_date_without_control_numbers() -> None:
    cp = claim_payment(
        "CLP*PCN2*1*300.00*300.00**12*PAY0002",
        "SVC*HC:97110:GP:59*100.00*100.00**1",
        "DTM*472*20250103",
        "SVC*HC:97110:GP:59*100.00*100.00**1",
        "DTM*472*20250103",
        "SVC*HC:97110:GP:59*100.00*100.00**1",
        "DTM*472*20250104",
    )
    lines = [
        claim_line(1, "97110", "100.00", modifiers=["59", "GP"], day=date(2025, 1, 4)),
        claim_line(2, "97110", "100.00", modifiers=["GP", "59"], day=date(2025, 1, 3)),
        claim_line(3, "97110", "100.00", modifiers=["GP", "59"], day=date(2025, 1, 3)),
    ]
    payments = [e for e in decide_one(cp, make_claim("PCN2", "300.00", lines)).entries if e.kind is EntryKind.PAYMENT]
    assert [e.line_number for e in payments] == [2, 3, 1]  # each claim line paired once, dates respected
    assert all(e.note is None for e in payments)


def test_a_changed_procedure_matches_on_the_original_code_in_svc06() -> None:
    cp = claim_payment(
        "CLP*PCN3*1*150.00*90.00**12*PAY0003",
        "SVC*HC:99213*150.00*90.00**1*HC:99214",
        "DTM*472*20250102",
        "CAS*CO*45*60.00",
    )
    claim = make_claim("PCN3", "150.00", [claim_line(4, "99214", "150.00")])
    entries = decide_one(cp, claim).entries
    assert {(e.line_number, e.procedure_code) for e in entries} == {(4, "99214")}


def test_unmatched_lines_post_at_claim_level_and_say_so() -> None:
    cp = claim_payment(*PAID_CLAIM)
    claim = make_claim("PCN1", "250.00", [claim_line(1, "99214", "200.00", control="PCN1-1")])
    decision = decide_one(cp, claim)
    unmatched = [e for e in decision.entries if e.procedure_code == "36415"]
    assert len(unmatched) == 2
    for entry in unmatched:
        assert entry.line_number is None
        assert entry.note is not None and "matched no claim line" in entry.note and "PCN1-2" in entry.note
    assert decision.posted_payment == Decimal("160.00")


# --- claim status codes -------------------------------------------------------------------------------


def test_processed_claim_is_paid_when_nothing_is_left_for_insurance() -> None:
    decision = decide_one(claim_payment(*PAID_CLAIM), paid_claim())
    assert decision.claim is not None
    assert decision.claim.status is ClaimStatus.PAID and decision.claim.insurance_balance == 0
    assert decision.claim.version == 1 and decision.claim.posting_ids == [decision.posting_id]


def test_processed_claim_is_partially_paid_while_insurance_still_owes() -> None:
    # We billed 300.00; the payer adjudicated 250.00 of it.
    decision = decide_one(claim_payment(*PAID_CLAIM), paid_claim("300.00"))
    assert decision.outcome is Outcome.POSTED
    assert decision.claim is not None
    assert decision.claim.status is ClaimStatus.PARTIALLY_PAID
    assert decision.claim.insurance_balance == Decimal("50.00")


def test_processed_as_secondary_posts_like_primary() -> None:
    cp = claim_payment(
        "CLP*PCN4*2*400.00*60.00*0*12*PAY0004",
        "SVC*HC:29881*400.00*60.00**1",
        "DTM*472*20250106",
        "CAS*OA*23*300.00",
        "CAS*CO*45*40.00",
    )
    decision = decide_one(cp, make_claim("PCN4", "400.00", [claim_line(1, "29881", "400.00", day=date(2025, 1, 6))]))
    assert decision.outcome is Outcome.POSTED and decision.posted_payment == Decimal("60.00")
    assert decision.claim is not None and decision.claim.other_adjustment == Decimal("300.00")
    assert decision.claim.status is ClaimStatus.PAID


def test_processed_and_forwarded_posts_and_waits_for_the_next_payer() -> None:
    for status in ("19", "20", "21"):
        cp = claim_payment(f"CLP*PCN5*{status}*150.00*80.00*40.00*12*PAY0005", "CAS*CO*45*30.00", "CAS*PR*1*40.00")
        decision = decide_one(cp, make_claim("PCN5", "150.00"))
        assert decision.outcome is Outcome.FORWARDED
        assert decision.posted_payment == Decimal("80.00")
        assert decision.claim is not None and decision.claim.status is ClaimStatus.FORWARDED
        assert decision.claim.patient_responsibility == Decimal("40.00")


def test_denial_posts_nothing_and_lists_carc_and_rarc_codes() -> None:
    cp = claim_payment(
        "CLP*PCN6*4*120.00*0*0*12*PAY0006",
        "MOA***MA130",
        "SVC*HC:97110:GP*120.00*0**2",
        "DTM*472*20250103",
        "CAS*CO*50*120.00",
        "LQ*HE*N115",
    )
    claim = make_claim("PCN6", "120.00")
    decision = decide_one(cp, claim)
    assert decision.outcome is Outcome.DENIED
    assert decision.entries == [] and decision.posted_payment == 0 and decision.unapplied_cash == 0
    assert decision.claim is not None
    assert decision.claim.status is ClaimStatus.DENIED
    assert decision.claim.insurance_balance == Decimal("120.00")  # balances untouched
    (followup,) = decision.followups
    assert followup.type is FollowupType.DENIED and followup.amount == Decimal("120.00")
    assert followup.reason_codes == ["CO-50", "MA130", "N115"]
    assert followup.detail["lines"][0]["adjustment_codes"] == ["CO-50"]


def test_not_our_claim_holds_the_money() -> None:
    cp = claim_payment("CLP*PCN9*23*90.00*0*0*12*PAY0009", "CAS*OA*109*90.00")
    decision = decide_one(cp, make_claim("PCN9", "90.00"))
    assert decision.outcome is Outcome.NOT_OUR_CLAIM and decision.entries == []
    (followup,) = decision.followups
    assert followup.type is FollowupType.NOT_OUR_CLAIM and followup.reason_codes == ["OA-109"]
    assert followup.detail["claim_payment"]["status_code"] == "23"
    assert decision.claim is not None and decision.claim.status is ClaimStatus.OPEN


def test_predetermination_posts_nothing() -> None:
    cp = claim_payment("CLP*PCN10*25*500.00*0*0*12*PAY0010", "CAS*CO*45*100.00", "CAS*PR*1*400.00")
    decision = decide_one(cp, make_claim("PCN10", "500.00"))
    assert decision.outcome is Outcome.PREDETERMINATION
    assert decision.entries == [] and decision.followups == []
    assert decision.claim is not None and decision.claim.insurance_balance == Decimal("500.00")


def test_unknown_status_is_held_as_an_import_error() -> None:
    cp = claim_payment("CLP*PCN11*99*50.00*50.00**12*PAY0011")
    decision = decide_one(cp, make_claim("PCN11", "50.00"))
    assert decision.outcome is Outcome.UNKNOWN_STATUS and decision.unapplied_cash == Decimal("50.00")
    assert [f.type for f in decision.followups] == [FollowupType.IMPORT_ERROR]


# --- holds ------------------------------------------------------------------------------------------------


def test_unbalanced_claim_is_not_posted_and_its_money_is_held() -> None:
    cp = claim_payment("CLP*PCN12*1*100.00*90.00**12*PAY0012", "CAS*CO*45*20.00")  # 100 - 20 != 90
    assert not cp.balanced
    decision = decide_one(cp, make_claim("PCN12", "100.00"))
    assert decision.outcome is Outcome.UNBALANCED
    assert decision.entries == [] and decision.unapplied_cash == Decimal("90.00")
    (followup,) = decision.followups
    assert followup.type is FollowupType.UNBALANCED
    assert any("CLP04" in problem for problem in followup.detail["problems"])
    assert decision.claim is not None and decision.claim.insurance_paid == 0


def test_claim_with_unreadable_segments_is_held_even_when_it_balances() -> None:
    cp = claim_payment(*PAID_CLAIM).model_copy(update={"errors": ["segment 20 (SVC), element SVC01: ..."]})
    decision = decide_one(cp, paid_claim())
    assert decision.outcome is Outcome.UNBALANCED and decision.unapplied_cash == Decimal("160.00")


def test_overpayment_leaves_a_credit_balance_and_a_followup() -> None:
    decision = decide_one(claim_payment(*PAID_CLAIM), paid_claim("200.00"))
    assert decision.claim is not None and decision.claim.insurance_balance == Decimal("-50.00")
    (followup,) = decision.followups
    assert followup.type is FollowupType.OVERPAID and followup.amount == Decimal("50.00")
    assert followup.detail["balances"]["insurance_balance"] == "-50.00"


# --- ids and retries ----------------------------------------------------------------------------------------


def test_posting_again_on_the_updated_claim_is_a_no_op() -> None:
    cp = claim_payment(*PAID_CLAIM)
    first = decide_one(cp, paid_claim())
    assert first.claim is not None
    again = decide_one(cp, first.claim)
    assert again.outcome is Outcome.NO_OP
    assert again.claim is None and again.entries == [] and again.followups == []
    assert again.posted_payment == 0 and again.unapplied_cash == 0


def test_same_input_gives_the_same_decision_and_ids() -> None:
    cp = claim_payment(*PAID_CLAIM)
    first, second = decide_one(cp, paid_claim("200.00")), decide_one(cp, paid_claim("200.00"))
    assert first == second
    assert len({e.entry_id for e in first.entries}) == len(first.entries)
    expected_id = posting_id(PAYER, TRACE, "PCN1", "PAY0001", "1", 0)
    assert first.posting_id == expected_id
    assert all(e.posting_id == expected_id for e in first.entries)


def test_posting_id_tells_repeats_status_trace_and_payer_apart() -> None:
    base = posting_id(PAYER, TRACE, "PCN1", "PAY0001", "1", 0)
    others = {
        posting_id(PAYER, TRACE, "PCN1", "PAY0001", "1", 1),
        posting_id(PAYER, TRACE, "PCN1", "PAY0001", "22", 0),
        posting_id(PAYER, "TRACE0002", "PCN1", "PAY0001", "1", 0),
        posting_id("1999999999", TRACE, "PCN1", "PAY0001", "1", 0),
        posting_id(PAYER, TRACE, "PCN1", None, "1", 0),
    }
    assert base not in others and len(others) == 5


def test_occurrences_count_repeats_of_the_same_key_only() -> None:
    cps = claim_payments(
        "CLP*A*22*-10.00*-10.00**12*P1",
        "CLP*A*1*10.00*10.00**12*P1",
        "CLP*A*1*10.00*10.00**12*P1",
        "CLP*B*1*10.00*10.00**12*P1",
        "CLP*A*1*10.00*10.00**12*P2",
    )
    assert occurrences(cps) == [0, 0, 1, 0, 0]
    ids = [decide_one(cp, None, occurrence=o).posting_id for cp, o in zip(cps, occurrences(cps), strict=True)]
    assert len(set(ids)) == len(ids)


def test_the_input_claim_is_never_changed() -> None:
    claim = paid_claim()
    before = claim.model_dump()
    decide_one(claim_payment(*PAID_CLAIM), claim)
    assert claim.model_dump() == before


def test_remittance_ref_reads_trn_and_bpr() -> None:
    ref = RemittanceRef.from_header(transaction(*PAID_CLAIM).header, "remittances/x.835")
    assert (ref.payer_id, ref.trace_number, ref.payment_date) == (PAYER, TRACE, date(2025, 1, 16))
    assert ref.payment_amount == "160.00"  # BPR02: with TRN and BPR16, which ERA it was
    assert ref.model_copy(update={"source_key": REMITTANCE.source_key, "payment_amount": None}) == REMITTANCE
