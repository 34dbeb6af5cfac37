"""`remitflow search TEXT [--json]`: claims, accounts, ERAs, deposits and follow-ups that TEXT names.

TEXT may be a claim id (or its start), any part of a patient's name (accents and case do not
matter), an account id, a payer's name or id, a check or EFT trace number, a date or an amount.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remitflow.domain.errors import InvalidRequest
from remitflow.runtime import search
from remitflow_cli.connection import CommandError, add_stack_options, connect, fail

EXIT_NOTHING_FOUND = 3
GROUPS = ("claims", "accounts", "eras", "deposits", "followups")


def register(commands: Any) -> None:
    command = commands.add_parser(
        "search",
        help="find claims, accounts, ERAs, deposits and follow-ups",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    command.add_argument("text", nargs="+", help="what to look for, e.g. PCN1001, 'ana rivera', 0123456789, 250.00")
    command.add_argument("--json", action="store_true", help="print the groups as JSON")
    add_stack_options(command)
    command.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    text = " ".join(args.text)
    try:
        settings, stores = connect(args)
        found = search(settings, stores).search(text)
    except (CommandError, InvalidRequest, ClientError, BotoCoreError) as error:
        return fail("search", error)
    if args.json:
        json.dump(found, sys.stdout, indent=2)
        print()
        return 0
    if not any(found[group] for group in GROUPS):
        print(f"remitflow search: nothing found for {text!r}", file=sys.stderr)
        return EXIT_NOTHING_FOUND
    for group in GROUPS:
        if found[group]:
            print(f"{group} ({len(found[group])})")
            for row in found[group]:
                print(f"  {_line(group, row)}")
    return 0


def _line(group: str, row: dict[str, Any]) -> str:
    if group == "claims":
        return (
            f"{row['claim_id']:<14} {row['account_id']:<12} {row['patient_name'] or '':<24} {row['status']:<22}"
            f" {row['service_date'] or '':<10} charge {row['charge_amount']:>10}"
            f"  balance {row['insurance_balance']:>10}"
        )
    if group == "accounts":
        return f"{row['account_id']:<14} {row['patient_name'] or '':<24} claims {', '.join(row['claim_ids'])}"
    if group == "eras":
        payer = row["payer_name"] or row["payer_id"]
        return (
            f"trace {row['trace_number']:<16} {payer:<24} {row['payment_amount']:>10} {row['payment_date'] or '':<10}"
            f" deposit {row['deposit_status']}"
        )
    if group == "deposits":
        return f"{row['deposit_id']:<24} {row['amount']:>10} {row['date']}  trace {row['trace_number'] or '-'}"
    return f"{row['followup_id']:<34} {row['type']:<22} {row['status']:<10} claim {row['claim_id'] or '-'}"
