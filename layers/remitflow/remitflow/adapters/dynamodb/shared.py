"""What every table's store shares: encoding items, batched reads and writes, the one transaction
call with its bounded retries, reading why a transaction was cancelled, the size rules, and the one
paginated query they all run."""

from __future__ import annotations

import decimal
import random
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from remitflow.domain.errors import StoreBusy, Unstorable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

Item = dict[str, Any]

BATCH_GET_LIMIT = 100
BATCH_WRITE_LIMIT = 25
TRANSACTION_LIMIT = 100
CONDITION_FAILED = "ConditionalCheckFailed"  # a cancellation reason's code
TRANSACTION_CONFLICT = "TransactionConflict"  # a cancellation reason: another transaction held the item
VALIDATION_ERROR = "ValidationError"  # a cancellation reason: e.g. the item would grow past 400 KB

# DynamoDB's limits (DESIGN.md): an item, a transaction's items and bytes, a number's digits.
ITEM_SIZE_LIMIT = 400 * 1024
TRANSACTION_SIZE_LIMIT = 4 * 1024 * 1024
NUMBER_DIGITS_LIMIT = 38

# What botocore (runtime.CLIENT_CONFIG, standard mode) retries with its own jittered backoff: these
# codes and every 5xx. Still refused after its attempts, they are the store being busy, not a bug.
BUSY_CODES = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TransactionInProgressException",
        "InternalServerError",
        "ServiceUnavailable",
    }
)

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
    """Encoded for a request. A number DynamoDB cannot hold exactly (more than 38 digits: boto3's
    serializer traps Inexact and Rounded) is Unstorable, named by its attribute, never shown."""
    encoded = {}
    for key, value in item.items():
        try:
            encoded[key] = _serializer.serialize(value)
        except decimal.DecimalException:
            raise Unstorable(
                f"attribute {key!r} holds a number DynamoDB cannot store exactly "
                f"(at most {NUMBER_DIGITS_LIMIT} significant digits)"
            ) from None
    return encoded


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


def item_size(item: Mapping[str, Any]) -> int:
    """An encoded item's size as DynamoDB counts it against 400 KB (attribute names plus values, in
    UTF-8 bytes), rounded up: numbers count one byte per digit, lists and maps three bytes each plus
    one per element."""
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def value_size(value: Mapping[str, Any]) -> int:
    ((kind, content),) = value.items()
    if kind == "S":
        return len(str(content).encode())
    if kind == "N":
        return len(str(content)) + 1
    if kind == "B":
        return len(content)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + value_size(element) for element in content)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + value_size(element) for name, element in content.items())
    return sum(len(str(element).encode()) + 1 for element in content)  # SS, NS, BS


# --------------------------------------------------------------------------------------- retries


@dataclass(frozen=True)
class Backoff:
    """Bounded exponential backoff with full jitter: before attempt n + 1 (n from 1) wait a uniform
    random time in [0, min(cap, base * 2 ** (n - 1))]. Four attempts wait at most 0.05 + 0.1 + 0.2 s:
    a posting Lambda (300 s) always has time left to fail cleanly and be retried."""

    attempts: int = 4
    base: float = 0.05
    cap: float = 0.5

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))  # noqa: S311 - jitter, not a secret


TRANSACT_BACKOFF = Backoff()


def transact_write(
    client: DynamoDBClient,
    actions: Sequence[TransactWriteItemTypeDef],
    *,
    what: str,
    backoff: Backoff = TRANSACT_BACKOFF,
) -> None:
    """One TransactWriteItems, all or nothing, with the retries that belong to the store.

    `what` names the record for errors (ids we assign only: it may be logged).

    - Throttling and 5xx: botocore already retried them (standard mode, jittered); still refused,
      they raise StoreBusy.
    - Cancelled with TransactionConflict (another transaction held one of the items) and no failed
      condition: botocore does not retry that (it is a 400), so the same request is sent again after
      a jittered wait, up to `backoff.attempts` in all, then StoreBusy. Sending it again is exactly
      once: DynamoDB evaluates every condition again, so if the other transaction changed one of our
      items the retry fails on that condition, and the caller re-reads and decides again.
    - A failed condition is re-raised as the ClientError: only the caller knows what each item means.
    - An item over 400 KB, a request over 4 MB or 100 items (ValidationException or a ValidationError
      reason): Unstorable, whatever the retries.
    """
    _check_limits(actions, what)
    for attempt in range(1, backoff.attempts + 1):
        try:
            client.transact_write_items(TransactItems=list(actions))
            return
        except ClientError as error:
            codes = cancellation_codes(error) or []
            if CONDITION_FAILED in codes:
                raise
            if TRANSACTION_CONFLICT in codes and attempt < backoff.attempts:
                time.sleep(backoff.delay(attempt))
                continue
            raise refusal(error, what, attempts=attempt) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _check_limits(actions: Sequence[TransactWriteItemTypeDef], what: str) -> None:
    """Refuse, before sending, what DynamoDB would refuse for its size: the same answer on AWS and moto."""
    sizes = [item_size(action["Put"]["Item"]) if "Put" in action else 1024 for action in actions]
    if len(actions) > TRANSACTION_LIMIT:
        raise Unstorable(f"{what}: {len(actions)} items, more than one transaction holds ({TRANSACTION_LIMIT})")
    if sizes and max(sizes) > ITEM_SIZE_LIMIT:
        raise Unstorable(f"{what}: an item of {max(sizes)} bytes, over DynamoDB's {ITEM_SIZE_LIMIT} bytes")
    if sum(sizes) > TRANSACTION_SIZE_LIMIT:
        raise Unstorable(f"{what}: {sum(sizes)} bytes, more than one transaction holds ({TRANSACTION_SIZE_LIMIT})")


def refusal(error: ClientError, what: str, *, attempts: int = 1) -> Exception:
    """A ClientError as the domain error it means: StoreBusy (throttled, 5xx, conflicts past the
    retries), Unstorable (a size limit), else the ClientError itself (a defect in the request)."""
    code = error_code(error)
    codes = cancellation_codes(error) or []
    message = str(error.response.get("Error", {}).get("Message", ""))
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    # TransactionConflictException: a single-item write on an item a transaction holds (also a 400).
    if TRANSACTION_CONFLICT in codes or code == "TransactionConflictException":
        message = f"{what}: other transactions kept holding its items; gave up after {attempts} attempts"
        return StoreBusy(message, held_by_others=True)
    if code in BUSY_CODES or status >= 500:
        return StoreBusy(f"{what}: DynamoDB kept refusing ({code or status}) after botocore's retries")
    if VALIDATION_ERROR in codes or (code == "ValidationException" and _size_limit(message)):
        return Unstorable(f"{what}: beyond DynamoDB's limits (an item over 400 KB or a transaction over 4 MB)")
    return error


def _size_limit(message: str) -> bool:
    text = message.lower()
    return "size" in text or "larger than" in text or "length less than or equal to 100" in text


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
