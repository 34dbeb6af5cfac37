"""Conversion of X12 element values, checked by hand so models can be built without re-validation."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

# X12 "R" (decimal) values: an optional minus, ASCII digits with an optional decimal point. Decimal()
# alone would also accept exponents, NaN, Infinity, underscores, surrounding spaces and the digits of
# every other script (full-width U+FF10-U+FF19, Arabic-Indic U+0660-U+0669, ...): not money in an 835.
_NUMBER = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)").fullmatch
# Element 782 (monetary amount) is at most 18 digits, the longest R element an 835 has; its minus sign
# and decimal point are not counted in that length.
MAX_NUMBER_DIGITS = 18
_MAX_NUMBER_LENGTH = MAX_NUMBER_DIGITS + 2
CACHE_LIMIT = 50_000

# Amounts and dates repeat heavily in remittances; Decimal and date are immutable, so share them.
# The parser looks NUMBER_CACHE and DATE_CACHE up directly on its hot path.
NUMBER_CACHE: dict[str, Decimal] = {}
DATE_CACHE: dict[str, date] = {}


class ElementError(ValueError):
    """An element value that does not have the expected form. `expected` says what would be right."""

    def __init__(self, expected: str, found: str) -> None:
        super().__init__(f"expected {expected}, found {found!r}")
        self.expected = expected
        self.found = found


def number(value: str) -> Decimal:
    result = number_or_none(value)
    if result is None:
        if not value.isascii():
            raise ElementError("a decimal number in ASCII digits 0-9", value)
        if _NUMBER(value) is not None:
            raise ElementError(f"a decimal number of at most {MAX_NUMBER_DIGITS} digits", value)
        raise ElementError("a decimal number", value)
    return result


def number_or_none(value: str) -> Decimal | None:
    """`number`, or None for an empty or malformed value: for fast paths that fall back on a miss."""
    cached = NUMBER_CACHE.get(value)
    if cached is not None:
        return cached
    if not value or len(value) > _MAX_NUMBER_LENGTH or not value.isascii():
        return None
    # Most amounts are digits with at most one point; on ASCII text isdigit() accepts exactly [0-9]
    # (isascii() is a flag check, not a scan), so only the others (a minus sign, or not a number)
    # need the regular expression.
    if not value.replace(".", "", 1).isdigit() and _NUMBER(value) is None:
        return None
    if len(value) > MAX_NUMBER_DIGITS and len(value) - value.startswith("-") - ("." in value) > MAX_NUMBER_DIGITS:
        return None
    result = Decimal(value)
    if len(NUMBER_CACHE) < CACHE_LIMIT:
        NUMBER_CACHE[value] = result
    return result


def ccyymmdd(value: str) -> date:
    cached = DATE_CACHE.get(value)
    if cached is not None:
        return cached
    if len(value) != 8 or not (value.isascii() and value.isdigit()):
        raise ElementError("a date CCYYMMDD", value)
    try:
        result = date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise ElementError("a real calendar date CCYYMMDD", value) from None
    if len(DATE_CACHE) < CACHE_LIMIT:
        DATE_CACHE[value] = result
    return result


def yymmdd(value: str) -> date:
    """ISA09: a two-digit year; X12 windows it into this century."""
    if len(value) != 6 or not (value.isascii() and value.isdigit()):
        raise ElementError("a date YYMMDD", value)
    return ccyymmdd("20" + value)
