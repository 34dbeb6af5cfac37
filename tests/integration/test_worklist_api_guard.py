"""WorklistApi on moto: every answer carries the page's security headers, and hostile bodies (nested
100,000 deep, or too large) are answered 400 and 413, never 500."""

from __future__ import annotations

import base64
import json
import re

import pytest
from tests.integration.conftest import ROOT
from tests.integration.test_worklist_api import Queue, Reply, call, http_event
from tests.integration.test_worklist_api import queue as queue  # noqa: PLC0414  (the fixture)

from remitflow.api.guard import MAX_BODY_BYTES, MAX_JSON_DEPTH, nested_deeper_than

STATIC = ROOT / "functions" / "worklist_api" / "static"


def directives(reply: Reply) -> dict[str, str]:
    policy = reply.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in (p.strip() for p in policy.split(";")) if part}


def assert_hardened(reply: Reply) -> None:
    policy = directives(reply)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no inline script, no eval
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["connect-src"] == "'self' https://*.amazoncognito.com"
    assert "unsafe" not in reply.headers["Content-Security-Policy"]
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Referrer-Policy"] == "no-referrer"


def test_the_page_its_files_and_every_answer_carry_the_security_headers(queue: Queue) -> None:
    replies = [
        call(queue.harness, "GET", "/", identity=None),
        call(queue.harness, "GET", "/static/signin.js", identity=None),
        call(queue.harness, "GET", "/static/page.css", identity=None),
        call(queue.harness, "GET", "/static/missing.js", identity=None),
        call(queue.harness, "GET", "/api/followups"),
        call(queue.harness, "GET", f"/api/followups/{queue.denied}"),
        call(queue.harness, "GET", "/api/followups", identity=None),
    ]
    assert [r.status for r in replies] == [200, 200, 200, 404, 200, 200, 401]
    for reply in replies:
        assert_hardened(reply)


def test_the_page_has_no_inline_script_or_style_for_the_policy_to_block() -> None:
    markup = (STATIC / "index.html").read_text(encoding="utf-8")
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", markup))
    assert re.search(r"<script[^>]*>\s*[^<\s]", markup) is None  # nothing between <script> and </script>
    assert re.search(r"\son[a-z]+=", markup) is None  # no onclick= and the like
    assert re.search(r"\sstyle=", markup) is None and "<style" not in markup


def test_a_body_nested_100000_deep_is_refused_never_500(queue: Queue) -> None:
    deep = "[" * 100_000 + "]" * 100_000  # 200 KB: refused for its size before its depth is looked at
    for path in (f"/api/followups/{queue.denied}/assign", f"/api/followups/{queue.denied}/resolve"):
        reply = call(queue.harness, "POST", path, body=deep)
        assert reply.status == 413, reply
        assert_hardened(reply)


def test_a_body_nested_too_deep_within_the_size_limit_is_400(queue: Queue) -> None:
    for deep in ("[" * 5_000 + "]" * 5_000, '{"a":' * 5_000 + "1" + "}" * 5_000):
        assert len(deep) < MAX_BODY_BYTES
        reply = call(queue.harness, "POST", f"/api/followups/{queue.denied}/resolve", body=deep)
        assert reply.status == 400, reply
        assert reply.body == {"message": f"body: JSON nested deeper than {MAX_JSON_DEPTH} levels"}
        assert_hardened(reply)


def test_a_deep_body_sent_base64_encoded_is_400_too(queue: Queue) -> None:
    event = http_event("POST", f"/api/followups/{queue.denied}/assign", body="x")
    event["body"] = base64.b64encode(("[" * 5_000 + "]" * 5_000).encode()).decode()
    event["isBase64Encoded"] = True
    response = queue.harness.runner.invoke("WorklistApi", event)
    assert response["statusCode"] == 400


def test_a_body_over_the_limit_is_413(queue: Queue) -> None:
    body = json.dumps({"assignee": "me", "note": "x" * MAX_BODY_BYTES})
    reply = call(queue.harness, "POST", f"/api/followups/{queue.denied}/assign", body=body)
    assert reply.status == 413
    assert reply.body == {"message": f"body: larger than {MAX_BODY_BYTES} bytes"}


def test_brackets_inside_strings_do_not_count_and_ordinary_bodies_go_through(queue: Queue) -> None:
    note = "[" * 100 + '\\"{' * 100  # a note full of brackets and escaped quotes is still one level
    body = {"resolution": "no_action", "note": note, "expected_version": 0}
    reply = call(queue.harness, "POST", f"/api/followups/{queue.denied}/resolve", body=body)
    assert reply.status == 200, reply.body
    assert reply.body["followup"]["note"] == note


@pytest.mark.parametrize(
    ("text", "deeper"),
    [
        ("", False),
        ('{"a": [1, {"b": 2}]}', False),
        ("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH, False),
        ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), True),
        ("[" * (MAX_JSON_DEPTH + 1), True),  # unclosed: still refused, the parser never sees it
        ('["' + "[" * 1000 + '"]', False),
        ('["\\"' + "[" * 1000 + '"]', False),  # an escaped quote does not end the string
        ('["\\\\"' + "[" * 40, True),  # an escaped backslash does
    ],
)
def test_nesting_is_measured_without_recursion(text: str, deeper: bool) -> None:
    assert nested_deeper_than(text, MAX_JSON_DEPTH) is deeper
