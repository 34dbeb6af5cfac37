"""No patient data in any trace or log line: all seven functions run on the samples (the API's routes
included, and a message that is not a follow-up but names a patient), with the tracer's subsegments
and every log line captured, and neither holds a patient's name, member id or birth date."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aws_lambda_powertools.tracing import Tracer
from tests.integration.conftest import SAMPLES, Harness
from tests.integration.test_functions import PHI, event
from tests.integration.test_worklist_api import call

BIRTH_DATE = "19610423"
PATIENT_DATA = (*PHI, "PATEL", "SMT100200", BIRTH_DATE, "1961-04-23")


class Subsegment:
    def __init__(self, name: str) -> None:
        self.name = name
        self.recorded: list[Any] = []

    def put_annotation(self, key: str, value: Any) -> None:
        self.recorded.append(("annotation", key, value))

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        self.recorded.append(("metadata", namespace, key, value))

    def add_exception(self, exception: BaseException, stack: Any = None, remote: bool = False) -> None:
        self.recorded.append(("exception", repr(exception), str(exception), str(stack)))


class RecordingProvider:
    """The X-Ray provider's interface as Powertools' Tracer uses it, keeping whatever would be sent."""

    def __init__(self) -> None:
        self.subsegments: list[Subsegment] = []

    @contextmanager
    def in_subsegment(self, name: str | None = None, **kwargs: Any) -> Iterator[Subsegment]:
        subsegment = Subsegment(str(name))
        self.subsegments.append(subsegment)
        yield subsegment

    in_subsegment_async = in_subsegment

    def put_annotation(self, key: str, value: Any) -> None:
        self.subsegments.append(Subsegment(f"annotation {key}={value}"))

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        self.subsegments.append(Subsegment(f"metadata {namespace}.{key}={value}"))

    def patch(self, modules: Any) -> None:
        pass

    def patch_all(self) -> None:
        pass

    def text(self) -> str:
        return json.dumps([(s.name, s.recorded) for s in self.subsegments], default=repr)


@pytest.fixture
def traces(monkeypatch: pytest.MonkeyPatch) -> RecordingProvider:
    # Every Tracer() built from here on (the runner loads this module's functions afresh) uses it.
    provider = RecordingProvider()
    monkeypatch.setitem(Tracer._config, "provider", provider)
    return provider


def test_no_patient_data_in_any_trace_or_log_line(
    harness: Harness,
    traces: RecordingProvider,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    harness.runner.environment |= {
        "POWERTOOLS_LOG_LEVEL": "DEBUG",
        "LOG_LEVEL": "DEBUG",
        "POWERTOOLS_SERVICE_NAME": "phi-and-traces",  # a log handler bound to this test's stdout
    }
    caplog.set_level(logging.DEBUG, logger="phi-and-traces")
    caplog.set_level(logging.INFO)  # botocore's wire dumps are not our logs; Lambda never enables them
    harness.load_sample_reference_data()
    for path in sorted((SAMPLES / "remittances").glob("*.835")):
        harness.deliver(f"remittances/{path.name}", path)  # RemittanceIngest, PostingWorker, FollowupWorker
    harness.deliver("remittances/broken.835", b"ISA*00*garbage RIVERA ANA~")
    harness.deliver(
        "deposits/first-national-2025-01-16.bai", SAMPLES / "deposits" / "first-national-2025-01-16.bai"
    )  # DepositIngest
    harness.runner.invoke("ReconciliationSweeper", event("reconciliation_sweeper.json"))

    # A message that is not a follow-up, naming a patient: it fails alone, and says only which fields.
    batch = event("followup_worker.json")
    poison = dict(batch["Records"][0], messageId="poison")
    poison["body"] = json.dumps({"type": "denied", "detail": {"patient": "RIVERA ANA", "dob": BIRTH_DATE}})
    result = harness.runner.invoke("FollowupWorker", {"Records": [*batch["Records"], poison]})
    assert result == {"batchItemFailures": [{"itemIdentifier": "poison"}]}

    # The API's routes, whose answers do name patients (so a captured response would be caught).
    listing = call(harness, "GET", "/api/followups")
    assert listing.status == 200 and listing.body["items"]
    answers = [json.dumps(listing.body)]
    answers += [json.dumps(call(harness, "GET", f"/api/followups/{i['id']}").body) for i in listing.body["items"]]
    followup = listing.body["items"][0]["id"]
    assert call(harness, "POST", f"/api/followups/{followup}/assign", body={"expected_version": 0}).status == 200
    resolve = {"resolution": "no_action", "note": "called the payer", "expected_version": 1}
    assert call(harness, "POST", f"/api/followups/{followup}/resolve", body=resolve).status == 200
    assert call(harness, "POST", "/api/followups/nope/resolve", body={"note": "RIVERA"}).status == 400
    assert any(name.lower() in "".join(answers).lower() for name in PHI), "the answers hold patient data"

    out, err = capsys.readouterr()
    logs = out + err + caplog.text
    assert "remittance processed" in logs and "not a follow-up" in logs  # the functions did log, at DEBUG
    names = {s.name for s in traces.subsegments}
    for function in ("lambda_handler", "record_handler"):
        assert f"## {function}" in names or any(function in n for n in names), names
    assert len(traces.subsegments) > 10
    trace_text = traces.text()
    assert [p for p in PATIENT_DATA if p.lower() in logs.lower()] == []
    assert [p for p in PATIENT_DATA if p.lower() in trace_text.lower()] == []
