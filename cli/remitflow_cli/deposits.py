"""`remitflow deposits list|show`: the bank's credits, their status and the ERAs they paid."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remitflow import runtime
from remitflow.domain.errors import InvalidRequest, NotFound
from remitflow.services.deposit_view import STATUSES, DepositView
from remitflow_cli.connection import CommandError, add_stack_options, connect, fail, iso_date
from remitflow_cli.pages import every_page, print_json

EXIT_NOT_FOUND = 3


def register(commands: Any) -> None:
    deposits = commands.add_parser("deposits", help="bank deposits and the ERAs they paid")
    actions = deposits.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="deposits by booking date, with their status")
    listing.add_argument("--from", dest="date_from", type=iso_date, help="booked on or after YYYY-MM-DD")
    listing.add_argument("--to", dest="date_to", type=iso_date, help="booked on or before YYYY-MM-DD")
    listing.add_argument("--status", choices=STATUSES, help="only deposits of this status")
    listing.add_argument("--json", action="store_true", help="a JSON list of deposit summaries")
    add_stack_options(listing)
    listing.set_defaults(run=run_list)
    show = actions.add_parser("show", help="one deposit: the bank's text, its match and its ERAs")
    show.add_argument("deposit_id", help="the deposit's id, as `deposits list` shows it")
    show.add_argument("--json", action="store_true", help="the deposit as JSON")
    add_stack_options(show)
    show.set_defaults(run=run_show)


def view_of(args: argparse.Namespace) -> DepositView:
    settings, stores = connect(args)
    return runtime.deposit_view(settings, stores)


def run_list(args: argparse.Namespace) -> int:
    try:
        view = view_of(args)
        items = every_page(
            lambda cursor: view.page(date_from=args.date_from, date_to=args.date_to, status=args.status, cursor=cursor)
        )
    except (CommandError, InvalidRequest, ClientError, BotoCoreError) as error:
        return fail("deposits list", error)
    if args.json:
        print_json(items)
        return 0
    if not items:
        print("no deposits")
    for deposit in items:
        eras = ", ".join(f"trace {e['trace_number']}" for e in deposit["eras"]) or "-"
        print(
            f"{deposit['date']:<10}  {deposit['deposit_id']}  {deposit['amount']:>12}  {deposit['status']:<10}"
            f" trace {deposit['trace_number'] or '-':<14} ERAs {eras}"
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    try:
        deposit = view_of(args).show(args.deposit_id)
    except NotFound as error:
        print(f"remitflow deposits show: {error}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except (CommandError, ClientError, BotoCoreError) as error:
        return fail("deposits show", error)
    if args.json:
        json.dump(deposit, sys.stdout, indent=2)
        print()
        return 0
    print(f"deposit {deposit['deposit_id']}  {deposit['amount']} booked {deposit['date']}  {deposit['status']}")
    print(f"  file       {deposit['source_key']} ({deposit['format']}, {deposit['position']})")
    print(f"  account    {deposit['account'] or '-'}  type {deposit['type_code'] or '-'}")
    print(f"  reference  {deposit['bank_reference'] or '-'}  trace {deposit['trace_number'] or '-'}")
    print(f"  bank text  {deposit['bank_text'] or '-'}")
    match = deposit["match"]
    if match:
        print(f"  match      {match['confidence']}: {match['rule']}")
    for era in deposit["eras"]:
        print(
            f"  ERA        trace {era['trace_number']} {era['payer_name'] or era['payer_id']}"
            f" {era['payment_amount']} on {era['payment_date']}"
        )
    return 0
