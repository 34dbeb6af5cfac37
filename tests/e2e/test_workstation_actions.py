"""The billers' workstation, part 2, in headless Chromium on its own `remitflow local up`: undo a
misapplied payment and apply it again, an appeal that comes back due, and reconciliation by hand
(unmatch, match, classify). Its own stack: these tests change what the other page tests read.

The samples after the sweep of 2025-01-28: PCN1099's $75.00 that no claim of ours holds, PCN1001
underpaid, an ERA of $120.00 (trace 00044100) without its deposit, a $1,200.00 card settlement
without an ERA, and the matcher's probable match of ERA 00045321 ($50.00) with a $50.00 deposit.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.e2e.conftest import DEV_IDENTITY, LocalUp, running_local_up

pytestmark = pytest.mark.e2e

SAMPLES_SWEPT_ON = "2025-01-28"  # a week after the samples' last payment: what waited is overdue
LONE_ERA = "ERA#1987654321#00044100#120.00#2024-12-20"
PROBABLE_ERA = "ERA#1987654321#00045321#50.00#2025-01-21"


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalUp]:
    with running_local_up(tmp_path_factory.mktemp("actions"), with_samples=True) as running:
        running.cli("recon", "sweep", "--as-of", SAMPLES_SWEPT_ON)
        yield running


def open_followup(page: Any, stack: LocalUp, query: str, claim_id: str) -> None:
    page.goto(f"{stack.page_url}#/?{query}")
    page.locator(f"#rows tr[data-claim-id='{claim_id}'] button").click()
    expect(page.locator("#detail-title")).to_contain_text(claim_id)


def resolve(page: Any, resolution: str, note: str, **fields: str) -> None:
    page.locator("#resolution").select_option(resolution)
    for label, value in fields.items():
        page.get_by_label(label).fill(value)
    page.locator("#note").fill(note)
    page.locator("#resolve-submit").click()


def test_reopen_an_applied_payment_then_apply_it_to_the_right_claim(stack: LocalUp, page: Any) -> None:
    open_followup(page, stack, "type=claim_not_found", "PCN1099")
    resolve(page, "applied_to_claim", "payer used the old account", **{"Claim id (patient control number)": "PCN1005"})
    expect(page.get_by_test_id("detail-status")).to_have_text("resolved: applied to claim")
    assert stack.cli_json("claims", "show", "PCN1005")["insurance_paid"] == "75.00"

    # Resolved: the one action offered is reopening, and it needs a note.
    expect(page.locator("#resolve-form")).to_be_hidden()
    expect(page.get_by_test_id("reopen-form")).to_be_visible()
    page.locator("#reopen-submit").click()
    expect(page.get_by_test_id("detail-status")).to_contain_text("resolved")  # nothing sent without a note

    page.locator("#reopen-note").fill("wrong patient: PCN1005 is her sister's claim")
    page.locator("#reopen-submit").click()
    expect(page.get_by_test_id("detail-status")).to_have_text("open")
    expect(page.get_by_test_id("action-ok")).to_contain_text("Reopened")
    ledger = page.get_by_test_id("ledger-section")
    expect(ledger).to_contain_text("PCN1005")
    expect(ledger).to_contain_text("Postings (2)")  # the posting and its reversal: no history deleted
    expect(ledger.get_by_test_id("entries").last).to_contain_text("-$75.00")
    expect(page.get_by_test_id("history-section")).to_contain_text("her sister's claim")
    assert stack.cli_json("claims", "show", "PCN1005")["insurance_paid"] == "0.00"

    resolve(page, "applied_to_claim", "the right claim this time", **{"Claim id (patient control number)": "PCN1002"})
    expect(page.get_by_test_id("detail-status")).to_have_text("resolved: applied to claim")
    expect(ledger).to_contain_text("PCN1002")
    expect(ledger).to_contain_text("posted $75.00")
    assert stack.cli_json("claims", "show", "PCN1002")["insurance_paid"] == "75.00"
    assert stack.cli_json("claims", "show", "PCN1005")["insurance_paid"] == "0.00"


def test_a_reopen_raced_by_another_biller_says_someone_else_changed_it(stack: LocalUp, page: Any) -> None:
    open_followup(page, stack, "status=resolved&type=claim_not_found", "PCN1099")
    expect(page.get_by_test_id("reopen-form")).to_be_visible()
    resolved = stack.cli_json("followups", "list", "--status", "resolved", "--type", "claim_not_found")
    (followup,) = [f for f in resolved if f["claim_id"] == "PCN1099"]
    stack.cli("followups", "reopen", followup["id"], "--note", "reopened from the CLI first")

    page.locator("#reopen-note").fill("and again from the page")
    page.locator("#reopen-submit").click()
    expect(page.get_by_test_id("action-error")).to_contain_text("Someone else changed it first")
    expect(page.get_by_test_id("detail-status")).to_have_text("open")  # reloaded: what won
    assert stack.cli_json("claims", "show", "PCN1002")["insurance_paid"] == "0.00"  # reversed once


def test_an_appeal_waits_under_its_status_then_comes_back_due(stack: LocalUp, page: Any) -> None:
    today = datetime.now(UTC).date()
    due = today + timedelta(days=30)
    open_followup(page, stack, "type=underpaid", "PCN1001")
    resolve(page, "appealed", "sent the contract rate sheet", **{"Appeal due date": due.isoformat()})
    expect(page.get_by_test_id("detail-status")).to_have_text(f"appealed (due {due.isoformat()})")
    expect(page.get_by_test_id("followup-section")).to_contain_text(f"appeal due date{due:%b} {due.day}, {due.year}")

    page.goto(f"{stack.page_url}#/?status=appealed")
    expect(page.locator("#f-status-appealed")).to_have_text("appealed (1)")
    expect(page.locator("#rows tr")).to_have_count(1)
    row_status = page.locator("#rows tr[data-claim-id='PCN1001'] [data-col=status]")
    expect(row_status).to_have_text(f"appealed (due {due.isoformat()})")

    swept = stack.cli_json("recon", "sweep", "--as-of", (due + timedelta(days=1)).isoformat())
    assert swept["appeals_due"] == 1
    page.goto(f"{stack.page_url}#/?type=underpaid")
    status = page.locator("#rows tr[data-claim-id='PCN1001'] [data-col=status]")
    expect(status).to_have_text(f"open: appeal due since {due.isoformat()}")
    expect(page.locator("#f-status-appealed")).to_have_text("appealed (0)")


def test_unmatch_then_match_by_hand_and_the_report_follows(stack: LocalUp, page: Any) -> None:
    before = stack.cli_json("recon", "report", "--as-of", SAMPLES_SWEPT_ON)
    assert [d["amount"] for d in before["deposits_without_era"]] == ["1200.00"]

    page.goto(stack.page_url)
    page.get_by_test_id("nav-recon").click()
    view = page.get_by_test_id("view")
    expect(page.locator("#view-title")).to_have_text("Reconciliation")
    eras, deposits, matches = (view.get_by_test_id(t) for t in ("recon-eras", "recon-deposits", "recon-matches"))
    expect(eras.locator("tbody tr")).to_have_count(1)
    expect(eras).to_contain_text(LONE_ERA)
    expect(deposits.get_by_test_id("bank-text")).to_have_text("CARDCONNECT MERCH SETTLE 8843 BATCH 0115")
    expect(matches.locator("tbody tr")).to_have_count(2)

    probable = matches.locator("tbody tr", has_text=PROBABLE_ERA)
    probable.get_by_test_id("unmatch-note").fill("the $50.00 is a patient's check, not this ERA")
    probable.get_by_role("button", name="Unmatch").click()
    expect(view.get_by_test_id("recon-ok")).to_have_text("Match undone.")
    expect(matches.locator("tbody tr")).to_have_count(1)
    expect(eras.locator("tbody tr")).to_have_count(2)
    expect(deposits.locator("tbody tr")).to_have_count(2)
    after_unmatch = stack.cli_json("recon", "report", "--as-of", SAMPLES_SWEPT_ON)
    assert sorted(d["amount"] for d in after_unmatch["deposits_without_era"]) == ["1200.00", "50.00"]

    # Totals that differ ask to say so; equal ones do not.
    view.get_by_test_id(f"pick-era-{LONE_ERA}").check()
    lone_deposit = deposits.locator("tbody tr", has_text="1,200.00")
    lone_deposit.get_by_role("checkbox").check()
    expect(view.get_by_test_id("amounts-differ")).to_be_visible()
    view.get_by_test_id(f"pick-era-{LONE_ERA}").uncheck()
    lone_deposit.get_by_role("checkbox").uncheck()

    view.get_by_test_id(f"pick-era-{PROBABLE_ERA}").check()
    deposits.locator("tbody tr", has_text="$50.00").get_by_role("checkbox").check()
    expect(view.get_by_test_id("recon-totals")).to_contain_text("1 ERA(s), $50.00; 1 deposit(s), $50.00")
    expect(view.get_by_test_id("amounts-differ")).to_be_hidden()
    view.get_by_test_id("match-note").fill("called the payer: this EFT is that ERA after all")
    view.get_by_test_id("match-submit").click()
    expect(view.get_by_test_id("recon-ok")).to_have_text("Matched.")
    expect(matches.locator("tbody tr")).to_have_count(2)
    expect(matches.locator("tbody tr", has_text=PROBABLE_ERA)).to_contain_text(f"by {DEV_IDENTITY}")
    expect(eras.locator("tbody tr")).to_have_count(1)
    after_match = stack.cli_json("recon", "report", "--as-of", SAMPLES_SWEPT_ON)
    assert [d["amount"] for d in after_match["deposits_without_era"]] == ["1200.00"]

    # The deposit's own view offers the unmatch of its match.
    matches.locator("tbody tr", has_text=PROBABLE_ERA).locator("[data-col=deposits] a").click()
    expect(page.locator("#view-title")).to_contain_text("Deposit")
    expect(view.get_by_role("button", name="Unmatch")).to_be_visible()
    # And the ERA's.
    page.go_back()
    matches.locator("tbody tr", has_text=PROBABLE_ERA).locator("[data-col=eras] a").click()
    expect(page.locator("#view-title")).to_contain_text("trace 00045321")
    expect(view.get_by_role("button", name="Unmatch")).to_be_visible()


def test_classify_a_card_settlement_from_the_deposit_view(stack: LocalUp, page: Any) -> None:
    page.goto(f"{stack.page_url}#/recon")
    view = page.get_by_test_id("view")
    view.get_by_test_id("recon-deposits").locator("tbody tr", has_text="1,200.00").get_by_role("link").click()
    expect(view.get_by_test_id("bank-text")).to_have_text("CARDCONNECT MERCH SETTLE 8843 BATCH 0115")
    expect(view.get_by_test_id("deposit-match-link")).to_be_visible()

    view.get_by_test_id("classify-category").select_option("card_settlement")
    view.get_by_test_id("classify-note").fill("the card processor's batch of 01/15")
    view.get_by_role("button", name="Classify").click()
    expect(view.get_by_test_id("recon-ok")).to_have_text("Deposit classified as card settlement.")
    expect(view.get_by_test_id("recon-classified")).to_contain_text("card settlement")

    waiting = stack.cli_json("recon", "list", "--unmatched")
    assert waiting["deposits"] == []
    settled = stack.cli_json("followups", "list", "--status", "any", "--type", "deposit_without_era")
    assert {f["status"] for f in settled} == {"resolved"}
    page.goto(f"{stack.page_url}#/recon")
    expect(view.get_by_test_id("recon-deposits")).to_contain_text("Every deposit has its ERA.")
    expect(view.get_by_test_id("recon-classified")).to_contain_text(DEV_IDENTITY)


def test_write_off_what_the_patient_owes_with_a_patient_reason(stack: LocalUp, page: Any) -> None:
    assert stack.cli_json("claims", "show", "PCN1001")["patient_balance"] == "30.00"
    open_followup(page, stack, "type=underpaid", "PCN1001")
    page.locator("#resolution").select_option("written_off")
    expect(page.locator("#write-off-patient-reason")).to_be_hidden()
    page.get_by_label("Whose balance").select_option("patient")
    expect(page.locator("#write-off-reason")).to_be_hidden()
    offered = page.locator("#write-off-patient-reason option").evaluate_all("options => options.map(o => o.value)")
    assert offered == ["", "small_balance", "hardship", "courtesy"]
    page.get_by_label("Patient reason").select_option("hardship")
    page.locator("#write-off-amount").fill("30.00")
    page.locator("#note").fill("hardship form on file")
    page.locator("#resolve-submit").click()
    expect(page.get_by_test_id("detail-status")).to_have_text("resolved: written off")
    balances = page.get_by_test_id("ledger-section").get_by_test_id("balances")
    expect(balances.locator("tr[data-balance=patient_balance] td")).to_have_text("$0.00")
    expect(page.get_by_test_id("ledger-section")).to_contain_text("patient balance written off")
    assert stack.cli_json("claims", "show", "PCN1001")["patient_balance"] == "0.00"
