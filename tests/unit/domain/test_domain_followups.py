"""Follow-ups are JSON, carry deterministic ids, and keep patient data out of their text form."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError
from tests.unit.domain.builders import NOW, REMITTANCE, claim_payment, decide_one, make_claim

from remitflow.domain import Claim, Followup, FollowupType, hold_broken_claim, new_followup
from remitflow.x12.models import BrokenClaim

DENIED = (
    "CLP*PCN50*4*120.00*0*0*12*PAY50",
    "NM1*QC*1*RIVERA*ANA****MI*MEMBER998877",
    "SVC*HC:97110*120.00*0**2",
    "CAS*CO*50*120.00",
)


def test_followup_id_is_a_hash_of_type_and_key() -> None:
    def make(kind: FollowupType, key: tuple[str, ...]) -> Followup:
        return new_followup(kind, key=key, created_at=NOW, source="s")

    assert make(FollowupType.DENIED, ("p1",)).id == make(FollowupType.DENIED, ("p1",)).id
    assert make(FollowupType.DENIED, ("p1",)).id != make(FollowupType.UNDERPAID, ("p1",)).id
    assert make(FollowupType.DENIED, ("p1",)).id != make(FollowupType.DENIED, ("p2",)).id


def test_detail_must_be_json_with_money_as_text() -> None:
    with pytest.raises(ValidationError, match="numbers as strings"):
        new_followup(FollowupType.DENIED, key=("k",), created_at=NOW, source="s", detail={"a": [Decimal("1.00")]})
    with pytest.raises(ValidationError, match="numbers as strings"):
        new_followup(FollowupType.DENIED, key=("k",), created_at=NOW, source="s", detail={"a": {"b": 1.5}})


def test_money_is_never_a_float_and_is_quantized() -> None:
    with pytest.raises(ValidationError, match="float"):
        new_followup(FollowupType.DENIED, key=("k",), created_at=NOW, source="s", amount=1.5)  # type: ignore[arg-type]
    followup = new_followup(FollowupType.DENIED, key=("k",), created_at=NOW, source="s", amount=Decimal("1.005"))
    assert followup.amount == Decimal("1.01")
    assert make_claim("C", "10").charge_amount.as_tuple().exponent == -2


def test_created_at_must_carry_a_time_zone() -> None:
    with pytest.raises(ValidationError):
        new_followup(FollowupType.DENIED, key=("k",), created_at=datetime(2025, 1, 1), source="s")


def test_every_followup_round_trips_through_json() -> None:
    decision = decide_one(claim_payment(*DENIED), None)
    for followup in [*decision.followups, *decide_one(claim_payment(*DENIED), make_claim("PCN50", "120")).followups]:
        text = json.dumps(followup.model_dump(mode="json"))
        assert type(followup).model_validate_json(text) == followup


def test_denial_followup_holds_no_patient_data() -> None:
    decision = decide_one(claim_payment(*DENIED), make_claim("PCN50", "120.00"))
    text = json.dumps([f.model_dump(mode="json") for f in decision.followups])
    assert "RIVERA" not in text and "MEMBER998877" not in text


def test_patient_data_in_a_claim_not_found_stays_out_of_repr_and_str() -> None:
    decision = decide_one(claim_payment(*DENIED), None)
    (followup,) = decision.followups
    assert followup.detail["claim_payment"]["patient"]["last_name"] == "RIVERA"  # the biller needs it
    for text in (repr(followup), str(followup), repr(decision), str(decision)):
        assert "RIVERA" not in text and "MEMBER998877" not in text


def test_a_claim_payment_the_reader_could_not_read_is_an_import_error_holding_its_money() -> None:
    broken = BrokenClaim(
        transaction="0001",
        segment_number=12,
        last_segment_number=15,
        patient_control_number="PCN51",
        status_code="1",
        charge_amount=Decimal("100.00"),
        paid_amount=Decimal("80.00"),
        payer_claim_control_number="PAY51",
    )
    followup = hold_broken_claim(broken, REMITTANCE, NOW)
    assert followup.type is FollowupType.IMPORT_ERROR and followup.amount == Decimal("80.00")
    assert followup.claim_id == "PCN51" and followup.detail["segments"] == [12, 15]
    assert hold_broken_claim(broken, REMITTANCE, NOW).id == followup.id


def test_claim_read_back_with_its_stored_balances_is_the_same_claim() -> None:
    decision = decide_one(
        claim_payment("CLP*PCN52*1*100.00*80.00**12*PAY52", "CAS*CO*45*20.00"), make_claim("PCN52", "100")
    )
    assert decision.claim is not None
    stored = decision.claim.model_dump(mode="json")
    assert stored["insurance_balance"] == "0.00" and stored["insurance_paid"] == "80.00"
    assert Claim.model_validate(stored) == decision.claim


def test_a_held_known_claim_keeps_its_835_data_but_not_who_the_patient_is() -> None:
    cp = claim_payment(
        "CLP*PCN53*1*100.00*90.00**12*PAY53",  # does not balance: held
        "CAS*CO*45*20.00",
        "NM1*QC*1*RIVERA*ANA****MI*MEMBER998877",
        "NM1*IL*1*RIVERA*LUIS****MI*MEMBER998800",
        "REF*1W*MEMBER998877",
        "REF*F8*ORIGINALREF1",
    )
    (held,) = decide_one(cp, make_claim("PCN53", "100.00")).followups
    text = json.dumps(held.model_dump(mode="json"))
    assert "RIVERA" not in text and "MEMBER9988" not in text
    kept = held.detail["claim_payment"]
    assert kept["paid_amount"] == "90.00" and kept["adjustments"][0]["reason"] == "45"
    assert kept["references"] == [{"qualifier": "F8", "value": "ORIGINALREF1", "description": None}]
    (unknown,) = decide_one(cp, None).followups
    assert unknown.detail["claim_payment"]["insured"]["first_name"] == "LUIS"
