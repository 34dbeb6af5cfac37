// One claim (#/claims/ID), whether or not it has a follow-up: balances, the ledger with its codes in
// words, its ERAs, its follow-ups and its account.
import { api } from "./api.js";
import { claimStatusNode, codeNode, codesNode } from "./codes.js";
import { dateNode, facts, grid, h, money, payerText, words } from "./dom.js";
import { href } from "./router.js";
import { claimsTable, erasTable, fillView, followupsTable, link, openView } from "./summaries.js";
import { BALANCES, claimState } from "./vocabulary.js";

// A ledger entry's codes: a list of "CO-45", or a CAS group and reason.
function entryCodes(e) {
  if (Array.isArray(e.cas_codes) || Array.isArray(e.codes)) return codesNode(e.cas_codes || e.codes);
  if (e.group && e.reason) return codeNode(`${e.group}-${e.reason}`);
  return e.reason ? codeNode(e.reason) : "";
}

// Postings that moved no money (a denial, held cash) have no ledger entries: say what they were.
function unposted(postings) {
  const quiet = postings.filter((p) => !(p.entries || []).length);
  if (!quiet.length) return null;
  return h("ul", { class: "unposted", dataset: { testid: "unposted" } }, quiet.map((p) => h("li", {},
    dateNode(p.payment_date), ` · ${words(p.outcome || "")}`, p.status_code ? [" · payer status ", claimStatusNode(p.status_code)] : "",
    p.trace_number ? [" · ", link(href.eraOfTrace(p.trace_number, p.payer_id), `trace ${p.trace_number}`)] : "",
    `: nothing posted to the ledger${/[1-9]/.test(p.unapplied_cash || "") ? `, ${money(p.unapplied_cash)} held` : ""}.`)));
}

export function showClaim(claimId) {
  const body = openView({ kind: "claim", title: `Claim ${claimId}`, exportKind: "claim", exportParams: { id: claimId } });
  return fillView(body, async () => {
    const claim = await api(`api/claims/${encodeURIComponent(claimId)}`);
    const balances = claim.balances || claim;
    return [
      facts([
        ["account", claim.account_id ? link(href.account(claim.account_id), claim.account_id, "claim-account") : null],
        ["patient_name", claim.patient_name],
        ["payer", payerText(claim.payer_name, claim.payer_id)],
        ["service_date", claim.service_date],
        ["claim_status", claimState(claim.status)],
      ]),
      h("h3", {}, "Balances"),
      h("table", { class: "balances", dataset: { testid: "balances" } }, h("tbody", {},
        BALANCES.map((key) => h("tr", { dataset: { balance: key } },
          h("th", { scope: "row" }, words(key)), h("td", { class: "num" }, money(balances[key] ?? claim[key])))))),
      h("h3", {}, "Ledger"),
      grid(claim.ledger || [], [
        ["Date", (e) => dateNode(e.date || e.payment_date)],
        ["Entry", (e) => words(e.kind || "")],
        ["Codes", entryCodes, { codes: true }],
        ["Amount", (e) => money(e.amount), { num: true }],
        ["ERA", (e) => (e.era_id ? link(href.era(e.era_id), e.trace_number ? `trace ${e.trace_number}` : "ERA") : "")],
        ["Posting", (e) => e.posting_id, { codes: true }],
      ], { testid: "ledger", empty: "No ledger entries on this claim." }),
      unposted(claim.postings || []),
      claim.lines && claim.lines.length ? [h("h3", {}, "Lines"), grid(claim.lines, [
        ["Line", (l) => l.line_number, { num: true }],
        ["Procedure", (l) => [l.procedure_code, ...(l.modifiers || [])].filter(Boolean).join("-"), { codes: true }],
        ["Service date", (l) => dateNode(l.service_date)],
        ["Units", (l) => l.units, { num: true }],
        ["Charge", (l) => money(l.charge_amount), { num: true }],
        ["Expected allowed", (l) => money(l.expected_allowed), { num: true }],
      ], { testid: "lines" })] : null,
      h("h3", {}, "ERAs"),
      erasTable(claim.eras || [], { testid: "claim-eras" }),
      h("h3", {}, "Follow-ups"),
      followupsTable(claim.followups || [], { testid: "claim-followups" }),
    ];
  });
}
