"""Posting in chunks on the in-memory fakes: planning, the finish decision, and a file of many
chunks delivered as SQS delivers them (twice, out of order, at once, after a failure, after a crash
between a chunk's count and the finish), against the same file posted in one go."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from tests.support.synth835 import generate_835
from tests.unit.services.fakes import FakeClaims
from tests.unit.services.practice import Practice

from remitflow.domain.claims import Claim, ClaimLine
from remitflow.services.chunk_plan import PostingChunk
from remitflow.services.posting_worker import ChunkMismatch, PostingWorker
from remitflow.services.transaction_finish import TransactionFinish, ready_to_finish
from remitflow.x12 import parse_835
from remitflow.x12.models import BrokenClaim, ClaimPayment

KEY = "remittances/big.835"
DATA, EXPECTED = generate_835(11, transactions=2, claims_per_transaction=23)
CHUNK = 5  # claim payments per chunk: 23 claims make 5 chunks per transaction set


def known_claims(data: bytes) -> list[Claim]:
    """The billing system's claims for every claim payment of the file (reversals share a claim)."""
    claims: dict[str, Claim] = {}
    for transaction in parse_835(data).transactions:
        for cp in transaction.claims:
            if cp.patient_control_number in claims:
                continue
            lines = [
                ClaimLine(
                    line_number=n,
                    procedure_code=line.procedure.code,
                    service_date=line.service_date or date(2025, 1, 2),
                    charge_amount=abs(line.charge_amount),
                    line_control_number=line.line_control_number,
                )
                for n, line in enumerate(cp.service_lines, start=1)
            ]
            claims[cp.patient_control_number] = Claim(
                claim_id=cp.patient_control_number,
                account_id=f"A-{cp.patient_control_number}",
                payer_id="P",
                lines=lines,
                charge_amount=abs(cp.charge_amount),
            )
    return list(claims.values())


def practice_with_claims() -> Practice:
    practice = Practice()
    for claim in known_claims(DATA):
        practice.claims.import_claim(claim)
    return practice


def ledgers(practice: Practice) -> dict[str, list[tuple[str, str, Decimal]]]:
    return {
        claim_id: sorted((pid, p.record.outcome.value, p.record.posted_payment) for pid, p in postings.items())
        for claim_id, postings in practice.claims.ledgers.items()
    }


def balances(practice: Practice) -> dict[str, tuple[Decimal, ...]]:
    return {
        claim_id: (c.insurance_paid, c.contractual_adjustment, c.patient_responsibility, c.version)
        for claim_id, c in practice.claims.claims.items()
    }


@pytest.fixture(scope="module")
def reference() -> Practice:
    """The same file posted in one go (one chunk per transaction set, posted by the ingest)."""
    practice = practice_with_claims()
    practice.inbox.put(KEY, DATA)
    practice.remittance_ingest(chunk_size=10_000).ingest(KEY)
    assert practice.chunks.sent == []
    return practice


def chunks_of(practice: Practice) -> list[PostingChunk]:
    return [PostingChunk.model_validate_json(body) for body in practice.chunks.sent]


def ingested(chunk_size: int = CHUNK, data: bytes = DATA) -> Practice:
    practice = practice_with_claims()
    practice.inbox.put(KEY, data)
    practice.remittance_ingest(chunk_size=chunk_size).ingest(KEY)
    return practice


# -- planning -------------------------------------------------------------------------------------


def test_chunks_frame_their_claims_by_byte_ranges_and_count_occurrences_as_the_whole_file_does() -> None:
    practice = ingested()
    chunks = chunks_of(practice)
    whole = parse_835(DATA).transactions

    assert [(c.set_index, c.chunk, c.count) for c in chunks] == [
        (t, n, 3 if n == 4 else CHUNK) for t in range(2) for n in range(5)
    ]
    worker = practice.posting_worker()
    for chunk in chunks:
        assert chunk.parts and chunk.first_claim_number is not None  # ranged: no read from the start
        assert chunk.parts[0][0] < chunk.parts[-1][0]  # the envelope and header, then the claims
        header, events = worker.read(chunk)
        expected = whole[chunk.set_index].claims[chunk.chunk * CHUNK : chunk.chunk * CHUNK + chunk.count]
        assert header.control_number == whole[chunk.set_index].header.control_number
        # The same claims, numbered as in the file (follow-ups name the file's segments).
        assert [(e.patient_control_number, e.segment_number) for e in events] == [
            (c.patient_control_number, c.segment_number) for c in expected
        ]
        assert [e.model_dump() for e in events] == [
            c.model_dump() | {"header_number": e.header_number} for c, e in zip(expected, events, strict=True)
        ]
    # A reversal and its correction share CLP01; posting ids count them: occurrences run across chunks.
    for t, transaction in enumerate(whole):
        seen: Counter[tuple[str, str | None, str]] = Counter()
        expected_occurrences = []
        for cp in transaction.claims:
            key = (cp.patient_control_number, cp.payer_claim_control_number, cp.status_code)
            expected_occurrences.append(seen[key])
            seen[key] += 1
        planned = [o for c in chunks if c.set_index == t for o in c.occurrences]
        assert planned == expected_occurrences
    # A worker reads only its ranges: nothing from the start of the file beyond the envelope.
    read = sum(end - start for _, start, end in practice.inbox.ranges_read)
    assert read < 2 * len(DATA)


def test_a_file_without_an_envelope_is_planned_by_claim_ordinals() -> None:
    bare = DATA[DATA.index(b"ST*835") : DATA.index(b"SE*")]
    bare += DATA[DATA.index(b"SE*") :].split(b"~", 1)[0] + b"~\n"
    practice = ingested(data=bare)
    chunks = chunks_of(practice)

    assert chunks and all(c.parts == [] and c.first_claim_number is None for c in chunks)
    assert [c.skip for c in chunks] == [n * CHUNK for n in range(len(chunks))]
    for chunk in chunks:
        _, events = practice.posting_worker().read(chunk)
        assert len(events) == chunk.count


def test_a_chunk_whose_bytes_hold_other_claims_posts_nothing() -> None:
    practice = ingested()
    chunk = chunks_of(practice)[1]
    tampered = chunk.model_copy(update={"fingerprint": "0" * 20})

    with pytest.raises(ChunkMismatch):
        practice.posting_worker().post(tampered)
    assert practice.remittances.completions == 0


# -- the finish decision --------------------------------------------------------------------------


def test_the_finish_waits_for_every_chunk_and_the_total() -> None:
    assert not ready_to_finish({"chunks_done": 5})  # the ingest has not said how many there are
    assert not ready_to_finish({"chunks_done": 4, "chunks_total": 5})
    assert ready_to_finish({"chunks_done": 5, "chunks_total": 5, "status": "posting"})
    assert not ready_to_finish({"chunks_done": 5, "chunks_total": 5, "status": "posted"})
    assert ready_to_finish({"chunks_done": 0, "chunks_total": 0, "status": "posting"})  # no claims


def test_a_chunk_counts_once_and_only_the_last_count_finishes(reference: Practice) -> None:
    practice = ingested()
    chunks = [c for c in chunks_of(practice) if c.set_index == 0]
    worker = practice.posting_worker()

    assert practice.inbox.summaries[KEY]["status"] == "posting"
    outcomes = [worker.post(c) for c in chunks[:-1]] + [worker.post(chunks[0])]
    assert [(o.counted, o.finished) for o in outcomes] == [(True, False)] * 4 + [(False, False)]
    progress = practice.inbox.summaries[KEY]["transactions"][0]
    assert (progress["status"], progress["chunks_done"], progress["chunks_total"]) == ("posting", 4, 5)
    last = worker.post(chunks[-1])
    assert (last.counted, last.finished, last.era_opened) == (True, True, True)
    assert worker.post(chunks[-1]).finished is False  # redelivered after the finish: nothing more
    assert practice.remittances.finishes == 1


def test_chunks_done_before_the_ingest_counted_them_are_finished_by_the_ingest() -> None:
    practice = practice_with_claims()
    practice.inbox.put(KEY, DATA)
    ingest = practice.remittance_ingest(chunk_size=CHUNK)
    worker = practice.posting_worker()
    sent_before = len(practice.chunks.sent)
    original = practice.remittances.set_chunk_total

    def post_everything_first(key: Any, plan: str, total: int) -> dict[str, Any] | None:
        # The workers are quicker than the ingest: every chunk sent so far is posted before the total.
        for body in practice.chunks.sent[sent_before:]:
            chunk = PostingChunk.model_validate_json(body)
            if chunk.era.key() == key:
                assert worker.post(chunk).finished is False
        return original(key, plan, total)

    practice.remittances.set_chunk_total = post_everything_first  # type: ignore[method-assign]
    summary = ingest.ingest(KEY)

    assert [t.status for t in summary.transactions] == ["posted", "posted"]
    assert practice.remittances.finishes == 2


# -- many chunks, delivered as SQS delivers them ----------------------------------------------------


class FailsOnce(FakeClaims):
    """The first batch of the chunk fails (throttled, say) before anything is written."""

    failed = False

    def commit_many(self, decisions: Any, **kwargs: Any) -> list[Exception | None]:
        if not FailsOnce.failed:
            FailsOnce.failed = True
            raise RuntimeError("throttled")
        return super().commit_many(decisions, **kwargs)


def test_many_chunks_redelivered_out_of_order_at_once_failing_and_crashing_post_like_one_go(
    reference: Practice,
) -> None:
    practice = ingested()
    chunks = chunks_of(practice)
    assert len(chunks) == 10 and not practice.claims.ledgers  # nothing posted by the ingest
    worker = practice.posting_worker()

    # Out of order, the last of each transaction set first; one chunk redelivered at once, two threads.
    order = list(reversed(chunks))
    twice = order[3]
    threads = [threading.Thread(target=worker.post, args=(twice,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # One fails, then is retried.
    failing = PostingWorker(
        inbox=practice.inbox,
        claims=FailsOnce(practice.remittances),
        remittances=practice.remittances,
        queue=practice.queue,
        tolerance=worker.tolerance,
        finish=worker.finisher,
        clock=practice.clock,
    )
    failing.claims.claims = practice.claims.claims  # the same table
    failing.claims.ledgers = practice.claims.ledgers
    with pytest.raises(RuntimeError):
        failing.post(order[4])
    # The last chunk to be counted crashes between its count and the finish.
    crash = {"armed": True}
    original_finish = TransactionFinish.finish

    def crashing_finish(self: TransactionFinish, *args: Any) -> bool:
        if crash["armed"]:
            crash["armed"] = False
            raise ConnectionError("the invocation died")
        return original_finish(self, *args)

    finishing = practice.posting_worker()
    finishing.finisher.finish = crashing_finish.__get__(finishing.finisher)  # type: ignore[method-assign]
    crashed_after_count = None
    for chunk in order:
        if chunk is twice:
            continue
        try:
            finishing.post(chunk)
        except ConnectionError:
            crashed_after_count = chunk
    assert crashed_after_count is not None
    # SQS redelivers: the failed chunk, the crashed one, and every chunk once more.
    for chunk in [order[4], crashed_after_count, *chunks]:
        worker.post(chunk)

    assert ledgers(practice) == ledgers(reference)  # every claim posted once, with the same posting ids
    assert balances(practice) == balances(reference)
    assert practice.remittances.provider_entries == reference.remittances.provider_entries  # the PLB once
    summary = practice.inbox.summaries[KEY]
    assert summary["status"] == "processed"
    for got, expected, planned in zip(
        summary["transactions"], reference.inbox.summaries[KEY]["transactions"], EXPECTED, strict=True
    ):
        assert got["money_accounted_for"] is True
        accounted = (
            Decimal(got["posted_payment"]) + Decimal(got["unapplied_cash"]) - Decimal(got["provider_adjustments"])
        )
        assert accounted == planned.payment_amount  # BPR02 = posted + held - PLB, to the cent
        assert (got["chunks_done"], got["chunks_total"]) == (5, 5)
        keep = ("claim_payments", "outcomes", "posted_payment", "unapplied_cash", "provider_adjustments")
        assert {k: got[k] for k in keep} == {k: expected[k] for k in keep}
    # On the reconciliation waiting list once each, and the same follow-ups as in one go.
    assert len(practice.reconciliation.open_eras) == 2
    assert {f.id for f in practice.queue.sent} == {f.id for f in reference.queue.sent}
    assert summary["followups_by_type"] == reference.inbox.summaries[KEY]["followups_by_type"]


def test_a_chunk_that_gives_up_marks_its_remittance_failed() -> None:
    practice = ingested()
    chunk = chunks_of(practice)[0]
    worker = practice.posting_worker()

    worker.give_up(chunk, "RuntimeError: chunk 0 failed its last attempt")

    record = practice.remittances.remittance(chunk.era.key())
    assert record is not None and (record["status"], record["failed_chunks"]) == ("failed", {0})
    assert practice.inbox.summaries[KEY]["status"] == "failed"


def test_broken_claims_in_a_chunk_hold_their_money_once() -> None:
    data = DATA.replace(b"CLP*", b"CLP*", 1)
    # A claim whose CLP04 is not a number cannot be read: it is held under a follow-up, in its chunk.
    start = data.index(b"CLP*", data.index(b"CLP*") + 10)
    end = data.index(b"~", start)
    fields = data[start:end].split(b"*")
    fields[3] = b"12X.00"
    data = data[:start] + b"*".join(fields) + data[end:]
    practice = ingested(data=data)
    worker = practice.posting_worker()
    for chunk in chunks_of(practice) * 2:
        worker.post(chunk)
    first = chunks_of(practice)[0]
    _, events = worker.read(first)
    assert any(isinstance(e, BrokenClaim) for e in events)
    assert sum(isinstance(e, ClaimPayment) for e in events) == len(first.occurrences)
    assert Counter(f.type.value for f in practice.queue.sent)["import_error"] >= 1
    assert practice.inbox.summaries[KEY]["status"] == "processed"
