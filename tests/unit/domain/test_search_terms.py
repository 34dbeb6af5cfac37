"""Search normalisation: what a name, an id, a date and an amount are kept and looked up as."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from remitflow.domain.search_terms import (
    Field,
    Term,
    claim_terms,
    deposit_terms,
    era_terms,
    id_term,
    matches_words,
    name_words,
    read_query,
)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("José Núñez", ["jose", "nunez"]),
        ("Mary-Ann O'Brien", ["mary", "ann", "maryann", "o", "brien", "obrien"]),
        ("D\u2019Angelo Smith-Jones", ["d", "angelo", "dangelo", "smith", "jones", "smithjones"]),
        ("  ZOË   zoë ", ["zoe"]),
        ("Søren Ærø", ["soren", "aero"]),
        ("Straße", ["strasse"]),
        ("", []),
    ],
)
def test_a_name_is_kept_as_folded_words_and_joined_compounds(name: str, words: list[str]) -> None:
    assert name_words(name) == words


@pytest.mark.parametrize(
    ("query", "name", "found"),
    [
        ("jose", "José Núñez", True),
        ("JOSÉ nun", "José Núñez", True),
        ("nunez jose", "José Núñez", True),
        ("obrien", "Mary-Ann O'Brien", True),
        ("o'brien", "Mary-Ann O'Brien", True),
        ("brien", "Mary-Ann O'Brien", True),
        ("maryann", "Mary-Ann O'Brien", True),
        ("ann", "Mary-Ann O'Brien", True),
        ("jose smith", "José Núñez", False),
        ("ose", "José Núñez", False),  # words match from their start, not inside
        ("ana", None, False),
    ],
)
def test_every_query_word_must_begin_a_word_of_the_name(query: str, name: str | None, found: bool) -> None:
    assert matches_words(read_query(query).words, name) is found


def test_ids_keep_their_letters_and_digits_case_folded() -> None:
    assert id_term("ACC-5001") == id_term("acc 5001") == "acc5001"
    assert id_term("PCN1001") == "pcn1001"


@pytest.mark.parametrize(
    ("text", "amount", "day"),
    [
        ("75", "7500", None),
        ("75.00", "7500", None),
        ("$1,234.5", "123450", None),
        ("2025-01-02", None, "2025-01-02"),
        ("1/2/2025", None, "2025-01-02"),
        ("2025-02-30", None, None),  # no such day: not a date search
        ("PCN1001", None, None),
        ("1,23", None, None),
    ],
)
def test_the_box_reads_amounts_and_dates_only_when_the_text_is_one(
    text: str, amount: str | None, day: str | None
) -> None:
    query = read_query(text)
    assert (query.amount, query.day) == (amount, day)


def test_an_empty_box_or_punctuation_only_is_no_query() -> None:
    assert read_query("   ").empty
    assert read_query("-'").empty
    assert not read_query("a").empty


def test_a_claim_is_found_by_id_account_name_dates_and_charge() -> None:
    terms = claim_terms(
        claim_id="PCN-1001",
        account_id="ACC-5001",
        patient_name="José Núñez",
        service_dates=[date(2025, 1, 3), date(2025, 1, 2), date(2025, 1, 3)],
        charge_amount=Decimal("250"),
    )
    assert terms == [
        Term(Field.CLAIM, "pcn1001"),
        Term(Field.ACCOUNT, "acc5001"),
        Term(Field.NAME, "jose"),
        Term(Field.NAME, "nunez"),
        Term(Field.DATE, "2025-01-02"),
        Term(Field.DATE, "2025-01-03"),
        Term(Field.AMOUNT, "25000"),
    ]
    assert all(term.text.isascii() and term.text.replace("-", "").isalnum() for term in terms)


def test_eras_and_deposits_are_found_by_trace_payer_amount_and_date() -> None:
    era = era_terms(trace_number="EFT-0116", payer_id="1411289245", amount=Decimal("75"), payment_date=None)
    assert era == [Term(Field.TRACE, "eft0116"), Term(Field.PAYER, "1411289245"), Term(Field.AMOUNT, "7500")]
    deposit = deposit_terms(
        trace_number="EFT-0116", bank_reference=None, amount=Decimal("75.00"), booking_date=date(2025, 1, 16)
    )
    assert deposit == [Term(Field.TRACE, "eft0116"), Term(Field.AMOUNT, "7500"), Term(Field.DATE, "2025-01-16")]
