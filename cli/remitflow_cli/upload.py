"""`remitflow upload FILE --kind claims|fee-schedule|remittance`: drop a file in the inbox and wait
for its processing summary."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remitflow.adapters.s3 import SUMMARY_PREFIX
from remitflow_cli.connection import CommandError, add_stack_options, connect, fail

PREFIXES = {
    "remittance": "remittances/",
    "claims": "claims/",
    "fee-schedule": "fee-schedules/",
    "deposit": "deposits/",
}


def register(commands: Any) -> None:
    command = commands.add_parser("upload", help="upload a file to the inbox and show what was done with it")
    command.add_argument("file", type=Path)
    command.add_argument("--kind", required=True, choices=sorted(PREFIXES))
    command.add_argument("--key", help="object key (default: the kind's prefix + the file name)")
    command.add_argument("--wait", type=float, default=60, help="seconds to wait for the summary (0: do not wait)")
    command.add_argument("--json", action="store_true", help="print the processing summary as JSON")
    add_stack_options(command)
    command.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (CommandError, OSError, ClientError, BotoCoreError) as error:
        return fail("upload", error)


def _run(args: argparse.Namespace) -> int:
    settings, stores = connect(args)
    key = args.key or PREFIXES[args.kind] + args.file.name
    if not key.startswith(PREFIXES[args.kind]):
        raise CommandError(f"--key {key!r} must start with {PREFIXES[args.kind]!r} for --kind {args.kind}")
    s3 = stores.inbox.client
    uploaded_at = datetime.now(UTC)
    version = s3.put_object(Bucket=settings.inbox_bucket_name, Key=key, Body=args.file.read_bytes()).get("VersionId")
    print(f"uploaded {args.file} to s3://{settings.inbox_bucket_name}/{key}", file=sys.stderr)
    if args.wait <= 0:
        return 0
    summary = _wait_for_summary(s3, settings.inbox_bucket_name, key, version, uploaded_at, args.wait)
    if summary is None:
        raise CommandError(
            f"no summary under {SUMMARY_PREFIX}{key}.json after {args.wait:g} s: is anything processing?"
        )
    if args.json:
        json.dump(summary, sys.stdout, indent=2)
        print()
    else:
        _print_summary(summary)
    return 0


def _wait_for_summary(
    s3: Any, bucket: str, key: str, version: str | None, uploaded_at: datetime, wait: float
) -> dict[str, Any] | None:
    """The summary written for this very upload, not one left by an earlier upload of the key: same
    version id, or (events without one, as the local stack sends) processed after the upload."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            body = s3.get_object(Bucket=bucket, Key=f"{SUMMARY_PREFIX}{key}.json")["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
                raise
        else:
            summary: dict[str, Any] = json.loads(body)
            if summary.get("version_id"):
                if summary["version_id"] == version:
                    return summary
            elif datetime.fromisoformat(summary["processed_at"]) >= uploaded_at:
                return summary
        time.sleep(0.25)
    return None


def _print_summary(summary: dict[str, Any]) -> None:
    if "claims_posted" in summary:
        print(f"{summary['source_key']}: {summary['status']}")
        print(f"  claims posted   {summary['claims_posted']}")
        print(f"  dollars posted  {summary['dollars_posted']}")
        for transaction in summary["transactions"]:
            duplicate = f" (duplicate of {transaction['duplicate_of']})" if transaction["duplicate_of"] else ""
            print(
                f"  trace {transaction['trace_number']} from payer {transaction['payer_id']}: "
                f"{transaction['payment_amount']} paid, {transaction['posted_payment']} posted, "
                f"{transaction['unapplied_cash']} held{duplicate}"
            )
    elif "deposits" in summary:
        print(f"{summary['source_key']}: {summary['status']}")
        print(f"  deposits {summary['deposits']} ({summary['deposits_total']}), matched {summary['matched']}")
    else:
        print(f"{summary['source_key']}: {summary['loaded']} loaded, {len(summary['problems'])} problems")
    for followup_type, count in summary.get("followups_by_type", {}).items():
        print(f"  follow-up {followup_type}: {count}")
