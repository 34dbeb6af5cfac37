"""What every table's store shares: encoding items, batched reads and writes, reading why a
transaction was cancelled, and the one paginated query they all run."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

Item = dict[str, Any]

BATCH_GET_LIMIT = 100
BATCH_WRITE_LIMIT = 25
TRANSACTION_LIMIT = 100
CONDITION_FAILED = "ConditionalCheckFailed"  # a cancellation reason's code

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

# ------------------------------------------------------------------------------------- encoding


def plain(value: Any) -> Any:
    """A model dump made storable: dates as ISO text, enums as their value, Decimal kept as a number."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):  # pragma: no cover - the models forbid it; this guards the ledger
        raise TypeError("refusing to store a float")
    return value


def to_dynamo(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(value) for key, value in item.items()}


def from_dynamo(item: Mapping[str, Any]) -> Item:
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


def restore_ints(value: Any) -> Any:
    """DynamoDB gives every number back as Decimal; ints (versions, line numbers) become ints again."""
    if isinstance(value, dict):
        return {key: restore_ints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [restore_ints(item) for item in value]
    if isinstance(value, Decimal) and value == value.to_integral_value() and value.as_tuple().exponent == 0:
        return int(value)
    return value


# ---------------------------------------------------------------------------------------- errors


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def cancellation_codes(error: ClientError) -> list[str] | None:
    """For a cancelled transaction, each of its items' reason ("None" for an item that was fine, in
    the order the items were given); None when the error is not a cancelled transaction."""
    if error_code(error) != "TransactionCanceledException":
        return None
    return [str(reason.get("Code", "None")) for reason in error.response.get("CancellationReasons", [])]


# ---------------------------------------------------------------------------------------- reads


def query(
    client: DynamoDBClient,
    table: str,
    key_condition: str,
    values: Mapping[str, Any],
    *,
    names: Mapping[str, str] | None = None,
    index: str | None = None,
    filter_expression: str | None = None,
    projection: str | None = None,
    consistent: bool = False,
    page_size: int | None = None,
    start_key: Mapping[str, Any] | None = None,
) -> Iterator[Item]:
    """Every item a query matches, page after page, decoded; `values` are plain Python values.

    Lazy: a caller that stops early reads no further page. `consistent` only on the table itself:
    an index can only be read eventually consistent.
    """
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": key_condition,
        "ExpressionAttributeValues": to_dynamo(values),
    }
    if names:
        request["ExpressionAttributeNames"] = dict(names)
    if index:
        request["IndexName"] = index
    if consistent:
        request["ConsistentRead"] = True
    if filter_expression:
        request["FilterExpression"] = filter_expression
    if projection:
        request["ProjectionExpression"] = projection
    if page_size:
        request["Limit"] = page_size
    if start_key:
        request["ExclusiveStartKey"] = dict(start_key)
    while True:
        response = client.query(**request)
        yield from (from_dynamo(item) for item in response["Items"])
        if "LastEvaluatedKey" not in response:
            return
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def batch_get(client: DynamoDBClient, table: str, keys: Sequence[Mapping[str, str]]) -> list[Item]:
    """Every item of `keys` (plain string keys) that exists, in up to 100 keys per round trip,
    unprocessed keys retried."""
    found: list[Item] = []
    unique = [to_dynamo(key) for key in {tuple(sorted(key.items())): key for key in keys}.values()]
    for start in range(0, len(unique), BATCH_GET_LIMIT):
        request: Any = {table: {"Keys": unique[start : start + BATCH_GET_LIMIT], "ConsistentRead": True}}
        attempt = 0
        while request:
            response = client.batch_get_item(RequestItems=request)
            found.extend(from_dynamo(item) for item in response["Responses"].get(table, []))
            request = response.get("UnprocessedKeys") or {}
            attempt = _back_off(attempt) if request else attempt
    return found


# --------------------------------------------------------------------------------------- writes


def batch_put(client: DynamoDBClient, table: str, items: Iterable[Item]) -> int:
    """Unconditional puts, 25 per round trip; for reference data whose ids make rewriting harmless."""
    written = 0
    chunk: list[Any] = []
    for item in items:
        chunk.append({"PutRequest": {"Item": to_dynamo(item)}})
        if len(chunk) == BATCH_WRITE_LIMIT:
            written += _write_chunk(client, table, chunk)
            chunk = []
    if chunk:
        written += _write_chunk(client, table, chunk)
    return written


def _write_chunk(client: DynamoDBClient, table: str, chunk: list[Any]) -> int:
    request: Any = {table: chunk}
    attempt = 0
    while request:
        response = client.batch_write_item(RequestItems=request)
        request = response.get("UnprocessedItems") or {}
        attempt = _back_off(attempt) if request else attempt
    return len(chunk)


def _back_off(attempt: int) -> int:
    """DynamoDB returns unprocessed keys/items under throttling; wait a little longer each time."""
    if attempt >= 8:
        raise RuntimeError("DynamoDB kept returning unprocessed items after 8 attempts")
    time.sleep(min(0.05 * 2**attempt, 2.0))
    return attempt + 1
