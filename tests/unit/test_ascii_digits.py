"""Money is ASCII digits: the digits of other scripts (full-width, Arabic-Indic, ...) are never read as amounts.

Python's Decimal(), int(), str.isdecimal() and a regular expression's \\d (without re.ASCII) all take
them, so each reader checks before converting; what it refuses is a positioned problem like any other
bad number.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError
from tests.unit.conftest import BODY, errors, parse, paying, problem_at

from remitflow.services.worklist_models import ListQuery, ResolveRequest
from remitflow.x12.values import ElementError, ccyymmdd, number, number_or_none, yymmdd

FULL_WIDTH = "１２０.００"  # U+FF11 U+FF12 U+FF10 . U+FF10 U+FF10
ARABIC_INDIC = "٣.٠٠"  # U+0663 . U+0660 U+0660
DEVANAGARI = "१२०.००"
FOREIGN_AMOUNTS = (FULL_WIDTH, ARABIC_INDIC, DEVANAGARI, "12٠.00", "-１.00")


@pytest.mark.parametrize("text", FOREIGN_AMOUNTS)
def test_an_x12_number_in_other_digits_is_not_a_number(text: str) -> None:
    assert number_or_none(text) is None
    with pytest.raises(ElementError) as caught:
        number(text)
    assert "ASCII digits" in caught.value.expected


@pytest.mark.parametrize("text", ["２０２３０９１５", "٢٠٢٣٠٩١٥", "2023091５"])
def test_an_x12_date_in_other_digits_is_not_a_date(text: str) -> None:
    with pytest.raises(ElementError):
        ccyymmdd(text)
    with pytest.raises(ElementError):
        yymmdd(text[2:])


def test_ascii_numbers_still_read() -> None:
    assert number("120.00") == Decimal("120.00")
    assert number("-5") == Decimal(-5)
    assert number(".5") == Decimal("0.5")
    assert number("1" * 18) == Decimal("1" * 18)
    assert number("-" + "9" * 16 + ".99") == Decimal("-" + "9" * 16 + ".99")


def test_an_x12_amount_longer_than_element_782_allows_is_refused() -> None:
    # 782 is R1/18: nineteen digits are not an amount (and would not fit a DynamoDB number for long).
    with pytest.raises(ElementError) as caught:
        number("1" * 19)
    assert "at most 18 digits" in caught.value.expected
    assert number_or_none("1" * 17 + ".99") is None


@pytest.mark.parametrize("text", FOREIGN_AMOUNTS)
def test_a_claim_paid_in_full_width_digits_is_a_positioned_error_not_a_payment(text: str) -> None:
    remittance = parse(f"CLP*C1*1*100.00*{text}**12*PAYER0001", "CAS*CO*45*20.00")
    problem = problem_at(remittance, BODY, "CLP04")
    assert "ASCII digits" in problem.message
    assert repr(text) in problem.message
    paid = [c.paid_amount for t in remittance.transactions for c in t.claims]
    assert Decimal(120) not in paid and Decimal(3) not in paid


def test_a_payment_total_in_arabic_indic_digits_is_a_positioned_error() -> None:
    remittance = parse("CLP*C1*1*100.00*80.00**12*PAYER0001", "CAS*CO*45*20.00", header=paying("٨٠.٠٠"))
    problem = problem_at(remittance, 4, "BPR02")
    assert "ASCII digits" in problem.message
    assert errors(remittance)


# --- the worklist API's money fields -----------------------------------------------------------------


@pytest.mark.parametrize("text", [*FOREIGN_AMOUNTS, "٣", "１２"])
@pytest.mark.parametrize("field", ["min_amount", "max_amount"])
def test_an_api_list_filter_in_other_digits_is_refused_naming_the_field(field: str, text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ListQuery.model_validate({field: text})
    (error,) = caught.value.errors()
    assert error["loc"] == (field,)
    assert "ASCII digits" in error["msg"]


@pytest.mark.parametrize("text", [*FOREIGN_AMOUNTS, "٣"])
def test_an_api_write_off_amount_in_other_digits_is_refused_naming_the_field(text: str) -> None:
    body = {"resolution": "written_off", "note": "n", "write_off_reason": "r", "amount": text}
    with pytest.raises(ValidationError) as caught:
        ResolveRequest.model_validate(body)
    (error,) = caught.value.errors()
    assert error["loc"] == ("amount",)


def test_api_money_in_ascii_digits_still_reads() -> None:
    body = {"resolution": "written_off", "note": "n", "write_off_reason": "r", "amount": " 3.00 "}
    assert ResolveRequest.model_validate(body).amount == Decimal("3.00")
    assert ListQuery.model_validate({"min_amount": "12"}).min_amount == Decimal(12)
