"""`remitflow followups list|show|assign|unassign|resolve|reopen`: work the billers' worklist from a shell.

    remitflow followups list [--type T] [--status S] [--claim-id C] ... [--json]
    remitflow followups show ID [--json]
    remitflow followups assign ID [--to NAME] [--expected-version N]
    remitflow followups unassign ID [--expected-version N]
    remitflow followups resolve ID --resolution applied_to_claim --claim-id PCN1005 --note "old account number"
    remitflow followups reopen ID --note "applied to the wrong claim"

The commands call the same service as the API. Who acts is `--as NAME`, else the AWS caller (its
ARN). Exit status: 0 done, 1 error (the message names the option), 3 no such follow-up, 4 someone
else changed it first (reload and try again).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ValidationError

from remitflow import runtime
from remitflow.domain.errors import Conflict, NotFound
from remitflow.domain.followups import FollowupType
from remitflow.domain.resolutions import PatientWriteOffReason, Resolution, WriteOffBalance
from remitflow.services.worklist import InvalidRequest, Worklist
from remitflow.services.worklist_models import (
    MAX_PAGE,
    AssignRequest,
    FollowupDetail,
    FollowupView,
    ListQuery,
    ReopenRequest,
    ResolveRequest,
    ResolveResult,
    UnassignRequest,
)
from remitflow_cli.connection import (
    EXIT_FAILED,
    CommandError,
    add_stack_options,
    caller_arn,
    connect,
    fail,
    whole_number,
)

EXIT_NOT_FOUND = 3
EXIT_CONFLICT = 4


def register(commands: Any) -> None:
    followups = commands.add_parser("followups", help="work the follow-up queue")
    actions = followups.add_subparsers(dest="action", required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="follow-ups, oldest first")
    listing.add_argument("--status", default="open", choices=["open", "appealed", "resolved", "any"])
    listing.add_argument("--type", choices=[t.value for t in FollowupType])
    listing.add_argument("--payer-id")
    listing.add_argument("--claim-id")
    listing.add_argument("--assignee")
    listing.add_argument("--min-age-days", type=whole_number)
    listing.add_argument("--max-age-days", type=whole_number)
    listing.add_argument("--min-amount", help='e.g. "10.00"')
    listing.add_argument("--max-amount", help='e.g. "500.00"')
    listing.add_argument("--limit", type=whole_number, help="at most this many (default: all)")
    listing.set_defaults(run=run_list)

    show = actions.add_parser("show", help="one follow-up with its history, claim and 835 claim payment")
    show.add_argument("id")
    show.set_defaults(run=run_show)

    assign = actions.add_parser("assign", help="take a follow-up (or give it to --to)")
    assign.add_argument("id")
    assign.add_argument("--to", dest="assignee", help="who gets it (default: whoever runs the command)")
    assign.set_defaults(run=run_assign)

    unassign = actions.add_parser("unassign", help="give a follow-up back to the queue")
    unassign.add_argument("id")
    unassign.set_defaults(run=run_unassign)

    resolve = actions.add_parser("resolve", help="close a follow-up with a resolution and a note")
    resolve.add_argument("id")
    resolve.add_argument("--resolution", required=True, choices=[r.value for r in Resolution])
    resolve.add_argument("--note", required=True, help="why: what was found or done")
    resolve.add_argument("--claim-id", help="applied_to_claim: the claim the money pays; written_off: the claim")
    resolve.add_argument("--write-off-reason", help="written_off: why the balance is written off")
    resolve.add_argument("--amount", help='written_off: how much, e.g. "12.34" (default: the whole balance)')
    resolve.add_argument("--appeal-due-date", help="appealed: YYYY-MM-DD")
    resolve.add_argument(
        "--write-off-balance",
        choices=[b.value for b in WriteOffBalance],
        help="written_off: whose balance (default insurance; patient takes --write-off-reason "
        + "|".join(PatientWriteOffReason)
        + ")",
    )
    resolve.set_defaults(run=run_resolve)

    reopen = actions.add_parser("reopen", help="reopen a resolved follow-up, reversing what its resolution posted")
    reopen.add_argument("id")
    reopen.add_argument("--note", required=True, help="why it is reopened")
    reopen.set_defaults(run=run_reopen)

    for command in (assign, unassign, resolve, reopen):
        command.add_argument(
            "--expected-version", type=whole_number, help="act only if the follow-up is still at this version"
        )
        command.add_argument("--as", dest="identity", help="who is acting (default: the AWS caller's ARN)")
    for command in (listing, show, assign, unassign, resolve, reopen):
        command.add_argument("--json", action="store_true")
        add_stack_options(command)


def _given(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def _option(field: str) -> str:
    return "--" + field.replace("_", "-")


def _identity(args: argparse.Namespace) -> str:
    if args.identity is not None:
        name = str(args.identity).strip()
        if not name:
            raise CommandError("--as: give a name")
        return name
    try:
        return caller_arn(args)
    except (ClientError, BotoCoreError) as error:
        raise CommandError(f"cannot tell who you are ({error}): say so with --as NAME") from None


def _command(action: str, work: Callable[[Worklist, argparse.Namespace], BaseModel | list[FollowupView]]) -> Any:
    """Run one worklist action: connect, call the service, print; errors become messages and exit codes."""

    def run(args: argparse.Namespace) -> int:
        name = f"followups {action}"
        try:
            settings, stores = connect(args)
            result = work(runtime.worklist(settings, stores), args)
        except NotFound as error:
            print(f"remitflow {name}: {error}", file=sys.stderr)
            return EXIT_NOT_FOUND
        except Conflict as error:
            print(f"remitflow {name}: {error}", file=sys.stderr)
            return EXIT_CONFLICT
        except InvalidRequest as error:
            print(f"remitflow {name}: {_option(error.field)}: {error.message}", file=sys.stderr)
            return EXIT_FAILED
        except ValidationError as error:
            problems = "; ".join(
                f"{_option('.'.join(str(p) for p in e['loc']))}: {str(e['msg']).removeprefix('Value error, ')}"
                for e in error.errors()
            )
            print(f"remitflow {name}: {problems}", file=sys.stderr)
            return EXIT_FAILED
        except (CommandError, ClientError, BotoCoreError) as error:
            return fail(name, error)
        _print(result, args)
        return 0

    return run


def _print(result: BaseModel | list[FollowupView], args: argparse.Namespace) -> None:
    if args.json:
        data = (
            [item.model_dump(mode="json") for item in result]
            if isinstance(result, list)
            else result.model_dump(mode="json")
        )
        json.dump(data, sys.stdout, indent=2)
        print()
    elif isinstance(result, list):
        for item in result:
            _line(item)
        print(f"{len(result)} follow-up(s)", file=sys.stderr)
    elif isinstance(result, FollowupDetail):
        _line(result.followup)
        claim = result.claim
        if claim is not None:
            print(f"  claim {claim['claim_id']}: {claim['status']}, insurance balance {claim['insurance_balance']}")
        print(f"  may be resolved as: {', '.join(result.resolutions)}")
        for entry in result.history:
            print(f"  {entry.at[:19]}  {entry.by}  {entry.action}  {json.dumps(entry.after)}")
    elif isinstance(result, ResolveResult):
        _line(result.followup)
        if result.claim is not None:
            print(f"  claim {result.claim['claim_id']}: insurance balance {result.claim['insurance_balance']}")
    elif isinstance(result, FollowupView):
        _line(result)


def _line(item: FollowupView) -> None:
    state = item.resolution.value if item.resolution else item.status.value
    print(
        f"{item.created_at[:10]}  {item.type.value:<22} {item.claim_id or '-':<12} {item.amount or '':>10}"
        f"  {state:<16} {item.assignee or '-':<24} v{item.version}  {item.id}"
    )


def _list(service: Worklist, args: argparse.Namespace) -> list[FollowupView]:
    fields = _given(args, "status", "type", "payer_id", "claim_id", "assignee", "min_age_days", "max_age_days")
    fields |= _given(args, "min_amount", "max_amount")
    wanted = args.limit
    if wanted is not None and wanted < 1:
        raise InvalidRequest("limit", "must be at least 1")
    items: list[FollowupView] = []
    cursor = None
    while True:
        size = MAX_PAGE if wanted is None else min(MAX_PAGE, wanted - len(items))
        page = service.list(ListQuery.model_validate(fields | {"cursor": cursor, "limit": size}))
        items.extend(page.items)
        cursor = page.next_cursor
        if cursor is None or (wanted is not None and len(items) >= wanted):
            return items


def _assign(service: Worklist, args: argparse.Namespace) -> FollowupView:
    request = AssignRequest.model_validate(_given(args, "assignee", "expected_version"))
    return service.assign(args.id, request, caller=_identity(args))


def _unassign(service: Worklist, args: argparse.Namespace) -> FollowupView:
    request = UnassignRequest.model_validate(_given(args, "expected_version"))
    return service.unassign(args.id, request, caller=_identity(args))


def _resolve(service: Worklist, args: argparse.Namespace) -> ResolveResult:
    fields = _given(args, "resolution", "note", "claim_id", "write_off_reason", "amount", "appeal_due_date")
    fields |= _given(args, "write_off_balance")
    request = ResolveRequest.model_validate(fields | _given(args, "expected_version"))
    return service.resolve(args.id, request, caller=_identity(args))


run_list = _command("list", _list)
run_show = _command("show", lambda service, args: service.get(args.id))
run_assign = _command("assign", _assign)
run_unassign = _command("unassign", _unassign)
run_resolve = _command("resolve", _resolve)


def _reopen(service: Worklist, args: argparse.Namespace) -> ResolveResult:
    request = ReopenRequest.model_validate(_given(args, "note", "expected_version"))
    return service.reopen(args.id, request, caller=_identity(args))


run_reopen = _command("reopen", _reopen)
