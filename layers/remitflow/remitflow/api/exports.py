"""CSV downloads for the page's buttons: the worklist as filtered, a claim's or an account's ledger,
an ERA, the reconciliation report. Every cell is guarded against formula injection."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import Field

from remitflow.api.context import services
from remitflow.api.eras import IsoDate
from remitflow.api.identity import caller
from remitflow.domain.errors import InvalidRequest
from remitflow.services.worklist_models import ListQuery, Name

if TYPE_CHECKING:  # the exports load with the first download, not with every request
    from remitflow.services.exports import Export

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped


class ExportQuery(ListQuery):
    """The worklist's own filters, and what the other kinds need: `id` (claim, account, era), `date` (recon)."""

    id: Name | None = None
    date: IsoDate | None = None
    limit: int = Field(default=50, ge=1)  # the worklist export takes every page: a page size is ignored


def attachment(filename: str, text: str) -> Response[str]:
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=text,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",  # patient data
            "X-Content-Type-Options": "nosniff",
        },
    )


def bounded(export: Export, kind: str) -> str:
    """The CSV of at most MAX_ROWS rows: one HTTP answer carries no more (the CLI has no limit)."""
    from remitflow.services.exports import MAX_ROWS, Export, csv_chunks, too_big  # noqa: PLC0415

    refusal = f"{kind}: more than {MAX_ROWS} rows is more than a download carries: use `remitflow export {kind}`"
    if too_big(export):
        raise InvalidRequest("id", refusal)
    rows = list(islice(export.rows, MAX_ROWS + 1))
    if len(rows) > MAX_ROWS:
        raise InvalidRequest("id", refusal)
    return "".join(csv_chunks(Export(export.filename, export.columns, iter(rows))))


@router.get("/api/export/<kind>")
def export(kind: str, filters: Annotated[ExportQuery, Query()]) -> Response[str]:
    from remitflow.services.exports import check_kind  # noqa: PLC0415

    caller(router)
    exports = services(router).exports
    check_kind(kind)
    if kind == "recon":
        name, text = exports.recon(filters.date or datetime.now(UTC).date())
        return attachment(name, text)
    if kind == "worklist":
        query = ListQuery.model_validate(filters.model_dump(exclude={"id", "date", "limit", "cursor"}))
        made = exports.worklist_view(query)
    else:
        if not filters.id:
            raise InvalidRequest("id", f"a {kind} export needs the {kind}'s id")
        made = {"claim": exports.claim, "account": exports.account, "era": exports.era}[kind](filters.id)
    return attachment(made.filename, bounded(made, kind))
