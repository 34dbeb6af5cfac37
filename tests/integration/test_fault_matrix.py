"""Every fault the stack promises to survive, on moto, one test each; every test ends the same way:
nothing lost (each claim payment posted once, each follow-up open once) and every balance exact.

    fault                                       where it is injected
    the same S3 event twice                     RemittanceIngest invoked twice on one event
    the same file under another key             a re-upload under a new name
    a crash half-way through a file, retried    the claims store dies after the first claim's commit
    SQS refusing a send                         SendMessageBatch answers every entry Failed, once
    DynamoDB throttling                         TransactWriteItems answers ThrottlingException twice
    a TransactionConflict                       TransactWriteItems cancelled for TransactionConflict twice
    a poison message: DLQ, redrive, once        the worklist table fails every delivery, then recovers
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from tests.integration.conftest import Harness
from tests.integration.test_functions import event
from tests.integration.test_store_retries import (
    ACME,
    ACME_FILE,
    Injected,
    _Body,
    assert_acme_posted_once,
    injected,  # noqa: F401  (the fixture)
)

from remitflow.adapters.dynamodb.claims import ClaimsStore
from remitflow.adapters.dynamodb.worklist import WorklistStore
from remitflow.adapters.failed_work import SqsFailedWork, SqsTarget
from remitflow.runtime import remittance_ingest
from remitflow.services.failures import FOLLOWUPS, FUNCTIONS, POSTING, Failures

ACME_FOLLOWUPS = Counter({"underpaid": 1, "denied": 1, "claim_not_found": 1})


def followup_types(harness: Harness) -> Counter[str]:
    return Counter(f["type"] for f in harness.followups())


def test_the_same_s3_event_twice(harness: Harness) -> None:
    harness.load_sample_reference_data()
    harness.upload(ACME, ACME_FILE)
    for _ in range(2):  # S3 delivers at least once
        harness.runner.invoke("RemittanceIngest", event("remittance_ingest.json"))
        harness.runner.pump()
    assert_acme_posted_once(harness)
    assert followup_types(harness) == ACME_FOLLOWUPS


def test_the_same_file_under_another_key(harness: Harness) -> None:
    harness.load_sample_reference_data()
    harness.deliver(ACME, ACME_FILE)
    harness.deliver("remittances/acme-again.835", ACME_FILE)
    assert_acme_posted_once(harness)
    assert followup_types(harness) == ACME_FOLLOWUPS + Counter({"duplicate_remittance": 1})


class CrashesAfterFirstCommit(ClaimsStore):
    """The function dies half-way: the batch's first claim commits, then the sandbox is gone."""

    def commit_many(self, decisions: Any, **kwargs: Any) -> list[Exception | None]:
        super().commit_many(list(decisions)[:1], **kwargs)
        raise ConnectionError("injected: the sandbox died")

    def __init__(self, store: ClaimsStore) -> None:
        super().__init__(store.client, store.table)


def test_a_crash_half_way_through_a_file_and_its_retry(harness: Harness) -> None:
    harness.load_sample_reference_data()
    harness.upload(ACME, ACME_FILE)
    crashing = replace(harness.stores, claims=CrashesAfterFirstCommit(harness.stores.claims))
    with pytest.raises(ConnectionError):
        remittance_ingest(harness.settings, crashing).ingest(ACME)
    assert sum(len(harness.claims.postings(c)) for c in ("PCN1001", "PCN1002", "PCN1099")) == 1  # half-way

    harness.runner.pump()  # Lambda's retry: the S3 event, on a fresh sandbox
    assert_acme_posted_once(harness)
    assert followup_types(harness) == ACME_FOLLOWUPS


class RefusesBatches:
    """SendMessageBatch answers every entry Failed (SQS refused the send), the first `times` times."""

    def __init__(self, times: int) -> None:
        self.times = times

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        if self.times <= 0:
            return None
        self.times -= 1
        entries = json.loads(request.body or b"{}").get("Entries", [])
        failed = [{"Id": e["Id"], "SenderFault": False, "Code": "InternalError", "Message": "refused"} for e in entries]
        request.url = "https://refused.invalid/"
        headers = {"x-amzn-RequestId": "injected", "Content-Type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, 200, headers, _Body(json.dumps({"Successful": [], "Failed": failed}).encode()))


def test_sqs_refusing_a_send(injected: Injected) -> None:  # noqa: F811
    harness = injected.harness
    harness.load_sample_reference_data()
    harness.upload(ACME, ACME_FILE)
    harness.clients.sqs.meta.events.register_first("before-send.sqs.SendMessageBatch", RefusesBatches(1))
    with pytest.raises(Exception, match=r"refused|SQS"):
        remittance_ingest(harness.settings, harness.stores).ingest(ACME)

    harness.runner.pump()  # the retry sends the follow-ups again; the postings are not repeated
    assert_acme_posted_once(harness)
    assert followup_types(harness) == ACME_FOLLOWUPS


@pytest.mark.parametrize("kind", ["throttling", "transaction_conflict"])
def test_dynamodb_throttling_and_a_transaction_conflict(injected: Injected, kind: str) -> None:  # noqa: F811
    harness = injected.harness
    harness.load_sample_reference_data()
    harness.upload(ACME, ACME_FILE)
    hook = injected.inject(kind, times=2, matching="CLAIM#PCN1001")

    remittance_ingest(harness.settings, harness.stores).ingest(ACME)
    harness.runner.pump()  # and the S3 event arrives as well

    assert hook.answered == 2
    assert_acme_posted_once(harness)
    assert followup_types(harness) == ACME_FOLLOWUPS


def test_a_poison_message_goes_to_the_dlq_then_is_redriven_and_processed_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.load_sample_reference_data()
    original = WorklistStore.add_many

    def unavailable(self: WorklistStore, followups: Any) -> Any:
        raise ConnectionError("injected: the worklist table is unreachable")

    monkeypatch.setattr(WorklistStore, "add_many", unavailable)
    harness.deliver(ACME, ACME_FILE)  # posts, then every follow-up fails every delivery
    sqs = harness.clients.sqs
    dlq = SqsFailedWork(sqs, harness.stack.followup_dead_letter_queue_url)
    assert len(dlq.peek(10)) == 3 and harness.followups() == []
    assert_acme_posted_once(harness)

    monkeypatch.setattr(WorklistStore, "add_many", original)  # the table is back
    failures = Failures(
        queues={
            FOLLOWUPS: dlq,
            POSTING: SqsFailedWork(sqs, harness.stack.outputs["PostingDeadLetterQueueUrl"]),
            FUNCTIONS: SqsFailedWork(sqs, harness.stack.function_failure_queue_url),
        },
        targets={
            FOLLOWUPS: SqsTarget(sqs, harness.stack.followup_queue_url),
            POSTING: SqsTarget(sqs, harness.stack.outputs["PostingQueueUrl"]),
            FUNCTIONS: SqsTarget(sqs, harness.stack.function_failure_queue_url),
        },
    )
    assert failures.redrive(FOLLOWUPS).moved == 3
    harness.runner.pump()
    assert followup_types(harness) == ACME_FOLLOWUPS and dlq.peek(10) == []
    assert failures.redrive(FOLLOWUPS).moved == 0  # again: nothing to do, nothing twice
    assert_acme_posted_once(harness)
