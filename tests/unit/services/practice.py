"""One small practice on the in-memory fakes: the services wired as runtime.py wires them, the
sample claims, fee schedule, 835s and bank file at hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tests.unit.services.fakes import (
    FakeClaims,
    FakeInbox,
    FakePostingQueue,
    FakeQueue,
    FakeReconciliation,
    FakeRemittances,
    FakeWorklist,
)

from remitflow.domain.followups import Followup
from remitflow.domain.posting import DEFAULT_TOLERANCE
from remitflow.services.ingest_deposits import DepositIngest, DepositSummary
from remitflow.services.ingest_remittance import IngestSummary, RemittanceIngest
from remitflow.services.posting_worker import PostingWorker
from remitflow.services.reconciliation import Reconciliation
from remitflow.services.reference_import import ImportSummary, ReferenceImport
from remitflow.services.transaction_finish import TransactionFinish
from remitflow.services.worklist import Worklist
from remitflow.services.worklist_intake import WorklistIntake

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
ACME = "remittances/acme-ach-2025-01-16.835"
ACME_FILE = (SAMPLES / "remittances" / "acme-ach-2025-01-16.835").read_bytes()
CLAIMS_FILE = (SAMPLES / "claims" / "lakeside-open-claims-2025-01.csv").read_bytes()
FEES_FILE = (SAMPLES / "fee-schedules" / "acme-health-plan-2025.csv").read_bytes()
BAI = "deposits/first-national-2025-01-16.bai"
BAI_FILE = (SAMPLES / "deposits" / "first-national-2025-01-16.bai").read_bytes()
NOW = datetime(2025, 1, 17, 9, 30, tzinfo=UTC)


@dataclass
class Practice:
    inbox: FakeInbox = field(default_factory=FakeInbox)
    queue: FakeQueue = field(default_factory=FakeQueue)
    remittances: FakeRemittances = field(default_factory=FakeRemittances)
    chunks: FakePostingQueue = field(default_factory=FakePostingQueue)
    now: datetime = NOW
    delivered: int = 0  # how many of the queue's messages the worklist has taken in

    def __post_init__(self) -> None:
        self.claims = FakeClaims(self.remittances)
        self.reconciliation = FakeReconciliation(self.remittances)
        self.worklist = FakeWorklist(self.claims, self.remittances)

    def clock(self) -> datetime:
        return self.now

    # -- the services ------------------------------------------------------------------------------

    def reconciler(self) -> Reconciliation:
        return Reconciliation(
            store=self.reconciliation, queue=self.queue, inbox=self.inbox, worklist=self.worklist, clock=self.clock
        )

    def posting_worker(self) -> PostingWorker:
        finish = TransactionFinish(
            inbox=self.inbox,
            remittances=self.remittances,
            queue=self.queue,
            reconciliation=self.reconciler(),
            clock=self.clock,
        )
        return PostingWorker(
            inbox=self.inbox,
            claims=self.claims,
            remittances=self.remittances,
            queue=self.queue,
            tolerance=DEFAULT_TOLERANCE,
            finish=finish,
            batch_size=2,  # the sample's four claims take two batches
            clock=self.clock,
        )

    def remittance_ingest(self, *, chunk_size: int = 500) -> RemittanceIngest:
        worker = self.posting_worker()
        return RemittanceIngest(
            inbox=self.inbox,
            remittances=self.remittances,
            queue=self.queue,
            chunks=self.chunks,
            worker=worker,
            finish=worker.finisher,
            chunk_size=chunk_size,
            clock=self.clock,
        )

    def reference_import(self) -> ReferenceImport:
        return ReferenceImport(
            inbox=self.inbox, claims=self.claims, remittances=self.remittances, queue=self.queue, clock=self.clock
        )

    def deposit_ingest(self) -> DepositIngest:
        return DepositIngest(
            inbox=self.inbox,
            store=self.reconciliation,
            queue=self.queue,
            reconciliation=self.reconciler(),
            clock=self.clock,
        )

    def worklist_service(self) -> Worklist:
        return Worklist(worklist=self.worklist, claims=self.claims, remittances=self.remittances, clock=self.clock)

    # -- what happens to it ------------------------------------------------------------------------

    def upload_and(self, key: str, data: bytes) -> str:
        self.inbox.put(key, data)
        return key

    def import_file(self, key: str, data: bytes) -> ImportSummary:
        return self.reference_import().import_file(self.upload_and(key, data))

    def load_reference_data(self) -> None:
        self.import_file("fee-schedules/acme-health-plan-2025.csv", FEES_FILE)
        self.import_file("claims/lakeside-open-claims-2025-01.csv", CLAIMS_FILE)

    def post(self, key: str = ACME, data: bytes = ACME_FILE) -> IngestSummary:
        return self.remittance_ingest().ingest(self.upload_and(key, data))

    def deposit(self, key: str = BAI, data: bytes = BAI_FILE) -> DepositSummary:
        return self.deposit_ingest().ingest(self.upload_and(key, data))

    def deliver_followups(self) -> list[Followup]:
        """What the FollowupWorker does with the queue: every follow-up sent so far onto the worklist."""
        fresh = self.queue.sent[self.delivered :]
        additions = WorklistIntake(self.worklist).receive_all(fresh)  # one batch, as the worker takes them
        assert not additions.refused, additions.refused
        self.delivered = len(self.queue.sent)
        return fresh

    def followup_of_type(self, followup_type: str) -> Followup:
        (followup,) = [f for f in self.queue.sent if f.type.value == followup_type]
        return followup
