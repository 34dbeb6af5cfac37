"""Search: `GET /api/search?q=` finds claims, accounts, ERAs, deposits and follow-ups.

The text can be a patient's name: it is never logged (Powertools logs no query string here).
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from remitflow.api.context import services
from remitflow.api.identity import caller

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped


@router.get("/api/search")
def search(q: Annotated[str, Query(max_length=200)] = "") -> dict[str, Any]:
    caller(router)
    return services(router).search.search(q)
