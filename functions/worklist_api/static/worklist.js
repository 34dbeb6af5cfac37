// The worklist: filters (kept in the address: #/?status=open&type=denied), the counts by type, the
// rows and paging, and moving through them from the keyboard. The detail pane is followup.js.
import { api, downloadButton } from "./api.js";
import { codesNode, followupTypes, loadCodes } from "./codes.js";
import { $, h, money, payerText } from "./dom.js";
import { closeFollowup, openFollowup, statusText } from "./followup.js";
import { typeLabel } from "./vocabulary.js";
import { go, href } from "./router.js";

const PAGE_SIZE = 50;
// loadedKey: the filters the rows on screen were listed with (null: none listed yet).
const state = { cursor: null, items: new Map(), selected: null, loadedKey: null, params: new URLSearchParams() };

/** The form's filters as a query (only the fields given). */
function formParams() {
  const params = new URLSearchParams();
  for (const element of $("filters").elements) {
    if (!element.name) continue;
    if (element.type === "checkbox") {
      if (element.checked) params.set(element.name, element.value);
    } else if (element.value.trim() !== "") {
      params.set(element.name, element.value.trim());
    }
  }
  return params;
}
function fillForm(params) {
  $("filters").reset();
  for (const element of $("filters").elements) {
    if (!element.name || !params.has(element.name)) continue;
    if (element.type === "checkbox") element.checked = params.get(element.name) === element.value;
    else element.value = params.get(element.name);
  }
}
/** Apply the form: a new address, so back returns to the filters before. */
function applyFilters() {
  if (!$("filters").reportValidity()) return;
  go(href.worklist(formParams()));
}

function statusBadge(item) {
  return h("span", { class: `badge ${item.status}${item.status === "open" && item.appeal_due_date ? " due" : ""}` }, statusText(item));
}
function row(item) {
  const open = () => go(href.followup(item.id, state.params));
  return h("tr", {
      dataset: { testid: `row-${item.id}`, followupId: item.id, claimId: item.claim_id || "", type: item.type, status: item.status },
      class: state.selected === item.id ? "selected" : null,
      onclick: (event) => { if (!(event.target instanceof HTMLButtonElement)) open(); },
    },
    h("td", { class: "open-cell" },
      h("button", { type: "button", class: "link", "aria-label": `Open ${typeLabel(item.type)} ${item.claim_id || ""}`.trim(), onclick: open },
        item.claim_id || item.payer_id || "(no claim)")),
    h("td", { dataset: { col: "type" } }, typeLabel(item.type)),
    h("td", { class: "num", dataset: { col: "amount" } }, money(item.amount)),
    h("td", { class: "codes", dataset: { col: "codes" } }, codesNode(item.reason_codes, { bare: true })),
    h("td", { class: "payer", dataset: { col: "payer" }, title: item.payer_id || null }, payerText(item.payer_name, item.payer_id)),
    h("td", { class: "num", dataset: { col: "age" }, title: item.payment_date ? `ERA paid ${item.payment_date}` : null }, item.days_since_payment ?? ""),
    h("td", { class: "num", dataset: { col: "service-age" } }, item.days_since_service ?? ""),
    h("td", { class: "assignee", dataset: { col: "assignee" }, title: item.assignee || null }, item.assignee || ""),
    h("td", { dataset: { col: "status" } }, statusBadge(item)));
}

function renderCounts(counts) {
  const chosen = $("f-type").value;
  const entries = Object.entries(counts || {}).filter(([, n]) => n > 0);
  if (chosen && !entries.some(([t]) => t === chosen)) entries.push([chosen, 0]);
  const order = followupTypes();
  entries.sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
  const total = entries.reduce((sum, [, n]) => sum + Number(n), 0);
  const chip = (type, label, count) => {
    const params = new URLSearchParams(state.params);
    if (type) params.set("type", type);
    else params.delete("type");
    params.delete("cursor");
    return h("li", {}, h("a", {
        href: href.worklist(params), class: "chip", role: "button",
        "aria-pressed": String(chosen === type), dataset: { testid: `count-${type || "all"}`, type },
      }, label, count === null ? null : h("span", { class: "count" }, String(count))));
  };
  // With one type chosen the counts may cover only that type: no total for "All types" then.
  $("counts").replaceChildren(chip("", "All types", chosen ? null : total), ...entries.map(([type, n]) => chip(type, typeLabel(type), n)));
}
function updateListStatus() {
  const shown = state.items.size;
  const mine = state.params.get("mine") === "true";
  $("list-status").textContent = shown === 0
    ? (mine ? "Nothing assigned to you matches these filters." : "No follow-ups match these filters.")
    : `Showing ${shown} follow-up${shown === 1 ? "" : "s"}, oldest first${state.cursor ? "; more to load" : ""}.`;
  $("load-more").hidden = !state.cursor;
}
function clearRows() {
  state.items.clear();
  state.cursor = null;
  $("rows").replaceChildren();
}

async function loadList(more = false) {
  const params = new URLSearchParams(state.params);
  $("list-error").textContent = "";
  if (params.get("status") === "any" && !params.get("type")) {
    // "any" reads one type's index: say what to do instead of showing last list's rows under a hint.
    clearRows();
    $("counts").replaceChildren();
    $("load-more").hidden = true;
    $("list-status").textContent = "“Any status” lists one type at a time: choose a type.";
    return;
  }
  params.set("limit", String(PAGE_SIZE));
  if (more && state.cursor) params.set("cursor", state.cursor);
  $("load-more").disabled = true;
  $("worklist").setAttribute("aria-busy", "true");
  try {
    const page = await api(`api/followups?${params}`);
    if (!more) clearRows();
    for (const item of page.items) {
      state.items.set(item.id, item);
      $("rows").append(row(item));
    }
    state.cursor = page.next_cursor || null;
    if (page.counts_by_type) renderCounts(page.counts_by_type);
    updateListStatus();
    if (!more) countAppealed();
  } catch (error) {
    clearRows();
    $("list-status").textContent = "";
    $("list-error").textContent = error.message;
  } finally {
    $("load-more").disabled = false;
    $("worklist").removeAttribute("aria-busy");
  }
}
// The status filter's "appealed" says how many wait on a payer's answer, whatever list is shown.
async function countAppealed() {
  try {
    const page = await api("api/followups?status=appealed&limit=1");
    const n = Object.values(page.counts_by_type || {}).reduce((sum, count) => sum + Number(count), 0);
    $("f-status-appealed").textContent = `appealed (${n})`;
  } catch {
    $("f-status-appealed").textContent = "appealed"; // a convenience: the list says what failed
  }
}
async function refreshCounts() {
  countAppealed();
  // Counts move when an item is resolved; the rows already on screen stay put.
  const params = new URLSearchParams(state.params);
  if (params.get("status") === "any" && !params.get("type")) return;
  params.set("limit", "1");
  try {
    const page = await api(`api/followups?${params}`);
    if (page.counts_by_type) renderCounts(page.counts_by_type);
  } catch {
    /* the counts are a convenience; the action's own result was already shown */
  }
}
function replaceRow(item) {
  if (!state.items.has(item.id)) return;
  state.items.set(item.id, item);
  const old = document.querySelector(`#rows tr[data-followup-id="${CSS.escape(item.id)}"]`);
  if (old) old.replaceWith(row(item));
}
function markSelected(id) {
  state.selected = id;
  for (const tr of $("rows").children) tr.classList.toggle("selected", tr.dataset.followupId === id);
}

/** The worklist route (#/?filters) or one follow-up on it (#/followups/ID?filters). */
export async function showWorklist({ segments, params }) {
  state.params = new URLSearchParams(params);
  fillForm(state.params);
  $("nav-mine").setAttribute("aria-current", state.params.get("mine") === "true" ? "page" : "false");
  $("nav-worklist").setAttribute("aria-current", state.params.get("mine") === "true" ? "false" : "page");
  const key = state.params.toString();
  // The CSV of this view: the same filters (mine included: the API knows who "me" is).
  $("worklist-tools").replaceChildren(downloadButton("worklist", state.params));
  if (key !== state.loadedKey) {
    state.loadedKey = key;
    await loadList();
  }
  const id = segments[0] === "followups" ? segments[1] : null;
  markSelected(id);
  if (id) await openFollowup(id);
  else closeFollowup();
}

/** j/k: the next or previous row's button takes the focus (Enter then opens it). */
export function moveInList(step) {
  const buttons = [...$("rows").querySelectorAll("td.open-cell button")];
  if (buttons.length === 0) return;
  const at = buttons.indexOf(document.activeElement);
  const selected = buttons.findIndex((b) => b.closest("tr").dataset.followupId === state.selected);
  const from = at >= 0 ? at : selected;
  const next = from < 0 ? (step > 0 ? 0 : buttons.length - 1) : Math.min(Math.max(from + step, 0), buttons.length - 1);
  for (const tr of $("rows").children) tr.classList.toggle("current", tr === buttons[next].closest("tr"));
  buttons[next].focus();
  buttons[next].scrollIntoView({ block: "nearest" });
}

export function initWorklist() {
  const typeSelect = $("f-type");
  // The types come with the codes' words, before the first view is shown (app.js waits for them).
  loadCodes().then(() => {
    for (const value of followupTypes()) typeSelect.append(h("option", { value }, typeLabel(value)));
  });
  $("filters").addEventListener("submit", (event) => { event.preventDefault(); applyFilters(); });
  $("f-reset").addEventListener("click", () => go(href.worklist(state.params.get("mine") === "true" ? "mine=true" : "")));
  for (const id of ["f-status", "f-type", "f-mine"]) $(id).addEventListener("change", applyFilters);
  $("load-more").addEventListener("click", () => loadList(true));
  // What an action on the detail pane changed: its row and the counts.
  document.addEventListener("followup-changed", (event) => {
    replaceRow(event.detail);
    refreshCounts();
  });
  document.addEventListener("followup-loaded", (event) => replaceRow(event.detail));
}
