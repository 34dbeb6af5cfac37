"""The page's sign-in, in headless Chromium on `remitflow local up`, with the deployed stack simulated:
the API fills the two attributes of <html>, answers 401 without a token, and Cognito's hosted UI and
token endpoint are stood in for by routes. Authorization code with PKCE; tokens only in memory."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from tests.e2e.conftest import LocalUp

pytestmark = pytest.mark.e2e

DOMAIN, CLIENT_ID, TOKEN = "https://remitflow-test.auth.us-east-1.amazoncognito.com", "client123", "aaa.bbb.ccc"
SIGNIN = "const m = await import('./static/signin.js'); await m.startSession();"


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def challenge_of(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def deployed(page: Any, local_up: LocalUp, exchanges: list[dict[str, str]], authorizations: list[str | None]) -> None:
    def serve_page(route: Any) -> None:
        response = route.fetch()
        html = response.text().replace('data-cognito-domain=""', f'data-cognito-domain="{DOMAIN}"')
        route.fulfill(response=response, body=html.replace('data-client-id=""', f'data-client-id="{CLIENT_ID}"'))

    def authorizer(route: Any, request: Any) -> None:
        authorizations.append(request.headers.get("authorization"))
        if request.headers.get("authorization") == f"Bearer {TOKEN}":
            route.continue_()
        else:
            route.fulfill(status=401, json={"message": "Unauthorized"})

    def token_endpoint(route: Any, request: Any) -> None:
        form = dict(parse_qsl(request.post_data or ""))
        exchanges.append(form)
        pending = exchanges[0].get("expected_challenge", "")
        if form.get("code") == "the-code" and challenge_of(form.get("code_verifier", "")) == pending:
            body = {"id_token": TOKEN, "access_token": "xyz", "token_type": "Bearer", "expires_in": 3600}
            route.fulfill(status=200, json=body, headers={"access-control-allow-origin": "*"})
        else:
            route.fulfill(status=400, json={"error": "invalid_grant"}, headers={"access-control-allow-origin": "*"})

    page.route(f"{local_up.page_url}?*", serve_page)
    page.route(local_up.page_url, serve_page)
    page.route("**/api/**", authorizer)
    page.route(f"{DOMAIN}/oauth2/token", token_endpoint)


def test_sign_in_is_the_code_flow_with_pkce_and_the_token_stays_in_memory(local_up: LocalUp, page: Any) -> None:
    exchanges: list[dict[str, str]] = []
    authorizations: list[str | None] = []
    deployed(page, local_up, exchanges, authorizations)

    page.goto(local_up.page_url)
    url = page.evaluate(f"async () => {{ {SIGNIN} return m.signInUrl(); }}")
    href = urlsplit(url)
    query = dict(parse_qsl(href.query))
    assert f"{href.scheme}://{href.netloc}{href.path}" == f"{DOMAIN}/oauth2/authorize"
    assert {k: query[k] for k in ("response_type", "client_id", "scope", "redirect_uri", "code_challenge_method")} == {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "scope": "openid email",
        "redirect_uri": local_up.page_url,
        "code_challenge_method": "S256",
    }
    assert len(query["state"]) >= 16 and len(query["code_challenge"]) == 43
    exchanges.append({"expected_challenge": query["code_challenge"]})  # what the token endpoint checks

    # The hosted UI sends the browser back with a one-time code and the state it was given.
    page.goto(f"{local_up.page_url}?code=the-code&state={query['state']}")
    assert page.evaluate(f"async () => {{ {SIGNIN} return m.token(); }}") == TOKEN
    (exchange,) = exchanges[1:]
    assert exchange["grant_type"] == "authorization_code" and exchange["client_id"] == CLIENT_ID
    assert exchange["redirect_uri"] == local_up.page_url
    assert "code" not in urlsplit(page.url).query, "the code must leave the address bar"
    stored = page.evaluate("() => JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)])")
    assert TOKEN not in stored and "the-code" not in stored, "tokens are kept in memory only"

    # The page's requests carry the token; a reload forgets it (memory only).
    send = "async () => { const m = await import('./static/signin.js');"
    send += " await fetch('api/followups?limit=1', {headers: {authorization: 'Bearer ' + m.token()}}); }"
    page.evaluate(send)
    assert authorizations[-1] == f"Bearer {TOKEN}"
    page.reload()
    assert page.evaluate(f"async () => {{ {SIGNIN} return m.token(); }}") is None


def test_a_code_with_the_wrong_state_is_never_exchanged(local_up: LocalUp, page: Any) -> None:
    exchanges: list[dict[str, str]] = []
    deployed(page, local_up, exchanges, [])
    page.goto(local_up.page_url)
    page.evaluate(f"async () => {{ {SIGNIN} }}")
    exchanges.append({"expected_challenge": "unused"})
    page.goto(f"{local_up.page_url}?code=the-code&state=forged")
    assert page.evaluate(f"async () => {{ {SIGNIN} return [m.token(), m.signInUrl() !== null]; }}") == [None, True]
    assert exchanges[1:] == []


def test_without_sign_in_configured_there_is_no_sign_in_address(local_up: LocalUp, page: Any) -> None:
    page.goto(local_up.page_url)
    assert page.evaluate(f"async () => {{ {SIGNIN} return [m.token(), m.signInUrl()]; }}") == [None, None]
