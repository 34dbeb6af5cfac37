"""The local stack's SQS (remitflow_local.moto_sqs): receiving costs per message, not per queue."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.sqs.models import Message, Queue, sqs_backends

from remitflow_local import moto_sqs

REGION = "us-east-1"
ACCOUNT = "123456789012"


@pytest.fixture(autouse=True)
def _installed() -> None:
    moto_sqs.install()


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


def _fill(sqs: Any, url: str, count: int) -> None:
    for start in range(0, count, 10):
        entries = [{"Id": str(n), "MessageBody": f"m{n}"} for n in range(start, min(start + 10, count))]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)


def test_receiving_does_not_rebuild_the_queue_attributes_per_message(sqs: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """moto built every attribute (three passes over the queue) three times per message received."""
    builds = [0]
    original = Queue.attributes

    def attributes(self: Queue) -> dict[str, Any]:
        builds[0] += 1
        return original.fget(self)  # type: ignore[attr-defined,no-any-return]

    monkeypatch.setattr(Queue, "attributes", property(attributes))
    per_receive = {}
    for count in (20, 400):
        url = sqs.create_queue(QueueName=f"q{count}")["QueueUrl"]
        _fill(sqs, url, count)
        builds[0] = 0
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        assert len(received) == 10
        per_receive[count] = builds[0]
    assert per_receive == {20: 0, 400: 0}


def test_messages_past_the_retention_period_are_still_not_received(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="short", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    _fill(sqs, url, 2)
    stored = sqs_backends[ACCOUNT][REGION].queues["short"]._messages
    stored[0].sent_timestamp -= 120_000  # sent two minutes ago, kept for one
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]
    assert bodies == []  # moto stops at the first expired message, as it always did
    stored.pop(0)
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]
    assert bodies == ["m1"]


def test_deleted_messages_are_let_go(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="churn")["QueueUrl"]

    def live_messages() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if isinstance(o, Message))

    before = live_messages()
    for _ in range(10):
        _fill(sqs, url, 10)
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert live_messages() - before <= 10  # not the 200 sent and received copies


def test_install_is_idempotent() -> None:
    from moto.sqs.models import SQSBackend

    patched = SQSBackend.is_message_valid_based_on_retention_period
    moto_sqs.install()
    assert moto_sqs.installed()
    assert SQSBackend.is_message_valid_based_on_retention_period is patched
