"""ERAs: list them by payer and payment date, read one 835 transaction set whole (its claims paged)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from remitflow.api.context import services
from remitflow.api.identity import caller
from remitflow.services.worklist_models import MAX_PAGE, Name

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only


def _iso_date(value: object) -> object:
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value.strip()):
        raise ValueError("a date as YYYY-MM-DD in digits 0-9, e.g. 2025-01-16")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"a date as YYYY-MM-DD that exists, found {value.strip()!r}") from None


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class Listing(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    date_from: IsoDate | None = Field(default=None, alias="from")
    date_to: IsoDate | None = Field(default=None, alias="to")
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=MAX_PAGE)


class EraListQuery(Listing):
    payer: Name | None = None  # TRN03
    trace: Name | None = None  # TRN02: the ERAs of one check or EFT


class EraQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    cursor: str | None = None  # of its claims
    limit: int = Field(default=100, ge=1, le=MAX_PAGE)


@router.get("/api/eras")
def list_eras(filters: Annotated[EraListQuery, Query()]) -> dict[str, Any]:
    caller(router)
    view = services(router).eras
    if filters.trace:  # a handful at most: one per payer that used the number
        found = view.find(filters.trace, filters.payer)
        return {"items": found, "next_cursor": None}
    return view.page(
        payer_id=filters.payer,
        date_from=filters.date_from,
        date_to=filters.date_to,
        cursor=filters.cursor,
        limit=filters.limit,
    )


@router.get("/api/eras/<era_id>")
def get_era(era_id: str, filters: Annotated[EraQuery, Query()]) -> dict[str, Any]:
    caller(router)
    return services(router).eras.show(era_id, cursor=filters.cursor, limit=filters.limit)
