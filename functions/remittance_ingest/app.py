"""RemittanceIngest: an 835 landed under remittances/; read it and send its chunks to PostingWorker."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from remitflow import runtime
from remitflow.adapters.s3 import created_objects
from remitflow.services.ingest_remittance import RemittanceIngest
from remitflow.settings import Settings

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@cache
def service() -> RemittanceIngest:
    return runtime.remittance_ingest(Settings())


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context
@event_source(data_class=S3Event)
def lambda_handler(event: S3Event, context: LambdaContext) -> dict[str, Any]:
    results = []
    for key, version_id in created_objects(event):
        logger.set_correlation_id(key)
        summary = service().ingest(key, version_id, remaining_ms=context.get_remaining_time_in_millis)
        metrics.add_metric(name="ClaimsPosted", unit=MetricUnit.Count, value=summary.claims_posted)
        # Cents keep the figure exact: a metric value is a double.
        metrics.add_metric(name="CentsPosted", unit=MetricUnit.Count, value=int(summary.dollars_posted * 100))
        for followup_type, count in summary.followups_raised.items():
            # One metric per type rather than a dimension: single_metric would ignore POWERTOOLS_METRICS_DISABLED.
            metrics.add_metric(name=f"FollowupsRaised_{followup_type}", unit=MetricUnit.Count, value=count)
        logger.info(
            "remittance processed",
            extra={
                "claims_posted": summary.claims_posted,
                "dollars_posted": str(summary.dollars_posted),
                "followups": dict(summary.followups_raised),
                "unreadable": summary.unreadable,
                "chunks_sent": summary.chunks_sent,
            },
        )
        results.append({"key": key, "claims_posted": summary.claims_posted, "unreadable": summary.unreadable})
    return {"processed": results}
