// Hash routes (#/claims/PCN1001, #/?status=open&type=denied), so back, forward and reload work and
// every view has an address a biller can share. No server round trip: the page is one file.

/** The current route: its path segments (decoded) and its query. */
export function current() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, query = ""] = raw.split("?", 2);
  const segments = path.split("/").filter(Boolean).map((s) => decodeURIComponent(s));
  return { segments, params: new URLSearchParams(query) };
}

// The ERA view's id of an ERA record's key ("ERA#payer#trace#amount#date"): the key, base64url
// without padding, as the API makes it (services/era_view.public_era_id).
export function publicEraId(key) {
  const bytes = new TextEncoder().encode(key);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
/** The record key ("ERA#...") of an ERA view's id: what reconciliation names the ERA by. */
export function eraKey(publicId) {
  const text = atob(publicId.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (publicId.length % 4)) % 4));
  return new TextDecoder().decode(Uint8Array.from(text, (c) => c.charCodeAt(0)));
}

const enc = encodeURIComponent;
export const href = {
  worklist: (params) => `#/${params && String(params) ? `?${params}` : ""}`,
  followup: (id, params) => `#/followups/${enc(id)}${params && String(params) ? `?${params}` : ""}`,
  search: (q) => `#/search?${new URLSearchParams({ q })}`,
  claim: (id) => `#/claims/${enc(id)}`,
  account: (id) => `#/accounts/${enc(id)}`,
  era: (id) => `#/eras/${enc(id)}`,
  // The ERA of a check or EFT number (and payer): its view when there is one, else the list.
  eraOfTrace: (trace, payer) => `#/eras?${new URLSearchParams(payer ? { trace, payer } : { trace })}`,
  deposit: (id) => `#/deposits/${enc(id)}`,
  recon: (params) => `#/recon${params && String(params) ? `?${params}` : ""}`,
};

/** Go to a route; `replace` leaves no history entry (a filter change of the same list, say). */
export function go(hash, { replace = false } = {}) {
  if (location.hash === hash) return;
  if (replace) {
    history.replaceState(null, "", hash);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else {
    location.hash = hash;
  }
}

export function onRoute(handler) {
  window.addEventListener("hashchange", () => handler(current()));
  handler(current());
}
