"""`remitflow export worklist|claim|account|era|recon ... [-o FILE]`: CSV for a spreadsheet.

`worklist` takes the follow-up list's filters; `claim CLAIM_ID` and `account ACCOUNT_ID` write the
ledger (one row per entry of every posting); `era TRACE [--payer P]` every claim payment of the ERA
and its PLB lines, streamed a page at a time whatever its size; `recon [--date D]` the reconciliation
report as of a day. Every cell is guarded against formula injection. Without -o the CSV goes to
standard output.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from remitflow import runtime
from remitflow.domain.errors import InvalidRequest, NotFound
from remitflow.domain.followups import PERSON_FACING_TYPES
from remitflow.services.exports import Exports, csv_chunks
from remitflow.services.worklist_models import ListQuery
from remitflow_cli.connection import CommandError, add_stack_options, connect, fail, iso_date, whole_number

EXIT_NOT_FOUND = 3
EXIT_AMBIGUOUS = 2


def register(commands: Any) -> None:
    export = commands.add_parser("export", help="CSV of the worklist, a ledger, an ERA or the reconciliation")
    kinds = export.add_subparsers(dest="kind", required=True, metavar="KIND")
    worklist = kinds.add_parser("worklist", help="the follow-ups a list with these filters shows")
    worklist.add_argument("--status", default="open", choices=["open", "resolved", "any"], help="default: open")
    worklist.add_argument("--type", choices=[t.value for t in PERSON_FACING_TYPES], help="one type of follow-up")
    worklist.add_argument("--payer-id", help="one payer's (TRN03)")
    worklist.add_argument("--claim-id", help="one claim's")
    worklist.add_argument("--assignee", help="one biller's")
    worklist.add_argument("--min-age-days", type=whole_number, help="at least this many days old")
    worklist.add_argument("--max-age-days", type=whole_number, help="at most this many days old")
    worklist.add_argument("--min-amount", help='at least this amount, e.g. "10.00"')
    worklist.add_argument("--max-amount", help='at most this amount, e.g. "500.00"')
    claim = kinds.add_parser("claim", help="a claim's ledger")
    claim.add_argument("id", metavar="CLAIM_ID", help="the claim (patient control number, CLP01)")
    account = kinds.add_parser("account", help="the ledger of every claim of a patient account")
    account.add_argument("id", metavar="ACCOUNT_ID", help="the patient account")
    era = kinds.add_parser("era", help="an ERA's claim payments and PLB lines")
    era.add_argument("trace", help="the check or EFT number (TRN02)")
    era.add_argument("--payer", help="the payer (TRN03) when several payers used the number")
    recon = kinds.add_parser("recon", help="the reconciliation report as of a day")
    recon.add_argument("--date", type=iso_date, help="YYYY-MM-DD (default: today, UTC)")
    for parser in (worklist, claim, account, era, recon):
        parser.add_argument("-o", "--output", type=Path, help="write the CSV to this file (default: standard output)")
        add_stack_options(parser)
        parser.set_defaults(run=run_export)


def run_export(args: argparse.Namespace) -> int:
    try:
        settings, stores = connect(args)
        exports = runtime.exports(settings, stores)
        chunks = _chunks(exports, args)
        if chunks is None:
            return EXIT_AMBIGUOUS
        _write(chunks, args.output)
    except NotFound as error:
        print(f"remitflow export {args.kind}: {error}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except ValidationError as error:
        problems = "; ".join(f"--{'.'.join(map(str, e['loc'])).replace('_', '-')}: {e['msg']}" for e in error.errors())
        return fail(f"export {args.kind}", ValueError(problems))
    except (CommandError, InvalidRequest, OSError, ClientError, BotoCoreError) as error:
        return fail(f"export {args.kind}", error)
    return 0


def _chunks(exports: Exports, args: argparse.Namespace) -> Iterable[str] | None:
    if args.kind == "recon":
        _, text = exports.recon(args.date or datetime.now(UTC).date())
        return [text]
    if args.kind == "worklist":
        names = ("status", "type", "payer_id", "claim_id", "assignee", "min_age_days", "max_age_days")
        fields = {n: getattr(args, n) for n in (*names, "min_amount", "max_amount") if getattr(args, n) is not None}
        return csv_chunks(exports.worklist_view(ListQuery.model_validate(fields)))
    if args.kind == "era":
        found = exports.eras.find(args.trace, args.payer)
        if not found:
            raise NotFound(f"no ERA with trace {args.trace!r}")
        if len(found) > 1:
            payers = ", ".join(sorted(str(e["payer_id"]) for e in found))
            print(
                f"remitflow export era: trace {args.trace!r} is on ERAs of payers {payers}: add --payer",
                file=sys.stderr,
            )
            return None
        return csv_chunks(exports.era(found[0]["era_id"]))
    made = exports.claim(args.id) if args.kind == "claim" else exports.account(args.id)
    return csv_chunks(made)


def _write(chunks: Iterable[str], output: Path | None) -> None:
    if output is None:
        _copy(chunks, sys.stdout)
        return
    # Into a file beside the target, renamed when whole: a failed export leaves no half file.
    partial = output.with_name(output.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as out:
        _copy(chunks, out)
    partial.replace(output)


def _copy(chunks: Iterable[str], out: TextIO) -> None:
    for chunk in chunks:
        out.write(chunk)
