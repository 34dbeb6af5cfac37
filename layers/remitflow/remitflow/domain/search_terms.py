"""What the search box's text may mean, and the terms an entity is found by: pure normalisation.

Both sides go through the same functions, so "José" is kept as "jose" and found by "JOSE", "Jose"
and "josé"; "O'Brien" is kept as "obrien" (and "o", "brien"), "Smith-Jones" as "smith", "jones" and
"smithjones". Ids (claim, account, trace, payer) keep their letters and digits only, case folded:
"acc-5001" finds "ACC-5001". A term is letters a-z and digits 0-9 only, so it can sit in a key
beside a "#".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from remitflow.values import money_text

MIN_PREFIX = 2  # a prefix term shorter than this would read a whole shard: it must match exactly
MAX_QUERY = 200  # characters of the search box read; the rest is ignored
MAX_TOKENS = 6  # words of a name query; more narrow nothing a person needs


class Field(StrEnum):
    """What a term indexes. Prefix fields answer begins_with; exact fields only the whole term."""

    CLAIM = "claim"  # claim id (prefix)
    NAME = "name"  # one word of the patient's name (prefix)
    ACCOUNT = "account"  # patient account id (prefix)
    TRACE = "trace"  # check or EFT trace number (prefix)
    PAYER_NAME = "payername"  # one word of the payer's name (prefix)
    PAYER = "payer"  # payer id (exact)
    DATE = "date"  # date of service, payment or booking (exact, ISO)
    AMOUNT = "amount"  # charge, payment or deposit amount (exact, cents)


PREFIX_FIELDS = frozenset({Field.CLAIM, Field.NAME, Field.ACCOUNT, Field.TRACE, Field.PAYER_NAME})


@dataclass(frozen=True)
class Term:
    field: Field
    text: str

    @property
    def prefix(self) -> bool:
        return self.field in PREFIX_FIELDS


def folded(text: str) -> str:
    """Lower case without accents: "José" -> "jose", "Ærø" -> "aero", "ß" -> "ss"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    # Letters with no decomposition into a base letter and an accent.
    return plain.translate(_LIGATURES)


_LIGATURES = str.maketrans({"æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_APOSTROPHES = re.compile(r"['\u2019\u02bc`]")


def id_term(text: str) -> str:
    """An id as a term: folded, letters and digits only ("ACC-5001" -> "acc5001")."""
    return _NOT_ALNUM.sub("", folded(text))


def name_words(name: str) -> list[str]:
    """The words a name is found by, in order, each once: each part, and hyphenated or apostrophed
    names whole as well ("Mary-Ann O'Brien" -> mary, ann, maryann, obrien, o, brien)."""
    words: list[str] = []
    for part in folded(name).split():
        joined = _NOT_ALNUM.sub("", part)
        pieces = [p for p in _NOT_ALNUM.split(_APOSTROPHES.sub(" ", part)) if p]
        for word in [*pieces, joined] if len(pieces) > 1 else [joined]:
            if word and word not in words:
                words.append(word)
    return words


def amount_term(amount: Decimal) -> str:
    return id_term(money_text(amount))  # "75.00" -> "7500": digits only, the cents always there


def claim_terms(
    *,
    claim_id: str,
    account_id: str,
    patient_name: str | None,
    service_dates: Iterable[date],
    charge_amount: Decimal,
) -> list[Term]:
    """What a claim is found by (the payer id and status are the claims table's own indexes)."""
    terms = [Term(Field.CLAIM, id_term(claim_id)), Term(Field.ACCOUNT, id_term(account_id))]
    terms += [Term(Field.NAME, word) for word in name_words(patient_name or "")]
    terms += [Term(Field.DATE, day.isoformat()) for day in sorted(set(service_dates))]
    terms.append(Term(Field.AMOUNT, amount_term(charge_amount)))
    return _kept(terms)


def era_terms(*, trace_number: str, payer_id: str, amount: Decimal, payment_date: date | None) -> list[Term]:
    """What an ERA (one 835 transaction set) is found by."""
    terms = [Term(Field.TRACE, id_term(trace_number)), Term(Field.PAYER, id_term(payer_id))]
    terms.append(Term(Field.AMOUNT, amount_term(amount)))
    if payment_date is not None:
        terms.append(Term(Field.DATE, payment_date.isoformat()))
    return _kept(terms)


def deposit_terms(
    *, trace_number: str | None, bank_reference: str | None, amount: Decimal, booking_date: date
) -> list[Term]:
    """What a deposit is found by: its trace (the CCD+ TRN or check number), bank reference, amount, date."""
    terms = [Term(Field.TRACE, id_term(text)) for text in (trace_number, bank_reference) if text]
    terms += [Term(Field.AMOUNT, amount_term(amount)), Term(Field.DATE, booking_date.isoformat())]
    return _kept(terms)


def payer_terms(name: str) -> list[Term]:
    return _kept([Term(Field.PAYER_NAME, word) for word in name_words(name)])


def _kept(terms: Iterable[Term]) -> list[Term]:
    """Non-empty terms, each once, in order."""
    return list(dict.fromkeys(term for term in terms if term.text))


# ------------------------------------------------------------------------------- the search box

_AMOUNT = re.compile(r"^\$?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class Query:
    """The search box's text, read every way it can mean something; each non-empty reading is looked up.

    `words` all have to match one patient's (or payer's) name; `ident` is the text as an id prefix
    (claim, account, trace, payer id); `amount` and `day` are set only when the text is one.
    """

    text: str
    ident: str
    words: tuple[str, ...] = field(default=())
    amount: str | None = None
    day: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.ident or self.words)


def read_query(text: str) -> Query:
    text = text.strip()[:MAX_QUERY]
    words = tuple(word for word in _query_words(text))[:MAX_TOKENS]
    return Query(text=text, ident=id_term(text), words=words, amount=_amount(text), day=_day(text))


def _query_words(text: str) -> Iterable[str]:
    seen: set[str] = set()
    for part in folded(text).split():
        word = _NOT_ALNUM.sub("", part)  # "o'brien" is typed as it is kept: obrien
        if word and word not in seen:
            seen.add(word)
            yield word


def _amount(text: str) -> str | None:
    if not _AMOUNT.match(text):
        return None
    try:
        return amount_term(Decimal(text.lstrip("$").replace(",", "").strip()))
    except InvalidOperation:
        return None


def _day(text: str) -> str | None:
    iso, us = _ISO_DATE.match(text), _US_DATE.match(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3])).isoformat()
        if us:
            return date(int(us[3]), int(us[1]), int(us[2])).isoformat()
    except ValueError:  # 2025-02-30: not a date, so not a date search
        return None
    return None


def matches_words(words: Iterable[str], name: str | None) -> bool:
    """Each query word begins one of the name's words (how a result is checked against its entity,
    so an index entry left by an older name finds nothing)."""
    kept = name_words(name or "")
    return all(any(word.startswith(query) for word in kept) for query in words)
