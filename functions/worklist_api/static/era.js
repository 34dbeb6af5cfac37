// One ERA (#/eras/ID), an 835 transaction set (one check or EFT), laid out to print as an EOB:
// payer, payee, payment, every claim with its CAS in words and its posting outcome, the PLB lines,
// the money invariant and the deposit it matched.
import { api } from "./api.js";
import { casNode, claimStatusNode, codeNode } from "./codes.js";
import { facts, grid, h, money, payerText, words } from "./dom.js";
import { eraKey, href } from "./router.js";
import { eraActions } from "./recon.js";
import { erasTable, fillView, link, openView } from "./summaries.js";
import { ERA_DEPOSIT } from "./vocabulary.js";

function payee(era) {
  const p = era.payee;
  if (p && typeof p === "object") return payerText(p.name, p.id);
  return era.payee_name || p || "";
}

// The invariant's terms, whatever their names, in the order the API gives them.
function invariant(era) {
  const terms = era.invariant;
  if (!terms || typeof terms !== "object") return null;
  // Every term with cents is money ("accounted", "difference" too); counts stay counts.
  const shown = (v) => (typeof v === "boolean" ? (v ? "yes" : "no") : typeof v === "string" && /^-?\d+\.\d{2}$/.test(v) ? money(v) : v);
  return facts(Object.entries(terms).map(([k, v]) => [k, shown(v)]));
}

function deposit(era) {
  const d = era.deposit || { status: era.deposit_status || "none" };
  const status = ERA_DEPOSIT[d.status] || d.status;
  return h("p", { dataset: { testid: "era-deposit", status: d.status || "" } },
    h("span", { class: `badge deposit-${d.status}` }, status),
    d.deposit_id ? [" · ", link(href.deposit(d.deposit_id), `deposit ${money(d.amount)}${d.date ? ` booked ${d.date}` : ""}`, "era-deposit-link")] : "",
    d.rule ? h("span", { class: "muted" }, ` (${d.rule})`) : "");
}

function claimsGrid(claims) {
  return grid(claims, [
        ["Claim", (c) => link(href.claim(c.claim_id), c.claim_id), { col: "claim" }],
        ["Account", (c) => (c.account_id ? link(href.account(c.account_id), c.account_id) : "")],
        ["Patient", (c) => c.patient_name],
        ["Payer status", (c) => claimStatusNode(c.status_code), { col: "status-code" }],
        ["Charge", (c) => money(c.charge_amount), { num: true }],
        ["Paid", (c) => money(c.paid_amount), { num: true, col: "paid" }],
        ["Patient resp.", (c) => money(c.patient_responsibility), { num: true }],
        ["Adjustments (CAS)", (c) => casNode(c.adjustments, money), { codes: true, col: "cas" }],
        ["Posting", (c) => words(c.outcome || ""), { col: "outcome" }],
      ], { testid: "era-claims", empty: "No claim payments in this ERA.", rowProps: (c) => ({ dataset: { claimId: c.claim_id } }) });
}

// A large ERA's claim payments come a page at a time: the rest on request (and all of them to print).
function moreClaims(eraId, cursor) {
  const button = h("button", { type: "button", class: "secondary no-print", dataset: { testid: "era-more-claims" } }, "Load more claims");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const next = await api(`api/eras/${encodeURIComponent(eraId)}?${new URLSearchParams({ cursor })}`);
      const rows = claimsGrid(next.claims || []).querySelectorAll("tbody tr");
      document.querySelector("[data-testid=era-claims] tbody").append(...rows);
      button.replaceWith(next.claims_next_cursor ? moreClaims(eraId, next.claims_next_cursor) : "");
    } catch (error) {
      button.disabled = false;
      button.after(h("span", { class: "message error inline", role: "alert" }, error.message));
    }
  });
  return button;
}

export function showEra(eraId) {
  const body = openView({ kind: "era", title: "ERA", exportKind: "era", exportParams: { id: eraId }, printable: true });
  return fillView(body, async () => {
    const era = await api(`api/eras/${encodeURIComponent(eraId)}`);
    document.getElementById("view-title").textContent = `ERA · trace ${era.trace_number} · ${payerText(era.payer_name, era.payer_id)}`;
    const dates = era.dates && typeof era.dates === "object" ? Object.entries(era.dates) : [];
    return [
      h("p", { class: "print-only eob-title" }, "Explanation of benefits (from the payer's 835 remittance)"),
      facts([
        ["payer", payerText(era.payer_name, era.payer_id)],
        ["payee", payee(era)],
        ["trace_number", era.trace_number],
        ["payment_amount", era.payment_amount],
        ["payment_method", era.payment_method],
        ["payment_date", era.payment_date],
        ...dates.filter(([k]) => k !== "payment_date"),
        ["source_file", era.source_key],
        ["balanced", era.balanced === undefined ? null : era.balanced ? "yes: the money adds up" : "NO: the money does not add up"],
      ]),
      h("h3", {}, `Claims (${era.claims_count ?? (era.claims || []).length})`),
      claimsGrid(era.claims || []),
      era.claims_next_cursor ? moreClaims(eraId, era.claims_next_cursor) : null,
      h("h3", {}, "Provider adjustments (PLB)"),
      grid(era.provider_adjustments || [], [
        ["Reason", (p) => codeNode(`PLB-${p.reason}`), { codes: true }],
        ["Reference", (p) => p.reference],
        ["Amount", (p) => money(p.amount), { num: true }],
      ], { testid: "era-plb", empty: "No provider adjustments." }),
      h("h3", {}, "The money invariant"),
      h("p", { class: "muted" }, "Claims paid − provider adjustments = the payment."),
      invariant(era) || h("p", { class: "muted" }, "Not given."),
      h("h3", {}, "Deposit"),
      deposit(era),
      await eraActions(eraKey(eraId), () => showEra(eraId)),
    ];
  });
}

/** #/eras?trace=T&payer=P: the one ERA of that check or EFT, or the list when there are several. */
export function showErasOfTrace(params) {
  const trace = params.get("trace") || "";
  const query = new URLSearchParams({ trace });
  if (params.get("payer")) query.set("payer", params.get("payer"));
  const body = openView({ kind: "eras", title: `ERAs of trace ${trace}` });
  return fillView(body, async () => {
    const found = await api(`api/eras?${query}`);
    const eras = found.items || [];
    if (eras.length === 1) {
      history.replaceState(null, "", href.era(eras[0].era_id)); // the ERA's own address, no extra step back
      window.dispatchEvent(new HashChangeEvent("hashchange"));
      return [];
    }
    return [eras.length ? erasTable(eras) : h("p", { dataset: { testid: "no-results" } }, `No ERA with trace ${trace}.`)];
  });
}
