// The detail pane of one follow-up: what the automation found, the 835 claim payment, the claim's
// ledger, the history, links to the claim, account, ERA and deposit, and the actions.
import { api } from "./api.js";
import { casNode, claimStatusNode, codeNode, codesNode } from "./codes.js";
import { $, dateNode, facts, h, money, MONEY_KEY, nonZero, payerText, table, words } from "./dom.js";
import { href, publicEraId } from "./router.js";
import { BALANCES, RESOLUTIONS, claimState, typeLabel } from "./vocabulary.js";

// appliedClaims: the claim a resolution posted to, from the resolve response, shown under the ledger.
const state = { detail: null, appliedClaims: new Map(), openId: null };

export function closeFollowup() {
  state.openId = null;
  state.detail = null;
  delete $("detail").dataset.open;
  $("detail-empty").hidden = false;
  $("detail-body").hidden = true;
  $("detail-title").textContent = "Follow-up";
}

export async function openFollowup(id) {
  if (state.openId === id && state.detail) return; // the same one, from a filter change: keep it
  state.openId = id;
  $("action-error").textContent = "";
  $("action-ok").textContent = "";
  $("resolve-form").reset();
  $("reopen-form").reset();
  showResolutionFields();
  try {
    await loadDetail(id);
    $("detail-title").focus({ preventScroll: true });
  } catch (error) {
    $("detail-empty").hidden = true;
    $("detail-body").hidden = false;
    $("action-error").textContent = error.message;
  }
}
async function loadDetail(id) {
  const detail = await api(`api/followups/${encodeURIComponent(id)}`);
  if (state.openId !== id) return detail; // another one was opened meanwhile
  state.detail = detail;
  renderDetail(detail);
  document.dispatchEvent(new CustomEvent("followup-loaded", { detail: detail.followup }));
  return detail;
}

function renderDetail(detail) {
  const f = detail.followup;
  $("detail-empty").hidden = true;
  $("detail-body").hidden = false;
  $("detail-body").dataset.followupId = f.id;
  $("detail").dataset.open = f.id;
  $("detail-title").textContent = `${typeLabel(f.type)}${f.claim_id ? ` · ${f.claim_id}` : ""}`;
  const status = $("detail-status");
  status.className = `badge ${f.status}`;
  status.textContent = statusText(f);
  $("detail-summary").textContent = [
    f.amount !== null && f.amount !== undefined ? money(f.amount) : null,
    f.assignee ? `assigned to ${f.assignee}` : "unassigned",
  ].filter(Boolean).join(" · ");
  // Resolved or appealed: the one action left is reopening it (what it posted is reversed).
  const resolved = f.status !== "open";
  $("actions-fieldset").disabled = resolved;
  $("actions-fieldset").hidden = resolved;
  $("assign").hidden = resolved;
  $("unassign").hidden = resolved || !f.assignee;
  $("resolve-form").hidden = resolved;
  $("reopen-form").hidden = !resolved;
  offerResolutions(detail.resolutions);

  const claim = detail.claim || state.appliedClaims.get(f.id) || null;
  renderLinks(f, claim);
  renderFollowup(f);
  renderPayment(detail.claim_payment || (f.detail && f.detail.claim_payment) || null);
  renderLedger(claim, f);
  renderHistory(detail.history || []);
}


/** Where this follow-up leads: its claim, the claim's account, the ERA and the deposit. */
function renderLinks(f, claim) {
  const d = f.detail || {};
  const links = [];
  const claimId = (claim && claim.claim_id) || f.claim_id;
  if (claimId) links.push(h("a", { href: href.claim(claimId), dataset: { testid: "link-claim" } }, `Claim ${claimId}`));
  if (claim && claim.account_id) links.push(h("a", { href: href.account(claim.account_id), dataset: { testid: "link-account" } }, `Account ${claim.account_id}`));
  // The ERA by its id where the follow-up names its record, else found by its trace number.
  const eraId = f.era_id || (typeof d.era_id === "string" && d.era_id.startsWith("ERA#") ? publicEraId(d.era_id) : null);
  if (eraId) links.push(h("a", { href: href.era(eraId), dataset: { testid: "link-era" } }, `ERA${d.trace_number ? ` trace ${d.trace_number}` : ""}`));
  else if (d.trace_number) links.push(h("a", { href: href.eraOfTrace(d.trace_number, f.payer_id), dataset: { testid: "link-era" } }, `ERA trace ${d.trace_number}`));
  if (f.deposit_id || d.deposit_id) links.push(h("a", { href: href.deposit(f.deposit_id || d.deposit_id), dataset: { testid: "link-deposit" } }, "Deposit"));
  $("links-section").replaceChildren(...(links.length ? [h("nav", { class: "links", "aria-label": "Related" }, links.flatMap((a, i) => (i ? [" · ", a] : [a])))] : []));
}

function renderFollowup(f) {
  const found = Object.entries(f.detail || {}).filter(([k]) => k !== "claim_payment");
  const isRows = (v) => Array.isArray(v) && v.some((x) => x !== null && typeof x === "object");
  const scalar = found.filter(([, v]) => !isRows(v));
  const lists = found.filter(([, v]) => isRows(v));
  $("followup-section").replaceChildren(
    h("h3", {}, "Follow-up"),
    facts([
      ["status", f.status],
      ["type", typeLabel(f.type)],
      ["claim_id", f.claim_id],
      ["payer", payerText(f.payer_name, f.payer_id)],
      ["amount", f.amount],
      ["reason_codes", codesNode(f.reason_codes) || null],
      ["payment_date", f.payment_date],
      ["days_since_the_ERA", f.days_since_payment],
      ["service_date", f.service_date],
      ["days_since_service", f.days_since_service],
      ["created_at", f.created_at],
      ["days_on_worklist", f.age_days],
      ["assignee", f.assignee],
      ["source", f.source],
      ["resolution", f.resolution ? (RESOLUTIONS[f.resolution] || f.resolution) : null],
      ["appeal_due_date", f.appeal_due_date],
      ["reopened", f.reopened ? `${f.reopened} time(s)` : null],
      ["note", f.note],
    ]),
    scalar.length ? h("h4", {}, "What the automation found") : null,
    scalar.length ? facts(scalar.map(([k, v]) => [k, /(^|_)codes$/.test(k) && Array.isArray(v) ? codesNode(v) : v])) : null,
    ...lists.flatMap(([key, rows]) => [h("h4", {}, words(key)), table(rows.map(withCodeWords))]),
  );
}
// Code lists inside detail rows (adjustment_codes, remark_codes) in words.
function withCodeWords(row) {
  if (!row || typeof row !== "object") return row;
  const out = {};
  for (const [k, v] of Object.entries(row)) out[k] = /(^|_)codes$/.test(k) && Array.isArray(v) ? (codesNode(v) || null) : v;
  return out;
}

function renderPayment(cp) {
  const section = $("payment-section");
  if (!cp) {
    section.replaceChildren();
    return;
  }
  const patient = cp.patient ? [cp.patient.last_name, cp.patient.first_name].filter(Boolean).join(", ") : null;
  const lines = cp.service_lines || [];
  const th = (text, num) => h("th", { scope: "col", class: num ? "num" : null }, text);
  section.replaceChildren(
    h("h3", {}, "835 claim payment"),
    facts([
      ["patient_control_number", cp.patient_control_number],
      ["patient", patient],
      ["member_id", cp.patient ? cp.patient.identifier : null],
      ["claim_status", claimStatusNode(cp.status_code) || null],
      ["charge_amount", cp.charge_amount],
      ["paid_amount", cp.paid_amount],
      ["patient_responsibility", cp.patient_responsibility],
      ["payer_claim_control_number", cp.payer_claim_control_number],
      ["statement_period_start", cp.statement_period_start],
      ["statement_period_end", cp.statement_period_end],
      ["claim_adjustments", casNode(cp.adjustments, money) || null],
    ]),
    h("h4", {}, "Service lines"),
    lines.length === 0 ? h("p", { class: "muted" }, "No service lines in the remittance.") :
    h("div", { class: "scroll" }, h("table", { dataset: { testid: "service-lines" } },
      h("thead", {}, h("tr", {}, th("Procedure"), th("Date"), th("Units", true), th("Charged", true), th("Allowed", true),
        th("Paid", true), th("Adjustments (CAS)"), th("Remarks"))),
      h("tbody", {}, lines.map((line) => h("tr", {},
        h("td", { class: "codes" }, [line.procedure && line.procedure.code, ...((line.procedure && line.procedure.modifiers) || [])].filter(Boolean).join("-")),
        h("td", {}, dateNode(line.service_date)),
        h("td", { class: "num" }, line.units ?? ""),
        h("td", { class: "num" }, money(line.charge_amount)),
        h("td", { class: "num" }, money(line.allowed_amount)),
        h("td", { class: "num" }, money(line.paid_amount)),
        h("td", { class: "codes" }, casNode(line.adjustments, money)),
        h("td", { class: "codes" }, codesNode((line.remarks || []).map((r) => (typeof r === "string" ? r : r.code || ""))))))))),
  );
}

function renderLedger(claim, f) {
  const section = $("ledger-section");
  if (!claim) {
    section.replaceChildren(h("h3", {}, "Claim ledger"), h("p", { class: "muted" }, "No claim on file for this follow-up."));
    return;
  }
  const postings = claim.postings || [];
  section.replaceChildren(
    h("h3", {}, "Claim ledger · ", h("a", { href: href.claim(claim.claim_id) }, claim.claim_id)),
    facts([
      ["account_id", claim.account_id ? h("a", { href: href.account(claim.account_id) }, claim.account_id) : null],
      ["patient_name", claim.patient_name],
      ["payer", payerText(claim.payer_name, claim.payer_id)],
      ["claim_status", claimState(claim.status)],
    ]),
    h("h4", {}, "Balances"),
    h("table", { dataset: { testid: "balances" } }, h("tbody", {},
      BALANCES.map((key) => h("tr", { dataset: { balance: key } }, h("th", { scope: "row" }, words(key)), h("td", { class: "num" }, money(claim[key])))))),
    h("h4", {}, `Postings (${postings.length})`),
    ...postings.map((p) => posting(p, f)),
  );
}
function posting(p, f) {
  const th = (text, num) => h("th", { scope: "col", class: num ? "num" : null }, text);
  const entries = p.entries || [];
  // A denial moves no money, so its posting has no entries: say so, with the codes the 835 gave.
  const d = (f && f.detail) || {};
  const own = d.posting_id === p.posting_id;
  const codes = own ? [...(f.reason_codes || [])] : [];
  const notes = entries.some((e) => e.note);
  const body = entries.length ? h("div", { class: "scroll" }, h("table", { class: "entries", dataset: { testid: "entries" } },
    h("thead", {}, h("tr", {}, th("Entry"), th("Line"), th("Procedure"), th("Amount", true), th("Code"), notes ? th("Note") : null)),
    h("tbody", {}, entries.map((e) => h("tr", {},
      h("td", {}, words(e.kind)),
      h("td", {}, e.line_number ?? ""),
      h("td", { class: "codes" }, e.procedure_code || ""),
      h("td", { class: "num" }, money(e.amount)),
      h("td", { class: "codes wide" }, e.group ? codeNode(`${e.group}-${e.reason}`) : (e.reason ? codeNode(e.reason) : "")),
      notes ? h("td", {}, e.note || "") : null))))) :
    h("p", { class: "muted", dataset: { testid: "no-entries" } },
      `Nothing was posted to the ledger${p.outcome === "denied" ? ": the payer denied the claim" : ""}.`,
      codes.length ? [" The 835 gave ", codesNode(codes), "."] : null);
  return h("div", { class: "posting", dataset: { postingId: p.posting_id } },
    h("p", {},
      dateNode(p.payment_date), " · ", words(p.outcome || ""), p.status_code ? [" · status ", claimStatusNode(p.status_code)] : "",
      p.trace_number ? [" · trace ", h("a", { href: href.eraOfTrace(p.trace_number, p.payer_id) }, p.trace_number)] : "",
      ` · posted ${money(p.posted_payment)}`, nonZero(p.unapplied_cash) ? ` · held ${money(p.unapplied_cash)}` : ""),
    body);
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
    h("ol", { class: "history", dataset: { testid: "history" } }, history.map((entry) => {
      const lines = changes(entry.before, entry.after);
      return h("li", {},
        h("strong", {}, words(entry.action || "")), " by ", entry.by || "?", " · ", dateNode(entry.at, true),
        lines.length ? h("ul", { class: "changes muted" }, lines.map((line) => h("li", {}, line))) : null,
        entry.note ? h("div", {}, `“${entry.note}”`) : null);
    })),
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
/** "open", "appealed (due 2025-03-01)", "open: appeal due since 2025-03-01", "resolved: written off". */
export function statusText(f) {
  if (f.status === "resolved") return `resolved: ${RESOLUTIONS[f.resolution] || f.resolution || ""}`;
  if (f.status === "appealed") return f.appeal_due_date ? `appealed (due ${f.appeal_due_date})` : "appealed";
  return f.appeal_due_date ? `open: appeal due since ${f.appeal_due_date}` : "open";
}
// Whose balance a write-off takes: the patient's has its own reasons (small balance, hardship, courtesy).
function showWriteOffReasons() {
  const patient = $("write-off-balance").value === "patient";
  $("write-off-reason-insurance").hidden = patient;
  $("write-off-reason").disabled = patient;
  $("write-off-reason-patient").hidden = !patient;
  $("write-off-patient-reason").disabled = !patient;
}
function showResolutionFields() {
  const chosen = $("resolution").value;
  for (const name of ["applied_to_claim", "written_off", "appealed"]) {
    const fieldset = $(`fields-${name}`);
    fieldset.hidden = chosen !== name;
    fieldset.disabled = chosen !== name; // hidden fields take no part in validation or the request
  }
  showWriteOffReasons();
}
async function act(path, body, describe) {
  const f = state.detail && state.detail.followup;
  if (!f) return false;
  $("action-error").textContent = "";
  $("action-ok").textContent = "";
  const buttons = [$("assign"), $("unassign"), $("resolve-submit"), $("reopen-submit")];
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const result = await api(`api/followups/${encodeURIComponent(f.id)}/${path}`, {
      method: "POST",
      body: { ...body, expected_version: f.version },
    });
    const updated = result && result.followup ? result.followup : result;
    if (result && result.claim) state.appliedClaims.set(f.id, result.claim);
    await loadDetail(f.id);
    $("action-ok").textContent = describe(updated || f);
    document.dispatchEvent(new CustomEvent("followup-changed", { detail: (state.detail && state.detail.followup) || updated }));
    return true;
  } catch (error) {
    $("action-error").textContent = error.status === 409 ? `Someone else changed it first: ${error.message} (409) Reloaded: look again.`
      : error.status ? `${error.message} (${error.status})` : error.message;
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
    const balance = $("write-off-balance").value;
    body.write_off_balance = balance;
    body.write_off_reason = balance === "patient" ? $("write-off-patient-reason").value : $("write-off-reason").value.trim();
    const amount = $("write-off-amount").value.trim();
    if (amount) body.amount = amount;
  }
  if (resolution === "appealed") body.appeal_due_date = $("appeal-due-date").value;
  return body;
}

export function initFollowup() {
  $("resolution").addEventListener("change", showResolutionFields);
  $("write-off-balance").addEventListener("change", showWriteOffReasons);
  $("reopen-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = $("reopen-form");
    if (!$("reopen-note").value.trim()) $("reopen-note").value = "";
    if (!form.checkValidity()) {
      form.reportValidity();
      return;
    }
    const note = $("reopen-note").value.trim();
    if (await act("reopen", { note }, () => "Reopened: what it posted is reversed on the claim's ledger.")) form.reset();
  });
  $("assign").addEventListener("click", () => act("assign", {}, (f) => `Assigned to ${f.assignee || "you"}.`));
  $("unassign").addEventListener("click", () => act("unassign", {}, () => "Unassigned."));
  $("resolve-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = $("resolve-form");
    if (!$("note").value.trim()) $("note").value = "";
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
}
