"""`remitflow claims show CLAIM_ID [--json]`: a claim's balances and every posting on it."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remitflow.adapters.dynamodb import ClaimsStore
from remitflow.cli.connection import CommandError, add_stack_options, connect, fail
from remitflow.domain.values import money_text

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
    show.add_argument("claim_id")
    show.add_argument("--json", action="store_true")
    add_stack_options(show)
    show.set_defaults(run=run_show)


def claim_view(store: ClaimsStore, claim_id: str) -> dict[str, Any] | None:
    """The claim as JSON (money as strings) with its postings, oldest first."""
    claim = store.get(claim_id)
    if claim is None:
        return None
    view: dict[str, Any] = claim.model_dump(mode="json", exclude={"posting_ids", "lines"})
    view["lines"] = [line.model_dump(mode="json") for line in claim.lines]
    view["postings"] = [
        {
            "posting_id": posting.record.posting_id,
            "outcome": posting.record.outcome.value,
            "status_code": posting.record.status_code,
            "payer_id": posting.record.remittance.payer_id,
            "trace_number": posting.record.remittance.trace_number,
            "payment_date": posting.record.remittance.payment_date,
            "payer_claim_control_number": posting.record.payer_claim_control_number,
            "posted_payment": money_text(posting.record.posted_payment),
            "unapplied_cash": money_text(posting.unapplied_cash),
            "reverses": posting.record.reverses,
            "source": posting.record.remittance.source_key,
            "entries": [entry.model_dump(mode="json") for entry in posting.record.entries],
            "followups": [f.id for f in posting.followups],
        }
        for posting in store.postings(claim_id)
    ]
    return json.loads(json.dumps(view, default=str))  # type: ignore[no-any-return]


def run_show(args: argparse.Namespace) -> int:
    try:
        _, stores = connect(args)
        view = claim_view(stores.claims, args.claim_id)
    except (CommandError, ClientError, BotoCoreError) as error:
        return fail("claims show", error)
    if view is None:
        print(f"remitflow claims show: no claim {args.claim_id!r}", file=sys.stderr)
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
    return 0
