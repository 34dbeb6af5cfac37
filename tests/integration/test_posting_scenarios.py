"""Exactly once, on moto: redelivered events, re-uploads, crashes half-way, concurrent ERAs."""

from __future__ import annotations

import json
import threading
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tests.integration.conftest import ROOT, SAMPLES, Harness

from remitflow.adapters.dynamodb.claims import ClaimsStore
from remitflow.domain.posting import PostingDecision
from remitflow.runtime import remittance_ingest
from remitflow.services.ingest_remittance import RemittanceIngest

ACME_FILE = SAMPLES / "remittances" / "acme-ach-2025-01-16.835"
ACME = "remittances/acme-ach-2025-01-16.835"


def one_claim_835(trace: str, *, claim: str = "PCN1001", paid: str, contractual: str) -> bytes:
    """A balanced one-claim 835 (no lines) paying `paid` on `claim` with CO-45 `contractual`."""
    charge = Decimal(paid) + Decimal(contractual)
    body = [
        f"BPR*I*{paid}*C*ACH*CCP*01*011000015*DA*123456789*1411289245**01*021000021*DA*987654321*20250201",
        f"TRN*1*{trace}*1411289245",
        "N1*PR*ACME HEALTH PLAN",
        "N1*PE*LAKESIDE FAMILY MEDICINE*XX*1234567893",
        "LX*1",
        f"CLP*{claim}*1*{charge}*{paid}**12*C{trace}",
        f"CAS*CO*45*{contractual}",
    ]
    segments = [
        "ISA*00*          *00*          *ZZ*PAYERCLEAR     *ZZ*LAKESIDEFM     *250201*0930*^*00501*000000201*0*P*:",
        "GS*HP*PAYERCLEAR*LAKESIDEFM*20250201*0930*201*X*005010X221A1",
        "ST*835*0001",
        *body,
        f"SE*{len(body) + 2}*0001",
        "GE*1*201",
        "IEA*1*000000201",
    ]
    return ("~\n".join(segments) + "~\n").encode()


def balances(harness: Harness, claim_id: str) -> tuple[Decimal, ...]:
    claim = harness.claims.get(claim_id)
    assert claim is not None
    return (
        claim.insurance_paid,
        claim.contractual_adjustment,
        claim.other_adjustment,
        claim.patient_responsibility,
        claim.insurance_balance,
    )


def posting_count(harness: Harness, claim_id: str) -> int:
    return len(harness.claims.postings(claim_id))


def followup_types(harness: Harness) -> Counter[str]:
    return Counter(f["type"] for f in harness.followups())


def s3_event(harness: Harness, key: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((ROOT / "events" / "remittance_ingest.json").read_text())
    event["Records"][0]["s3"]["bucket"]["name"] = harness.stack.inbox_bucket
    event["Records"][0]["s3"]["object"]["key"] = key
    return event


@pytest.fixture
def posted_once(harness: Harness) -> Harness:
    harness.load_sample_reference_data()
    harness.deliver(ACME, ACME_FILE)
    return harness


def test_the_same_event_delivered_twice_posts_once(posted_once: Harness) -> None:
    harness = posted_once
    before = {claim: balances(harness, claim) for claim in ("PCN1001", "PCN1002", "PCN1003")}
    followups_before = followup_types(harness)

    harness.runner.invoke("RemittanceIngest", s3_event(harness, ACME))
    harness.runner.pump()

    assert {claim: balances(harness, claim) for claim in before} == before
    assert posting_count(harness, "PCN1001") == 1
    assert followup_types(harness) == followups_before
    assert harness.summary(ACME)["transactions"][0]["posted_payment"] == "240.00"  # the summary still adds up


def test_the_same_file_under_another_key_is_a_duplicate_remittance(posted_once: Harness) -> None:
    harness = posted_once
    before = balances(harness, "PCN1001")

    harness.deliver("remittances/resent/acme-copy.835", ACME_FILE)

    assert balances(harness, "PCN1001") == before
    assert posting_count(harness, "PCN1001") == 1
    (duplicate,) = [f for f in harness.followups() if f["type"] == "duplicate_remittance"]
    assert duplicate["detail"]["first_source"] == ACME
    assert duplicate["amount"] == Decimal("319.50")
    summary = harness.summary("remittances/resent/acme-copy.835")
    assert summary["transactions"][0]["duplicate_of"] == ACME
    assert summary["claims_posted"] == 0


class CrashAfter(ClaimsStore):
    """Commits `commits` postings, then fails like a Lambda timing out half-way through a file."""

    def __init__(self, store: ClaimsStore, commits: int) -> None:
        super().__init__(store.client, store.table)
        self.left = commits

    def commit(self, decision: PostingDecision, **kwargs: Any) -> None:
        if self.left == 0:
            raise TimeoutError("injected crash")
        self.left -= 1
        super().commit(decision, **kwargs)

    def commit_many(self, decisions: Any, **kwargs: Any) -> list[Exception | None]:
        # The batch's transactions one claim at a time, so the crash falls between two claims.
        errors: list[Exception | None] = []
        for decision in decisions:
            errors.extend(super().commit_many([decision], **kwargs))
        return errors


def test_a_crash_between_two_claims_then_a_retry_posts_each_claim_once(harness: Harness) -> None:
    harness.load_sample_reference_data()
    harness.upload(ACME, ACME_FILE)
    crashing = remittance_ingest(harness.settings, harness.stores)
    crashing.worker.claims = CrashAfter(harness.claims, commits=1)  # a file of one chunk posts in the ingest

    with pytest.raises(TimeoutError):
        crashing.ingest(ACME)
    assert posting_count(harness, "PCN1001") == 1  # the first claim committed before the crash
    assert posting_count(harness, "PCN1002") == 0

    harness.runner.pump()  # Lambda's retry: the S3 event is delivered (again)

    assert balances(harness, "PCN1001") == (Decimal("160.00"), Decimal("60.00"), 0, Decimal("30.00"), 0)
    assert [posting_count(harness, c) for c in ("PCN1001", "PCN1002", "PCN1003")] == [1, 1, 1]
    # The first claim's follow-up (its underpayment) was committed with it and sent on the retry.
    assert followup_types(harness) == Counter({"underpaid": 1, "denied": 1, "claim_not_found": 1})
    summary = harness.summary(ACME)["transactions"][0]
    assert (summary["posted_payment"], summary["unapplied_cash"], summary["money_accounted_for"]) == (
        "240.00",
        "75.00",
        True,
    )


class MeetFirst(ClaimsStore):
    """Both posters read the claim, then commit one at a time, as DynamoDB serialises transactions."""

    lock = threading.Lock()

    def __init__(self, store: ClaimsStore, barrier: threading.Barrier) -> None:
        super().__init__(store.client, store.table)
        self.barrier = barrier
        self.conflicts = 0

    def commit(self, decision: PostingDecision, **kwargs: Any) -> None:
        if self.barrier is not None:
            self.barrier.wait(timeout=30)  # both decided on the same claim version
            self.barrier = None  # type: ignore[assignment]
        with self.lock:
            try:
                super().commit(decision, **kwargs)
            except Exception:
                self.conflicts += 1
                raise


def test_two_eras_for_one_claim_at_the_same_moment_both_post(harness: Harness) -> None:
    harness.load_sample_reference_data()
    harness.upload("remittances/first.835", one_claim_835("T1", paid="100.00", contractual="20.00"))
    harness.upload("remittances/second.835", one_claim_835("T2", paid="50.00", contractual="10.00"))
    barrier = threading.Barrier(2)
    posters: list[RemittanceIngest] = []
    for _ in range(2):
        poster = remittance_ingest(harness.settings, harness.stores)
        poster.worker.claims = MeetFirst(harness.claims, barrier)
        posters.append(poster)
    errors: list[BaseException] = []

    def post(poster: RemittanceIngest, key: str) -> None:
        try:
            poster.ingest(key)
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=post, args=(posters[0], "remittances/first.835")),
        threading.Thread(target=post, args=(posters[1], "remittances/second.835")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(p.worker.claims.conflicts for p in posters if isinstance(p.worker.claims, MeetFirst)) == 1
    paid, contractual, *_ = balances(harness, "PCN1001")
    assert (paid, contractual) == (Decimal("150.00"), Decimal("30.00"))  # neither update lost
    assert posting_count(harness, "PCN1001") == 2
    claim = harness.claims.get("PCN1001")
    assert claim is not None and claim.version == 3  # imported, then two postings


def test_money_is_accounted_for_in_every_sample(harness: Harness) -> None:
    harness.load_sample_reference_data()
    for path in sorted((SAMPLES / "remittances").glob("*.835")):
        harness.deliver(f"remittances/{path.name}", path)

    for path in sorted((SAMPLES / "remittances").glob("*.835")):
        for transaction in harness.summary(f"remittances/{path.name}")["transactions"]:
            posted = Decimal(transaction["posted_payment"])
            held = Decimal(transaction["unapplied_cash"])
            kept = Decimal(transaction["provider_adjustments"])
            assert posted + held - kept == Decimal(transaction["payment_amount"]), path.name


def test_an_unreadable_file_becomes_a_follow_up_and_is_kept(harness: Harness) -> None:
    harness.deliver("remittances/scan.pdf", b"%PDF-1.7 not an 835 at all")

    (followup,) = harness.followups()
    assert followup["type"] == "unreadable_file"
    assert followup["detail"]["file"] == "remittances/scan.pdf"
    assert "ISA" in json.dumps(followup["detail"]["problems"])  # the reader's own message
    kept = harness.stores.inbox.client.get_object(Bucket=harness.stack.inbox_bucket, Key="remittances/scan.pdf")
    assert kept["Body"].read().startswith(b"%PDF")
    assert harness.summary("remittances/scan.pdf")["status"] == "unreadable"


def test_a_claim_imported_again_keeps_its_postings(posted_once: Harness) -> None:
    harness = posted_once
    before = balances(harness, "PCN1001")
    csv = (
        "claim_id,account_id,payer_id,service_date,procedure_code,charge_amount,line_control_number\n"
        "PCN1001,ACC-5001,1411289245,2025-01-02,99214,210.00,PCN1001-1\n"
        "PCN1001,ACC-5001,1411289245,2025-01-02,36415,50.00,PCN1001-2\n"
    )

    harness.deliver("claims/correction.csv", csv.encode())

    claim = harness.claims.get("PCN1001")
    assert claim is not None
    assert claim.charge_amount == Decimal("260.00")
    assert (claim.insurance_paid, claim.contractual_adjustment) == before[:2]
    assert claim.insurance_balance == Decimal("10.00")
    assert posting_count(harness, "PCN1001") == 1


def test_bad_rows_load_the_good_ones_and_open_one_import_error(harness: Harness, tmp_path: Path) -> None:
    csv = (
        "claim_id,account_id,payer_id,service_date,procedure_code,charge_amount\n"
        "PCN9001,ACC-1,1411289245,2025-01-02,99213,100.00\n"
        "PCN9002,ACC-2,1411289245,2025-13-45,99213,100.00\n"
        "PCN9003,ACC-3,1411289245,2025-01-02,99213,12x\n"
    )

    harness.deliver("claims/mixed.csv", csv.encode())

    assert harness.claims.get("PCN9001") is not None
    assert harness.claims.get("PCN9002") is None
    (followup,) = harness.followups()
    assert followup["type"] == "import_error"
    problems = {(p["row"], p["column"]) for p in followup["detail"]["problems"]}
    assert {(3, "service_date"), (4, "charge_amount")} <= problems
    assert followup["detail"]["rows_loaded"] == 1
