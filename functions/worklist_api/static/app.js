// The billers' workstation: the worklist and the claim, account, ERA, deposit and search views, each
// at its own hash route. This module only wires them; each view is its own module.
import { showAccount } from "./account.js";
import { showClaim } from "./claim.js";
import { loadCodes } from "./codes.js";
import { showDeposit } from "./deposit.js";
import { $ } from "./dom.js";
import { showEra, showErasOfTrace } from "./era.js";
import { initFollowup } from "./followup.js";
import { showRecon } from "./recon.js";
import { go, href, onRoute } from "./router.js";
import { showSearch } from "./search.js";
import { startSession } from "./signin.js";
import { initWorklist, moveInList, showWorklist } from "./worklist.js";

const ENTITY_VIEWS = { claims: showClaim, accounts: showAccount, eras: showEra, deposits: showDeposit };
const TITLES = { claims: "Claim", accounts: "Account", eras: "ERA", deposits: "Deposit", search: "Search", recon: "Reconciliation" };

function route({ segments, params }) {
  const [first, id] = segments;
  const entity = first === "search" || first === "recon" || (ENTITY_VIEWS[first] && id) || (first === "eras" && params.has("trace"));
  $("worklist-view").hidden = Boolean(entity);
  $("entity-view").hidden = !entity;
  document.title = `${entity ? TITLES[first] : "Worklist"} · remitflow`;
  if (first === "search") return showSearch(params.get("q") || "");
  if (first === "recon") return showRecon(params);
  if (first === "eras" && !id && params.has("trace")) return showErasOfTrace(params);
  if (entity) return ENTITY_VIEWS[first](id);
  return showWorklist({ segments, params });
}

// True while a person types somewhere: single-letter shortcuts stay out of the way then.
function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName));
}

function keys(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  if (event.key === "/") {
    event.preventDefault();
    $("search-box").focus();
    $("search-box").select();
  } else if ((event.key === "j" || event.key === "k") && !$("worklist-view").hidden) {
    event.preventDefault();
    moveInList(event.key === "j" ? 1 : -1);
  }
}

async function init() {
  await startSession(); // a sign-in coming back with a code is finished before the first call
  initWorklist();
  initFollowup();
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const q = $("search-box").value.trim();
    if (q) go(href.search(q));
  });
  document.addEventListener("keydown", keys);
  await loadCodes();
  onRoute(route);
}
init();
