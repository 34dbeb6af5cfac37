"""FollowupWorker on moto: a batch of messages becomes open follow-ups in one TransactWriteItems of
conditional puts; repeats (in the batch, across batches, after a lost answer) change nothing; a
message that cannot be read, or a follow-up the store cannot keep, fails alone; conflicts and
throttling are retried by the store, and one contended follow-up never holds back the others."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from tests.integration.conftest import Harness
from tests.integration.test_functions import event
from tests.integration.test_metrics import Emf, emf  # noqa: F401  (the fixture)
from tests.integration.test_store_retries import Injected, injected  # noqa: F401  (the fixture)

from remitflow.domain.errors import StoreBusy, Unstorable
from remitflow.domain.followups import Followup

RECORD = event("followup_worker.json")["Records"][0]


def followup(n: int, **fields: Any) -> Followup:
    return Followup.model_validate(
        {
            "id": f"f{n:04d}",
            "type": "claim_not_found",
            "claim_id": f"PCN{n}",
            "payer_id": "1411289245",
            "amount": "75.00",
            "created_at": "2025-01-16T09:30:00Z",
            "source": "remittances/acme-ach-2025-01-16.835",
        }
        | fields
    )


def record(message_id: str, body: Followup | str) -> dict[str, Any]:
    text = body if isinstance(body, str) else body.model_dump_json()
    return dict(RECORD, messageId=message_id, body=text)


def batch(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


def open_ids(harness: Harness) -> list[str]:
    return sorted(f["id"] for f in harness.followups())


@contextmanager
def worklist_requests(harness: Harness) -> Iterator[Counter[str]]:
    """The DynamoDB requests made on the worklist table in the block, by operation (every client)."""
    counted: Counter[str] = Counter()
    original = BaseClient._make_api_call
    table = harness.stack.followups_table

    def counting(self: Any, operation: str, params: Any) -> Any:
        names = [params.get("TableName")] + [
            a.get("TableName") for i in params.get("TransactItems", []) for a in i.values()
        ]
        if table in names:
            counted[operation] += 1
        return original(self, operation, params)

    BaseClient._make_api_call = counting  # type: ignore[method-assign]
    try:
        yield counted
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


# ---------------------------------------------------------------------------- the worker


def test_a_batch_opens_in_one_transaction_and_a_repeat_inside_it_once(emf: Emf) -> None:  # noqa: F811
    harness = emf.harness
    messages = [
        record("m1", followup(1)),
        record("m2", followup(2)),
        record("m3", followup(1)),
        record("m4", followup(3)),
    ]

    with worklist_requests(harness) as requests:
        result, metrics = emf.invoke("FollowupWorker", batch(*messages))

    assert result == {"batchItemFailures": []}
    assert open_ids(harness) == ["f0001", "f0002", "f0003"]
    assert requests == Counter({"TransactWriteItems": 1})  # no idempotency record, no put per item
    assert metrics == {"FollowupsOpened": ("Count", (3.0,))}  # items opened, the repeat not counted


def test_a_repeat_in_a_later_batch_keeps_what_the_biller_did_and_is_not_counted(emf: Emf) -> None:  # noqa: F811
    harness = emf.harness
    emf.invoke("FollowupWorker", batch(record("m1", followup(1)), record("m2", followup(2))))
    harness.worklist.client.update_item(  # a biller takes f0001 meanwhile
        TableName=harness.stack.followups_table,
        Key={"pk": {"S": "f0001"}},
        UpdateExpression="SET assignee = :me",
        ExpressionAttributeValues={":me": {"S": "biller@example.test"}},
    )

    with worklist_requests(harness) as requests:
        result, metrics = emf.invoke("FollowupWorker", batch(record("m3", followup(1)), record("m4", followup(3))))

    assert result == {"batchItemFailures": []}  # a repeat is not an error
    assert open_ids(harness) == ["f0001", "f0002", "f0003"]
    item = harness.worklist.get("f0001")
    assert item is not None and (item["assignee"], item["version"]) == ("biller@example.test", 0)
    assert requests == Counter({"TransactWriteItems": 2})  # cancelled (f0001 is there), then without it
    assert metrics == {"FollowupsOpened": ("Count", (1.0,))}


def test_an_unreadable_message_and_an_unstorable_follow_up_fail_alone_amid_good_ones(harness: Harness) -> None:
    too_many_digits = followup(2, detail={"reason": "a count", "count": 10**40})  # DynamoDB keeps 38 digits
    messages = [
        record("good-1", followup(1)),
        record("not-json", "not json at all"),
        record("not-a-followup", '{"type": "denied", "detail": {"patient": "RIVERA ANA"}}'),
        record("unstorable", too_many_digits),
        record("good-3", followup(3)),
    ]

    result = harness.runner.invoke("FollowupWorker", batch(*messages))

    failed = [f["itemIdentifier"] for f in result["batchItemFailures"]]
    assert failed == ["not-json", "not-a-followup", "unstorable"]
    assert open_ids(harness) == ["f0001", "f0003"]


def test_a_batch_whose_every_follow_up_is_refused_fails_as_a_whole(harness: Harness) -> None:
    """As Powertools does when every record failed: the invocation fails, SQS delivers them again."""
    with pytest.raises(BatchProcessingError):
        harness.runner.invoke("FollowupWorker", batch(record("m1", followup(1, detail={"count": 10**40}))))
    assert harness.followups() == []


def test_a_busy_worklist_sends_its_messages_again_until_they_open_once(harness: Harness) -> None:
    """Through the queue: the batch's transaction is refused (throttled past botocore's retries) the
    first time, SQS delivers the messages again, and each follow-up opens once."""
    sqs = harness.stores.queue.client
    for n in range(1, 13):
        sqs.send_message(QueueUrl=harness.stack.followup_queue_url, MessageBody=followup(n).model_dump_json())
    sqs.send_message(QueueUrl=harness.stack.followup_queue_url, MessageBody=followup(1).model_dump_json())
    refusals = {"left": 1}
    original = BaseClient._make_api_call

    def throttled_once(self: Any, operation: str, params: Any) -> Any:
        if operation == "TransactWriteItems" and refusals["left"]:
            refusals["left"] -= 1
            error = {
                "Error": {"Code": "ThrottlingException", "Message": "Rate of requests exceeds the allowed throughput."}
            }
            raise ClientError(error, operation)  # as botocore raises it once its own retries are spent
        return original(self, operation, params)

    BaseClient._make_api_call = throttled_once  # type: ignore[method-assign]
    try:
        harness.runner.pump()
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]

    assert refusals["left"] == 0
    assert open_ids(harness) == [f"f{n:04d}" for n in range(1, 13)]
    dead = sqs.receive_message(QueueUrl=harness.stack.followup_dead_letter_queue_url, MaxNumberOfMessages=10)
    assert dead.get("Messages", []) == []


# ---------------------------------------------------------------------------- the store


def test_more_follow_ups_than_a_transaction_holds_with_repeats_among_them(harness: Harness) -> None:
    store = harness.worklist
    assert store.add_many([followup(n) for n in range(0, 150, 3)]).added  # 50 already there
    everything = [followup(n) for n in range(150)]

    with worklist_requests(harness) as requests:
        additions = store.add_many(everything)

    assert additions.added == {f.id for f in everything} - {followup(n).id for n in range(0, 150, 3)}
    assert additions.refused == {}
    assert len(harness.followups()) == 150
    # 100 + 50, each cancelled once for its repeats and sent again without them
    assert requests == Counter({"TransactWriteItems": 4})


def test_an_item_over_400_kb_is_refused_alone_before_any_request(harness: Harness) -> None:
    big = followup(2, detail={"reason": "x" * 450_000})
    store = harness.worklist

    with worklist_requests(harness) as requests:
        additions = store.add_many([followup(1), big, followup(3)])

    assert additions.added == {"f0001", "f0003"}
    (error,) = additions.refused.values()
    assert isinstance(error, Unstorable) and "follow-up f0002" in str(error) and "409600 bytes" in str(error)
    assert "xxxx" not in str(error)  # names the limit, never the content
    assert requests == Counter({"TransactWriteItems": 1})


@pytest.mark.parametrize("kind", ["transaction_conflict", "throttling", "internal_server_error"])
def test_conflicts_throttling_and_5xx_are_retried_by_the_store(injected: Injected, kind: str) -> None:  # noqa: F811
    harness = injected.harness
    hook = injected.inject(kind, times=2, matching="f0003")

    additions = harness.worklist.add_many([followup(n) for n in range(1, 6)])

    assert (hook.answered, hook.calls) == (2, 3)  # refused twice, then written
    assert additions.added == {f"f000{n}" for n in range(1, 6)} and additions.refused == {}


def test_a_lost_answer_after_the_write_leaves_each_follow_up_there_once(injected: Injected) -> None:  # noqa: F811
    """A 500 after DynamoDB wrote: botocore sends it again, every condition fails, none is refused."""
    harness = injected.harness
    hook = injected.inject("internal_server_error", times=1, matching="f0001", applied=True)

    additions = harness.worklist.add_many([followup(1), followup(2)])

    assert (hook.answered, hook.calls) == (1, 2)
    assert additions.refused == {}
    assert open_ids(harness) == ["f0001", "f0002"]


def test_a_follow_up_other_transactions_keep_holding_fails_alone(injected: Injected) -> None:  # noqa: F811
    harness = injected.harness
    hook = injected.inject("transaction_conflict", times=10_000, matching="f0003")

    additions = harness.worklist.add_many([followup(n) for n in range(1, 9)])

    assert additions.added == {f"f000{n}" for n in range(1, 9)} - {"f0003"}
    (error,) = additions.refused.values()
    assert isinstance(error, StoreBusy) and error.held_by_others and "follow-up f0003" in str(error)
    # Split in two until it stood alone (8, 4, 2, 1 holding it), each sent up to the store's bound.
    assert hook.calls == 4 * 4

    hook.times = 0  # the other transaction is done: the message, delivered again, opens it
    assert harness.worklist.add_many([followup(3)]).added == {"f0003"}


def test_a_table_busy_past_the_retries_refuses_the_whole_transaction_without_splitting(
    injected: Injected,  # noqa: F811
) -> None:
    harness = injected.harness
    hook = injected.inject("throttling", times=10_000, matching="f0003")

    additions = harness.worklist.add_many([followup(n) for n in range(1, 9)])

    assert additions.added == frozenset()
    assert set(additions.refused) == {f"f000{n}" for n in range(1, 9)}
    assert all(isinstance(e, StoreBusy) and not e.held_by_others for e in additions.refused.values())
    assert hook.calls == 4  # botocore's attempts (runtime.CLIENT_CONFIG), one transaction
    assert harness.followups() == []
