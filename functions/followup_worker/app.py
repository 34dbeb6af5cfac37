"""FollowupWorker: follow-up messages from SQS become open items on the billers' worklist."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from remitflow import runtime
from remitflow.domain.followups import Followup
from remitflow.services.worklist_intake import WorklistIntake
from remitflow.settings import Settings

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@cache
def service() -> WorklistIntake:
    return runtime.worklist_intake(Settings())


class UnreadableFollowup(ValueError):
    """A message that is not a follow-up: says which fields, never what they held."""

    def __init__(self, message_id: str, error: ValidationError) -> None:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in error.errors()})
        super().__init__(
            f"message {message_id}: not a follow-up ({error.error_count()} problems in {', '.join(fields)})"
        )


class OpenTogether(BatchProcessor):
    """Powertools' SQS batch processor, with the batch's follow-ups opened in one write: the record
    handler only reads each message, then WorklistIntake.receive_all opens every follow-up read (one
    TransactWriteItems for up to 100), and a record whose follow-up the store refused fails alone,
    so SQS delivers it again (and in the end to the dead-letter queue)."""

    def process(self) -> list[tuple[Any, ...]]:
        results = super().process()
        read = {n: result for n, (status, result, _) in enumerate(results) if status == "success"}
        if not read:
            return results
        additions = service().receive_all(list(read.values()))
        for n, followup in read.items():
            if (error := additions.refused.get(followup.id)) is not None:
                record = results[n][2]
                self.success_messages.remove(record)
                results[n] = self.failure_handler(SQSRecord(record), (type(error), error, error.__traceback__))
        if additions.added:
            metrics.add_metric(name="FollowupsOpened", unit=MetricUnit.Count, value=len(additions.added))
        return results


processor = OpenTogether(event_type=EventType.SQS)


@tracer.capture_method(capture_response=False)
def record_handler(record: SQSRecord) -> Followup:
    # A body that is not a follow-up fails the record alone (it ends in the dead-letter queue) with a
    # message naming the fields: pydantic's own would quote the body, and the body can name patients.
    try:
        return Followup.model_validate_json(record.body)
    except ValidationError as error:
        raise UnreadableFollowup(record.message_id, error) from None


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
