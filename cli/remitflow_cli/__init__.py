"""The `remitflow` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from remitflow_cli import accounts, claims, deposits, eras, export, followups, local, parse, recon, search, upload


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="remitflow", description="Payment posting and reconciliation.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (parse, local, upload, search, claims, accounts, followups, recon, eras, deposits, export):
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
