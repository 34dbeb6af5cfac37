"""The sample practice end to end on moto: claims and fees imported, 835s posted, follow-ups opened."""

from __future__ import annotations

from decimal import Decimal

from tests.integration.conftest import SAMPLES, Harness

ACME = "remittances/acme-ach-2025-01-16.835"


def test_an_835_posts_to_its_claims_and_opens_follow_ups(harness: Harness) -> None:
    harness.load_sample_reference_data()

    harness.deliver(ACME, SAMPLES / "remittances" / "acme-ach-2025-01-16.835")

    paid = harness.claims.get("PCN1001")
    assert paid is not None
    assert paid.insurance_paid == Decimal("160.00")
    assert paid.contractual_adjustment == Decimal("60.00")
    assert paid.patient_responsibility == Decimal("30.00")
    assert paid.insurance_balance == Decimal("0.00")
    types = sorted(f["type"] for f in harness.followups())
    # PCN1099 is not ours, PCN1002 is denied, PCN1001 is paid 15.00 under the fee schedule. The PLB is
    # interest (L6): it goes on the provider ledger and needs nobody.
    assert types == ["claim_not_found", "denied", "underpaid"]
    summary = harness.summary(ACME)
    (transaction,) = summary["transactions"]
    assert transaction["money_accounted_for"] is True
    assert transaction["posted_payment"] == "240.00"
    assert transaction["unapplied_cash"] == "75.00"
