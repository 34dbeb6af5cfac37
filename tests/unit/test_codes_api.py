"""`GET /api/codes`: the words for every kind of code, behind the same identity check as the worklist.

The route needs no table, so the handler runs here without a stack: loaded under its own module name
(every function's file is app.py), invoked with a payload format 2.0 event as the JWT authorizer
passes it on."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from remitflow.domain.code_words import CodeKind, NextAction, words
from remitflow.domain.followups import PERSON_FACING_TYPES

ROOT = Path(__file__).resolve().parents[2]
EVENT: dict[str, Any] = json.loads((ROOT / "events" / "worklist_api.json").read_text())


@dataclass
class Context:
    function_name: str = "WorklistApi"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:WorklistApi"
    aws_request_id: str = "codes-test"


@pytest.fixture(scope="module")
def handler(monkeypatch_module: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch_module.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch_module.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")
    name = "worklist_api_app_codes_test"
    spec = importlib.util.spec_from_file_location(name, ROOT / "functions" / "worklist_api" / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(name, None)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def get(handler: ModuleType, path: str, *, signed_in: bool = True) -> tuple[int, Any, dict[str, str]]:
    event = copy.deepcopy(EVENT)
    event["routeKey"] = event["requestContext"]["routeKey"] = "$default"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = "GET"
    event["rawQueryString"], event["queryStringParameters"] = "", None
    event.pop("body", None)
    if not signed_in:
        del event["requestContext"]["authorizer"]
    response = handler.lambda_handler(event, Context())
    return response["statusCode"], json.loads(response["body"]), response.get("headers") or {}


def test_every_kind_of_code_with_its_words(handler: ModuleType) -> None:
    status, body, headers = get(handler, "/api/codes")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "private, max-age=3600"
    assert sorted(body) == sorted([*(kind.value for kind in CodeKind), "followup_types"])
    assert body["carc"]["50"] == {
        "label": "not medically necessary",
        "category": "medical necessity",
        "next_action": "appeal",
    }
    assert body["cas_group"]["PR"]["next_action"] == "bill_patient"
    assert body["claim_status"]["4"]["label"] == "denied"
    assert body["plb_reason"]["WO"]["label"] == "overpayment recovery"
    assert body["rarc"]["N115"]["category"] == "coverage policy"
    for kind in CodeKind:
        assert len(body[kind.value]) == len(words(kind))
        assert {w["next_action"] for w in body[kind.value].values()} <= {a.value for a in NextAction}


def test_the_type_list_is_the_person_facing_types_and_the_page_has_words_for_each(handler: ModuleType) -> None:
    _, body, _ = get(handler, "/api/codes")

    assert body["followup_types"] == [t.value for t in PERSON_FACING_TYPES]
    assert "appeal_answered" not in body["followup_types"]  # a message to the worklist, never an item
    vocabulary = (ROOT / "functions" / "worklist_api" / "static" / "vocabulary.js").read_text()
    labelled = re.findall(r"^  (\w+): \"", vocabulary.split("export const TYPES = {", 1)[1].split("};", 1)[0], re.M)
    assert labelled == body["followup_types"]


def test_without_a_verified_identity_it_is_401(handler: ModuleType) -> None:
    status, body, _ = get(handler, "/api/codes", signed_in=False)
    assert status == 401 and "identity" in body["message"]
