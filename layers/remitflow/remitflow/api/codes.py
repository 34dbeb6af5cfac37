"""The words for remittance codes, for the page: `GET /api/codes`, one table per kind of code, and the
follow-up types a person works (the page's type list)."""

from __future__ import annotations

import json
from functools import cache

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from remitflow.api.identity import caller

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped


def code_tables() -> dict[str, dict[str, dict[str, str]]]:
    """{"carc": {"50": {"label", "category", "next_action"}, ...}, "rarc": ..., ...}"""
    from remitflow.domain.code_words import CodeKind, words  # noqa: PLC0415  # the one route that reads them all

    return {kind.value: {code: word.as_json() for code, word in words(kind).items()} for kind in CodeKind}


@cache
def _body() -> str:
    from remitflow.domain.followups import PERSON_FACING_TYPES  # noqa: PLC0415  # read once, on the first call

    types = [t.value for t in PERSON_FACING_TYPES]
    return json.dumps(code_tables() | {"followup_types": types}, separators=(",", ":"))


@router.get("/api/codes")
def get_codes() -> Response[str]:
    caller(router)
    # The table changes only with a deployment: the page may keep it for an hour.
    return Response(
        status_code=200,
        content_type="application/json",
        body=_body(),
        headers={"Cache-Control": "private, max-age=3600"},
    )
