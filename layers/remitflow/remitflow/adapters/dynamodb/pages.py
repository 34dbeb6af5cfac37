"""One page of an index query, and its cursor: the key of the last item returned, opaque to callers.

A cursor names the listing it belongs to (the index and what was asked), so a cursor of one ERA's
claims cannot page another's, and one from another listing is refused as a BadCursor.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from remitflow.adapters.dynamodb.shared import Item, query, to_dynamo
from remitflow.services.ports import BadCursor

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


def encode_cursor(listing: str, item: Mapping[str, Any], key_names: Sequence[str]) -> str:
    # Number keys (era_line) stay numbers: a key of the wrong type matches nothing.
    key = {name: int(item[name]) if isinstance(item[name], Decimal) else item[name] for name in key_names}
    text = json.dumps({"listing": listing, "key": key}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(listing: str, cursor: str, key_names: Sequence[str]) -> dict[str, Any]:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        key = decoded["key"]
        ours = decoded["listing"] == listing and set(key) == set(key_names)
        ours = ours and all(isinstance(key[n], str | int) and not isinstance(key[n], bool) for n in key_names)
    except (ValueError, TypeError, KeyError, AttributeError):
        raise BadCursor("not a cursor this listing gave out") from None
    if not ours:
        raise BadCursor("the cursor belongs to another listing: start again without it")
    return to_dynamo({name: key[name] for name in key_names})


def index_page(
    client: DynamoDBClient,
    table: str,
    *,
    index: str,
    listing: str,
    key_names: Sequence[str],
    key_condition: str,
    values: Mapping[str, Any],
    names: Mapping[str, str] | None = None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Item], str | None]:
    """Up to `limit` items in index order and a cursor for the rest (None: no more). One more item
    is read to know whether there is a next page; the cursor is the last returned item's key."""
    items = query(
        client,
        table,
        key_condition,
        values,
        names=names,
        index=index,
        page_size=limit + 1,
        start_key=decode_cursor(listing, cursor, key_names) if cursor else None,
    )
    found: list[Item] = []
    for item in items:
        if len(found) == limit:
            return found, encode_cursor(listing, found[-1], key_names)
        found.append(item)
    return found, None
