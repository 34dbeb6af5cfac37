"""`remitflow parse FILE [--json]`: the summary, the JSON document and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from remitflow_cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "remittances"
ACME = SAMPLES / "acme-ach-2025-01-16.835"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["parse", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_document_has_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(ACME), "--json")
    assert code == 0 and err == ""
    document = json.loads(out)
    assert document["warnings"] == [] and document["errors"] == []
    (transaction,) = document["transactions"]
    assert transaction["control_number"] == "0001"
    payment = transaction["payment"]
    assert {k: payment[k] for k in ("handling_code", "amount", "credit_debit", "method")} == {
        "handling_code": "I",
        "amount": "319.50",
        "credit_debit": "C",
        "method": "ACH",
    }
    assert payment["effective_date"] == "2025-01-16"
    assert payment["trace_number"] == "0123456789" and payment["payer_identifier"] == "1411289245"
    assert transaction["payer"]["name"] == "ACME HEALTH PLAN" and transaction["payer"]["identifier"] == "41128"
    assert transaction["payee"]["npi"] == "1234567893"
    claim = transaction["claims"][0]
    assert claim["patient_control_number"] == "PCN1001"
    assert (claim["charge_amount"], claim["paid_amount"], claim["patient_responsibility"]) == (
        "250.00",
        "160.00",
        "30.00",
    )
    line = claim["service_lines"][0]
    assert line["procedure"] == {"qualifier": "HC", "code": "99214", "modifiers": [], "description": None}
    assert line["adjustments"] == [
        {"group": "CO", "reason": "45", "amount": "40.00", "quantity": None},
        {"group": "PR", "reason": "3", "amount": "30.00", "quantity": None},
    ]
    assert (line["units"], line["service_date"], line["line_control_number"], line["allowed_amount"]) == (
        "1",
        "2025-01-02",
        "PCN1001-1",
        "160.00",
    )
    assert transaction["claims"][1]["service_lines"][0]["remarks"] == ["N115"]
    assert transaction["provider_adjustments"] == [
        {
            "provider_identifier": "1234567893",
            "fiscal_period_date": "2025-12-31",
            "reason": "L6",
            "reference": None,
            "amount": "-4.50",
        }
    ]
    assert transaction["balanced"] is True and transaction["balance_errors"] == []


def test_money_is_never_a_json_number(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, str(ACME), "--json")

    def floats(value: object) -> list[object]:
        if isinstance(value, dict):
            return [f for v in value.values() for f in floats(v)]
        if isinstance(value, list):
            return [f for v in value for f in floats(v)]
        return [value] if isinstance(value, float) else []

    assert floats(json.loads(out)) == []


def test_summary_names_the_payment_and_the_outcome(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(ACME))
    assert code == 0
    assert "319.50 C by ACH" in out and "trace 0123456789" in out
    assert "2 processed as primary, 1 denied, 1 processed as primary, sent on" in out
    assert "balanced  yes" in out
    assert "RIVERA" not in out  # no patient names in the summary


def test_unreadable_file_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    garbage = tmp_path / "scan.pdf"
    garbage.write_bytes(b"%PDF-1.7\n\x00\x01binary")
    code, _, err = run(capsys, str(garbage))
    assert code == 2
    assert err.count("\n") == 1 and "expected an ISA interchange header" in err and "scan.pdf" in err


def test_837_only_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    claim_file = tmp_path / "claims.837"
    claim_file.write_text(ACME.read_text().replace("ST*835*0001", "ST*837*0001"))
    code, out, err = run(capsys, str(claim_file), "--json")
    assert code == 2
    assert "ST01" in err and "837" in err
    assert json.loads(out)["transactions"] == []


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, str(tmp_path / "nope.835"))
    assert code == 2 and "cannot open" in err


def test_problems_keep_exit_0_when_a_transaction_was_read(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.835"
    broken.write_text(ACME.read_text().replace("SE*57*0001", "SE*56*0001"))
    code, out, _ = run(capsys, str(broken), "--json")
    document = json.loads(out)
    assert code == 0
    assert [e["element"] for e in document["errors"]] == ["SE01"]
