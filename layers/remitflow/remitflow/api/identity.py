"""Who is calling: the identity the Cognito JWT authorizer verified, never a field of the body."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import UnauthorizedError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2


def caller(router: Router) -> str:
    event = router.current_event
    if not isinstance(event, APIGatewayProxyEventV2):  # the HTTP API's payload format 2.0
        raise UnauthorizedError("no verified identity on the request: sign in and send the token")
    claims = event.request_context.authorizer.jwt_claim
    identity = claims.get("email") or claims.get("sub")
    if not identity:
        raise UnauthorizedError("no verified identity on the request: sign in and send the token")
    return str(identity)
