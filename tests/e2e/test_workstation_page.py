"""The billers' workstation in headless Chromium on `remitflow local up`: the worklist's chips and
filters (kept in the address), the keyboard, "my items", ages since the ERA and the service, codes
kept whole at 1280 px, and a denial's posting read in codes. Screenshots of the views go to
docs/screenshots/ (1280x800) for the README.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from tests.e2e.conftest import DEV_IDENTITY, ROOT, LocalUp

from remitflow.domain.followups import PERSON_FACING_TYPES

pytestmark = pytest.mark.e2e

SCREENSHOTS = ROOT / "docs" / "screenshots"
SAMPLES_SWEPT_ON = "2025-01-28"  # a week after the samples' last payment: what waited is overdue


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


@pytest.fixture(scope="module")
def swept(local_up: LocalUp) -> LocalUp:
    """The daily sweep has run: the samples' unmatched ERA and deposit are follow-ups."""
    local_up.cli("recon", "sweep", "--as-of", SAMPLES_SWEPT_ON)
    return local_up


@pytest.fixture
def desk(browser: Any) -> Iterator[Any]:
    """A 1280x800 page (a laptop), JavaScript errors failing the test like `page` does."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def expect_only(page: Any, followup_type: str) -> None:
    """The list shows follow-ups of this type and no other (waiting for the list to be redrawn)."""
    expect(page.locator(f"#rows tr:not([data-type={followup_type}])")).to_have_count(0)
    expect(page.locator(f"#rows tr[data-type={followup_type}]").first).to_be_visible()


def test_every_type_is_offered_and_each_chip_filters_the_list(swept: LocalUp, page: Any) -> None:
    page.goto(swept.page_url)
    # Every type a person works (appeal_answered is a message to the worklist, never an item of its own),
    # as the API lists them with the codes' words.
    types = ["", *(t.value for t in PERSON_FACING_TYPES)]
    expect(page.locator("#f-type option")).to_have_count(len(types))
    assert page.locator("#f-type option").evaluate_all("options => options.map(o => o.value)") == types

    for followup_type in ("era_without_deposit", "deposit_without_era"):
        page.get_by_test_id(f"count-{followup_type}").click()
        expect(page.locator("#f-type")).to_have_value(followup_type)
        expect_only(page, followup_type)
        assert f"type={followup_type}" in page.url
    screenshot(page, "worklist-chip")


def test_any_status_asks_for_a_type_instead_of_showing_a_stale_list(swept: LocalUp, page: Any) -> None:
    page.goto(swept.page_url)
    expect(page.locator("#rows tr").first).to_be_visible()

    page.locator("#f-status").select_option("any")
    expect(page.get_by_test_id("list-status")).to_contain_text("choose a type")
    expect(page.locator("#rows tr")).to_have_count(0)
    expect(page.locator("#list-error")).to_be_empty()

    page.locator("#f-type").select_option("denied")
    expect_only(page, "denied")


def test_filters_live_in_the_address_through_reload_back_and_forward(swept: LocalUp, page: Any) -> None:
    page.goto(f"{swept.page_url}#/?status=open&type=denied")
    expect(page.locator("#f-type")).to_have_value("denied")
    expect_only(page, "denied")

    page.reload()
    expect(page.locator("#f-type")).to_have_value("denied")
    expect_only(page, "denied")

    page.get_by_test_id("count-underpaid").click()
    expect(page.locator("#f-type")).to_have_value("underpaid")
    expect_only(page, "underpaid")
    page.go_back()
    expect(page.locator("#f-type")).to_have_value("denied")
    expect_only(page, "denied")
    page.go_forward()
    expect(page.locator("#f-type")).to_have_value("underpaid")


def test_the_keyboard_moves_opens_and_searches(swept: LocalUp, page: Any) -> None:
    page.goto(swept.page_url)
    rows = page.locator("#rows tr")
    expect(rows.first).to_be_visible()
    ids = rows.evaluate_all("rows => rows.map(r => r.dataset.followupId)")
    assert len(ids) >= 2

    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(rows.nth(0).locator("button")).to_be_focused()
    page.keyboard.press("j")
    expect(rows.nth(1).locator("button")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("detail")).to_have_attribute("data-open", ids[1])
    assert page.url.endswith(f"#/followups/{ids[1]}")

    page.keyboard.press("/")
    expect(page.locator("#search-box")).to_be_focused()
    page.keyboard.type("j")  # typing in the box is text, not a move
    expect(page.locator("#search-box")).to_have_value("j")


def test_my_items_are_those_assigned_to_me(swept: LocalUp, page: Any) -> None:
    page.goto(f"{swept.page_url}#/?type=underpaid")
    page.locator("#rows tr[data-type=underpaid] button").first.click()
    page.get_by_role("button", name="Assign to me").click()
    expect(page.get_by_test_id("action-ok")).to_contain_text("Assigned")

    page.get_by_test_id("nav-mine").click()
    expect(page.locator("#f-mine")).to_be_checked()
    expect(page.locator("#rows tr").first).to_be_visible()
    assignees = set(page.locator("#rows [data-col=assignee]").all_inner_texts())
    assert assignees == {DEV_IDENTITY}
    assert "mine=true" in page.url


def test_at_1280_px_ages_count_from_the_era_codes_stay_whole_and_nothing_hides(swept: LocalUp, desk: Any) -> None:
    desk.goto(f"{swept.page_url}#/?type=underpaid")
    row = desk.locator("#rows tr[data-claim-id='PCN1001']")
    expect(row).to_be_visible()
    # The samples' ERA was paid on 2025-01-16 and the claim served before: not "age 0".
    since_era = int(row.locator("[data-col=age]").inner_text())
    since_service = int(row.locator("[data-col=service-age]").inner_text())
    assert since_era >= 300 and since_service > since_era
    # Each code on one line ("CO-45", never "CO-" / "45").
    lines = desk.locator("#rows .code").evaluate_all("codes => codes.map(c => c.getClientRects().length)")
    assert lines and set(lines) == {1}

    row.locator("button").click()
    detail = desk.get_by_test_id("detail")
    expect(detail).to_have_attribute("data-open", row.get_attribute("data-followup-id"))
    pane = detail.bounding_box()
    status = row.locator("[data-col=status]").bounding_box()
    assert status["x"] + status["width"] <= pane["x"], "the Status column is not under the detail pane"
    shortfall = desk.get_by_test_id("followup-section").locator("td[data-col=shortfall]").first
    expect(shortfall).to_have_text("$15.00")
    box = shortfall.bounding_box()
    assert box["x"] + box["width"] <= pane["x"] + pane["width"], "the shortfall is on screen"
    screenshot(desk, "worklist-underpaid")


def test_a_denied_posting_reads_in_codes_not_an_empty_table(swept: LocalUp, desk: Any) -> None:
    desk.goto(f"{swept.page_url}#/?type=denied")
    desk.locator("#rows tr[data-claim-id='PCN1002'] button").click()
    ledger = desk.get_by_test_id("ledger-section")
    note = ledger.get_by_test_id("no-entries")
    expect(note).to_contain_text("denied")
    expect(note).to_contain_text("CO-50")
    expect(ledger.get_by_test_id("entries")).to_have_count(0)
    # The codes in words, from the API's table (GET /api/codes).
    reasons = desk.get_by_test_id("followup-section").locator("[data-field=reason_codes] .code-word")
    expect(reasons).to_have_count(2)
    expect(reasons.nth(0).locator(".word")).not_to_be_empty()
    screenshot(desk, "followup-denied")


def test_follow_up_to_its_era_to_the_deposit_and_back(swept: LocalUp, desk: Any) -> None:
    desk.goto(f"{swept.page_url}#/?type=denied")
    desk.locator("#rows tr[data-claim-id='PCN1002'] button").click()
    followup_url = desk.url
    desk.get_by_test_id("link-era").click()

    view = desk.get_by_test_id("view")
    denied = view.get_by_test_id("era-claims").locator("tr[data-claim-id='PCN1002']")
    expect(denied.locator("[data-col=outcome]")).to_have_text("denied")
    expect(denied.locator("[data-col=cas]")).to_contain_text("CO-50 $120.00")
    expect(denied.locator("[data-col=status-code] .code")).to_have_text("4")
    expect(view.get_by_test_id("era-plb")).to_contain_text("PLB-L6")
    expect(view.get_by_test_id("era-deposit")).to_have_attribute("data-status", "matched")
    assert "#/eras/" in desk.url
    era_url = desk.url
    screenshot(desk, "era")

    view.get_by_test_id("era-deposit-link").click()
    expect(view.get_by_test_id("bank-text")).to_contain_text("TRN*1*0123456789")
    screenshot(desk, "deposit")
    view.get_by_test_id("deposit-eras").get_by_role("link").first.click()
    expect(desk).to_have_url(era_url)  # deposit -> ERA: the same one
    expect(view.get_by_test_id("era-claims")).to_be_visible()

    desk.go_back()
    expect(view.get_by_test_id("bank-text")).to_be_visible()
    desk.go_back()
    expect(view.get_by_test_id("era-claims")).to_be_visible()
    desk.go_back()  # the ERA's address replaced the trace look-up: one step back is the follow-up
    expect(desk).to_have_url(followup_url)
    expect(desk.get_by_test_id("detail")).to_be_visible()
    expect(desk.locator("#detail-title")).to_contain_text("PCN1002")


def test_an_era_prints_as_an_eob_without_navigation_or_buttons(swept: LocalUp, desk: Any) -> None:
    desk.goto(f"{swept.page_url}#/eras?trace=0123456789&payer=1411289245")
    claims = desk.get_by_test_id("era-claims")
    expect(claims).to_be_visible()
    expect(desk.get_by_test_id("print")).to_be_visible()
    expect(desk.locator("header.top")).to_be_visible()

    desk.emulate_media(media="print")
    expect(desk.locator("header.top")).to_be_hidden()
    expect(desk.get_by_test_id("print")).to_be_hidden()
    expect(desk.get_by_test_id("download")).to_be_hidden()
    expect(desk.locator(".eob-title")).to_be_visible()
    expect(claims.locator("tr[data-claim-id='PCN1001']")).to_be_visible()
    expect(desk.get_by_test_id("era-plb")).to_be_visible()
    screenshot(desk, "era-eob-print")


def test_search_then_claim_account_era_deposit_and_back(swept: LocalUp, desk: Any) -> None:
    desk.goto(swept.page_url)
    desk.keyboard.press("/")
    desk.keyboard.type("PCN1002")
    desk.keyboard.press("Enter")
    claims = desk.get_by_test_id("results-claims")
    expect(claims.locator("tr[data-claim-id='PCN1002']")).to_be_visible()
    screenshot(desk, "search")

    claims.get_by_role("link", name="PCN1002").click()
    expect(desk).to_have_url(re.compile(r"#/claims/PCN1002$"))
    view = desk.get_by_test_id("view")
    expect(view.get_by_test_id("balances").locator("[data-balance=insurance_balance]")).to_contain_text("$120.00")
    expect(view.get_by_test_id("unposted")).to_contain_text("denied")
    expect(view.get_by_test_id("claim-followups").get_by_role("link", name="Denied")).to_be_visible()
    screenshot(desk, "claim")

    view.get_by_test_id("claim-account").click()
    expect(view.get_by_test_id("account-claims").locator("tr[data-claim-id='PCN1002']")).to_be_visible()
    expect(view.get_by_test_id("totals")).to_be_visible()
    screenshot(desk, "account")
    desk.go_back()
    expect(desk).to_have_url(re.compile(r"#/claims/PCN1002$"))

    view.get_by_test_id("claim-eras").get_by_role("link").first.click()
    era_claims = view.get_by_test_id("era-claims")
    expect(era_claims).to_be_visible()
    era_url = desk.url
    expect(era_claims.locator("tr[data-claim-id='PCN1002'] [data-col=outcome]")).to_contain_text("denied")
    expect(era_claims.locator("tr[data-claim-id='PCN1002'] [data-col=cas]")).to_contain_text("CO-50")
    expect(view.get_by_test_id("era-deposit")).to_have_attribute("data-status", "matched")
    expect(era_claims.locator("tr[data-claim-id='PCN1002']").get_by_role("link", name="PCN1002")).to_be_visible()

    view.get_by_test_id("era-deposit-link").click()
    expect(view.get_by_test_id("bank-text")).not_to_be_empty()
    deposit_eras = view.get_by_test_id("deposit-eras")
    expect(deposit_eras.get_by_role("link").first).to_be_visible()
    deposit_eras.get_by_role("link").first.click()
    expect(desk).to_have_url(era_url)  # deposit -> ERA: the same ERA

    for _ in range(3):  # ERA <- deposit <- ERA <- claim
        desk.go_back()
    expect(desk).to_have_url(re.compile(r"#/claims/PCN1002$"))
    desk.go_back()
    expect(desk.get_by_test_id("results-claims")).to_be_visible()
