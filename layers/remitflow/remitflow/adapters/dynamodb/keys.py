"""Every table's key layout: the only place a `pk` or `sk` is spelled out.

Keys are plain strings here ({"pk": ..., "sk": ...}); `to_dynamo` encodes them for a request.

ClaimsTable       pk "CLAIM#<claim id>"  sk "META"                 the claim, its balances and version
                                         sk "POSTING#<posting id>" one decision: entries + follow-ups
                                         sk "POSTING#<posting id>#PART#<n>"  the rest of a decision
                                            too big for one item (written in the same transaction)

                  index claims_by_era: era_id (the ERA's era id) + era_line (its CLP's segment
                     number), on postings of 835 claim payments: an ERA's claims in file order
                  index claims_by_account: account_id + pk, on claims: a patient account's claims

RemittancesTable  pk "<era id>"                  sk "META"   one 835 transaction set; the era id is
                     (RemittanceKey.era_id: "ERA#<payer>#<trace>#<amount>#<date>")
                  pk "<era id>"                  sk "RECON"  the ERA on the reconciliation side: written
                                                             once when it opens, then `matched_by`
                  pk "UNAPPLIED#<hold id>"       sk "CASH"   money held for a person
                  pk "PROVIDER#<provider id>"    sk "PLB#<entry id>"
                  pk "FEE#<payer id>"            sk "<procedure>#<modifiers>"
                  pk "DEPOSIT#<transaction id>"  sk "META"   a bank transaction as read
                  pk "BANKREF#<identity>"        sk "META"   the one transaction kept for an account,
                     (matching.bank_reference_identity)      booking date and bank reference, any format
                  pk "RECON#OPEN"     sk "ERA#<era id>" | "DEPOSIT#<id>"   waiting to be matched
                  pk "RECON#MATCHED"  sk "<match id>"                      a match and what it joined

                  index eras_by_date: era_listing ("ERA") + listed_on ("<BPR16>#<era id>"), on META
                  index eras_by_payer: era_payer (TRN03) + listed_on, on META
                  index eras_by_trace: era_trace (TRN02 as read) + listed_on, on META
                  index deposits_by_date: deposit_listing ("DEPOSIT") + listed_on ("<booking date>#<id>"),
                     on the DEPOSIT# items of credits
Search entries (adapters/dynamodb/search.py), in ClaimsTable for claims and in RemittancesTable for
ERAs, deposits and payers; `term` is letters and digits only (domain.search_terms):
                  prefix fields  pk "SEARCH#<field>#<first 2 of term>"  sk "<term>#<kind>#<id>"
                  exact fields   pk "SEARCH#<field>#<term>"             sk "<kind>#<id>"
RemittancesTable  pk "PAYER#<payer id>"          sk "META"   the payer's name as its 835s give it
ClaimsTable GSIs  by_account (account_id, claim_id), by_payer (payer_id, claim_id),
                  by_status (status, claim_id): only claim items carry those attributes

FollowupsTable    pk "<follow-up id>"  the follow-up, its worklist state and its audit history
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from remitflow.domain.claims import modifier_key
from remitflow.domain.search_terms import MIN_PREFIX, Term

Key = dict[str, str]

META = "META"

# ----------------------------------------------------------------------------------- ClaimsTable

POSTING_PREFIX = "POSTING#"


def claim(claim_id: str) -> Key:
    return {"pk": f"CLAIM#{claim_id}", "sk": META}


def posting(claim_id: str, posting_id: str) -> Key:
    return {"pk": f"CLAIM#{claim_id}", "sk": f"{POSTING_PREFIX}{posting_id}"}


def posting_part(claim_id: str, posting_id: str, part: int) -> Key:
    """One part of a posting too big for one 400 KB item; sorts right after its posting."""
    return {"pk": f"CLAIM#{claim_id}", "sk": f"{POSTING_PREFIX}{posting_id}#PART#{part:03d}"}


def claim_partition(claim_id: str) -> str:
    """The pk every item of one claim shares: the claim, then its postings under POSTING_PREFIX."""
    return f"CLAIM#{claim_id}"


ERAS_OF_CLAIMS = "claims_by_era"
CLAIMS_BY_ACCOUNT = "claims_by_account"  # account_id + pk, on claims only
ERA_LINE_HASH, ERA_LINE_RANGE = "era_id", "era_line"


def is_claim(item: Mapping[str, Any]) -> bool:
    """A claim's own item, as against one of its postings."""
    return bool(item["sk"] == META)


# ------------------------------------------------------------------------------ RemittancesTable

OPEN = "RECON#OPEN"
MATCHED = "RECON#MATCHED"


ERAS_BY_DATE, ERAS_BY_PAYER, ERAS_BY_TRACE = "eras_by_date", "eras_by_payer", "eras_by_trace"
DEPOSITS_BY_DATE = "deposits_by_date"
ERA_LISTING, DEPOSIT_LISTING = "ERA", "DEPOSIT"
UNDATED = "0000-00-00"  # sorts before every date: an ERA without BPR16 is listed first


def era_listing(era_id: str, payer_id: str, trace_number: str, payment_date: str | None) -> dict[str, str]:
    """The attributes that list an ERA's record by date, payer and trace (the eras_by_* indexes)."""
    listed_on = f"{payment_date or UNDATED}#{era_id}"
    return {"era_listing": ERA_LISTING, "era_payer": payer_id, "era_trace": trace_number, "listed_on": listed_on}


def deposit_listing(deposit_id: str, booking_date: str) -> dict[str, str]:
    """The attributes that list a deposit's bank transaction by booking date (deposits_by_date)."""
    return {"deposit_listing": DEPOSIT_LISTING, "listed_on": f"{booking_date}#{deposit_id}"}


def remittance(era_id: str) -> Key:
    return {"pk": era_id, "sk": META}


def unapplied_cash(hold_id: str) -> Key:
    return {"pk": f"UNAPPLIED#{hold_id}", "sk": "CASH"}


def provider_entry(provider_id: str, entry_id: str) -> Key:
    return {"pk": f"PROVIDER#{provider_id}", "sk": f"PLB#{entry_id}"}


def fee_schedule(payer_id: str) -> str:
    """The pk of one payer's fee schedule; each entry is one sk under it."""
    return f"FEE#{payer_id}"


def fee(payer_id: str, procedure_code: str, modifiers: Iterable[str]) -> Key:
    return {"pk": fee_schedule(payer_id), "sk": "#".join([procedure_code.upper(), *modifier_key(modifiers)])}


def era_reconciliation(era_id: str) -> Key:
    """Beside the ERA's record, under its id: whatever rewrites that record, an ERA opens once."""
    return {"pk": era_id, "sk": "RECON"}


def bank_transaction(transaction_id: str) -> Key:
    return {"pk": f"DEPOSIT#{transaction_id}", "sk": META}


def bank_reference(identity: str) -> Key:
    """`identity` is a hash (bank_reference_identity): no account number is spelled out in a key."""
    return {"pk": f"BANKREF#{identity}", "sk": META}


def open_era(era_id: str) -> Key:
    return {"pk": OPEN, "sk": f"ERA#{era_id}"}


def open_deposit(deposit_id: str) -> Key:
    return {"pk": OPEN, "sk": f"DEPOSIT#{deposit_id}"}


def match(match_id: str) -> Key:
    return {"pk": MATCHED, "sk": match_id}


# ------------------------------------------------------------------------------- FollowupsTable


def followup(followup_id: str) -> Key:
    return {"pk": followup_id}


# ----------------------------------------------------------------------------------------- search

SEARCH_PREFIX = "SEARCH#"


def search_partition(term: Term) -> str:
    """The pk a term is kept and looked up under: a prefix term by its first letters, so a prefix
    of at least MIN_PREFIX letters reads one partition; an exact term by itself."""
    shard = term.text[:MIN_PREFIX] if term.prefix else term.text
    return f"{SEARCH_PREFIX}{term.field.value}#{shard}"


def search_entry(term: Term, kind: str, entity_id: str) -> Key:
    sort = f"{term.text}#{kind}#{entity_id}" if term.prefix else f"{kind}#{entity_id}"
    return {"pk": search_partition(term), "sk": sort}


def payer(payer_id: str) -> Key:
    return {"pk": f"PAYER#{payer_id}", "sk": META}
