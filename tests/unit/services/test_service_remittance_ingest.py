"""RemittanceIngest on the in-memory fakes: each claim payment posts once, whatever is retried."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal

from tests.unit.services.fakes import FakeClaims
from tests.unit.services.practice import ACME, ACME_FILE, Practice

from remitflow.domain.claims import Claim
from remitflow.domain.posting import PostingDecision


def balances(practice: Practice, claim_id: str) -> tuple[Decimal, ...]:
    claim = practice.claims.get(claim_id)
    assert claim is not None
    return (claim.insurance_paid, claim.contractual_adjustment, claim.patient_responsibility, claim.insurance_balance)


def test_each_claim_payment_posts_once_and_raises_its_follow_ups(loaded: Practice) -> None:
    summary = loaded.post()

    assert balances(loaded, "PCN1001") == (Decimal("160.00"), Decimal("60.00"), Decimal("30.00"), Decimal(0))
    assert [len(loaded.claims.postings(c)) for c in ("PCN1001", "PCN1002", "PCN1003")] == [1, 1, 1]
    assert loaded.queue.types() == Counter({"underpaid": 1, "denied": 1, "claim_not_found": 1})
    # PCN1099 is not ours (yet): its 75.00 is held under its posting, for a biller to apply.
    (held,) = loaded.remittances.held.values()
    assert (held["amount"], held["status"], held["claim_id"]) == (Decimal("75.00"), "held", "PCN1099")
    totals = loaded.inbox.summaries[ACME]["transactions"][0]
    assert (totals["posted_payment"], totals["unapplied_cash"], totals["money_accounted_for"]) == (
        "240.00",
        "75.00",
        True,
    )
    record = loaded.remittances.by_era[next(iter(loaded.remittances.by_era))]
    assert (record["status"], record["claim_payments"], record["balanced"]) == ("posted", 4, True)
    assert summary.eras_opened == 1  # waiting for its deposit


def test_a_redelivered_file_posts_nothing_again_and_sends_the_stored_follow_ups_again(loaded: Practice) -> None:
    loaded.post()
    first = list(loaded.queue.sent)
    before = {c: (loaded.claims.get(c), len(loaded.claims.postings(c))) for c in ("PCN1001", "PCN1002", "PCN1003")}

    summary = loaded.remittance_ingest().ingest(ACME)  # the same S3 event, delivered again

    assert {c: (loaded.claims.get(c), len(loaded.claims.postings(c))) for c in before} == before
    again = loaded.queue.sent[len(first) :]
    # The worker drops the repeats by id; a crash between commit and send would have lost nothing.
    assert sorted(f.id for f in again) == sorted(f.id for f in first)
    assert summary.dollars_posted == Decimal("240.00")
    assert summary.transactions[0].duplicate_of is None  # the same file is not a duplicate of itself


class PostedMeanwhile(FakeClaims):
    """Another attempt at the same file commits each posting between this one's read and its commit."""

    def commit(self, decision: PostingDecision, *, unapplied_table: str, recorded_at: datetime) -> None:
        if not self.posting_stored(decision):
            super().commit(decision, unapplied_table=unapplied_table, recorded_at=recorded_at)
        super().commit(decision, unapplied_table=unapplied_table, recorded_at=recorded_at)


def test_a_posting_another_attempt_committed_first_is_counted_and_its_follow_ups_sent(loaded: Practice) -> None:
    racing = PostedMeanwhile(loaded.remittances)
    racing.claims = loaded.claims.claims
    loaded.claims = racing

    summary = loaded.post()

    assert [len(racing.postings(c)) for c in ("PCN1001", "PCN1002", "PCN1003")] == [1, 1, 1]
    assert balances(loaded, "PCN1001") == (Decimal("160.00"), Decimal("60.00"), Decimal("30.00"), Decimal(0))
    assert loaded.queue.types() == Counter({"underpaid": 1, "denied": 1, "claim_not_found": 1})
    assert summary.dollars_posted == Decimal("240.00")


class ImportedMeanwhile(FakeClaims):
    """The billing system's import refreshes PCN1001 between the poster's read and its first commit."""

    refreshed = False

    def commit(self, decision: PostingDecision, *, unapplied_table: str, recorded_at: datetime) -> None:
        claim = self.claims.get(decision.claim_id)
        if decision.claim_id == "PCN1001" and not self.refreshed and claim is not None:
            self.refreshed = True
            self.import_claim(claim)
        super().commit(decision, unapplied_table=unapplied_table, recorded_at=recorded_at)


def test_a_claim_that_changed_since_it_was_read_is_read_again_and_decided_again(loaded: Practice) -> None:
    claims = ImportedMeanwhile(loaded.remittances)
    claims.claims = loaded.claims.claims
    loaded.claims = claims

    loaded.post()

    claim = claims.get("PCN1001")
    assert claims.refreshed and claim is not None
    assert claim.version == 3  # imported, refreshed meanwhile, posted once on the refreshed claim
    assert balances(loaded, "PCN1001") == (Decimal("160.00"), Decimal("60.00"), Decimal("30.00"), Decimal(0))
    assert len(claims.postings("PCN1001")) == 1


def test_the_same_payment_in_another_file_is_a_duplicate_and_posts_nothing(loaded: Practice) -> None:
    loaded.post()
    before = balances(loaded, "PCN1001")

    summary = loaded.post("remittances/resent/acme-copy.835", ACME_FILE)

    assert balances(loaded, "PCN1001") == before
    assert len(loaded.claims.postings("PCN1001")) == 1
    duplicate = loaded.followup_of_type("duplicate_remittance")
    assert (duplicate.detail["first_source"], duplicate.amount) == (ACME, Decimal("319.50"))
    assert summary.transactions[0].duplicate_of == ACME and summary.claims_posted == 0


def test_a_claim_payment_for_an_unknown_claim_is_held_until_the_claim_is_imported(practice: Practice) -> None:
    practice.post()  # no claims imported: every claim payment is held

    assert practice.queue.types()["claim_not_found"] == 4
    assert sum(h["amount"] for h in practice.remittances.held.values()) == Decimal("315.00")
    assert practice.claims.claims == {}


def test_an_unreadable_file_is_one_follow_up_and_its_summary_says_so(practice: Practice) -> None:
    summary = practice.post("remittances/scan.835", b"%PDF-1.7 not an 835")

    (followup,) = practice.queue.sent
    assert followup.type.value == "unreadable_file" and followup.detail["file"] == "remittances/scan.835"
    assert practice.inbox.summaries["remittances/scan.835"]["status"] == "unreadable"
    assert summary.claims_posted == 0


def test_a_claim_that_another_poster_created_meanwhile_is_decided_again(practice: Practice) -> None:
    claims = practice.claims
    claim = Claim(claim_id="PCN1099", account_id="ACC-9", payer_id="1411289245", charge_amount=Decimal("90.00"))

    class CreatedMeanwhile(FakeClaims):
        def commit(self, decision: PostingDecision, *, unapplied_table: str, recorded_at: datetime) -> None:
            if decision.claim_id == "PCN1099" and "PCN1099" not in self.claims:
                self.import_claim(claim)  # the claim lands between the read (none) and the hold
            super().commit(decision, unapplied_table=unapplied_table, recorded_at=recorded_at)

    practice.claims = CreatedMeanwhile(claims.remittances)

    practice.post()

    posted = practice.claims.get("PCN1099")
    assert posted is not None and posted.insurance_paid == Decimal("75.00")  # posted, not held
    assert all(h["claim_id"] != "PCN1099" for h in practice.remittances.held.values())
