"""`remitflow recon sweep|report|list|match|unmatch|classify`: ERA <-> deposit reconciliation on a stack.

`sweep` runs the daily sweeper with a chosen "today" (follow-ups for what waited too long, the report
written to the bucket, the appeals due that day back on the worklist); `report` shows the
reconciliation as of a day without changing anything.
The others correct it by hand (the same service as the API):

    remitflow recon list --unmatched --json          the ERAs and deposits waiting, with their ids
    remitflow recon list                             the matches (with their ids) and classified deposits
    remitflow recon match --era ERA_ID --deposit DEPOSIT_ID... --note TEXT [--amounts-differ]
    remitflow recon unmatch MATCH_ID --note TEXT
    remitflow recon classify DEPOSIT_ID --as card_settlement --note TEXT

Exit status: 0 done, 1 error (the message names the option), 3 no such match, 4 someone else (or the
matcher) got there first.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from remitflow import runtime
from remitflow.domain.manual_recon import NotInsurance
from remitflow.services.manual_recon import ManualReconciliation
from remitflow.services.manual_recon_models import ClassifyRequest, ManualMatchRequest, UnmatchRequest
from remitflow_cli.connection import (
    CommandError,
    acting_as,
    add_stack_options,
    connect,
    fail,
    iso_date,
    run_service,
)


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

    listing = actions.add_parser("list", help="what waits (--unmatched), or the matches and classified deposits")
    listing.add_argument("--unmatched", action="store_true", help="the ERAs and deposits still waiting")
    listing.set_defaults(run=_by_hand("list", _list))

    match = actions.add_parser("match", help="match ERAs and deposits by hand")
    match.add_argument(
        "--era", dest="era_ids", action="append", required=True, metavar="ERA_ID", help="an ERA (repeatable)"
    )
    match.add_argument(
        "--deposit",
        dest="deposit_ids",
        action="append",
        required=True,
        metavar="DEPOSIT_ID",
        help="a deposit (repeatable)",
    )
    match.add_argument("--note", required=True, help="why they belong together")
    match.add_argument(
        "--amounts-differ", action="store_true", help="the totals differ: the note says why (else they must agree)"
    )
    match.set_defaults(run=_by_hand("match", _match))

    unmatch = actions.add_parser("unmatch", help="undo a match (the matcher's or a person's)")
    unmatch.add_argument("match_id", help="the match to undo (recon list shows the ids)")
    unmatch.add_argument("--note", required=True, help="why the match was wrong")
    unmatch.set_defaults(run=_by_hand("unmatch", _unmatch))

    classify = actions.add_parser("classify", help="say a deposit is not insurance money")
    classify.add_argument("deposit_id", help="the deposit (recon list --unmatched shows the ids)")
    classify.add_argument(
        "--as", dest="category", required=True, choices=[c.value for c in NotInsurance], help="what kind of money it is"
    )
    classify.add_argument("--note", required=True, help="what the deposit is")
    classify.add_argument("--by", dest="identity", help="who is acting (default: the AWS caller's ARN)")
    classify.set_defaults(run=_by_hand("classify", _classify))

    for command in (match, unmatch):
        command.add_argument("--as", dest="identity", help="who is acting (default: the AWS caller's ARN)")
    for command in (listing, match, unmatch, classify):
        command.add_argument("--json", action="store_true", help="print the result as JSON")
        add_stack_options(command)


def run_recon(args: argparse.Namespace) -> int:
    """`sweep` or `report` (`args.action`) as of `--as-of`, on the stack."""
    as_of = args.as_of or datetime.now(UTC).date()
    try:
        settings, stores = connect(args)
        service = runtime.reconciliation(settings, stores)
        report = service.sweep(as_of) if args.action == "sweep" else service.report(as_of)
        if args.action == "sweep":  # the daily sweeper also brings back the appeals due that day
            appeals = runtime.appeal_sweep(settings, stores).sweep(as_of)
            report |= {"appeals_due": appeals.due, "appeals_answered": appeals.answered}
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
    for key in ("appeals_due", "appeals_answered"):
        if key in report:
            print(f"  {key.replace('_', ' '):<28}{report[key]:>12}")


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
    for item in report.get("classified", ()):
        trace = item["trace_number"] or "-"
        by = f" by {item['classified_by']}" if item.get("classified_by") else ""
        print(f"  classified deposit   trace {trace:<12} {'':13}  deposit {item['amount']:>9}  {item['category']}{by}")


# ------------------------------------------------------------------------------ by hand


def _list(service: ManualReconciliation, args: argparse.Namespace) -> dict[str, Any]:
    return service.unmatched() if args.unmatched else service.matches()


def _match(service: ManualReconciliation, args: argparse.Namespace) -> dict[str, Any]:
    request = ManualMatchRequest(
        era_ids=args.era_ids, deposit_ids=args.deposit_ids, note=args.note, amounts_differ=args.amounts_differ
    )
    return service.match(request, caller=acting_as(args))


def _unmatch(service: ManualReconciliation, args: argparse.Namespace) -> dict[str, Any]:
    return service.unmatch(args.match_id, UnmatchRequest(note=args.note), caller=acting_as(args))


def _classify(service: ManualReconciliation, args: argparse.Namespace) -> dict[str, Any]:
    request = ClassifyRequest.model_validate({"category": args.category, "note": args.note})
    return service.classify(args.deposit_id, request, caller=acting_as(args, "--by"))


OPTIONS = {"era_ids": "--era", "deposit_ids": "--deposit", "deposit_id": "DEPOSIT_ID", "category": "--as"}


def _option(field: str) -> str:
    return OPTIONS.get(field, "--" + field.replace("_", "-"))


def _problems(error: ValidationError) -> str:
    return "; ".join(f"{_option(str(e['loc'][0]) if e['loc'] else 'input')}: {e['msg']}" for e in error.errors())


def _by_hand(action: str, work: Callable[[ManualReconciliation, argparse.Namespace], dict[str, Any]]) -> Any:
    def run(args: argparse.Namespace) -> int:
        def act() -> dict[str, Any]:
            settings, stores = connect(args)
            return work(runtime.manual_reconciliation(settings, stores), args)

        def show(result: dict[str, Any]) -> None:
            if args.json:
                json.dump(result, sys.stdout, indent=2, default=str)
                print()
            else:
                _print(action, result)

        return run_service(f"recon {action}", act, show, option=_option, problems=_problems)

    return run


def _print(action: str, result: dict[str, Any]) -> None:
    for era in result.get("eras", []):
        print(f"  ERA      {era['era_id']}  trace {era['trace_number']:<14} {era['amount']:>10}  {era['source']}")
    for deposit in result.get("deposits", []):
        trace = deposit.get("trace_number") or "-"
        print(
            f"  deposit  {deposit['deposit_id']}  trace {trace:<14} {deposit['amount']:>10}  "
            f"{deposit['booking_date']}  {deposit.get('bank_text') or ''}"
        )
    for found in result.get("matches", []):
        print(
            f"  match    {found['match_id']}  {found['confidence']:<10} ERA {found['era_amount']:>10}"
            f"  deposit {found['deposit_amount']:>10}  {found['rule']}"
        )
    for item in result.get("classified", []):
        print(f"  classified {item['deposit_id']}  {item['amount']:>10}  {item['category']}  by {item['by']}")
    if "match_id" in result and action == "match":
        print(f"matched: {result['match_id']} ({result['rule']})")
    if action == "classify":
        print(f"classified {result['deposit_id']} as {result['classification']['category']}")
