"""FollowupWorker: follow-up messages from SQS become open items on the billers' worklist."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from remitflow import runtime
from remitflow.domain.followups import Followup
from remitflow.services.worklist_intake import WorklistIntake
from remitflow.settings import Settings

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
# The follow-up id is deterministic, so a message sent twice is recognised as the same follow-up.
idempotency = IdempotencyConfig(event_key_jmespath="id", expires_after_seconds=24 * 3600)


@cache
def settings() -> Settings:
    return Settings()


@cache
def service() -> WorklistIntake:
    return runtime.worklist_intake(settings())


def open_followup(followup: dict[str, Any]) -> dict[str, Any]:
    added = service().receive(Followup.model_validate(followup))
    # Counted here, not by the caller: a redelivery replays this result without running the body again.
    if added:
        metrics.add_metric(name="FollowupsOpened", unit=MetricUnit.Count, value=1)
    return {"id": followup["id"], "added": added}


@cache
def open_followup_once() -> Callable[..., dict[str, Any]]:
    """`open_followup` behind Powertools idempotency, built on first use: its store makes a client."""
    persistence = DynamoDBPersistenceLayer(table_name=settings().idempotency_table_name)
    once: Callable[..., dict[str, Any]] = idempotent_function(
        data_keyword_argument="followup", persistence_store=persistence, config=idempotency
    )(open_followup)
    return once


class UnreadableFollowup(ValueError):
    """A message that is not a follow-up: says which fields, never what they held."""

    def __init__(self, message_id: str, error: ValidationError) -> None:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in error.errors()})
        super().__init__(
            f"message {message_id}: not a follow-up ({error.error_count()} problems in {', '.join(fields)})"
        )


@tracer.capture_method(capture_response=False)
def record_handler(record: SQSRecord) -> dict[str, Any]:
    # A body that is not a follow-up fails the record alone (it ends in the dead-letter queue) with a
    # message naming the fields: pydantic's own would quote the body, and the body can name patients.
    try:
        followup = Followup.model_validate_json(record.body)
    except ValidationError as error:
        raise UnreadableFollowup(record.message_id, error) from None
    return open_followup_once()(followup=followup.model_dump(mode="json"))


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    idempotency.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
