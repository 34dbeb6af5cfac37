"""The local stack's update expressions (remitflow_local.moto_update): moto's answers, parsed once.

moto parses an UpdateExpression on every request (twice), deep-copies the tree and runs three
structural checks at every node of it. moto_update parses each string once, copies the tree node by
node and runs the structural checks once per expression, names and key attributes. These tests
pin that the answers, the items left behind and the errors are moto's own, including when an
expression is seen for the second time, and that the work done once is done once.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, Node
from moto.dynamodb.parsing.expressions import ExpressionTokenizer, UpdateExpressionParser
from moto.dynamodb.parsing.validators import ActionCountValidator, UpdateExpressionValidator
from tests.support.local_moto import LEDGER, REGION, create_ledger, offline_aws

from remitflow_local import deploy_local_stack, moto_dynamodb, moto_update

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@pytest.fixture(autouse=True)
def _installed(monkeypatch: pytest.MonkeyPatch) -> None:
    moto_dynamodb.install()
    moto_update.install()
    offline_aws(monkeypatch)


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        _create_table(client)
        yield client


def _create_table(client: Any) -> None:
    create_ledger(client)


def _key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": "META"}}


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: str) -> dict[str, str]:
    return {"N": value}


def _claim_import(claim: str) -> dict[str, Any]:
    """The claims import's update (ClaimsStore.import_claim): fourteen SET clauses."""
    balances = ("insurance_paid", "contractual_adjustment", "other_adjustment", "patient_responsibility")
    assignments = [
        "claim_id = :claim_id",
        "kind = :kind",
        "account_id = :account",
        "payer_id = :payer",
        "#lines = :lines",
        "charge_amount = :charge",
        "#status = if_not_exists(#status, :open)",
        "posting_ids = if_not_exists(posting_ids, :none)",
        "version = if_not_exists(version, :zero) + :one",
        *(f"{balance} = if_not_exists({balance}, :zero)" for balance in balances),
    ]
    return {
        "Key": _key(claim),
        "UpdateExpression": "SET " + ", ".join(assignments),
        "ExpressionAttributeNames": {"#status": "status", "#lines": "lines"},
        "ExpressionAttributeValues": {
            ":claim_id": _s(claim),
            ":kind": _s("claim"),
            ":account": _s("A-1"),
            ":payer": _s("P"),
            ":lines": {"L": [{"M": {"code": _s("99213"), "charge": _n("100.00")}}]},
            ":charge": _n("100.00"),
            ":zero": _n("0"),
            ":one": _n("1"),
            ":open": _s("open"),
            ":none": {"L": []},
        },
    }


def _update(expression: str, names: dict[str, str] | None = None, **values: Any) -> dict[str, Any]:
    update: dict[str, Any] = {"Key": _key("CLAIM#1"), "UpdateExpression": expression}
    if names:
        update["ExpressionAttributeNames"] = names
    if values:
        update["ExpressionAttributeValues"] = {f":{name}": value for name, value in values.items()}
    return update


# Each is applied to the seeded item, twice in a row (the second time from the caches).
UPDATES: dict[str, dict[str, Any]] = {
    "claim import, new item": _claim_import("CLAIM#9"),
    "claim import, existing item": _claim_import("CLAIM#1"),
    "if_not_exists and +": _update("SET version = if_not_exists(version, :zero) + :one", zero=_n("0"), one=_n("1")),
    "minus": _update("SET paid = paid - :x", x=_n("2.50")),
    "list_append": _update("SET tags = list_append(tags, :more)", more={"L": [_s("c")]}),
    "list_append on a missing list": _update("SET nope = list_append(nope, :more)", more={"L": [_s("c")]}),
    "nested path and index": _update(
        "SET #l[0].paid = :p, meta.note = :note", {"#l": "lines"}, p=_n("1"), note=_s("x")
    ),
    "REMOVE and list indexes": _update("REMOVE tags[0], tags[1], paid"),
    "ADD and DELETE": _update(
        "ADD hits :one, codes :c DELETE codeset :d", one=_n("1"), c={"SS": ["z"]}, d={"SS": ["b"]}
    ),
    "all four clauses": _update(
        "SET a = :v REMOVE paid ADD hits :one DELETE codeset :d", v=_s("a"), one=_n("1"), d={"SS": ["a"]}
    ),
    "invalid syntax": _update("SET = :v", v=_s("a")),
    "undefined value": _update("SET a = :missing", v=_s("a")),
    "undefined name": _update("SET #missing = :v", {"#other": "a"}, v=_s("a")),
    "overlapping paths": _update("SET meta = :v, meta.note = :v", v=_s("a")),
    "duplicate names": _update("SET #a = :v, #b = :v", {"#a": "x", "#b": "x"}, v=_s("a")),
    "two SET clauses": _update("SET a = :v SET b = :v", v=_s("a")),
    "REMOVE twice then SET twice": _update("REMOVE a SET b = :v, c = :v REMOVE d", v=_s("a")),
    "a key attribute": _update("SET sk = :v", v=_s("other")),
    "plus on a string": _update("SET kind = kind + :one", one=_n("1")),
    "path that does not exist": _update("SET a = nothing.here"),
    "reserved word": _update("SET status = :v", v=_s("a")),
    "index into a map": _update("SET meta[0] = :v", v=_s("a")),
}


def _seed(client: Any) -> None:
    client.put_item(
        TableName=LEDGER,
        Item={
            **_key("CLAIM#1"),
            "kind": _s("claim"),
            "version": _n("3"),
            "paid": _n("10.00"),
            "tags": {"L": [_s("a"), _s("b")]},
            "codeset": {"SS": ["a", "b"]},
            "lines": {"L": [{"M": {"paid": _n("0")}}]},
            "meta": {"M": {"note": _s("n")}},
        },
    )


def _answers(through: str) -> list[Any]:
    """Every update, twice, through UpdateItem or a transaction, and the table after each."""
    answers: list[Any] = []
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        _create_table(client)
        for name, update in UPDATES.items():
            for _ in range(2):
                client.delete_item(TableName=LEDGER, Key=_key("CLAIM#9"))
                _seed(client)
                try:
                    if through == "update_item":
                        response = client.update_item(TableName=LEDGER, ReturnValues="ALL_NEW", **update)
                    else:
                        response = client.transact_write_items(
                            TransactItems=[{"Update": {"TableName": LEDGER, **update}}]
                        )
                    response.pop("ResponseMetadata", None)
                    answer: Any = response
                except ClientError as error:
                    answer = (error.response["Error"], error.response.get("CancellationReasons"))
                answers.append((name, answer, client.scan(TableName=LEDGER)["Items"]))
    return answers


def _moto_own(m: pytest.MonkeyPatch) -> None:
    """Put moto's own parser, validator and traversal back for the block."""
    m.setattr(UpdateExpressionParser, "make", classmethod(UpdateExpressionParser.make.__func__.__wrapped__))  # type: ignore[attr-defined]
    m.delattr(UpdateExpressionValidator, "__init__")
    m.delattr(UpdateExpressionValidator, "validate")
    for name in ("nodes_to_be_processed", "process", "traverse_node_recursively"):
        m.setattr(DepthFirstTraverser, name, getattr(DepthFirstTraverser, name).__wrapped__)


@pytest.mark.parametrize("through", ["update_item", "transact_write_items"])
def test_updates_answer_and_leave_the_item_as_moto_does(monkeypatch: pytest.MonkeyPatch, through: str) -> None:
    moto_update.PARSED.clear()
    ours = _answers(through)
    with monkeypatch.context() as m:
        _moto_own(m)
        original = _answers(through)
    assert [a[0] for a in ours] == [a[0] for a in original]
    for (name, answer, items), (_, moto_answer, moto_items) in zip(ours, original, strict=True):
        assert (name, answer) == (name, moto_answer)
        assert (name, items) == (name, moto_items)
    # The scenarios reach what they are named after: errors where moto raises one.
    errors = {name for name, answer, _ in ours if isinstance(answer, tuple)}
    assert {"invalid syntax", "undefined value", "overlapping paths", "two SET clauses", "a key attribute"} <= errors
    assert not errors & {"claim import, new item", "nested path and index", "ADD and DELETE", "all four clauses"}


def _shape(node: Any, parent: Any = None) -> Any:
    """A node's class, children and whether its parent is the node holding it, recursively."""
    if not isinstance(node, Node):
        return (type(node), node)
    assert node.parent is parent
    return (type(node), node.type, [_shape(child, node) for child in node.children or []])


def test_the_tree_is_copied_as_deepcopy_copies_it() -> None:
    tree = UpdateExpressionParser.make(_claim_import("CLAIM#1")["UpdateExpression"] + " REMOVE a[2], b.c ADD d :e")
    copied = moto_update.copy_tree(tree)
    assert _shape(copied) == _shape(copy.deepcopy(tree)) == _shape(tree)
    originals = set()

    def ids(node: Any, into: set[int]) -> None:
        into.add(id(node))
        for child in node.children or []:
            if isinstance(child, Node):
                ids(child, into)

    ids(tree, originals)
    fresh: set[int] = set()
    ids(copied, fresh)
    assert not originals & fresh  # nothing shared with the cached tree


def test_a_tree_with_state_of_its_own_is_deep_copied() -> None:
    tree = UpdateExpressionParser.make("SET a = :v")
    tree.children[0].extra = {"x": 1}  # type: ignore[union-attr]
    copied = moto_update.copy_tree(tree)
    assert copied.children[0].extra == {"x": 1} and copied.children[0].extra is not tree.children[0].extra  # type: ignore[union-attr]


def test_an_expression_is_parsed_and_checked_once(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    moto_update.PARSED.clear()
    tokenized, checked = [0], [0]
    make_list, verify = ExpressionTokenizer.make_list, ActionCountValidator.verify_action_counts

    def counting_make_list(expression: str) -> Any:
        tokenized[0] += 1
        return make_list(expression)

    def counting_verify(self: Any, node: Any) -> Any:
        checked[0] += 1
        return verify(self, node)

    monkeypatch.setattr(ExpressionTokenizer, "make_list", staticmethod(counting_make_list))
    monkeypatch.setattr(ActionCountValidator, "verify_action_counts", counting_verify)
    dynamodb.update_item(TableName=LEDGER, **_claim_import("CLAIM#1"))
    first = checked[0]
    for n in range(2, 12):
        dynamodb.update_item(TableName=LEDGER, **_claim_import(f"CLAIM#{n}"))
    assert tokenized[0] == 1  # moto tokenized it twice a request: 22 times
    assert checked[0] == first > 0  # moto checked every node of the tree again on each request
    # Other attribute names are another combination: checked again, with moto's code.
    other = _claim_import("CLAIM#1") | {"ExpressionAttributeNames": {"#status": "state", "#lines": "lines"}}
    dynamodb.update_item(TableName=LEDGER, **other)
    assert checked[0] > first


def test_a_failed_check_is_not_remembered(dynamodb: Any) -> None:
    update = _update("SET #a = :v, #b = :v", {"#a": "x", "#b": "x"}, v=_s("a"))
    for _ in range(3):
        with pytest.raises(ClientError, match="Two document paths overlap"):
            dynamodb.update_item(TableName=LEDGER, **update)
    fine = _update("SET #a = :v, #b = :v", {"#a": "x", "#b": "y"}, v=_s("a"))
    dynamodb.update_item(TableName=LEDGER, **fine)
    with pytest.raises(ClientError, match="Two document paths overlap"):
        dynamodb.update_item(TableName=LEDGER, **update)


def test_the_parsed_trees_are_bounded() -> None:
    moto_update.PARSED.clear()
    for n in range(moto_update.PARSED_EXPRESSIONS + 50):
        UpdateExpressionParser.make(f"SET a{n} = :v")
    assert moto_update.PARSED.get("SET a0 = :v") is None
    assert moto_update.PARSED.get(f"SET a{moto_update.PARSED_EXPRESSIONS + 49} = :v") is not None


def test_deploy_local_stack_installs_the_update_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    class Installed(Exception):
        pass

    def install() -> None:
        raise Installed

    monkeypatch.setattr(moto_update, "install", install)
    with pytest.raises(Installed):
        deploy_local_stack(TEMPLATE)


def test_update_install_is_idempotent() -> None:
    moto_update.install()
    assert moto_update.installed()
    assert not hasattr(DepthFirstTraverser.process.__wrapped__, "__wrapped__")  # type: ignore[attr-defined]


def test_update_install_refuses_a_moto_that_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(UpdateExpressionValidator, "validate", lambda self: None, raising=False)
    with pytest.raises(moto_dynamodb.MotoInternalsChanged, match="no longer inherits"):
        moto_update._check_internals()
