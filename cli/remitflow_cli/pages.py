"""Listing and showing commands: read every page a service gives out, print JSON the same way, and
fail the same way (3 for a record that is not there, 1 for anything else)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remitflow.domain.errors import InvalidRequest, NotFound
from remitflow_cli.connection import EXIT_NOT_FOUND, CommandError, fail

Record = dict[str, Any]
PageReader = Callable[[str | None], Record]


def every_page(read: PageReader) -> list[Record]:
    """The items of every page: `read(cursor)` returns {"items": [...], "next_cursor": str | None}."""
    items: list[Record] = []
    cursor: str | None = None
    while True:
        page = read(cursor)
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2)
    print()


def list_command(
    command: str,
    pages: Callable[[argparse.Namespace], PageReader],
    line: Callable[[Record], str],
    *,
    when_empty: Callable[[], None],
) -> Callable[[argparse.Namespace], int]:
    """`command`'s run: `pages(args)` connects once and gives the page reader; every item is printed
    as one `line` (or all as JSON with --json)."""

    def run(args: argparse.Namespace) -> int:
        try:
            items = every_page(pages(args))
        except (CommandError, InvalidRequest, ClientError, BotoCoreError) as error:
            return fail(command, error)
        if args.json:
            print_json(items)
            return 0
        if not items:
            when_empty()
        for item in items:
            print(line(item))
        return 0

    return run


def show_command(
    command: str, fetch: Callable[[argparse.Namespace], Record], show: Callable[[Record], None]
) -> Callable[[argparse.Namespace], int]:
    """`command`'s run: `fetch(args)` reads one record (NotFound says what is not there), `show` prints it
    (or it is printed as JSON with --json)."""

    def run(args: argparse.Namespace) -> int:
        try:
            found = fetch(args)
        except NotFound as error:
            return fail(command, error, EXIT_NOT_FOUND)
        except (CommandError, ClientError, BotoCoreError) as error:
            return fail(command, error)
        if args.json:
            print_json(found)
        else:
            show(found)
        return 0

    return run
