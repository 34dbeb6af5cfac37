"""The stack is deployed once per module and emptied before each test: no test sees another's data.

The first test leaves something everywhere the stack keeps state; the next finds none of it. The
pair relies on running in file order, as pytest runs them.
"""

from __future__ import annotations

import json
import sys
from types import ModuleType
from typing import Any

import pytest
from tests.integration.conftest import SAMPLES, Harness

ACME = "remittances/acme-ach-2025-01-16.835"
LEFT_BEHIND: dict[str, Any] = {}


def everything_empty(harness: Harness) -> None:
    contents = harness.data.contents()
    assert contents, "the stack has no tables, buckets or queues?"
    assert {name: count for name, count in contents.items() if count} == {}
    runner = harness.runner
    events = runner.sqs.get_queue_attributes(QueueUrl=runner.inbox_events_url, AttributeNames=["All"])["Attributes"]
    assert (events["ApproximateNumberOfMessages"], events["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")


def leave_data_everywhere(harness: Harness) -> None:
    """Items in every table, object versions, messages in flight and waiting, events not pumped."""
    harness.load_sample_reference_data()  # claims, fee schedules
    harness.deliver(ACME, SAMPLES / "remittances" / "acme-ach-2025-01-16.835")  # postings, follow-ups
    harness.upload("claims/not-pumped.csv", b"claim_id\n")  # an S3 event waiting for the runner
    sqs = harness.stores.queue.client
    posting_queues = [url for url in sqs.list_queues()["QueueUrls"] if "-Posting" in url]  # queue and DLQ
    assert len(posting_queues) == 2
    for url in (
        harness.stack.followup_queue_url,
        harness.stack.followup_dead_letter_queue_url,
        harness.stack.function_failure_queue_url,
        *posting_queues,
    ):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"left": "behind"}))
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"delayed": True}), DelaySeconds=60)
    sqs.receive_message(QueueUrl=harness.stack.followup_queue_url, VisibilityTimeout=600)  # now in flight
    harness.runner.environment |= {"POWERTOOLS_SERVICE_NAME": "left-behind"}
    contents = harness.data.contents()
    empty = [name for name, count in contents.items() if count == 0 and name != harness.stack.access_log_bucket]
    assert empty == []  # the access log bucket: moto writes no access logs


def test_a_test_leaves_data_everywhere(harness: Harness) -> None:
    leave_data_everywhere(harness)
    assert harness.claims.get("PCN1001") is not None

    harness.stores.worklist.commit_resolution = lambda **_: None  # type: ignore[method-assign]  # an injected fault
    LEFT_BEHIND.update(harness=harness, stack=harness.stack, followups=[f["id"] for f in harness.followups()])


def test_the_next_test_sees_none_of_it_on_the_same_stack(harness: Harness) -> None:
    if not LEFT_BEHIND:
        pytest.skip("runs after test_a_test_leaves_data_everywhere, in the same module run")
    assert harness.stack is LEFT_BEHIND["stack"]  # deployed once, not again

    everything_empty(harness)
    assert harness.claims.get("PCN1001") is None
    assert harness.followups() == []
    assert [harness.worklist.get(f) for f in LEFT_BEHIND["followups"]] == [None] * len(LEFT_BEHIND["followups"])
    assert harness.runner.pump() == 0  # the event that was waiting is gone too
    assert "POWERTOOLS_SERVICE_NAME" not in harness.runner.environment
    assert "commit_resolution" not in vars(harness.stores.worklist)  # new stores, without the fault


def test_what_was_posted_before_posts_again_as_new(harness: Harness) -> None:
    # The follow-ups and the remittance's dedup records are gone with the rest: the same 835 posts
    # again on an emptied stack exactly as on a new one.
    harness.load_sample_reference_data()
    harness.deliver(ACME, SAMPLES / "remittances" / "acme-ach-2025-01-16.835")
    harness.reset()
    harness.load_sample_reference_data()

    harness.deliver(ACME, SAMPLES / "remittances" / "acme-ach-2025-01-16.835")

    assert len(harness.claims.postings("PCN1001")) == 1
    assert sorted(f["type"] for f in harness.followups()) == ["claim_not_found", "denied", "underpaid"]
    assert harness.summary(ACME)["claims_posted"] == 2


def test_reset_empties_what_the_test_itself_wrote(harness: Harness) -> None:
    leave_data_everywhere(harness)

    harness.reset()

    everything_empty(harness)
    assert harness.claims.get("PCN1001") is None
    assert "POWERTOOLS_SERVICE_NAME" not in harness.runner.environment


def sweeper_modules(runner: Any) -> list[ModuleType]:
    """This runner's ReconciliationSweeper module (other modules' stacks load theirs under other names)."""
    prefix = f"remitflow_function_ReconciliationSweeper_{runner._token}"
    return [module for name, module in sys.modules.items() if name.startswith(prefix)]


def test_the_functions_are_loaded_again_after_a_reset(harness: Harness) -> None:
    # What a module cached (services, clients, Powertools objects) goes with it, as with a new sandbox.
    harness.runner.invoke("ReconciliationSweeper", {"as_of": "2025-01-24"})
    (before,) = sweeper_modules(harness.runner)

    harness.reset()
    assert sweeper_modules(harness.runner) == []
    harness.runner.invoke("ReconciliationSweeper", {"as_of": "2025-01-24"})

    (after,) = sweeper_modules(harness.runner)
    assert after is not before
