"""`remitflow followups list [--type T] [--status S] [--json]`: the billers' worklist."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remitflow.cli.connection import CommandError, add_stack_options, connect, fail
from remitflow.domain.followups import FollowupStatus, FollowupType
from remitflow.domain.values import money_text


def register(commands: Any) -> None:
    followups = commands.add_parser("followups", help="work the follow-up queue")
    actions = followups.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="follow-ups, oldest first")
    listing.add_argument("--type", choices=[t.value for t in FollowupType])
    listing.add_argument("--status", default=FollowupStatus.OPEN.value, choices=[s.value for s in FollowupStatus])
    listing.add_argument("--json", action="store_true")
    add_stack_options(listing)
    listing.set_defaults(run=run_list)


def as_json(item: dict[str, Any]) -> dict[str, Any]:
    """A worklist item for JSON: money as text, no table keys."""
    view = {key: value for key, value in item.items() if key != "pk"}
    view["amount"] = None if item.get("amount") is None else money_text(item["amount"])
    return json.loads(json.dumps(view, default=str))  # type: ignore[no-any-return]


def run_list(args: argparse.Namespace) -> int:
    try:
        _, stores = connect(args)
        items = [as_json(item) for item in stores.worklist.by_status(args.status, args.type)]
    except (CommandError, ClientError, BotoCoreError) as error:
        return fail("followups list", error)
    if args.json:
        json.dump(items, sys.stdout, indent=2)
        print()
        return 0
    for item in items:
        print(
            f"{item['created_at'][:10]}  {item['type']:<22} {item.get('claim_id') or '-':<12}"
            f" {item['amount'] or '':>10}  {', '.join(item['reason_codes'])}  {item['id']}"
        )
    print(f"{len(items)} {args.status} follow-up(s)", file=sys.stderr)
    return 0
