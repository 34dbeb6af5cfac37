"""What every answer of WorklistApi carries, and the bodies it refuses before anything parses them.

Every response gets the page's security headers (a strict Content-Security-Policy: the page has no
inline script or style, talks only to its own API and to Cognito's sign-in, and is never framed).
A body over `MAX_BODY_BYTES` is answered 413 and one nested deeper than `MAX_JSON_DEPTH` 400, before
the resolver's validation reads it: Python's JSON parser recurses, and a 100,000-deep body would end
as a RecursionError (a 500). The API's bodies are small flat objects, so both limits are generous.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import Any

MAX_BODY_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # the page's empty icon is a data: URL
        "connect-src 'self' https://*.amazoncognito.com",  # the API, and the sign-in's token exchange
        "form-action 'self' https://*.amazoncognito.com",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a follow-up's address must not travel to another site
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}

Resolve = Callable[[dict[str, Any], Any], dict[str, Any]]


def serve(resolve: Resolve, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The resolver's answer to `event`, or the refusal of its body; with the security headers."""
    refused = refusal(event)
    response = refused if refused is not None else resolve(event, context)
    headers = dict(response.get("headers") or {})
    headers.update(SECURITY_HEADERS)
    return {**response, "headers": headers}


def refusal(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """413 for a body that is too large, 400 for one nested too deep; None for a body the API may read."""
    body = event.get("body")
    if not body:
        return None
    raw = str(body)
    if event.get("isBase64Encoded"):
        if len(raw) > MAX_BODY_BYTES * 4 // 3 + 4:
            return _answer(413, f"body: larger than {MAX_BODY_BYTES} bytes")
        try:
            raw = base64.b64decode(raw, validate=True).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            return _answer(400, "body: not valid JSON")
    if len(raw.encode("utf-8")) > MAX_BODY_BYTES:
        return _answer(413, f"body: larger than {MAX_BODY_BYTES} bytes")
    if nested_deeper_than(raw, MAX_JSON_DEPTH):
        return _answer(400, f"body: JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return None


def nested_deeper_than(text: str, limit: int) -> bool:
    """Whether arrays and objects in `text` nest more than `limit` deep (brackets in strings not counted).

    Linear and without recursion, so it is safe on any input; it does not validate the JSON (the
    resolver's parser does that once the depth is known to be harmless)."""
    if text.count("[") + text.count("{") <= limit:
        return False  # too few brackets to nest that deep
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _answer(status: int, message: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"message": message}),
        "isBase64Encoded": False,
    }
