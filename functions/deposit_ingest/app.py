"""DepositIngest: a bank file landed under deposits/; keep its transactions and match its deposits."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from remitflow import runtime
from remitflow.adapters.s3 import created_objects
from remitflow.services.ingest_deposits import DepositIngest
from remitflow.settings import Settings

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@cache
def service() -> DepositIngest:
    return runtime.deposit_ingest(Settings())


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context
@event_source(data_class=S3Event)
def lambda_handler(event: S3Event, context: LambdaContext) -> dict[str, Any]:
    results = []
    for key, version_id in created_objects(event):
        logger.set_correlation_id(key)
        summary = service().ingest(key, version_id)
        matched = 0 if summary.reconcile is None else summary.reconcile.matched
        metrics.add_metric(name="DepositsRead", unit=MetricUnit.Count, value=summary.deposits)
        metrics.add_metric(name="DepositsMatched", unit=MetricUnit.Count, value=matched)
        results.append(
            {"key": key, "deposits": summary.deposits, "matched": matched, "unreadable": summary.unreadable is not None}
        )
    return {"processed": results}
