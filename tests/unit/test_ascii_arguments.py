"""Money and counts typed by a person are ASCII digits: int(), float(), Decimal() and fromisoformat take others."""

from __future__ import annotations

import argparse
from datetime import date
from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from remitflow.values import Money
from remitflow_cli.connection import iso_date, seconds, whole_number


class Amount(BaseModel):
    amount: Money


@pytest.mark.parametrize("text", ["１２", "٣", "1２", "-1", "1.5", "", " 3"])
def test_a_count_is_ascii_digits(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="whole number in digits 0-9"):
        whole_number(text)


def test_a_count_in_ascii_digits_is_read() -> None:
    assert whole_number("25") == 25


@pytest.mark.parametrize("text", ["６０", "1e3", "inf", "nan", "-5", "1.٥"])
def test_seconds_are_ascii_digits(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="number of seconds"):
        seconds(text)


def test_seconds_in_ascii_digits_are_read() -> None:
    assert seconds("2.5") == 2.5
    assert seconds("60") == 60


def test_a_date_is_ascii_digits() -> None:
    assert iso_date("2025-01-28") == date(2025, 1, 28)
    with pytest.raises(argparse.ArgumentTypeError, match="YYYY-MM-DD"):
        iso_date("２０２５-01-28")
    with pytest.raises(argparse.ArgumentTypeError, match="YYYY-MM-DD"):
        iso_date("28/01/2025")


@pytest.mark.parametrize("text", ["１２０.００", "٣.٠٠"])
def test_money_text_is_ascii_digits(text: str) -> None:
    with pytest.raises(ValidationError, match="digits 0-9"):
        Amount(amount=text)


def test_money_in_ascii_digits_is_read() -> None:
    assert Amount(amount="120.5").amount == Decimal("120.50")
