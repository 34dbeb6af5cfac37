"""Deposits: the bank's credits by booking date and status, and one with the ERAs it paid."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from remitflow.api.context import services
from remitflow.api.eras import Listing
from remitflow.api.identity import caller

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped


class DepositListQuery(Listing):
    status: Literal["matched", "probable", "unmatched"] | None = None


@router.get("/api/deposits")
def list_deposits(filters: Annotated[DepositListQuery, Query()]) -> dict[str, Any]:
    caller(router)
    return services(router).deposits.page(
        date_from=filters.date_from,
        date_to=filters.date_to,
        status=filters.status,
        cursor=filters.cursor,
        limit=filters.limit,
    )


@router.get("/api/deposits/<deposit_id>")
def get_deposit(deposit_id: str) -> dict[str, Any]:
    caller(router)
    return services(router).deposits.show(deposit_id)
