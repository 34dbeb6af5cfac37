"""How CLI commands reach a stack: its outputs (from CloudFormation) name the bucket, tables and queue.

Works against AWS and against `remitflow local up` alike: `--endpoint-url` (or AWS_ENDPOINT_URL)
points every client at the local stack. Commands work on the stack through its adapters (`Stores`);
the two calls only the CLI makes, reading the stack's outputs and asking who the caller is, are here.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, TypeVar

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from remitflow.domain.errors import Conflict, InvalidRequest, NotFound
from remitflow.runtime import Clients, Stores
from remitflow.settings import Settings

DEFAULT_STACK = "remitflow"
DEFAULT_REGION = "us-east-1"
EXIT_FAILED = 1  # the message names the option, or what could not be reached
EXIT_NOT_FOUND = 3
EXIT_CONFLICT = 4  # someone else changed it first: read again and try again

Result = TypeVar("Result")

# Stack output -> settings field
OUTPUTS = {
    "InboxBucketName": "inbox_bucket_name",
    "ClaimsTableName": "claims_table_name",
    "RemittancesTableName": "remittances_table_name",
    "FollowupsTableName": "followups_table_name",
    "FollowupQueueUrl": "followup_queue_url",
    "PostingQueueUrl": "posting_queue_url",
}


class CommandError(Exception):
    """A failure the user can act on; printed as one line, never as a traceback."""


def whole_number(text: str) -> int:
    """An argparse type: ASCII digits only (int() would also take full-width and Arabic-Indic digits)."""
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"expected a whole number in digits 0-9, found {text!r}")
    return int(text)


def seconds(text: str) -> float:
    """An argparse type: a number of seconds such as 60 or 2.5, in ASCII digits."""
    whole, _, fraction = text.partition(".")
    if not (text.isascii() and whole.isdigit() and (fraction == "" or fraction.isdigit())):
        raise argparse.ArgumentTypeError(f"expected a number of seconds such as 60 or 2.5, found {text!r}")
    return float(text)


def iso_date(text: str) -> date:
    """An argparse type: YYYY-MM-DD in ASCII digits."""
    try:
        if not text.isascii():
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, found {text!r}") from None


def choice(values: Iterable[str]) -> Callable[[str], str]:
    """An argparse type: one of `values`, in any case ("DENIED" is "denied")."""
    allowed = {value.lower(): value for value in values}

    def parse(text: str) -> str:
        found = allowed.get(text.strip().lower())
        if found is None:
            raise argparse.ArgumentTypeError(f"expected one of {', '.join(allowed.values())}; found {text!r}")
        return found

    return parse


def add_stack_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--endpoint-url",
        default=os.environ.get("AWS_ENDPOINT_URL"),
        help="AWS endpoint, e.g. the http://127.0.0.1:PORT printed by `remitflow local up` (default: AWS_ENDPOINT_URL)",
    )
    command.add_argument("--stack", default=DEFAULT_STACK, help=f"stack name (default: {DEFAULT_STACK})")
    region = os.environ.get("AWS_DEFAULT_REGION", DEFAULT_REGION)
    command.add_argument("--region", default=region, help=f"AWS region (default: AWS_DEFAULT_REGION, else {region})")


def _session(args: argparse.Namespace) -> Any:
    if args.endpoint_url and not os.environ.get("AWS_ACCESS_KEY_ID"):
        # The local stack accepts any credentials; never look for real ones to talk to it.
        return boto3.Session(
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - the local stack's placeholder, not a secret
            region_name=args.region,
        )
    return boto3.Session(region_name=args.region)


def client_factory(args: argparse.Namespace) -> Any:
    """service name -> a boto3 client of the stack's account and endpoint."""
    session = _session(args)

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=args.endpoint_url)

    return client


def stack_outputs(args: argparse.Namespace) -> dict[str, str]:
    try:
        stacks = client_factory(args)("cloudformation").describe_stacks(StackName=args.stack)["Stacks"]
    except (ClientError, BotoCoreError) as error:
        where = args.endpoint_url or "AWS"
        raise CommandError(f"cannot read stack {args.stack!r} at {where}: {error}") from None
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def connect(args: argparse.Namespace) -> tuple[Settings, Stores]:
    client = client_factory(args)
    outputs = stack_outputs(args)
    missing = sorted(set(OUTPUTS) - set(outputs))
    if missing:
        raise CommandError(f"stack {args.stack!r} has no output {', '.join(missing)}: is it a remitflow stack?")
    settings = Settings.model_validate({field: outputs[name] for name, field in OUTPUTS.items()})
    clients = Clients(dynamodb=client("dynamodb"), s3=client("s3"), sqs=client("sqs"))
    return settings, Stores.create(settings, clients)


def caller_arn(args: argparse.Namespace) -> str:
    """Who the AWS credentials belong to (STS), for commands that record who acted."""
    arn: str = _session(args).client("sts", endpoint_url=args.endpoint_url).get_caller_identity()["Arn"]
    return arn


def acting_as(args: argparse.Namespace, option: str = "--as") -> str:
    """Who acts: the name given with `option` (args.identity), else the AWS caller's ARN."""
    if args.identity is not None:
        name = str(args.identity).strip()
        if not name:
            raise CommandError(f"{option}: give a name")
        return name
    try:
        return caller_arn(args)
    except (ClientError, BotoCoreError) as error:
        raise CommandError(f"cannot tell who you are ({error}): say so with {option} NAME") from None


def fail(command: str, error: Exception | str, code: int = EXIT_FAILED) -> int:
    print(f"remitflow {command}: {error}", file=sys.stderr)
    return code


def run_service(
    command: str,
    work: Callable[[], Result],
    show: Callable[[Result], None],
    *,
    option: Callable[[str], str],
    problems: Callable[[ValidationError], str],
) -> int:
    """Run a command's call to a service and `show` its result; a failure is one line and an exit code.

    `option` names the command-line option a request field came from; `problems` words a request
    the service's model refused.
    """
    try:
        result = work()
    except NotFound as error:
        return fail(command, error, EXIT_NOT_FOUND)
    except Conflict as error:
        return fail(command, error, EXIT_CONFLICT)
    except InvalidRequest as error:
        return fail(command, f"{option(error.field)}: {error.message}")
    except ValidationError as error:
        return fail(command, problems(error))
    except (CommandError, ClientError, BotoCoreError) as error:
        return fail(command, error)
    show(result)
    return 0
