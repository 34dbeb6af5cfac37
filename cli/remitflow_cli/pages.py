"""Listing commands read every page a service gives out, and print JSON the same way."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any


def every_page(read: Callable[[str | None], dict[str, Any]]) -> list[dict[str, Any]]:
    """The items of every page: `read(cursor)` returns {"items": [...], "next_cursor": str | None}."""
    items: list[dict[str, Any]] = []
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
