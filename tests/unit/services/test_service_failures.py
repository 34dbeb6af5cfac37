"""Failed work described without its body (dict-backed queues): what failed, in which function, which
object key; a message that is not what its queue carries is said to be so; `show` finds any queue's."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from remitflow.domain.followups import FollowupType, new_followup
from remitflow.services.chunk_plan import EraKey, PostingChunk
from remitflow.services.failures import FOLLOWUPS, FUNCTIONS, POSTING, Failures
from remitflow.services.ports import FailedMessage

SENT = {"SentTimestamp": "1737028800000", "ApproximateReceiveCount": "3"}  # 2025-01-16 12:00 UTC


class Held:
    def __init__(self, *messages: FailedMessage) -> None:
        self.messages = list(messages)

    def peek(self, limit: int) -> list[FailedMessage]:
        return self.messages[:limit]

    def take(self, limit: int) -> list[FailedMessage]:
        return self.messages[:limit]

    def delete(self, message: FailedMessage) -> None:
        self.messages.remove(message)


class Sent:
    def __init__(self) -> None:
        self.messages: list[FailedMessage] = []

    def send(self, message: FailedMessage) -> None:
        self.messages.append(message)


def chunk_body() -> str:
    era = EraKey(payer_id="1411289245", trace_number="0123456789", amount=Decimal("319.50"))
    chunk = PostingChunk(
        source_key="remittances/acme.835",
        era=era,
        plan="p1",
        set_index=0,
        chunk=2,
        count=1,
        occurrences=[0],
        fingerprint="f",
    )
    return chunk.model_dump_json()


def followup_body() -> str:
    followup = new_followup(
        FollowupType.DENIED,
        key=("k",),
        created_at=datetime(2025, 1, 16, tzinfo=UTC),
        source="remittances/acme.835",
        claim_id="PCN1002",
        detail={"patient": "RIVERA ANA"},
    )
    return followup.model_dump_json()


def failures() -> Failures:
    queues = {
        POSTING: Held(FailedMessage("p1", chunk_body(), SENT), FailedMessage("p2", "{}", SENT)),
        FOLLOWUPS: Held(FailedMessage("f1", followup_body(), SENT), FailedMessage("f2", "RIVERA ANA", SENT)),
        FUNCTIONS: Held(FailedMessage("x1", "not json", {})),
    }
    return Failures(queues, {name: Sent() for name in queues})


def test_each_queue_s_messages_are_described_by_ids_and_keys_never_by_body() -> None:
    found = {work.message_id: work for work in failures().pending()}

    chunk, followup = found["p1"], found["f1"]
    assert (chunk.function, chunk.what, chunk.object_key) == (
        "PostingWorker",
        "posting chunk 2 of transaction set 0",
        "remittances/acme.835",
    )
    assert chunk.error == "PostingWorker failed it on every delivery: its log has the error, by message id"
    assert (chunk.attempts, chunk.failed_at) == (3, datetime(2025, 1, 16, 12, tzinfo=UTC))
    assert dict(chunk.details) == {"set_index": 0, "chunk": 2}
    assert (followup.function, followup.object_key) == ("FollowupWorker", "remittances/acme.835")
    assert followup.what.startswith("follow-up ") and followup.what.endswith(" (denied)")
    assert followup.error == "FollowupWorker failed it on every delivery: its log has the error, by message id"
    assert dict(followup.details)["claim_id"] == "PCN1002"
    assert found["p2"].what == "a message that is not a posting chunk (2 bytes)"
    assert found["f2"].what == "a message that is not a follow-up (10 bytes)"
    assert found["x1"].what == "a message that is not a Lambda failure record (8 bytes)"
    assert (found["p2"].function, found["f2"].function, found["x1"].function) == (
        "PostingWorker",
        "FollowupWorker",
        "unknown",
    )
    assert {found[i].error for i in ("p2", "f2", "x1")} == {"unreadable message"}
    assert "RIVERA" not in json.dumps([w.as_json() for w in found.values()])


def test_pending_is_oldest_first_at_most_limit_and_show_finds_any_queue_s() -> None:
    work = failures()

    assert [w.message_id for w in work.pending(limit=3)] == ["x1", "f1", "f2"]  # no time first, then by id
    assert [w.message_id for w in work.pending(POSTING)] == ["p1", "p2"]
    shown = work.show("f2")
    assert shown is not None and shown.queue == FOLLOWUPS
    assert work.show("nope") is None
