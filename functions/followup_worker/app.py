"""FollowupWorker: follow-up messages from SQS become open items on the billers' worklist."""

from __future__ import annotations

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

from remitflow import runtime
from remitflow.domain.followups import Followup
from remitflow.services.worklist import WorklistIntake
from remitflow.settings import Settings

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
settings = Settings()
persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name)
# The follow-up id is deterministic, so a message sent twice is recognised as the same follow-up.
idempotency = IdempotencyConfig(event_key_jmespath="id", expires_after_seconds=24 * 3600)


@cache
def service() -> WorklistIntake:
    return runtime.worklist_intake(settings)


@idempotent_function(  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
    data_keyword_argument="followup", persistence_store=persistence, config=idempotency
)
def open_followup(followup: dict[str, Any]) -> dict[str, Any]:
    added = service().receive(Followup.model_validate(followup))
    # Counted here, not by the caller: a redelivery replays this result without running the body again.
    if added:
        metrics.add_metric(name="FollowupsOpened", unit=MetricUnit.Count, value=1)
    return {"id": followup["id"], "added": added}


@tracer.capture_method
def record_handler(record: SQSRecord) -> dict[str, Any]:
    # A body that is not a follow-up raises: the record fails alone and ends in the dead-letter queue.
    followup = Followup.model_validate_json(record.body)
    result: dict[str, Any] = open_followup(followup=followup.model_dump(mode="json"))
    return result


@metrics.log_metrics
@tracer.capture_lambda_handler
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    idempotency.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
