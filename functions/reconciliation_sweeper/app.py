"""ReconciliationSweeper: daily (EventBridge schedule) or on demand; ages unmatched ERAs and deposits,
writes the day's reconciliation report, and brings back appeals that are due (or closes those the
payer answered). `{"as_of": "YYYY-MM-DD"}` in the event picks the day."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from remitflow import runtime
from remitflow.services.appeals import AppealSweep
from remitflow.services.clock import utc_now
from remitflow.services.reconciliation import Reconciliation
from remitflow.settings import Settings

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@cache
def service() -> Reconciliation:
    return runtime.reconciliation(Settings())


@cache
def appeals() -> AppealSweep:
    return runtime.appeal_sweep(Settings())


def as_of(event: dict[str, Any]) -> date:
    """The event's as_of, else the day of the scheduled event's time, else today (UTC)."""
    if event.get("as_of"):
        return date.fromisoformat(event["as_of"])
    if event.get("time"):
        return date.fromisoformat(str(event["time"])[:10])
    return utc_now().date()


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    day = as_of(event)
    logger.set_correlation_id(f"sweep/{day.isoformat()}")
    report = service().sweep(day)
    raised = sum(report.get("followups_raised", {}).values())
    metrics.add_metric(name="ReconciliationFollowups", unit=MetricUnit.Count, value=raised)
    swept = appeals().sweep(day)
    metrics.add_metric(name="AppealsDue", unit=MetricUnit.Count, value=swept.due)
    return {
        "as_of": day.isoformat(),
        "matched": len(report["matched"]),
        "eras_without_deposit": len(report["eras_without_deposit"]),
        "deposits_without_era": len(report["deposits_without_era"]),
        "appeals_due": swept.due,
        "appeals_answered": swept.answered,
    }
