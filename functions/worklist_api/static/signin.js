// Signing in (deployed stack only): the API sits behind a Cognito JWT authorizer, and the page sends
// `Authorization: Bearer <id token>` when it holds one. Sign-in is Cognito's hosted UI with the
// authorization-code flow and PKCE: the page sends a SHA-256 challenge, gets a one-time code back in
// the query string, and exchanges it with the verifier for tokens. The tokens live in this module's
// memory only (never in storage or the address bar): a reload signs in again, which the hosted UI's
// own session makes quick. Only the verifier and the state wait in sessionStorage across the redirect,
// and are removed as soon as the code comes back. The hosted UI's address is built from two attributes
// on <html> that the API fills in when it serves the page:
//   data-cognito-domain="https://<prefix>.auth.<region>.amazoncognito.com"   data-client-id="<app client id>"
// Locally (`remitflow local up`) both stay empty: the local server acts as one explicit dev identity.
//
// The rest of the page uses only these four functions; `await startSession()` before the first call.

const PENDING_KEY = "remitflow.signin"; // {verifier, state} of a sign-in on its way through the hosted UI

let idToken = null;
let sent = null; // the token last handed to a request: the one a 401 can be about
let authorizeUrl = null;
let session = null;

/** The id token to send, or null. */
export function token() {
  sent = idToken;
  return idToken;
}

/** Once per page load (later calls return the same promise): finishes a sign-in coming back with a
 * code, and prepares the next one's address. */
export function startSession() {
  session ??= begin();
  return session;
}

/** Where "Sign in" goes, or null when the page has no sign-in configured (or startSession has not run). */
export function signInUrl() {
  return authorizeUrl;
}

/** After a 401: the token is no good. A 401 to a request sent before the sign-in finished (without
 * a token) leaves the token that arrived since alone. */
export function forgetToken() {
  if (idToken === sent) idToken = null;
}

function settings() {
  const { cognitoDomain, clientId } = document.documentElement.dataset;
  return cognitoDomain && clientId ? { cognitoDomain, clientId, redirectUri: location.origin + location.pathname } : null;
}

async function begin() {
  const config = settings();
  if (!config) return;
  const query = new URLSearchParams(location.search);
  const code = query.get("code");
  const returned = query.get("state");
  if (code || query.has("error")) {
    // The code is single-use and the state says which sign-in it belongs to: both leave the address bar.
    history.replaceState(null, "", location.pathname + location.hash);
    const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) || "null");
    sessionStorage.removeItem(PENDING_KEY);
    if (code && pending && returned === pending.state) await exchange(config, code, pending.verifier);
  }
  await prepare(config);
}

async function exchange(config, code, verifier) {
  const response = await fetch(new URL("/oauth2/token", config.cognitoDomain), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: config.clientId,
      code,
      redirect_uri: config.redirectUri,
      code_verifier: verifier,
    }),
  }).catch(() => null);
  if (!response || !response.ok) return; // the page then shows "Sign in" again
  const tokens = await response.json();
  idToken = typeof tokens.id_token === "string" ? tokens.id_token : null;
}

async function prepare(config) {
  const verifier = randomText(48);
  const state = randomText(24);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state }));
  const url = new URL("/oauth2/authorize", config.cognitoDomain);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    scope: "openid email",
    redirect_uri: config.redirectUri,
    state,
    code_challenge: base64url(new Uint8Array(digest)),
    code_challenge_method: "S256",
  }).toString();
  authorizeUrl = url.toString();
}

function randomText(bytes) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
