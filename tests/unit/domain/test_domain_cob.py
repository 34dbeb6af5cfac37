"""Coordination of benefits: a later payer's claim payment after the earlier payers' own postings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.unit.domain.builders import REMITTANCE, claim_line, claim_payment, decide_one, make_claim

from remitflow.domain import Claim, ClaimStatus, EntryKind, FollowupType, Outcome, RemittanceRef

SECONDARY = RemittanceRef(
    payer_id="2233445566", trace_number="SEC0001", payment_date=date(2025, 2, 20), source_key="remittances/sec.835"
)
LINE = (claim_line(1, "99213", "100.00", day=date(2025, 1, 6)),)

# The primary allows 80.00, pays 60.00 and leaves 15.00 coinsurance and 5.00 deductible to the patient.
PRIMARY = (
    "CLP*PCN7*19*100.00*60.00*20.00*12*PRI0007",
    "SVC*HC:99213*100.00*60.00**1",
    "DTM*472*20250106",
    "CAS*CO*45*20.00",
    "CAS*PR*2*15.00**1*5.00",
)
# The secondary restates the claim: OA-23 is what the primary paid and adjusted (60.00 + 20.00); it
# pays the coinsurance and leaves the deductible with the patient.
SECONDARY_PAYMENT = (
    "CLP*PCN7*2*100.00*15.00*5.00*12*SEC0007",
    "SVC*HC:99213*100.00*15.00**1",
    "DTM*472*20250106",
    "CAS*OA*23*80.00",
    "CAS*PR*1*5.00",
)


def after_primary() -> Claim:
    decision = decide_one(claim_payment(*PRIMARY), make_claim("PCN7", "100.00", LINE))
    assert decision.outcome is Outcome.FORWARDED and decision.claim is not None
    assert decision.claim.insurance_balance == 0 and decision.claim.patient_responsibility == Decimal("20.00")
    return decision.claim


def test_a_secondary_after_the_primary_pays_the_claim_off_without_a_false_overpayment() -> None:
    decision = decide_one(claim_payment(*SECONDARY_PAYMENT), after_primary(), remittance=SECONDARY)

    assert decision.outcome is Outcome.POSTED and decision.posted_payment == Decimal("15.00")
    assert [f.type for f in decision.followups if f.type is FollowupType.OVERPAID] == []
    claim = decision.claim
    assert claim is not None
    assert (claim.insurance_paid, claim.contractual_adjustment, claim.other_adjustment) == (
        Decimal("75.00"),
        Decimal("20.00"),
        Decimal("0.00"),
    )
    assert claim.patient_responsibility == Decimal("5.00")  # the secondary's word, not 20.00 + 5.00
    assert claim.insurance_balance == 0 and claim.status is ClaimStatus.PAID


def test_the_secondary_s_oa23_is_kept_in_the_ledger_without_moving_a_balance() -> None:
    decision = decide_one(claim_payment(*SECONDARY_PAYMENT), after_primary(), remittance=SECONDARY)
    got = [(e.kind, e.group, e.reason, e.amount) for e in decision.entries]
    assert got == [
        (EntryKind.PAYMENT, None, None, Decimal("15.00")),
        (EntryKind.PRIOR_PAYER, "OA", "23", Decimal("80.00")),
        (EntryKind.PATIENT_RESPONSIBILITY, "PR", "1", Decimal("5.00")),
        (EntryKind.PATIENT_RESPONSIBILITY, None, None, Decimal("-20.00")),
    ]
    assert decision.entries[-1].note == "the earlier payers' patient responsibility, replaced by this payer's"


def test_reversing_the_secondary_brings_back_what_the_primary_left() -> None:
    primary = after_primary()
    secondary = decide_one(claim_payment(*SECONDARY_PAYMENT), primary, remittance=SECONDARY)
    assert secondary.claim is not None
    reversal = claim_payment(
        "CLP*PCN7*22*-100.00*-15.00*-5.00*12*SEC0007",
        "SVC*HC:99213*-100.00*-15.00**1",
        "DTM*472*20250106",
        "CAS*OA*23*-80.00",
        "CAS*PR*1*-5.00",
    )
    undone = decide_one(reversal, secondary.claim, remittance=SECONDARY, prior=[secondary.record()])

    assert undone.outcome is Outcome.REVERSED and undone.claim is not None
    for balance in ("insurance_paid", "contractual_adjustment", "other_adjustment", "patient_responsibility"):
        assert getattr(undone.claim, balance) == getattr(primary, balance), balance


def test_a_secondary_that_disagrees_with_the_primary_postings_is_left_for_a_person() -> None:
    # OA-23 says the primary settled 70.00, but its posting settled 80.00: the claim ends 10.00 over.
    disagreeing = claim_payment(
        "CLP*PCN7*2*100.00*15.00*5.00*12*SEC0007",
        "SVC*HC:99213*100.00*15.00**1",
        "DTM*472*20250106",
        "CAS*OA*23*70.00",
        "CAS*CO*45*10.00",
        "CAS*PR*1*5.00",
    )
    decision = decide_one(disagreeing, after_primary(), remittance=SECONDARY)
    assert decision.claim is not None and decision.claim.insurance_balance == Decimal("-10.00")
    assert [(f.type, f.amount) for f in decision.followups] == [(FollowupType.OVERPAID, Decimal("10.00"))]


def test_a_secondary_without_the_primary_posted_here_posts_oa23_as_the_only_record_of_that_money() -> None:
    decision = decide_one(claim_payment(*SECONDARY_PAYMENT), make_claim("PCN7", "100.00", LINE), remittance=SECONDARY)
    assert decision.claim is not None
    assert decision.claim.other_adjustment == Decimal("80.00")
    assert decision.claim.patient_responsibility == Decimal("5.00")
    assert decision.claim.insurance_balance == 0


def test_a_primary_s_own_oa23_is_an_adjustment_as_ever() -> None:
    assert REMITTANCE.payer_id != SECONDARY.payer_id
    cp = claim_payment("CLP*PCN8*1*100.00*70.00**12*PRI0008", "CAS*OA*23*30.00")
    decision = decide_one(cp, make_claim("PCN8", "100.00"))
    assert [e.kind for e in decision.entries] == [EntryKind.OTHER_ADJUSTMENT, EntryKind.PAYMENT]
