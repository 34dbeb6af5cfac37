"""`remitflow ops failures list|show|redrive` on the stack on moto: failed work is seen without its
patient data, sent back to its function, processed once, and a poison message simply fails again."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.integration.conftest import SAMPLES, Harness
from tests.integration.test_functions import PHI, event

from remitflow.adapters.failed_work import SqsFailedWork, SqsTarget
from remitflow.domain.followups import FollowupType, new_followup
from remitflow.services.failures import FOLLOWUPS, FUNCTIONS, POSTING, Failures
from remitflow.services.ports import FailedMessage
from remitflow_cli import main

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning")
ACME = "remittances/acme-ach-2025-01-16.835"
POISON = json.dumps({"type": "denied", "detail": {"patient": "RIVERA ANA", "member": "ACM998877"}})


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    capsys.readouterr()
    code = main(["ops", "failures", *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out) if "--json" in argv and code == 0 else out, err


def a_followup(source: str = "remittances/late.835") -> str:
    followup = new_followup(
        FollowupType.DENIED,
        key=("late",),
        created_at=datetime(2025, 1, 16, 12, tzinfo=UTC),
        source=source,
        claim_id="PCN1002",
        detail={"patient": "RIVERA ANA"},
    )
    return followup.model_dump_json()


def dead_letters(harness: Harness) -> list[str]:
    queue = SqsFailedWork(harness.stores.queue.client, harness.stack.followup_dead_letter_queue_url)
    return [m.body for m in queue.peek(50)]


def test_a_poison_follow_up_and_a_good_one_are_listed_redriven_and_the_poison_fails_again(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    sqs = harness.stores.queue.client
    sqs.send_message(QueueUrl=harness.stack.followup_queue_url, MessageBody=POISON)
    harness.runner.pump()  # fails on every delivery, then the redrive policy moves it
    assert dead_letters(harness) == [POISON]
    # A good follow-up that failed while, say, the worklist table was unreachable.
    sqs.send_message(QueueUrl=harness.stack.followup_dead_letter_queue_url, MessageBody=a_followup())

    code, listed, _ = run(capsys, "list", "--json")
    assert code == 0
    assert sorted(w["queue"] for w in listed) == [FOLLOWUPS, FOLLOWUPS]
    good = next(w for w in listed if w["object_key"])
    poison = next(w for w in listed if not w["object_key"])
    assert good["function"] == poison["function"] == "FollowupWorker"
    assert good["what"].endswith("(denied)") and good["object_key"] == "remittances/late.835"
    assert poison["what"].startswith("a message that is not a follow-up")
    assert poison["attempts"] >= 1 and datetime.fromisoformat(poison["failed_at"]) <= datetime.now(UTC)
    code, text, _ = run(capsys, "list")
    assert code == 0 and "FollowupWorker" in text
    assert [p for p in PHI if p.lower() in (json.dumps(listed) + text).lower()] == []

    code, shown, _ = run(capsys, "show", good["message_id"], "--json")
    assert code == 0 and shown["details"]["claim_id"] == "PCN1002"
    assert run(capsys, "show", "no-such-message")[0] == 3

    code, moved, _ = run(capsys, "redrive", FOLLOWUPS, "--json")
    assert (code, moved["moved"]) == (0, 2)
    assert dead_letters(harness) == []
    harness.runner.pump()
    assert [f["source"] for f in harness.followups()] == ["remittances/late.835"]  # opened, once
    assert dead_letters(harness) == [POISON]  # failed again, back where it was

    # Again: safe to repeat. The poison goes round once more; nothing is opened twice.
    sqs.send_message(QueueUrl=harness.stack.followup_dead_letter_queue_url, MessageBody=a_followup())
    assert run(capsys, "redrive", FOLLOWUPS, "--json")[1]["moved"] == 2
    harness.runner.pump()
    assert len(harness.followups()) == 1
    assert dead_letters(harness) == [POISON]


class RunnerTarget:
    """The function failure queue's way back, as Lambda would run it: the event on its function."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.by_name = {f.name: lid for lid, f in harness.stack.functions.items()}

    def send(self, message: FailedMessage) -> None:
        record = json.loads(message.body)
        name = record["requestContext"]["functionArn"].split(":function:")[1].split(":")[0]
        self.harness.runner.invoke(self.by_name[name], record["requestPayload"])


def lambda_failure_record(harness: Harness, function: str, payload: dict[str, Any]) -> str:
    """What Lambda's on-failure destination writes after the last retry of an asynchronous event."""
    arn = harness.stack.functions[function].arn
    return json.dumps(
        {
            "version": "1.0",
            "timestamp": "2025-01-16T12:00:00.000Z",
            "requestContext": {
                "requestId": "e4b46cbf",
                "functionArn": f"{arn}:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": 3,
            },
            "requestPayload": payload,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "responsePayload": {
                "errorMessage": "An error occurred (ProvisionedThroughputExceededException): input_value='RIVERA'",
                "errorType": "ClientError",
                "stackTrace": ['  File "/var/task/app.py", line 1, in lambda_handler\n'],
            },
        }
    )


def test_a_failed_s3_event_is_described_and_run_again_on_its_function_once(harness: Harness) -> None:
    harness.load_sample_reference_data()
    harness.upload(ACME, SAMPLES / "remittances" / "acme-ach-2025-01-16.835")
    sqs = harness.stores.queue.client
    body = lambda_failure_record(harness, "RemittanceIngest", event("remittance_ingest.json"))
    sqs.send_message(QueueUrl=harness.stack.function_failure_queue_url, MessageBody=body)
    failures = Failures(
        queues={
            FOLLOWUPS: SqsFailedWork(sqs, harness.stack.followup_dead_letter_queue_url),
            POSTING: SqsFailedWork(sqs, harness.stack.outputs["PostingDeadLetterQueueUrl"]),
            FUNCTIONS: SqsFailedWork(sqs, harness.stack.function_failure_queue_url),
        },
        targets={
            FOLLOWUPS: SqsTarget(sqs, harness.stack.followup_queue_url),
            POSTING: SqsTarget(sqs, harness.stack.outputs["PostingQueueUrl"]),
            FUNCTIONS: RunnerTarget(harness),
        },
    )

    (work,) = failures.pending()
    assert (work.queue, work.function, work.object_key, work.attempts) == (
        FUNCTIONS,
        harness.stack.functions["RemittanceIngest"].name,
        ACME,
        3,
    )
    assert work.error.startswith("ClientError: An error occurred (ProvisionedThroughputExceededException)")
    assert "RIVERA" not in work.error  # a quoted input is never shown
    assert work.failed_at == datetime(2025, 1, 16, 12, tzinfo=UTC)

    assert failures.redrive(FUNCTIONS).moved == 1
    harness.runner.pump()
    assert harness.claims.get("PCN1001") is not None
    paid = harness.claims.get("PCN1001").insurance_paid  # type: ignore[union-attr]
    assert failures.pending() == []

    # The same failure twice (a redrive interrupted before its delete): posted once all the same.
    sqs.send_message(QueueUrl=harness.stack.function_failure_queue_url, MessageBody=body)
    assert failures.redrive(FUNCTIONS).moved == 1
    harness.runner.pump()
    assert harness.claims.get("PCN1001").insurance_paid == paid  # type: ignore[union-attr]
    assert paid > 0
