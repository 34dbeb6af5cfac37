// The API at relative URLs (api/...), so the page works at any stage path. A 401 drops the token and
// offers "Sign in" (signin.js); other errors carry the API's own message.
import { $, h } from "./dom.js";
import { forgetToken, signInUrl, token } from "./signin.js";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function showSignIn() {
  forgetToken();
  const box = $("signin");
  box.replaceChildren();
  const url = signInUrl();
  if (url) box.append("You are not signed in, or your session has ended. ", h("a", { href: url, id: "signin-link" }, "Sign in"));
  else box.append("The API needs a signed-in user (401), and this page has no sign-in address configured.");
}

function headers(accept, hasBody) {
  const sent = { accept };
  const bearer = token();
  if (bearer) sent.authorization = `Bearer ${bearer}`;
  if (hasBody) sent["content-type"] = "application/json";
  return sent;
}

async function request(path, options, accept) {
  try {
    return await fetch(new URL(path, document.baseURI), {
      method: options.method || "GET",
      headers: headers(accept, options.body !== undefined),
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch (error) {
    throw new ApiError(0, `The API did not answer (${error.message}).`);
  }
}

async function failure(response) {
  if (response.status === 401) showSignIn();
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  // Powertools answers a route it does not have with "Not found": say so in words a biller can pass on.
  if (response.status === 404 && (!data || !data.message || data.message === "Not found")) {
    return new ApiError(404, `Not available: this remitflow API has no ${new URL(response.url).pathname} yet.`);
  }
  return new ApiError(response.status, (data && data.message) || `${response.status} ${response.statusText}`);
}

export async function api(path, options = {}) {
  const response = await request(path, options, "application/json");
  if (!response.ok) throw await failure(response);
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/** GET a CSV export and hand it to the browser as a download, named as the API names it. */
export async function download(path) {
  const response = await request(path, {}, "text/csv");
  if (!response.ok) throw await failure(response);
  const disposition = response.headers.get("content-disposition") || "";
  const name = /filename="?([^";]+)"?/.exec(disposition);
  const url = URL.createObjectURL(await response.blob());
  const link = h("a", { href: url, download: name ? name[1] : "remitflow-export.csv", hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A "Download CSV" button for GET api/export/{kind}?params; failures show next to it. */
export function downloadButton(kind, params) {
  const error = h("span", { class: "message error inline", role: "alert", dataset: { testid: "download-error" } });
  const button = h("button", {
    type: "button", class: "secondary no-print", dataset: { testid: "download" },
    onclick: async () => {
      error.textContent = "";
      button.disabled = true;
      try {
        await download(`api/export/${kind}?${new URLSearchParams(params || {})}`);
      } catch (failed) {
        error.textContent = failed.message;
      } finally {
        button.disabled = false;
      }
    },
  }, "Download CSV");
  return h("span", { class: "download" }, button, error);
}
