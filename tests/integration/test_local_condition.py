"""The local stack's condition expressions (remitflow_local.moto_condition): moto's answers, parsed once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from tests.support.local_moto import LEDGER, REGION, create_ledger, offline_aws

from remitflow_local import deploy_local_stack, moto_condition, moto_dynamodb

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@pytest.fixture(autouse=True)
def _installed(monkeypatch: pytest.MonkeyPatch) -> None:
    moto_dynamodb.install()
    moto_condition.install()
    offline_aws(monkeypatch)


def _create_table(client: Any) -> None:
    create_ledger(client)


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        _create_table(client)
        yield client


def _key(pk: str, sk: str = "META") -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _seed(client: Any) -> None:
    client.put_item(
        TableName=LEDGER,
        Item={**_key("CLAIM#1"), "version": {"N": "3"}, "codes": {"SS": ["a", "b"]}, "paid": {"N": "10.00"}},
    )
    client.put_item(TableName=LEDGER, Item={**_key("CLAIM#1", "POSTING#1"), "amount": {"N": "5"}})


def _answers() -> list[Any]:
    """Conditional writes, transactions and filters, each twice, with moto's errors."""
    answers: list[Any] = []
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        _create_table(client)

        def call(operation: str, **params: Any) -> None:
            for _ in range(2):
                _seed(client)
                try:
                    response = getattr(client, operation)(**params)
                    response.pop("ResponseMetadata", None)
                    answers.append(response)
                except ClientError as error:
                    answers.append((error.response["Error"], error.response.get("CancellationReasons")))
                except Exception as error:  # moto lets some parse errors out as they are
                    answers.append((type(error).__name__, str(error)))
                answers.append(sorted(map(str, client.scan(TableName=LEDGER)["Items"])))

        new_posting = {**_key("CLAIM#1", "POSTING#2"), "amount": {"N": "1"}}
        call("put_item", TableName=LEDGER, Item=new_posting, ConditionExpression="attribute_not_exists(pk)")
        call(
            "put_item",
            TableName=LEDGER,
            Item={**_key("CLAIM#1", "POSTING#1"), "amount": {"N": "1"}},
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        for expected in ("3", "4"):
            call(
                "transact_write_items",
                TransactItems=[
                    {
                        "Put": {
                            "TableName": LEDGER,
                            "Item": new_posting,
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": LEDGER,
                            "Key": _key("CLAIM#1"),
                            "UpdateExpression": "SET version = version + :one",
                            "ConditionExpression": "#v = :expected AND contains(codes, :code)",
                            "ExpressionAttributeNames": {"#v": "version"},
                            "ExpressionAttributeValues": {
                                ":one": {"N": "1"},
                                ":expected": {"N": expected},
                                ":code": {"S": "a"},
                            },
                        }
                    },
                ],
            )
        call(
            "update_item",
            TableName=LEDGER,
            Key=_key("CLAIM#1"),
            UpdateExpression="ADD codes :more",
            ConditionExpression="paid BETWEEN :low AND :high AND size(codes) < :three AND version IN (:v1, :v2)",
            ExpressionAttributeValues={
                ":more": {"SS": ["c"]},
                ":low": {"N": "1"},
                ":high": {"N": "20"},
                ":three": {"N": "3"},
                ":v1": {"N": "3"},
                ":v2": {"N": "9"},
            },
            ReturnValues="ALL_NEW",
        )
        call("delete_item", TableName=LEDGER, Key=_key("CLAIM#1"), ConditionExpression="version = )")  # bad syntax
        call(
            "delete_item",
            TableName=LEDGER,
            Key=_key("CLAIM#1"),
            ConditionExpression="version = :missing",
            ExpressionAttributeValues={":other": {"N": "1"}},
        )
        call(
            "delete_item",
            TableName=LEDGER,
            Key=_key("CLAIM#1"),
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#unused": "x"},
        )
        call("delete_item", TableName=LEDGER, Key=_key("CLAIM#1"), ConditionExpression="attribute_exists(status)")
        call(
            "query",
            TableName=LEDGER,
            KeyConditionExpression="pk = :pk",
            FilterExpression="amount > :min OR begins_with(sk, :meta)",
            ExpressionAttributeValues={":pk": {"S": "CLAIM#1"}, ":min": {"N": "2"}, ":meta": {"S": "MET"}},
        )
    return answers


def test_conditions_answer_as_moto_does(monkeypatch: pytest.MonkeyPatch) -> None:
    moto_condition.PARSED.clear()
    ours = _answers()
    with monkeypatch.context() as m:
        m.setattr(ConditionExpressionParser, "parse", ConditionExpressionParser.parse.__wrapped__)  # type: ignore[attr-defined]
        original = _answers()
    assert ours == original
    errors = [a for a in ours[::2] if isinstance(a, tuple)]
    assert len(errors) >= 10  # the failing conditions and the invalid expressions did fail


def test_a_condition_is_parsed_once(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    moto_condition.PARSED.clear()
    lexed = [0]
    lex = ConditionExpressionParser._lex_condition_expression

    def counting(self: ConditionExpressionParser) -> Any:
        lexed[0] += 1
        return lex(self)

    monkeypatch.setattr(ConditionExpressionParser, "_lex_condition_expression", counting)
    for n in range(10):
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": LEDGER,
                        "Item": {**_key("CLAIM#1", f"POSTING#{n}"), "amount": {"N": "1"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            ]
        )
    # Once per spelling of "no names" (the handler passes {}, the backend None); moto lexed 30 times.
    assert lexed[0] <= 2


def test_a_remembered_condition_keeps_its_own_values() -> None:
    """What a request later does to its values (moto may store them in an item) never reaches the tree."""
    moto_condition.PARSED.clear()
    codes = ["a"]
    values = {":codes": {"SS": codes}}
    ConditionExpressionParser("codes = :codes", None, values).parse()
    codes.append("b")  # the request's own list, changed afterwards
    again = ConditionExpressionParser("codes = :codes", None, {":codes": {"SS": ["a"]}}).parse()
    item = Item(DynamoType({"S": "k"}), None, {"pk": {"S": "k"}, "codes": {"SS": ["a"]}})
    assert again.expr(item) is True


def test_install_is_idempotent_and_deploy_installs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    moto_condition.install()
    assert moto_condition.installed()
    assert not hasattr(ConditionExpressionParser.parse.__wrapped__, "__wrapped__")  # type: ignore[attr-defined]

    class Installed(Exception):
        pass

    def install() -> None:
        raise Installed

    monkeypatch.setattr(moto_condition, "install", install)
    with pytest.raises(Installed):
        deploy_local_stack(TEMPLATE)


def test_install_refuses_a_moto_that_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ConditionExpressionParser, "parse", lambda self: None)
    with pytest.raises(moto_dynamodb.MotoInternalsChanged, match="no longer does"):
        moto_condition._check_internals()
