"""`remitflow claims show CLAIM_ID [--json]`: a claim's balances and every posting on it;
`remitflow claims list [--account A] [--status S] [--payer P] [--json]`: claims, by claim id."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remitflow.domain.claims import ClaimStatus
from remitflow.domain.code_words import CodeKind, action_text, adjustment_word, code_text
from remitflow.domain.errors import InvalidRequest
from remitflow.runtime import claim_book
from remitflow.services.claim_view import claim_view
from remitflow_cli.connection import CommandError, add_stack_options, connect, fail
from remitflow_cli.nearby import did_you_mean
from remitflow_cli.pages import every_page, print_json

EXIT_NOT_FOUND = 3
BALANCES = (
    "charge_amount",
    "insurance_paid",
    "contractual_adjustment",
    "other_adjustment",
    "patient_responsibility",
    "insurance_balance",
    "patient_balance",
)


def register(commands: Any) -> None:
    claims = commands.add_parser("claims", help="look at claim accounts")
    actions = claims.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="a claim's balances and postings")
    show.add_argument("claim_id", help="our claim id (the 837's CLM01, the 835's CLP01), e.g. PCN1005")
    show.add_argument("--json", action="store_true", help="print the claim, its lines and postings as JSON")
    add_stack_options(show)
    show.set_defaults(run=run_show)
    listing = actions.add_parser(
        "list", help="claims by account, status and payer, whether or not they have a follow-up"
    )
    listing.add_argument("--account", help="only this patient account's claims (exact id)")
    listing.add_argument(
        "--status", choices=[s.value for s in ClaimStatus], type=str.lower, help="only claims in this status"
    )
    listing.add_argument("--payer", help="only this payer's claims (payer id)")
    listing.add_argument("--json", action="store_true", help="print the claims as JSON")
    add_stack_options(listing)
    listing.set_defaults(run=run_list)


def run_show(args: argparse.Namespace) -> int:
    try:
        _, stores = connect(args)
        view = claim_view(stores.claims, args.claim_id)
        hint = did_you_mean(args.claim_id, stores.claims.existing) if view is None else ""
    except (CommandError, ClientError, BotoCoreError) as error:
        return fail("claims show", error)
    if view is None:
        print(f"remitflow claims show: no claim {args.claim_id!r}{hint}", file=sys.stderr)
        return EXIT_NOT_FOUND
    if args.json:
        json.dump(view, sys.stdout, indent=2)
        print()
        return 0
    print(f"claim {view['claim_id']}  account {view['account_id']}  payer {view['payer_id']}  {view['status']}")
    for name in BALANCES:
        print(f"  {name.replace('_', ' '):<24}{view[name]:>12}")
    for posting in view["postings"]:
        print(
            f"  {posting['payment_date'] or '':<10}  {posting['outcome']:<18} trace {posting['trace_number']:<14}"
            f" paid {posting['posted_payment']:>10}  held {posting['unapplied_cash']:>10}"
        )
        if posting.get("status_code"):
            print(f"    835 claim status {code_text(CodeKind.CLAIM_STATUS, str(posting['status_code']))}")
        for entry in posting["entries"]:
            if entry.get("group") and entry.get("reason"):
                print(f"    {entry['group']}-{entry['reason']:<6}{entry['amount']:>10}  {_words(entry)}")
    return 0


def _words(entry: dict[str, Any]) -> str:
    word = adjustment_word(str(entry["group"]), str(entry["reason"]))
    if word is None:
        return code_text(CodeKind.CAS_GROUP, str(entry["group"])).partition(" ")[2]
    return f"{word.label}; {word.category}; next: {action_text(word.next_action)}"


def run_list(args: argparse.Namespace) -> int:
    claims: list[dict[str, Any]] = []
    try:
        settings, stores = connect(args)
        book = claim_book(settings, stores)
        claims = every_page(
            lambda cursor: book.list_claims(
                account_id=args.account, status=args.status, payer_id=args.payer, cursor=cursor
            )
        )
    except (CommandError, InvalidRequest, ClientError, BotoCoreError) as error:
        return fail("claims list", error)
    if args.json:
        print_json(claims)
        return 0
    if not claims:
        print("remitflow claims list: no claims match", file=sys.stderr)
        return 0
    for claim in claims:
        payer = claim["payer_name"] or claim["payer_id"]
        print(
            f"{claim['claim_id']:<14}{claim['account_id']:<12}{claim['status']:<24}{claim['service_date'] or '':<12}"
            f"{payer:<24}{claim['charge_amount']:>10}{claim['insurance_balance']:>11}{claim['patient_balance']:>11}"
        )
    return 0
