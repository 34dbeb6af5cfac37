"""WorklistApi: the billers' workstation over HTTP (API Gateway HTTP API behind a Cognito JWT
authorizer), and the page that works it, served at `/`.

The routes are the layer's `remitflow.api` routers, one per resource; this handler serves the page's
files and includes them. The caller is whoever the verified token names (email, else sub), never a
field of the body. Errors are `{"message": ...}`: 400 naming the field, 401 without an identity, 404
for an unknown id, 409 when someone else got there first. Bodies and notes are never logged: they can
name patients.
"""

from __future__ import annotations

import html
import mimetypes
import os
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from remitflow.api import accounts, claims, codes, deposits, eras, errors, exports, followups, search
from remitflow.api.context import Services

logger = Logger()
tracer = Tracer()
app = APIGatewayHttpResolver(enable_validation=True)
app.include_router(followups.router)
app.include_router(codes.router)
app.include_router(eras.router)
app.include_router(deposits.router)
app.include_router(search.router)
app.include_router(claims.router)
app.include_router(accounts.router)
app.include_router(exports.router)
errors.register(app)
STATIC = Path(__file__).parent / "static"
SERVICES = Services()  # built lazily: a request builds only the services it calls


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
    if name.endswith(".js"):
        content_type = "text/javascript"  # the page's scripts are ES modules, whatever mimetypes knows
    if content_type.startswith("text/") or content_type == "image/svg+xml":
        content_type += "; charset=utf-8"
    return Response(
        status_code=200,
        content_type=content_type,
        body=path.read_text(encoding="utf-8"),
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


@tracer.capture_lambda_handler
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    app.append_context(services=SERVICES)  # type: ignore[no-untyped-call]  # Powertools leaves it untyped
    return app.resolve(event, context)
