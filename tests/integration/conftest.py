"""The whole stack on moto: template.yaml deployed in-process, functions run by the local runner."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from remitflow.adapters.dynamodb.claims import ClaimsStore
from remitflow.adapters.dynamodb.remittances import RemittancesStore
from remitflow.adapters.dynamodb.worklist import WorklistStore
from remitflow.runtime import Clients, Stores
from remitflow.settings import Settings
from remitflow_local import LocalStack, deploy_local_stack
from remitflow_local.reset import StackData
from remitflow_local.runner import LocalRunner, function_settings

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
SAMPLES = ROOT / "samples"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def aws_env() -> Iterator[None]:
    """Fake credentials and the region, for as long as the module's stack lives (monkeypatch is per test)."""
    with pytest.MonkeyPatch.context() as env:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
            env.delenv(name, raising=False)
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", REGION)
        # The queues are purged before every test: more often than AWS's (and moto's) one purge a minute.
        env.setenv("MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR", "false")
        yield


@dataclass
class Harness:
    """The deployed stack, its runner, and direct access to its stores for assertions."""

    stack: LocalStack
    runner: LocalRunner
    settings: Settings
    stores: Stores
    data: StackData
    clients: Clients

    def reset(self) -> None:
        """Back to the stack as deployed: no items, objects or messages, and a runner that ran nothing."""
        self.data.clear()
        self.runner.reset()

    @property
    def claims(self) -> ClaimsStore:
        return self.stores.claims

    @property
    def remittances(self) -> RemittancesStore:
        return self.stores.remittances

    @property
    def worklist(self) -> WorklistStore:
        return self.stores.worklist

    def upload(self, key: str, body: bytes | Path) -> None:
        data = body.read_bytes() if isinstance(body, Path) else body
        self.stores.inbox.put(key, data)

    def deliver(self, key: str, body: bytes | Path) -> int:
        """Upload and run everything the upload sets off."""
        self.upload(key, body)
        return self.runner.pump()

    def load_sample_reference_data(self) -> None:
        for path in sorted((SAMPLES / "fee-schedules").glob("*.csv")):
            self.upload(f"fee-schedules/{path.name}", path)
        for path in sorted((SAMPLES / "claims").glob("*.csv")):
            self.upload(f"claims/{path.name}", path)
        self.runner.pump()

    def followups(self, status: str = "open") -> list[dict[str, Any]]:
        return list(self.worklist.by_status(status))

    def summary(self, key: str) -> dict[str, Any]:
        import json

        body = self.stores.inbox.client.get_object(Bucket=self.stack.inbox_bucket, Key=f"processed/{key}.json")
        result: dict[str, Any] = json.loads(body["Body"].read())
        return result


@pytest.fixture(scope="module")
def deployed(aws_env: None) -> Iterator[Harness]:
    """template.yaml deployed once per test module: deploying takes seconds, emptying milliseconds.

    Per module, not per session: moto's state is global to the process and a nested mock_aws does
    not reset it, so a stack kept for the session would still be there when test_local_stack.py and
    test_local_stack_deploy.py deploy their own "remitflow" stacks. Each module's mock_aws starts
    from an empty moto, and is open for all of the module's tests.
    """
    with mock_aws():
        stack = deploy_local_stack(TEMPLATE)
        settings = function_settings(stack.functions["RemittanceIngest"])
        clients = Clients.create(boto3.Session(region_name=REGION))
        stores = Stores.create(settings, clients)
        runner = LocalRunner(stack, environment={"POWERTOOLS_LOG_LEVEL": "WARNING", "LOG_LEVEL": "WARNING"})
        data = StackData.of(stack)
        yield Harness(stack=stack, runner=runner, settings=settings, stores=stores, data=data, clients=clients)


@pytest.fixture
def harness(deployed: Harness) -> Harness:
    """The module's stack, emptied: every test starts from the stack as deployed and sees no other's data.

    The stores are new for each test (tests replace their methods to inject crashes and races).
    """
    deployed.reset()
    return replace(deployed, stores=Stores.create(deployed.settings, deployed.clients))
