// One box finds claims, accounts, ERAs, deposits and follow-ups (#/search?q=...), grouped, each a
// link. The term stays in the address (the page's own), never in anything the page logs.
import { api } from "./api.js";
import { $, grid, h, money } from "./dom.js";
import { href } from "./router.js";
import { claimsTable, depositsTable, erasTable, fillView, followupsTable, link, openView } from "./summaries.js";

const GROUPS = [
  ["claims", "Claims", (rows) => claimsTable(rows, { testid: "results-claims" })],
  ["accounts", "Accounts", (rows) => grid(rows, [
    ["Account", (a) => link(href.account(a.account_id), a.account_id), { col: "account" }],
    ["Patient", (a) => a.patient_name],
    ["Claims", (a) => a.claims_count ?? (a.claims ? a.claims.length : ""), { num: true }],
    ["Insurance balance", (a) => money((a.totals || a).insurance_balance), { num: true }],
    ["Patient balance", (a) => money((a.totals || a).patient_balance), { num: true }],
  ], { testid: "results-accounts" })],
  ["eras", "ERAs", (rows) => erasTable(rows, { testid: "results-eras" })],
  ["deposits", "Deposits", (rows) => depositsTable(rows, { testid: "results-deposits" })],
  ["followups", "Follow-ups", (rows) => followupsTable(rows, { testid: "results-followups" })],
];

export function showSearch(q) {
  $("search-box").value = q;
  const body = openView({ kind: "search", title: q ? `Search: ${q}` : "Search" });
  return fillView(body, async () => {
    if (!q.trim()) return [h("p", { class: "muted" }, "Type a claim id, patient name, account, payer, check or EFT number, date of service or amount.")];
    const found = await api(`api/search?${new URLSearchParams({ q })}`);
    const groups = GROUPS.filter(([key]) => (found[key] || []).length > 0);
    if (groups.length === 0) return [h("p", { dataset: { testid: "no-results" } }, `Nothing found for “${q}”.`)];
    return groups.map(([key, title, render]) => h("section", { class: "results", dataset: { testid: `group-${key}` } },
      h("h3", {}, `${title} (${found[key].length})`), render(found[key])));
  });
}
