// The rows every view shares: claims, ERAs, deposits and follow-ups as linked tables, and the top of
// an entity view (its title, a download button, and a print button where it prints).
import { downloadButton } from "./api.js";
import { $, dateNode, grid, h, money, payerText } from "./dom.js";
import { href } from "./router.js";
import { DEPOSIT_MATCH, ERA_DEPOSIT, RESOLUTIONS, claimState, typeLabel } from "./vocabulary.js";

export const link = (to, text, testid) => h("a", { href: to, dataset: testid ? { testid } : null }, text);

export function claimsTable(claims, { testid = "claims", showAccount = true } = {}) {
  return grid(claims, [
    ["Claim", (c) => link(href.claim(c.claim_id), c.claim_id), { col: "claim" }],
    ...(showAccount ? [["Account", (c) => (c.account_id ? link(href.account(c.account_id), c.account_id) : ""), { col: "account" }]] : []),
    ["Patient", (c) => c.patient_name, { col: "patient" }],
    ["Payer", (c) => payerText(c.payer_name, c.payer_id), { col: "payer" }],
    ["Service date", (c) => dateNode(c.service_date)],
    ["Status", (c) => claimState(c.status), { col: "status" }],
    ["Charge", (c) => money(c.charge_amount), { num: true }],
    ["Insurance paid", (c) => money(c.insurance_paid), { num: true }],
    ["Patient resp.", (c) => money(c.patient_responsibility), { num: true }],
    ["Insurance balance", (c) => money(c.insurance_balance), { num: true, col: "insurance-balance" }],
    ["Patient balance", (c) => money(c.patient_balance), { num: true }],
  ], { testid, empty: "No claims.", rowProps: (c) => ({ dataset: { claimId: c.claim_id } }) });
}

export function erasTable(eras, { testid = "eras" } = {}) {
  return grid(eras, [
    ["ERA", (e) => link(href.era(e.era_id), `trace ${e.trace_number || e.era_id}`), { col: "era" }],
    ["Payer", (e) => payerText(e.payer_name, e.payer_id), { col: "payer" }],
    ["Payee", (e) => e.payee_name],
    ["Paid on", (e) => dateNode(e.payment_date)],
    ["Method", (e) => e.payment_method],
    ["Amount", (e) => money(e.payment_amount), { num: true, col: "amount" }],
    ["Claims", (e) => e.claims_count, { num: true }],
    ["Balances", (e) => (e.balanced === false ? "does not balance" : e.balanced ? "yes" : "")],
    ["Deposit", (e) => ERA_DEPOSIT[e.deposit_status] || e.deposit_status, { col: "deposit" }],
  ], { testid, empty: "No ERAs.", rowProps: (e) => ({ dataset: { eraId: e.era_id } }) });
}

export function depositsTable(deposits, { testid = "deposits" } = {}) {
  return grid(deposits, [
    ["Deposit", (d) => link(href.deposit(d.deposit_id), d.bank_reference || d.trace_number || d.deposit_id), { col: "deposit" }],
    ["Booked", (d) => dateNode(d.date)],
    ["Trace", (d) => d.trace_number],
    ["Amount", (d) => money(d.amount), { num: true }],
    ["Status", (d) => DEPOSIT_MATCH[d.status] || d.status, { col: "status" }],
  ], { testid, empty: "No deposits.", rowProps: (d) => ({ dataset: { depositId: d.deposit_id } }) });
}

export function followupsTable(followups, { testid = "followups" } = {}) {
  return grid(followups, [
    ["Follow-up", (f) => link(href.followup(f.followup_id || f.id), typeLabel(f.type)), { col: "followup" }],
    ["Status", (f) => (f.status === "resolved" && f.resolution ? `resolved: ${RESOLUTIONS[f.resolution] || f.resolution}` : f.status)],
    ["Claim", (f) => (f.claim_id ? link(href.claim(f.claim_id), f.claim_id) : "")],
    ["Payer", (f) => payerText(f.payer_name, f.payer_id)],
    ["Amount", (f) => money(f.amount), { num: true }],
  ], { testid, empty: "No follow-ups.", rowProps: (f) => ({ dataset: { followupId: f.followup_id || f.id } }) });
}


/** Open an entity view: the page's second panel, with a title, its export and (EOB) print. */
export function openView({ kind, title, exportKind, exportParams, printable }) {
  const view = $("view");
  view.dataset.kind = kind;
  view.replaceChildren(
    h("div", { class: "view-head" },
      h("h2", { id: "view-title", tabindex: "-1" }, title),
      h("div", { class: "view-tools no-print" },
        printable ? h("button", { type: "button", class: "secondary", dataset: { testid: "print" }, onclick: () => window.print() }, "Print EOB") : null,
        exportKind ? downloadButton(exportKind, exportParams) : null)),
    h("div", { id: "view-body", "aria-busy": "true" }, h("p", { class: "muted" }, "Loading…")),
  );
  return $("view-body");
}

/** Fill the view's body; a failure (unknown id, a route not there yet) is said in words. */
export async function fillView(body, load) {
  try {
    const nodes = await load();
    body.replaceChildren(...nodes.flat().filter(Boolean));
  } catch (error) {
    body.replaceChildren(h("div", { class: "message error", role: "alert", dataset: { testid: "view-error" } }, error.message));
  } finally {
    body.removeAttribute("aria-busy");
    $("view-title").focus({ preventScroll: true });
  }
}
