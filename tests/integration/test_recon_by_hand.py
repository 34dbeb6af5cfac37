"""Reconciliation by hand on moto, through WorklistApi and `remitflow recon`: undo the matcher's
match, make it again by hand, classify the card settlement, and see the report change."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from tests.integration.conftest import SAMPLES, Harness
from tests.integration.test_worklist_api import ACME, call

from remitflow import runtime
from remitflow.domain.recon_models import StoredMatch
from remitflow_cli import main

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning")
BAI = "deposits/first-national-2025-01-16.bai"
SUMMIT = "remittances/summit-check-2025-01-21.835"
CHECK_ERA = "ERA#1987654321#00045321#50.00#2025-01-21"


@pytest.fixture
def banked(harness: Harness) -> Harness:
    harness.load_sample_reference_data()
    harness.deliver(ACME, SAMPLES / ACME)
    harness.deliver(BAI, SAMPLES / BAI)
    harness.deliver(SUMMIT, SAMPLES / SUMMIT)
    return harness


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    capsys.readouterr()
    code = main(["recon", *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out) if "--json" in argv and code == 0 else out, err


def report(harness: Harness) -> dict[str, Any]:
    return runtime.reconciliation(harness.settings, harness.stores).report(date(2025, 1, 31))


def test_unmatch_and_match_again_through_the_api(banked: Harness) -> None:
    matches = call(banked, "GET", "/api/recon/matches").body["matches"]
    (probable,) = [m for m in matches if m["era_ids"] == [CHECK_ERA]]

    undone = call(banked, "POST", f"/api/recon/matches/{probable['match_id']}/unmatch", body={"note": "not ours"})

    assert undone.status == 200, undone.body
    assert [e["era_id"] for e in undone.body["eras"]] == [CHECK_ERA]
    assert len(report(banked)["matched"]) == 1
    recon = runtime.reconciliation(banked.settings, banked.stores)
    assert recon.reconcile(source="test").matched == 0  # the matcher leaves what a person took apart
    store = banked.stores.reconciliation
    eras, deposits, posted = store.open_items()
    stale = StoredMatch.model_validate(probable | {"era_amount": "50.00", "deposit_amount": "50.00"}).match
    waiting = ([e for e in eras if e.era_id == CHECK_ERA], [d for d in deposits if d.amount == Decimal("50.00")])
    assert store.commit_match(stale, *waiting, posted) is False  # even a matcher that read it before
    waiting = call(banked, "GET", "/api/recon/unmatched").body
    (check,) = [d for d in waiting["deposits"] if d["amount"] == "50.00"]
    body = {"era_ids": [CHECK_ERA], "deposit_ids": [check["deposit_id"]], "note": "check stub seen"}

    made = call(banked, "POST", "/api/recon/matches", body=body)

    assert made.status == 200, made.body
    assert (made.body["confidence"], made.body["audit"]["by"]) == ("manual", "ana@lakeside.example")
    assert len(report(banked)["matched"]) == 2
    again = call(banked, "POST", "/api/recon/matches", body=body)
    assert again.status == 400 and again.body["message"].startswith("era_ids: ERA")
    gone = call(banked, "POST", f"/api/recon/matches/{probable['match_id']}x/unmatch", body={"note": "n"})
    assert gone.status == 404


def test_the_cli_lists_classifies_and_refuses_differing_amounts(
    banked: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    code, waiting, _ = run(capsys, "list", "--unmatched", "--json")
    assert code == 0
    (card,) = waiting["deposits"]
    assert (card["amount"], card["bank_text"]) == ("1200.00", "CARDCONNECT MERCH SETTLE 8843 BATCH 0115")

    code, _, err = run(
        capsys, "match", "--era", CHECK_ERA, "--deposit", card["deposit_id"], "--note", "n", "--as", "bo"
    )
    assert code == 1 and "is not waiting" in err  # the check's ERA is matched already

    code, classified, err = run(
        capsys,
        "classify",
        card["deposit_id"],
        "--as",
        "card_settlement",
        "--note",
        "CardConnect",
        "--by",
        "bo",
        "--json",
    )
    assert code == 0, err
    assert classified["classification"]["category"] == "card_settlement"
    code, waiting, _ = run(capsys, "list", "--unmatched", "--json")
    assert waiting == {"eras": [], "deposits": []}
    assert report(banked)["deposits_without_era"] == []
    assert [(c["category"], c["amount"]) for c in report(banked)["classified"]] == [("card_settlement", "1200.00")]
    code, text, _ = run(capsys, "report", "--as-of", "2025-01-31")
    assert code == 0 and "classified deposit   trace -" in text and "card_settlement by bo" in text
    code, _, err = run(capsys, "classify", card["deposit_id"], "--as", "other", "--note", "again", "--by", "bo")
    assert code == 1 and "DEPOSIT_ID: deposit" in err
    code, listed, _ = run(capsys, "list", "--json")
    assert [c["category"] for c in listed["classified"]] == ["card_settlement"]
