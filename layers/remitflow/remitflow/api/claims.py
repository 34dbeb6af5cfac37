"""Claims: `GET /api/claims` lists them by account, status and payer; `GET /api/claims/{id}` opens one
with its balances, ledger, ERAs and follow-ups, whether or not it has a follow-up."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from remitflow.api.context import services
from remitflow.api.identity import caller

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped


@router.get("/api/claims")
def list_claims(
    account: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[str | None, Query(max_length=40)] = None,
    payer: Annotated[str | None, Query(max_length=100)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> dict[str, Any]:
    caller(router)
    return services(router).claim_book.list_claims(account_id=account, status=status, payer_id=payer, cursor=cursor)


@router.get("/api/claims/<claim_id>")
def get_claim(claim_id: str) -> dict[str, Any]:
    caller(router)
    return services(router).claim_book.claim(claim_id)
