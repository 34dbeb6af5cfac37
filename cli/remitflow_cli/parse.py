"""`remitflow parse FILE [--json]`: read an 835 and show what it pays, or why it cannot be read.

The JSON is written as the file is read (one claim at a time), so a large file never sits in memory.
It holds everything the summary counts: a claim that could not be read is under its transaction's
`unreadable_claims`, a service line that could not be read under its claim's `unreadable_service_lines`,
each with its problems.
Exit 0 when at least one transaction set was read, 2 when none could be.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from remitflow.domain.code_words import CodeKind, describe
from remitflow.x12 import Problem, RemittanceParser, Severity
from remitflow.x12.models import BrokenClaim, ClaimPayment, TransactionEnd, TransactionHeader

EXIT_UNREADABLE = 2


def register(commands: Any) -> None:
    command = commands.add_parser("parse", help="read an 835 remittance and summarise it")
    command.add_argument("file", type=Path, help="the 835 file")
    command.add_argument("--json", action="store_true", help="print the whole remittance as JSON")
    command.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        stream = path.open("rb")
    except OSError as exc:
        print(f"remitflow parse: cannot open {path}: {exc.strerror}", file=sys.stderr)
        return EXIT_UNREADABLE
    with stream:
        parser = RemittanceParser(stream)
        if args.json:
            _write_json(parser, sys.stdout)
        else:
            _write_summary(parser, path, sys.stdout)
    if parser.transactions_read == 0:
        errors = [p for p in parser.problems if p.severity == Severity.ERROR]
        reason = errors[0].message if errors else "it holds no 835 transaction set"
        print(f"remitflow parse: {path}: nothing could be read: {reason}", file=sys.stderr)
        return EXIT_UNREADABLE
    return 0


def _problem_json(problem: Problem) -> dict[str, Any]:
    return problem.model_dump(mode="json", exclude={"severity"})


def _write_json(parser: RemittanceParser, out: TextIO) -> None:
    out.write('{"transactions": [')
    first_transaction = True
    first_claim = True
    broken: list[BrokenClaim] = []
    for event in parser:
        if isinstance(event, TransactionHeader):
            header = event.model_dump(mode="json")
            out.write(("" if first_transaction else ",") + "\n" + json.dumps(header)[:-1] + ', "claims": [')
            first_transaction, first_claim, broken = False, True, []
        elif isinstance(event, ClaimPayment):
            out.write(("" if first_claim else ",") + "\n  " + event.model_dump_json())
            first_claim = False
        elif isinstance(event, BrokenClaim):
            broken.append(event)
        else:
            totals = event.totals.model_dump(mode="json")
            totals["unreadable_claims"] = [b.model_dump(mode="json") for b in broken]
            out.write("], " + json.dumps(totals)[1:])
    problems = parser.problems
    out.write(
        "\n], "
        + json.dumps(
            {
                "warnings": [_problem_json(p) for p in problems if p.severity == Severity.WARNING],
                "errors": [_problem_json(p) for p in problems if p.severity == Severity.ERROR],
            },
            indent=None,
        )[1:]
        + "\n"
    )


def _money(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _write_summary(parser: RemittanceParser, path: Path, out: TextIO) -> None:
    out.write(f"{path}\n")
    statuses: dict[str, int] = {}
    for event in parser:
        if isinstance(event, ClaimPayment):
            word = describe(CodeKind.CLAIM_STATUS, event.status_code)
            label = f"status {event.status_code}" if word is None else word.label
            statuses[label] = statuses.get(label, 0) + 1
        elif isinstance(event, TransactionHeader):
            statuses = {}
            payment = event.payment
            payer = event.payer.name if event.payer else "unknown payer"
            payee = event.payee.name if event.payee else "unknown payee"
            out.write(
                f"\ntransaction {event.control_number}: {payer} paid {payee}\n"
                f"  payment   {_money(payment.amount)} {payment.credit_debit} by {payment.method}, "
                f"effective {payment.effective_date or '-'}, trace {payment.trace_number or '-'} "
                f"(payer {payment.payer_identifier or '-'})\n"
            )
        elif isinstance(event, TransactionEnd):
            totals = event.totals
            unreadable = f", {totals.unreadable_claim_count} unreadable" if totals.unreadable_claim_count else ""
            out.write(
                f"  claims    {totals.claim_count}{unreadable} with {totals.service_line_count} service lines: "
                f"charged {_money(totals.charge_total)}, paid {_money(totals.paid_total)}\n"
                f"            {', '.join(f'{count} {label}' for label, count in statuses.items()) or 'none'}\n"
                f"  provider adjustments {len(totals.provider_adjustments)}: "
                f"{_money(totals.provider_adjustment_total)}\n"
                f"  balanced  {'yes' if totals.balanced else 'no'}\n"
            )
            for message in totals.balance_errors:
                out.write(f"    {message}\n")
    for severity in (Severity.ERROR, Severity.WARNING):
        found = [p for p in parser.problems if p.severity == severity]
        if found:
            out.write(f"\n{severity.value}s ({len(found)}):\n")
            out.writelines(f"  {p.message}\n" for p in found)
