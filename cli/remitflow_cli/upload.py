"""`remitflow upload FILE --kind claims|fee-schedule|remittance`: drop a file in the inbox and wait
for its processing summary."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remitflow.adapters.dynamodb.remittances import RemittancesStore
from remitflow.adapters.s3 import Inbox, summary_key
from remitflow.services.ports import RemittanceKey
from remitflow_cli.connection import CommandError, add_stack_options, connect, fail, seconds

EXIT_UNREADABLE = 2  # as `remitflow parse`
PREFIXES = {
    "remittance": "remittances/",
    "claims": "claims/",
    "fee-schedule": "fee-schedules/",
    "deposit": "deposits/",
}


def register(commands: Any) -> None:
    command = commands.add_parser("upload", help="upload a file to the inbox and show what was done with it")
    command.add_argument("file", type=Path, help="the file to upload")
    command.add_argument("--kind", required=True, choices=sorted(PREFIXES), help="what the file holds")
    command.add_argument("--key", help="object key (default: the kind's prefix + the file name)")
    command.add_argument("--wait", type=seconds, default=60, help="seconds to wait for the summary (0: do not wait)")
    command.add_argument("--json", action="store_true", help="print the processing summary as JSON")
    add_stack_options(command)
    command.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except OSError as error:
        return fail("upload", CommandError(f"FILE {str(args.file)!r}: cannot read it ({error.strerror or error})"))
    except (CommandError, ClientError, BotoCoreError) as error:
        return fail("upload", error)


def unreadable(summary: dict[str, Any]) -> str | None:
    """Why nothing of the file could be read as the kind given, or None when something was."""
    problems = summary.get("problems") or [{}]
    first = problems[0].get("message") or problems[0].get("reason")
    if summary.get("status") == "unreadable":
        return str(summary.get("unreadable") or first or "no part of it could be read")
    if summary.get("loaded") == 0 and summary.get("problems"):
        return str(first or "no row could be read")
    return None


def _run(args: argparse.Namespace) -> int:
    _, stores = connect(args)
    key = args.key or PREFIXES[args.kind] + args.file.name
    if not key.startswith(PREFIXES[args.kind]):
        raise CommandError(f"--key {key!r} must start with {PREFIXES[args.kind]!r} for --kind {args.kind}")
    inbox = stores.inbox
    uploaded_at = datetime.now(UTC)
    version = inbox.upload(key, args.file.read_bytes())
    print(f"uploaded {args.file} to s3://{inbox.bucket}/{key}", file=sys.stderr)
    if args.wait <= 0:
        return 0
    summary = _wait_for_summary(inbox, key, version, uploaded_at, args.wait, progress=_Progress(stores.remittances))
    if summary is None:
        raise CommandError(f"no summary under {summary_key(key)} after {args.wait:g} s: is anything processing?")
    if summary.get("status") == "posting":
        print(f"still posting after {args.wait:g} s; the summary so far:", file=sys.stderr)
    if args.json:
        json.dump(summary, sys.stdout, indent=2)
        print()
    else:
        _print_summary(summary)
    reason = unreadable(summary)
    if reason is not None:
        print(f"remitflow upload: {args.file} could not be read as --kind {args.kind}: {reason}", file=sys.stderr)
        return EXIT_UNREADABLE
    return 0


def _wait_for_summary(
    inbox: Inbox,
    key: str,
    version: str | None,
    uploaded_at: datetime,
    wait: float,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any] | None:
    """The summary written for this very upload, not one left by an earlier upload of the key: same
    version id, or (events without one, as the local stack sends) processed after the upload. While
    a remittance is still posting in chunks, `progress` is shown and the wait goes on (until `wait`:
    then the summary so far)."""
    deadline = time.monotonic() + wait
    latest: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        summary = inbox.read_json(summary_key(key))
        if summary is not None and _is_for_upload(summary, version, uploaded_at):
            if summary.get("status") != "posting":
                return summary
            latest = summary
            if progress is not None:
                progress(summary)
        time.sleep(0.25)
    return latest


class _Progress:
    """Shows, one line per change, each transaction set's chunks counted so far, from its record."""

    def __init__(self, remittances: RemittancesStore) -> None:
        self.remittances = remittances
        self.last = ""

    def __call__(self, summary: dict[str, Any]) -> None:
        line = "; ".join(_progress(summary, self.remittances))
        if line and line != self.last:
            self.last = line
            print(f"posting {summary['source_key']}: {line}", file=sys.stderr)


def _progress(summary: dict[str, Any], remittances: RemittancesStore) -> list[str]:
    parts = []
    for transaction in summary.get("transactions", []):
        found = transaction.get("remittance_key")
        if not found:
            continue
        key = RemittanceKey(
            payer_id=found["payer_id"],
            trace_number=found["trace_number"],
            amount=Decimal(found["amount"]),
            payment_date=date.fromisoformat(found["payment_date"]) if found["payment_date"] else None,
        )
        record = remittances.remittance(key) or {}
        done, total = record.get("chunks_done", 0), record.get("chunks_total")
        parts.append(
            f"trace {transaction['trace_number']}: {record.get('status', 'posting')}, "
            f"{done} of {'?' if total is None else total} chunks"
        )
    return parts


def _is_for_upload(summary: dict[str, Any], version: str | None, uploaded_at: datetime) -> bool:
    if summary.get("version_id"):
        return bool(summary["version_id"] == version)
    return datetime.fromisoformat(summary["processed_at"]) >= uploaded_at


def _print_summary(summary: dict[str, Any]) -> None:
    if "claims_posted" in summary:
        print(f"{summary['source_key']}: {summary['status']}")
        print(f"  claims posted   {summary['claims_posted']}")
        print(f"  dollars posted  {summary['dollars_posted']}")
        for transaction in summary["transactions"]:
            duplicate = f" (duplicate of {transaction['duplicate_of']})" if transaction["duplicate_of"] else ""
            progress = ""
            if transaction.get("status") in ("posting", "failed"):
                total = transaction.get("chunks_total")
                progress = (
                    f" ({transaction['status']}: {transaction.get('chunks_done', 0)} of "
                    f"{'?' if total is None else total} chunks)"
                )
            print(
                f"  trace {transaction['trace_number']} from payer {transaction['payer_id']}: "
                f"{transaction['payment_amount']} paid, {transaction['posted_payment']} posted, "
                f"{transaction['unapplied_cash']} held{duplicate}{progress}"
            )
    elif "deposits" in summary:
        print(f"{summary['source_key']}: {summary['status']}")
        print(f"  deposits {summary['deposits']} ({summary['deposits_total']}), matched {summary['matched']}")
    else:
        print(f"{summary['source_key']}: {summary['loaded']} loaded, {len(summary['problems'])} problems")
    for followup_type, count in summary.get("followups_by_type", {}).items():
        print(f"  follow-up {followup_type}: {count}")
