"""What the local stack changes in moto's DynamoDB so that posting scales: cost per item, not per table.

moto 5 keeps DynamoDB in memory. Out of the box, three of its habits make the local stack's time and
memory grow with the size of the tables and with the number of writes ever made:

1. ``DynamoDBBackend.transact_write_items`` deep-copies every table a transaction touches, on every
   transaction, so that it can roll back by putting the copy in place of the table. A transaction
   costs O(table), and the restore also wipes whatever another thread committed meanwhile.
2. Every ``Item`` moto creates (each version of each item written, each copy made for a rollback or a
   query result) is appended to ``Item.instances_tracked``, a class-level list kept for moto's
   dashboard and emptied only when the mock stops: memory grows with the writes, not the data.
3. ``Table.query`` on the table's own key sorts every item of the table to pick one partition.

``install()`` (called by ``deploy_local_stack``; idempotent) replaces those, reusing moto's own code:

- ``transact_write_items`` runs moto's control flow with moto's per-item operations (``get_item``,
  ``put_item``, ``update_item``, ``delete_item``, its condition parser and its exceptions, so the
  ``TransactionCanceledException`` and its ``CancellationReasons`` are moto's), but journals the
  before-image of each item it writes, absent ones included, and rolls back from that journal:
  an item it created is deleted again, an updated or deleted one is put back.
- One reentrant lock serialises every DynamoDB request of the process (``DynamoHandler.call_action``,
  the entry point for both ``mock_aws`` and ``ThreadedMotoServer``) and every direct call of
  ``transact_write_items``: no write and no read happens while a transaction is half applied, so a
  rollback never undoes another request's commit and nobody reads what a rollback then takes back.
  moto runs on one interpreter under the GIL, so the lock costs no parallelism there was to have.
- ``Item`` instances are no longer tracked (moto's dashboard lists no DynamoDB items locally).
- A key query on the table (no index) looks at the queried partition only; moto's own ``Table.query``
  does the rest (range conditions, ordering, paging, filters, projections). Index queries and scans
  still read the whole table, as a scan would on AWS.

It applies to moto running in this process (``mock_aws``, ``ThreadedMotoServer``), not to a moto server
in another process. If the moto internals relied on are missing or behave differently, ``install``
raises ``MotoInternalsChanged`` and changes nothing: no silent fallback to the O(table) behaviour.
tests/integration/test_local_dynamodb.py pins the moto source this mirrors and checks the semantics.

This module is dev-only: it is never shipped in the Lambda layer.
"""

from __future__ import annotations

import copy
import functools
import inspect
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import moto
from moto.core.common_models import BaseModel
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import StreamShard, Table
from moto.dynamodb.responses import DynamoHandler

__all__ = ["DYNAMODB_LOCK", "TRANSACTION_LIMIT", "MotoInternalsChanged", "install", "installed"]

# DynamoDB's limit, and moto's: a transaction holds at most 100 items.
TRANSACTION_LIMIT = 100

# Held by every DynamoDB request and every transaction of this process. Reentrant: a transaction
# calls the backend's per-item operations, and a request handler calls the transaction.
DYNAMODB_LOCK = threading.RLock()

_INSTALL_LOCK = threading.Lock()
_MARK = "__remitflow_local_patch__"
_F = TypeVar("_F", bound=Callable[..., Any])


class MotoInternalsChanged(RuntimeError):
    """The moto installed lacks, or changed, an internal the local stack's DynamoDB fixes rely on."""


# ---------------------------------------------------------------------------- the journal


@dataclass
class _Journal:
    """Before-images of the items one transaction writes, to undo it item by item."""

    backend: DynamoDBBackend
    # (table, hash key, range key, the item as it was, or None if it did not exist)
    entries: list[tuple[Table, DynamoType, DynamoType | None, Item | None]] = field(default_factory=list)
    # id(table) -> (table, its stream shard, the shard's length before the transaction)
    shards: dict[int, tuple[Table, StreamShard, int]] = field(default_factory=dict)

    def remember(self, table_name: str, key: dict[str, Any], current: Item | None) -> None:
        """Call before writing ``key``; ``current`` is the item there now (moto's ``get_item``)."""
        table = self.backend.get_table(table_name)
        hash_key, range_key = self.backend.get_keys_value(table, key)
        # A copy, not the item: moto's update_item changes the stored item in place.
        self.entries.append((table, hash_key, range_key, copy.deepcopy(current)))
        shard = table.stream_shard
        if shard is not None and id(table) not in self.shards:
            self.shards[id(table)] = (table, shard, len(shard.items))

    def rollback(self) -> None:
        for table, hash_key, range_key, before in reversed(self.entries):
            _restore(table, hash_key, range_key, before)
        # A cancelled transaction leaves no stream records (moto's restored copy had none either).
        for table, shard, length in self.shards.values():
            if table.stream_shard is shard:
                del shard.items[length:]
        self.entries.clear()
        self.shards.clear()


def _restore(table: Table, hash_key: DynamoType, range_key: DynamoType | None, before: Item | None) -> None:
    """Put ``before`` back under its key in moto's item store, or remove the key if it was absent.

    moto stores ``table.items[hash]`` (an ``Item``) for a hash-key table and
    ``table.items[hash][range]`` for a table with a range key.
    """
    items: dict[Any, Any] = table.items
    if table.range_key_attr is None:
        if before is None:
            items.pop(hash_key, None)
        else:
            items[hash_key] = before
        return
    partition: dict[DynamoType, Item] | None = items.get(hash_key)
    if before is not None:
        if partition is None:
            partition = items[hash_key] = {}
        partition[range_key] = before  # type: ignore[index]
    elif partition is not None:
        partition.pop(range_key, None)  # type: ignore[arg-type]
        if not partition:
            del items[hash_key]


# ---------------------------------------------------------------------------- transact_write_items


def _transact_write_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto's ``DynamoDBBackend.transact_write_items`` (5.2.5), with a journal in place of table copies.

    The control flow, the validations, the per-item operations and the errors are moto's, line for
    line; only the places where moto deep-copies and restores whole tables differ, and one more
    rollback: an item with two operations (``TransactWriteSingleOpException``) no longer leaves the
    transaction's earlier writes applied.
    """
    if len(transact_items) > TRANSACTION_LIMIT:
        raise TooManyTransactionsException()
    journal = _Journal(backend)

    target_items: set[tuple[str, str]] = set()

    def check_unicity(table_name: str, key: dict[str, Any]) -> None:
        item = (str(table_name), str(dict(sorted(key.items()))))
        if item in target_items:
            raise MultipleTransactionsException()
        target_items.add(item)

    errors: list[tuple[str, str, dict[str, Any] | None] | tuple[None, None, None]] = []
    try:
        for item in transact_items:
            original_item: dict[str, Any] | None = None
            # Check transact writes are not performing multiple operations on the same item
            if len(list(item.keys())) > 1:
                raise TransactWriteSingleOpException

            try:
                op_type, op = next(iter(item.items()))
                if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                    raise ValueError("Unsupported transaction operation")

                table_name = op["TableName"]
                condition_expression = op.get("ConditionExpression")
                expression_attribute_names = op.get("ExpressionAttributeNames")
                expression_attribute_values = op.get("ExpressionAttributeValues")
                return_values_on_condition_check_failure = op.get("ReturnValuesOnConditionCheckFailure")

                if op_type == "Put":
                    attrs = op["Item"]
                    table = backend.get_table(table_name)
                    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = attrs[table.range_key_attr]
                else:
                    key = op["Key"]

                check_unicity(table_name, key)

                current = backend.get_item(table_name, key)
                if condition_expression is not None:
                    condition_op = get_filter_expression(
                        condition_expression,
                        expression_attribute_names,
                        expression_attribute_values,
                    )
                    if not condition_op.expr(current):
                        if return_values_on_condition_check_failure == "ALL_OLD" and current:
                            original_item = current.to_json()["Attributes"]
                        raise ConditionalCheckFailed(item=original_item)

                if op_type != "ConditionCheck":
                    journal.remember(table_name, key, current)
                if op_type == "Put":
                    backend.put_item(
                        table_name,
                        attrs,
                        condition_expression=condition_expression,
                        expression_attribute_names=expression_attribute_names,
                        expression_attribute_values=expression_attribute_values,
                    )
                elif op_type == "Delete":
                    backend.delete_item(
                        table_name,
                        key,
                        condition_expression=condition_expression,
                        expression_attribute_names=expression_attribute_names,
                        expression_attribute_values=expression_attribute_values,
                    )
                elif op_type == "Update":
                    update_expression = op["UpdateExpression"]
                    backend.update_item(
                        table_name,
                        key,
                        update_expression=update_expression,
                        condition_expression=condition_expression,
                        expression_attribute_names=expression_attribute_names,
                        expression_attribute_values=expression_attribute_values,
                    )
                errors.append((None, None, None))
            except (MultipleTransactionsException, MockValidationException):
                raise  # rolled back below, as moto restores its copies before re-raising
            except ConditionalCheckFailed as e:
                errors.append(("ConditionalCheckFailed", str(e.message), original_item))
            except Exception as e:
                # For other exceptions, capture their details
                errors.append((type(e).__name__, str(e), original_item))
    except BaseException:
        journal.rollback()
        raise

    if any(code is not None for code, _, _ in errors):
        journal.rollback()
        raise TransactionCanceledException(errors)


def _journaled_transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    with DYNAMODB_LOCK:
        _transact_write_items(self, transact_items)


# ---------------------------------------------------------------------------- query


class _Partition:
    """A table as moto's ``Table.query`` sees it for a key query: only the queried partition's items.

    Everything but ``all_items`` is the table's own attribute.
    """

    __slots__ = ("_hash_key", "_table")

    def __init__(self, table: Table, hash_key: DynamoType) -> None:
        self._table = table
        self._hash_key = hash_key

    def all_items(self) -> list[Item]:
        # ``.get``: ``table.items`` is a defaultdict, and a lookup must not create a partition.
        partition: Any = self._table.items.get(self._hash_key)
        if partition is None:
            return []
        if self._table.range_key_attr is None:
            return [partition]
        return sorted(partition.values(), key=lambda item: item.range_key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)


def _partition_query(original: _F) -> _F:
    signature = inspect.signature(original)

    @functools.wraps(original)
    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(self, *args, **kwargs).arguments
        hash_key = arguments.get("hash_key")
        if arguments.get("index_name") is None and hash_key is not None:
            return original(_Partition(self, hash_key), *args, **kwargs)
        return original(self, *args, **kwargs)

    return query  # type: ignore[return-value]


# ---------------------------------------------------------------------------- the rest


def _serialised(original: _F) -> _F:
    @functools.wraps(original)
    def call_action(self: DynamoHandler) -> Any:
        with DYNAMODB_LOCK:
            return original(self)

    return call_action  # type: ignore[return-value]


def _untracked_new(cls: type[Item], *args: Any, **kwargs: Any) -> Item:
    """``BaseModel.__new__`` without the append to ``cls.instances_tracked``."""
    return object.__new__(cls)


def _mark(function: _F, original: Callable[..., Any]) -> _F:
    setattr(function, _MARK, True)
    function.__wrapped__ = original  # type: ignore[attr-defined]
    return function


def installed() -> bool:
    """Whether this process's moto has the local stack's DynamoDB fixes."""
    return bool(getattr(DynamoDBBackend.transact_write_items, _MARK, False))


def install() -> None:
    """Install the fixes into this process's moto; idempotent and thread-safe.

    Raises ``MotoInternalsChanged`` (and changes nothing) if moto no longer looks as expected.
    """
    with _INSTALL_LOCK:
        if installed():
            return
        _check_internals()
        _self_test()
        original_transact = DynamoDBBackend.transact_write_items
        original_query = Table.query
        original_call_action = DynamoHandler.call_action
        DynamoDBBackend.transact_write_items = _mark(  # type: ignore[method-assign]
            functools.wraps(original_transact)(_journaled_transact_write_items), original_transact
        )
        Table.query = _mark(_partition_query(original_query), original_query)  # type: ignore[method-assign]
        DynamoHandler.call_action = _mark(_serialised(original_call_action), original_call_action)  # type: ignore[method-assign]
        Item.__new__ = staticmethod(_untracked_new)  # type: ignore[assignment, method-assign]
        # What moto tracked so far is history too: let it go.
        tracked = getattr(Item, "instances_tracked", None)
        if isinstance(tracked, list):
            tracked.clear()


def _check_internals() -> None:
    """Fail loudly if an internal used above is missing or its signature changed."""
    problems: list[str] = []

    def parameters(owner: type, name: str, wanted: set[str]) -> None:
        function = getattr(owner, name, None)
        if not callable(function):
            problems.append(f"{owner.__module__}.{owner.__name__}.{name} is missing")
            return
        missing = wanted - set(inspect.signature(function).parameters)
        if missing:
            problems.append(f"{owner.__name__}.{name} no longer takes {', '.join(sorted(missing))}")

    parameters(DynamoDBBackend, "transact_write_items", {"transact_items"})
    parameters(DynamoDBBackend, "get_table", {"table_name"})
    parameters(DynamoDBBackend, "get_keys_value", {"table", "keys"})
    parameters(DynamoDBBackend, "get_item", {"table_name", "keys"})
    common = {"condition_expression", "expression_attribute_names", "expression_attribute_values"}
    parameters(DynamoDBBackend, "put_item", {"table_name", "item_attrs"} | common)
    parameters(DynamoDBBackend, "delete_item", {"table_name", "key"} | common)
    parameters(DynamoDBBackend, "update_item", {"table_name", "key", "update_expression"} | common)
    parameters(Table, "query", {"hash_key", "index_name"})
    parameters(Table, "all_items", set())
    parameters(DynamoHandler, "call_action", set())
    if Item.__new__ not in (BaseModel.__new__, _untracked_new):
        problems.append("moto.dynamodb Item no longer takes BaseModel.__new__ (the instance tracker)")
    if not isinstance(getattr(Item, "instances_tracked", None), list):
        problems.append("moto.dynamodb Item.instances_tracked is missing")
    if problems:
        raise MotoInternalsChanged(_explain(problems))


def _self_test() -> None:
    """Run the fixes on a scratch backend and check moto still stores items the way they assume."""
    backend = DynamoDBBackend("us-east-1", "123456789012")
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
    attributes = [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}]
    table = backend.create_table(
        "remitflow-local-self-test",
        schema=schema,
        throughput=None,
        attr=attributes,
        global_indexes=None,
        indexes=None,
        streams=None,
        billing_mode="PAY_PER_REQUEST",
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    problems: list[str] = []
    try:
        for pk, sk in (("a", "1"), ("a", "2"), ("b", "1")):
            backend.put_item(table.name, {"pk": {"S": pk}, "sk": {"S": sk}, "v": {"N": "1"}})
        try:
            _transact_write_items(
                backend,
                [
                    {"Put": {"TableName": table.name, "Item": {"pk": {"S": "c"}, "sk": {"S": "1"}}}},
                    {
                        "Update": {
                            "TableName": table.name,
                            "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                            "UpdateExpression": "SET v = :two",
                            "ExpressionAttributeValues": {":two": {"N": "2"}},
                        }
                    },
                    {"Delete": {"TableName": table.name, "Key": {"pk": {"S": "b"}, "sk": {"S": "1"}}}},
                    {
                        "ConditionCheck": {
                            "TableName": table.name,
                            "Key": {"pk": {"S": "a"}, "sk": {"S": "2"}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ],
            )
            problems.append("a transaction whose condition fails was not cancelled")
        except TransactionCanceledException:
            pass
        if backend.tables.get(table.name) is not table:
            problems.append("the table object was replaced")
        state = sorted(
            (i.hash_key.value, i.range_key.value, i.attrs["v"].value) for i in table.all_items() if i.range_key
        )
        if state != [("a", "1", "1"), ("a", "2", "1"), ("b", "1", "1")]:
            problems.append(f"the cancelled transaction was not undone: {state}")
        query: Callable[..., tuple[list[Item], int, Any]] = _partition_query(Table.query)
        results, _, _ = query(table, DynamoType({"S": "a"}), None, [], None, None, True, None)
        if [r.range_key.value for r in results if r.range_key] != ["1", "2"]:
            problems.append("a key query on one partition returned the wrong items")
    except Exception as exc:  # anything moto raises here means it changed under us
        problems.append(f"{type(exc).__name__}: {exc}")
    if problems:
        raise MotoInternalsChanged(_explain(problems))


def _explain(problems: list[str]) -> str:
    return (
        f"moto {moto.__version__} is not what remitflow_local.moto_dynamodb was written against "
        f"(moto 5.2.5): {'; '.join(problems)}. Review infra/remitflow_local/moto_dynamodb.py against this moto, "
        "before using this moto with the local stack (pyproject.toml allows moto>=5.0,<6)."
    )
