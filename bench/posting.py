"""`make bench` for posting: claims/s end to end on the embedded AWS, DynamoDB requests per claim, and
the modelled AWS critical path.

A generated balanced 835 (processed, denied, forwarded and reversed claims, claim-level CAS, PLB) is
posted to claims imported beforehand, through the real path: upload to the inbox, RemittanceIngest
on the S3 event, chunks through PostingQueue to PostingWorker, follow-ups through SQS to
FollowupWorker. Every AWS call of the run is counted, per invocation. Each run is a process of its
own, so its peak RSS is its own.

Knobs: BENCH_CLAIMS (sizes, "1000,10000"), BENCH_50MB=1 (also the 50 MB ERA bench.parse writes, all
134,443 claims imported first: long on moto), BENCH_CHUNK_SIZE (the template's default, 500),
BENCH_LATENCY_MS (20) and BENCH_CONCURRENCY (the template's PostingWorker reserved concurrency, 10)
for the model; BENCH_REUSE=1 prints the runs kept in bench/out again instead of running them.
moto is slower than DynamoDB and runs in this process, so claims/s is a floor; requests per claim
and per invocation are what carry over to AWS.
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.client import BaseClient
from moto import mock_aws
from tests.support.synth835 import generate_835

from remitflow.runtime import Clients, Stores
from remitflow.x12 import parse_835
from remitflow.x12.models import ClaimPayment
from remitflow_local import deploy_local_stack
from remitflow_local.runner import LocalRunner, function_settings

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
FILE_50MB = ROOT / "bench" / "out" / "bench-50mb.835"
SIZES = [int(n) for n in os.environ.get("BENCH_CLAIMS", "1000,10000").split(",") if n.strip()]
# Claim payments per PostingQueue chunk (the template's PostingChunkSize; unset: its default, 500).
CHUNK_SIZE = os.environ.get("BENCH_CHUNK_SIZE")
DYNAMODB_WRITES = {"TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"}
DYNAMODB_READS = {"GetItem", "BatchGetItem", "Query", "Scan"}


def _table(params: dict[str, Any]) -> str:
    """The (first) table a DynamoDB request is about."""
    if "TableName" in params:
        return str(params["TableName"])
    if "TransactItems" in params:
        (action,) = params["TransactItems"][0].values()
        return str(action["TableName"])
    return next(iter(params.get("RequestItems", {})), "")


@dataclass
class Invocation:
    """The AWS requests one function invocation made, in order: on AWS each is a round trip."""

    function: str
    records: int
    requests: int = 0
    sends: int = 0  # of which SQS sends (the ingest sends chunks ten to a SendMessageBatch)


@dataclass
class Calls:
    total: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    invocations: list[Invocation] = field(default_factory=list)
    current: Invocation | None = None


@contextmanager
def counting_calls(runner: LocalRunner) -> Iterator[Calls]:
    """Every AWS API call made in the block, by (service, operation, table) and by invocation.

    The runner's own calls (its SQS polling, standing in for Lambda's event source) are counted in
    the totals but belong to no invocation.
    """
    calls = Calls()
    original_call = BaseClient._make_api_call
    original_invoke = LocalRunner.invoke

    def counted(self: Any, operation: str, params: Any) -> Any:
        service = self.meta.service_model.service_name
        calls.total[(service, operation, _table(params) if service == "dynamodb" else "")] += 1
        if calls.current is not None:
            calls.current.requests += 1
            calls.current.sends += operation in ("SendMessage", "SendMessageBatch")
        return original_call(self, operation, params)

    def invoke(runner: LocalRunner, logical_id: str, event: dict[str, Any]) -> Any:
        outer, calls.current = calls.current, Invocation(logical_id, len(event.get("Records", [])))
        calls.invocations.append(calls.current)
        try:
            return original_invoke(runner, logical_id, event)
        finally:
            calls.current = outer

    BaseClient._make_api_call = counted  # type: ignore[method-assign]
    LocalRunner.invoke = invoke  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original_call  # type: ignore[method-assign]
        LocalRunner.invoke = original_invoke  # type: ignore[method-assign]


def claim_rows(claims: Iterable[ClaimPayment]) -> str:
    """A claims CSV for the 835's claims: what the billing system would have sent us."""
    rows = ["claim_id,line_number,account_id,payer_id,service_date,procedure_code,charge_amount,line_control_number"]
    seen = set()
    for claim in claims:
        if claim.patient_control_number in seen:  # a reversal and its correction share the claim
            continue
        seen.add(claim.patient_control_number)
        lines = claim.service_lines or []
        if not lines:
            rows.append(
                f"{claim.patient_control_number},1,A-{claim.patient_control_number},P,2025-01-02,99213,"
                f"{abs(claim.charge_amount)},"
            )
        for number, line in enumerate(lines, start=1):
            when = line.service_date or line.service_period_start
            rows.append(
                f"{claim.patient_control_number},{number},A-{claim.patient_control_number},P,"
                f"{when.isoformat() if when else '2025-01-02'},{line.procedure.code},{abs(line.charge_amount)},"
                f"{line.line_control_number or ''}"
            )
    return "\n".join(rows) + "\n"


def posting_engine_rate(claims: list[ClaimPayment], data: bytes) -> float:
    """Claims/s of reading and deciding alone (no AWS): our code's share of the end-to-end time.

    In CPU seconds: it runs on one thread, so that is its time on an idle core, whatever the load.
    """
    from datetime import UTC, datetime

    from remitflow.domain import Claim, ClaimLine, FeeSchedule, RemittanceRef, decide
    from remitflow.x12 import RemittanceParser
    from remitflow.x12.models import TransactionHeader

    known = {}
    for cp in claims:
        lines = [
            ClaimLine(
                line_number=n,
                procedure_code=line.procedure.code,
                service_date=line.service_date or datetime(2025, 1, 2, tzinfo=UTC).date(),
                charge_amount=abs(line.charge_amount),
                line_control_number=line.line_control_number,
            )
            for n, line in enumerate(cp.service_lines, start=1)
        ]
        known[cp.patient_control_number] = Claim(
            claim_id=cp.patient_control_number,
            account_id="A",
            payer_id="P",
            lines=lines,
            charge_amount=abs(cp.charge_amount),
        )
    started = time.process_time()
    decided = 0
    now = datetime.now(UTC)
    remittance = None
    seen: Counter[tuple[str, str | None, str]] = Counter()
    for event in RemittanceParser(iter([data])):
        if isinstance(event, TransactionHeader):
            remittance = RemittanceRef.from_header(event, "bench")
            seen.clear()
        elif isinstance(event, ClaimPayment) and remittance is not None:
            key = (event.patient_control_number, event.payer_claim_control_number, event.status_code)
            decide(
                event,
                remittance=remittance,
                claim=known.get(event.patient_control_number),
                occurrence=seen[key],
                fee_schedule=FeeSchedule(),
                now=now,
            )
            seen[key] += 1
            decided += 1
    return decided / (time.process_time() - started)


def stream_claims(data: bytes) -> Iterator[tuple[int, ClaimPayment]]:
    """Each claim payment of the file with its transaction set's ordinal, streaming (as the ingest reads)."""
    from remitflow.x12 import RemittanceParser
    from remitflow.x12.models import TransactionHeader

    transaction = -1
    for event in RemittanceParser(iter([data])):
        if isinstance(event, TransactionHeader):
            transaction += 1
        elif isinstance(event, ClaimPayment):
            yield transaction, event


def shape(data: bytes, chunk_size: int) -> dict[str, Any]:
    """Claims, transaction sets, PostingQueue chunks of the file, and the CPU seconds reading it takes here."""
    started = time.process_time()
    per_set: Counter[int] = Counter(transaction for transaction, _ in stream_claims(data))
    seconds = time.process_time() - started
    return {
        "claims": sum(per_set.values()),
        "sets": len(per_set),
        "per_set": list(per_set.values()),
        # A set of at most one chunk posts in the ingest invocation; the others fan out.
        "chunks": sum(math.ceil(n / chunk_size) for n in per_set.values() if n > chunk_size),
        "parse_seconds": seconds,
    }


def run(label: str) -> dict[str, Any]:
    """One end-to-end run on a fresh embedded AWS: label is a claim count or "50mb"."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
    )
    if label == "50mb":
        data = FILE_50MB.read_bytes()
        rows = claim_rows(claim for _, claim in stream_claims(data))
        engine_rate = None
    else:
        data, _ = generate_835(7, transactions=2, claims_per_transaction=int(label) // 2)
        claims = [c for t in parse_835(data).transactions for c in t.claims]
        rows = claim_rows(claims)
        engine_rate = posting_engine_rate(claims, data)
        del claims
    with mock_aws():
        # botocore's client-side checks off for the bench's clients (README: the local stack's DynamoDB)
        stack = deploy_local_stack(TEMPLATE, client_validation=False)
        environment = {"POWERTOOLS_LOG_LEVEL": "ERROR"} | ({"POSTING_CHUNK_SIZE": CHUNK_SIZE} if CHUNK_SIZE else {})
        runner = LocalRunner(stack, environment=environment)
        settings = function_settings(stack.functions["RemittanceIngest"])
        stores = Stores.create(settings, Clients.create(boto3.Session(region_name="us-east-1")))
        stores.inbox.put("claims/bench.csv", rows.encode())
        del rows
        runner.pump(max_rounds=1_000_000)
        chunk_size = int(CHUNK_SIZE) if CHUNK_SIZE else settings.posting_chunk_size

        with counting_calls(runner) as calls:
            started, cpu = time.perf_counter(), time.process_time()
            stores.inbox.put("remittances/bench.835", data)
            runner.pump(max_rounds=1_000_000)
            seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        failures = failed_invocations(runner, stack.function_failure_queue_url)

    logical = {physical: logical for logical, physical in stack.physical_ids.items() if physical}

    def total(operations: set[str], tables: set[str]) -> int:
        return sum(n for (_, op, table), n in calls.total.items() if op in operations and logical.get(table) in tables)

    return {
        "label": label,
        "bytes": len(data),
        "chunk_size": chunk_size,
        **shape(data, chunk_size),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
        "posting_writes": total(DYNAMODB_WRITES, {"ClaimsTable", "RemittancesTable"}),
        "posting_reads": total(DYNAMODB_READS, {"ClaimsTable", "RemittancesTable"}),
        "worklist_writes": total(DYNAMODB_WRITES, {"FollowupsTable"}),
        "engine_rate": engine_rate,
        "failures": failures,
        "fanned_chunks": sum(i.records for i in calls.invocations if i.function == "PostingWorker"),
        "calls": [
            [service, op, logical.get(table, table), n] for (service, op, table), n in sorted(calls.total.items())
        ],
        "invocations": [asdict(i) for i in calls.invocations],
    }


def failed_invocations(runner: LocalRunner, url: str) -> int:
    """What the function failure queue holds: a complete run leaves it empty."""
    attributes = runner.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


# ---------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Model:
    """The modelled AWS critical path of one file: sequential round trips x latency, plus compute."""

    claims: int
    chunks: int
    concurrency: int
    latency_s: float
    ingest_requests: int
    ingest_s: float  # round trips + reading the file
    worker_requests: int  # the slowest PostingWorker invocation's (its chunks, and a finish if it ran one)
    worker_s: float
    waves: int
    followup_requests: int  # the last FollowupWorker batch, after the last chunk
    followup_window_s: float  # which Lambda may wait that long to gather
    total_s: float


def model(
    *,
    claims: int,
    chunks: int,
    chunk_size: int,
    parse_seconds: float,
    ingest_requests: int,
    worker: Invocation,
    followup_requests: int,
    followup_window_s: float,
    engine_rate: float,
    latency_s: float,
    concurrency: int,
    batch_size: int,
) -> Model:
    ingest_s = ingest_requests * latency_s + parse_seconds
    # A worker invocation takes up to batch_size chunks, one after another; each claim is read and
    # decided (engine_rate, measured here without AWS) besides the round trips.
    worker_s = worker.requests * latency_s + worker.records * chunk_size / engine_rate
    invocations = math.ceil(chunks / batch_size)
    waves = math.ceil(invocations / concurrency)
    total_s = ingest_s + waves * worker_s + followup_window_s + followup_requests * latency_s
    return Model(
        claims,
        chunks,
        concurrency,
        latency_s,
        ingest_requests,
        ingest_s,
        worker.requests,
        worker_s,
        waves,
        followup_requests,
        followup_window_s,
        total_s,
    )


def _of(result: dict[str, Any], function: str) -> list[Invocation]:
    return [Invocation(**i) for i in result["invocations"] if i["function"] == function]


def _print_run(result: dict[str, Any]) -> None:
    count = result["claims"]
    seconds = result["seconds"]
    print(
        f"posting {count:,} claim payments ({result['sets']} transaction sets, {result['bytes'] / 1e6:.1f} MB, "
        f"{result['chunks']} chunks of {result['chunk_size']}) end to end on the embedded AWS"
    )
    print(
        f"  {seconds:.1f} s ({result['cpu_seconds']:.1f} s CPU), {count / seconds:,.0f} claims/s on moto "
        f"({count / result['cpu_seconds']:,.0f} per CPU second), peak RSS {result['peak_rss_mib']:,.0f} MiB"
    )
    writes, reads = result["posting_writes"], result["posting_reads"]
    print(
        f"  posting:  DynamoDB writes {writes} = {writes / count:.2f} per claim, reads {reads} = {reads / count:.2f}"
        f" per claim; worklist write requests {result['worklist_writes']} (up to 100 follow-ups each)"
    )
    if result["failures"]:
        print(f"  !! {result['failures']} invocations ended in the function failure queue: the run is incomplete")
    if result["fanned_chunks"] < result["chunks"]:
        print(f"  !! PostingWorker took {result['fanned_chunks']} records for {result['chunks']} chunks")
    if os.environ.get("BENCH_VERBOSE"):
        for service, operation, table, n in result["calls"]:
            print(f"    {service:<9} {operation:<22} {table:<18} {n}")
    if result["engine_rate"]:
        print(f"  reading + deciding alone (no AWS): {result['engine_rate']:,.0f} claims/s")


def _child_result(label: str) -> dict[str, Any]:
    """A run in a process of its own; kept in bench/out, and read back from there with BENCH_REUSE=1."""
    kept = FILE_50MB.parent / f"posting-{label}-{CHUNK_SIZE or 'default'}.json"
    if os.environ.get("BENCH_REUSE") == "1" and kept.exists():
        output = kept.read_text()
    else:
        output = subprocess.run(
            [sys.executable, "-m", "bench.posting", "--child", label], check=True, capture_output=True, text=True
        ).stdout.splitlines()[-1]
        kept.parent.mkdir(exist_ok=True)
        kept.write_text(output)
    result: dict[str, Any] = json.loads(output)
    return result


def main() -> None:
    labels = [str(n) for n in SIZES]
    if os.environ.get("BENCH_50MB") == "1":
        if not FILE_50MB.exists():
            raise SystemExit(f"{FILE_50MB} is missing: `python -m bench.parse` writes it")
        labels.append("50mb")
    results = {}
    for label in labels:
        results[label] = result = _child_result(label)
        _print_run(result)
    sized = [results[str(n)] for n in SIZES]
    if len(sized) >= 2:
        small, large = sized[0], sized[-1]
        ratio = large["seconds"] / small["seconds"]
        cpu_ratio = large["cpu_seconds"] / small["cpu_seconds"]
        print(
            f"time({large['claims']:,})/time({small['claims']:,}) = {ratio:.1f} wall, {cpu_ratio:.1f} CPU "
            f"(claims x{large['claims'] / small['claims']:.0f})"
        )
    _print_model(results, sized)


def _print_model(results: dict[str, dict[str, Any]], sized: list[dict[str, Any]]) -> None:
    """The modelled AWS critical path of the 50 MB ERA, from the requests counted in the runs."""
    latency_s = float(os.environ.get("BENCH_LATENCY_MS", "20")) / 1000
    concurrency = int(os.environ.get("BENCH_CONCURRENCY", "10"))  # PostingWorkerReservedConcurrency
    batch_size = 2  # PostingWorker's PostingQueue event source BatchSize (template.yaml)
    followup_window_s = 5.0  # FollowupWorker's MaximumBatchingWindowInSeconds (template.yaml)
    fanned = [r for r in sized if r["chunks"]]
    if "50mb" in results:
        source = results["50mb"]
        ingest_requests = max(i.requests for i in _of(source, "RemittanceIngest"))
        how = "counted in the 50 MB run"
    elif fanned and FILE_50MB.exists():
        # The ingest's requests per transaction set (its record, the duplicate check, the plan,
        # progress), taken as counted, and its sends: one SendMessageBatch per ten chunks of a set.
        b = fanned[-1]
        ingest = max(_of(b, "RemittanceIngest"), key=lambda i: i.requests)
        data = FILE_50MB.read_bytes()
        source = b | shape(data, b["chunk_size"]) | {"bytes": len(data)}
        per_set = (ingest.requests - ingest.sends) / b["sets"]
        sends = sum(math.ceil(math.ceil(n / b["chunk_size"]) / 10) for n in source["per_set"] if n > b["chunk_size"])
        ingest_requests = math.ceil(per_set * source["sets"]) + sends
        how = (
            f"the ingest's {per_set:.1f} requests per transaction set and its sends as counted at "
            f"{b['claims']:,} claims, {sends} sends for the file's chunks; the workers' as counted at "
            f"{b['claims']:,} claims, chunks of the same size"
        )
    else:
        print("modelled AWS critical path: needs two fanned-out sizes and bench/out/bench-50mb.835")
        return
    counted = source if "50mb" in results else fanned[-1]
    # Measured again here, in CPU seconds: a run's own figure is wall time on a possibly loaded machine.
    data, _ = generate_835(7, transactions=2, claims_per_transaction=counted["chunk_size"])
    engine_rate = posting_engine_rate([c for t in parse_835(data).transactions for c in t.claims], data)
    worker = max(_of(counted, "PostingWorker"), key=lambda i: (i.requests, i.records))
    followups = max((i.requests for i in _of(counted, "FollowupWorker")), default=0)
    m = model(
        claims=source["claims"],
        chunks=source["chunks"],
        chunk_size=source["chunk_size"],
        parse_seconds=source["parse_seconds"],
        ingest_requests=ingest_requests,
        worker=worker,
        followup_requests=followups,
        followup_window_s=followup_window_s,
        engine_rate=engine_rate,
        latency_s=latency_s,
        concurrency=concurrency,
        batch_size=batch_size,
    )
    print(
        f"modelled AWS critical path, {m.claims:,} claims ({source['bytes'] / 1e6:.0f} MB), "
        f"{m.latency_s * 1000:.0f} ms a round trip ({how}):"
    )
    print(
        f"  RemittanceIngest: {m.ingest_requests} sequential requests + reading the file "
        f"{source['parse_seconds']:.1f} s (plain Python, CPU time here) = {m.ingest_s:.1f} s (timeout 300 s)"
    )
    print(
        f"  PostingWorker: {m.chunks} chunks of {source['chunk_size']}, {batch_size} an invocation, reserved "
        f"concurrency {m.concurrency} = {m.waves} waves; the slowest invocation {m.worker_requests} requests "
        f"+ deciding {worker.records} x {source['chunk_size']} claims at {engine_rate:,.0f}/s = "
        f"{m.worker_s:.1f} s (timeout 180 s)"
    )
    print(
        f"  the last follow-up batch: {m.followup_requests} requests, after its batching window "
        f"({m.followup_window_s:.0f} s)"
    )
    print(f"  total {m.total_s:.0f} s = {m.total_s / 60:.1f} min (target under 2 min)")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(run(sys.argv[2])))
    else:
        main()
