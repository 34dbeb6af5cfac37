"""Patient accounts: `GET /api/accounts/{id}`, every claim on the account and the account's totals."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from remitflow.api.context import services
from remitflow.api.identity import caller

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped


@router.get("/api/accounts/<account_id>")
def get_account(account_id: str) -> dict[str, Any]:
    caller(router)
    return services(router).claim_book.account(account_id)
