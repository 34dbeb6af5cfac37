"""What the local-stack tests share: offline AWS credentials and a plain pk/sk table on moto."""

from __future__ import annotations

from typing import Any

import pytest

REGION = "us-east-1"
LEDGER = "ledger"


def offline_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's credentials, and nothing of the developer's AWS profile or endpoint."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def create_ledger(client: Any) -> None:
    """The LEDGER table: a string pk and sk, on demand."""
    client.create_table(
        TableName=LEDGER,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )
