"""Time budgets: no invocation starts a chunk, a batch, a finish or the next chunk's planning it
cannot end in time; what it leaves is redelivered (or retried) and still posts exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tests.unit.services.test_service_posting_chunks import (
    CHUNK,
    DATA,
    KEY,
    chunks_of,
    ingested,
    ledgers,
    practice_with_claims,
)

from remitflow.services.ingest_remittance import OutOfTime
from remitflow.services.time_budget import (
    FINISH_MS,
    Deadline,
    NoTimeLeft,
    check_chunk_size,
    chunk_estimate_ms,
)
from remitflow.settings import Settings

RESERVE = 30_000
TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"


class Countdown:
    """An invocation's remaining time: plenty for the first `calls` checks, then `after` ms."""

    def __init__(self, calls: int, *, after: int = 0, plenty: int = 170_000) -> None:
        self.calls, self.after, self.plenty = calls, after, plenty

    def __call__(self) -> int:
        self.calls -= 1
        return self.plenty if self.calls >= 0 else self.after


def postings(practice: object) -> int:
    return sum(len(p) for p in ledgers(practice).values())  # type: ignore[arg-type]


def test_a_chunk_is_not_started_without_the_time_it_needs_and_posts_once_when_redelivered() -> None:
    practice = ingested()
    chunk = chunks_of(practice)[0]
    worker = practice.posting_worker()

    with pytest.raises(NoTimeLeft, match="not starting chunk 0"):
        worker.post(chunk, Deadline(lambda: RESERVE + 50, RESERVE))
    assert postings(practice) == 0
    assert practice.remittances.remittance(chunk.era.key())["chunks_done"] == 0  # type: ignore[index]

    assert worker.post(chunk, Deadline(lambda: 170_000, RESERVE)).counted
    assert postings(practice) == CHUNK


def test_the_next_batch_of_a_chunk_is_not_started_late_and_the_redelivery_posts_the_rest_once() -> None:
    practice = ingested()
    chunk = chunks_of(practice)[0]
    worker = practice.posting_worker()  # two claim payments per batch: the chunk of five takes three

    # Time for the chunk and its first batch (two checks), then none.
    with pytest.raises(NoTimeLeft, match="a batch of 2 claim payment"):
        worker.post(chunk, Deadline(Countdown(2), RESERVE))
    assert postings(practice) == 2  # the first batch committed; the chunk is not counted
    assert practice.remittances.remittance(chunk.era.key())["chunks_done"] == 0  # type: ignore[index]

    outcome = worker.post(chunk, Deadline(lambda: 170_000, RESERVE))
    assert outcome.counted and outcome.result.claim_payments == CHUNK  # the first two found posted
    assert postings(practice) == CHUNK


def test_a_finish_without_its_time_is_left_to_the_redelivery_which_finishes_once() -> None:
    practice = ingested()
    chunks = [c for c in chunks_of(practice) if c.set_index == 0]
    worker = practice.posting_worker()
    for chunk in chunks[:-1]:
        worker.post(chunk)
    enough_for_a_chunk = Deadline(lambda: RESERVE + FINISH_MS - 1, RESERVE)

    with pytest.raises(NoTimeLeft, match="the finish of transaction set 0"):
        worker.post(chunks[-1], enough_for_a_chunk)
    record = practice.remittances.remittance(chunks[-1].era.key())
    assert record is not None and (record["chunks_done"], record["status"]) == (len(chunks), "posting")
    assert practice.remittances.finishes == 0

    redelivered = worker.post(chunks[-1])
    assert (redelivered.counted, redelivered.finished, redelivered.era_opened) == (False, True, True)
    assert practice.remittances.finishes == 1 and len(practice.reconciliation.open_eras) == 1


def test_the_ingest_stops_planning_when_time_runs_out_and_its_retry_posts_every_claim_once() -> None:
    reference = ingested()
    for chunk in chunks_of(reference):
        reference.posting_worker().post(chunk)

    practice = practice_with_claims()
    practice.inbox.put(KEY, DATA)
    ingest = practice.remittance_ingest(chunk_size=CHUNK)
    with pytest.raises(OutOfTime, match="not planning chunk"):
        ingest.ingest(KEY, remaining_ms=Countdown(3))  # the start and two chunks, then no time
    first_attempt = chunks_of(practice)
    assert 0 < len(first_attempt) < len(chunks_of(reference))
    worker = practice.posting_worker()
    for chunk in first_attempt:  # the workers post what was sent before the stop
        worker.post(chunk)

    ingest.ingest(KEY, remaining_ms=lambda: 290_000)  # the S3 event's retry plans the same chunks again
    for chunk in chunks_of(practice)[len(first_attempt) :]:
        worker.post(chunk)

    assert ledgers(practice) == ledgers(reference)
    assert practice.inbox.summaries[KEY]["status"] == "processed"
    assert len(practice.reconciliation.open_eras) == 2


def test_a_file_is_not_started_without_the_reserve() -> None:
    practice = practice_with_claims()
    practice.inbox.put(KEY, DATA)
    with pytest.raises(OutOfTime, match="not starting"):
        practice.remittance_ingest(chunk_size=CHUNK).ingest(KEY, remaining_ms=lambda: RESERVE - 1)
    assert practice.chunks.sent == [] and KEY not in practice.inbox.summaries


def test_the_largest_chunk_needs_at_most_half_the_worker_s_timeout() -> None:
    template = yaml.load(TEMPLATE.read_text(), Loader=yaml.BaseLoader)  # BaseLoader: !Ref stays text
    worker_timeout = int(template["Resources"]["PostingWorker"]["Properties"]["Timeout"])
    largest = int(template["Parameters"]["PostingChunkSize"].get("MaxValue", 5000))
    defaults = Settings.model_fields
    assert defaults["posting_worker_timeout_s"].default == worker_timeout  # the settings know the timeout
    batch = defaults["posting_batch_size"].default
    # 500 claim payments: 10 batches of 12 round trips at 20 ms, 2 ms each of CPU, 8 round trips more.
    assert chunk_estimate_ms(500, batch) == 10 * 12 * 20 + 500 * 2 + 8 * 20
    assert chunk_estimate_ms(largest, batch) <= worker_timeout * 1000 // 2
    check_chunk_size(largest, batch, worker_timeout)  # the template's largest chunk size is allowed

    with pytest.raises(ValueError, match="POSTING_CHUNK_SIZE 5000: a chunk is estimated at 34160 ms"):
        check_chunk_size(5000, batch, 40)
    with pytest.raises(ValueError, match="more than half of PostingWorker's 40 s timeout"):
        Settings(
            inbox_bucket_name="b",
            claims_table_name="c",
            remittances_table_name="r",
            followups_table_name="f",
            followup_queue_url="q",
            posting_queue_url="p",
            posting_chunk_size=5000,
            posting_worker_timeout_s=40,
        )
