"""The local stack's SQS (remitflow_local.moto_sqs): receiving costs per message, not per queue."""

from __future__ import annotations

import gc
import hashlib
import inspect
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
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


# sha256 of moto's SQSBackend.send_message, the code moto_sqs._send_message mirrors.
MIRRORED_SEND_MESSAGE = "bf161af09a9e6b860e3dd5d8f58ccc802623caa86883fab9b2ffb333f8f70330"


def test_the_mirrored_send_message_is_the_one_reviewed() -> None:
    """If this fails after upgrading moto: carry moto's changes to send_message over, then update the hash."""
    from moto.sqs.models import SQSBackend

    source = inspect.getsource(SQSBackend.send_message.__wrapped__)  # type: ignore[attr-defined]
    assert hashlib.sha256(source.encode()).hexdigest() == MIRRORED_SEND_MESSAGE


def test_sending_does_not_rebuild_the_queue_attributes(sqs: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """moto built every attribute (three passes over the queue) for each message sent."""
    builds = [0]
    original = Queue.attributes

    def attributes(self: Queue) -> dict[str, Any]:
        builds[0] += 1
        return original.fget(self)  # type: ignore[attr-defined,no-any-return]

    url = sqs.create_queue(QueueName="busy")["QueueUrl"]
    _fill(sqs, url, 200)
    monkeypatch.setattr(Queue, "attributes", property(attributes))
    _fill(sqs, url, 50)
    sqs.send_message(QueueUrl=url, MessageBody="one more")
    assert builds[0] == 0


def _sends(sqs: Any) -> list[Any]:
    """Sends to a standard queue and to FIFO queues with and without content-based deduplication."""
    answers: list[Any] = []

    def call(operation: str, **params: Any) -> Any:
        try:
            response = getattr(sqs, operation)(**params)
        except ClientError as error:
            answers.append(error.response["Error"])
            return None
        response.pop("ResponseMetadata", None)
        for key in ("MessageId", "SequenceNumber"):  # random in both
            response.pop(key, None)
        answers.append(response)
        return response

    standard = sqs.create_queue(QueueName="standard")["QueueUrl"]
    deduplicating = sqs.create_queue(
        QueueName="dedup.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    )["QueueUrl"]
    explicit = sqs.create_queue(QueueName="explicit.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    call("send_message", QueueUrl=standard, MessageBody="a", DelaySeconds=0)
    call("send_message", QueueUrl=standard, MessageBody="late", DelaySeconds=901)
    for _ in range(2):  # the same body twice: deduplicated on content
        call("send_message", QueueUrl=deduplicating, MessageBody="same", MessageGroupId="g")
    call("send_message", QueueUrl=explicit, MessageBody="no dedup id", MessageGroupId="g")
    call("send_message", QueueUrl=explicit, MessageBody="b", MessageGroupId="g", MessageDeduplicationId="d1")
    call("send_message", QueueUrl=explicit, MessageBody="c", MessageGroupId="g", MessageDeduplicationId="d1")
    for url in (standard, deduplicating, explicit):
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
        answers.append(
            [
                (m["Body"], m["Attributes"].get("MessageDeduplicationId"), m["Attributes"].get("MessageGroupId"))
                for m in received
            ]
        )
    return answers


def test_sends_answer_as_moto_does(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.sqs.models import SQSBackend

    def run() -> list[Any]:
        with mock_aws():
            return _sends(boto3.client("sqs", region_name=REGION))

    ours = run()
    with monkeypatch.context() as m:
        m.setattr(SQSBackend, "send_message", SQSBackend.send_message.__wrapped__)  # type: ignore[attr-defined]
        original = run()
    assert ours == original
    assert ours[-2] == [("same", ours[-2][0][1], "g")]  # the second "same" was deduplicated
    assert isinstance(ours[1], dict) and "Code" in ours[1]  # DelaySeconds over 900 refused
