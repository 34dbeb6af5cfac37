"""The words for remittance codes, for the page: `GET /api/codes`, one table per kind of code."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from remitflow.api.identity import caller
from remitflow.domain.code_words import CodeKind, words

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped


def code_tables() -> dict[str, dict[str, dict[str, str]]]:
    """{"carc": {"50": {"label", "category", "next_action"}, ...}, "rarc": ..., ...}"""
    return {kind.value: {code: word.as_json() for code, word in words(kind).items()} for kind in CodeKind}


@router.get("/api/codes")
def get_codes() -> dict[str, Any]:
    caller(router)
    return code_tables()
