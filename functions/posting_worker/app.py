"""PostingWorker: chunks of a remittance from PostingQueue are posted to the claims, exactly once."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from remitflow import runtime
from remitflow.services.chunk_plan import PostingChunk
from remitflow.services.posting_worker import PostingWorker
from remitflow.services.time_budget import Deadline
from remitflow.settings import Settings

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


@cache
def settings() -> Settings:
    return Settings()


@cache
def service() -> PostingWorker:
    return runtime.posting_worker(settings())


@tracer.capture_method(capture_response=False)
def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> dict[str, Any]:
    # A body that is not a chunk raises: the record fails alone and ends in the dead-letter queue.
    chunk = PostingChunk.model_validate_json(record.body)
    logger.set_correlation_id(chunk.source_key)
    # Never start a chunk, a batch or a finish that cannot end in time: NoTimeLeft fails the record
    # unstarted, and SQS redelivers it (what was committed before is found posted).
    deadline = Deadline(lambda_context.get_remaining_time_in_millis, settings().posting_time_reserve_ms)
    try:
        outcome = service().post(chunk, deadline)
    except Exception as error:
        if int(record.attributes.approximate_receive_count) >= settings().posting_max_receives:
            service().give_up(chunk, f"{type(error).__name__}: chunk {chunk.chunk} failed its last attempt")
        raise
    result = outcome.result
    metrics.add_metric(name="ChunksPosted", unit=MetricUnit.Count, value=int(outcome.counted))
    metrics.add_metric(name="ClaimsPosted", unit=MetricUnit.Count, value=result.claims_posted)
    metrics.add_metric(name="CentsPosted", unit=MetricUnit.Count, value=int(result.posted_payment * 100))
    for followup_type, count in result.followups.items():
        metrics.add_metric(name=f"FollowupsRaised_{followup_type}", unit=MetricUnit.Count, value=count)
    logger.info(
        "chunk posted",
        extra={
            "chunk": chunk.chunk,
            "claim_payments": result.claim_payments,
            "counted": outcome.counted,
            "finished": outcome.finished,
        },
    )
    return {"chunk": chunk.chunk, "counted": outcome.counted, "finished": outcome.finished}


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
