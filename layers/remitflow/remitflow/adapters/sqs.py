"""The follow-up queue: follow-ups leave as JSON messages, ten per request (and at most SQS's
256 KiB per message and per request: a larger follow-up is cut to fit, see domain.followup_size)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from pydantic import BaseModel

from remitflow.domain.followup_size import fit
from remitflow.domain.followups import Followup

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

logger = Logger(child=True)

SEND_BATCH_LIMIT = 10
MESSAGE_LIMIT = 256 * 1024  # bytes of body and attributes, per message and per SendMessageBatch
ATTRIBUTES_ALLOWANCE = 1024  # the `type` attribute, with room to spare


class QueueError(RuntimeError):
    """SQS refused some messages; the caller fails so the whole (idempotent) work is retried."""


class FollowupQueue:
    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self.client = client
        self.queue_url = queue_url

    def send(self, followups: Sequence[Followup]) -> int:
        """Send every follow-up; the worker is idempotent on the id, so sending one twice is harmless."""
        unique = list({f.id: f for f in followups}.values())
        for batch in _batches([(f, self._body(f)) for f in unique]):
            entries: list[Any] = [
                {
                    "Id": str(index),
                    "MessageBody": body,
                    "MessageAttributes": {"type": {"DataType": "String", "StringValue": followup.type.value}},
                }
                for index, (followup, body) in enumerate(batch)
            ]
            response = self.client.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            failed = response.get("Failed", [])
            if failed:
                ids = ", ".join(batch[int(f["Id"])][0].id for f in failed)
                reasons = "; ".join(sorted({f"{f.get('Code')}: {f.get('Message', '')}" for f in failed}))
                raise QueueError(f"SQS refused follow-ups {ids} ({reasons})")
        return len(unique)

    @staticmethod
    def _body(followup: Followup) -> str:
        fitted = fit(followup, MESSAGE_LIMIT - ATTRIBUTES_ALLOWANCE)
        if fitted is not followup:  # ids and sizes only: the detail may name the patient
            logger.warning("follow-up detail cut to fit a message", extra={"followup_id": followup.id})
        return fitted.model_dump_json()


def _batches(messages: list[tuple[Followup, str]]) -> list[list[tuple[Followup, str]]]:
    """Up to ten messages per request, and no more bytes than one request carries."""
    batches: list[list[tuple[Followup, str]]] = []
    size = 0
    for message in messages:
        bytes_ = len(message[1].encode()) + ATTRIBUTES_ALLOWANCE
        if not batches or len(batches[-1]) == SEND_BATCH_LIMIT or size + bytes_ > MESSAGE_LIMIT:
            batches.append([])
            size = 0
        batches[-1].append(message)
        size += bytes_
    return batches


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
