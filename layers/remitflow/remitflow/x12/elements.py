"""How a segment handler reads its elements: accessors that return an element's value or raise
`BadElement` naming the element and what was expected, and `Unexpected` for a segment the 835
structure does not allow where it stands. The parser's loop turns either into a positioned Problem."""

from __future__ import annotations

from decimal import Decimal

from remitflow.x12.values import NUMBER_CACHE, ElementError, number


class BadElement(Exception):
    """An element that is missing or does not read: the segment is rejected."""

    def __init__(self, element: str, expected: str, found: str) -> None:
        super().__init__(element)
        self.element = element
        self.expected = expected
        self.found = found


class Unexpected(Exception):
    """A known segment where the 835 structure does not allow it."""


def element_name(segment: list[str], index: int) -> str:
    """'CLP04' for index 4 of a CLP."""
    return f"{segment[0]}{index:02d}"


def optional_text(segment: list[str], index: int) -> str | None:
    value = segment[index] if index < len(segment) else ""
    return value or None


def required_text(segment: list[str], index: int, expected: str = "a value") -> str:
    value = segment[index] if index < len(segment) else ""
    if not value:
        raise BadElement(element_name(segment, index), expected, "nothing")
    return value


def optional_amount(segment: list[str], index: int) -> Decimal | None:
    """A decimal number (amount, quantity, rate), None when omitted or empty."""
    try:
        value = segment[index]
    except IndexError:
        return None
    cached = NUMBER_CACHE.get(value)
    if cached is not None:
        return cached
    if not value:
        return None
    try:
        return number(value)
    except ElementError as exc:
        raise BadElement(element_name(segment, index), exc.expected, value) from None


def required_amount(segment: list[str], index: int) -> Decimal:
    value = optional_amount(segment, index)
    if value is None:
        raise BadElement(element_name(segment, index), "a decimal number", "nothing")
    return value
