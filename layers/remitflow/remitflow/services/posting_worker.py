"""PostingWorker's use case: post one chunk of a remittance, count it, finish its set if it is last.

The worker reads only the chunk's byte ranges (ranged GETs: the envelope, the transaction's header,
its claims), or for a chunk planned by claim ordinals streams the object, never holding it whole.
It checks that it read the claims the ingest planned (their CLP01 fingerprint), posts them with the
posting engine (services.chunk_posting), then counts the chunk on the remittance's record, once,
and finishes the transaction set when that count was the last (services.transaction_finish).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools import Logger

from remitflow.domain.posting import RemittanceRef
from remitflow.domain.underpayment import UnderpaymentTolerance
from remitflow.services.chunk_plan import ClaimEvent, PostingChunk, fingerprint
from remitflow.services.chunk_posting import ChunkPoster, ChunkResult
from remitflow.services.clock import utc_now
from remitflow.services.ports import ClaimStorage, FollowupSender, InboxFiles, RemittanceKey, RemittanceStorage
from remitflow.services.time_budget import FINISH_MS, Deadline, chunk_estimate_ms
from remitflow.services.transaction_finish import TransactionFinish, ready_to_finish, remittance_key
from remitflow.x12.models import BrokenClaim, ClaimPayment, TransactionHeader
from remitflow.x12.parser import RemittanceParser

logger = Logger(child=True)


class ChunkMismatch(ValueError):
    """The chunk's bytes do not hold the claims the ingest planned (the object changed, or a bug):
    nothing is posted; the message ends in the dead-letter queue and the ERA is marked failed."""


@dataclass(frozen=True)
class ChunkOutcome:
    result: ChunkResult
    counted: bool  # False: this chunk was already counted (a redelivery)
    finished: bool  # this chunk's count finished its transaction set
    era_opened: bool = False  # ... and put its ERA on the reconciliation waiting list


class PostingWorker:
    def __init__(
        self,
        *,
        inbox: InboxFiles,
        claims: ClaimStorage,
        remittances: RemittanceStorage,
        queue: FollowupSender,
        tolerance: UnderpaymentTolerance,
        finish: TransactionFinish,
        batch_size: int = 50,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.inbox = inbox
        self.claims = claims
        self.remittances = remittances
        self.queue = queue
        self.tolerance = tolerance
        self.finisher = finish
        self.batch_size = batch_size
        self.clock = clock

    def post(self, chunk: PostingChunk, deadline: Deadline | None = None) -> ChunkOutcome:
        """Post the chunk, count it, finish its set if it was the last; `deadline` says what time is
        left: a chunk, a batch or a finish that cannot be done in it raises NoTimeLeft unstarted."""
        deadline = deadline or Deadline()
        deadline.require(chunk_estimate_ms(chunk.count, self.batch_size), f"chunk {chunk.chunk}")
        header, events = self.read(chunk)
        key = chunk.era.key()
        if remittance_key(header, chunk.source_key) != key:
            raise ChunkMismatch(f"{chunk.source_key}: chunk {chunk.chunk} is of another remittance than planned")
        record = self.remittances.remittance(key) or {}
        if record.get("plan") != chunk.plan:  # a newer upload of the file took over: it posts its own chunks
            logger.info("chunk of an older plan skipped", extra={"source_key": chunk.source_key, "chunk": chunk.chunk})
            return ChunkOutcome(ChunkResult(), counted=False, finished=False)
        result = self.post_events(chunk, header, events, received_at=_received_at(record), deadline=deadline)
        return self.count(chunk, key, result, deadline)

    def post_events(
        self,
        chunk: PostingChunk,
        header: TransactionHeader,
        events: list[ClaimEvent],
        *,
        received_at: datetime | None,
        deadline: Deadline | None = None,
    ) -> ChunkResult:
        poster = ChunkPoster(
            claims=self.claims,
            remittances=self.remittances,
            queue=self.queue,
            tolerance=self.tolerance,
            remittance=RemittanceRef.from_header(header, chunk.source_key),
            now=received_at or self.clock(),
            clock=self.clock,
            batch_size=self.batch_size,
            deadline=deadline,
        )
        return poster.post(events, chunk.occurrences)

    def count(
        self, chunk: PostingChunk, key: RemittanceKey, result: ChunkResult, deadline: Deadline | None = None
    ) -> ChunkOutcome:
        """Count the chunk (once) and finish its set when this was the last chunk to be counted. With
        too little time left for the finish, NoTimeLeft: the redelivery finds the chunk counted and
        the set ready, and finishes it."""
        record = self.remittances.complete_chunk(key, chunk.plan, chunk.chunk, result.as_item())
        counted = record is not None
        if record is not None and not ready_to_finish(record):
            self.finisher.refresh_summary(chunk.source_key, chunk.plan)  # chunks done of total, for people
        if record is None:
            # Counted before: by a redelivery of this chunk, or by an attempt that crashed before it
            # could finish the set. The record says whether the finish is still to be done.
            record = self.remittances.remittance(key)
            if record is None or record.get("plan") != chunk.plan or not ready_to_finish(record):
                return ChunkOutcome(result, counted=False, finished=False)
        if ready_to_finish(record):
            (deadline or Deadline()).require(FINISH_MS, f"the finish of transaction set {chunk.set_index}")
        opened = self.finisher.finish_if_ready(chunk.source_key, chunk.plan, chunk.set_index, record)
        return ChunkOutcome(result, counted=counted, finished=opened is not None, era_opened=bool(opened))

    def give_up(self, chunk: PostingChunk, reason: str) -> None:
        """The chunk failed its last attempt: the remittance shows as failed (its message is kept in
        the dead-letter queue, and its file in the versioned bucket, to be redriven once fixed)."""
        self.remittances.mark_failed(chunk.era.key(), chunk.plan, chunk.chunk, reason)
        self.finisher.refresh_summary(chunk.source_key, chunk.plan)

    # -- reading the chunk ----------------------------------------------------------------------

    def read(self, chunk: PostingChunk) -> tuple[TransactionHeader, list[ClaimEvent]]:
        parser = RemittanceParser(self._bytes(chunk), first_claim_number=chunk.first_claim_number)
        header: TransactionHeader | None = None
        events: list[ClaimEvent] = []
        headers = -1
        seen = 0
        for event in parser:
            if isinstance(event, TransactionHeader):
                headers += 1
                if headers == chunk.transaction:
                    header = event
                elif headers > chunk.transaction:
                    break
            elif headers == chunk.transaction and isinstance(event, ClaimPayment | BrokenClaim):
                if seen >= chunk.skip:
                    events.append(event)
                seen += 1
                if len(events) == chunk.count:
                    break
        if header is None or len(events) != chunk.count:
            raise ChunkMismatch(
                f"{chunk.source_key}: chunk {chunk.chunk} should hold {chunk.count} claim payment(s); "
                f"its bytes hold {len(events)}"
            )
        readable = sum(1 for e in events if isinstance(e, ClaimPayment))
        if fingerprint(e.patient_control_number for e in events) != chunk.fingerprint or readable != len(
            chunk.occurrences
        ):
            raise ChunkMismatch(f"{chunk.source_key}: chunk {chunk.chunk} holds other claims than were planned")
        return header, events

    def _bytes(self, chunk: PostingChunk) -> Iterator[bytes]:
        if not chunk.parts:
            yield from self.inbox.stream(chunk.source_key, chunk.version_id)
            return
        for start, end in chunk.parts:
            yield from self.inbox.read_range(chunk.source_key, chunk.version_id, start, end)


def _received_at(record: dict[str, object]) -> datetime | None:
    value = record.get("received_at")
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
