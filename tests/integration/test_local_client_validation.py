"""remitflow_local.client_validation: botocore's parameter validation off for the bench only, never
by default (`remitflow local up` keeps it on)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ParamValidationError
from botocore.serialize import create_serializer
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from remitflow_local import client_validation, deploy_local_stack

REGION = "us-east-1"
TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@pytest.fixture(autouse=True)
def _aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield
    client_validation.enable()


def _malformed_put(client: object) -> None:
    # A table name is at least 3 characters: botocore refuses an empty one before sending it.
    client.describe_table(TableName="")  # type: ignore[attr-defined]


def test_clients_validate_parameters_by_default() -> None:
    assert not client_validation.disabled()
    with pytest.raises(ParamValidationError):
        _malformed_put(boto3.client("dynamodb", region_name=REGION))


def test_disabled_clients_send_what_they_are_given_and_moto_answers() -> None:
    before = boto3.client("dynamodb", region_name=REGION)
    client_validation.disable()
    client_validation.disable()  # idempotent
    assert client_validation.disabled()
    after = boto3.client("dynamodb", region_name=REGION)
    with pytest.raises(ClientError) as answered:
        _malformed_put(after)
    assert not isinstance(answered.value, ParamValidationError)  # moto's answer, not botocore's check
    with pytest.raises(ParamValidationError):
        _malformed_put(before)  # a client made earlier keeps its validation
    client_validation.enable()
    with pytest.raises(ParamValidationError):
        _malformed_put(boto3.client("dynamodb", region_name=REGION))


def test_deploy_local_stack_turns_validation_off_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    class Disabled(Exception):
        pass

    def disable() -> None:
        raise Disabled

    monkeypatch.setattr(client_validation, "disable", disable)
    with pytest.raises(Disabled):
        deploy_local_stack(TEMPLATE, client_validation=False)
    deploy_local_stack(TEMPLATE)  # the default: nothing turned off
    assert not client_validation.disabled()


def test_disable_refuses_a_botocore_that_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.args import ClientArgsCreator

    monkeypatch.setattr(ClientArgsCreator, "get_client_args", lambda self, *args, **kwargs: None)
    with pytest.raises(client_validation.MotoInternalsChanged, match="parameter_validation"):
        client_validation.disable()
    assert not client_validation.disabled()


def _attribute_values() -> st.SearchStrategy[dict[str, Any]]:
    text = st.text(max_size=8)
    blob = st.one_of(st.binary(max_size=6), text)  # botocore base64-encodes str blobs too
    scalars = st.one_of(
        text.map(lambda v: {"S": v}),
        st.integers().map(lambda v: {"N": str(v)}),
        blob.map(lambda v: {"B": v}),
        st.booleans().map(lambda v: {"BOOL": v}),
        st.just({"NULL": True}),
        st.lists(text, min_size=1, max_size=3).map(lambda v: {"SS": v}),
        st.lists(st.integers().map(str), min_size=1, max_size=3).map(lambda v: {"NS": v}),
        st.lists(blob, min_size=1, max_size=3).map(lambda v: {"BS": v}),
    )
    return st.recursive(
        scalars,
        lambda members: st.one_of(
            st.lists(members, max_size=3).map(lambda v: {"L": v}),
            st.dictionaries(text, members, max_size=3).map(lambda v: {"M": v}),
        ),
        max_leaves=15,
    )


def _bodies(operation: str, params: dict[str, Any]) -> tuple[Any, Any]:
    """The request body botocore's own serializer makes, and the one made with the direct rendering."""
    model = boto3.client("dynamodb", region_name=REGION).meta.service_model.operation_model(operation)

    def body() -> Any:
        serializer = create_serializer("json", include_validation=False)
        try:
            return serializer.serialize_to_request(params, model)["body"]
        except Exception as error:  # what botocore makes of a value it cannot serialize
            return type(error).__name__

    client_validation.enable()
    theirs = body()
    client_validation.disable()
    ours = body()
    client_validation.enable()
    return ours, theirs


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=6), _attribute_values(), max_size=5))
def test_attribute_values_are_serialized_as_botocore_serializes_them(item: dict[str, Any]) -> None:
    ours, theirs = _bodies("PutItem", {"TableName": "t", "Item": item})
    assert ours == theirs


def test_requests_botocore_would_refuse_are_serialized_as_botocore_does() -> None:
    odd = [
        {"S": "a", "N": "1"},  # two members: botocore renders both
        {"SS": {"a"}},  # a set, not a list: left to botocore
        {"X": "unknown"},  # not a member: botocore's KeyError
        "bare",  # not a structure
        {"L": [{"S": "a"}, "bare"]},
        {"M": {"a": {"B": 5}}},
    ]
    for value in odd:
        ours, theirs = _bodies("PutItem", {"TableName": "t", "Item": {"v": value}})
        assert ours == theirs, value
    params = {
        "TransactItems": [
            {"Put": {"TableName": "t", "Item": {"pk": {"S": "a"}, "l": {"L": [{"M": {"b": {"B": b"\x00"}}}]}}}},
            {
                "Update": {
                    "TableName": "t",
                    "Key": {"pk": {"S": "b"}},
                    "UpdateExpression": "SET a = :v",
                    "ExpressionAttributeValues": {":v": {"NS": ["1", "2"]}},
                }
            },
        ]
    }
    ours, theirs = _bodies("TransactWriteItems", params)
    assert ours == theirs


def test_dynamodbs_attribute_values_take_the_direct_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore walked each AttributeValue member by member: here a whole item is one step."""
    from botocore.serialize import JSONSerializer

    model = boto3.client("dynamodb", region_name=REGION).meta.service_model.operation_model("PutItem")
    item = {"pk": {"S": "a"}, "lines": {"L": [{"M": {"paid": {"N": "1"}}}] * 5}}
    walked = [0]
    structure = JSONSerializer._serialize_type_structure  # type: ignore[attr-defined]

    def counting(self: Any, serialized: Any, value: Any, shape: Any, key: Any) -> None:
        walked[0] += shape.name == "AttributeValue"
        structure(self, serialized, value, shape, key)

    client_validation.disable()
    monkeypatch.setattr(JSONSerializer, "_serialize_type_structure", counting)
    create_serializer("json", include_validation=False).serialize_to_request({"TableName": "t", "Item": item}, model)
    assert walked[0] == 0
    client_validation.enable()
    create_serializer("json", include_validation=False).serialize_to_request({"TableName": "t", "Item": item}, model)
    assert walked[0] == 2 + 5 * 2  # botocore's walk: pk, lines, five maps and their five numbers
