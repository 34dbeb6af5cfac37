"""A biller works the follow-up queue from the page, in headless Chromium, on `remitflow local up`.

The samples leave one payment the poster could not place: PCN1099 ($75.00, a claim we do not hold;
the patient's claim is PCN1005). The biller finds it, applies it to PCN1005, and the claim's ledger
shows the payment.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from urllib.request import urlopen

import pytest
from tests.e2e.conftest import DEV_IDENTITY, LocalUp
from tests.support.synth835 import generate_835

pytestmark = pytest.mark.e2e

PAGE_SIZE = 50  # the page asks for this many follow-ups at a time


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_biller_applies_an_unplaced_payment_to_the_right_claim(local_up: LocalUp, page: Any) -> None:
    assert local_up.cli_json("claims", "show", "PCN1005")["insurance_paid"] == "0.00"

    page.goto(local_up.page_url)
    expect(page.get_by_test_id("count-claim_not_found")).to_contain_text("1")
    expect(page.get_by_test_id("count-denied")).to_contain_text("1")
    expect(page.locator("#rows tr[data-claim-id='PCN1001']")).to_be_visible()  # the underpaid claim, unfiltered

    page.get_by_test_id("count-claim_not_found").click()
    expect(page.locator("#f-type")).to_have_value("claim_not_found")
    expect(page.locator("#rows tr")).to_have_count(1)
    row = page.locator("#rows tr[data-claim-id='PCN1099']")
    expect(row.locator("[data-col=amount]")).to_have_text("$75.00")
    expect(row.locator("[data-col=type]")).to_have_text("Claim not found")

    row.get_by_role("button").click()
    expect(page.locator("#detail-title")).to_contain_text("PCN1099")
    expect(page.get_by_test_id("detail-status")).to_have_text("open")
    payment = page.get_by_test_id("payment-section")
    expect(payment).to_contain_text("835 claim payment")
    expect(payment.get_by_test_id("service-lines")).to_contain_text("99212")
    expect(payment.get_by_test_id("service-lines")).to_contain_text("CO-45 $15.00")

    page.get_by_role("button", name="Assign to me").click()
    expect(page.get_by_test_id("action-ok")).to_contain_text("Assigned")
    expect(row.locator("[data-col=assignee]")).to_have_text(DEV_IDENTITY)

    # A claim id that does not exist: the API's message is shown and nothing is resolved.
    page.get_by_label("Resolution").select_option("applied_to_claim")
    page.get_by_label("Claim id (patient control number)").fill("PCN0000")
    page.get_by_label("Note (required").fill("payer used old account number")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_test_id("action-error")).not_to_be_empty()
    expect(page.get_by_test_id("detail-status")).to_have_text("open")
    assert local_up.cli_json("claims", "show", "PCN1005")["insurance_paid"] == "0.00"

    page.get_by_label("Claim id (patient control number)").fill("PCN1005")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_test_id("detail-status")).to_contain_text("resolved")
    expect(page.get_by_test_id("action-error")).to_be_empty()
    expect(row.locator("[data-col=status]")).to_contain_text("resolved")
    history = page.get_by_test_id("history-section")
    expect(history).to_contain_text(DEV_IDENTITY)
    expect(history).to_contain_text("payer used old account number")
    expect(page.locator("#resolve-form")).to_be_hidden()

    claim = local_up.cli_json("claims", "show", "PCN1005")
    assert claim["insurance_paid"] == "75.00"
    assert claim["insurance_balance"] == "0.00"


def test_a_page_that_acted_on_a_stale_copy_shows_the_conflict(local_up: LocalUp, page: Any) -> None:
    """Two billers on one item: the second action, made on what the page showed before, gets 409."""
    other = page.context.new_page()
    for biller in (page, other):
        biller.goto(local_up.page_url)
        biller.locator("#rows tr[data-claim-id='PCN1002'] button").click()
        expect(biller.get_by_test_id("detail-status")).to_have_text("open")

    page.get_by_role("button", name="Assign to me").click()
    expect(page.get_by_test_id("action-ok")).to_contain_text("Assigned")

    other.get_by_label("Resolution").select_option("no_action")
    other.get_by_label("Note (required").fill("already handled by phone")
    other.get_by_role("button", name="Resolve").click()
    expect(other.get_by_test_id("action-error")).to_contain_text("(409)")
    expect(other.get_by_test_id("detail-status")).to_have_text("open")  # nothing resolved
    expect(other.locator("#detail-summary")).to_contain_text(f"assigned to {DEV_IDENTITY}")  # reloaded: what won
    other.close()


def test_a_long_worklist_is_paged(local_up: LocalUp, page: Any, tmp_path: Any) -> None:
    # An 835 for claims we do not hold: every one becomes a claim_not_found follow-up.
    body, _ = generate_835(20250116, claims_per_transaction=PAGE_SIZE + 15, max_lines_per_claim=1)
    remittance = tmp_path / "unknown-claims.835"
    remittance.write_bytes(body)
    # --wait 0: moto's S3 notifications carry no versionId, so upload's wait for this version's
    # summary cannot succeed locally; the follow-ups are awaited through the API instead.
    local_up.cli("upload", str(remittance), "--kind", "remittance", "--wait", "0")
    open_items = _wait_for_followups(local_up, "claim_not_found", more_than=PAGE_SIZE)

    page.goto(local_up.page_url)
    page.get_by_test_id("count-claim_not_found").click()
    expect(page.get_by_test_id("count-claim_not_found")).to_contain_text(str(open_items))
    expect(page.locator("#rows tr")).to_have_count(PAGE_SIZE)
    load_more = page.get_by_role("button", name="Load more")
    expect(load_more).to_be_visible()

    load_more.click()
    expect(page.locator("#rows tr")).to_have_count(open_items)
    expect(load_more).to_be_hidden()
    ages = [int(a) for a in page.locator("#rows [data-col=age]").all_inner_texts()]
    assert ages == sorted(ages, reverse=True), "oldest first"
    ids = page.locator("#rows tr").evaluate_all("rows => rows.map(r => r.dataset.followupId)")
    assert len(set(ids)) == open_items, "no follow-up twice across pages"


def test_deployed_page_signs_in_through_the_cognito_hosted_ui(local_up: LocalUp, page: Any) -> None:
    """Deployed, the API fills two attributes of <html> and answers 401 without a token; simulated here."""
    domain, client_id, token = "https://remitflow-test.auth.us-east-1.amazoncognito.com", "client123", "aaa.bbb.ccc"
    authorizations: list[str | None] = []

    def serve_page(route: Any) -> None:
        response = route.fetch()
        html = response.text().replace('data-cognito-domain=""', f'data-cognito-domain="{domain}"')
        route.fulfill(response=response, body=html.replace('data-client-id=""', f'data-client-id="{client_id}"'))

    def authorizer(route: Any, request: Any) -> None:
        authorizations.append(request.headers.get("authorization"))
        if request.headers.get("authorization") == f"Bearer {token}":
            route.continue_()
        else:
            route.fulfill(status=401, json={"message": "Unauthorized"})

    page.route(local_up.page_url, serve_page)
    page.route("**/api/**", authorizer)
    page.goto(local_up.page_url)
    sign_in = page.get_by_role("link", name="Sign in")
    expect(sign_in).to_be_visible()
    assert authorizations and set(authorizations) == {None}  # the codes' words and the list, unsigned
    href = urlsplit(sign_in.get_attribute("href"))
    query = dict(parse_qsl(href.query))
    assert f"{href.scheme}://{href.netloc}{href.path}" == f"{domain}/oauth2/authorize"
    assert query == {
        "response_type": "token",
        "client_id": client_id,
        "scope": "openid email",
        "redirect_uri": local_up.page_url,
    }

    # The hosted UI sends the browser back with the tokens in the fragment.
    page.goto("about:blank")
    page.goto(f"{local_up.page_url}#id_token={token}&access_token=xyz&token_type=Bearer&expires_in=3600")
    expect(page.locator("#rows tr").first).to_be_visible()
    expect(page.get_by_test_id("signin")).to_be_empty()
    assert authorizations[-1] == f"Bearer {token}"
    assert "id_token" not in page.url, "the token must leave the address bar"


def _open_count(local_up: LocalUp, followup_type: str) -> int:
    with urlopen(f"{local_up.page_url}api/followups?status=open&limit=1", timeout=30) as response:
        counts: dict[str, int] = json.load(response)["counts_by_type"]
    return int(counts.get(followup_type, 0))


def _wait_for_followups(local_up: LocalUp, followup_type: str, *, more_than: int) -> int:
    """The follow-up worker runs after the upload's summary is written: wait for the queue to settle."""
    deadline = time.monotonic() + 60
    count, last = -1, -2
    while time.monotonic() < deadline:
        count = _open_count(local_up, followup_type)
        if count > more_than and count == last:
            return count
        last = count
        time.sleep(1)
    pytest.fail(f"expected more than {more_than} open {followup_type} follow-ups, found {count}")
