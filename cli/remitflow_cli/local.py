"""The embedded AWS: `remitflow demo` (one run, in-process) and `remitflow local up` (a server).

Both build the stack from template.yaml with moto and run the functions with the local runner
(remitflow_local). Those are imported only when these commands run, so that the other commands start
without them. What the commands read and write on the stack goes through its adapters.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from remitflow.adapters.s3 import Inbox, summary_key
from remitflow.domain.followups import FollowupStatus
from remitflow.runtime import Clients, Stores
from remitflow.services.reconciliation import REPORT_PREFIX
from remitflow.values import money_text
from remitflow_cli.connection import DEFAULT_REGION, DEFAULT_STACK, CommandError, fail, whole_number
from remitflow_cli.recon import print_report

if TYPE_CHECKING:
    from remitflow_local.runner import Invocation, LocalRunner

LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": DEFAULT_REGION,
}
# Locally nobody signs in: every API request acts as this person, and `local up` says so loudly.
DEFAULT_DEV_IDENTITY = "dev-biller@localhost"
WORKLIST_API = "WorklistApi"
# Sample files in the order a practice gets them: prices and claims, the payments, then the bank's file.
# (The camt.053 sample repeats the BAI2 file's ACH credit, so only the BAI2 file is loaded.)
SAMPLE_KINDS = (
    ("fee-schedules", "fee-schedules/", "*.csv"),
    ("claims", "claims/", "*.csv"),
    ("remittances", "remittances/", "*.835"),
    ("deposits", "deposits/", "*.bai"),
)
# The samples are from January 2025; the sweep runs a week after the last of them.
SAMPLES_AS_OF = date(2025, 1, 28)
CHECKOUT = Path(__file__).resolve().parents[2]


def register(commands: Any) -> None:
    demo = commands.add_parser("demo", help="post the sample files on an embedded AWS and summarise")
    _common(demo)
    demo.set_defaults(run=run_demo)

    local = commands.add_parser("local", help="the embedded AWS for interactive use")
    actions = local.add_subparsers(dest="action", required=True, metavar="ACTION")
    up = actions.add_parser("up", help="serve the stack on 127.0.0.1:PORT and run the functions on uploads")
    up.add_argument("--port", type=whole_number, default=4566, help="port of the embedded AWS endpoint (default: 4566)")
    up.add_argument("--with-samples", action="store_true", help="load the sample files first")
    up.add_argument("--api-port", type=whole_number, help="port of the billers' page and API (default: PORT + 1)")
    up.add_argument(
        "--dev-identity",
        default=DEFAULT_DEV_IDENTITY,
        help=f"who every local API request acts as (default: {DEFAULT_DEV_IDENTITY})",
    )
    up.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a template parameter, e.g. PostingChunkSize=50 (repeatable)",
    )
    up.add_argument(
        "--state-dir",
        type=Path,
        default=default_state_dir(),
        help=f"where local up keeps what it writes (default: {default_state_dir()})",
    )
    up.add_argument(
        "--env-file",
        type=Path,
        help="where to write the env vars for sam local invoke (default: STATE_DIR/local-env.json)",
    )
    up.add_argument(
        "--verbose", action="store_true", help="show every request to the embedded AWS and the API, and INFO logs"
    )
    _common(up)
    up.set_defaults(run=run_up)


def _common(command: argparse.ArgumentParser) -> None:
    template, samples = _in_checkout("template.yaml"), _in_checkout("samples")
    command.add_argument("--template", type=Path, default=template, help=f"the SAM template (default: {template})")
    command.add_argument("--samples", type=Path, default=samples, help=f"the sample files (default: {samples})")
    command.add_argument("--stack", default=DEFAULT_STACK, help=f"stack name (default: {DEFAULT_STACK})")


def _in_checkout(name: str) -> Path:
    """`name` in the working directory when it is there, else in the checkout the CLI was installed
    from (an editable install), so the commands work from any directory."""
    here = Path(name)
    return here if here.exists() else CHECKOUT / name


def default_state_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "remitflow" / "local"


def _check_paths(args: argparse.Namespace, *, samples: bool) -> None:
    if not args.template.is_file():
        raise CommandError(
            f"--template {str(args.template)!r}: no such file; expected remitflow's template.yaml "
            "(run from a remitflow checkout, or give --template PATH)"
        )
    if samples and not args.samples.is_dir():
        raise CommandError(f"--samples {str(args.samples)!r}: no such folder; expected remitflow's samples folder")


def _port_free(option: str, port: int) -> None:
    """Fail at once, naming the option, when the port is taken (moto's server would wait forever)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind: TIME_WAIT is free
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise CommandError(
                f"{option} {port}: cannot listen on 127.0.0.1:{port} ({error.strerror}); choose another"
            ) from None


@contextmanager
def _local_credentials() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in (*LOCAL_CREDENTIALS, "AWS_PROFILE", "AWS_SESSION_TOKEN")}
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.update(LOCAL_CREDENTIALS)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _report(invocation: Invocation) -> None:
    if invocation.error is not None:
        print(f"  {invocation.function} failed: {type(invocation.error).__name__}: {invocation.error}", file=sys.stderr)


def _stores(runner: LocalRunner) -> Stores:
    """The stack's adapters, wired as its functions wire them."""
    from remitflow_local.runner import function_settings

    # Every function is given every resource name (template.yaml's Globals): any one's settings do.
    settings = function_settings(next(iter(runner.stack.functions.values())))
    dynamodb = runner.session.client("dynamodb", region_name=runner.stack.region, endpoint_url=runner.endpoint_url)
    return Stores.create(settings, Clients(dynamodb=dynamodb, s3=runner.s3, sqs=runner.sqs))


def _upload_samples(runner: LocalRunner, inbox: Inbox, samples: Path) -> list[str]:
    remittance_keys = []
    for folder, prefix, pattern in SAMPLE_KINDS:
        for path in sorted((samples / folder).glob(pattern)):
            if path.is_file():
                inbox.upload(prefix + path.name, path.read_bytes())
                if prefix == "remittances/":
                    remittance_keys.append(prefix + path.name)
        runner.pump()
    return remittance_keys


def run_demo(args: argparse.Namespace) -> int:
    try:
        _check_paths(args, samples=True)
    except CommandError as error:
        return fail("demo", error)
    from moto import mock_aws

    from remitflow_local import deploy_local_stack
    from remitflow_local.runner import LocalRunner

    with _local_credentials(), mock_aws():
        stack = deploy_local_stack(args.template, stack_name=args.stack)
        runner = LocalRunner(stack, environment={"POWERTOOLS_LOG_LEVEL": "ERROR"}, on_invoke=_report)
        print(f"embedded AWS: stack {stack.stack_name} from {args.template}, {len(stack.functions)} functions")
        stores = _stores(runner)
        keys = _upload_samples(runner, stores.inbox, args.samples)
        # The daily sweep, as its schedule would run it a week after the samples' last payment.
        runner.invoke("ReconciliationSweeper", {"as_of": SAMPLES_AS_OF.isoformat()})
        runner.pump()
        summaries = [_written(stores.inbox, summary_key(key)) for key in keys]
        report = _written(stores.inbox, f"{REPORT_PREFIX}{SAMPLES_AS_OF.isoformat()}.json")
        followups = _followup_counts(stores)
    _print_demo(summaries, followups)
    _print_reconciliation(report)
    return 0


def _written(inbox: Inbox, key: str) -> dict[str, Any]:
    document = inbox.read_json(key)
    if document is None:
        raise LookupError(f"s3://{inbox.bucket}/{key} was never written: see the function failures above")
    return document


def _followup_counts(stores: Stores) -> Counter[str]:
    """Every follow-up the run raised, by type, whatever its status now."""
    counts: Counter[str] = Counter()
    for status in FollowupStatus:
        counts.update(stores.worklist.counts_by_type(status.value))
    return counts


def _print_demo(summaries: list[dict[str, Any]], followups: Counter[str]) -> None:
    claims = sum(s["claims_posted"] for s in summaries)
    dollars = sum((Decimal(s["dollars_posted"]) for s in summaries), Decimal(0))
    print()
    for summary in summaries:
        for t in summary["transactions"]:
            check = "ok" if t["money_accounted_for"] else "DOES NOT ADD UP"
            print(
                f"{summary['source_key']}: trace {t['trace_number']}, paid {t['payment_amount']}: "
                f"posted {t['posted_payment']}, held {t['unapplied_cash']}, "
                f"provider adjustments {t['provider_adjustments']} ({check})"
            )
    print()
    print(f"claims posted   {claims}")
    print(f"dollars posted  {money_text(dollars)}")
    print(f"follow-ups      {sum(followups.values())}")
    for followup_type, count in sorted(followups.items()):
        print(f"  {followup_type:<22}{count}")


def _print_reconciliation(report: dict[str, Any]) -> None:
    print()
    print_report(report, f"reconciliation as of {report['as_of']} (bank file samples/deposits/*.bai)")
    totals = report["totals"]
    print(f"  posted {totals['posted_total']} against deposited {totals['deposited_total']}")


def run_up(args: argparse.Namespace) -> int:
    api_port = args.port + 1 if args.api_port is None else args.api_port
    env_file: Path = args.env_file or args.state_dir / "local-env.json"
    try:
        _check_paths(args, samples=args.with_samples)
        _port_free("--port", args.port)
        _port_free("--api-port", api_port)
    except CommandError as error:
        return fail("local up", error)
    if not args.verbose:
        # moto's server logs every request through werkzeug at INFO, and every template resource
        # its CloudFormation does not model (Cognito here) at WARNING.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        logging.getLogger("moto").setLevel(logging.ERROR)
    from moto.server import ThreadedMotoServer

    from remitflow_local import deploy_local_stack
    from remitflow_local.api_server import LocalApiServer
    from remitflow_local.runner import LocalRunner

    endpoint = f"http://127.0.0.1:{args.port}"
    api: LocalApiServer | None = None
    quiet = {} if args.verbose else {"POWERTOOLS_LOG_LEVEL": "WARNING"}
    with _local_credentials():
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=args.verbose)
        server.start()
        try:
            session = boto3.Session(region_name=DEFAULT_REGION)
            stack = deploy_local_stack(
                args.template,
                stack_name=args.stack,
                session=session,
                endpoint_url=endpoint,
                parameters=_parameters(args.parameter),
            )
            runner = LocalRunner(
                stack,
                session=session,
                endpoint_url=endpoint,
                environment=LOCAL_CREDENTIALS | quiet,
                on_invoke=_report,
            )
            try:
                _write_env_file(env_file, stack, endpoint)
            except OSError as error:
                option = "--env-file" if args.env_file else "--state-dir"
                return fail("local up", CommandError(f"{option}: cannot write {env_file} ({error.strerror})"))
            if args.with_samples:
                _upload_samples(runner, _stores(runner).inbox, args.samples)
            print(f"remitflow local up: stack {stack.stack_name} at {endpoint}", flush=True)
            print(f"  export AWS_ENDPOINT_URL={endpoint}", flush=True)
            print(f"  env vars for sam local invoke: {env_file}", flush=True)
            if WORKLIST_API in stack.functions:
                try:
                    # Bound here: the page's port takes connections before "ready" is printed.
                    api = LocalApiServer(
                        lambda event: runner.invoke(WORKLIST_API, event),
                        identity=args.dev_identity,
                        port=api_port,
                        quiet=not args.verbose,
                    ).start()
                except OSError as error:
                    print(f"remitflow local up: cannot serve the API on 127.0.0.1:{api_port}: {error}", file=sys.stderr)
                    print("  choose another port with --api-port", file=sys.stderr)
                    return 1
                print(f"local API: every request acts as {args.dev_identity} (no sign-in locally)", flush=True)
                print(f"  billers' page: {api.url}", flush=True)
            else:
                print(f"  no {WORKLIST_API} in {args.template}: the billers' page is not served", flush=True)
            # Whatever was uploaded meanwhile is dispatched before "ready"; what comes after, by the loop.
            runner.pump()
            print("remitflow local up: ready (Ctrl-C stops it)", flush=True)
            while True:
                runner.pump()
                time.sleep(0.2)
        except KeyboardInterrupt:
            return 0
        finally:
            if api is not None:
                api.stop()
            server.stop()


def _parameters(pairs: list[str]) -> dict[str, str]:
    parameters = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise SystemExit(f"remitflow local up: --parameter {pair!r}: expected NAME=VALUE, e.g. PostingChunkSize=50")
        parameters[name.strip()] = value.strip()
    return parameters


def _write_env_file(path: Path, stack: Any, endpoint: str) -> None:
    """`sam local invoke --env-vars` format: per function, its environment pointed at the local stack.
    A container reaches the host as host.docker.internal, not 127.0.0.1."""
    container_endpoint = endpoint.replace("127.0.0.1", "host.docker.internal")
    variables = {
        logical_id: dict(function.environment) | LOCAL_CREDENTIALS | {"AWS_ENDPOINT_URL": container_endpoint}
        for logical_id, function in stack.functions.items()
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(variables, indent=2, sort_keys=True) + "\n")
