"""Every function template.yaml names, run on its sample event in events/ against moto."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from tests.integration.conftest import ROOT, SAMPLES, TEMPLATE, Harness

from remitflow.runtime import remittance_ingest
from remitflow_local import load_template
from remitflow_local import runner as runner_module

EVENTS = ROOT / "events"
# The object each S3 event names, put in place before the function runs.
OBJECTS = {
    "remittances/acme-ach-2025-01-16.835": SAMPLES / "remittances" / "acme-ach-2025-01-16.835",
    "claims/lakeside-open-claims-2025-01.csv": SAMPLES / "claims" / "lakeside-open-claims-2025-01.csv",
    "fee-schedules/acme-health-plan-2025.csv": SAMPLES / "fee-schedules" / "acme-health-plan-2025.csv",
    "deposits/first-national-2025-01-16.bai": SAMPLES / "deposits" / "first-national-2025-01-16.bai",
}
FUNCTION_EVENTS = {
    "RemittanceIngest": ["remittance_ingest.json"],
    "ReferenceImport": ["reference_import.json", "reference_import_fee_schedule.json"],
    "FollowupWorker": ["followup_worker.json"],
    "PostingWorker": ["posting_worker.json"],
    "DepositIngest": ["deposit_ingest.json"],
    "ReconciliationSweeper": ["reconciliation_sweeper.json"],
}
PHI = ("RIVERA", "CHEN", "OKAFOR", "NOVAK", "ACM998877", "ACM554433", "ACM112233", "ACM776655", "Ana Rivera")


def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return loaded


def test_every_function_in_the_template_has_an_event() -> None:
    resources = load_template(TEMPLATE)["Resources"]
    functions = {name for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
    tested = set(FUNCTION_EVENTS) | {"WorklistApi"}  # the API's routes have their own tests
    assert functions <= tested, f"functions without an event test: {sorted(functions - tested)}"
    for names in FUNCTION_EVENTS.values():
        for name in names:
            assert (EVENTS / name).is_file(), name


def put_objects_named_by(harness: Harness, name: str) -> None:
    for record in event(name).get("Records", []):
        if "s3" in record:
            assert record["s3"]["bucket"]["name"] == harness.stack.inbox_bucket, "events/ name the local stack's bucket"
            key = record["s3"]["object"]["key"]
            harness.upload(key, OBJECTS[key])


@pytest.mark.parametrize("function", sorted(FUNCTION_EVENTS))
def test_function_runs_on_its_event(harness: Harness, function: str) -> None:
    if function in ("RemittanceIngest", "PostingWorker"):
        harness.load_sample_reference_data()
    if function == "PostingWorker":  # the sample is a chunk of the ACME file read in chunks of two claims
        harness.upload("remittances/acme-ach-2025-01-16.835", OBJECTS["remittances/acme-ach-2025-01-16.835"])
        settings = harness.settings.model_copy(update={"posting_chunk_size": 2})
        assert (
            remittance_ingest(settings, harness.stores).ingest("remittances/acme-ach-2025-01-16.835").chunks_sent == 2
        )
    for name in FUNCTION_EVENTS[function]:
        put_objects_named_by(harness, name)
        result = harness.runner.invoke(function, event(name))

        if function == "RemittanceIngest":
            assert result == {
                "processed": [{"key": "remittances/acme-ach-2025-01-16.835", "claims_posted": 2, "unreadable": False}]
            }
            claim = harness.claims.get("PCN1001")
            assert claim is not None and claim.insurance_paid == Decimal("160.00")
        elif function == "ReferenceImport":  # samples/: 6 claims (7 lines), 5 fee-schedule amounts, all good
            (key,) = [r["s3"]["object"]["key"] for r in event(name)["Records"]]
            kind, loaded = ("claims", 6) if key.startswith("claims/") else ("fee-schedule", 5)
            assert result == {"processed": [{"key": key, "kind": kind, "loaded": loaded, "problems": 0}]}
        elif function == "DepositIngest":
            assert result == {
                "processed": [
                    {"key": "deposits/first-national-2025-01-16.bai", "deposits": 3, "matched": 0, "unreadable": False}
                ]
            }
        elif function == "ReconciliationSweeper":  # the scheduled event's time picks the day
            assert result == {
                "as_of": "2025-01-24",
                "matched": 0,
                "eras_without_deposit": 0,
                "deposits_without_era": 0,
                "appeals_due": 0,
                "appeals_answered": 0,
            }
        elif function == "PostingWorker":  # the chunk's two claims: PCN1001 (underpaid) and PCN1002 (denied)
            assert result == {"batchItemFailures": []}
            claim = harness.claims.get("PCN1001")
            assert claim is not None and claim.insurance_paid == Decimal("160.00")
            assert [len(harness.claims.postings(c)) for c in ("PCN1001", "PCN1002", "PCN1003")] == [1, 1, 0]
        elif function == "FollowupWorker":
            assert result == {"batchItemFailures": []}
            (item,) = harness.followups()
            assert (item["type"], item["claim_id"], item["amount"]) == ("claim_not_found", "PCN1099", Decimal(75))
    if function == "ReferenceImport":
        assert harness.claims.get("PCN1005") is not None
        assert harness.remittances.fee_schedule("1411289245").allowed("1411289245", "99214") == Decimal("175.00")


def test_the_worker_opens_a_follow_up_once_however_often_it_arrives(harness: Harness) -> None:
    harness.runner.invoke("FollowupWorker", event("followup_worker.json"))
    (item,) = harness.followups()
    harness.worklist.client.update_item(  # a biller works on it meanwhile
        TableName=harness.stack.followups_table,
        Key={"pk": {"S": item["id"]}},
        UpdateExpression="SET assignee = :me",
        ExpressionAttributeValues={":me": {"S": "biller@example.test"}},
    )

    harness.runner.invoke("FollowupWorker", event("followup_worker.json"))

    (again,) = harness.followups()
    assert again["assignee"] == "biller@example.test"  # the redelivery did not reset it


def test_a_message_that_is_not_a_follow_up_fails_alone(harness: Harness) -> None:
    batch = event("followup_worker.json")
    bad = dict(batch["Records"][0], messageId="not-a-followup", body='{"type": "denied"}')
    batch["Records"].append(bad)

    result = harness.runner.invoke("FollowupWorker", batch)

    assert result == {"batchItemFailures": [{"itemIdentifier": "not-a-followup"}]}
    assert len(harness.followups()) == 1


def test_a_poison_message_ends_in_the_dead_letter_queue(harness: Harness) -> None:
    sqs = harness.stores.queue.client
    sqs.send_message(QueueUrl=harness.stack.followup_queue_url, MessageBody="not json")

    harness.runner.pump()

    dead = sqs.receive_message(QueueUrl=harness.stack.followup_dead_letter_queue_url, MaxNumberOfMessages=10)
    assert [m["Body"] for m in dead.get("Messages", [])] == ["not json"]


def test_no_patient_data_reaches_the_logs(
    harness: Harness, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    # A service name of its own: Powertools binds a service's log handler to the stdout of the test that
    # first created it, and this test must capture what the functions print.
    harness.runner.environment |= {
        "POWERTOOLS_LOG_LEVEL": "DEBUG",
        "LOG_LEVEL": "DEBUG",
        "POWERTOOLS_SERVICE_NAME": "phi-check",
    }
    caplog.set_level(logging.INFO)  # botocore's DEBUG wire dumps are not our logs; Lambda never enables them
    harness.load_sample_reference_data()
    for path in sorted((SAMPLES / "remittances").glob("*.835")):
        harness.deliver(f"remittances/{path.name}", path)
    harness.deliver("remittances/acme-copy.835", SAMPLES / "remittances" / "acme-ach-2025-01-16.835")
    harness.deliver("remittances/broken.835", b"ISA*00*garbage RIVERA ANA~")

    out, err = capsys.readouterr()
    logs = out + err + caplog.text
    assert "remittance processed" in logs  # the functions did log, at DEBUG
    leaked = [name for name in PHI if name.lower() in logs.lower()]
    assert leaked == []


def test_a_worker_without_time_for_the_chunk_returns_it_unposted_for_redelivery(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.load_sample_reference_data()
    harness.upload("remittances/acme-ach-2025-01-16.835", OBJECTS["remittances/acme-ach-2025-01-16.835"])
    settings = harness.settings.model_copy(update={"posting_chunk_size": 2})
    remittance_ingest(settings, harness.stores).ingest("remittances/acme-ach-2025-01-16.835")
    chunk = event("posting_worker.json")

    # Just over the 30 s reserve: not enough for the chunk's estimate on top.
    monkeypatch.setattr(runner_module.FakeContext, "get_remaining_time_in_millis", lambda self: 30_050)
    # Every record of the batch failed: Powertools fails the invocation, SQS redelivers the batch.
    with pytest.raises(BatchProcessingError, match="NoTimeLeft: not starting chunk"):
        harness.runner.invoke("PostingWorker", chunk)
    assert harness.claims.postings("PCN1001") == []

    monkeypatch.undo()  # redelivered to an invocation with its time
    assert harness.runner.invoke("PostingWorker", chunk) == {"batchItemFailures": []}
    assert [len(harness.claims.postings(c)) for c in ("PCN1001", "PCN1002")] == [1, 1]
