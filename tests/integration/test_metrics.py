"""Metric names are an interface: alarms and dashboards read them. Each function's EMF output, on its sample.

Powertools Metrics prints one EMF JSON document per flush to stdout (CloudWatch Logs turns it into
metrics). The local runner disables metrics (nobody reads them locally); these tests turn them on
for the runner's invocations and read the `_aws.CloudWatchMetrics` blocks of what was printed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from tests.integration.conftest import SAMPLES, Harness
from tests.integration.test_functions import event, put_objects_named_by
from tests.integration.test_worklist_api import APPLY, http_event

NAMESPACE = "remitflow"
ACME = "remittances/acme-ach-2025-01-16.835"
BAI = "deposits/first-national-2025-01-16.bai"


@dataclass(frozen=True)
class Metric:
    namespace: str
    dimensions: tuple[tuple[str, str], ...]  # (name, value), in the order the directive lists them
    name: str
    unit: str
    values: tuple[float, ...]


def emitted(out: str) -> list[Metric]:
    """Every metric of every EMF document in ``out`` (other output, such as log lines, is skipped)."""
    metrics: list[Metric] = []
    for line in out.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if not isinstance(document, dict) or "_aws" not in document:
            continue
        for directive in document["_aws"]["CloudWatchMetrics"]:
            (dimension_set,) = directive["Dimensions"]
            dimensions = tuple((name, document[name]) for name in dimension_set)
            for definition in directive["Metrics"]:
                value = document[definition["Name"]]
                values = tuple(value) if isinstance(value, list) else (value,)
                name, unit = definition["Name"], definition["Unit"]
                metrics.append(Metric(directive["Namespace"], dimensions, name, unit, values))
    return metrics


class Emf:
    """Runs functions with metrics on and hands back what each invocation emitted."""

    def __init__(self, harness: Harness, capsys: pytest.CaptureFixture[str]) -> None:
        self.harness = harness
        self.capsys = capsys
        harness.runner.environment |= {"POWERTOOLS_METRICS_DISABLED": "false"}

    def invoke(self, function: str, payload: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """The function's result, and its metrics by name: (unit, values), and the dimensions besides
        the service when there are any. Every metric is checked for the namespace and the function's service."""
        self.capsys.readouterr()
        result = self.harness.runner.invoke(function, payload)
        metrics = emitted(self.capsys.readouterr().out)
        service = self.harness.stack.functions[function].environment["POWERTOOLS_SERVICE_NAME"]
        for metric in metrics:
            assert metric.namespace == NAMESPACE, metric
            assert dict(metric.dimensions)["service"] == service, metric
        names = [m.name for m in metrics]
        assert len(names) == len(set(names)), f"a metric published twice in one invocation: {names}"
        by_name: dict[str, Any] = {}
        for m in metrics:
            others = {name: value for name, value in m.dimensions if name != "service"}
            by_name[m.name] = (m.unit, m.values, others) if others else (m.unit, m.values)
        return result, by_name

    def quietly(self, action: Any) -> None:
        """Set the scene (metrics of other invocations are not what the test is about)."""
        action()
        self.capsys.readouterr()


@pytest.fixture
def emf(harness: Harness, capsys: pytest.CaptureFixture[str]) -> Emf:
    return Emf(harness, capsys)


def test_metrics_are_off_locally_unless_asked_for(harness: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    put_objects_named_by(harness, "deposit_ingest.json")
    capsys.readouterr()

    harness.runner.invoke("DepositIngest", event("deposit_ingest.json"))

    assert emitted(capsys.readouterr().out) == []


def test_reference_import_counts_the_rows_it_loaded_and_rejected(emf: Emf) -> None:
    put_objects_named_by(emf.harness, "reference_import.json")
    _, claims = emf.invoke("ReferenceImport", event("reference_import.json"))
    put_objects_named_by(emf.harness, "reference_import_fee_schedule.json")
    _, fees = emf.invoke("ReferenceImport", event("reference_import_fee_schedule.json"))

    # samples/claims: 6 claims (on 7 lines; a claim counts once); samples/fee-schedules: 5 allowed amounts.
    assert claims == {"ReferenceRowsLoaded": ("Count", (6.0,)), "ReferenceRowsRejected": ("Count", (0.0,))}
    assert fees == {"ReferenceRowsLoaded": ("Count", (5.0,)), "ReferenceRowsRejected": ("Count", (0.0,))}


def test_reference_import_counts_rejected_rows(emf: Emf) -> None:
    csv = (
        "claim_id,account_id,payer_id,service_date,procedure_code,charge_amount\n"
        "PCN9001,ACC-1,1411289245,2025-01-02,99213,100.00\n"
        "PCN9002,ACC-2,1411289245,2025-13-45,99213,100.00\n"
        "PCN9003,ACC-3,1411289245,2025-01-02,99213,12x\n"
    )
    emf.harness.upload("claims/lakeside-open-claims-2025-01.csv", csv.encode())

    result, metrics = emf.invoke("ReferenceImport", event("reference_import.json"))

    # One claim loaded; each bad row is two problems: its bad value, and its claim not loaded.
    assert result["processed"][0]["problems"] == 4
    assert metrics == {"ReferenceRowsLoaded": ("Count", (1.0,)), "ReferenceRowsRejected": ("Count", (4.0,))}


def test_posting_worker_counts_its_chunk_claims_cents_and_follow_ups_by_type(emf: Emf) -> None:
    from remitflow.runtime import remittance_ingest

    harness = emf.harness
    emf.quietly(harness.load_sample_reference_data)
    harness.upload(ACME, SAMPLES / "remittances" / "acme-ach-2025-01-16.835")
    small = harness.settings.model_copy(update={"posting_chunk_size": 2})
    emf.quietly(lambda: remittance_ingest(small, harness.stores).ingest(ACME))

    result, metrics = emf.invoke("PostingWorker", event("posting_worker.json"))
    _, again = emf.invoke("PostingWorker", event("posting_worker.json"))  # SQS delivers it again

    assert result == {"batchItemFailures": []}
    # The first chunk: PCN1001 paid 160.00 (15.00 under the fee schedule), PCN1002 denied.
    assert metrics == {
        "ChunksPosted": ("Count", (1.0,)),
        "ClaimsPosted": ("Count", (1.0,)),
        "CentsPosted": ("Count", (16000.0,)),
        "FollowupsRaised_denied": ("Count", (1.0,)),
        "FollowupsRaised_underpaid": ("Count", (1.0,)),
    }
    assert again["ChunksPosted"] == ("Count", (0.0,))  # counted once; its follow-ups are sent again


def test_remittance_ingest_counts_claims_cents_and_follow_ups_by_type(emf: Emf) -> None:
    emf.quietly(emf.harness.load_sample_reference_data)
    put_objects_named_by(emf.harness, "remittance_ingest.json")

    result, metrics = emf.invoke("RemittanceIngest", event("remittance_ingest.json"))

    assert result["processed"][0]["claims_posted"] == 2
    # The ACME 835 pays PCN1001 160.00 and PCN1003 80.00 (PCN1002 is denied, PCN1099 is not ours):
    # 240.00 posted; PCN1001's 99214 is 15.00 under the fee schedule's 175.00.
    assert metrics == {
        "ClaimsPosted": ("Count", (2.0,)),
        "CentsPosted": ("Count", (24000.0,)),
        "FollowupsRaised_claim_not_found": ("Count", (1.0,)),
        "FollowupsRaised_denied": ("Count", (1.0,)),
        "FollowupsRaised_underpaid": ("Count", (1.0,)),
    }


def test_remittance_ingest_of_an_unreadable_file_posts_nothing_and_raises_one_follow_up(emf: Emf) -> None:
    emf.harness.upload(ACME, b"%PDF-1.7 not an 835 at all")

    _, metrics = emf.invoke("RemittanceIngest", event("remittance_ingest.json"))

    assert metrics == {
        "ClaimsPosted": ("Count", (0.0,)),
        "CentsPosted": ("Count", (0.0,)),
        "FollowupsRaised_unreadable_file": ("Count", (1.0,)),
    }


def test_followup_worker_counts_the_follow_ups_it_opened(emf: Emf) -> None:
    batch = event("followup_worker.json")
    bad = dict(batch["Records"][0], messageId="not-a-followup", body='{"type": "denied"}')
    batch["Records"].append(bad)

    result, metrics = emf.invoke("FollowupWorker", batch)

    assert result == {"batchItemFailures": [{"itemIdentifier": "not-a-followup"}]}
    assert metrics == {"FollowupsOpened": ("Count", (1.0,))}  # the failed record opened nothing


def test_followup_worker_does_not_count_a_redelivered_follow_up_again(emf: Emf) -> None:
    _, first = emf.invoke("FollowupWorker", event("followup_worker.json"))
    _, again = emf.invoke("FollowupWorker", event("followup_worker.json"))

    assert first == {"FollowupsOpened": ("Count", (1.0,))}
    assert len(emf.harness.followups()) == 1  # the worklist has it once
    assert again == {}


def test_deposit_ingest_counts_deposits_read_and_matched(emf: Emf) -> None:
    put_objects_named_by(emf.harness, "deposit_ingest.json")

    _, metrics = emf.invoke("DepositIngest", event("deposit_ingest.json"))

    assert metrics == {"DepositsRead": ("Count", (3.0,)), "DepositsMatched": ("Count", (0.0,))}


def test_deposit_ingest_counts_the_deposit_that_matched_an_era(emf: Emf) -> None:
    def post_acme() -> None:
        emf.harness.load_sample_reference_data()
        emf.harness.deliver(ACME, SAMPLES / "remittances" / "acme-ach-2025-01-16.835")

    emf.quietly(post_acme)
    put_objects_named_by(emf.harness, "deposit_ingest.json")

    _, metrics = emf.invoke("DepositIngest", event("deposit_ingest.json"))

    # The 319.50 ACH carries the ACME 835's trace; the 1,200.00 and the 50.00 check have no ERA yet.
    assert metrics == {"DepositsRead": ("Count", (3.0,)), "DepositsMatched": ("Count", (1.0,))}


def test_the_sweeper_counts_the_follow_ups_it_raised(emf: Emf) -> None:
    _, nothing = emf.invoke("ReconciliationSweeper", event("reconciliation_sweeper.json"))
    emf.quietly(lambda: emf.harness.deliver(BAI, SAMPLES / "deposits" / "first-national-2025-01-16.bai"))

    _, aged = emf.invoke("ReconciliationSweeper", event("reconciliation_sweeper.json"))
    _, again = emf.invoke("ReconciliationSweeper", event("reconciliation_sweeper.json"))

    no_appeals = {"AppealsDue": ("Count", (0.0,))}
    assert nothing == {"ReconciliationFollowups": ("Count", (0.0,))} | no_appeals
    # On 2025-01-24 the 319.50 and 1,200.00 of 2025-01-16 have waited past three business days (with
    # Martin Luther King Day); the 50.00 check of 2025-01-21 has waited three, and is not overdue yet.
    assert aged == {"ReconciliationFollowups": ("Count", (2.0,))} | no_appeals
    # Each sweep sends a follow-up for every item still overdue (the worker opens each once), and the
    # metric counts what it sent: the same two again.
    assert again == {"ReconciliationFollowups": ("Count", (2.0,))} | no_appeals
    emf.harness.runner.pump()
    assert sorted(f["amount"] for f in emf.harness.followups()) == [Decimal("319.50"), Decimal("1200.00")]


def test_the_worklist_api_counts_resolutions_by_resolution(emf: Emf) -> None:
    def post_acme() -> None:
        emf.harness.load_sample_reference_data()
        emf.harness.deliver(ACME, SAMPLES / "remittances" / "acme-ach-2025-01-16.835")

    emf.quietly(post_acme)
    by_type = {f["type"]: f["id"] for f in emf.harness.followups()}
    held, denied = by_type["claim_not_found"], by_type["denied"]
    write_off = {"resolution": "written_off", "write_off_reason": "past timely filing", "amount": "20.00", "note": "n"}

    listed, on_list = emf.invoke("WorklistApi", event("worklist_api.json"))
    applied, on_apply = emf.invoke("WorklistApi", http_event("POST", f"/api/followups/{held}/resolve", body=APPLY))
    refused, on_refusal = emf.invoke("WorklistApi", http_event("POST", f"/api/followups/{held}/resolve", body=APPLY))
    written, on_write_off = emf.invoke(
        "WorklistApi", http_event("POST", f"/api/followups/{denied}/resolve", body=write_off)
    )

    statuses = [r["statusCode"] for r in (listed, applied, refused, written)]
    assert statuses == [200, 200, 409, 200]
    assert on_list == on_refusal == {}  # only a resolution counts
    assert on_apply == {"FollowupsResolved": ("Count", (1.0,), {"resolution": "applied_to_claim"})}
    assert on_write_off == {"FollowupsResolved": ("Count", (1.0,), {"resolution": "written_off"})}
