// Building the page: a tiny DOM builder (text always goes in as text, never as HTML) and the
// formatting of the API's strings. Money is formatted from its text, never computed with floats.

export const $ = (id) => document.getElementById(id);

export function h(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Keys whose values are money strings ("75.00"), wherever they appear in a detail object.
export const MONEY_KEY = /(^|_)(amount|paid|payment|balance|adjustment|adjustments|responsibility|shortfall|allowed|cash|charge|total)$/;
const DATE_KEY = /(^|_)(date|start|end)$/;

export function money(value) {
  if (value === null || value === undefined || value === "") return "";
  const text = String(value).trim();
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] === "" && !match[3])) return text; // not a plain decimal: show as given
  const whole = (match[2].replace(/^0+(?=\d)/, "") || "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = (match[3] || "").padEnd(2, "0");
  const negative = match[1] === "-" && /[1-9]/.test(match[2] + (match[3] || ""));
  return `${negative ? "-" : ""}$${whole}.${cents}`;
}
export const isMoneyText = (value) => /^[+-]?\d*(\.\d*)?$/.test(String(value));
// Money and the like: not zero ("0", "0.00", "-0.00" are zero).
export const nonZero = (value) => value !== null && value !== undefined && /[1-9]/.test(String(value));

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });
const localDateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const localDateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
export function dateNode(iso, withTime) {
  if (!iso) return "";
  const text = String(iso);
  let shown = text;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    // A calendar date (service or payment date): no time zone may shift it.
    const [y, m, d] = text.split("-").map(Number);
    shown = dateFormat.format(new Date(Date.UTC(y, m - 1, d)));
  } else {
    const parsed = new Date(text);
    if (!Number.isNaN(parsed.getTime())) shown = (withTime ? localDateTimeFormat : localDateFormat).format(parsed);
  }
  return h("time", { datetime: text, title: text }, shown);
}

export function words(key) {
  return String(key).replace(/_/g, " ");
}

export const dash = () => h("span", { class: "muted" }, "—");

export function valueNode(key, value) {
  if (value === null || value === undefined || value === "") return dash();
  if (value instanceof Node) return value;
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== "object")) return value.join(", ");
    return table(value);
  }
  if (typeof value === "object") return facts(Object.entries(value));
  if (MONEY_KEY.test(key) && isMoneyText(value)) return money(value);
  if (DATE_KEY.test(key) || key.endsWith("_at")) return dateNode(value, key.endsWith("_at"));
  return String(value);
}

/** A definition list of [key, value] pairs; a value may be a ready-made node. */
export function facts(pairs) {
  const dl = h("dl", { class: "facts" });
  for (const [key, value] of pairs) {
    const isMoney = MONEY_KEY.test(key);
    dl.append(h("dt", {}, words(key)), h("dd", { class: isMoney ? "num" : null, dataset: { field: key } }, valueNode(key, value)));
  }
  return dl;
}

// Columns a person looks for first, in this order; the rest follow as they come.
const FIRST = ["procedure_code", "shortfall", "expected_allowed", "actual_allowed", "modifiers", "line_number"];
/** A table of objects with the union of their keys as columns (for detail lists we do not know ahead). */
export function table(rows) {
  const keys = [];
  for (const row of rows) for (const key of Object.keys(row || {})) if (!keys.includes(key)) keys.push(key);
  const rank = (k) => (FIRST.includes(k) ? FIRST.indexOf(k) : FIRST.length);
  keys.sort((a, b) => rank(a) - rank(b));
  return h("div", { class: "scroll" }, h("table", { class: "compact" },
    h("thead", {}, h("tr", {}, keys.map((k) => h("th", { scope: "col", class: MONEY_KEY.test(k) ? "num" : null }, words(k))))),
    h("tbody", {}, rows.map((row) => h("tr", {}, keys.map((k) => h("td", { class: MONEY_KEY.test(k) ? "num" : null, dataset: { col: k } }, valueNode(k, row[k]))))))));
}

/**
 * A table with chosen columns: [heading, (row) => cell, {num, col}] each. `rowProps(row)` adds
 * attributes to a row (a test id, say).
 */
export function grid(rows, columns, { testid, empty, rowProps } = {}) {
  if (!rows || rows.length === 0) return h("p", { class: "muted", dataset: testid ? { testid } : null }, empty || "None.");
  return h("div", { class: "scroll" }, h("table", { dataset: testid ? { testid } : null },
    h("thead", {}, h("tr", {}, columns.map(([title, , opts = {}]) => h("th", { scope: "col", class: opts.num ? "num" : null }, title)))),
    h("tbody", {}, rows.map((row) => h("tr", rowProps ? rowProps(row) : {},
      columns.map(([, cell, opts = {}]) => {
        const value = cell(row);
        return h("td", { class: [opts.num ? "num" : "", opts.codes ? "codes" : ""].join(" ").trim() || null, dataset: opts.col ? { col: opts.col } : null },
          value === null || value === undefined || value === "" ? dash() : value);
      }))))));
}

/** Who pays: the payer's name with its id, or the id alone where no name is known. */
export function payerText(name, id) {
  if (name && id) return `${name} (${id})`;
  return name || id || "";
}
