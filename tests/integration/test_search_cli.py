"""`remitflow search`, `remitflow claims list` and `remitflow accounts show` against the stack on moto."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.integration.conftest import SAMPLES, Harness

from remitflow_cli import main

ACME = "remittances/acme-ach-2025-01-16.835"
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning")


@pytest.fixture
def posted(harness: Harness) -> Harness:
    harness.load_sample_reference_data()
    harness.deliver(ACME, SAMPLES / "remittances" / "acme-ach-2025-01-16.835")
    return harness


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, json.loads(out) if "--json" in argv and code == 0 else out, err


def test_search_finds_a_claim_by_name_and_the_era_by_trace(posted: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    code, found, _ = run(capsys, "search", "ana", "rivera", "--json")
    assert code == 0
    assert [c["claim_id"] for c in found["claims"]] == ["PCN1001"]
    assert found["claims"][0]["payer_name"] == "ACME HEALTH PLAN"

    code, text, _ = run(capsys, "search", "0123456789")
    assert code == 0
    assert "eras (1)" in text and "ACME HEALTH PLAN" in text and "319.50" in text


def test_search_says_when_nothing_is_found_and_refuses_an_empty_text(
    posted: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "search", "nobody")
    assert code == 3 and "nothing found for 'nobody'" in err
    code, _, err = run(capsys, "search", "--", "-'")
    assert code == 1 and "q: type a claim id" in err and "Traceback" not in err


def test_claims_list_filters_by_account_status_and_payer(posted: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    code, claims, _ = run(capsys, "claims", "list", "--account", "ACC-5003", "--json")
    assert code == 0 and [c["claim_id"] for c in claims] == ["PCN1003", "PCN2002"]
    code, claims, _ = run(capsys, "claims", "list", "--status", "DENIED", "--json")
    assert code == 0 and [c["claim_id"] for c in claims] == ["PCN1002"]
    code, claims, _ = run(capsys, "claims", "list", "--payer", "1987654321", "--json")
    assert code == 0 and [c["claim_id"] for c in claims] == ["PCN2001", "PCN2002"]
    code, text, _ = run(capsys, "claims", "list", "--payer", "1411289245")
    assert code == 0 and "PCN1001" in text and "ACME HEALTH PLAN" in text and "PCN2001" not in text


def test_accounts_show_lists_every_claim_and_the_totals(posted: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    code, account, _ = run(capsys, "accounts", "show", "ACC-5003", "--json")
    assert code == 0
    assert [c["claim_id"] for c in account["claims"]] == ["PCN1003", "PCN2002"]
    assert account["totals"]["charge_amount"] == "550.00"
    code, text, _ = run(capsys, "accounts", "show", "ACC-5003")
    assert code == 0 and "James Okafor" in text and "charge amount" in text and "550.00" in text
    code, _, err = run(capsys, "accounts", "show", "ACC-0000")
    assert code == 3 and "no account 'ACC-0000'" in err
