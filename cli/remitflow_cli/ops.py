"""`remitflow ops failures list|show|redrive`: the work a function gave up on, and the way back.

    remitflow ops failures list [--queue followups|posting|functions] [--limit N] [--json]
    remitflow ops failures show MESSAGE_ID [--json]
    remitflow ops failures redrive QUEUE [--limit N]

`followups` is FollowupDeadLetterQueue, `posting` PostingDeadLetterQueue, `functions`
FunctionFailureQueue (S3 and scheduled events a function failed three times). A failure is shown by
what failed, when, in which function, its error and its object key, never by its body (it can name
patients). `redrive` sends each message back (to the queue it came from, or to its function) and
then deletes it; every consumer is idempotent, so running it again is safe. A message that fails
again simply returns to its queue. Exit status: 0 done, 1 error, 3 no such message.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remitflow import runtime
from remitflow.services.failures import MAX_REDRIVE, QUEUES, FailedWork, Failures
from remitflow_cli.connection import CommandError, add_stack_options, client_factory, fail, stack_outputs, whole_number

EXIT_NOT_FOUND = 3
# Stack output -> the name runtime.failures knows it by
QUEUE_OUTPUTS = {
    "FollowupDeadLetterQueueUrl": "followups",
    "PostingDeadLetterQueueUrl": "posting",
    "FunctionFailureQueueUrl": "functions",
    "FollowupQueueUrl": "followups_source",
    "PostingQueueUrl": "posting_source",
}


def register(commands: Any) -> None:
    ops = commands.add_parser("ops", help="operate the stack: failed work")
    areas = ops.add_subparsers(dest="area", required=True, metavar="AREA")
    failures = areas.add_parser("failures", help="dead-letter and failure queues: see and redrive")
    actions = failures.add_subparsers(dest="action", required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="failed work, oldest first")
    listing.add_argument("--queue", choices=QUEUES, help="only this queue's (default: every one)")
    listing.add_argument("--limit", type=whole_number, default=50, help="at most this many per queue (default 50)")
    listing.set_defaults(run=run_list)
    show = actions.add_parser("show", help="one failed message, by message id")
    show.add_argument("message_id", help="the failed message's id (ops failures list shows them)")
    show.set_defaults(run=run_show)
    redrive = actions.add_parser("redrive", help="send a queue's failed work back to its function")
    redrive.add_argument("queue", choices=QUEUES, help="the queue whose failed work goes back to its function")
    redrive.add_argument("--limit", type=whole_number, default=MAX_REDRIVE, help=f"at most (default {MAX_REDRIVE})")
    redrive.set_defaults(run=run_redrive)
    for command in (listing, show, redrive):
        add_stack_options(command)
        command.add_argument("--json", action="store_true", help="print the result as JSON")


def service(args: argparse.Namespace) -> Failures:
    outputs = stack_outputs(args)
    missing = sorted(set(QUEUE_OUTPUTS) - set(outputs))
    if missing:
        raise CommandError(f"stack {args.stack!r} has no output {', '.join(missing)}: is it a remitflow stack?")
    client = client_factory(args)
    urls = {name: outputs[output] for output, name in QUEUE_OUTPUTS.items()}
    return runtime.failures(client("sqs"), client("lambda"), urls)


def run_list(args: argparse.Namespace) -> int:
    return _guarded("ops failures list", lambda: _print_list(service(args).pending(args.queue, args.limit), args.json))


def run_show(args: argparse.Namespace) -> int:
    def show() -> int:
        found = service(args).show(args.message_id)
        if found is None:
            raise LookupError(f"no failed message {args.message_id!r} in {', '.join(QUEUES)}")
        print(json.dumps(found.as_json(), indent=2) if args.json else _long(found))
        return 0

    return _guarded("ops failures show", show)


def run_redrive(args: argparse.Namespace) -> int:
    def redrive() -> int:
        result = service(args).redrive(args.queue, args.limit)
        if args.json:
            print(json.dumps({"queue": result.queue, "moved": result.moved, "message_ids": list(result.message_ids)}))
        else:
            print(f"{result.moved} message(s) sent back from {result.queue}")
        return 0

    return _guarded("ops failures redrive", redrive)


def _guarded(command: str, action: Any) -> int:
    try:
        code: int = action()
    except LookupError as error:
        fail(command, error)
        return EXIT_NOT_FOUND
    except (CommandError, ValueError, ClientError, BotoCoreError) as error:
        return fail(command, error)
    return code


def _print_list(found: list[FailedWork], as_json: bool) -> int:
    if as_json:
        print(json.dumps([w.as_json() for w in found], indent=2))
        return 0
    if not found:
        print("no failed work")
    for work in found:
        when = work.failed_at.isoformat(timespec="seconds") if work.failed_at else "unknown time"
        print(f"{work.queue:<10} {work.message_id}  {when}  {work.function}  {work.what}  {work.object_key or '-'}")
        print(f"{'':<10} {work.error}")
    return 0


def _long(work: FailedWork) -> str:
    lines = [f"{name}: {value}" for name, value in work.as_json().items() if name != "details"]
    lines += [f"  {name}: {value}" for name, value in work.details.items()]
    return "\n".join(lines)
