"""Ingest one 835 file: read it once, streaming; record each transaction set (with the duplicate
check) and cut its claim payments into chunks for PostingWorker.

Each chunk goes to the posting queue as soon as it is complete (services.chunk_plan says what a
chunk names); a transaction set of one chunk is posted here, through the worker's own code, when
there is time. When the whole set is read, its manifest (header, PLB and balancing totals) is kept
under processed/manifests/ and the number of chunks goes on its record: the last chunk to be
counted, or this ingest if every chunk already was, finishes the set (services.transaction_finish).
A redelivered event, a retry after a crash and a re-upload of the same file plan the same chunks,
and chunks post exactly once (deterministic posting ids), so all of them are harmless.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from remitflow.domain.followups import Followup, FollowupType, new_followup, unreadable_file
from remitflow.domain.posting import Outcome, RemittanceRef
from remitflow.services.chunk_plan import ChunkPlanner, ClaimEvent, PostingChunk, manifest_key, plan_id
from remitflow.services.chunk_posting import ChunkResult
from remitflow.services.clock import utc_now
from remitflow.services.ports import ChunkSender, FollowupSender, InboxFiles, RemittanceStorage
from remitflow.services.posting_worker import PostingWorker
from remitflow.services.transaction_finish import FILE_MANIFEST, TransactionFinish, remittance_key
from remitflow.values import ZERO, cents, money_text
from remitflow.x12.errors import Problem, Severity
from remitflow.x12.models import BrokenClaim, ClaimPayment, TransactionEnd, TransactionHeader
from remitflow.x12.offsets import SegmentOffsets, SegmentSpan
from remitflow.x12.parser import RemittanceParser

if TYPE_CHECKING:
    from remitflow.services.reconciliation import Reconciliation

logger = Logger(child=True)

POSTED_OUTCOMES = frozenset({Outcome.POSTED, Outcome.FORWARDED, Outcome.REVERSED})
MAX_LISTED = 50  # errors kept in a transaction set's manifest, per list
SEND_BATCH = 10  # chunks per SendMessageBatch


class OutOfTime(RuntimeError):
    """Too little of the invocation is left to read the file: fail now, and the retry starts over
    (everything done so far is idempotent)."""


@dataclass
class TransactionSummary:
    """What happened to one 835 transaction set; money as Decimal until it is written out."""

    control_number: str
    payer_id: str
    trace_number: str
    payment_amount: Decimal
    payment_date: str | None
    payment_method: str
    duplicate_of: str | None = None
    claim_payments: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    posted_payment: Decimal = ZERO
    unapplied_cash: Decimal = ZERO
    provider_adjustments: Decimal = ZERO
    status: str = "posting"
    chunks_total: int | None = None

    @property
    def accounted(self) -> Decimal:
        """Where BPR02 went: posted + held - kept by the payer; equals BPR02 when every cent has a place."""
        return cents(self.posted_payment + self.unapplied_cash - self.provider_adjustments)

    def as_json(self) -> dict[str, Any]:
        return {
            "control_number": self.control_number,
            "payer_id": self.payer_id,
            "trace_number": self.trace_number,
            "payment_amount": money_text(self.payment_amount),
            "payment_date": self.payment_date,
            "payment_method": self.payment_method,
            "duplicate_of": self.duplicate_of,
            "claim_payments": self.claim_payments,
            "outcomes": dict(sorted(self.outcomes.items())),
            "posted_payment": money_text(self.posted_payment),
            "unapplied_cash": money_text(self.unapplied_cash),
            "provider_adjustments": money_text(self.provider_adjustments),
            "money_accounted_for": self.duplicate_of is not None or self.accounted == self.payment_amount,
            "status": "duplicate" if self.duplicate_of is not None else self.status,
            "chunks_done": 0,
            "chunks_total": self.chunks_total,
        }


@dataclass
class IngestSummary:
    source_key: str
    version_id: str | None
    processed_at: datetime
    transactions: list[TransactionSummary] = field(default_factory=list)
    followups_by_type: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    unreadable: bool = False
    eras_opened: int = 0  # remittances now waiting for their deposit
    chunks_sent: int = 0  # to the posting queue; the rest of the claims were posted here
    posted_followups: Counter[str] = field(default_factory=Counter)  # raised by chunks posted here

    @property
    def followups_raised(self) -> Counter[str]:
        """Every follow-up this invocation raised: the file's and those of the chunks it posted."""
        return self.followups_by_type + self.posted_followups

    @property
    def status(self) -> str:
        """processed once every transaction set is posted (or a duplicate), else posting."""
        pending = [t for t in self.transactions if t.duplicate_of is None and t.status != "posted"]
        return "posting" if pending else "processed"

    @property
    def claims_posted(self) -> int:
        return sum(t.outcomes[o] for t in self.transactions for o in POSTED_OUTCOMES)

    @property
    def dollars_posted(self) -> Decimal:
        return cents(sum((t.posted_payment for t in self.transactions), ZERO))

    def as_json(self) -> dict[str, Any]:
        return {
            "source_key": self.source_key,
            "version_id": self.version_id,
            "processed_at": self.processed_at.isoformat(),
            "status": "unreadable" if self.unreadable else self.status,
            "claims_posted": self.claims_posted,
            "dollars_posted": money_text(self.dollars_posted),
            "followups_by_type": dict(sorted(self.followups_by_type.items())),
            "transactions": [t.as_json() for t in self.transactions],
            "problems": [p.model_dump(mode="json") for p in self.problems],
        }


class RemittanceIngest:
    """The use case behind RemittanceIngest; every dependency is passed in (AWS, moto or a fake)."""

    def __init__(
        self,
        *,
        inbox: InboxFiles,
        remittances: RemittanceStorage,
        queue: FollowupSender,
        chunks: ChunkSender,
        worker: PostingWorker,
        finish: TransactionFinish,
        chunk_size: int = 500,
        time_reserve_ms: int = 30_000,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.inbox = inbox
        self.remittances = remittances
        self.queue = queue
        self.chunks = chunks
        self.worker = worker
        self.finisher = finish
        self.chunk_size = chunk_size
        self.time_reserve_ms = time_reserve_ms
        self.clock = clock

    def ingest(
        self, key: str, version_id: str | None = None, *, remaining_ms: Callable[[], int] | None = None
    ) -> IngestSummary:
        """Read the file and plan (or post) its chunks. `remaining_ms` is the invocation's time left:
        a file is not started, and a one-chunk set not posted here, with less than the reserve."""
        self.remaining_ms = remaining_ms
        if not self.has_time():
            raise OutOfTime(f"{key}: less than {self.time_reserve_ms} ms left; not starting")
        summary = IngestSummary(source_key=key, version_id=version_id, processed_at=self.clock())
        plan = plan_id(version_id, self.chunk_size)
        offsets = SegmentOffsets()
        parser = RemittanceParser(self.inbox.stream(key, version_id), offsets=offsets)
        envelope: list[SegmentSpan] = []
        runs: list[_TransactionRun] = []
        run: _TransactionRun | None = None
        seen: set[str] = set()
        for event in parser:
            if isinstance(event, TransactionHeader):
                run = _TransactionRun(self, event, summary, plan, len(runs), offsets, envelope)
                runs.append(run)
                seen.add(event.control_number)
            elif run is None:  # pragma: no cover - the reader emits a header before any claim
                continue
            elif isinstance(event, ClaimPayment | BrokenClaim):
                run.add(event)
            elif isinstance(event, TransactionEnd):
                run.finish(event)
                run = None
        summary.problems = [p for p in parser.problems if p.severity is Severity.ERROR]
        self._file_problems(summary, parser, seen)
        document = summary.as_json()
        for entry, r in zip(document["transactions"], runs, strict=True):
            entry["remittance_key"] = r.era_key_json()  # where its progress is (None: a duplicate)
        self.inbox.put_json(
            manifest_key(key, plan, FILE_MANIFEST),
            {
                "plan": plan,
                "summary": document,
                "transactions": [
                    {"key": r.era_key_json(), "summary": entry}
                    for r, entry in zip(runs, document["transactions"], strict=True)
                ],
            },
        )
        if self.finisher.refresh_summary(key, plan) is None:  # pragma: no cover - the manifest was just written
            self.inbox.put_summary(key, document)
        return summary

    @property
    def reconciliation(self) -> Reconciliation | None:
        """The matcher the finish of a transaction set hands its ERA to."""
        return self.finisher.reconciliation

    def has_time(self) -> bool:
        return self.remaining_ms is None or self.remaining_ms() > self.time_reserve_ms

    def _file_problems(self, summary: IngestSummary, parser: RemittanceParser, seen: set[str]) -> None:
        """Errors no claim or transaction follow-up covers: the file (or part of it) could not be read."""
        outside = [p for p in summary.problems if p.transaction is None or p.transaction not in seen]
        summary.unreadable = parser.transactions_read == 0
        if not outside and not summary.unreadable:
            return
        problems = outside or summary.problems or [Problem(severity=Severity.ERROR, message="no 835 transaction set")]
        reason = "the file could not be read as an 835" if summary.unreadable else "parts of the file could not be read"
        followup = unreadable_file(
            summary.source_key,
            summary.version_id,
            reason=reason,
            created_at=summary.processed_at,
            problems=[p.model_dump(mode="json") for p in problems],
        )
        self.send(summary, [followup])
        logger.warning(reason, extra={"problem_count": len(problems)})

    def send(self, summary: IngestSummary, followups: Iterable[Followup]) -> None:
        followups = list(followups)
        if followups:
            self.queue.send(followups)
            summary.followups_by_type.update(f.type.value for f in followups)


def era_header(header: TransactionHeader) -> dict[str, Any]:
    """What the ERA's view shows of the header (N1*PR, N1*PE, DTM*405), on the record the duplicate
    check writes anyway: the view reads no file."""
    payer, payee = header.payer, header.payee
    return {
        "payer_name": payer.name if payer else None,
        "payee_name": payee.name if payee else None,
        "payee_id": (payee.identifier if payee else None),
        "payee_id_qualifier": (payee.identifier_qualifier if payee else None),
        "production_date": header.production_date,
    }


class _TransactionRun:
    """One 835 transaction set being read: its record, its chunks, its manifest."""

    def __init__(
        self,
        ingest: RemittanceIngest,
        header: TransactionHeader,
        summary: IngestSummary,
        plan: str,
        index: int,
        offsets: SegmentOffsets,
        envelope: list[SegmentSpan],
    ) -> None:
        self.ingest = ingest
        self.summary = summary
        self.now = summary.processed_at
        self.header = header
        self.plan = plan
        self.index = index
        self.remittance = RemittanceRef.from_header(header, summary.source_key)
        self.key = remittance_key(header, summary.source_key)
        payment = header.payment
        self.totals = TransactionSummary(
            control_number=header.control_number,
            payer_id=self.remittance.payer_id,
            trace_number=self.remittance.trace_number,
            payment_amount=payment.amount,
            payment_date=None if payment.effective_date is None else payment.effective_date.isoformat(),
            payment_method=payment.method,
        )
        summary.transactions.append(self.totals)
        self.first_chunk: list[ClaimEvent] | None = []  # kept while the set may be one chunk
        self.outbox: list[PostingChunk] = []
        self.planner: ChunkPlanner | None = None
        if self._claim_remittance(header):
            ingest.remittances.start_posting(self.key, plan)
            self.planner = ChunkPlanner(
                source_key=summary.source_key,
                version_id=summary.version_id,
                era=self.key,
                plan=plan,
                size=ingest.chunk_size,
                transaction=index,
                header=header,
                offsets=offsets,
                envelope=envelope,
            )

    def era_key_json(self) -> dict[str, Any] | None:
        """The record's key, for the file's manifest; None for a duplicate (nothing of it is posted)."""
        if self.planner is None:
            return None
        k = self.key
        date = None if k.payment_date is None else k.payment_date.isoformat()
        return {"payer_id": k.payer_id, "trace_number": k.trace_number, "amount": str(k.amount), "payment_date": date}

    def _claim_remittance(self, header: TransactionHeader) -> bool:
        """Record the remittance as this file's; False (and a DUPLICATE_REMITTANCE) when another file has it."""
        payment = header.payment
        record = {
            "source_key": self.summary.source_key,
            "version_id": self.summary.version_id,
            "payer_id": self.remittance.payer_id,
            "trace_number": self.remittance.trace_number,
            "payment_amount": payment.amount,
            "payment_date": payment.effective_date,
            "payment_method": payment.method,
            "credit_debit": payment.credit_debit,
            "control_number": header.control_number,
            "received_at": self.now,
        } | era_header(header)
        existing = self.ingest.remittances.claim_remittance(self.key, record)
        if existing is None:
            return True
        first = str(existing.get("source_key", "another file"))
        self.totals.duplicate_of = first
        followup = new_followup(
            FollowupType.DUPLICATE_REMITTANCE,
            key=("duplicate", self.key.era_id, self.summary.source_key),
            created_at=self.now,
            source=self.summary.source_key,
            payer_id=self.remittance.payer_id,
            amount=payment.amount,
            detail={
                "reason": f"this remittance was already posted from {first}; nothing was posted from this file",
                "trace_number": self.remittance.trace_number,
                "payment_amount": money_text(payment.amount),
                "payment_date": self.totals.payment_date,
                "first_source": first,
                "first_received_at": str(existing.get("received_at", "")),
            },
        )
        self.ingest.send(self.summary, [followup])
        logger.warning("duplicate remittance skipped", extra={"trace_number": self.key.trace_number})
        return False

    # -- claims ----------------------------------------------------------------------------------

    def add(self, event: ClaimEvent) -> None:
        if self.planner is None:
            return
        closed = self.planner.add(event)
        if closed is not None:
            self.first_chunk = None  # more than one chunk: every chunk goes to the queue
            self._queue(closed)
        if self.first_chunk is not None:
            self.first_chunk.append(event)

    def _queue(self, chunk: PostingChunk) -> None:
        self.outbox.append(chunk)
        if len(self.outbox) >= SEND_BATCH:
            self._send_chunks()

    def _send_chunks(self) -> None:
        if self.outbox:
            self.ingest.chunks.send_chunks(self.outbox)
            self.summary.chunks_sent += len(self.outbox)
            self.outbox = []

    # -- end of the transaction set --------------------------------------------------------------

    def finish(self, end: TransactionEnd) -> None:
        if self.planner is None:
            return
        last = self.planner.finish()
        self._keep_manifest(end)
        total = self.planner.chunks_closed
        self.totals.chunks_total = total
        worker = self.ingest.worker
        if last is not None and self.first_chunk is not None and self.ingest.has_time():
            # One chunk: post it here, through the worker's code, and count it like the worker would.
            result = worker.post_events(last, self.header, self.first_chunk, received_at=self.now)
            self.first_chunk = None
            self.ingest.remittances.set_chunk_total(self.key, self.plan, total)
            outcome = worker.count(last, self.key, result)
            self._posted_here(result, era_opened=outcome.era_opened)
            return
        if last is not None:
            self._queue(last)
        self._send_chunks()
        record = self.ingest.remittances.set_chunk_total(self.key, self.plan, total)
        # Every chunk may have been counted before the total was known: then finishing is ours.
        opened = self.ingest.finisher.finish_if_ready(self.summary.source_key, self.plan, self.index, record)
        if opened is not None:
            self.totals.status = "posted"
            self.summary.eras_opened += int(opened)

    def _posted_here(self, result: ChunkResult, *, era_opened: bool) -> None:
        t = self.totals
        t.claim_payments += result.claim_payments
        t.outcomes.update(result.outcomes)
        t.posted_payment += result.posted_payment
        t.unapplied_cash += result.unapplied_cash
        self.summary.posted_followups.update(result.followups)
        t.status = "posted"
        self.summary.eras_opened += int(era_opened)

    def _keep_manifest(self, end: TransactionEnd) -> None:
        """What finishing the set needs and the chunks do not carry: its header, PLB and balancing."""
        totals = end.totals.model_copy(
            update={
                "header_groups": [],
                "balance_errors": end.totals.balance_errors[:MAX_LISTED],
                "errors": end.totals.errors[:MAX_LISTED],
                "unrecognized_segments": end.totals.unrecognized_segments[:MAX_LISTED],
            }
        )
        self.ingest.inbox.put_json(
            manifest_key(self.summary.source_key, self.plan, str(self.index)),
            {"header": self.header.model_dump(mode="json"), "totals": totals.model_dump(mode="json")},
        )
