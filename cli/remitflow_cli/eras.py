"""`remitflow eras list|show`: ERAs (835 transaction sets: one check or EFT each) as billers read them.

`list` walks every page of ERAs by payment date (one payer's with --payer, a date range with --from
and --to); `show TRACE` finds the ERA of a check or EFT number (--payer when several payers used it)
and prints it whole: header, every claim payment with its CAS and outcome, the PLB lines, the money
invariant and the deposit. Its claims are read a page at a time and printed as they come.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from itertools import chain
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remitflow import runtime
from remitflow.domain.errors import InvalidRequest, NotFound
from remitflow.services.era_view import EraView
from remitflow_cli.connection import EXIT_NOT_FOUND, CommandError, add_stack_options, connect, fail, iso_date
from remitflow_cli.pages import PageReader, list_command

EXIT_AMBIGUOUS = 2


def register(commands: Any) -> None:
    eras = commands.add_parser("eras", help="ERAs: one 835 transaction set (a check or EFT) each")
    actions = eras.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="ERAs by payment date, with their balance and deposit status")
    listing.add_argument("--payer", help="only this payer's (TRN03, e.g. 1411289245)")
    listing.add_argument("--from", dest="date_from", type=iso_date, help="paid on or after YYYY-MM-DD")
    listing.add_argument("--to", dest="date_to", type=iso_date, help="paid on or before YYYY-MM-DD")
    listing.add_argument("--json", action="store_true", help="a JSON list of ERA summaries")
    add_stack_options(listing)
    listing.set_defaults(run=run_list)
    show = actions.add_parser("show", help="one ERA whole: claims, CAS, PLB, the money invariant, its deposit")
    show.add_argument("trace", help="the check or EFT number (TRN02)")
    show.add_argument("--payer", help="the payer (TRN03) when several payers used the number")
    show.add_argument("--json", action="store_true", help="the ERA as JSON, every claim included")
    add_stack_options(show)
    show.set_defaults(run=run_show)


def view_of(args: argparse.Namespace) -> EraView:
    settings, stores = connect(args)
    return runtime.era_view(settings, stores)


def _pages(args: argparse.Namespace) -> PageReader:
    view = view_of(args)
    return lambda cursor: view.page(payer_id=args.payer, date_from=args.date_from, date_to=args.date_to, cursor=cursor)


def _line(era: dict[str, Any]) -> str:
    balanced = {True: "balanced", False: "NOT BALANCED", None: "posting"}[era["balanced"]]
    return (
        f"{era['payment_date'] or '-':<10}  trace {era['trace_number']:<14}"
        f" {era['payer_name'] or era['payer_id']:<22}"
        f" {era['payment_amount']:>12} {era['payment_method']:<4} claims {era['claims_count'] or 0:>5}"
        f"  {balanced:<12} deposit {era['deposit_status']}"
    )


run_list = list_command("eras list", _pages, _line, when_empty=lambda: print("no ERAs"))


def run_show(args: argparse.Namespace) -> int:
    try:
        view = view_of(args)
        found = view.find(args.trace, args.payer)
        if not found:
            print(f"remitflow eras show: no ERA with trace {args.trace!r}", file=sys.stderr)
            return EXIT_NOT_FOUND
        if len(found) > 1:
            payers = ", ".join(sorted(str(e["payer_id"]) for e in found))
            print(
                f"remitflow eras show: trace {args.trace!r} is on ERAs of payers {payers}: add --payer", file=sys.stderr
            )
            return EXIT_AMBIGUOUS
        era = view.show(found[0]["era_id"])
        pages = _later_pages(view, found[0]["era_id"], era.pop("claims_next_cursor"))
        if args.json:
            _write_json(era, pages)
        else:
            _print(era, pages)
    except (CommandError, InvalidRequest, NotFound, ClientError, BotoCoreError) as error:
        return fail("eras show", error)
    return 0


def _later_pages(view: EraView, era_id: str, cursor: str | None) -> Iterator[list[dict[str, Any]]]:
    while cursor is not None:
        page = view.show(era_id, cursor=cursor)
        yield page["claims"]
        cursor = page["claims_next_cursor"]


def _write_json(era: dict[str, Any], pages: Iterator[list[dict[str, Any]]]) -> None:
    """The ERA as one JSON object, its claims written a page at a time (never all in memory)."""
    first = era.pop("claims")
    out = sys.stdout
    out.write("{\n")
    for name, value in era.items():
        out.write(f"  {json.dumps(name)}: {json.dumps(value)},\n")
    out.write('  "claims": [')
    separator = "\n"
    for page in chain([first], pages):
        for claim in page:
            out.write(separator + "    " + json.dumps(claim))
            separator = ",\n"
    out.write("\n  ]\n}\n")


def _print(era: dict[str, Any], pages: Iterator[list[dict[str, Any]]]) -> None:
    payee = era["payee"]
    print(f"ERA trace {era['trace_number']}  {era['payment_method']} {era['payment_amount']} on {era['payment_date']}")
    print(f"  payer   {era['payer_name'] or '-'} ({era['payer_id']})")
    print(f"  payee   {payee['name'] or '-'} ({payee['id_qualifier'] or ''} {payee['id'] or '-'})")
    print(f"  file    {era['source_key']}  produced {era['dates']['production_date'] or '-'}")
    print(f"  {'claim':<14}{'status':>6}{'charge':>12}{'paid':>12}{'patient':>12}  {'outcome':<18} CAS")
    for page in chain([era["claims"]], pages):
        for claim in page:
            cas = " ".join(f"{a['group']}-{a['reason']} {a['amount']}" for a in claim["adjustments"])
            print(
                f"  {claim['claim_id']:<14}{claim['status_code']:>6}"
                f"{claim['charge_amount']:>12}{claim['paid_amount']:>12}"
                f"{claim['patient_responsibility'] or '-':>12}  {claim['outcome']:<18} {cas}"
            )
    for plb in era["provider_adjustments"]:
        print(f"  PLB {plb['reason']:<4} {plb['reference'] or '':<16} {plb['amount']:>12}")
    inv = era["invariant"]
    verdict = "ok" if inv["holds"] else f"NOT BALANCED by {inv['difference']}"
    print(
        f"  paid {inv['payment_amount']} = posted {inv['posted_payment']} + held {inv['unapplied_cash']}"
        f" - provider adjustments {inv['provider_adjustments']} ({verdict})"
    )
    deposit = era["deposit"]
    where = f" {deposit['deposit_id']} {deposit['amount']} on {deposit['date']}" if deposit["deposit_id"] else ""
    print(f"  deposit {deposit['status']}{where}")
