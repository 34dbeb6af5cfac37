"""The local stand-in for API Gateway: what the function receives, what the browser gets back.

A recording function stands in for WorklistApi, so these run without the stack.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from remitflow_local.api_server import LocalApiServer


class Recorder:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.result: Any = {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": "{}"}

    def __call__(self, event: dict[str, Any]) -> Any:
        self.events.append(event)
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


@pytest.fixture
def served() -> Iterator[tuple[LocalApiServer, Recorder]]:
    function = Recorder()
    server = LocalApiServer(function, identity="ana@example.test").start()
    try:
        yield server, function
    finally:
        server.stop()


def call(url: str, *, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    request = Request(url, data=body, method=method, headers=headers or {})
    try:
        return urlopen(request, timeout=10)
    except HTTPError as error:
        return error


def test_a_request_becomes_a_payload_v2_event_with_the_dev_identity(served: tuple[LocalApiServer, Recorder]) -> None:
    server, function = served
    body = json.dumps({"note": "Ms. Novak called"}).encode()
    call(
        f"{server.url}api/followups/f1/resolve?status=open&type=denied&type=underpaid",
        method="POST",
        body=body,
        headers={"Content-Type": "application/json", "X-Trace": "a", "Cookie": "c1=1; c2=2"},
    )
    [event] = function.events
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/api/followups/f1/resolve"
    assert event["rawQueryString"] == "status=open&type=denied&type=underpaid"
    assert event["queryStringParameters"] == {"status": "open", "type": "denied,underpaid"}
    assert event["headers"]["content-type"] == "application/json"
    assert event["headers"]["x-trace"] == "a"
    assert event["cookies"] == ["c1=1", "c2=2"]
    assert json.loads(event["body"]) == {"note": "Ms. Novak called"}
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"]["method"] == "POST"
    assert context["http"]["path"] == "/api/followups/f1/resolve"
    assert context["stage"] == "$default"
    claims = context["authorizer"]["jwt"]["claims"]
    assert claims["email"] == "ana@example.test"
    # A stable sub per identity, as Cognito gives each user one.
    assert claims["sub"] == str(uuid.uuid5(uuid.NAMESPACE_URL, "remitflow-local:ana@example.test"))


def test_the_function_response_is_written_back(served: tuple[LocalApiServer, Recorder]) -> None:
    server, function = served
    function.result = {
        "statusCode": 409,
        "headers": {"Content-Type": "application/json", "X-Kind": "conflict"},
        "body": '{"message": "changed by someone else"}',
    }
    response = call(f"{server.url}api/followups/f1/assign", method="POST", body=b"{}")
    assert response.status == 409
    assert response.headers["x-kind"] == "conflict"
    assert json.load(response) == {"message": "changed by someone else"}

    function.result = {"statusCode": 200, "body": base64.b64encode(b"\x89PNG").decode(), "isBase64Encoded": True}
    assert call(f"{server.url}icon.png").read() == b"\x89PNG"


def test_a_failing_function_is_a_500_and_nothing_private_is_logged(
    served: tuple[LocalApiServer, Recorder], capsys: pytest.CaptureFixture[str]
) -> None:
    server, function = served
    function.result = RuntimeError("boom")
    response = call(f"{server.url}api/followups?claim_id=PCN1099", method="POST", body=b'{"note": "NOVAK"}')
    assert response.status == 500
    assert json.load(response) == {"message": "Internal Server Error"}
    logged = capsys.readouterr().err
    assert "/api/followups 500" in logged
    assert "PCN1099" not in logged
    assert "NOVAK" not in logged
