"""`remitflow recon sweep|report`: ERA <-> deposit reconciliation on a stack.

`sweep` runs the daily sweeper with a chosen "today" (follow-ups for what waited too long, the report
written to the bucket); `report` shows the reconciliation as of a day without changing anything.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remitflow import runtime
from remitflow_cli.connection import CommandError, add_stack_options, connect, fail, iso_date


def register(commands: Any) -> None:
    recon = commands.add_parser("recon", help="ERA and deposit reconciliation")
    actions = recon.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, help_text in (
        ("sweep", "run the daily sweep as of a day"),
        ("report", "matched and unmatched ERAs and deposits as of a day"),
    ):
        parser = actions.add_parser(action, help=help_text)
        parser.add_argument("--as-of", type=iso_date, default=None, help="YYYY-MM-DD (default: today, UTC)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        add_stack_options(parser)
        parser.set_defaults(run=run_recon)


def run_recon(args: argparse.Namespace) -> int:
    """`sweep` or `report` (`args.action`) as of `--as-of`, on the stack."""
    as_of = args.as_of or datetime.now(UTC).date()
    try:
        settings, stores = connect(args)
        service = runtime.reconciliation(settings, stores)
        report = service.sweep(as_of) if args.action == "sweep" else service.report(as_of)
    except (CommandError, ClientError, BotoCoreError) as error:
        return fail(f"recon {args.action}", error)
    show_report(report, as_json=args.json)
    return 0


def show_report(report: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        json.dump(report, sys.stdout, indent=2, default=str)
        print()
        return
    print_report(report, f"reconciliation as of {report['as_of']}")
    for name, amount in report["totals"].items():
        print(f"  {name.replace('_', ' '):<28}{amount if amount is not None else '-':>12}")
    # What a sweep did besides reporting (a plain report has neither).
    for followup_type, count in report.get("followups_raised", {}).items():
        print(f"  raised {followup_type.replace('_', ' '):<21}{count:>12}")
    if report.get("mismatches_closed"):
        print(f"  {'amount mismatches closed':<28}{report['mismatches_closed']:>12}")


def print_report(report: dict[str, Any], title: str) -> None:
    """The matched and unmatched items of a reconciliation report, one line each."""
    print(title)
    for found in report["matched"]:
        print(
            f"  matched              trace {found['trace_number'] or '-':<12} ERA {found['era_amount']:>9}"
            f"  deposit {found['deposit_amount']:>9}  {found['confidence']}"
        )
    for era in report["eras_without_deposit"]:
        print(f"  ERA without deposit  trace {era['trace_number']:<12} ERA {era['amount']:>9}")
    for deposit in report["deposits_without_era"]:
        trace = deposit["trace_number"] or "-"
        print(f"  deposit without ERA  trace {trace:<12} {'':13}  deposit {deposit['amount']:>9}")
    # Unmatched, but a biller resolved its follow-up: no longer waiting for anyone.
    for item in report.get("resolved", ()):
        trace = item["trace_number"] or "-"
        era_side = item["side"] == "era"
        amount = f"ERA {item['amount']:>9}  {'':16}" if era_side else f"{'':13}  deposit {item['amount']:>9}"
        by = f" by {item['resolved_by']}" if item.get("resolved_by") else ""
        print(f"  resolved {item['side']:<11} trace {trace:<12} {amount}  {item['resolution']}{by}")
