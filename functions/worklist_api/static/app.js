// The billers' page: the follow-up worklist. An ES module (the page runs no inline script).
import { forgetToken, signInUrl, startSession, token } from "./signin.js";

// ---- vocabulary: our own short words; codes are shown as codes ------------------------
const TYPES = {
  claim_not_found: "Claim not found",
  denied: "Denied",
  underpaid: "Underpaid",
  overpaid: "Overpaid",
  unbalanced: "Does not balance",
  reversal_unmatched: "Reversal without original",
  provider_adjustment: "Provider adjustment",
  duplicate_remittance: "Duplicate remittance",
  unreadable_file: "Unreadable file",
  import_error: "Import error",
  not_our_claim: "Not our claim",
  line_not_matched: "Line not matched",
  era_without_deposit: "ERA without deposit",
  deposit_without_era: "Deposit without ERA",
  amount_mismatch: "ERA and deposit amounts differ",
  duplicate_bank_reference: "Bank reference seen with another amount",
};
const RESOLUTIONS = {
  applied_to_claim: "applied to claim",
  written_off: "written off",
  appealed: "appealed",
  refund_requested: "refund requested",
  payer_contacted: "payer contacted",
  duplicate: "duplicate",
  no_action: "no action",
};
const CLAIM_STATUS = {
  1: "processed as primary", 2: "processed as secondary", 3: "processed as tertiary", 4: "denied",
  19: "primary, forwarded", 20: "secondary, forwarded", 21: "tertiary, forwarded",
  22: "reversal of a previous payment", 23: "not our claim", 25: "predetermination",
};
// Our claim's status (domain ClaimStatus), not the payer's CLP02 above.
const CLAIM_STATES = {
  open: "open", paid: "paid", partially_paid: "partially paid", denied: "denied",
  forwarded: "forwarded to the next payer", closed: "closed",
  patient_responsibility: "patient owes the balance",
};
const GROUPS = { CO: "contractual", PR: "patient responsibility", OA: "other", PI: "payer initiated", CR: "correction" };
const BALANCES = [
  "charge_amount", "insurance_paid", "contractual_adjustment", "other_adjustment",
  "patient_responsibility", "insurance_balance", "patient_balance",
];
// Keys whose values are money strings ("75.00"), wherever they appear in a detail object.
const MONEY_KEY = /(^|_)(amount|paid|payment|balance|adjustment|responsibility|shortfall|allowed|cash|charge)$/;
const DATE_KEY = /(^|_)(date|start|end)$/;
const PAGE_SIZE = 50;

const $ = (id) => document.getElementById(id);
// appliedClaims: the claim a resolution posted to, from the resolve response, shown under the ledger.
const state = { cursor: null, items: new Map(), selected: null, detail: null, appliedClaims: new Map() };

// ---- tiny DOM builder: text always goes in as text, never as HTML ---------------------
function h(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// ---- formatting: the API's strings are formatted, never computed with floats ----------
function money(value) {
  if (value === null || value === undefined || value === "") return "";
  const text = String(value).trim();
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] === "" && !match[3])) return text; // not a plain decimal: show as given
  const whole = (match[2].replace(/^0+(?=\d)/, "") || "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = (match[3] || "").padEnd(2, "0");
  const negative = match[1] === "-" && /[1-9]/.test(match[2] + (match[3] || ""));
  return `${negative ? "-" : ""}$${whole}.${cents}`;
}
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });
const localDateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const localDateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
function dateNode(iso, withTime) {
  if (!iso) return "";
  const text = String(iso);
  let shown = text;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    // A calendar date (service or payment date): no time zone may shift it.
    const [y, m, d] = text.split("-").map(Number);
    shown = dateFormat.format(new Date(Date.UTC(y, m - 1, d)));
  } else {
    const parsed = new Date(text);
    if (!Number.isNaN(parsed.getTime())) shown = (withTime ? localDateTimeFormat : localDateFormat).format(parsed);
  }
  return h("time", { datetime: text, title: text }, shown);
}
function words(key) {
  return String(key).replace(/_/g, " ");
}
function codesText(codes) {
  return (codes || []).join(", ");
}
function casText(adjustments) {
  return (adjustments || [])
    .map((a) => `${a.group}-${a.reason} ${money(a.amount)}${a.quantity ? ` ×${a.quantity}` : ""}`)
    .join("; ");
}
function valueNode(key, value) {
  if (value === null || value === undefined || value === "") return h("span", { class: "muted" }, "—");
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== "object")) return value.join(", ");
    return table(value);
  }
  if (typeof value === "object") return facts(Object.entries(value));
  if (MONEY_KEY.test(key) && /^[+-]?\d*(\.\d*)?$/.test(String(value))) return money(value);
  if (DATE_KEY.test(key) || key.endsWith("_at")) return dateNode(value, key.endsWith("_at"));
  return String(value);
}
function facts(pairs) {
  const dl = h("dl", { class: "facts" });
  for (const [key, value] of pairs) {
    const isMoney = MONEY_KEY.test(key);
    dl.append(h("dt", {}, words(key)), h("dd", { class: isMoney ? "num" : null, dataset: { field: key } }, valueNode(key, value)));
  }
  return dl;
}
// A table of objects with the union of their keys as columns (for detail lists we do not know ahead).
function table(rows) {
  const keys = [];
  for (const row of rows) for (const key of Object.keys(row || {})) if (!keys.includes(key)) keys.push(key);
  return h("div", { class: "scroll" }, h("table", {},
    h("thead", {}, h("tr", {}, keys.map((k) => h("th", { scope: "col", class: MONEY_KEY.test(k) ? "num" : null }, words(k))))),
    h("tbody", {}, rows.map((row) => h("tr", {}, keys.map((k) => h("td", { class: MONEY_KEY.test(k) ? "num" : null }, valueNode(k, row[k]))))))));
}

// ---- the API -----------------------------------------------------------------------------
class ApiError extends Error {
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
async function api(path, options = {}) {
  const headers = { accept: "application/json" };
  const bearer = token();
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(new URL(path, document.baseURI), {
      method: options.method || "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch (error) {
    throw new ApiError(0, `The API did not answer (${error.message}).`);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    if (response.status === 401) showSignIn();
    const message = (data && data.message) || `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message);
  }
  return data;
}

// ---- the worklist ------------------------------------------------------------------------
function filterParams() {
  const params = new URLSearchParams();
  for (const element of $("filters").elements) {
    if (element.name && element.value.trim() !== "") params.set(element.name, element.value.trim());
  }
  return params;
}
function typeCell(type) {
  return TYPES[type] || words(type);
}
function row(item) {
  return h("tr", {
      dataset: { testid: `row-${item.id}`, followupId: item.id, claimId: item.claim_id || "", type: item.type, status: item.status },
      class: state.selected === item.id ? "selected" : null,
      onclick: (event) => { if (!(event.target instanceof HTMLButtonElement)) openFollowup(item.id); },
    },
    h("td", { class: "open-cell" },
      h("button", { type: "button", "aria-label": `Open ${typeCell(item.type)} ${item.claim_id || ""}`.trim(), onclick: () => openFollowup(item.id) },
        item.claim_id || item.payer_id || "(no claim)")),
    h("td", { dataset: { col: "type" } }, typeCell(item.type)),
    h("td", { class: "num", dataset: { col: "amount" } }, money(item.amount)),
    h("td", { class: "codes", dataset: { col: "codes" } }, codesText(item.reason_codes)),
    h("td", { dataset: { col: "payer" } }, item.payer_id || ""),
    h("td", { dataset: { col: "created" } }, dateNode(item.created_at, false)),
    h("td", { class: "num", dataset: { col: "age" } }, item.age_days ?? ""),
    h("td", { dataset: { col: "assignee" } }, item.assignee || ""),
    h("td", { dataset: { col: "status" } },
      h("span", { class: `badge ${item.status}` }, item.status === "resolved" && item.resolution ? `resolved: ${RESOLUTIONS[item.resolution] || item.resolution}` : item.status)));
}
function renderCounts(counts) {
  const list = $("counts");
  const chosen = $("f-type").value;
  const entries = Object.entries(counts || {}).filter(([, n]) => n > 0 || false);
  if (chosen && !entries.some(([t]) => t === chosen)) entries.push([chosen, 0]);
  entries.sort(([a], [b]) => Object.keys(TYPES).indexOf(a) - Object.keys(TYPES).indexOf(b));
  const total = entries.reduce((sum, [, n]) => sum + Number(n), 0);
  const chip = (type, label, count) =>
    h("li", {}, h("button", {
        type: "button",
        "aria-pressed": String(chosen === type),
        dataset: { testid: `count-${type || "all"}`, type },
        onclick: () => { $("f-type").value = type; loadList(); },
      }, label, count === null ? null : h("span", { class: "count" }, String(count))));
  // With one type chosen the counts may cover only that type: no total for "All types" then.
  list.replaceChildren(chip("", "All types", chosen ? null : total), ...entries.map(([type, n]) => chip(type, typeCell(type), n)));
}
function updateListStatus() {
  const shown = state.items.size;
  $("list-status").textContent = shown === 0
    ? "No follow-ups match these filters."
    : `Showing ${shown} follow-up${shown === 1 ? "" : "s"}, oldest first${state.cursor ? "; more to load" : ""}.`;
  $("load-more").hidden = !state.cursor;
}
async function loadList(more = false) {
  if (!$("filters").reportValidity()) return;
  const params = filterParams();
  params.set("limit", String(PAGE_SIZE));
  if (more && state.cursor) params.set("cursor", state.cursor);
  $("list-error").textContent = "";
  $("load-more").disabled = true;
  try {
    const page = await api(`api/followups?${params}`);
    if (!more) {
      state.items.clear();
      $("rows").replaceChildren();
    }
    for (const item of page.items) {
      state.items.set(item.id, item);
      $("rows").append(row(item));
    }
    state.cursor = page.next_cursor || null;
    if (page.counts_by_type) renderCounts(page.counts_by_type);
    updateListStatus();
  } catch (error) {
    $("list-error").textContent = error.message;
  } finally {
    $("load-more").disabled = false;
  }
}
async function refreshCounts() {
  // Counts move when an item is resolved; the rows already on screen stay put.
  const params = filterParams();
  params.set("limit", "1");
  try {
    const page = await api(`api/followups?${params}`);
    if (page.counts_by_type) renderCounts(page.counts_by_type);
  } catch {
    /* the counts are a convenience; the action's own result was already shown */
  }
}
function replaceRow(item) {
  state.items.set(item.id, item);
  const old = document.querySelector(`#rows tr[data-followup-id="${CSS.escape(item.id)}"]`);
  if (old) old.replaceWith(row(item));
}

// ---- the detail pane -----------------------------------------------------------------------
function markSelected(id) {
  state.selected = id;
  for (const tr of $("rows").children) tr.classList.toggle("selected", tr.dataset.followupId === id);
}
async function openFollowup(id) {
  markSelected(id);
  $("action-error").textContent = "";
  $("action-ok").textContent = "";
  $("resolve-form").reset();
  showResolutionFields();
  try {
    await loadDetail(id);
    $("detail-title").focus();
  } catch (error) {
    $("action-error").textContent = error.message;
  }
}
async function loadDetail(id) {
  const detail = await api(`api/followups/${encodeURIComponent(id)}`);
  state.detail = detail;
  renderDetail(detail);
  replaceRow(detail.followup);
  return detail;
}
function renderDetail(detail) {
  const f = detail.followup;
  $("detail-empty").hidden = true;
  $("detail-body").hidden = false;
  $("detail-body").dataset.followupId = f.id;
  $("detail-title").textContent = `${typeCell(f.type)}${f.claim_id ? ` · ${f.claim_id}` : ""}`;
  const status = $("detail-status");
  status.className = `badge ${f.status}`;
  status.textContent = f.status === "resolved" ? `resolved: ${RESOLUTIONS[f.resolution] || f.resolution || ""}` : "open";
  $("detail-summary").textContent = [
    f.amount !== null && f.amount !== undefined ? money(f.amount) : null,
    f.assignee ? `assigned to ${f.assignee}` : "unassigned",
  ].filter(Boolean).join(" · ");
  const resolved = f.status === "resolved";
  $("actions-fieldset").disabled = resolved;
  $("assign").hidden = resolved;
  $("unassign").hidden = resolved || !f.assignee;
  $("resolve-form").hidden = resolved;
  offerResolutions(detail.resolutions);

  renderFollowup(f);
  renderPayment(detail.claim_payment || (f.detail && f.detail.claim_payment) || null);
  renderLedger(detail.claim || state.appliedClaims.get(f.id) || null);
  renderHistory(detail.history || []);
}
function renderFollowup(f) {
  const section = $("followup-section");
  const found = Object.entries(f.detail || {}).filter(([k]) => k !== "claim_payment");
  const isRows = (v) => Array.isArray(v) && v.some((x) => x !== null && typeof x === "object");
  const scalar = found.filter(([, v]) => !isRows(v));
  const lists = found.filter(([, v]) => isRows(v));
  section.replaceChildren(
    h("h3", {}, "Follow-up"),
    facts([
      ["status", f.status],
      ["type", typeCell(f.type)],
      ["claim_id", f.claim_id],
      ["payer_id", f.payer_id],
      ["amount", f.amount],
      ["reason_codes", codesText(f.reason_codes)],
      ["created_at", f.created_at],
      ["age_days", f.age_days],
      ["assignee", f.assignee],
      ["source", f.source],
      ["resolution", f.resolution ? (RESOLUTIONS[f.resolution] || f.resolution) : null],
      ["note", f.note],
    ]),
    scalar.length ? h("h4", {}, "What the automation found") : null,
    scalar.length ? facts(scalar) : null,
    ...lists.flatMap(([key, rows]) => [h("h4", {}, words(key)), table(rows)]),
  );
}
function renderPayment(cp) {
  const section = $("payment-section");
  if (!cp) {
    section.replaceChildren();
    return;
  }
  const patient = cp.patient ? [cp.patient.last_name, cp.patient.first_name].filter(Boolean).join(", ") : null;
  const status = cp.status_code ? `${cp.status_code}${CLAIM_STATUS[cp.status_code] ? ` (${CLAIM_STATUS[cp.status_code]})` : ""}` : null;
  const lines = cp.service_lines || [];
  section.replaceChildren(
    h("h3", {}, "835 claim payment"),
    facts([
      ["patient_control_number", cp.patient_control_number],
      ["patient", patient],
      ["member_id", cp.patient ? cp.patient.identifier : null],
      ["claim_status", status],
      ["charge_amount", cp.charge_amount],
      ["paid_amount", cp.paid_amount],
      ["patient_responsibility", cp.patient_responsibility],
      ["payer_claim_control_number", cp.payer_claim_control_number],
      ["statement_period_start", cp.statement_period_start],
      ["statement_period_end", cp.statement_period_end],
      ["claim_adjustments", casText(cp.adjustments) || null],
    ]),
    h("h4", {}, "Service lines"),
    lines.length === 0 ? h("p", { class: "muted" }, "No service lines in the remittance.") :
    h("div", { class: "scroll" }, h("table", { dataset: { testid: "service-lines" } },
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, "Procedure"), h("th", { scope: "col" }, "Date"), h("th", { scope: "col", class: "num" }, "Units"),
        h("th", { scope: "col", class: "num" }, "Charged"), h("th", { scope: "col", class: "num" }, "Allowed"),
        h("th", { scope: "col", class: "num" }, "Paid"), h("th", { scope: "col" }, "Adjustments (CAS)"), h("th", { scope: "col" }, "Remarks"))),
      h("tbody", {}, lines.map((line) => h("tr", {},
        h("td", { class: "codes" }, [line.procedure && line.procedure.code, ...((line.procedure && line.procedure.modifiers) || [])].filter(Boolean).join("-")),
        h("td", {}, dateNode(line.service_date)),
        h("td", { class: "num" }, line.units ?? ""),
        h("td", { class: "num" }, money(line.charge_amount)),
        h("td", { class: "num" }, money(line.allowed_amount)),
        h("td", { class: "num" }, money(line.paid_amount)),
        h("td", { class: "codes", title: (line.adjustments || []).map((a) => GROUPS[a.group] || a.group).join(", ") }, casText(line.adjustments)),
        h("td", { class: "codes" }, (line.remarks || []).map((r) => (typeof r === "string" ? r : r.code || JSON.stringify(r))).join(", "))))))),
  );
}
function renderLedger(claim) {
  const section = $("ledger-section");
  if (!claim) {
    section.replaceChildren(h("h3", {}, "Claim ledger"), h("p", { class: "muted" }, "No claim on file for this follow-up."));
    return;
  }
  section.replaceChildren(
    h("h3", {}, `Claim ledger · ${claim.claim_id}`),
    facts([
      ["account_id", claim.account_id],
      ["patient_name", claim.patient_name],
      ["payer_id", claim.payer_id],
      ["claim_status", CLAIM_STATES[claim.status] || claim.status],
    ]),
    h("h4", {}, "Balances"),
    h("table", { dataset: { testid: "balances" } }, h("tbody", {},
      BALANCES.map((key) => h("tr", { dataset: { balance: key } }, h("th", { scope: "row" }, words(key)), h("td", { class: "num" }, money(claim[key])))))),
    h("h4", {}, `Postings (${(claim.postings || []).length})`),
    ...(claim.postings || []).map((p) => h("div", { class: "posting", dataset: { postingId: p.posting_id } },
      h("p", {},
        dateNode(p.payment_date), " · ", words(p.outcome || ""), p.status_code ? ` · status ${p.status_code}` : "",
        p.trace_number ? ` · trace ${p.trace_number}` : "",
        ` · posted ${money(p.posted_payment)}`, p.unapplied_cash && /[1-9]/.test(p.unapplied_cash) ? ` · held ${money(p.unapplied_cash)}` : ""),
      h("div", { class: "scroll" }, h("table", {},
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Entry"), h("th", { scope: "col" }, "Code"), h("th", { scope: "col" }, "Line"),
          h("th", { scope: "col" }, "Procedure"), h("th", { scope: "col", class: "num" }, "Amount"), h("th", { scope: "col" }, "Note"))),
        h("tbody", {}, (p.entries || []).map((e) => h("tr", {},
          h("td", {}, words(e.kind)),
          h("td", { class: "codes" }, e.group ? `${e.group}-${e.reason}` : (e.reason || "")),
          h("td", {}, e.line_number ?? ""),
          h("td", { class: "codes" }, e.procedure_code || ""),
          h("td", { class: "num" }, money(e.amount)),
          h("td", {}, e.note || "")))))))),
  );
}
// What an action changed, one line per field, nested records flattened ("claim status: open → paid").
// Only fields the "after" side records count; versions are bookkeeping, not news for a biller.
function flatten(value, prefix, out) {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, out);
  } else if (prefix) {
    out.set(prefix, value);
  }
  return out;
}
function changes(before, after) {
  const was = flatten(before || {}, "", new Map());
  const now = flatten(after || {}, "", new Map());
  const show = (path, v) => {
    if (v === null || v === undefined || v === "") return "—";
    const field = path.split(".").pop();
    if (Array.isArray(v)) return v.join(", ");
    return MONEY_KEY.test(field) ? money(v) : String(v);
  };
  return [...now.entries()]
    .filter(([path, v]) => !/(^|\.)version$/.test(path) && JSON.stringify(was.get(path) ?? null) !== JSON.stringify(v ?? null))
    .map(([path, v]) => `${path.split(".").map(words).join(" ")}: ${show(path, was.get(path))} → ${show(path, v)}`);
}
function renderHistory(history) {
  $("history-section").replaceChildren(
    h("h3", {}, "History"),
    history.length === 0 ? h("p", { class: "muted" }, "Nothing done yet.") :
    h("ol", { class: "history", dataset: { testid: "history" } }, history.map((entry) => h("li", {},
      h("strong", {}, words(entry.action || "")), " by ", entry.by || "?", " · ", dateNode(entry.at, true),
      (() => {
        const lines = changes(entry.before, entry.after);
        return lines.length ? h("ul", { class: "changes muted" }, lines.map((line) => h("li", {}, line))) : null;
      })(),
      entry.note ? h("div", {}, `“${entry.note}”`) : null))),
  );
}

// ---- actions -------------------------------------------------------------------------------
function offerResolutions(fitting) {
  // The API says which resolutions fit this follow-up's type; without that list, offer them all.
  const allowed = Array.isArray(fitting) ? new Set(fitting) : null;
  for (const option of $("resolution").options) {
    if (!option.value) continue;
    const fits = !allowed || allowed.has(option.value);
    option.hidden = !fits;
    option.disabled = !fits;
  }
  if ($("resolution").selectedOptions[0] && $("resolution").selectedOptions[0].disabled) {
    $("resolution").value = "";
    showResolutionFields();
  }
}
function showResolutionFields() {
  const chosen = $("resolution").value;
  for (const name of ["applied_to_claim", "written_off", "appealed"]) {
    const fieldset = $(`fields-${name}`);
    fieldset.hidden = chosen !== name;
    fieldset.disabled = chosen !== name; // hidden fields take no part in validation or the request
  }
}
async function act(path, body, describe) {
  const f = state.detail && state.detail.followup;
  if (!f) return;
  $("action-error").textContent = "";
  $("action-ok").textContent = "";
  const buttons = [$("assign"), $("unassign"), $("resolve-submit")];
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const result = await api(`api/followups/${encodeURIComponent(f.id)}/${path}`, {
      method: "POST",
      body: { ...body, expected_version: f.version },
    });
    const updated = result && result.followup ? result.followup : result;
    if (result && result.claim) state.appliedClaims.set(f.id, result.claim);
    if (updated && updated.id) replaceRow(updated);
    await loadDetail(f.id);
    $("action-ok").textContent = describe(updated || f);
    refreshCounts();
    return true;
  } catch (error) {
    $("action-error").textContent = error.status ? `${error.message} (${error.status})` : error.message;
    if (error.status === 409) {
      // Someone else changed it first: show what it is now; the message stays.
      try { await loadDetail(f.id); } catch { /* the message above already says what failed */ }
    }
    return false;
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}
function resolveBody() {
  const resolution = $("resolution").value;
  const body = { resolution, note: $("note").value.trim() };
  if (resolution === "applied_to_claim") body.claim_id = $("resolve-claim-id").value.trim();
  if (resolution === "written_off") {
    body.write_off_reason = $("write-off-reason").value.trim();
    const amount = $("write-off-amount").value.trim();
    if (amount) body.amount = amount;
  }
  if (resolution === "appealed") body.appeal_due_date = $("appeal-due-date").value;
  return body;
}

// ---- wiring --------------------------------------------------------------------------------
function init() {
  startSession();
  const typeSelect = $("f-type");
  for (const [value, label] of Object.entries(TYPES)) typeSelect.append(h("option", { value }, label));
  $("filters").addEventListener("submit", (event) => { event.preventDefault(); loadList(); });
  $("f-reset").addEventListener("click", () => { $("filters").reset(); loadList(); });
  $("f-status").addEventListener("change", () => loadList());
  $("f-type").addEventListener("change", () => loadList());
  $("load-more").addEventListener("click", () => loadList(true));
  $("resolution").addEventListener("change", showResolutionFields);
  $("assign").addEventListener("click", () => act("assign", {}, (f) => `Assigned to ${f.assignee || "you"}.`));
  $("unassign").addEventListener("click", () => act("unassign", {}, () => "Unassigned."));
  $("resolve-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = $("resolve-form");
    $("note").value = $("note").value.trim() ? $("note").value : "";
    if (!form.checkValidity()) {
      form.reportValidity();
      return;
    }
    const body = resolveBody();
    const ok = await act("resolve", body, (f) => `Resolved: ${RESOLUTIONS[f.resolution] || body.resolution}.`);
    if (ok) {
      form.reset();
      showResolutionFields();
    }
  });
  showResolutionFields();
  loadList();
}
init();
