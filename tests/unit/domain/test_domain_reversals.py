"""CLP02 22: a reversal undoes the earlier posting with the same CLP07, or is held for a person."""

from __future__ import annotations

from decimal import Decimal

from tests.unit.domain.builders import REMITTANCE, claim_line, claim_payment, claim_payments, decide_one, make_claim

from remitflow.domain import Claim, ClaimStatus, EntryKind, FollowupType, Outcome, PostingRecord

ORIGINAL = (
    "CLP*PCN20*1*180.00*120.00*20.00*12*SMT2001",
    "CAS*CO*45*40.00",
    "CAS*PR*2*20.00",
)
REVERSAL_AND_CORRECTION = (
    "CLP*PCN20*22*-180.00*-120.00*-20.00*12*SMT2001",
    "CAS*CO*45*-40.00",
    "CAS*PR*2*-20.00",
    "CLP*PCN20*1*180.00*135.00*20.00*12*SMT2001",
    "CAS*CO*45*25.00",
    "CAS*PR*2*20.00",
)
EARLIER = REMITTANCE.model_copy(update={"trace_number": "EARLIER01", "source_key": "remittances/earlier.835"})


def posted_original() -> tuple[PostingRecord, Claim]:
    decision = decide_one(claim_payment(*ORIGINAL), make_claim("PCN20", "180.00"), remittance=EARLIER)
    assert decision.outcome is Outcome.POSTED and decision.claim is not None
    return decision.record(), decision.claim


def test_reversal_mirrors_the_original_entries_negated() -> None:
    original, claim = posted_original()
    reversal, _ = claim_payments(*REVERSAL_AND_CORRECTION)
    decision = decide_one(reversal, claim, prior=[original])
    assert decision.outcome is Outcome.REVERSED and decision.reverses == original.posting_id
    assert [(e.kind, e.group, e.reason, e.amount) for e in decision.entries] == [
        (e.kind, e.group, e.reason, -e.amount) for e in original.entries
    ]
    assert [e.reverses for e in decision.entries] == [e.entry_id for e in original.entries]
    assert decision.posted_payment == Decimal("-120.00")  # posted money: it leaves the claim
    assert decision.unapplied_cash == 0 and decision.followups == []
    after = decision.claim
    assert after is not None and after.status is ClaimStatus.OPEN
    assert (after.insurance_paid, after.contractual_adjustment, after.patient_responsibility) == (Decimal(0),) * 3
    assert after.insurance_balance == Decimal("180.00")


def test_reversal_then_correction_leaves_the_corrected_balances() -> None:
    original, claim = posted_original()
    reversal, correction = claim_payments(*REVERSAL_AND_CORRECTION)
    undone = decide_one(reversal, claim, prior=[original])
    redone = decide_one(correction, undone.claim, prior=[original, undone.record()])
    assert redone.outcome is Outcome.POSTED and redone.claim is not None
    assert redone.claim.insurance_paid == Decimal("135.00")
    assert redone.claim.contractual_adjustment == Decimal("25.00")
    assert redone.claim.version == 3
    assert undone.posting_id != redone.posting_id != original.posting_id


def test_reversal_without_an_earlier_posting_is_held_unmatched() -> None:
    reversal, _ = claim_payments(*REVERSAL_AND_CORRECTION)
    decision = decide_one(reversal, make_claim("PCN20", "180.00"))
    assert decision.outcome is Outcome.REVERSAL_UNMATCHED
    assert decision.entries == [] and decision.posted_payment == 0
    assert decision.unapplied_cash == Decimal("-120.00")  # the payer kept money we cannot place yet
    (followup,) = decision.followups
    assert followup.type is FollowupType.REVERSAL_UNMATCHED and followup.amount == Decimal("-120.00")
    assert followup.detail["claim_payment"]["payer_claim_control_number"] == "SMT2001"


def test_reversal_of_another_payer_claim_control_number_is_unmatched() -> None:
    original, claim = posted_original()
    other = original.model_copy(update={"payer_claim_control_number": "SMT9999"})
    reversal, _ = claim_payments(*REVERSAL_AND_CORRECTION)
    decision = decide_one(reversal, claim, prior=[other])
    assert decision.outcome is Outcome.REVERSAL_UNMATCHED


def test_reversal_of_a_different_amount_is_held_with_the_candidate() -> None:
    original, claim = posted_original()
    reversal = claim_payment("CLP*PCN20*22*-180.00*-100.00*-20.00*12*SMT2001", "CAS*CO*45*-60.00", "CAS*PR*2*-20.00")
    decision = decide_one(reversal, claim, prior=[original])
    assert decision.outcome is Outcome.REVERSAL_UNMATCHED and decision.unapplied_cash == Decimal("-100.00")
    assert decision.followups[0].detail["candidate_posting_id"] == original.posting_id
    assert decision.followups[0].detail["candidate_posted_payment"] == "120.00"


def test_a_posting_is_reversed_once_only() -> None:
    original, claim = posted_original()
    reversal, _ = claim_payments(*REVERSAL_AND_CORRECTION)
    first = decide_one(reversal, claim, prior=[original])
    # the same reversal again in a later remittance finds nothing left to reverse
    later = REMITTANCE.model_copy(update={"trace_number": "LATER01"})
    second = decide_one(reversal, first.claim, prior=[original, first.record()], remittance=later)
    assert second.outcome is Outcome.REVERSAL_UNMATCHED


def test_reversal_entries_keep_lines_and_quantities() -> None:
    body = ("CLP*PCN21*1*100.00*80.00**12*PAY21", "SVC*HC:99213*100.00*80.00**1", "CAS*CO*45*20.00*1")
    claim = make_claim("PCN21", "100.00", [claim_line(3, "99213", "100.00")])
    original = decide_one(claim_payment(*body), claim, remittance=EARLIER)
    reversal = claim_payment(
        "CLP*PCN21*22*-100.00*-80.00**12*PAY21", "SVC*HC:99213*-100.00*-80.00**-1", "CAS*CO*45*-20.00*-1"
    )
    decision = decide_one(reversal, original.claim, prior=[original.record()])
    assert [(e.kind, e.line_number, e.amount, e.quantity) for e in decision.entries] == [
        (EntryKind.PAYMENT, 3, Decimal("-80.00"), None),
        (EntryKind.CONTRACTUAL_ADJUSTMENT, 3, Decimal("-20.00"), Decimal(-1)),
    ]
