"""`make bench` for posting: claims/s end to end on the embedded AWS, and DynamoDB requests per claim.

A generated balanced 835 (processed, denied, forwarded and reversed claims, claim-level CAS, PLB) is
posted to claims imported beforehand, through the real path: upload to the inbox, RemittanceIngest
on the S3 event, chunks through PostingQueue to PostingWorker, follow-ups through SQS to
FollowupWorker. Every AWS call of the run is counted. BENCH_CLAIMS (200) and BENCH_CHUNK_SIZE (the
template's default) size the run.
moto is slower than DynamoDB and runs in this process, so claims/s is a floor; requests per claim
is what carries over to AWS.
"""

from __future__ import annotations

import os
import resource
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
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

TEMPLATE = Path(__file__).resolve().parents[1] / "template.yaml"
CLAIMS = int(os.environ.get("BENCH_CLAIMS", "200"))
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


@contextmanager
def counting_calls() -> Iterator[Counter[tuple[str, str, str]]]:
    """Every AWS API call made in the block, by (service, operation, table)."""
    calls: Counter[tuple[str, str, str]] = Counter()
    original = BaseClient._make_api_call

    def counted(self: Any, operation: str, params: Any) -> Any:
        service = self.meta.service_model.service_name
        calls[(service, operation, _table(params) if service == "dynamodb" else "")] += 1
        return original(self, operation, params)

    BaseClient._make_api_call = counted  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def claim_rows(claims: list[ClaimPayment]) -> str:
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
    """Claims/s of reading and deciding alone (no AWS): our code's share of the end-to-end time."""
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
    started = time.perf_counter()
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
    return decided / (time.perf_counter() - started)


def main() -> None:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
    )
    data, expectations = generate_835(7, transactions=2, claims_per_transaction=CLAIMS // 2)
    claims = [c for t in parse_835(data).transactions for c in t.claims]
    with mock_aws():
        stack = deploy_local_stack(TEMPLATE)
        environment = {"POWERTOOLS_LOG_LEVEL": "ERROR"} | ({"POSTING_CHUNK_SIZE": CHUNK_SIZE} if CHUNK_SIZE else {})
        runner = LocalRunner(stack, environment=environment)
        settings = function_settings(stack.functions["RemittanceIngest"])
        stores = Stores.create(settings, Clients.create(boto3.Session(region_name="us-east-1")))
        stores.inbox.put("claims/bench.csv", claim_rows(claims).encode())
        runner.pump()

        with counting_calls() as calls:
            started = time.perf_counter()
            stores.inbox.put("remittances/bench.835", data)
            runner.pump()
            seconds = time.perf_counter() - started

    logical = {physical: logical for logical, physical in stack.physical_ids.items() if physical}

    def total(operations: set[str], tables: set[str]) -> int:
        return sum(n for (_, op, table), n in calls.items() if op in operations and logical.get(table) in tables)

    count = len(claims)
    posting_writes = total(DYNAMODB_WRITES, {"ClaimsTable", "RemittancesTable"})
    posting_reads = total(DYNAMODB_READS, {"ClaimsTable", "RemittancesTable"})
    worklist_writes = total(DYNAMODB_WRITES, {"FollowupsTable", "IdempotencyTable"})
    size = f"{len(expectations)} transaction sets, {len(data) / 1e6:.1f} MB"
    chunking = f"chunks of {CHUNK_SIZE or 'the default'}"
    print(f"posting {count} claim payments ({size}, {chunking}) end to end on the embedded AWS")
    # The rate is moto's (the local stack's moto: see "What the local stack changes in moto").
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"  {seconds:.1f} s, {count / seconds:,.0f} claims/s on moto, peak RSS {peak:,.0f} MiB")
    print(
        f"  posting:  DynamoDB writes {posting_writes} = {posting_writes / count:.2f} per claim, "
        f"reads {posting_reads} = {posting_reads / count:.2f} per claim"
    )
    print(f"  worklist: DynamoDB writes {worklist_writes} for the follow-ups (item + idempotency record)")
    for (service, operation, table), n in sorted(calls.items()):
        print(f"    {service:<9} {operation:<22} {logical.get(table, table):<18} {n}")
    print(f"  reading + deciding alone (no AWS): {posting_engine_rate(claims, data):,.0f} claims/s")


if __name__ == "__main__":
    main()
