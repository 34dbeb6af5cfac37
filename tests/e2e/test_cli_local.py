"""The posting and reconciliation scenario through the CLI against a fresh `remitflow local up`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.conftest import ROOT, LocalUp, running_local_up

pytestmark = pytest.mark.e2e
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="module")
def empty_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalUp]:
    with running_local_up(tmp_path_factory.mktemp("cli-local-up"), with_samples=False) as running:
        yield running


def wait_for(read: Callable[[], Any], done: Callable[[Any], bool], seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.5)


def upload(stack: LocalUp, path: Path, kind: str) -> dict[str, object]:
    summary: dict[str, object] = stack.cli_json("upload", str(path), "--kind", kind, "--wait", "90")
    return summary


def test_upload_post_show_and_reconcile_through_the_cli(empty_stack: LocalUp) -> None:
    fees = upload(empty_stack, SAMPLES / "fee-schedules" / "acme-health-plan-2025.csv", "fee-schedule")
    claims = upload(empty_stack, SAMPLES / "claims" / "lakeside-open-claims-2025-01.csv", "claims")
    assert (fees["loaded"], claims["loaded"]) == (5, 6)  # fee schedule rows; claims (of 7 lines)

    posted = upload(empty_stack, SAMPLES / "remittances" / "acme-ach-2025-01-16.835", "remittance")
    assert (posted["claims_posted"], posted["dollars_posted"]) == (2, "240.00")

    claim = empty_stack.cli_json("claims", "show", "PCN1001")
    for field in (
        "claim_id", "account_id", "payer_id", "status", "charge_amount", "insurance_paid", "contractual_adjustment",
        "other_adjustment", "patient_responsibility", "insurance_balance", "patient_balance", "postings",
    ):  # fmt: skip
        assert field in claim, field
    assert (claim["status"], claim["insurance_paid"], claim["patient_balance"]) == ("paid", "160.00", "30.00")
    assert [p["outcome"] for p in claim["postings"]] == ["posted"]

    # The worker opens the follow-ups from the queue just after the summary is written.
    every = wait_for(lambda: empty_stack.cli_json("followups", "list"), lambda found: len(found) >= 3)
    assert sorted(f["type"] for f in every) == ["claim_not_found", "denied", "underpaid"]  # L6 interest: none
    not_found = empty_stack.cli_json("followups", "list", "--type", "claim_not_found")
    assert [(f["claim_id"], f["amount"]) for f in not_found] == [("PCN1099", "75.00")]

    deposits = upload(empty_stack, SAMPLES / "deposits" / "first-national-2025-01-16.bai", "deposit")
    assert deposits["matched"] == 1
    report = empty_stack.cli_json("recon", "report", "--as-of", "2025-01-28")
    (matched,) = report["matched"]
    assert (matched["trace_number"], matched["era_amount"], matched["deposit_amount"], matched["confidence"]) == (
        "0123456789",
        "319.50",
        "319.50",
        "exact",
    )
    assert sorted(d["amount"] for d in report["deposits_without_era"]) == ["1200.00", "50.00"]
    assert report["eras_without_deposit"] == []
    swept = empty_stack.cli_json("recon", "sweep", "--as-of", "2025-01-28")
    assert swept["followups_raised"] == {"deposit_without_era": 2}
