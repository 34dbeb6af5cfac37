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

from pydantic import BaseModel, ValidationError

from remitflow import runtime
from remitflow.domain.code_words import CodeKind, code_text
from remitflow.domain.errors import InvalidRequest
from remitflow.domain.followups import PERSON_FACING_TYPES
from remitflow.domain.resolutions import PatientWriteOffReason, Resolution, WriteOffBalance
from remitflow.services.worklist import Worklist
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
    acting_as,
    add_stack_options,
    choice,
    connect,
    iso_date,
    run_service,
    whole_number,
)
from remitflow_cli.nearby import did_you_mean

STATUSES = ("open", "appealed", "resolved", "any")


def register(commands: Any) -> None:
    followups = commands.add_parser("followups", help="work the follow-up queue")
    actions = followups.add_subparsers(dest="action", required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="follow-ups, oldest first")
    listing.add_argument(
        "--status",
        default="open",
        type=choice(STATUSES),
        metavar="|".join(STATUSES),
        help="which follow-ups (default: open; any: open, appealed and resolved)",
    )
    types = [t.value for t in PERSON_FACING_TYPES]
    listing.add_argument("--type", type=choice(types), metavar="TYPE", help=f"only this type: {', '.join(types)}")
    listing.add_argument("--payer-id", help="only this payer's (the 835's TRN03, e.g. 1411289245)")
    listing.add_argument("--claim-id", help="only this claim's")
    listing.add_argument("--assignee", help="only those assigned to this person")
    listing.add_argument("--min-age-days", type=whole_number, help="at least this many days old")
    listing.add_argument("--max-age-days", type=whole_number, help="at most this many days old")
    listing.add_argument("--min-amount", help='at least this amount, e.g. "10.00"')
    listing.add_argument("--max-amount", help='at most this amount, e.g. "500.00"')
    listing.add_argument("--limit", type=whole_number, help="at most this many (default: all)")
    listing.set_defaults(run=run_list)

    show = actions.add_parser("show", help="one follow-up with its note, history, claim and 835 claim payment")
    show.add_argument("id", help="the follow-up's id (from `followups list`)")
    show.set_defaults(run=run_show)

    assign = actions.add_parser("assign", help="take a follow-up (or give it to --to)")
    assign.add_argument("id", help="the follow-up's id")
    assign.add_argument("--to", dest="assignee", help="who gets it (default: whoever runs the command)")
    assign.set_defaults(run=run_assign)

    unassign = actions.add_parser("unassign", help="give a follow-up back to the queue")
    unassign.add_argument("id", help="the follow-up's id")
    unassign.set_defaults(run=run_unassign)

    resolve = actions.add_parser("resolve", help="close a follow-up with a resolution and a note")
    resolve.add_argument("id", help="the follow-up's id")
    resolutions = [r.value for r in Resolution]
    resolve.add_argument(
        "--resolution",
        required=True,
        type=choice(resolutions),
        metavar="RESOLUTION",
        help=f"how it was resolved: {', '.join(resolutions)}",
    )
    resolve.add_argument("--note", required=True, help="why: what was found or done")
    resolve.add_argument("--claim-id", help="applied_to_claim: the claim the money pays; written_off: the claim")
    resolve.add_argument("--write-off-reason", help="written_off: why the balance is written off")
    resolve.add_argument("--amount", help='written_off: how much, e.g. "12.34" (default: the whole balance)')
    resolve.add_argument("--appeal-due-date", type=iso_date, help="appealed: when the appeal is due, YYYY-MM-DD")
    resolve.add_argument(
        "--write-off-balance",
        choices=[b.value for b in WriteOffBalance],
        help="written_off: whose balance (default insurance; patient takes --write-off-reason "
        + "|".join(PatientWriteOffReason)
        + ")",
    )
    resolve.set_defaults(run=run_resolve)

    reopen = actions.add_parser("reopen", help="reopen a resolved follow-up, reversing what its resolution posted")
    reopen.add_argument("id", help="the follow-up's id")
    reopen.add_argument("--note", required=True, help="why it is reopened")
    reopen.set_defaults(run=run_reopen)

    for command in (assign, unassign, resolve, reopen):
        command.add_argument(
            "--expected-version", type=whole_number, help="act only if the follow-up is still at this version"
        )
        command.add_argument("--as", dest="identity", help="who is acting (default: the AWS caller's ARN)")
    for command in (listing, show, assign, unassign, resolve, reopen):
        command.add_argument("--json", action="store_true", help="print the result as JSON")
        add_stack_options(command)


def _given(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def _option(field: str) -> str:
    return "--" + field.replace("_", "-")


def _command(action: str, work: Callable[[Worklist, argparse.Namespace], BaseModel | list[FollowupView]]) -> Any:
    """Run one worklist action: connect, call the service, print; errors become messages and exit codes."""

    def run(args: argparse.Namespace) -> int:
        def act() -> BaseModel | list[FollowupView]:
            settings, stores = connect(args)
            try:
                return work(runtime.worklist(settings, stores), args)
            except InvalidRequest as error:
                if error.field == "claim_id" and error.message.startswith("no claim") and args.claim_id:
                    hint = did_you_mean(args.claim_id, stores.claims.existing)
                    raise InvalidRequest(error.field, error.message + hint) from None
                raise

        return run_service(
            f"followups {action}", act, lambda result: _print(result, args), option=_option, problems=validation_text
        )

    return run


def validation_text(error: ValidationError) -> str:
    """Each problem as the option it came from and what was expected, in our words."""
    problems = []
    for problem in error.errors():
        option = _option(".".join(str(part) for part in problem["loc"]))
        context = problem.get("ctx") or {}
        expected = {
            "string_too_short": "must not be empty",
            "string_too_long": f"at most {context.get('max_length')} characters",
            "greater_than_equal": f"at least {context.get('ge')}",
            "less_than_equal": f"at most {context.get('le')}",
        }.get(problem["type"], str(problem["msg"]).removeprefix("Value error, "))
        problems.append(f"{option}: {expected}")
    return "; ".join(problems)


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
        _detail(result)
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


def _detail(result: FollowupDetail) -> None:
    item = result.followup
    _line(item)
    print(f"  {item.summary}")
    if item.note:
        print(f"  note: {item.note}")
    status = (result.claim_payment or {}).get("status_code") or item.detail.get("status_code")
    if status:
        print(f"  835 claim status {code_text(CodeKind.CLAIM_STATUS, str(status))}")
    claim = result.claim
    if claim is not None:
        print(f"  claim {claim['claim_id']}: {claim['status']}, insurance balance {claim['insurance_balance']}")
    print(f"  may be resolved as: {', '.join(result.resolutions)}")
    if result.history:
        print("  history:")
    for entry in result.history:
        print(f"    {entry.at[:19].replace('T', ' ')}  {entry.by}  {entry.action}")
        for change in changes(entry.before, entry.after):
            print(f"      {change}")
        if entry.note:
            print(f"      note: {entry.note}")


def changes(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> list[str]:
    """What an action changed, one line per field, nested records flattened ("claim status: open -> paid")."""
    lines = []
    for name in dict.fromkeys([*before, *after]):
        old, new = before.get(name), after.get(name)
        label = f"{prefix}{name.replace('_', ' ')}"
        if isinstance(old, dict) or isinstance(new, dict):
            lines += changes(old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {}, f"{label} ")
        elif old != new:
            lines.append(f"{label}: {_shown(old)} -> {_shown(new)}" if name in before else f"{label}: {_shown(new)}")
    return lines


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value) or "-"
    return str(value)


def _list(service: Worklist, args: argparse.Namespace) -> list[FollowupView]:
    fields = _given(args, "status", "type", "payer_id", "claim_id", "assignee", "min_age_days", "max_age_days")
    fields |= _given(args, "min_amount", "max_amount")
    wanted = args.limit
    if wanted is not None and wanted < 1:
        raise InvalidRequest("limit", "must be at least 1")
    if fields["status"] == "any" and "type" not in fields:
        # The worklist lists every status of one type at a time; without a type: each status's,
        # merged oldest first.
        each = [_pages(service, fields | {"status": status}, wanted) for status in ("open", "appealed", "resolved")]
        return sorted([item for items in each for item in items], key=lambda item: (item.created_at, item.id))[:wanted]
    return _pages(service, fields, wanted)


def _pages(service: Worklist, fields: dict[str, Any], wanted: int | None) -> list[FollowupView]:
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
    return service.assign(args.id, request, caller=acting_as(args))


def _unassign(service: Worklist, args: argparse.Namespace) -> FollowupView:
    request = UnassignRequest.model_validate(_given(args, "expected_version"))
    return service.unassign(args.id, request, caller=acting_as(args))


def _resolve(service: Worklist, args: argparse.Namespace) -> ResolveResult:
    fields = _given(args, "resolution", "note", "claim_id", "write_off_reason", "amount", "appeal_due_date")
    fields |= _given(args, "write_off_balance")
    request = ResolveRequest.model_validate(fields | _given(args, "expected_version"))
    return service.resolve(args.id, request, caller=acting_as(args))


run_list = _command("list", _list)
run_show = _command("show", lambda service, args: service.get(args.id))
run_assign = _command("assign", _assign)
run_unassign = _command("unassign", _unassign)
run_resolve = _command("resolve", _resolve)


def _reopen(service: Worklist, args: argparse.Namespace) -> ResolveResult:
    request = ReopenRequest.model_validate(_given(args, "note", "expected_version"))
    return service.reopen(args.id, request, caller=acting_as(args))


run_reopen = _command("reopen", _reopen)
