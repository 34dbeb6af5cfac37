"""Domain errors as answers: `{"message": ...}` with 400 naming the field, 404, 409.

Registered on the resolver by `register`; a message names fields and ids, never a patient.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from remitflow.domain.errors import Conflict, InvalidRequest, NotFound

JSON = "application/json"
logger = Logger()


def error_response(status: int, message: str) -> Response[str]:
    return Response(status_code=status, content_type=JSON, body=json.dumps({"message": message}))


def problem(error: Any) -> str:
    """One pydantic error as "field: what was expected", the way a biller reads it."""
    where = [str(part) for part in error.get("loc", ())]
    if where[:2] == ["query", "filters"]:
        where = where[2:]
    elif where[:1] in (["body"], ["query"], ["path"]):
        where = where[1:] or where
    if error.get("type") == "json_invalid":
        return "body: not valid JSON"
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{'.'.join(where)}: {message}"


def register(app: APIGatewayHttpResolver) -> None:
    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
    def invalid_request(error: RequestValidationError) -> Response[str]:
        # Powertools answers 422 with pydantic's error list; billers get 400 and the fields by name.
        return error_response(400, "; ".join(problem(e) for e in error.errors()))

    @app.exception_handler(InvalidRequest)  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
    def bad_field(error: InvalidRequest) -> Response[str]:
        return error_response(400, str(error))

    @app.exception_handler(NotFound)  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
    def not_found(error: NotFound) -> Response[str]:
        return error_response(404, str(error.args[0]) if error.args else "not found")

    @app.exception_handler(Conflict)  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
    def conflict(error: Conflict) -> Response[str]:
        logger.info("request refused: conflict")
        return error_response(409, str(error))
