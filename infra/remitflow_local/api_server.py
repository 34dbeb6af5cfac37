"""Serve the stack's HTTP API on 127.0.0.1 by invoking its function in-process (dev-only).

moto cannot run API Gateway integrations here, so this stands in for an API Gateway HTTP API with
one `$default` route: every request becomes a payload format 2.0 event, the function runs through
the local runner, and its response is written back as API Gateway would.

Authentication is explicit and local: every request carries the JWT claims a Cognito authorizer
would have put in `requestContext.authorizer.jwt.claims`, for one development identity chosen on
the command line. The deployed stack has no such server; its routes sit behind the JWT authorizer.

Request bodies and query strings are never logged: they can carry patient data.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["LocalApiServer", "http_api_event", "write_response"]

LOCAL_ACCOUNT_ID = "123456789012"
LOCAL_API_ID = "local"
MAX_BODY_BYTES = 6 * 1024 * 1024  # Lambda's synchronous payload limit

INTERNAL_ERROR = b'{"message":"Internal Server Error"}'

Invoke = Callable[[dict[str, Any]], Any]


def dev_claims(identity: str) -> dict[str, str]:
    """The claims a Cognito id token would carry for this person; `sub` is stable per identity."""
    return {"sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"remitflow-local:{identity}")), "email": identity}


def http_api_event(
    *,
    method: str,
    target: str,
    headers: Mapping[str, str] | Message,
    body: bytes,
    claims: Mapping[str, str],
    source_ip: str = "127.0.0.1",
    domain_name: str = "127.0.0.1",
    now: datetime | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API payload format 2.0 event for one request, as the `$default` route sees it."""
    now = now or datetime.now(UTC)
    parts = urlsplit(target)
    lowered: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        # API Gateway joins repeated headers with commas.
        lowered[key] = f"{lowered[key]},{value}" if key in lowered else value
    cookie_header = lowered.pop("cookie", None)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.path or "/",
        "rawQueryString": parts.query,
        "headers": lowered,
        "requestContext": {
            "accountId": LOCAL_ACCOUNT_ID,
            "apiId": LOCAL_API_ID,
            "authorizer": {"jwt": {"claims": dict(claims), "scopes": None}},
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".", maxsplit=1)[0],
            "http": {
                "method": method.upper(),
                "path": parts.path or "/",
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookie_header:
        event["cookies"] = [c.strip() for c in cookie_header.split(";") if c.strip()]
    if parts.query:
        query: dict[str, str] = {}
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            query[name] = f"{query[name]},{value}" if name in query else value
        event["queryStringParameters"] = query
    if body:
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def write_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body API Gateway would send for a payload 2.0 function result."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # Payload 2.0: a result without statusCode is a 200 JSON body.
        text = result if isinstance(result, str) else json.dumps(result)
        return 200, [("content-type", "application/json")], text.encode("utf-8")
    headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(v)) for v in values)
    headers.extend(("set-cookie", str(cookie)) for cookie in result.get("cookies") or [])
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode("utf-8")
    return int(result["statusCode"]), headers, body


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY_BYTES:
            self._send(413, [("content-type", "application/json")], b'{"message": "Request Entity Too Large"}')
            return
        body = self.rfile.read(length) if length else b""
        event = http_api_event(
            method=self.command,
            target=self.path,
            headers=self.headers,
            body=body,
            claims=self.server.claims,
            source_ip=self.client_address[0],
            domain_name=self.headers.get("host", "127.0.0.1").split(":")[0],
        )
        try:
            status, headers, payload = write_response(self.server.invoke(event))
        except Exception:
            # The runner reports the function's failure; API Gateway answers a failed invocation so.
            status, headers, payload = 500, [("content-type", "application/json")], INTERNAL_ERROR
        self._send(status, headers, payload)

    def _send(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in {"content-length", "connection", "transfer-encoding"}:
                self.send_header(name, value)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _handle

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Method, path and status only: the query string and the body may hold patient data.
        if not self.server.quiet:
            sys.stderr.write(f"  api {self.command} {urlsplit(self.path).path} {code}\n")

    def log_error(self, format: str, *args: Any) -> None:
        # The base class's messages quote the request line (query string included): the status only.
        if not self.server.quiet:
            code = args[0] if args and isinstance(args[0], int) else "?"
            sys.stderr.write(f"  api error: status {code}\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], invoke: Invoke, claims: Mapping[str, str], quiet: bool) -> None:
        super().__init__(address, _Handler)
        self.invoke = invoke
        self.claims = dict(claims)
        self.quiet = quiet


class LocalApiServer:
    """The HTTP API on 127.0.0.1:port, in a background thread; `invoke` runs the function on one event."""

    def __init__(self, invoke: Invoke, *, identity: str, port: int = 0, host: str = "127.0.0.1", quiet: bool = False):
        self.identity = identity
        self._server = _Server((host, port), invoke, dev_claims(identity), quiet)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="remitflow-local-api", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> LocalApiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
