// One patient account (#/accounts/ID): every claim with its balances, and the account's totals.
import { api } from "./api.js";
import { facts, h, money, words } from "./dom.js";
import { claimsTable, fillView, openView } from "./summaries.js";

const TOTALS = ["charge_amount", "insurance_paid", "adjustments", "patient_responsibility", "insurance_balance", "patient_balance"];

export function showAccount(accountId) {
  const body = openView({ kind: "account", title: `Account ${accountId}`, exportKind: "account", exportParams: { id: accountId } });
  return fillView(body, async () => {
    const account = await api(`api/accounts/${encodeURIComponent(accountId)}`);
    const totals = account.totals || {};
    return [
      facts([["patient_name", account.patient_name], ["claims", String((account.claims || []).length)]]),
      h("h3", {}, "Totals"),
      h("table", { class: "balances", dataset: { testid: "totals" } }, h("tbody", {},
        TOTALS.map((key) =>
          h("tr", { dataset: { total: key } }, h("th", { scope: "row" }, words(key)), h("td", { class: "num" }, money(totals[key])))))),
      h("h3", {}, "Claims"),
      claimsTable(account.claims || [], { testid: "account-claims", showAccount: false }),
    ];
  });
}
