"""Failed work, seen and sent back: the dead-letter queues and the functions' failure queue.

Three places hold work a function gave up on: FollowupDeadLetterQueue (follow-ups FollowupWorker
could not open), PostingDeadLetterQueue (chunks PostingWorker could not post) and FunctionFailureQueue
(S3 and scheduled events a function failed three times; Lambda's record carries the error). Each
message is described by what failed, when, in which function, with what error and which object key:
never by its body, which can name patients. A redrive sends each message back to the work's own
way in (the queue it came from, or the function it failed in), then deletes it; every consumer is
idempotent, so a redrive that is repeated, or interrupted between the send and the delete, is harmless.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from remitflow.domain.followups import Followup
from remitflow.services.chunk_plan import PostingChunk
from remitflow.services.ports import FailedMessage, FailedWorkQueue, WorkTarget

FOLLOWUPS, POSTING, FUNCTIONS = "followups", "posting", "functions"
QUEUES = (FOLLOWUPS, POSTING, FUNCTIONS)
ERROR_LIMIT = 300  # characters of an error message shown
MAX_REDRIVE = 1000  # messages one redrive moves at most


@dataclass(frozen=True)
class FailedWork:
    queue: str
    message_id: str
    function: str
    what: str  # the work, by ids and keys
    error: str
    object_key: str | None
    failed_at: datetime | None
    attempts: int
    details: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "queue": self.queue,
            "message_id": self.message_id,
            "function": self.function,
            "what": self.what,
            "error": self.error,
            "object_key": self.object_key,
            "failed_at": None if self.failed_at is None else self.failed_at.isoformat(),
            "attempts": self.attempts,
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class Redrive:
    queue: str
    moved: int
    message_ids: tuple[str, ...]


class UnknownQueue(ValueError):
    pass


class Failures:
    def __init__(self, queues: Mapping[str, FailedWorkQueue], targets: Mapping[str, WorkTarget]) -> None:
        self.queues = queues
        self.targets = targets

    def pending(self, queue: str | None = None, limit: int = 50) -> list[FailedWork]:
        names = [self._known(queue)] if queue else list(QUEUES)
        found = [describe(name, message) for name, message in self._peek(names, limit)]
        return sorted(found, key=lambda w: (w.failed_at or datetime.min.replace(tzinfo=UTC), w.message_id))[:limit]

    def show(self, message_id: str) -> FailedWork | None:
        held = (describe(name, m) for name, m in self._peek(QUEUES, MAX_REDRIVE) if m.message_id == message_id)
        return next(held, None)

    def _peek(self, names: Iterable[str], limit: int) -> Iterator[tuple[str, FailedMessage]]:
        """Each queue's messages in turn, up to `limit` of each, left where they are."""
        for name in names:
            for message in self.queues[name].peek(limit):
                yield name, message

    def redrive(self, queue: str, limit: int = MAX_REDRIVE) -> Redrive:
        """Send up to `limit` messages back, each sent before it is deleted, in the order received."""
        name = self._known(queue)
        source, target = self.queues[name], self.targets[name]
        moved: list[str] = []
        while len(moved) < min(limit, MAX_REDRIVE):
            batch = source.take(min(10, limit - len(moved)))
            if not batch:
                break
            for message in batch:
                target.send(message)  # raises: the rest stay (and reappear) in the queue
                source.delete(message)
                moved.append(message.message_id)
        return Redrive(name, len(moved), tuple(moved))

    @staticmethod
    def _known(queue: str | None) -> str:
        if queue not in QUEUES:
            raise UnknownQueue(f"queue: expected one of {', '.join(QUEUES)}, found {queue!r}")
        return queue


def describe(queue: str, message: FailedMessage) -> FailedWork:
    if queue == FUNCTIONS:
        return _function_failure(message)
    attempts = int(message.attributes.get("ApproximateReceiveCount", "0") or 0)
    sent = _timestamp(message.attributes.get("SentTimestamp"))
    consumer = _CONSUMERS[queue]
    try:
        what, object_key, details = consumer.read(message.body)
    except ValidationError:
        return _unreadable(queue, consumer.function, message, attempts, sent)
    error = f"{consumer.function} failed it on every delivery: its log has the error, by message id"
    return FailedWork(queue, message.message_id, consumer.function, what, error, object_key, sent, attempts, details)


# What a message is, by ids and keys: (what, object key, details).
Described = tuple[str, str | None, dict[str, Any]]


def _chunk(body: str) -> Described:
    chunk = PostingChunk.model_validate_json(body)
    what = f"posting chunk {chunk.chunk} of transaction set {chunk.set_index}"
    return what, chunk.source_key, {"set_index": chunk.set_index, "chunk": chunk.chunk}


def _followup(body: str) -> Described:
    followup = Followup.model_validate_json(body)
    details = {"followup_id": followup.id, "type": followup.type.value, "claim_id": followup.claim_id}
    return f"follow-up {followup.id} ({followup.type.value})", followup.source, details


@dataclass(frozen=True)
class _Consumer:
    function: str  # the function that gave up on the queue's messages
    carries: str  # what its messages are, for one that is not
    read: Callable[[str], Described]


_CONSUMERS = {
    POSTING: _Consumer("PostingWorker", "a posting chunk", _chunk),
    FOLLOWUPS: _Consumer("FollowupWorker", "a follow-up", _followup),
}


def _function_failure(message: FailedMessage) -> FailedWork:
    """Lambda's on-failure record: requestContext, requestPayload (the event), responsePayload (the error)."""
    try:
        record = json.loads(message.body)
        context = record["requestContext"]
        function = str(context["functionArn"]).split(":function:", 1)[1].split(":", 1)[0]
    except (ValueError, KeyError, IndexError, TypeError):
        return _unreadable(FUNCTIONS, "unknown", message, 0, _timestamp(message.attributes.get("SentTimestamp")))
    response = record.get("responsePayload") or {}
    error_type = str(response.get("errorType") or context.get("condition") or "failed")
    error = f"{error_type}: {_safe(str(response.get('errorMessage') or ''))}".rstrip(": ")
    payload = record.get("requestPayload") or {}
    keys = [r["s3"]["object"]["key"] for r in payload.get("Records", []) if isinstance(r, dict) and "s3" in r]
    failed_at = None
    if record.get("timestamp"):
        failed_at = datetime.fromisoformat(str(record["timestamp"]).replace("Z", "+00:00"))
    return FailedWork(
        FUNCTIONS,
        message.message_id,
        function,
        f"{'S3 event' if keys else 'event'} for {function}",
        error,
        keys[0] if keys else None,
        failed_at,
        int(context.get("approximateInvokeCount") or 0),
        {"request_id": context.get("requestId"), "condition": context.get("condition"), "object_keys": keys},
    )


def _unreadable(queue: str, function: str, message: FailedMessage, attempts: int, at: datetime | None) -> FailedWork:
    carries = _CONSUMERS[queue].carries if queue in _CONSUMERS else "a Lambda failure record"
    what = f"a message that is not {carries} ({len(message.body)} bytes)"
    return FailedWork(queue, message.message_id, function, what, "unreadable message", None, at, attempts)


# pydantic and friends quote the input they refused: never show a quoted value.
_QUOTED = re.compile(r"input_value=.*?(,|\]|$)|'[^']*'|\"[^\"]*\"")


def _safe(text: str) -> str:
    return _QUOTED.sub("…", text)[:ERROR_LIMIT]


def _timestamp(millis: str | None) -> datetime | None:
    if not millis or not millis.isdigit():
        return None
    return datetime.fromtimestamp(int(millis) / 1000, tz=UTC)
