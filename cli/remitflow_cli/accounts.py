"""`remitflow accounts show ACCOUNT [--json]`: every claim of a patient account and the account's totals."""

from __future__ import annotations

import argparse
from typing import Any

from remitflow.domain.errors import NotFound
from remitflow.runtime import claim_book
from remitflow_cli.connection import add_stack_options, connect
from remitflow_cli.pages import show_command

TOTALS = (
    "charge_amount",
    "insurance_paid",
    "adjustments",
    "patient_responsibility",
    "insurance_balance",
    "patient_balance",
)


def register(commands: Any) -> None:
    accounts = commands.add_parser("accounts", help="look at patient accounts")
    actions = accounts.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="every claim of an account, its balances and the account's totals")
    show.add_argument("account_id", help="the patient account id, as in the claims file (e.g. ACC-5001)")
    show.add_argument("--json", action="store_true", help="print the account as JSON")
    add_stack_options(show)
    show.set_defaults(run=run_show)


def _account(args: argparse.Namespace) -> dict[str, Any]:
    settings, stores = connect(args)
    try:
        return claim_book(settings, stores).account(args.account_id)
    except NotFound:
        raise NotFound(f"no account {args.account_id!r} (account ids are exact)") from None


def _show(account: dict[str, Any]) -> None:
    print(f"account {account['account_id']}  {account['patient_name'] or ''}")
    print(
        f"  {'claim':<14}{'status':<24}{'service':<12}{'charge':>10}{'ins. paid':>11}{'ins. bal':>11}{'pat. bal':>11}"
    )
    for claim in account["claims"]:
        print(
            f"  {claim['claim_id']:<14}{claim['status']:<24}{claim['service_date'] or '':<12}"
            f"{claim['charge_amount']:>10}{claim['insurance_paid']:>11}{claim['insurance_balance']:>11}"
            f"{claim['patient_balance']:>11}"
        )
    print("  totals")
    for name in TOTALS:
        print(f"    {name.replace('_', ' '):<24}{account['totals'][name]:>12}")


run_show = show_command("accounts show", _account, _show)
