"""`remitflow followups list|show|assign|unassign|resolve` against the stack on moto (in-process)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from tests.integration.conftest import SAMPLES, Harness

from remitflow_cli import main

ACME = "remittances/acme-ach-2025-01-16.835"
# Reading the stack's outputs makes moto parse the template again, API Gateway v2 and Cognito included.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning")


@pytest.fixture
def ids(harness: Harness) -> dict[str, str]:
    harness.load_sample_reference_data()
    harness.deliver(ACME, SAMPLES / "remittances" / "acme-ach-2025-01-16.835")
    return {item["type"]: item["id"] for item in harness.followups()}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    capsys.readouterr()
    code = main(["followups", *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out) if "--json" in argv and code == 0 else out, err


def test_list_show_assign_and_resolve(
    harness: Harness, ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    held = ids["claim_not_found"]

    code, items, _ = run(capsys, "list", "--json")
    assert code == 0
    assert sorted((i["type"], i["amount"]) for i in items) == [
        ("claim_not_found", "75.00"),
        ("denied", "120.00"),
        ("underpaid", "15.00"),
    ]
    code, items, _ = run(capsys, "list", "--type", "denied", "--min-amount", "100", "--json")
    assert [i["claim_id"] for i in items] == ["PCN1002"]

    code, taken, _ = run(capsys, "assign", held, "--as", "ana", "--json")
    assert (code, taken["assignee"], taken["version"]) == (0, "ana", 1)
    code, _, err = run(capsys, "assign", held, "--as", "bo")
    assert code == 4 and "assigned to ana" in err

    code, resolved, _ = run(
        capsys,
        "resolve",
        held,
        "--resolution",
        "applied_to_claim",
        "--claim-id",
        "PCN1005",
        "--note",
        "payer used old account number",
        "--as",
        "ana",
        "--json",
    )
    assert code == 0
    assert resolved["followup"]["resolution"] == "applied_to_claim"
    assert resolved["claim"]["insurance_balance"] == "0.00"
    claim = harness.claims.get("PCN1005")
    assert claim is not None and claim.insurance_paid == Decimal("75.00")

    code, _, err = run(capsys, "resolve", held, "--resolution", "no_action", "--note", "again", "--as", "bo")
    assert code == 4 and "already resolved (applied_to_claim) by ana" in err

    code, detail, _ = run(capsys, "show", held, "--json")
    assert code == 0
    assert [(h["by"], h["action"]) for h in detail["history"]] == [("ana", "assigned"), ("ana", "resolved")]
    assert detail["claim"]["claim_id"] == "PCN1005"
    code, text, _ = run(capsys, "show", held)
    assert code == 0 and "applied_to_claim" in text and "insurance balance 0.00" in text
    assert "  note: payer used old account number" in text
    assert "ana  resolved" in text and "claim insurance balance: 90.00 -> 0.00" in text
    assert "assignee: - -> ana" in text and "{" not in text  # changes, not JSON

    code, items, _ = run(capsys, "list", "--status", "any", "--json")  # no --type needed
    assert code == 0 and sorted(i["status"] for i in items) == ["open", "open", "resolved"]
    created = [i["created_at"] for i in items]
    assert created == sorted(created)
    code, items, _ = run(capsys, "list", "--status", "ANY", "--type", "Claim_Not_Found", "--json")
    assert code == 0 and [i["id"] for i in items] == [held]


def test_show_puts_codes_in_words(harness: Harness, ids: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, text, _ = run(capsys, "show", ids["denied"])
    assert code == 0 and "denied: CO-50 not medically necessary (appeal)" in text
    assert "835 claim status 4 denied" in text


def test_a_mistyped_claim_id_gets_a_did_you_mean(
    harness: Harness, ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys,
        "resolve",
        ids["claim_not_found"],
        "--resolution",
        "applied_to_claim",
        "--claim-id",
        "PCN105",
        "--note",
        "n",
    )
    assert code == 1 and "--claim-id: no claim 'PCN105'; did you mean PCN1005?" in err
    code = main(["claims", "show", "pcn1O05"])
    assert code == 3
    assert "no claim 'pcn1O05'; did you mean PCN1005?" in capsys.readouterr().err
    assert main(["claims", "show", "PCN1002"]) == 0
    assert "835 claim status 4 denied" in capsys.readouterr().out
    assert main(["claims", "show", "PCN1001"]) == 0
    out = capsys.readouterr().out
    assert "PR-3          30.00  copay; patient cost share; next: bill patient" in out
    assert "CO-45         40.00  above the allowed amount (fee schedule); contractual; next: write off" in out


def test_errors_name_the_option_and_exit_with_their_code(
    harness: Harness, ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    denied = ids["denied"]
    code, _, err = run(capsys, "show", "nope")
    assert code == 3 and "no follow-up 'nope'" in err
    code, _, err = run(capsys, "resolve", ids["claim_not_found"], "--resolution", "applied_to_claim", "--note", "n")
    assert code == 1 and "--claim-id: required for applied_to_claim" in err
    code, _, err = run(
        capsys,
        "resolve",
        denied,
        "--resolution",
        "written_off",
        "--write-off-reason",
        "r",
        "--amount",
        "1.234",
        "--note",
        "n",
    )
    assert code == 1 and "--amount: money as a string" in err
    code, _, err = run(capsys, "resolve", denied, "--resolution", "no_action", "--note", "n", "--expected-version", "3")
    assert code == 4 and "version 0, not 3" in err
    with pytest.raises(SystemExit) as exit_:
        run(capsys, "resolve", denied, "--resolution", "appealed", "--note", "n", "--appeal-due-date", "1/2")
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "argument --appeal-due-date: expected a date as YYYY-MM-DD, found '1/2'" in err
    item = harness.worklist.get(denied)
    assert item is not None and item["status"] == "open"


def test_without_as_the_aws_caller_acts(
    harness: Harness, ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, taken, _ = run(capsys, "assign", ids["underpaid"], "--json")
    assert code == 0 and taken["assignee"].startswith("arn:aws:")
    code, released, _ = run(capsys, "unassign", ids["underpaid"], "--json")
    assert code == 0 and released["assignee"] is None
    code, resolved, _ = run(
        capsys,
        "resolve",
        ids["underpaid"],
        "--resolution",
        "payer_contacted",
        "--note",
        "called, reprocessing",
        "--json",
    )
    assert code == 0 and resolved["followup"]["status"] == "resolved"
