"""How long posting a chunk takes on AWS, and the checks that keep every invocation inside its time.

A chunk is sized so that the largest needs at most half a PostingWorker's timeout (checked when the
settings are read: `check_chunk_size`); an invocation starts a chunk, a batch of a chunk or a
finish only with that work's estimate plus the reserve still left (`Deadline`). Work not started
is left to SQS (the record is reported as a batch item failure and redelivered) or to the retry of
the S3 event; everything done before is idempotent, so exactly once still holds.

The estimate is deliberately pessimistic (AWS figures, Lambda at 1 GB):
- a DynamoDB or SQS round trip: 20 ms (DynamoDB p99 for small items is under 10 ms, a
  TransactWriteItems 15-25 ms, an SQS SendMessageBatch about 20 ms);
- per batch of `batch_size` claim payments: 1 BatchGetItem (claims and postings), 3
  TransactWriteItems (claims share transactions: about 1.03 per claim alone, far fewer batched),
  5 SendMessageBatch of follow-ups (a follow-up for every claim at worst) and 3 for retries and a
  claim decided again alone: 12 round trips;
- per claim payment, parsing and deciding: 2 ms of CPU;
- per chunk: its ranged GETs, the fee schedule query and the count (about 8 round trips).
So 500 claims need 10 batches x 240 ms + 1,000 ms + 160 ms = 3.6 s, against the 90 s of half the
worker's 180 s timeout. Finishing a transaction set (the manifest, the PLB entries, the ERA on the
waiting list and its reconciliation, the summary) is budgeted at 20 s on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

ROUND_TRIP_MS = 20
ROUND_TRIPS_PER_BATCH = 12
ROUND_TRIPS_PER_CHUNK = 8
CLAIM_CPU_MS = 2
FINISH_MS = 20_000


class NoTimeLeft(RuntimeError):
    """Too little of the invocation is left to start this work: it is left for a redelivery or a retry."""


def batch_estimate_ms(claims: int) -> int:
    """One batch of `claims` claim payments (read, decide, commit, send its follow-ups)."""
    return ROUND_TRIPS_PER_BATCH * ROUND_TRIP_MS + claims * CLAIM_CPU_MS


def chunk_estimate_ms(claims: int, batch_size: int) -> int:
    """A whole chunk of `claims` claim payments posted `batch_size` at a time, counted."""
    batches = -(-claims // batch_size)
    return (
        batches * ROUND_TRIPS_PER_BATCH * ROUND_TRIP_MS + claims * CLAIM_CPU_MS + ROUND_TRIPS_PER_CHUNK * ROUND_TRIP_MS
    )


def check_chunk_size(chunk_size: int, batch_size: int, worker_timeout_s: int) -> None:
    """Refuse a chunk size whose largest chunk would need more than half the worker's timeout."""
    needed = chunk_estimate_ms(chunk_size, batch_size)
    half = worker_timeout_s * 1000 // 2
    if needed > half:
        raise ValueError(
            f"POSTING_CHUNK_SIZE {chunk_size}: a chunk is estimated at {needed} ms on AWS, more than half "
            f"of PostingWorker's {worker_timeout_s} s timeout ({half} ms); use a smaller chunk size"
        )


@dataclass(frozen=True)
class Deadline:
    """An invocation's time left (`remaining_ms`, the Lambda context's; None: no limit) less a reserve."""

    remaining_ms: Callable[[], int] | None = None
    reserve_ms: int = 0

    def allows(self, estimate_ms: int) -> bool:
        return self.remaining_ms is None or self.remaining_ms() - self.reserve_ms >= estimate_ms

    def require(self, estimate_ms: int, what: str) -> None:
        if not self.allows(estimate_ms):
            left = self.remaining_ms() if self.remaining_ms is not None else 0
            raise NoTimeLeft(
                f"not starting {what}: {left} ms left, it needs about {estimate_ms} ms "
                f"and {self.reserve_ms} ms are kept in hand"
            )
