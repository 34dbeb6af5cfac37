"""The ERA and deposit views on moto, through WorklistApi and the CLI: every sample ERA shows,
balances and names its deposit; every sample credit shows its status and ERAs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.integration.conftest import SAMPLES, Harness
from tests.integration.test_worklist_api import Reply, call

from remitflow_cli import main

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning")
BANK = "deposits/first-national-2025-01-16.bai"
EXPECTED = {  # trace -> (payer name, amount, claims, deposit status)
    "00044100": ("SUMMIT MUTUAL", "120.00", 1, "waiting"),
    "0123456789": ("ACME HEALTH PLAN", "319.50", 4, "matched"),
    "00045321": ("SUMMIT MUTUAL", "50.00", 3, "probable"),
}


@pytest.fixture(scope="module")
def stack(deployed: Harness) -> Harness:
    """The samples posted once for the module: the views only read."""
    deployed.reset()
    deployed.load_sample_reference_data()
    for path in sorted((SAMPLES / "remittances").glob("*.835")):
        deployed.deliver(f"remittances/{path.name}", path)
    deployed.deliver(BANK, SAMPLES / BANK)
    return deployed


def get(stack: Harness, path: str, **query: str) -> Reply:
    return call(stack, "GET", path, query=query or None)


def test_every_sample_era_shows_balances_and_names_its_deposit(stack: Harness) -> None:
    listed = get(stack, "/api/eras")
    assert listed.status == 200 and listed.body["next_cursor"] is None
    by_trace = {e["trace_number"]: e for e in listed.body["items"]}
    assert [e["payment_date"] for e in listed.body["items"]] == ["2024-12-20", "2025-01-16", "2025-01-21"]
    for trace, (payer, amount, claims, deposit) in EXPECTED.items():
        summary = by_trace[trace]
        assert (summary["payer_name"], summary["payment_amount"], summary["claims_count"]) == (payer, amount, claims)
        assert summary["deposit_status"] == deposit and summary["balanced"] is True
        era = get(stack, f"/api/eras/{summary['era_id']}")
        assert era.status == 200
        assert len(era.body["claims"]) == claims and era.body["claims_next_cursor"] is None
        assert era.body["invariant"]["holds"] is True and era.body["invariant"]["difference"] == "0.00"
        assert era.body["deposit"]["status"] == deposit
        assert all(c["outcome"] and c["charge_amount"] for c in era.body["claims"])


def test_an_era_reads_its_claims_with_patients_cas_and_plb_from_dynamodb(stack: Harness) -> None:
    (acme,) = get(stack, "/api/eras", trace="0123456789").body["items"]
    era = get(stack, f"/api/eras/{acme['era_id']}").body
    first = era["claims"][0]
    assert (first["claim_id"], first["account_id"], first["patient_name"]) == ("PCN1001", "ACC-5001", "Ana Rivera")
    assert first["adjustments"] == [
        {"group": "CO", "reason": "45", "amount": "60.00"},
        {"group": "PR", "reason": "3", "amount": "30.00"},
    ]
    assert [(c["claim_id"], c["outcome"]) for c in era["claims"]] == [
        ("PCN1001", "posted"),
        ("PCN1002", "denied"),
        ("PCN1003", "forwarded"),
        ("PCN1099", "not_found"),
    ]
    assert era["provider_adjustments"] == [
        {"reason": "L6", "reference": None, "amount": "-4.50", "provider_id": "1234567893"}
    ]
    assert era["payee"]["name"] == "LAKESIDE FAMILY MEDICINE" and era["dates"]["production_date"] == "2025-01-14"
    deposit = era["deposit"]
    assert (deposit["status"], deposit["amount"], deposit["date"]) == ("matched", "319.50", "2025-01-16")
    paged = get(stack, f"/api/eras/{acme['era_id']}", limit="3").body
    rest = get(stack, f"/api/eras/{acme['era_id']}", limit="3", cursor=paged["claims_next_cursor"]).body
    assert [c["claim_id"] for c in paged["claims"] + rest["claims"]] == ["PCN1001", "PCN1002", "PCN1003", "PCN1099"]
    assert rest["claims_next_cursor"] is None


def test_eras_are_listed_by_payer_and_dates(stack: Harness) -> None:
    summit = get(stack, "/api/eras", payer="1987654321").body["items"]
    assert [e["trace_number"] for e in summit] == ["00044100", "00045321"]
    january = get(stack, "/api/eras", **{"from": "2025-01-01", "to": "2025-01-20"}).body["items"]
    assert [e["trace_number"] for e in january] == ["0123456789"]
    first = get(stack, "/api/eras", limit="2").body
    rest = get(stack, "/api/eras", limit="2", cursor=first["next_cursor"]).body
    assert [e["trace_number"] for e in first["items"] + rest["items"]] == list(EXPECTED)


def test_errors_name_the_field_and_unknown_ids_are_404(stack: Harness) -> None:
    assert get(stack, "/api/eras/RVJBI3Vua25vd24").status == 404
    missing = get(stack, "/api/eras/not-an-era")
    assert missing.status == 404 and "not-an-era" in missing.body["message"]
    bad_date = get(stack, "/api/eras", **{"from": "2025-13-01"})
    assert bad_date.status == 400 and bad_date.body["message"].startswith("from:")
    bad_cursor = get(stack, "/api/eras", cursor="bm9wZQ")
    assert bad_cursor.status == 400 and bad_cursor.body["message"].startswith("cursor:")
    assert get(stack, "/api/deposits/nope").status == 404
    assert get(stack, "/api/deposits", status="lost").status == 400
    assert call(stack, "GET", "/api/eras", identity=None).status == 401
    assert call(stack, "GET", "/api/deposits", identity=None).status == 401


def test_deposits_show_their_bank_text_status_and_eras(stack: Harness) -> None:
    listed = get(stack, "/api/deposits")
    assert listed.status == 200
    by_amount = {d["amount"]: d for d in listed.body["items"]}
    assert {a: d["status"] for a, d in by_amount.items()} == {
        "319.50": "matched",
        "1200.00": "unmatched",
        "50.00": "probable",
    }
    ach = get(stack, f"/api/deposits/{by_amount['319.50']['deposit_id']}").body
    assert "TRN*1*0123456789" in ach["bank_text"] and ach["format"] == "bai2"
    assert [e["trace_number"] for e in ach["eras"]] == ["0123456789"]
    assert ach["eras"][0]["deposit_status"] == "matched" and ach["match"]["confidence"] == "exact"
    unmatched = get(stack, "/api/deposits", status="unmatched").body["items"]
    assert [d["amount"] for d in unmatched] == ["1200.00"]


# -------------------------------------------------------------------------------------------- CLI


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, json.loads(out) if "--json" in argv and code == 0 else out, err


def test_cli_lists_and_shows_eras(stack: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    code, items, _ = run(capsys, "eras", "list", "--payer", "1987654321", "--json")
    assert code == 0 and [e["trace_number"] for e in items] == ["00044100", "00045321"]
    code, era, _ = run(capsys, "eras", "show", "00045321", "--json")
    assert code == 0
    required = {"trace_number", "payer_id", "payer_name", "payment_amount", "payment_date", "claims"}
    assert required | {"provider_adjustments", "balanced", "deposit"} <= set(era)
    assert {"claim_id", "charge_amount", "paid_amount", "patient_responsibility", "outcome"} <= set(era["claims"][0])
    assert [(c["status_code"], c["outcome"]) for c in era["claims"]] == [
        ("22", "reversed"),
        ("1", "posted"),
        ("2", "posted"),
    ]
    assert era["deposit"]["status"] == "probable" and era["balanced"] is True
    code, text, _ = run(capsys, "eras", "show", "0123456789")
    assert code == 0 and "PCN1002" in text and "CO-50 120.00" in text and "(ok)" in text
    assert "deposit matched" in text and "PLB L6" in text
    code, _, err = run(capsys, "eras", "show", "99999")
    assert code == 3 and "no ERA with trace '99999'" in err
    code, text, _ = run(capsys, "eras", "list", "--from", "2025-01-01")
    assert code == 0 and "00044100" not in text and "deposit probable" in text


def test_cli_lists_and_shows_deposits(stack: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    code, items, _ = run(capsys, "deposits", "list", "--status", "probable", "--json")
    assert code == 0 and [d["amount"] for d in items] == ["50.00"]
    code, text, _ = run(capsys, "deposits", "show", items[0]["deposit_id"])
    assert code == 0 and "REMOTE DEPOSIT CAPTURE" in text and "trace 00045321" in text
    code, _, err = run(capsys, "deposits", "show", "nope")
    assert code == 3 and "no deposit 'nope'" in err


# ------------------------------------------------------------------------------------------ exports


def test_the_download_buttons_get_csv_attachments(stack: Harness) -> None:
    (acme,) = get(stack, "/api/eras", trace="0123456789").body["items"]
    era = get(stack, "/api/export/era", id=acme["era_id"])
    assert era.status == 200 and era.headers["Content-Type"].startswith("text/csv")
    assert era.headers["Content-Disposition"] == 'attachment; filename="era-0123456789-2025-01-16.csv"'
    lines = era.body.splitlines()
    assert lines[0].startswith("kind,trace_number,payer_id,payer_name") and len(lines) == 1 + 4 + 1 + 1
    claim = get(stack, "/api/export/claim", id="PCN1001")
    assert claim.status == 200 and "contractual_adjustment,CO,45,40.00" in claim.body
    account = get(stack, "/api/export/account", id="ACC-5003")
    assert account.status == 200 and "PCN1003" in account.body and "PCN2002" in account.body
    worklist = get(stack, "/api/export/worklist", type="denied")
    assert worklist.status == 200 and worklist.body.count("\n") == 2 and ",PCN1002," in worklist.body
    recon = get(stack, "/api/export/recon", date="2025-01-28")
    assert recon.headers["Content-Disposition"] == 'attachment; filename="reconciliation-2025-01-28.csv"'
    assert recon.body.startswith("kind,name,trace_number") and "deposit_without_era" in recon.body


def test_a_download_names_what_is_missing(stack: Harness) -> None:
    assert get(stack, "/api/export/everything").status == 400
    needs_id = get(stack, "/api/export/claim")
    assert needs_id.status == 400 and needs_id.body["message"].startswith("id:")
    assert get(stack, "/api/export/claim", id="PCN0000").status == 404
    assert get(stack, "/api/export/recon", date="yesterday").status == 400
    assert call(stack, "GET", "/api/export/recon", identity=None).status == 401


def test_cli_exports_to_a_file(stack: Harness, capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    target = tmp_path / "era.csv"
    code, _, _ = run(capsys, "export", "era", "00045321", "-o", str(target))
    assert code == 0
    rows = target.read_text().splitlines()
    assert rows[1].startswith("claim,00045321,1987654321,SUMMIT MUTUAL,2025-01-21,PCN2001")
    assert any(r.startswith("provider_adjustment,") and ",WO,RECOUP2024A,25.00" in r for r in rows)
    assert not list(tmp_path.glob("*.partial"))
    code, out, _ = run(capsys, "export", "account", "ACC-5001")
    assert code == 0 and out.startswith("account_id,claim_id") and "ACC-5001,PCN1001" in out
    code, _, err = run(capsys, "export", "claim", "PCN0000")
    assert code == 3 and "no claim 'PCN0000'" in err
    code, out, _ = run(capsys, "export", "recon", "--date", "2025-01-28")
    assert code == 0 and "era_without_deposit" in out
    code, out, _ = run(capsys, "export", "worklist", "--type", "denied")
    assert code == 0 and ",PCN1002," in out
