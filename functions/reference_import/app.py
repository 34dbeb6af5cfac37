"""ReferenceImport: a claims or fee-schedule CSV landed under claims/ or fee-schedules/; load it."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from remitflow import runtime
from remitflow.adapters.s3 import created_objects
from remitflow.services.reference_import import ReferenceImport
from remitflow.settings import Settings

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@cache
def service() -> ReferenceImport:
    return runtime.reference_import(Settings())


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context
@event_source(data_class=S3Event)
def lambda_handler(event: S3Event, context: LambdaContext) -> dict[str, Any]:
    results = []
    for key, version_id in created_objects(event):
        logger.set_correlation_id(key)
        summary = service().import_file(key, version_id)
        metrics.add_metric(name="ReferenceRowsLoaded", unit=MetricUnit.Count, value=summary.loaded)
        metrics.add_metric(name="ReferenceRowsRejected", unit=MetricUnit.Count, value=len(summary.problems))
        results.append({"key": key, "kind": summary.kind, "loaded": summary.loaded, "problems": len(summary.problems)})
    return {"processed": results}
