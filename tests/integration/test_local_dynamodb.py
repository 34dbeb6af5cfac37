"""The local stack's DynamoDB (remitflow_local.moto_dynamodb): moto's semantics, at a cost per item.

moto as shipped deep-copies every table a transaction touches (time and memory per transaction grow
with the table), keeps every version of every item alive, and restores its copies over other
threads' commits. These tests pin what the local stack changes: a cancelled transaction is undone
item by item, concurrent transactions all land, nobody reads a half-applied transaction, the
errors are moto's own, and the work per transaction does not depend on the table's size.
"""

from __future__ import annotations

import gc
import hashlib
import inspect
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.core.parse import JSONParser
from moto.core.serialize import JSONSerializer
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.server import ThreadedMotoServer
from tests.support.local_moto import LEDGER, REGION, create_ledger, offline_aws

from remitflow_local import deploy_local_stack, moto_dynamodb, moto_wire

ACCOUNT = "123456789012"  # moto's default account
WORKLIST = "worklist"  # pk, with a GSI on status + created_at, like FollowupsTable
TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

# sha256 of moto's DynamoDBBackend.transact_write_items, the code moto_dynamodb mirrors.
MIRRORED_MOTO_SOURCE = "81db2cb7d94e39c90b3a2077e1f4bb41a449c558ef9b1b1e2910fdaa39978ad4"


@pytest.fixture(autouse=True)
def _installed() -> None:
    moto_dynamodb.install()
    moto_wire.install()


@pytest.fixture
def _aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    offline_aws(monkeypatch)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


def _create_tables(client: Any) -> None:
    create_ledger(client)
    client.create_table(
        TableName=WORKLIST,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "created_at", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_status",
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "created_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )


@pytest.fixture
def dynamodb(_aws_env: None) -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        _create_tables(client)
        yield client


def _backend() -> DynamoDBBackend:
    return dynamodb_backends[ACCOUNT][REGION]


# ---------------------------------------------------------------------------- items and actions


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _ledger_key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": _s(pk), "sk": _s(sk)}


def _put(table: str, item: dict[str, Any], condition: str | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {"TableName": table, "Item": item}
    if condition:
        action["ConditionExpression"] = condition
    return {"Put": action}


def _bump(pk: str, sk: str, expected_version: int) -> dict[str, Any]:
    """A versioned update of a ledger item, as the posting engine writes them."""
    return {
        "Update": {
            "TableName": LEDGER,
            "Key": _ledger_key(pk, sk),
            "UpdateExpression": "SET version = version + :one",
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":expected": {"N": str(expected_version)}},
        }
    }


def _never(table: str, key: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A condition check that fails on an item that exists."""
    return {
        "ConditionCheck": {"TableName": table, "Key": key, "ConditionExpression": "attribute_not_exists(pk)", **extra}
    }


def _posting(pk: str, sk: str, amount: str = "10.00") -> dict[str, Any]:
    return {"pk": _s(pk), "sk": _s(sk), "amount": {"N": amount}}


def _everything(client: Any) -> dict[str, list[dict[str, Any]]]:
    """Every item of both tables, in key order: what a cancelled transaction must leave as it was."""
    state = {}
    for table in (LEDGER, WORKLIST):
        items = client.scan(TableName=table, ConsistentRead=True)["Items"]
        state[table] = sorted(items, key=lambda i: (i["pk"]["S"], i.get("sk", {}).get("S", "")))
    return state


def _cancelled(client: Any, actions: list[dict[str, Any]]) -> ClientError:
    with pytest.raises(ClientError) as caught:
        client.transact_write_items(TransactItems=actions)
    return caught.value


def _seed(client: Any) -> None:
    client.put_item(TableName=LEDGER, Item={**_ledger_key("CLAIM#1", "META"), "version": {"N": "1"}})
    client.put_item(TableName=LEDGER, Item=_posting("CLAIM#1", "POSTING#old", "5.00"))
    client.put_item(TableName=LEDGER, Item={**_ledger_key("CLAIM#2", "META"), "version": {"N": "1"}})
    client.put_item(
        TableName=WORKLIST,
        Item={"pk": _s("F-1"), "status": _s("open"), "created_at": _s("2025-01-01"), "type": _s("denial")},
    )
    client.put_item(
        TableName=WORKLIST,
        Item={"pk": _s("F-2"), "status": _s("open"), "created_at": _s("2025-01-02"), "type": _s("denial")},
    )


# ---------------------------------------------------------------------------- a cancelled transaction


def test_a_cancelled_transaction_leaves_nothing_of_itself_behind(dynamodb: Any) -> None:
    _seed(dynamodb)
    before = _everything(dynamodb)

    # Writes on both tables, before and after the failing check (moto applies the later ones too).
    error = _cancelled(
        dynamodb,
        [
            _put(LEDGER, _posting("CLAIM#1", "POSTING#new"), "attribute_not_exists(pk)"),
            _bump("CLAIM#1", "META", expected_version=1),
            {"Delete": {"TableName": LEDGER, "Key": _ledger_key("CLAIM#1", "POSTING#old")}},
            _put(WORKLIST, {"pk": _s("F-3"), "status": _s("open"), "created_at": _s("2025-01-03")}),
            _bump("CLAIM#2", "META", expected_version=7),  # the one condition that fails
            {
                "Update": {  # moves F-1 to another GSI partition
                    "TableName": WORKLIST,
                    "Key": {"pk": _s("F-1")},
                    "UpdateExpression": "SET #status = :resolved, note = :note",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {":resolved": _s("resolved"), ":note": _s("paid")},
                }
            },
            {"Delete": {"TableName": WORKLIST, "Key": {"pk": _s("F-2")}}},
            {
                "Update": {  # would create the item
                    "TableName": LEDGER,
                    "Key": _ledger_key("CLAIM#9", "META"),
                    "UpdateExpression": "SET version = :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
        ],
    )

    assert error.response["Error"]["Code"] == "TransactionCanceledException"
    assert _everything(dynamodb) == before
    for key in (_ledger_key("CLAIM#1", "POSTING#new"), _ledger_key("CLAIM#9", "META")):
        assert "Item" not in dynamodb.get_item(TableName=LEDGER, Key=key, ConsistentRead=True)
    # The GSI shows the worklist as it was: F-1 and F-2 still open, nothing resolved.
    by_status = {
        status: [
            i["pk"]["S"]
            for i in dynamodb.query(
                TableName=WORKLIST,
                IndexName="by_status",
                KeyConditionExpression="#s = :s",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":s": _s(status)},
            )["Items"]
        ]
        for status in ("open", "resolved")
    }
    assert by_status == {"open": ["F-1", "F-2"], "resolved": []}


def test_a_committed_transaction_moves_items_between_gsi_partitions(dynamodb: Any) -> None:
    _seed(dynamodb)
    dynamodb.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": WORKLIST,
                    "Key": {"pk": _s("F-1")},
                    "UpdateExpression": "SET #status = :resolved",
                    "ConditionExpression": "#status = :open",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {":resolved": _s("resolved"), ":open": _s("open")},
                }
            },
            _bump("CLAIM#1", "META", expected_version=1),
        ]
    )
    resolved = dynamodb.query(
        TableName=WORKLIST,
        IndexName="by_status",
        KeyConditionExpression="#s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": _s("resolved")},
    )["Items"]
    assert [i["pk"]["S"] for i in resolved] == ["F-1"]
    meta = dynamodb.get_item(TableName=LEDGER, Key=_ledger_key("CLAIM#1", "META"))["Item"]
    assert meta["version"] == {"N": "2"}


def test_cancellation_reasons_have_dynamodbs_shape(dynamodb: Any) -> None:
    _seed(dynamodb)
    error = _cancelled(
        dynamodb,
        [
            _put(LEDGER, _posting("CLAIM#1", "POSTING#new")),
            _never(LEDGER, _ledger_key("CLAIM#1", "META"), ReturnValuesOnConditionCheckFailure="ALL_OLD"),
            _bump("CLAIM#2", "META", expected_version=1),
            _never(WORKLIST, {"pk": _s("F-1")}),  # no ALL_OLD: no Item in its reason
        ],
    )
    assert error.response["Error"]["Code"] == "TransactionCanceledException"
    assert error.response["Error"]["Message"] == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, ConditionalCheckFailed, None, ConditionalCheckFailed]"
    )
    assert error.response["CancellationReasons"] == [
        {"Code": "None"},
        {
            "Code": "ConditionalCheckFailed",
            "Message": "The conditional request failed",
            "Item": {"pk": _s("CLAIM#1"), "sk": _s("META"), "version": {"N": "1"}},
        },
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
    ]
    assert dynamodb.get_item(TableName=LEDGER, Key=_ledger_key("CLAIM#2", "META"))["Item"]["version"] == {"N": "1"}


def test_two_operations_on_one_item_are_refused_and_undone(dynamodb: Any) -> None:
    _seed(dynamodb)
    before = _everything(dynamodb)
    error = _cancelled(
        dynamodb,
        [
            _put(LEDGER, _posting("CLAIM#1", "POSTING#new")),
            _bump("CLAIM#1", "META", expected_version=1),
            _never(LEDGER, _ledger_key("CLAIM#1", "META")),
        ],
    )
    assert error.response["Error"]["Code"] == "ValidationException"
    assert error.response["Error"]["Message"] == "Transaction request cannot include multiple operations on one item"
    assert _everything(dynamodb) == before


def test_more_than_100_items_are_refused(dynamodb: Any) -> None:
    error = _cancelled(dynamodb, [_put(LEDGER, _posting("CLAIM#1", f"POSTING#{n:03}")) for n in range(101)])
    assert error.response["Error"]["Code"] == "ValidationException"
    assert "Member must have length less than or equal to 100" in error.response["Error"]["Message"]
    assert dynamodb.scan(TableName=LEDGER)["Items"] == []
    dynamodb.transact_write_items(TransactItems=[_put(LEDGER, _posting("CLAIM#1", f"P#{n:03}")) for n in range(100)])
    assert dynamodb.scan(TableName=LEDGER, Select="COUNT")["Count"] == 100


# ---------------------------------------------------------------------------- the same answers as moto


def _scenarios() -> dict[str, list[dict[str, Any]]]:
    update_creates = {
        "Update": {
            "TableName": LEDGER,
            "Key": _ledger_key("CLAIM#5", "META"),
            "UpdateExpression": "SET version = :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }
    return {
        "commits": [_put(LEDGER, _posting("CLAIM#1", "POSTING#a")), _bump("CLAIM#1", "META", 1), update_creates],
        "condition fails, ALL_OLD": [
            update_creates,
            _bump("CLAIM#1", "META", 3),
            {"Delete": {"TableName": WORKLIST, "Key": {"pk": _s("F-1")}}},
            _never(WORKLIST, {"pk": _s("F-2")}, ReturnValuesOnConditionCheckFailure="ALL_OLD"),
        ],
        "put condition fails": [_put(LEDGER, _posting("CLAIM#1", "POSTING#old"), "attribute_not_exists(pk)")],
        "delete of an absent item with a condition": [
            {
                "Delete": {
                    "TableName": LEDGER,
                    "Key": _ledger_key("CLAIM#7", "META"),
                    "ConditionExpression": "attribute_exists(pk)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        ],
        "unknown table": [update_creates, _put("no-such-table", _posting("X", "Y"))],
        "bad update expression on an existing item": [
            update_creates,
            {
                "Update": {
                    "TableName": LEDGER,
                    "Key": _ledger_key("CLAIM#1", "META"),
                    "UpdateExpression": "SET version = version + :text",
                    "ExpressionAttributeValues": {":text": _s("a")},
                }
            },
        ],
        "same item twice": [update_creates, _put(LEDGER, _posting("CLAIM#5", "META"))],
    }


@pytest.mark.parametrize("name", sorted(_scenarios()))
def test_answers_and_leaves_the_tables_as_moto_does(_aws_env: None, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Each scenario on the journaled transaction and on moto's own, in fresh tables: same outcome."""
    actions = _scenarios()[name]

    def run() -> tuple[Any, dict[str, list[dict[str, Any]]]]:
        with mock_aws():
            client = boto3.client("dynamodb", region_name=REGION)
            _create_tables(client)
            _seed(client)
            try:
                client.transact_write_items(TransactItems=actions)
                outcome: Any = "committed"
            except ClientError as error:
                outcome = (error.response["Error"], error.response.get("CancellationReasons"))
            return outcome, _everything(client)

    journaled = run()
    with monkeypatch.context() as m:
        m.setattr(DynamoDBBackend, "transact_write_items", DynamoDBBackend.transact_write_items.__wrapped__)
        original = run()
    assert journaled == original


def test_the_mirrored_moto_code_is_the_one_reviewed() -> None:
    """moto_dynamodb mirrors moto's transact_write_items: a moto upgrade that changes it needs a review.

    If this fails after upgrading moto: compare moto's DynamoDBBackend.transact_write_items with
    remitflow_local.moto_dynamodb._transact_write_items, carry over what changed, then update the hash.
    """
    source = inspect.getsource(DynamoDBBackend.transact_write_items.__wrapped__)
    assert hashlib.sha256(source.encode()).hexdigest() == MIRRORED_MOTO_SOURCE


# ---------------------------------------------------------------------------- threads


def _yielding_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let other threads run between a transaction's writes, as a busy process would."""
    original = DynamoDBBackend.put_item

    def put_item(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.0005)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "put_item", put_item)


def _run_threads(workers: list[Callable[[], None]]) -> None:
    failures: list[BaseException] = []

    def guarded(work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                work()
            except BaseException as exc:  # reported below, in the test's thread
                failures.append(exc)

        return run

    threads = [threading.Thread(target=guarded(w)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def _concurrent_postings(make_client: Callable[[], Any], *, threads: int = 6, rounds: int = 12) -> None:
    """Each thread posts to its own claim; every third transaction is cancelled by its condition."""
    seed = make_client()
    for t in range(threads):
        seed.put_item(TableName=LEDGER, Item={**_ledger_key(f"CLAIM#{t}", "META"), "version": {"N": "0"}})

    def worker(t: int) -> Callable[[], None]:
        def run() -> None:
            client = make_client()
            version = 0
            for r in range(rounds):
                cancel = r % 3 == 2
                actions = [
                    _put(LEDGER, _posting(f"CLAIM#{t}", f"POSTING#{r:03}"), "attribute_not_exists(pk)"),
                    _put(WORKLIST, {"pk": _s(f"F-{t}-{r}"), "status": _s("open"), "created_at": _s(f"{r:03}")}),
                    _bump(f"CLAIM#{t}", "META", expected_version=version + 100 if cancel else version),
                ]
                try:
                    client.transact_write_items(TransactItems=actions)
                    version += 1
                except ClientError as error:
                    assert cancel, error
                    assert error.response["Error"]["Code"] == "TransactionCanceledException"

        return run

    _run_threads([worker(t) for t in range(threads)])

    committed = [r for r in range(rounds) if r % 3 != 2]
    for t in range(threads):
        postings = seed.query(
            TableName=LEDGER,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
            ExpressionAttributeValues={":pk": _s(f"CLAIM#{t}"), ":p": _s("POSTING#")},
            ConsistentRead=True,
        )["Items"]
        assert [p["sk"]["S"] for p in postings] == [f"POSTING#{r:03}" for r in committed]
        meta = seed.get_item(TableName=LEDGER, Key=_ledger_key(f"CLAIM#{t}", "META"), ConsistentRead=True)
        assert meta["Item"]["version"] == {"N": str(len(committed))}
    followups = {i["pk"]["S"] for i in seed.scan(TableName=WORKLIST, ConsistentRead=True)["Items"]}
    assert followups == {f"F-{t}-{r}" for t in range(threads) for r in committed}


def test_concurrent_transactions_on_different_items_all_land(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _yielding_writes(monkeypatch)
    _concurrent_postings(lambda: boto3.client("dynamodb", region_name=REGION))


def test_concurrent_transactions_through_a_threaded_moto_server_all_land(
    _aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`remitflow local up` serves moto from a ThreadedMotoServer: one thread per request."""
    _yielding_writes(monkeypatch)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"

        def make_client() -> Any:
            return boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint)

        _create_tables(make_client())
        _concurrent_postings(make_client, threads=4, rounds=6)
    finally:
        server.stop()


def test_nobody_reads_what_a_cancelled_transaction_wrote(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """moto applies a transaction's writes one by one: no other request may see them until it ends."""
    _seed(dynamodb)
    _yielding_writes(monkeypatch)
    done = threading.Event()
    seen: list[str] = []

    def writer() -> None:
        client = boto3.client("dynamodb", region_name=REGION)
        for n in range(20):
            actions = [
                _put(LEDGER, _posting("CLAIM#1", f"POSTING#dirty{n}a")),
                _put(LEDGER, _posting("CLAIM#1", f"POSTING#dirty{n}b")),
                _never(LEDGER, _ledger_key("CLAIM#1", "META")),
            ]
            with pytest.raises(ClientError):
                client.transact_write_items(TransactItems=actions)
        done.set()

    def reader() -> None:
        client = boto3.client("dynamodb", region_name=REGION)
        while not done.is_set():
            items = client.query(
                TableName=LEDGER,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": _s("CLAIM#1")},
                ConsistentRead=True,
            )["Items"]
            seen.extend(i["sk"]["S"] for i in items if "dirty" in i["sk"]["S"])

    _run_threads([writer, reader])
    assert seen == []


# ---------------------------------------------------------------------------- cost per item, not per table


@pytest.fixture
def item_copies(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many item copies moto makes (deep copies of ``Item``: a table copy makes one per item)."""
    copies = [0]
    original = Item.__deepcopy__

    def counted(self: Item, memo: dict[int, Any]) -> Item:
        copies[0] += 1
        return original(self, memo)

    monkeypatch.setattr(Item, "__deepcopy__", counted)
    return copies


def _fill(client: Any, claims: int) -> None:
    for start in range(0, claims, 25):
        batch = [
            {"PutRequest": {"Item": {**_ledger_key(f"CLAIM#{n}", "META"), "version": {"N": "1"}}}}
            for n in range(start, min(start + 25, claims))
        ]
        client.batch_write_item(RequestItems={LEDGER: batch})
    for start in range(0, claims, 25):
        batch = [
            {"PutRequest": {"Item": {"pk": _s(f"F-{n}"), "status": _s("open"), "created_at": _s(f"{n:06}")}}}
            for n in range(start, min(start + 25, claims))
        ]
        client.batch_write_item(RequestItems={WORKLIST: batch})


def _copies_per_transaction(client: Any, item_copies: list[int], claims: int) -> tuple[int, int]:
    """Item copies made by one committed and one cancelled transaction, each touching four items."""
    _fill(client, claims)
    actions = [
        _put(LEDGER, _posting("CLAIM#0", "POSTING#x"), "attribute_not_exists(pk)"),
        _bump("CLAIM#0", "META", expected_version=1),
        {"Delete": {"TableName": WORKLIST, "Key": {"pk": _s("F-0")}}},
        {
            "ConditionCheck": {
                "TableName": LEDGER,
                "Key": _ledger_key("CLAIM#1", "META"),
                "ConditionExpression": "version = :v",
                "ExpressionAttributeValues": {":v": {"N": "1"}},
            }
        },
    ]
    item_copies[0] = 0
    client.transact_write_items(TransactItems=actions)
    committed = item_copies[0]
    item_copies[0] = 0
    _cancelled(
        client,
        [
            _put(LEDGER, _posting("CLAIM#2", "POSTING#y"), "attribute_not_exists(pk)"),
            _bump("CLAIM#2", "META", expected_version=1),
            {"Delete": {"TableName": WORKLIST, "Key": {"pk": _s("F-2")}}},
            _never(LEDGER, _ledger_key("CLAIM#3", "META")),
        ],
    )
    cancelled = item_copies[0]
    return committed, cancelled


def test_a_transaction_copies_the_items_it_touches_not_the_tables(_aws_env: None, item_copies: list[int]) -> None:
    figures = {}
    for claims in (10, 2_000):
        with mock_aws():
            client = boto3.client("dynamodb", region_name=REGION)
            _create_tables(client)
            figures[claims] = _copies_per_transaction(client, item_copies, claims)
    # The before-images of the updated and the deleted item (the new one had none), and moto's own
    # copy of the updated item (its update_item keeps one for streams). moto as shipped copies a
    # table once per action on it: 41 and 8,001 item copies here.
    assert figures[10] == figures[2_000] == (3, 3)


def test_a_key_query_reads_its_partition_only(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(dynamodb, 300)
    for n in range(5):
        dynamodb.put_item(TableName=LEDGER, Item=_posting("CLAIM#7", f"POSTING#{n}", f"{n}.00"))
    whole_table_reads = [0]
    original_all_items = Table.all_items

    def all_items(self: Table) -> list[Item]:
        whole_table_reads[0] += 1
        return original_all_items(self)

    monkeypatch.setattr(Table, "all_items", all_items)

    queries: list[dict[str, Any]] = [
        {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": _s("CLAIM#7")}},
        {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :p)",
            "ExpressionAttributeValues": {":pk": _s("CLAIM#7"), ":p": _s("POSTING#")},
            "ScanIndexForward": False,
            "Limit": 2,
        },
        {
            "KeyConditionExpression": "pk = :pk AND sk > :after",
            "FilterExpression": "amount >= :min",
            "ExpressionAttributeValues": {":pk": _s("CLAIM#7"), ":after": _s("POSTING#1"), ":min": {"N": "3"}},
            "ExclusiveStartKey": _ledger_key("CLAIM#7", "POSTING#2"),
        },
        {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": _s("CLAIM#none")}},
    ]

    def answers() -> list[dict[str, Any]]:
        found = []
        for query in queries:
            response = dynamodb.query(TableName=LEDGER, ConsistentRead=True, **query)
            found.append({k: response.get(k) for k in ("Items", "Count", "ScannedCount", "LastEvaluatedKey")})
        return found

    partitioned = answers()
    assert whole_table_reads[0] == 0
    assert [len(a["Items"]) for a in partitioned] == [6, 2, 2, 0]
    with monkeypatch.context() as m:
        m.setattr(Table, "query", Table.query.__wrapped__)
        assert answers() == partitioned  # moto's own query, reading the whole table
    assert whole_table_reads[0] == len(queries)


def test_memory_follows_the_items_stored_not_the_writes(dynamodb: Any) -> None:
    """moto kept every version of every item (and every transaction's table copy) alive."""
    _fill(dynamodb, 50)

    def live_items() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if isinstance(o, Item))

    before = live_items()
    for version in range(1, 101):
        dynamodb.transact_write_items(
            TransactItems=[_bump("CLAIM#1", "META", version), _bump("CLAIM#2", "META", version)]
        )
        dynamodb.put_item(
            TableName=WORKLIST, Item={"pk": _s("F-1"), "status": _s("open"), "created_at": _s(f"{version}")}
        )
        dynamodb.query(
            TableName=LEDGER, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": _s("CLAIM#1")}
        )
    assert live_items() - before <= 5  # what the last request still holds, not one per write


# ---------------------------------------------------------------------------- installing


def test_deploy_local_stack_installs_the_fixes_before_its_first_request(monkeypatch: pytest.MonkeyPatch) -> None:
    class Installed(Exception):
        pass

    def install() -> None:
        raise Installed

    monkeypatch.setattr(moto_dynamodb, "install", install)
    with pytest.raises(Installed):
        deploy_local_stack(TEMPLATE)  # no moto active: any AWS call would fail differently


def test_install_is_idempotent() -> None:
    patched = DynamoDBBackend.transact_write_items
    moto_dynamodb.install()
    assert moto_dynamodb.installed()
    assert DynamoDBBackend.transact_write_items is patched
    assert not hasattr(patched.__wrapped__, "__wrapped__")  # wrapped once, not twice


def test_install_refuses_a_moto_without_the_internals_it_relies_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(DynamoDBBackend, "get_keys_value")
    with pytest.raises(moto_dynamodb.MotoInternalsChanged, match=r"DynamoDBBackend\.get_keys_value is missing"):
        moto_dynamodb._check_internals()


# ---------------------------------------------------------------------------- items and the wire (moto_wire)


def _rich_item(pk: str) -> dict[str, Any]:
    """An item with every AttributeValue type, nested, binary and non-ASCII included."""
    return {
        "pk": _s(pk),
        "sk": _s("META"),
        "empty": _s(""),
        "name": _s("Zoë Ωmega"),
        "amount": {"N": "-1234.56"},
        "blob": {"B": b"\x00\xffbinary"},
        "strings": {"SS": ["a", "b"]},
        "numbers": {"NS": ["1", "2.5"]},
        "blobs": {"BS": [b"\x01", b"\x02\x03"]},
        "yes": {"BOOL": True},
        "no": {"BOOL": False},
        "nothing": {"NULL": True},
        "lines": {
            "L": [
                {"M": {"code": _s("99213"), "paid": {"N": "10.00"}, "adj": {"L": [{"M": {"g": _s("CO")}}]}}},
                {"L": []},
                {"M": {}},
                {"B": b"\x10"},
            ]
        },
    }


def _answers(client: Any) -> list[Any]:
    """Every read and write whose request or response carries items, with moto's errors."""
    answers: list[Any] = []

    def call(operation: str, **params: Any) -> None:
        try:
            response = getattr(client, operation)(**params)
            response.pop("ResponseMetadata", None)
            answers.append(response)
        except ClientError as error:
            answers.append((error.response["Error"], error.response.get("CancellationReasons")))

    call("put_item", TableName=LEDGER, Item=_rich_item("CLAIM#1"))
    call("put_item", TableName=LEDGER, Item=_rich_item("CLAIM#1"), ReturnValues="ALL_OLD")
    call("transact_write_items", TransactItems=[_put(LEDGER, _rich_item("CLAIM#2"))])
    call("get_item", TableName=LEDGER, Key=_ledger_key("CLAIM#1", "META"), ConsistentRead=True)
    call(
        "batch_get_item",
        RequestItems={LEDGER: {"Keys": [_ledger_key("CLAIM#1", "META"), _ledger_key("CLAIM#2", "META")]}},
    )
    call("query", TableName=LEDGER, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": _s("CLAIM#1")})
    call("scan", TableName=LEDGER)
    call(
        "update_item",
        TableName=LEDGER,
        Key=_ledger_key("CLAIM#1", "META"),
        UpdateExpression="SET lines[0].paid = :p, extra = :m",
        ExpressionAttributeValues={":p": {"N": "11.00"}, ":m": {"M": {"x": {"BS": [b"\x04"]}}}},
        ReturnValues="ALL_NEW",
    )
    call(
        "transact_write_items",
        TransactItems=[_never(LEDGER, _ledger_key("CLAIM#2", "META"), ReturnValuesOnConditionCheckFailure="ALL_OLD")],
    )
    call("put_item", TableName=LEDGER, Item={**_ledger_key("CLAIM#3", "META"), "bad": {"N": "not a number"}})
    call("put_item", TableName=LEDGER, Item={**_ledger_key("CLAIM#3", "META"), "big": _s("x" * 405_000)})
    call("put_item", TableName=LEDGER, Item={**_ledger_key("CLAIM#3", "META"), "fits": _s("x" * 404_000)})
    call(
        "put_item",
        TableName=LEDGER,
        Item={**_ledger_key("CLAIM#4", "META"), **{f"a{n:04}": {"N": str(n)} for n in range(3_000)}},
    )
    call("get_item", TableName=LEDGER, Key=_ledger_key("CLAIM#4", "META"))
    call("get_item", TableName=LEDGER, Key=_ledger_key("CLAIM#9", "META"))
    return answers


def test_items_and_responses_read_and_render_as_moto_does(_aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same requests through moto_wire and through moto's own parser, serializer and Item."""

    def run() -> list[Any]:
        with mock_aws():
            client = boto3.client("dynamodb", region_name=REGION)
            _create_tables(client)
            return _answers(client)

    wired = run()
    assert wired[0] == {} and wired[3]["Item"] == {k: v for k, v in _rich_item("CLAIM#1").items()}
    assert wired[10][0]["Message"] == "Item size has exceeded the maximum allowed size"
    assert wired[11] == {}  # just under moto's limit
    with monkeypatch.context() as m:
        m.setattr(JSONSerializer, "_serialize", JSONSerializer._serialize.__wrapped__)  # type: ignore[attr-defined]
        m.setattr(JSONParser, "_parse_shape", JSONParser._parse_shape.__wrapped__)  # type: ignore[attr-defined]
        m.setattr(Item, "__init__", Item.__init__.__wrapped__)  # type: ignore[misc]
        original = run()
    assert wired == original


def test_an_item_costs_size_checks_per_attribute_not_per_attribute_squared(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes = [0]
    original = DynamoType.size

    def size(self: DynamoType) -> int:
        sizes[0] += 1
        return original(self)

    monkeypatch.setattr(DynamoType, "size", size)
    per_put = {}
    for attributes in (10, 1_000):
        sizes[0] = 0
        item = {**_ledger_key(f"CLAIM#{attributes}", "META"), **{f"a{n}": {"N": "1"} for n in range(attributes)}}
        dynamodb.put_item(TableName=LEDGER, Item=item)
        per_put[attributes] = sizes[0]
    # Once per attribute, plus the keys: moto's LimitedSizeDict re-summed the item per attribute
    # (about 500,000 size() calls for 1,000 attributes).
    assert per_put[1_000] <= 2 * 1_002
    assert per_put[1_000] / per_put[10] < 150


def _attribute_values() -> st.SearchStrategy[dict[str, Any]]:
    """Wire AttributeValues as moto's parser hands them to Item: every type, nested, non-ASCII text."""
    text = st.text(max_size=12)
    numbers = st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str)
    scalars = st.one_of(
        text.map(lambda v: {"S": v}),
        numbers.map(lambda v: {"N": v}),
        st.binary(max_size=8).map(lambda v: {"B": v}),
        st.booleans().map(lambda v: {"BOOL": v}),
        st.just({"NULL": True}),
        st.lists(text, min_size=1, max_size=3, unique=True).map(lambda v: {"SS": v}),
        st.lists(numbers, min_size=1, max_size=3, unique=True).map(lambda v: {"NS": v}),
        st.lists(st.binary(max_size=4), min_size=1, max_size=3, unique=True).map(lambda v: {"BS": v}),
    )
    return st.recursive(
        scalars,
        lambda members: st.one_of(
            st.lists(members, max_size=4).map(lambda v: {"L": v}),
            st.dictionaries(text, members, max_size=4).map(lambda v: {"M": v}),
        ),
        max_leaves=20,
    )


def _unwrapped(value: Any) -> Any:
    """A DynamoType tree as plain data, to compare two of them member by member."""
    if isinstance(value, DynamoType):
        return (value.type, _unwrapped(value.value))
    if isinstance(value, list):
        return [_unwrapped(v) for v in value]
    if isinstance(value, dict):
        return {k: _unwrapped(v) for k, v in value.items()}
    return value


@settings(max_examples=300, deadline=None)
@given(_attribute_values())
def test_a_value_is_wrapped_and_measured_as_moto_does(value: dict[str, Any]) -> None:
    wrapped, size = moto_wire.dynamo_type_and_size(value)
    moto_wrapped = DynamoType(value)
    assert _unwrapped(wrapped) == _unwrapped(moto_wrapped)
    assert size == moto_wrapped.size()
    assert wrapped == moto_wrapped


def test_a_value_moto_cannot_wrap_fails_as_it_does() -> None:
    for value in ({}, {"L": "text"}, {"M": ["a"]}):
        with pytest.raises(Exception) as ours:
            moto_wire.dynamo_type_and_size(value)
        with pytest.raises(Exception) as moto_own:
            DynamoType(value).size()
        assert type(ours.value) is type(moto_own.value)


def test_deploy_local_stack_installs_the_wire_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    class Installed(Exception):
        pass

    def install() -> None:
        raise Installed

    monkeypatch.setattr(moto_wire, "install", install)
    with pytest.raises(Installed):
        deploy_local_stack(TEMPLATE)


def test_wire_install_is_idempotent() -> None:
    moto_wire.install()
    assert moto_wire.installed()
    assert not hasattr(JSONParser._parse_shape.__wrapped__, "__wrapped__")  # type: ignore[attr-defined]


def test_wire_install_refuses_a_moto_that_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(JSONParser, "_parse_shape", lambda self, shape, node: node)
    with pytest.raises(moto_dynamodb.MotoInternalsChanged, match="JSONParser no longer parses"):
        moto_wire._check_internals()
