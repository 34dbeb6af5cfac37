"""Resolutions: which fit which follow-ups, applying held money to a claim, writing off a balance."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from tests.unit.domain.builders import NOW, PAYER, claim_line, claim_payment, claim_payments, decide_one, make_claim

from remitflow.domain import ClaimStatus, EntryKind, Followup, FollowupType, Outcome
from remitflow.domain.errors import InvalidRequest
from remitflow.domain.resolutions import (
    FITS,
    PATIENT_WRITE_OFF_FITS,
    AlreadyApplied,
    AuditEntry,
    Resolution,
    ResolutionError,
    WriteOffBalance,
    applied_posting_id,
    apply_to_claim,
    check_appeal_due,
    check_fits,
    fitting,
    write_off,
)

# The payer used an old account number: PCN1099 is unknown, PCN1005 is the claim it pays.
UNKNOWN = (
    "CLP*PCN1099*1*90.00*75.00*0*12*ACM0001099",
    "NM1*QC*1*NOVAK*PETRA****MI*ACM776655",
    "SVC*HC:99212*90.00*75.00**1",
    "DTM*472*20250107",
    "CAS*CO*45*15.00",
)
RIGHT_CLAIM = make_claim("PCN1005", "90.00", [claim_line(1, "99212", "90.00", day=date(2025, 1, 7))])


def held(*body: str) -> Followup:
    decision = decide_one(claim_payment(*body), None)
    (followup,) = decision.followups
    return followup


def test_a_claim_not_found_offers_its_resolutions_and_refuses_the_others() -> None:
    followup = held(*UNKNOWN)
    assert fitting(followup.type) == [
        Resolution.APPLIED_TO_CLAIM,
        Resolution.REFUND_REQUESTED,
        Resolution.PAYER_CONTACTED,
        Resolution.DUPLICATE,
        Resolution.NO_ACTION,
    ]
    with pytest.raises(ResolutionError, match="written_off does not fit a claim_not_found") as caught:
        check_fits(followup, Resolution.WRITTEN_OFF)
    assert caught.value.field == "resolution"


def test_a_refused_resolution_is_an_invalid_request_naming_its_field() -> None:
    # The API (400) and the CLI answer InvalidRequest: a refused resolution reaches them unconverted.
    with pytest.raises(InvalidRequest) as caught:
        check_fits(held(*UNKNOWN), Resolution.WRITTEN_OFF)
    assert isinstance(caught.value, ResolutionError)
    assert caught.value.field == "resolution" and caught.value.message.startswith("written_off does not fit")
    assert str(caught.value) == f"resolution: {caught.value.message}"


@pytest.mark.parametrize("followup_type", list(FollowupType))
def test_every_follow_up_can_be_closed_somehow(followup_type: FollowupType) -> None:
    assert {Resolution.PAYER_CONTACTED, Resolution.DUPLICATE, Resolution.NO_ACTION} <= set(fitting(followup_type))


def test_applying_held_money_posts_it_on_the_chosen_claim_through_the_engine() -> None:
    followup = held(*UNKNOWN)
    decision = apply_to_claim(followup, RIGHT_CLAIM, claim_id="PCN1005", now=NOW)

    assert decision.outcome is Outcome.POSTED
    assert decision.claim_id == "PCN1005" and decision.posted_payment == Decimal("75.00")
    assert decision.unapplied_cash == 0
    assert decision.posting_id == applied_posting_id(followup.id) != followup.detail["posting_id"]
    claim = decision.claim
    assert claim is not None and claim.version == RIGHT_CLAIM.version + 1
    assert (claim.insurance_paid, claim.contractual_adjustment, claim.insurance_balance) == (
        Decimal("75.00"),
        Decimal("15.00"),
        Decimal("0.00"),
    )
    assert [(e.kind, e.line_number) for e in decision.entries] == [
        (EntryKind.PAYMENT, 1),
        (EntryKind.CONTRACTUAL_ADJUSTMENT, 1),
    ]
    assert decision.remittance.trace_number == followup.detail["trace_number"]


def test_applying_the_same_follow_up_again_is_refused() -> None:
    followup = held(*UNKNOWN)
    first = apply_to_claim(followup, RIGHT_CLAIM, claim_id="PCN1005", now=NOW)
    assert first.claim is not None
    again = apply_to_claim(followup, RIGHT_CLAIM, claim_id="PCN1005", now=NOW + timedelta(hours=1))
    assert again.posting_id == first.posting_id  # deterministic: the store refuses the second write
    with pytest.raises(AlreadyApplied):
        apply_to_claim(followup, first.claim, claim_id="PCN1005", now=NOW)


def test_applying_to_no_claim_names_the_claim_id() -> None:
    with pytest.raises(ResolutionError, match="claim_id: no claim 'PCN9999'"):
        apply_to_claim(held(*UNKNOWN), None, claim_id="PCN9999", now=NOW)


def test_money_the_engine_would_hold_again_is_refused() -> None:
    unbalanced = ("CLP*PCN1099*1*90.00*75.00*0*12*ACM0001099", "CAS*CO*45*10.00")
    followup = held(*unbalanced)
    with pytest.raises(ResolutionError, match="would hold this payment again") as caught:
        apply_to_claim(followup, make_claim("PCN1005", "90.00"), claim_id="PCN1005", now=NOW)
    assert caught.value.field == "claim_id"


def test_a_not_our_claim_payment_with_money_posts_as_processed_on_the_chosen_claim() -> None:
    payment = claim_payment("CLP*PCN1001*23*90.00*75.00*0*12*ACM0001001", "CAS*CO*45*15.00")
    decision = decide_one(payment, make_claim("PCN1001", "90.00"))
    (followup,) = decision.followups
    assert followup.type is FollowupType.NOT_OUR_CLAIM

    applied = apply_to_claim(followup, make_claim("PCN1005", "90.00"), claim_id="PCN1005", now=NOW)
    assert applied.outcome is Outcome.POSTED and applied.status_code == "1"
    assert applied.claim is not None and applied.claim.insurance_balance == 0


def test_a_not_our_claim_without_money_has_nothing_to_apply() -> None:
    payment = claim_payment("CLP*PCN1001*23*90.00*0*0*12*ACM0001001", "CAS*OA*109*90.00")
    (followup,) = decide_one(payment, make_claim("PCN1001", "90.00")).followups
    with pytest.raises(ResolutionError, match="holds no money to apply"):
        apply_to_claim(followup, make_claim("PCN1005", "90.00"), claim_id="PCN1005", now=NOW)


def test_an_unmatched_reversal_applies_to_the_claim_that_has_the_original() -> None:
    original, reversal = claim_payments(
        "CLP*PCN30*1*100.00*80.00*0*12*SMT3001",
        "CAS*CO*45*20.00",
        "CLP*PCNX*22*-100.00*-80.00*0*12*SMT3001",
        "CAS*CO*45*-20.00",
    )
    posted = decide_one(original, make_claim("PCN30", "100.00"))
    assert posted.claim is not None
    unmatched = decide_one(reversal, make_claim("PCNX", "50.00"))
    (followup,) = unmatched.followups
    assert followup.type is FollowupType.REVERSAL_UNMATCHED and followup.amount == Decimal("-80.00")

    applied = apply_to_claim(followup, posted.claim, claim_id="PCN30", prior_postings=[posted.record()], now=NOW)
    assert applied.outcome is Outcome.REVERSED and applied.reverses == posted.posting_id
    assert applied.posted_payment == Decimal("-80.00")
    assert applied.claim is not None and applied.claim.insurance_balance == Decimal("100.00")


def test_write_off_takes_the_whole_balance_by_default_and_closes_the_claim() -> None:
    (followup,) = decide_one(
        claim_payment("CLP*PCN1002*4*120.00*0*0*12*ACM0001002", "CAS*CO*50*120.00"), make_claim("PCN1002", "120.00")
    ).followups
    claim = make_claim("PCN1002", "120.00")
    decision = write_off(followup, claim, amount=None, reason="timely filing", by="ana@billing.example", now=NOW)

    assert decision.outcome is Outcome.WRITTEN_OFF and decision.posted_payment == 0
    (entry,) = decision.entries
    assert (entry.kind, entry.amount, entry.posting_id) == (EntryKind.WRITE_OFF, Decimal("120.00"), decision.posting_id)
    assert entry.note == "written off by ana@billing.example: timely filing"
    after = decision.claim
    assert after is not None
    assert (after.other_adjustment, after.insurance_balance, after.status) == (
        Decimal("120.00"),
        Decimal("0.00"),
        ClaimStatus.CLOSED,
    )
    assert after.version == claim.version + 1 and decision.posting_id in after.posting_ids
    with pytest.raises(AlreadyApplied):
        write_off(followup, after, amount=None, reason="again", by="bo@billing.example", now=NOW)


def test_a_partial_write_off_leaves_the_rest_owed() -> None:
    (followup,) = decide_one(
        claim_payment("CLP*PCN1002*4*120.00*0*0*12*ACM0001002", "CAS*CO*50*120.00"), make_claim("PCN1002", "120.00")
    ).followups
    decision = write_off(
        followup, make_claim("PCN1002", "120.00"), amount=Decimal("20.00"), reason="small", by="ana", now=NOW
    )
    assert decision.claim is not None
    assert decision.claim.insurance_balance == Decimal("100.00") and decision.claim.status is ClaimStatus.OPEN


@pytest.mark.parametrize(
    ("amount", "balances", "field", "message"),
    [
        (Decimal("120.01"), {}, "amount", "120.01 is more than claim PCN1002's insurance balance 120.00"),
        (Decimal(0), {}, "amount", "must be more than 0.00"),
        (None, {"insurance_paid": Decimal("120.00")}, "claim_id", "no insurance balance to write off"),
        (None, {"insurance_paid": Decimal("130.00")}, "claim_id", r"\(-10.00\)"),
    ],
)
def test_write_off_refuses_what_the_balance_does_not_allow(
    amount: Decimal | None, balances: dict[str, Decimal], field: str, message: str
) -> None:
    (followup,) = decide_one(
        claim_payment("CLP*PCN1002*4*120.00*0*0*12*ACM0001002", "CAS*CO*50*120.00"), make_claim("PCN1002", "120.00")
    ).followups
    with pytest.raises(ResolutionError, match=message) as caught:
        write_off(followup, make_claim("PCN1002", "120.00", **balances), amount=amount, reason="r", by="a", now=NOW)
    assert caught.value.field == field


def test_write_off_needs_a_reason_and_a_follow_up_it_fits() -> None:
    denied = decide_one(
        claim_payment("CLP*PCN1002*4*120.00*0*0*12*ACM0001002", "CAS*CO*50*120.00"), make_claim("PCN1002", "120.00")
    ).followups[0]
    with pytest.raises(ResolutionError, match="write_off_reason: required"):
        write_off(denied, make_claim("PCN1002", "120.00"), amount=None, reason="  ", by="a", now=NOW)
    with pytest.raises(ResolutionError, match="resolution: written_off does not fit"):
        write_off(held(*UNKNOWN), RIGHT_CLAIM, amount=None, reason="r", by="a", now=NOW)


def test_a_patient_balance_is_written_off_only_from_a_follow_up_whose_posting_left_the_patient_owing() -> None:
    payment = claim_payment("CLP*PCN1001*23*90.00*75.00*0*12*ACM0001001", "CAS*CO*45*15.00")
    (not_ours,) = decide_one(payment, make_claim("PCN1001", "90.00")).followups
    owing = make_claim("PCN1001", "90.00", patient_responsibility=Decimal("30.00"))
    denied = decide_one(
        claim_payment("CLP*PCN1001*4*90.00*0*30.00*12*ACM0001001", "CAS*PR*204*30.00", "CAS*CO*50*60.00"),
        make_claim("PCN1001", "90.00"),
    ).followups[0]
    assert (not_ours.type, denied.type) == (FollowupType.NOT_OUR_CLAIM, FollowupType.DENIED)
    assert set(FITS[Resolution.WRITTEN_OFF]) >= PATIENT_WRITE_OFF_FITS  # offered only where written_off fits

    def patient_write_off(followup: Followup) -> Decimal:
        decision = write_off(
            followup, owing, amount=None, reason="hardship", by="a", now=NOW, balance_of=WriteOffBalance.PATIENT
        )
        assert decision.claim is not None
        return decision.claim.patient_balance

    assert patient_write_off(denied) == 0
    with pytest.raises(ResolutionError, match="from a denied or underpaid follow-up; this not_our_claim") as caught:
        patient_write_off(not_ours)
    assert caught.value.field == "write_off_balance"
    insurance = write_off(not_ours, owing, amount=None, reason="not theirs", by="a", now=NOW)
    assert insurance.claim is not None and insurance.claim.insurance_balance == 0  # that one still fits


def test_an_appeal_is_due_today_or_later() -> None:
    today = NOW.date()
    assert check_appeal_due(today, today) == today
    with pytest.raises(ResolutionError, match="appeal_due_date: 2025-01-19 is in the past"):
        check_appeal_due(today - timedelta(days=1), today)
    with pytest.raises(ResolutionError, match="appeal_due_date: required"):
        check_appeal_due(None, today)


def test_audit_entries_keep_text_and_never_show_the_note_in_repr() -> None:
    entry = AuditEntry(at=NOW, by="ana", action="resolved", before={"status": "open"}, after={}, note="Petra Novak")
    assert "Petra" not in repr(entry)
    assert entry.model_dump(mode="json")["note"] == "Petra Novak"
    assert PAYER  # the builders' payer is the follow-ups' payer
