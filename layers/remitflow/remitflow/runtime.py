"""Wiring: settings and boto3 clients in, services out. Handlers and the CLI start here.

Each factory imports its own service and adapters: a handler's cold start pays only for the
services it wires, not for every one the package has.

boto3 reads AWS_ENDPOINT_URL by itself, so the same wiring talks to AWS or to the local stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from remitflow.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_sqs.client import SQSClient

    from remitflow.adapters.dynamodb.claims import ClaimsStore
    from remitflow.adapters.dynamodb.reconciliation import ReconciliationStore
    from remitflow.adapters.dynamodb.remittances import RemittancesStore
    from remitflow.adapters.dynamodb.search import SearchStore
    from remitflow.adapters.dynamodb.worklist import WorklistStore
    from remitflow.adapters.s3 import Inbox
    from remitflow.adapters.sqs import FollowupQueue, PostingQueue
    from remitflow.services.accounts import ClaimBook
    from remitflow.services.appeals import AppealSweep
    from remitflow.services.deposit_view import DepositView
    from remitflow.services.era_view import EraView
    from remitflow.services.exports import Exports
    from remitflow.services.failures import Failures
    from remitflow.services.ingest_deposits import DepositIngest
    from remitflow.services.ingest_remittance import RemittanceIngest
    from remitflow.services.manual_recon import ManualReconciliation
    from remitflow.services.posting_worker import PostingWorker
    from remitflow.services.reconciliation import Reconciliation
    from remitflow.services.reference_import import ReferenceImport
    from remitflow.services.search import Search
    from remitflow.services.worklist import Worklist
    from remitflow.services.worklist_intake import WorklistIntake

# botocore's standard retry mode retries, with jittered exponential backoff (random up to 1 s, 2 s,
# 4 s for throttling; 25, 50, 100 ms for DynamoDB's 5xx) and a retry quota per client:
# ThrottlingException, ProvisionedThroughputExceededException, RequestLimitExceeded,
# TransactionInProgressException, every 5xx (InternalServerError) and connection errors, on every
# call including TransactWriteItems. It does not retry a TransactionCanceledException (a 400), even
# with reason TransactionConflict: adapters/dynamodb/shared.transact_write does. Four attempts in all
# (total_max_attempts; "max_attempts" would count the retries only) wait at most 7 s per call, so an
# invocation keeps time to fail cleanly and be retried. "adaptive" mode would add a client-side rate
# limiter, which buys nothing in a short-lived Lambda. A Lambda must not hang on a connection either.
CLIENT_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 4}, connect_timeout=5, read_timeout=30)


@dataclass(frozen=True)
class Clients:
    dynamodb: DynamoDBClient
    s3: S3Client
    sqs: SQSClient

    @classmethod
    def create(cls, session: Any = None) -> Clients:
        session = session or boto3.session.Session()
        return cls(
            dynamodb=session.client("dynamodb", config=CLIENT_CONFIG),
            s3=session.client("s3", config=CLIENT_CONFIG),
            sqs=session.client("sqs", config=CLIENT_CONFIG),
        )


@dataclass(frozen=True)
class Stores:
    inbox: Inbox
    claims: ClaimsStore
    remittances: RemittancesStore
    worklist: WorklistStore
    queue: FollowupQueue
    reconciliation: ReconciliationStore
    posting_queue: PostingQueue

    @classmethod
    def create(cls, settings: Settings, clients: Clients | None = None) -> Stores:
        from remitflow.adapters.dynamodb.claims import ClaimsStore
        from remitflow.adapters.dynamodb.reconciliation import ReconciliationStore
        from remitflow.adapters.dynamodb.remittances import RemittancesStore
        from remitflow.adapters.dynamodb.worklist import WorklistStore
        from remitflow.adapters.s3 import Inbox
        from remitflow.adapters.sqs import FollowupQueue, PostingQueue

        clients = clients or Clients.create()
        claims = ClaimsStore(clients.dynamodb, settings.claims_table_name)
        return cls(
            inbox=Inbox(clients.s3, settings.inbox_bucket_name),
            claims=claims,
            remittances=RemittancesStore(clients.dynamodb, settings.remittances_table_name),
            # A resolution that moves money writes the claim, the posting and the held money with it.
            worklist=WorklistStore(
                clients.dynamodb,
                settings.followups_table_name,
                claims=claims,
                unapplied_table=settings.remittances_table_name,
            ),
            queue=FollowupQueue(clients.sqs, settings.followup_queue_url),
            reconciliation=ReconciliationStore(clients.dynamodb, settings.remittances_table_name),
            posting_queue=PostingQueue(clients.sqs, settings.posting_queue_url),
        )


def remittance_ingest(settings: Settings, stores: Stores | None = None) -> RemittanceIngest:
    from remitflow.services.ingest_remittance import RemittanceIngest

    stores = stores or Stores.create(settings)
    worker = posting_worker(settings, stores)
    return RemittanceIngest(
        inbox=stores.inbox,
        remittances=stores.remittances,
        queue=stores.queue,
        chunks=stores.posting_queue,
        worker=worker,
        finish=worker.finisher,
        chunk_size=settings.posting_chunk_size,
        time_reserve_ms=settings.posting_time_reserve_ms,
    )


def posting_worker(settings: Settings, stores: Stores | None = None) -> PostingWorker:
    from remitflow.services.posting_worker import PostingWorker
    from remitflow.services.transaction_finish import TransactionFinish

    stores = stores or Stores.create(settings)
    finish = TransactionFinish(
        inbox=stores.inbox,
        remittances=stores.remittances,
        queue=stores.queue,
        reconciliation=reconciliation(settings, stores),
    )
    return PostingWorker(
        inbox=stores.inbox,
        claims=stores.claims,
        remittances=stores.remittances,
        queue=stores.queue,
        tolerance=settings.tolerance,
        finish=finish,
        batch_size=settings.posting_batch_size,
    )


def reference_import(settings: Settings, stores: Stores | None = None) -> ReferenceImport:
    from remitflow.services.reference_import import ReferenceImport

    stores = stores or Stores.create(settings)
    return ReferenceImport(inbox=stores.inbox, claims=stores.claims, remittances=stores.remittances, queue=stores.queue)


def worklist_intake(settings: Settings, stores: Stores | None = None) -> WorklistIntake:
    from remitflow.services.worklist_intake import WorklistIntake

    stores = stores or Stores.create(settings)
    return WorklistIntake(stores.worklist)


def worklist(settings: Settings, stores: Stores | None = None) -> Worklist:
    from remitflow.services.worklist import Worklist

    stores = stores or Stores.create(settings)
    return Worklist(
        worklist=stores.worklist,
        claims=stores.claims,
        remittances=stores.remittances,
        tolerance=settings.tolerance,
        payer_names=search_store(settings, stores).payer_names,
    )


def reconciliation(settings: Settings, stores: Stores | None = None) -> Reconciliation:
    from remitflow.services.reconciliation import Reconciliation

    stores = stores or Stores.create(settings)
    return Reconciliation(
        store=stores.reconciliation,
        queue=stores.queue,
        inbox=stores.inbox,
        worklist=stores.worklist,
        payer_aliases=settings.payer_aliases,
        window_business_days=settings.reassociation_window_business_days,
    )


def appeal_sweep(settings: Settings, stores: Stores | None = None) -> AppealSweep:
    from remitflow.services.appeals import AppealSweep

    stores = stores or Stores.create(settings)
    return AppealSweep(worklist=stores.worklist, claims=stores.claims)


def manual_reconciliation(settings: Settings, stores: Stores | None = None) -> ManualReconciliation:
    from remitflow.services.manual_recon import ManualReconciliation

    stores = stores or Stores.create(settings)
    return ManualReconciliation(store=stores.reconciliation, worklist=stores.worklist)


def deposit_ingest(settings: Settings, stores: Stores | None = None) -> DepositIngest:
    from remitflow.services.ingest_deposits import DepositIngest

    stores = stores or Stores.create(settings)
    return DepositIngest(
        inbox=stores.inbox,
        store=stores.reconciliation,
        queue=stores.queue,
        reconciliation=reconciliation(settings, stores),
        csv_layouts=settings.bank_csv_layouts,
    )


def search_store(settings: Settings, stores: Stores | None = None) -> SearchStore:
    from remitflow.adapters.dynamodb.search import SearchStore

    stores = stores or Stores.create(settings)
    return SearchStore(
        stores.claims.client,
        claims_table=settings.claims_table_name,
        remittances_table=settings.remittances_table_name,
    )


def search(settings: Settings, stores: Stores | None = None) -> Search:
    from remitflow.services.search import Search

    stores = stores or Stores.create(settings)
    return Search(store=search_store(settings, stores), claims=stores.claims, worklist=stores.worklist)


def claim_book(settings: Settings, stores: Stores | None = None) -> ClaimBook:
    from remitflow.services.accounts import ClaimBook

    stores = stores or Stores.create(settings)
    return ClaimBook(store=search_store(settings, stores), claims=stores.claims, worklist=stores.worklist)


def era_view(settings: Settings, stores: Stores | None = None) -> EraView:
    from remitflow.services.era_view import EraView

    stores = stores or Stores.create(settings)
    return EraView(remittances=stores.remittances, claims=stores.claims, reconciliation=stores.reconciliation)


def deposit_view(settings: Settings, stores: Stores | None = None) -> DepositView:
    from remitflow.services.deposit_view import DepositView

    stores = stores or Stores.create(settings)
    eras = era_view(settings, stores)
    return DepositView(reconciliation=stores.reconciliation, remittances=stores.remittances, eras=eras)


def exports(settings: Settings, stores: Stores | None = None) -> Exports:
    from remitflow.services.exports import Exports

    stores = stores or Stores.create(settings)
    return Exports(
        eras=era_view(settings, stores),
        claims=stores.claims,
        accounts=stores.claims,
        worklist=worklist(settings, stores),
        reconciliation=lambda: reconciliation(settings, stores),
    )


def failures(sqs: SQSClient, lambda_client: Any, queue_urls: Mapping[str, str]) -> Failures:
    """The failed-work service over the stack's three queues: `queue_urls` names the dead-letter
    queues (`followups`, `posting`), their source queues (`followups_source`, `posting_source`) and
    the function failure queue (`functions`), as the stack's outputs do."""
    from remitflow.adapters.failed_work import FunctionTarget, SqsFailedWork, SqsTarget
    from remitflow.services.failures import FOLLOWUPS, FUNCTIONS, POSTING, Failures

    return Failures(
        queues={name: SqsFailedWork(sqs, queue_urls[name]) for name in (FOLLOWUPS, POSTING, FUNCTIONS)},
        targets={
            FOLLOWUPS: SqsTarget(sqs, queue_urls["followups_source"]),
            POSTING: SqsTarget(sqs, queue_urls["posting_source"]),
            FUNCTIONS: FunctionTarget(lambda_client),
        },
    )
