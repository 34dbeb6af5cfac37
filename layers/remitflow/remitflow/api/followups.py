"""The follow-up worklist: list, read, assign, unassign, resolve, reopen."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from remitflow.api.context import services
from remitflow.api.identity import caller
from remitflow.services.worklist_models import (
    AssignRequest,
    FollowupDetail,
    FollowupPage,
    FollowupView,
    ListQuery,
    ReopenRequest,
    ResolveRequest,
    ResolveResult,
    UnassignRequest,
)

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped


@router.get("/api/followups")
def list_followups(filters: Annotated[ListQuery, Query()]) -> FollowupPage:
    identity = caller(router)
    if filters.mine:  # "my items": assigned to whoever the token names
        filters = filters.model_copy(update={"assignee": identity})
    return services(router).worklist.list(filters)


@router.get("/api/followups/<followup_id>")
def get_followup(followup_id: str) -> FollowupDetail:
    caller(router)
    return services(router).worklist.get(followup_id)


@router.post("/api/followups/<followup_id>/assign")
def assign(followup_id: str, body: Annotated[AssignRequest | None, Body()] = None) -> FollowupView:
    return services(router).worklist.assign(followup_id, body or AssignRequest(), caller=caller(router))


@router.post("/api/followups/<followup_id>/unassign")
def unassign(followup_id: str, body: Annotated[UnassignRequest | None, Body()] = None) -> FollowupView:
    return services(router).worklist.unassign(followup_id, body or UnassignRequest(), caller=caller(router))


@router.post("/api/followups/<followup_id>/resolve")
def resolve(followup_id: str, body: Annotated[ResolveRequest, Body()]) -> ResolveResult:
    result = services(router).worklist.resolve(followup_id, body, caller=caller(router))
    # Flushed at once, with its own dimension: most requests have no metric to publish.
    with single_metric(name="FollowupsResolved", unit=MetricUnit.Count, value=1) as metric:
        metric.add_dimension(name="resolution", value=body.resolution.value)
    return result


@router.post("/api/followups/<followup_id>/reopen")
def reopen(followup_id: str, body: Annotated[ReopenRequest, Body()]) -> ResolveResult:
    """Reopen a resolved follow-up; what its resolution posted is reversed on the claim's ledger."""
    return services(router).worklist.reopen(followup_id, body, caller=caller(router))
