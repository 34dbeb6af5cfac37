// One bank deposit (#/deposits/ID): the bank's own text, whether an ERA explains it, and those ERAs.
import { api } from "./api.js";
import { facts, h } from "./dom.js";
import { depositActions } from "./recon.js";
import { erasTable, fillView, openView } from "./summaries.js";
import { DEPOSIT_MATCH } from "./vocabulary.js";

export function showDeposit(depositId) {
  const body = openView({ kind: "deposit", title: "Deposit" });
  return fillView(body, async () => {
    const d = await api(`api/deposits/${encodeURIComponent(depositId)}`);
    document.getElementById("view-title").textContent = `Deposit ${d.bank_reference || d.trace_number || ""}`.trim();
    return [
      facts([
        ["status", DEPOSIT_MATCH[d.status] || d.status],
        ["amount", d.amount],
        ["date", d.date],
        ["bank_reference", d.bank_reference],
        ["trace_number", d.trace_number],
        ["source_file", d.source_key],
      ]),
      h("h3", {}, "Bank text"),
      d.bank_text ? h("pre", { class: "bank-text", dataset: { testid: "bank-text" } }, d.bank_text) : h("p", { class: "muted" }, "The bank sent no text."),
      h("h3", {}, "ERAs"),
      erasTable(d.eras || [], { testid: "deposit-eras" }),
      await depositActions(depositId, () => showDeposit(depositId)),
    ];
  });
}
