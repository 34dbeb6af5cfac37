"""Reconciliation a person corrects: what waits, the matches, and matching, undoing and classifying by hand."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from remitflow.api.context import services
from remitflow.api.identity import caller
from remitflow.services.manual_recon_models import ClassifyRequest, ManualMatchRequest, UnmatchRequest

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped


@router.get("/api/recon/unmatched")
def unmatched() -> dict[str, Any]:
    """The ERAs and deposits waiting for their other half, with their ids (and the deposits' bank text)."""
    caller(router)
    return services(router).manual_recon.unmatched()


@router.get("/api/recon/matches")
def matches() -> dict[str, Any]:
    caller(router)
    return services(router).manual_recon.matches()


@router.post("/api/recon/matches")
def match(body: Annotated[ManualMatchRequest, Body()]) -> dict[str, Any]:
    return services(router).manual_recon.match(body, caller=caller(router))


@router.post("/api/recon/matches/<match_id>/unmatch")
def unmatch(match_id: str, body: Annotated[UnmatchRequest, Body()]) -> dict[str, Any]:
    return services(router).manual_recon.unmatch(match_id, body, caller=caller(router))


@router.post("/api/recon/deposits/<deposit_id>/classify")
def classify(deposit_id: str, body: Annotated[ClassifyRequest, Body()]) -> dict[str, Any]:
    return services(router).manual_recon.classify(deposit_id, body, caller=caller(router))
