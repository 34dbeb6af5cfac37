// Signing in (deployed stack only): the API sits behind a Cognito JWT authorizer, and the page sends
// `Authorization: Bearer <id token>` when it holds one. The token comes from the Cognito hosted UI's
// redirect fragment (#id_token=...), is kept in sessionStorage (gone when the tab closes) and leaves
// the address bar at once. The hosted UI's address is built from two attributes on <html> that the API
// fills in when it serves the page:
//   data-cognito-domain="https://<prefix>.auth.<region>.amazoncognito.com"   data-client-id="<app client id>"
// Locally (`remitflow local up`) both stay empty: the local server acts as one explicit dev identity.
//
// The rest of the page uses only these four functions.

const TOKEN_KEY = "remitflow.id_token";

/** The id token to send, or null. */
export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Called once when the page loads: takes the token from the hosted UI's redirect, if there is one. */
export function startSession() {
  // Cognito's hosted UI (implicit grant) returns to this page with #id_token=...&access_token=...
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  const idToken = fragment.get("id_token");
  if (idToken) {
    sessionStorage.setItem(TOKEN_KEY, idToken);
    history.replaceState(null, "", location.pathname + location.search); // the token leaves the address bar
  }
}

/** Where "Sign in" goes, or null when the page has no sign-in configured. */
export function signInUrl() {
  const { cognitoDomain, clientId } = document.documentElement.dataset;
  if (!cognitoDomain || !clientId) return null;
  const url = new URL("/oauth2/authorize", cognitoDomain);
  url.search = new URLSearchParams({
    response_type: "token",
    client_id: clientId,
    scope: "openid email",
    redirect_uri: location.origin + location.pathname,
  }).toString();
  return url.toString();
}

/** After a 401: the token is no good. */
export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}
