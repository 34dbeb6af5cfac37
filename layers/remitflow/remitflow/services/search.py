"""Search: one box finds claims, accounts, ERAs, deposits and follow-ups.

The text is read every way it can mean something (domain.search_terms.read_query): an id prefix
(claim, account, check or EFT trace), the words of a patient's or payer's name, a payer id, a date,
an amount. Each reading is one Query on the search entries (or a claims index); every entity found
is read back and checked against the text, so a stale entry finds nothing. Groups hold at most
GROUP_LIMIT results, best first: an id match before a name, a name before a date or an amount.

The text can be a patient's name: it is never logged, traced or put in a metric, here or below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from remitflow.domain.claims import Claim
from remitflow.domain.errors import InvalidRequest
from remitflow.domain.search_terms import (
    Field,
    Query,
    Term,
    amount_term,
    id_term,
    matches_words,
    read_query,
)
from remitflow.services.ports import ClaimStorage, SearchStorage, WorklistStorage
from remitflow.services.record_views import claim_summary, deposit_summary, era_summary, followup_summary

GROUP_LIMIT = 20
CANDIDATES = 100  # entries read per name word: checked against the whole name, then cut to the group
FOLLOWUP_CLAIMS = 10  # claims whose postings are read for their follow-ups


def _add(found: list[str], ids: Iterable[str]) -> None:
    found.extend(i for i in ids if i not in found)


class Search:
    def __init__(self, *, store: SearchStorage, claims: ClaimStorage, worklist: WorklistStorage) -> None:
        self.store = store
        self.claims = claims
        self.worklist = worklist

    def search(self, text: str) -> dict[str, Any]:
        query = read_query(text)
        if query.empty:
            raise InvalidRequest("q", "type a claim id, a name, an account, a trace number, a date or an amount")
        payers = self._payers(query)
        claims = self._claims(query, payers)
        posted_only = self.store.find(Term(Field.CLAIM, query.ident), kind="posted_claim", limit=GROUP_LIMIT)
        eras = self._eras(query, payers)
        deposits = self._deposits(query)
        names = self.store.payer_names(
            [c.payer_id for c in claims] + [str(e.get("payer_id")) for e in eras if e.get("payer_id")]
        )
        matches = self.store.era_matches([str(e["pk"]) for e in eras])
        followup_claims = [c.claim_id for c in claims[:FOLLOWUP_CLAIMS]]
        _add(followup_claims, (i for i in posted_only if id_term(i).startswith(query.ident)))
        return {
            "query": query.text,
            "claims": [claim_summary(c, names) for c in claims],
            "accounts": _accounts(claims),
            "eras": [era_summary(e, names, matches.get(str(e["pk"]))) for e in eras],
            "deposits": [deposit_summary(d) for d in deposits],
            "followups": self._followups(followup_claims, query, names),
        }

    # -- payers ----------------------------------------------------------------------------------

    def _payers(self, query: Query) -> list[str]:
        """Payer ids the text names: by the words of the payer's name (every word must match)."""
        if not query.words:
            return []
        longest = max(query.words, key=len)
        candidates = self.store.find(Term(Field.PAYER_NAME, longest), kind="payer", limit=GROUP_LIMIT)
        names = self.store.payer_names(candidates)
        return [p for p in candidates if matches_words(query.words, names.get(p))]

    # -- claims ----------------------------------------------------------------------------------

    def _claims(self, query: Query, payers: list[str]) -> list[Claim]:
        ids: list[str] = []
        if query.ident:
            _add(ids, self.store.find(Term(Field.CLAIM, query.ident), kind="claim", limit=GROUP_LIMIT))
            _add(ids, self.store.find(Term(Field.ACCOUNT, query.ident), kind="claim", limit=GROUP_LIMIT))
        if query.words:
            longest = max(query.words, key=len)
            _add(ids, self.store.find(Term(Field.NAME, longest), kind="claim", limit=CANDIDATES))
        if query.day:
            _add(ids, self.store.find(Term(Field.DATE, query.day), kind="claim", limit=GROUP_LIMIT))
        if query.amount:
            _add(ids, self.store.find(Term(Field.AMOUNT, query.amount), kind="claim", limit=GROUP_LIMIT))
        found = [claim for claim in self.store.claims(ids) if _claim_matches(claim, query)]
        for payer_id in [query.text, *payers] if query.text else payers:
            if len(found) >= GROUP_LIMIT:
                break
            page, _ = self.store.claims_page(payer_id=payer_id, limit=GROUP_LIMIT - len(found))
            found += [c for c in page if c.claim_id not in {f.claim_id for f in found}]
        return found[:GROUP_LIMIT]

    # -- ERAs and deposits -----------------------------------------------------------------------

    def _eras(self, query: Query, payers: list[str]) -> list[dict[str, Any]]:
        terms = [Term(Field.TRACE, query.ident)] if query.ident else []
        terms += [Term(Field.PAYER, id_term(p)) for p in dict.fromkeys([query.text, *payers]) if id_term(p)]
        if query.amount:
            terms.append(Term(Field.AMOUNT, query.amount))
        if query.day:
            terms.append(Term(Field.DATE, query.day))
        ids: list[str] = []
        for term in terms:
            _add(ids, self.store.find(term, kind="era", limit=GROUP_LIMIT))
        payer_terms = {id_term(p) for p in [query.text, *payers]}
        return [e for e in self.store.eras(ids) if _era_matches(e, query, payer_terms)][:GROUP_LIMIT]

    def _deposits(self, query: Query) -> list[dict[str, Any]]:
        terms = [Term(Field.TRACE, query.ident)] if query.ident else []
        if query.amount:
            terms.append(Term(Field.AMOUNT, query.amount))
        if query.day:
            terms.append(Term(Field.DATE, query.day))
        ids: list[str] = []
        for term in terms:
            _add(ids, self.store.find(term, kind="deposit", limit=GROUP_LIMIT))
        return [d for d in self.store.deposits(ids) if _deposit_matches(d, query)][:GROUP_LIMIT]

    # -- follow-ups ------------------------------------------------------------------------------

    def _followups(self, claim_ids: list[str], query: Query, names: Mapping[str, str]) -> list[dict[str, Any]]:
        """The follow-ups the found claims' postings raised, and the follow-up the text names by id."""
        ids: list[str] = [query.text] if query.text and " " not in query.text else []
        for claim_id in claim_ids:
            for posting in self.claims.postings(claim_id):
                _add(ids, (f.id for f in posting.followups))
        items = [item for item in (self.worklist.work_item(i) for i in ids[: GROUP_LIMIT + 1]) if item is not None]
        more = self.store.payer_names(i.followup.payer_id for i in items if i.followup.payer_id)
        return [followup_summary(item, {**names, **more}) for item in items][:GROUP_LIMIT]


def _claim_matches(claim: Claim, query: Query) -> bool:
    ident = query.ident
    if ident and (id_term(claim.claim_id).startswith(ident) or id_term(claim.account_id).startswith(ident)):
        return True
    if query.words and matches_words(query.words, claim.patient_name):
        return True
    if query.day and any(line.service_date.isoformat() == query.day for line in claim.lines):
        return True
    return bool(query.amount and amount_term(claim.charge_amount) == query.amount)


def _era_matches(record: Mapping[str, Any], query: Query, payer_terms: set[str]) -> bool:
    if query.ident and id_term(str(record.get("trace_number", ""))).startswith(query.ident):
        return True
    if id_term(str(record.get("payer_id", ""))) in payer_terms:
        return True
    if query.amount and _amount_of(record.get("payment_amount")) == query.amount:
        return True
    return bool(query.day and _day_of(record.get("payment_date")) == query.day)


def _deposit_matches(record: Mapping[str, Any], query: Query) -> bool:
    traces = (record.get("trace_number"), record.get("bank_reference"))
    if query.ident and any(t and id_term(str(t)).startswith(query.ident) for t in traces):
        return True
    if query.amount and _amount_of(record.get("amount")) == query.amount:
        return True
    return bool(query.day and _day_of(record.get("booking_date")) == query.day)


def _amount_of(value: Any) -> str | None:
    return None if value is None else amount_term(Decimal(str(value)))


def _day_of(value: Any) -> str | None:
    if isinstance(value, date):
        return value.isoformat()
    return None if value is None else str(value)[:10]


def _accounts(claims: list[Claim]) -> list[dict[str, Any]]:
    """The accounts of the claims found, each once, with the claims found on it."""
    accounts: dict[str, dict[str, Any]] = {}
    for claim in claims:
        account = accounts.setdefault(
            claim.account_id, {"account_id": claim.account_id, "patient_name": claim.patient_name, "claim_ids": []}
        )
        account["claim_ids"].append(claim.claim_id)
    return list(accounts.values())[:GROUP_LIMIT]
