"""Retries that belong to the store, on moto: DynamoDB's own error responses (a transaction cancelled
for TransactionConflict, throttling, a 500) injected into TransactWriteItems the first k times; the
claims post once with exact money. Past the bound, a clear domain error, and Lambda's retry posts
the rest once."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from tests.integration.conftest import REGION, SAMPLES, Harness

from remitflow import runtime
from remitflow.adapters.dynamodb.shared import TRANSACT_BACKOFF
from remitflow.domain.errors import Conflict, StoreBusy
from remitflow.domain.recon_models import EraPayment
from remitflow.runtime import Clients, Stores, remittance_ingest
from remitflow.services.ports import RemittanceKey
from remitflow.services.worklist_models import ResolveRequest

ACME = "remittances/acme-ach-2025-01-16.835"
ACME_FILE = SAMPLES / "remittances" / "acme-ach-2025-01-16.835"
NAMES = ("Ana Rivera", "RIVERA", "Wei Chen", "Okafor")  # the sample patients: never in an error


def dynamodb_error(code: str, message: str, **extra: Any) -> tuple[int, dict[str, Any]]:
    return 400, {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message, **extra}


# Each error as DynamoDB sends it: HTTP status and JSON body.
ERRORS = {
    "transaction_conflict": dynamodb_error(
        "TransactionCanceledException",
        "Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None]",
        CancellationReasons=[
            {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"},
            {"Code": "None"},
        ],
    ),
    "throttling": dynamodb_error("ThrottlingException", "Rate of requests exceeds the allowed throughput."),
    "provisioned_throughput": dynamodb_error(
        "ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was exceeded.",
    ),
    "internal_server_error": (500, {"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError"}),
}


class _Body:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


@dataclass
class Inject:
    """Answers TransactWriteItems requests whose body holds `matching` with `error` the first `times`
    times; botocore's retry handler sees a real error response. botocore calls every before-send
    handler and takes the first response: the request's URL is pointed away from moto so that moto
    does not carry it out as well, unless `applied` (DynamoDB wrote, then the answer was lost)."""

    error: tuple[int, dict[str, Any]]
    times: int
    matching: str
    applied: bool = False
    calls: int = 0
    answered: int = 0

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        if self.matching not in (request.body or b"").decode():
            return None
        self.calls += 1
        if self.answered >= self.times:
            return None
        self.answered += 1
        if not self.applied:
            request.url = "https://refused.invalid/"  # matches no moto backend: moto leaves it alone
        status, body = self.error
        headers = {"x-amzn-RequestId": "injected", "Content-Type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, status, headers, _Body(json.dumps(body).encode()))


@dataclass
class Injected:
    harness: Harness
    sleeps: list[float] = field(default_factory=list)

    def inject(self, kind: str, times: int, matching: str, *, applied: bool = False) -> Inject:
        hook = Inject(ERRORS[kind], times, matching, applied=applied)
        self.sleeps.clear()  # only the waits from here on
        self.harness.clients.dynamodb.meta.events.register_first("before-send.dynamodb.TransactWriteItems", hook)
        return hook


@pytest.fixture
def injected(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Injected:
    """The stack with stores on a client of their own (hooks stay with this test), waits recorded
    rather than slept (botocore's and the store's both call time.sleep)."""
    clients = Clients.create(boto3.Session(region_name=REGION))
    stores = Stores.create(harness.settings, clients)
    result = Injected(replace(harness, clients=clients, stores=stores))
    monkeypatch.setattr(time, "sleep", result.sleeps.append)
    return result


def balances(harness: Harness, claim_id: str) -> tuple[Decimal, ...]:
    claim = harness.claims.get(claim_id)
    assert claim is not None
    return claim.insurance_paid, claim.contractual_adjustment, claim.patient_responsibility, claim.insurance_balance


def assert_acme_posted_once(harness: Harness) -> None:
    assert balances(harness, "PCN1001") == (Decimal("160.00"), Decimal("60.00"), Decimal("30.00"), Decimal(0))
    assert [len(harness.claims.postings(c)) for c in ("PCN1001", "PCN1002", "PCN1099")] == [1, 1, 1]
    held = harness.remittances.unapplied(harness.claims.postings("PCN1099")[0].record.posting_id)
    assert held is not None and held["amount"] == Decimal("75.00")
    (totals,) = harness.summary(ACME)["transactions"]
    assert (totals["posted_payment"], totals["unapplied_cash"], totals["money_accounted_for"]) == (
        "240.00",
        "75.00",
        True,
    )


@pytest.mark.parametrize("kind", sorted(ERRORS))
def test_a_claim_refused_a_few_times_posts_once_with_exact_money(injected: Injected, kind: str) -> None:
    harness = injected.harness
    harness.load_sample_reference_data()
    harness.upload(ACME, ACME_FILE)
    hook = injected.inject(kind, times=2, matching="CLAIM#PCN1001")  # the first claim's commit

    summary = remittance_ingest(harness.settings, harness.stores).ingest(ACME)

    assert (hook.answered, hook.calls) == (2, 3)  # refused twice, then committed
    assert summary.transactions[0].outcomes["posted"] == 1
    assert_acme_posted_once(harness)
    assert len(injected.sleeps) == 2 and all(0 <= s <= 2.0 for s in injected.sleeps)  # jittered, capped
    harness.runner.pump()  # the S3 event arrives as well: nothing posts twice
    assert_acme_posted_once(harness)
    assert Counter(f["type"] for f in harness.followups()) == Counter(
        {"underpaid": 1, "denied": 1, "claim_not_found": 1}
    )


@pytest.mark.parametrize("kind", sorted(ERRORS))
def test_past_the_bound_the_ingest_fails_with_store_busy_and_lambdas_retry_posts_the_rest(
    injected: Injected, kind: str
) -> None:
    harness = injected.harness
    harness.load_sample_reference_data()
    harness.upload(ACME, ACME_FILE)
    hook = injected.inject(kind, times=10_000, matching="CLAIM#PCN1002")  # the second claim's commit

    with pytest.raises(StoreBusy) as raised:
        remittance_ingest(harness.settings, harness.stores).ingest(ACME)

    message = str(raised.value)
    assert "claim PCN1002" in message and "posting " in message
    assert not any(name.lower() in message.lower() for name in NAMES)
    attempts = TRANSACT_BACKOFF.attempts if kind == "transaction_conflict" else 4  # runtime.CLIENT_CONFIG
    # Bounded: the batch of the file's three claims, then its half holding PCN1002, then PCN1002
    # alone, each tried up to the bound before the store gives up on it.
    assert hook.calls == 3 * attempts
    assert sum(injected.sleeps) <= 3 * 7.0  # leaves a 300 s invocation its time
    assert len(harness.claims.postings("PCN1001")) == 1  # committed before
    assert harness.claims.postings("PCN1002") == []  # nothing half-written

    hook.times = 0  # DynamoDB recovers; Lambda delivers the event again
    harness.runner.pump()

    assert_acme_posted_once(harness)


def test_a_500_after_dynamodb_wrote_the_posting_still_posts_it_once(injected: Injected) -> None:
    """The answer is lost, not the write: botocore retries, the posting's condition fails, the claim
    is counted from what was stored."""
    harness = injected.harness
    harness.load_sample_reference_data()
    harness.upload(ACME, ACME_FILE)
    hook = injected.inject("internal_server_error", times=1, matching="CLAIM#PCN1001", applied=True)

    remittance_ingest(harness.settings, harness.stores).ingest(ACME)

    assert (hook.answered, hook.calls) == (1, 2)
    assert_acme_posted_once(harness)


def test_the_remittance_totals_and_plb_entries_are_retried_in_the_store(injected: Injected) -> None:
    harness = injected.harness
    harness.load_sample_reference_data()
    harness.upload(ACME, ACME_FILE)
    hook = injected.inject("transaction_conflict", times=2, matching="PLB#")

    remittance_ingest(harness.settings, harness.stores).ingest(ACME)

    assert (hook.answered, hook.calls) == (2, 3)
    (totals,) = harness.summary(ACME)["transactions"]
    key = RemittanceKey(
        payer_id=totals["payer_id"],
        trace_number=totals["trace_number"],
        amount=Decimal(totals["payment_amount"]),
        payment_date=date.fromisoformat(totals["payment_date"]),
    )
    record = harness.remittances.get(key)
    assert record is not None and record["status"] == "posted"
    assert record["posted_payment"] == Decimal("240.00")


def test_an_era_held_up_by_another_transaction_still_goes_on_the_waiting_list(injected: Injected) -> None:
    """Before, a TransactionConflict read as "already opened": the ERA never waited for its deposit."""
    harness = injected.harness
    harness.load_sample_reference_data()
    hook = injected.inject("transaction_conflict", times=1, matching="RECON#OPEN")
    harness.upload(ACME, ACME_FILE)

    summary = remittance_ingest(harness.settings, harness.stores).ingest(ACME)

    assert (hook.answered, hook.calls) == (1, 2)
    assert summary.eras_opened == 1
    eras, _, _ = harness.stores.reconciliation.open_items()
    assert [type(era) for era in eras] == [EraPayment]


WRITE_OFF = {"resolution": "written_off", "note": "timely filing missed", "write_off_reason": "timely_filing"}


@pytest.mark.parametrize(("times", "resolved"), [(2, True), (10_000, False)])
def test_a_write_off_held_up_by_other_transactions_is_retried_then_reported_as_a_conflict(
    injected: Injected, times: int, resolved: bool
) -> None:
    harness = injected.harness
    harness.load_sample_reference_data()
    harness.deliver(ACME, ACME_FILE)
    (denied,) = [f for f in harness.followups() if f["type"] == "denied"]
    service = runtime.worklist(harness.settings, harness.stores)
    hook = injected.inject("transaction_conflict", times=times, matching=denied["pk"])
    request = ResolveRequest.model_validate(WRITE_OFF)

    if resolved:
        service.resolve(denied["pk"], request, caller="ana@example.com")
    else:
        with pytest.raises(Conflict, match="reload and try again"):
            service.resolve(denied["pk"], request, caller="ana@example.com")

    claim = harness.claims.get("PCN1002")
    assert claim is not None
    assert claim.other_adjustment == (Decimal("120.00") if resolved else Decimal(0))  # written off once, or not
    assert len(harness.claims.postings("PCN1002")) == (2 if resolved else 1)
    assert hook.calls == (times + 1 if resolved else TRANSACT_BACKOFF.attempts)
