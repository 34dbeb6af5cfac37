"""Posting in chunks on moto: RemittanceIngest plans, PostingQueue carries, PostingWorker posts.

A small chunk size (settings) cuts a generated 835 into many chunks; they are delivered by the
local runner from the template's event source mapping, and, in the second test, by hand as SQS
may deliver them: twice, out of order, two at once, one failing before it is retried, and the last
crashing between its count and the finish."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from bench.posting import claim_rows
from botocore.client import BaseClient
from tests.integration.conftest import Harness
from tests.support.synth835 import generate_835

from remitflow.adapters.dynamodb.claims import ClaimsStore
from remitflow.adapters.dynamodb.shared import item_size, to_dynamo
from remitflow.runtime import posting_worker, remittance_ingest
from remitflow.services.chunk_plan import PostingChunk
from remitflow.services.ports import RemittanceKey
from remitflow.services.transaction_finish import TransactionFinish
from remitflow.x12 import parse_835

KEY = "remittances/hospital.835"
DATA, EXPECTED = generate_835(5, transactions=2, claims_per_transaction=20)
CLAIMS = [c for t in parse_835(DATA).transactions for c in t.claims]
CHUNK = 7  # 20 claims: chunks of 7, 7 and 6 in each transaction set


@pytest.fixture
def fanout(harness: Harness) -> Harness:
    """The claims imported; the functions run with the small chunk size (reset() restores it)."""
    harness.upload("claims/hospital.csv", claim_rows(CLAIMS).encode())
    harness.runner.pump()
    harness.runner.environment["POSTING_CHUNK_SIZE"] = str(CHUNK)
    return harness


def small_chunks(harness: Harness) -> Any:
    return harness.settings.model_copy(update={"posting_chunk_size": CHUNK})


def posting_queue_url(harness: Harness) -> str:
    return harness.stack.physical_ids["PostingQueue"]


def take_chunks(harness: Harness) -> list[PostingChunk]:
    sqs = harness.clients.sqs
    chunks: list[PostingChunk] = []
    while messages := sqs.receive_message(QueueUrl=posting_queue_url(harness), MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        for message in messages:
            chunks.append(PostingChunk.model_validate_json(message["Body"]))
            sqs.delete_message(QueueUrl=posting_queue_url(harness), ReceiptHandle=message["ReceiptHandle"])
    return sorted(chunks, key=lambda c: (c.set_index, c.chunk))


def assert_posted_once_and_balanced(harness: Harness, chunks: int = 3) -> None:
    postings = {c: harness.claims.postings(c) for c in {cp.patient_control_number for cp in CLAIMS}}
    assert sum(len(p) for p in postings.values()) == len(CLAIMS)  # one posting per claim payment
    assert len({p.record.posting_id for ps in postings.values() for p in ps}) == len(CLAIMS)
    summary = harness.summary(KEY)
    assert summary["status"] == "processed"
    for transaction, expected in zip(summary["transactions"], EXPECTED, strict=True):
        accounted = Decimal(transaction["posted_payment"]) + Decimal(transaction["unapplied_cash"])
        accounted -= Decimal(transaction["provider_adjustments"])
        assert accounted == expected.payment_amount  # BPR02 = posted + held - PLB, to the cent
        assert Decimal(transaction["provider_adjustments"]) == expected.plb_total  # the PLB once
        assert (transaction["status"], transaction["chunks_done"], transaction["chunks_total"]) == (
            "posted",
            chunks,
            chunks,
        )
        assert transaction["claim_payments"] == expected.claims
    eras, _, _ = harness.stores.reconciliation.open_items()
    assert sorted(e.trace_number for e in eras) == sorted(e.trace_number for e in EXPECTED)  # waiting once each


def test_the_runner_delivers_chunks_to_posting_worker_from_the_template_s_mapping(fanout: Harness) -> None:
    harness = fanout
    (worker,) = harness.stack.functions_for_queue(posting_queue_url(harness))
    assert worker.logical_id == "PostingWorker"

    invoked: list[str] = []
    harness.runner.on_invoke = lambda invocation: invoked.append(invocation.function)

    harness.deliver(KEY, DATA)  # S3 -> RemittanceIngest -> PostingQueue -> PostingWorker

    assert invoked.count("RemittanceIngest") == 1
    assert 1 <= invoked.count("PostingWorker") <= 6  # six chunks, in batches of up to two
    assert_posted_once_and_balanced(harness)


class Serialised(ClaimsStore):
    """Transactions one at a time, as DynamoDB serialises them: moto's rollback (a copy of the table)
    would otherwise wipe the other thread's commits (see DESIGN.md)."""

    lock = threading.RLock()

    def __init__(self, store: ClaimsStore) -> None:
        super().__init__(store.client, store.table)

    def commit(self, decision: Any, **kwargs: Any) -> None:
        with self.lock:
            super().commit(decision, **kwargs)

    def commit_many(self, decisions: Any, **kwargs: Any) -> list[Exception | None]:
        with self.lock:
            return super().commit_many(decisions, **kwargs)


class FailsOnce(ClaimsStore):
    """DynamoDB refuses the chunk's first batch (throttled past the client's retries, say)."""

    def __init__(self, store: ClaimsStore) -> None:
        super().__init__(store.client, store.table)
        self.failed = False

    def commit_many(self, decisions: Any, **kwargs: Any) -> list[Exception | None]:
        if not self.failed:
            self.failed = True
            raise ConnectionError("injected failure")
        return super().commit_many(decisions, **kwargs)


def test_chunks_redelivered_out_of_order_at_once_failing_and_crashing_post_each_claim_once(fanout: Harness) -> None:
    harness = fanout
    settings = small_chunks(harness)
    harness.upload(KEY, DATA)  # its S3 event is not pumped: the chunks are delivered by hand below
    remittance_ingest(settings, harness.stores).ingest(KEY)
    chunks = take_chunks(harness)
    assert [(c.set_index, c.chunk, c.count) for c in chunks] == [
        (t, n, 6 if n == 2 else 7) for t in (0, 1) for n in range(3)
    ]
    worker = posting_worker(settings, harness.stores)

    # Two at once: the same chunk delivered twice, to two workers.
    errors: list[BaseException] = []

    def post(chunk: PostingChunk) -> None:
        try:
            worker = posting_worker(settings, harness.stores)
            worker.claims = Serialised(harness.claims)
            worker.post(chunk)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=post, args=(chunks[1],)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    # One fails, and is retried later.
    failing = posting_worker(settings, harness.stores)
    failing.claims = FailsOnce(harness.claims)
    with pytest.raises(ConnectionError):
        failing.post(chunks[4])
    # The rest out of order; whichever is counted last crashes between its count and the finish.
    crashing = posting_worker(settings, harness.stores)
    armed = {"crash": True}
    finish = TransactionFinish.finish

    def crash_once(self: TransactionFinish, *args: Any) -> bool:
        if armed["crash"]:
            armed["crash"] = False
            raise TimeoutError("the invocation died")
        return finish(self, *args)

    crashing.finisher.finish = crash_once.__get__(crashing.finisher)  # type: ignore[method-assign]
    crashed = []
    for chunk in [chunks[5], chunks[3], chunks[2], chunks[0]]:
        try:
            crashing.post(chunk)
        except TimeoutError:
            crashed.append(chunk)
    assert [(c.set_index, c.chunk) for c in crashed] == [(0, 0)]  # set 0's last count: 1 and 2 were in
    # SQS redelivers the failed and the crashed chunks, and (why not) every chunk once more.
    for chunk in [chunks[4], *crashed, *chunks]:
        worker.post(chunk)

    assert_posted_once_and_balanced(harness)
    record = harness.remittances.remittance(chunks[0].era.key())
    assert record is not None and record["chunks_done"] == 3 and record["progress"]["claim_payments"] == 20


class ClaimMovesMeanwhile(ClaimsStore):
    """A claims import refreshes one claim between the batch's read and its commit."""

    def __init__(self, store: ClaimsStore, claim_id: str) -> None:
        super().__init__(store.client, store.table)
        self.claim_id = claim_id
        self.transactions: list[int] = []  # items per TransactWriteItems, in order

    def commit_many(self, decisions: Any, **kwargs: Any) -> list[Exception | None]:
        claim = self.get(self.claim_id)
        if claim is not None and self.claim_id in {d.claim_id for d in decisions}:
            self.import_claim(claim)  # its version moves on
            self.claim_id = ""
        original = self.client.transact_write_items

        def counted(**request: Any) -> Any:
            self.transactions.append(len(request["TransactItems"]))
            return original(**request)

        self.client.transact_write_items = counted  # type: ignore[method-assign]
        try:
            return super().commit_many(decisions, **kwargs)
        finally:
            self.client.transact_write_items = original  # type: ignore[method-assign]


def test_one_contended_claim_does_not_hold_back_the_others_of_its_batch(fanout: Harness) -> None:
    harness = fanout
    settings = harness.settings  # one chunk per transaction set: the ingest posts it, 50 claims a batch
    harness.upload(KEY, DATA)
    ingest = remittance_ingest(settings, harness.stores)
    contended = CLAIMS[3].patient_control_number
    ingest.worker.claims = moving = ClaimMovesMeanwhile(harness.claims, contended)

    ingest.ingest(KEY)

    # The batch's transaction failed on the moved claim alone: the others committed together at once,
    # without it, and the moved claim was read, decided and committed again on its own.
    first, second, *_ = moving.transactions
    assert 2 <= first - second <= 3 and second > 30
    assert len(harness.claims.postings(contended)) == 1
    assert_posted_once_and_balanced(harness, chunks=1)


def test_a_file_of_many_chunks_posts_whole_and_its_record_does_not_grow_with_them(fanout: Harness) -> None:
    """Chunks of one claim: every chunk is counted on its own marker item, the record keeps sums."""
    harness = fanout
    harness.runner.environment["POSTING_CHUNK_SIZE"] = "1"

    harness.deliver(KEY, DATA)

    assert_posted_once_and_balanced(harness, chunks=20)
    for transaction in harness.summary(KEY)["transactions"]:
        found = transaction["remittance_key"]
        key = RemittanceKey(
            payer_id=found["payer_id"],
            trace_number=found["trace_number"],
            amount=Decimal(found["amount"]),
            payment_date=date.fromisoformat(found["payment_date"]) if found["payment_date"] else None,
        )
        record = harness.remittances.remittance(key)
        assert record is not None and record["progress"]["claim_payments"] == 20


def test_the_record_is_the_same_size_after_two_thousand_chunks_as_after_one(harness: Harness) -> None:
    """A 50 MB file has about 270 chunks; a file of thousands must not push the record towards 400 KB."""
    store = harness.remittances
    key = RemittanceKey(payer_id="P1", trace_number="T-MANY", amount=Decimal("2100.00"), payment_date=None)
    store.claim_remittance(key, {"source_key": "remittances/many.835"})
    store.start_posting(key, "plan-many")
    result = {"claim_payments": 1, "outcomes": {"posted": 1}, "posted_payment": Decimal("1.00"), "followups": {}}
    first = store.complete_chunk(key, "plan-many", 0, result)
    assert first is not None
    for chunk in range(1, 2_100):
        assert store.complete_chunk(key, "plan-many", chunk, result) is not None
    assert store.complete_chunk(key, "plan-many", 1_234, result) is None  # a redelivery counts nothing
    last = store.remittance(key)
    assert last is not None and last["chunks_done"] == 2_100
    assert last["progress"]["posted_payment"] == Decimal("2100.00")
    assert last["progress"]["outcomes"] == {"posted": 2_100}
    assert item_size(to_dynamo(last)) <= item_size(to_dynamo(first)) + 16  # the sums' digits only


def test_a_file_of_many_transaction_sets_reads_their_records_together_after_each_chunk(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file's summary is rewritten after every chunk from every set's record: read in one
    BatchGetItem, not a GetItem per set (at 68 sets and 268 chunks that was 36,000 round trips)."""
    data, expected = generate_835(11, transactions=12, claims_per_transaction=3)
    harness.upload(
        "claims/many-sets.csv", claim_rows(c for t in parse_835(data).transactions for c in t.claims).encode()
    )
    harness.runner.pump()
    harness.runner.environment["POSTING_CHUNK_SIZE"] = "2"  # 12 sets of 3 claims: 24 chunks
    remittances = harness.stack.physical_ids["RemittancesTable"]
    gets: list[str] = []
    original = BaseClient._make_api_call

    def counted(client: Any, operation: str, params: Any) -> Any:
        if operation == "GetItem" and params.get("TableName") == remittances:
            gets.append(operation)
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counted)

    harness.deliver("remittances/many-sets.835", data)

    summary = harness.summary("remittances/many-sets.835")
    assert summary["status"] == "processed"
    assert [t["chunks_done"] for t in summary["transactions"]] == [2] * len(expected)
    assert len(gets) <= 4 * 24  # a few per chunk (its set's record), whatever the number of sets
