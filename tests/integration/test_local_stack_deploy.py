"""Deploying template.yaml locally: missing code, parameters, a second deployment, a moto server.

Each test deploys into a moto of its own (test_local_stack.py shares one deployment), on a copy of
the project layout made by ``make_project``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from moto.server import ThreadedMotoServer
from tests.integration.test_local_stack import ACCOUNT, REGION, SERVICE_NAMES, client, make_project, zip_names

from remitflow_local import LocalStackError, deploy_local_stack


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture
def mocked(aws_env: None) -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def test_missing_function_folders_deploy_as_empty_zips(mocked: None, tmp_path: Path) -> None:
    stack = deploy_local_stack(make_project(tmp_path, with_functions=False))

    assert set(stack.missing_code) == set(SERVICE_NAMES)
    assert zip_names(stack.staging_bucket, "remitflow/FollowupWorker/") == []
    assert stack.functions["FollowupWorker"].handler_path == tmp_path / "functions/followup_worker/app.py"


def test_parameters_override_the_template_defaults(mocked: None, project: Path) -> None:
    stack = deploy_local_stack(project, stack_name="other", parameters={"LogLevel": "DEBUG"})

    assert stack.functions["RemittanceIngest"].environment["LOG_LEVEL"] == "DEBUG"
    assert stack.inbox_bucket == f"other-inbox-{ACCOUNT}-{REGION}"
    table = client("dynamodb").describe_table(TableName=stack.claims_table)["Table"]
    assert table["DeletionProtectionEnabled"] is False  # off locally unless asked for


def test_unknown_parameters_are_refused_with_the_known_ones(mocked: None, project: Path) -> None:
    with pytest.raises(LocalStackError, match=r"LogLevl.*declares .*LogLevel"):
        deploy_local_stack(project, parameters={"LogLevl": "DEBUG"})


def test_deploying_the_same_stack_twice_says_so(mocked: None, project: Path) -> None:
    deploy_local_stack(project)
    with pytest.raises(LocalStackError, match="creating stack 'remitflow'"):
        deploy_local_stack(project)


def test_deploys_against_a_moto_server(aws_env: None, project: Path) -> None:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        stack = deploy_local_stack(project, endpoint_url=endpoint)

        ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint)
        assert ddb.describe_table(TableName=stack.claims_table)["Table"]["TableStatus"] == "ACTIVE"
        assert [f.logical_id for f in stack.functions_for_s3(stack.inbox_bucket, "claims/c.csv")] == ["ReferenceImport"]
    finally:
        server.stop()
