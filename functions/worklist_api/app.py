"""WorklistApi: the billers' follow-up queue over HTTP (API Gateway HTTP API behind a Cognito JWT
authorizer), and the page that works it, served at `/`.

The caller is whoever the verified token names (email, else sub), never a field of the body. Errors
are `{"message": ...}`: 400 naming the field, 401 without an identity, 404 for an unknown id, 409 when
someone else got there first. Bodies and notes are never logged: they can name patients.
"""

from __future__ import annotations

import html
import json
import mimetypes
import os
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, UnauthorizedError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from remitflow import runtime
from remitflow.domain.errors import Conflict, NotFound
from remitflow.services.worklist import InvalidRequest, Worklist
from remitflow.services.worklist_models import (
    AssignRequest,
    FollowupDetail,
    FollowupPage,
    FollowupView,
    ListQuery,
    ResolveRequest,
    ResolveResult,
    UnassignRequest,
)
from remitflow.settings import Settings

logger = Logger()
tracer = Tracer()
app = APIGatewayHttpResolver(enable_validation=True)
settings = Settings()
STATIC = Path(__file__).parent / "static"
JSON = "application/json"


@cache
def service() -> Worklist:
    return runtime.worklist(settings)


def caller() -> str:
    claims = app.current_event.request_context.authorizer.jwt_claim
    identity = claims.get("email") or claims.get("sub")
    if not identity:
        raise UnauthorizedError("no verified identity on the request: sign in and send the token")
    return str(identity)


# ------------------------------------------------------------------------------------ the page


@app.get("/")
def page() -> Response[str]:
    response = _static("index.html")
    # Where the page's "Sign in" link goes: set by the template when hosted sign-in is on.
    domain = html.escape(os.environ.get("SIGN_IN_DOMAIN", ""), quote=True)
    client = html.escape(os.environ.get("SIGN_IN_CLIENT_ID", ""), quote=True)
    response.body = str(response.body).replace(
        'data-cognito-domain="" data-client-id=""', f'data-cognito-domain="{domain}" data-client-id="{client}"', 1
    )
    return response


@app.get("/static/<name>")
def static_file(name: str) -> Response[str]:
    return _static(name)


def _static(name: str) -> Response[str]:
    path = STATIC / name
    # Only files directly in static/: no "..", no subfolders.
    if "/" in name or name.startswith(".") or not path.is_file():
        raise NotFoundError(f"no page {name!r}")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type in ("application/javascript", "image/svg+xml"):
        content_type += "; charset=utf-8"
    return Response(
        status_code=200,
        content_type=content_type,
        body=path.read_text(encoding="utf-8"),
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


# --------------------------------------------------------------------------------- the worklist


@app.get("/api/followups")
def list_followups(filters: Annotated[ListQuery, Query()]) -> FollowupPage:
    caller()
    return service().list(filters)


@app.get("/api/followups/<followup_id>")
def get_followup(followup_id: str) -> FollowupDetail:
    caller()
    return service().get(followup_id)


@app.post("/api/followups/<followup_id>/assign")
def assign(followup_id: str, body: Annotated[AssignRequest | None, Body()] = None) -> FollowupView:
    return service().assign(followup_id, body or AssignRequest(), caller=caller())


@app.post("/api/followups/<followup_id>/unassign")
def unassign(followup_id: str, body: Annotated[UnassignRequest | None, Body()] = None) -> FollowupView:
    return service().unassign(followup_id, body or UnassignRequest(), caller=caller())


@app.post("/api/followups/<followup_id>/resolve")
def resolve(followup_id: str, body: Annotated[ResolveRequest, Body()]) -> ResolveResult:
    result = service().resolve(followup_id, body, caller=caller())
    # Flushed at once, with its own dimension: most requests have no metric to publish.
    with single_metric(name="FollowupsResolved", unit=MetricUnit.Count, value=1) as metric:
        metric.add_dimension(name="resolution", value=body.resolution.value)
    return result


# ------------------------------------------------------------------------------------- errors


def _error(status: int, message: str) -> Response[str]:
    return Response(status_code=status, content_type=JSON, body=json.dumps({"message": message}))


@app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
def invalid_request(error: RequestValidationError) -> Response[str]:
    # Powertools answers 422 with pydantic's error list; billers get 400 and the fields by name.
    return _error(400, "; ".join(_problem(e) for e in error.errors()))


def _problem(error: Any) -> str:
    where = [str(part) for part in error.get("loc", ())]
    if where[:2] == ["query", "filters"]:
        where = where[2:]
    elif where[:1] in (["body"], ["query"], ["path"]):
        where = where[1:] or where
    if error.get("type") == "json_invalid":
        return "body: not valid JSON"
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{'.'.join(where)}: {message}"


@app.exception_handler(InvalidRequest)  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
def bad_field(error: InvalidRequest) -> Response[str]:
    return _error(400, str(error))


@app.exception_handler(NotFound)  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
def not_found(error: NotFound) -> Response[str]:
    return _error(404, str(error.args[0]) if error.args else "not found")


@app.exception_handler(Conflict)  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
def conflict(error: Conflict) -> Response[str]:
    logger.info("request refused: conflict")
    return _error(409, str(error))


@tracer.capture_lambda_handler
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
