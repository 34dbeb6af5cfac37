"""SQS dead-letter and failure queues as `FailedWorkQueue`s, and the two ways work goes back:
to the SQS queue it came from, or (a function's failed asynchronous event) to the function itself."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from remitflow.services.ports import FailedMessage

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

RECEIVE_LIMIT = 10  # SQS's most per receive
HOLD_SECONDS = 120  # a taken message's invisibility: ample for one send and one delete


class SqsFailedWork:
    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self.client = client
        self.queue_url = queue_url

    def peek(self, limit: int) -> list[FailedMessage]:
        # Visibility 0: looking hides nothing. SQS may return a message twice across receives, or not at
        # all on a short poll: collect by id over a bounded number of receives.
        seen: dict[str, FailedMessage] = {}
        for _ in range(max(1, (limit + RECEIVE_LIMIT - 1) // RECEIVE_LIMIT) + 2):
            batch = self._receive(min(RECEIVE_LIMIT, limit), visibility=0)
            if not batch:
                break
            for message in batch:
                seen.setdefault(message.message_id, message)
            if len(seen) >= limit:
                break
        return list(seen.values())[:limit]

    def take(self, limit: int) -> list[FailedMessage]:
        return self._receive(min(RECEIVE_LIMIT, limit), visibility=HOLD_SECONDS)

    def delete(self, message: FailedMessage) -> None:
        self.client.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message.receipt_handle)

    def _receive(self, count: int, *, visibility: int) -> list[FailedMessage]:
        response = self.client.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, count),
            VisibilityTimeout=visibility,
            MessageSystemAttributeNames=["SentTimestamp", "ApproximateReceiveCount"],
            WaitTimeSeconds=0,
        )
        return [
            FailedMessage(
                message_id=m["MessageId"],
                body=m["Body"],
                attributes={str(k): v for k, v in m.get("Attributes", {}).items()},
                receipt_handle=m["ReceiptHandle"],
            )
            for m in response.get("Messages", [])
        ]


class SqsTarget:
    """Back to the queue the work came from: the worker is idempotent on the chunk or follow-up id."""

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self.client = client
        self.queue_url = queue_url

    def send(self, message: FailedMessage) -> None:
        self.client.send_message(QueueUrl=self.queue_url, MessageBody=message.body)


class FunctionTarget:
    """A failed asynchronous event, invoked again (asynchronously) on the function it failed in."""

    def __init__(self, client: Any) -> None:  # a boto3 Lambda client (no stubs installed for it)
        self.client = client

    def send(self, message: FailedMessage) -> None:
        record: dict[str, Any] = json.loads(message.body)
        self.client.invoke(
            FunctionName=record["requestContext"]["functionArn"],
            InvocationType="Event",
            Payload=json.dumps(record["requestPayload"]).encode(),
        )
