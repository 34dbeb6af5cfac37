"""remitflow_local.client_validation: botocore's parameter validation off for the bench and
`remitflow local up` only, never by default."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError, ParamValidationError
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
