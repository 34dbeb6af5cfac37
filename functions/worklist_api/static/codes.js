// Codes in words: the API's one table (GET api/codes) of CARC, RARC, CLP02 status, CAS group and PLB
// reason labels. Where it has no word (or is not there), the bare code is shown: never a guess.
import { api } from "./api.js";
import { h } from "./dom.js";

let table = { carc: {}, rarc: {}, claim_status: {}, cas_group: {}, plb_reason: {}, followup_types: [] };
let loaded = null;

/** Called once before the first view: the words, or none if the API cannot give them. */
export function loadCodes() {
  loaded ||= api("api/codes").then(
    (codes) => { if (codes && typeof codes === "object") table = { ...table, ...codes }; },
    () => { /* no words: every code shows bare */ },
  );
  return loaded;
}

/** The follow-up types a person works, in the order to offer them (the API's one list: domain PERSON_FACING_TYPES). */
export const followupTypes = () => table.followup_types;

/** The word for one code of a kind (carc, rarc, claim_status, cas_group, plb_reason), or null. */
export function word(kind, code) {
  const entry = (table[kind] || {})[String(code)];
  return entry && entry.label ? entry : null;
}

const NEXT = {
  appeal: "appeal", correct_and_resubmit: "correct and resubmit", bill_patient: "bill the patient",
  bill_next_payer: "bill the next payer", write_off: "write off",
};

// "CO-50", "PR-3", "PLB-WO", "N115", "MA130": which table each part comes from.
function lookup(code) {
  const text = String(code).trim();
  const cas = /^(CO|OA|PI|PR|CR)-?(\w+)$/.exec(text);
  if (cas) {
    const group = word("cas_group", cas[1]);
    const reason = word("carc", cas[2]);
    return { text: `${cas[1]}-${cas[2]}`, label: [group && group.label, reason && reason.label].filter(Boolean).join(": "), entry: reason };
  }
  const plb = /^PLB-(\w+)$/.exec(text);
  if (plb) {
    const entry = word("plb_reason", plb[1]);
    return { text, label: entry ? entry.label : "", entry };
  }
  const entry = /^[MN]/.test(text) ? word("rarc", text) : word("carc", text);
  return { text, label: entry ? entry.label : "", entry };
}

/**
 * One code, kept whole on a line, with its word after it (and the usual next step as a tooltip);
 * `amount`, if given, goes between the two ("CO-45 $15.00 contractual: ...").
 */
export function codeNode(code, amount, { bare = false } = {}) {
  const { text, label, entry } = lookup(code);
  const next = entry && entry.next_action && NEXT[entry.next_action];
  const tip = [bare ? label : "", next ? `usual next step: ${next}` : ""].filter(Boolean).join("; ");
  return h("span", { class: "code-word", title: tip || null },
    h("span", { class: "code" }, text), amount ? h("span", { class: "amount" }, ` ${amount}`) : null,
    label && !bare ? h("span", { class: "word" }, ` ${label}`) : null);
}

/** Several codes, each whole; `bare`: the words only as a tooltip (the worklist's narrow column). */
export function codesNode(codes, { bare = false } = {}) {
  const list = (codes || []).filter((c) => c !== null && c !== undefined && c !== "");
  if (list.length === 0) return "";
  return h("span", { class: "codes-list" }, list.map((code, i) => [i ? (bare ? " " : "; ") : "", codeNode(code, null, { bare })]));
}

/** The payer's claim status (CLP02) as "4 · label". */
export function claimStatusNode(code) {
  if (code === null || code === undefined || code === "") return "";
  const entry = word("claim_status", code);
  return h("span", { class: "code-word" }, h("span", { class: "code" }, String(code)), entry ? h("span", { class: "word" }, ` ${entry.label}`) : null);
}

/** CAS adjustments [{group, reason, amount}] as codes in words with their amounts. */
export function casNode(adjustments, money) {
  const list = adjustments || [];
  if (list.length === 0) return "";
  return h("span", { class: "codes-list" }, list.map((a, i) => [i ? "; " : "",
    codeNode(`${a.group}-${a.reason}`, `${money(a.amount)}${a.quantity ? ` ×${a.quantity}` : ""}`)]));
}
