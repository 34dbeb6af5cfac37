"""The follow-up queue: follow-ups leave as JSON messages, ten per request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from remitflow.domain.followups import Followup

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

SEND_BATCH_LIMIT = 10


class QueueError(RuntimeError):
    """SQS refused some messages; the caller fails so the whole (idempotent) work is retried."""


class FollowupQueue:
    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self.client = client
        self.queue_url = queue_url

    def send(self, followups: Sequence[Followup]) -> int:
        """Send every follow-up; the worker is idempotent on the id, so sending one twice is harmless."""
        unique = list({f.id: f for f in followups}.values())
        for start in range(0, len(unique), SEND_BATCH_LIMIT):
            chunk = unique[start : start + SEND_BATCH_LIMIT]
            entries: list[Any] = [
                {
                    "Id": str(index),
                    "MessageBody": followup.model_dump_json(),
                    "MessageAttributes": {"type": {"DataType": "String", "StringValue": followup.type.value}},
                }
                for index, followup in enumerate(chunk)
            ]
            response = self.client.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            failed = response.get("Failed", [])
            if failed:
                ids = ", ".join(chunk[int(f["Id"])].id for f in failed)
                reasons = "; ".join(sorted({f"{f.get('Code')}: {f.get('Message', '')}" for f in failed}))
                raise QueueError(f"SQS refused follow-ups {ids} ({reasons})")
        return len(unique)


class PostingQueue:
    """The posting queue: one chunk of a remittance's claim payments per message."""

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self.client = client
        self.queue_url = queue_url

    def send_chunks(self, chunks: Sequence[BaseModel]) -> int:
        """Send every chunk; a chunk is idempotent (deterministic posting ids), so twice is harmless."""
        for start in range(0, len(chunks), SEND_BATCH_LIMIT):
            batch = chunks[start : start + SEND_BATCH_LIMIT]
            entries: list[Any] = [
                {"Id": str(index), "MessageBody": chunk.model_dump_json()} for index, chunk in enumerate(batch)
            ]
            response = self.client.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            failed = response.get("Failed", [])
            if failed:
                reasons = "; ".join(sorted({f"{f.get('Code')}: {f.get('Message', '')}" for f in failed}))
                raise QueueError(f"SQS refused {len(failed)} posting chunk(s) ({reasons})")
        return len(chunks)
