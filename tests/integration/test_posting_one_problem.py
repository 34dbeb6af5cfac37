"""One problem, one follow-up, with the money actually at stake (on moto, through RemittanceIngest).

A claim payment that cannot be read whole, or does not balance, holds its CLP04 under its own
follow-up. The transaction set is then out of balance only if money is missing beyond what those
hold; the transaction's UNBALANCED follow-up is raised only then, for that difference, never for all
of BPR02.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from tests.integration.conftest import Harness

KEY = "remittances/one-problem.835"
PAID = "CLP*PCN1003*1*150.00*110.00**12*ACM3", "CAS*CO*45*40.00"  # balanced, posts 110.00
# A CAS amount is not a number: the claim payment cannot be read whole; its CLP04 96.00 is held.
UNREADABLE = "CLP*PCN1002*1*120.00*96.00**12*ACM2", "CAS*CO*45*2A.00"
# CLP04 itself is not a number: the claim payment is unreadable and how much it paid is unknown.
NO_CLP04 = ("CLP*PCN1002*1*120.00*9G.00**12*ACM2",)
UNBALANCED = "CLP*PCN1003*1*150.00*110.00**12*ACM3", "CAS*CO*45*30.00"  # 150 - 30 is not 110


def x835(payment: str, *claims: str, trace: str = "ONEPROB01") -> bytes:
    body = [
        f"BPR*I*{payment}*C*ACH*CCP*01*011000015*DA*123456789*1411289245**01*021000021*DA*987654321*20250203",
        f"TRN*1*{trace}*1411289245",
        "N1*PR*ACME HEALTH PLAN",
        "N1*PE*LAKESIDE FAMILY MEDICINE*XX*1234567893",
        "LX*1",
        *claims,
    ]
    segments = [
        "ISA*00*          *00*          *ZZ*PAYERCLEAR     *ZZ*LAKESIDEFM     *250203*0930*^*00501*000000301*0*P*:",
        "GS*HP*PAYERCLEAR*LAKESIDEFM*20250203*0930*301*X*005010X221A1",
        "ST*835*0001",
        *body,
        f"SE*{len(body) + 2}*0001",
        "GE*1*301",
        "IEA*1*000000301",
    ]
    return ("~\n".join(segments) + "~\n").encode()


@pytest.fixture
def with_claims(harness: Harness) -> Harness:
    harness.load_sample_reference_data()
    return harness


def types(harness: Harness) -> Counter[str]:
    return Counter(f["type"] for f in harness.followups())


def test_an_unreadable_claim_whose_money_is_held_is_reported_once(with_claims: Harness) -> None:
    harness = with_claims

    harness.deliver(KEY, x835("206.00", *PAID, *UNREADABLE))

    (held,) = harness.followups()  # the claim's own follow-up; no second one for the transaction
    assert (held["type"], held["claim_id"], held["amount"]) == ("unbalanced", "PCN1002", Decimal("96.00"))
    (transaction,) = harness.summary(KEY)["transactions"]
    assert (transaction["posted_payment"], transaction["unapplied_cash"]) == ("110.00", "96.00")
    assert transaction["money_accounted_for"] is True


def test_money_missing_beyond_the_held_claim_is_unbalanced_by_the_difference_only(with_claims: Harness) -> None:
    harness = with_claims

    harness.deliver(KEY, x835("211.00", *PAID, *UNREADABLE))  # 5.00 more than the claims carry

    followups = harness.followups()
    by_claim = {f.get("claim_id"): f for f in followups}
    assert len(followups) == 2 and set(by_claim) == {None, "PCN1002"}
    assert by_claim["PCN1002"]["amount"] == Decimal("96.00")
    unbalanced = by_claim[None]
    assert unbalanced["type"] == "unbalanced"
    assert unbalanced["amount"] == Decimal("5.00")  # not BPR02's 211.00
    detail = unbalanced["detail"]
    assert (detail["payment_amount"], detail["accounted_for"], detail["difference"]) == ("211.00", "206.00", "5.00")
    assert "5.00" in detail["reason"]


def test_a_claim_whose_clp04_cannot_be_read_leaves_only_its_money_unbalanced(with_claims: Harness) -> None:
    harness = with_claims

    harness.deliver(KEY, x835("206.00", *PAID, *NO_CLP04))

    assert types(harness) == Counter({"import_error": 1, "unbalanced": 1})
    (unbalanced,) = [f for f in harness.followups() if f["type"] == "unbalanced"]
    assert unbalanced["amount"] == Decimal("96.00")  # what no follow-up holds, not BPR02's 206.00
    assert "could not be read" in unbalanced["detail"]["reason"]


def test_a_claim_that_does_not_balance_is_reported_once(with_claims: Harness) -> None:
    harness = with_claims

    harness.deliver(KEY, x835("110.00", *UNBALANCED))

    (followup,) = harness.followups()
    assert followup["type"] == "unbalanced" and followup["claim_id"] == "PCN1003"
    assert followup["amount"] == Decimal("110.00")  # the claim's CLP04, held under the claim's follow-up


def test_a_remittance_short_of_its_claims_names_the_shortfall(with_claims: Harness) -> None:
    harness = with_claims

    harness.deliver(KEY, x835("100.00", *PAID))  # BPR02 10.00 less than the one CLP04

    (unbalanced,) = harness.followups()
    assert unbalanced["type"] == "unbalanced" and unbalanced.get("claim_id") is None
    assert unbalanced["amount"] == Decimal("10.00")
    assert unbalanced["detail"]["difference"] == "-10.00"
