// Reconciliation by hand (#/recon): the ERAs and deposits no match joins yet, with their ids and the
// deposits' bank text; the matches (the matcher's and people's) and the classified deposits. A biller
// picks one ERA and one or several deposits (or one deposit and several ERAs) and matches them with
// a note, unmatches a match, or classifies a deposit as not insurance. The deposit view reuses the
// deposit's own actions (depositActions).
import { api } from "./api.js";
import { dateNode, grid, h, money, payerText, words } from "./dom.js";
import { href, publicEraId } from "./router.js";
import { fillView, link, openView } from "./summaries.js";

export const CATEGORIES = {
  card_settlement: "card settlement",
  patient_payments: "patient payments",
  transfer: "transfer",
  interest: "interest",
  other: "other",
};

// Cents from the API's money text ("1,234.5" never comes: it is "1234.50"), so totals stay exact.
function cents(text) {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(text ?? "").trim());
  if (!match) return 0n;
  const value = BigInt(match[2]) * 100n + BigInt((match[3] || "0").padEnd(2, "0"));
  return match[1] ? -value : value;
}
const centsText = (value) => {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  return `${negative ? "-" : ""}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
};

// What the last action said, when its redraw built a new view (the deposit's, the ERA's): shown
// by the next messages() there.
let carried = null;

function messages() {
  const error = h("div", { class: "message error", role: "alert", dataset: { testid: "recon-error" } });
  const ok = h("div", { class: "message ok", role: "status", dataset: { testid: "recon-ok" } });
  const say = (failure, done) => {
    error.textContent = failure ? (failure.status ? `${failure.message} (${failure.status})` : failure.message) : "";
    ok.textContent = done || "";
  };
  if (carried) {
    const { failure, done } = carried;
    say(failure, done);
    carried = null;
  }
  return { error, ok, say };
}

const noteField = (testid, label = "Note (required)") =>
  h("label", {}, label, h("textarea", { required: true, rows: 2, dataset: { testid } }));

/** POST, then say what happened and redraw; a 409 says someone else acted first and reloads too. */
async function post(path, body, say, done, redraw) {
  let failure = null;
  try {
    await api(path, { method: "POST", body });
  } catch (error) {
    if (error.status !== 409) {
      say(error);
      return false;
    }
    failure = { status: 409, message: `Someone else changed it first: ${error.message}` };
  }
  carried = { failure, done: failure ? "" : done };
  await redraw();
  if (carried) say(failure, carried.done); // the same view was redrawn: its own messages say it
  carried = null;
  return !failure;
}

function classifyForm(depositId, say, redraw) {
  const category = h("select", { required: true, dataset: { testid: "classify-category" } },
    h("option", { value: "" }, "choose…"),
    Object.entries(CATEGORIES).map(([value, text]) => h("option", { value }, text)));
  const form = h("form", {
    class: "inline-form", novalidate: true, dataset: { testid: `classify-${depositId}` },
    onsubmit: async (event) => {
      event.preventDefault();
      if (!form.reportValidity()) return;
      const note = form.querySelector("textarea").value.trim();
      await post(`api/recon/deposits/${encodeURIComponent(depositId)}/classify`, { category: category.value, note }, say,
        `Deposit classified as ${CATEGORIES[category.value]}.`, redraw);
    },
  }, h("label", {}, "Not insurance: ", category), noteField("classify-note"), h("button", { type: "submit" }, "Classify"));
  return form;
}

function unmatchForm(match, say, redraw) {
  const form = h("form", {
    class: "inline-form", novalidate: true, dataset: { testid: `unmatch-${match.match_id}` },
    onsubmit: async (event) => {
      event.preventDefault();
      if (!form.reportValidity()) return;
      const note = form.querySelector("textarea").value.trim();
      await post(`api/recon/matches/${encodeURIComponent(match.match_id)}/unmatch`, { note }, say, "Match undone.", redraw);
    },
  }, noteField("unmatch-note"), h("button", { type: "submit", class: "secondary" }, "Unmatch"));
  return form;
}

function matchesTable(matches, say, redraw) {
  return grid(matches, [
    ["Match", (m) => m.match_id, { col: "match" }],
    ["ERAs", (m) => (m.era_ids || []).map((id, i) => [i ? ", " : "", link(href.era(publicEraId(id)), id)]), { col: "eras" }],
    ["Deposits", (m) => (m.deposit_ids || []).map((id, i) => [i ? ", " : "", link(href.deposit(id), id)]), { col: "deposits" }],
    ["ERA total", (m) => money(m.era_amount), { num: true }],
    ["Deposit total", (m) => money(m.deposit_amount), { num: true }],
    ["How", (m) => [words(m.confidence || ""), m.rule ? ` · ${m.rule}` : "", m.audit && m.audit.by ? ` · by ${m.audit.by}` : ""]],
    ["", (m) => unmatchForm(m, say, redraw)],
  ], { testid: "recon-matches", empty: "No matches yet.", rowProps: (m) => ({ dataset: { matchId: m.match_id } }) });
}

function classifiedList(classified) {
  return grid(classified || [], [
    ["Deposit", (c) => (c.deposit_id ? link(href.deposit(c.deposit_id), c.deposit_id) : "")],
    ["As", (c) => CATEGORIES[c.category] || c.category, { col: "category" }],
    ["By", (c) => c.by],
    ["Note", (c) => c.note],
  ], { testid: "recon-classified", empty: "No deposit classified." });
}

export function showRecon(params) {
  const body = openView({ kind: "recon", title: "Reconciliation" });
  const picked = { eras: new Set(), deposits: new Set(params && params.get("deposit") ? [params.get("deposit")] : []) };
  const { error, ok, say } = messages();
  const redraw = () => fillView(body, load);

  async function load() {
    const [waiting, recorded] = await Promise.all([api("api/recon/unmatched"), api("api/recon/matches")]);
    const eras = waiting.eras || [];
    const deposits = waiting.deposits || [];
    // Only what still waits can be picked.
    for (const id of [...picked.eras]) if (!eras.some((e) => e.era_id === id)) picked.eras.delete(id);
    for (const id of [...picked.deposits]) if (!deposits.some((d) => d.deposit_id === id)) picked.deposits.delete(id);

    const totals = h("p", { dataset: { testid: "recon-totals" } });
    const differ = h("input", { type: "checkbox", dataset: { testid: "amounts-differ" } });
    const differLabel = h("label", { class: "check", hidden: true }, differ, " The amounts differ, and the note says why");
    const note = h("textarea", { required: true, rows: 2, dataset: { testid: "match-note" } });
    const button = h("button", { type: "submit", dataset: { testid: "match-submit" } }, "Match");
    const refresh = () => {
      const eraTotal = eras.filter((e) => picked.eras.has(e.era_id)).reduce((sum, e) => sum + cents(e.amount), 0n);
      const depositTotal = deposits.filter((d) => picked.deposits.has(d.deposit_id)).reduce((sum, d) => sum + cents(d.amount), 0n);
      const chosen = picked.eras.size > 0 && picked.deposits.size > 0;
      const oneSide = picked.eras.size === 1 || picked.deposits.size === 1;
      totals.textContent = `Chosen: ${picked.eras.size} ERA(s), ${money(centsText(eraTotal))}; ${picked.deposits.size} deposit(s), ${money(centsText(depositTotal))}.`
        + (chosen && !oneSide ? " Match one ERA with several deposits, or one deposit with several ERAs." : "");
      differLabel.hidden = !chosen || eraTotal === depositTotal;
      if (differLabel.hidden) differ.checked = false;
      button.disabled = !chosen || !oneSide;
    };
    const pick = (set, id, testid) => h("input", {
      type: "checkbox", "aria-label": `Choose ${id}`, dataset: { testid },
      checked: set.has(id),
      onchange: (event) => { if (event.target.checked) set.add(id); else set.delete(id); refresh(); },
    });

    const form = h("form", {
      class: "resolve", novalidate: true, dataset: { testid: "match-form" },
      onsubmit: async (event) => {
        event.preventDefault();
        if (!form.reportValidity()) return;
        const sent = { era_ids: [...picked.eras], deposit_ids: [...picked.deposits], note: note.value.trim(), amounts_differ: differ.checked };
        if (await post("api/recon/matches", sent, say, "Matched.", redraw)) { picked.eras.clear(); picked.deposits.clear(); }
      },
    }, totals, h("label", {}, "Note (required; why these belong together)", note), differLabel, h("div", {}, button));
    refresh();

    return [
      error, ok,
      h("h3", {}, `ERAs without a deposit (${eras.length})`),
      grid(eras, [
        ["", (e) => pick(picked.eras, e.era_id, `pick-era-${e.era_id}`)],
        ["ERA id", (e) => link(href.era(publicEraId(e.era_id)), e.era_id), { col: "era-id" }],
        ["Payer", (e) => payerText(e.payer_name, e.payer_id)],
        ["Trace", (e) => e.trace_number, { col: "trace" }],
        ["Paid on", (e) => dateNode(e.payment_date)],
        ["Method", (e) => e.method],
        ["Amount", (e) => money(e.amount), { num: true, col: "amount" }],
      ], { testid: "recon-eras", empty: "Every ERA has its deposit.", rowProps: (e) => ({ dataset: { eraId: e.era_id } }) }),
      h("h3", {}, `Deposits without an ERA (${deposits.length})`),
      grid(deposits, [
        ["", (d) => pick(picked.deposits, d.deposit_id, `pick-deposit-${d.deposit_id}`)],
        ["Deposit id", (d) => link(href.deposit(d.deposit_id), d.deposit_id), { col: "deposit-id" }],
        ["Booked", (d) => dateNode(d.booking_date)],
        ["Trace", (d) => d.trace_number],
        ["Amount", (d) => money(d.amount), { num: true, col: "amount" }],
        ["Bank text", (d) => (d.bank_text ? h("span", { class: "bank-text", dataset: { testid: "bank-text" } }, d.bank_text) : ""), { col: "bank-text" }],
        ["", (d) => classifyForm(d.deposit_id, say, redraw)],
      ], { testid: "recon-deposits", empty: "Every deposit has its ERA.", rowProps: (d) => ({ dataset: { depositId: d.deposit_id } }) }),
      h("h3", {}, "Match by hand"),
      form,
      h("h3", {}, `Matches (${(recorded.matches || []).length})`),
      matchesTable(recorded.matches || [], say, redraw),
      h("h3", {}, "Classified as not insurance"),
      classifiedList(recorded.classified),
    ];
  }
  return fillView(body, load);
}

// The entity views show even when the matches cannot be read: the failure is said where they go.
async function matchesOrSay(error) {
  try {
    return await api("api/recon/matches");
  } catch (failure) {
    error.textContent = `The matches could not be read: ${failure.message}`;
    return null;
  }
}

/**
 * The deposit view's actions: unmatch where a match holds it, else match it by hand (in the
 * reconciliation view, with it chosen) or classify it. `redraw` shows the deposit again.
 */
export async function depositActions(depositId, redraw) {
  const { error, ok, say } = messages();
  const recorded = await matchesOrSay(error);
  if (!recorded) return [error];
  const match = (recorded.matches || []).find((m) => (m.deposit_ids || []).includes(depositId));
  if (match) {
    return [h("h3", {}, "Match"), matchesTable([match], say, redraw), error, ok];
  }
  const own = (recorded.classified || []).filter((c) => c.deposit_id === depositId);
  if (own.length) return [h("h3", {}, "Classified"), error, ok, classifiedList(own)];
  return [
    h("h3", {}, "Reconcile by hand"),
    h("p", {}, link(href.recon(new URLSearchParams({ deposit: depositId })), "Match it to ERAs…", "deposit-match-link")),
    classifyForm(depositId, say, redraw),
    error, ok,
  ];
}

/** The ERA view's: unmatch where a match holds this ERA (by its record key, "ERA#..."). */
export async function eraActions(eraKey, redraw) {
  const { error, ok, say } = messages();
  const recorded = await matchesOrSay(error);
  if (!recorded) return [error];
  const match = (recorded.matches || []).find((m) => (m.era_ids || []).includes(eraKey));
  if (!match) return [];
  return [h("h4", {}, "Its match"), matchesTable([match], say, redraw), error, ok];
}
