"""BAI2 transaction type codes: which way a 16 record's money went, and which codes are returns."""

from __future__ import annotations

from dataclasses import dataclass

from remitflow.bank.models import Direction

# Returned items and reversals: recorded, never matched as payments. Credits (money back in) ...
CREDIT_RETURNS = frozenset({"123", "168", "252", "257", "258", "266", "268"})
# ... and debits (a deposit taken back: 555 deposited item returned, 557 ACH return, 694 deposit reversal).
DEBIT_RETURNS = frozenset({"423", "468", "552", "555", "557", "558", "566", "568", "694", "695"})


@dataclass(frozen=True, slots=True)
class TypeCodeMeaning:
    direction: Direction
    credit: bool | None
    note: str | None = None  # set when the code is not a standard BAI2 transaction code


def classify_type_code(code: str) -> TypeCodeMeaning:
    """Which way a 16 record's money went, from its type code's range.

    100-399 credits, 400-699 debits (standard); 920-959 and 960-999 are the ranges BAI leaves to banks
    for their own credit and debit codes. Anything else does not say, and is recorded as unknown.
    """
    if len(code) == 3 and code.isascii() and code.isdigit():
        number = int(code)
        if 100 <= number <= 399:
            return TypeCodeMeaning(Direction.RETURN if code in CREDIT_RETURNS else Direction.CREDIT, True)
        if 400 <= number <= 699:
            return TypeCodeMeaning(Direction.RETURN if code in DEBIT_RETURNS else Direction.DEBIT, False)
        if 920 <= number <= 959:
            return TypeCodeMeaning(Direction.CREDIT, True, "is a bank-specific credit code (920-959): read as a credit")
        if 960 <= number <= 999:
            return TypeCodeMeaning(Direction.DEBIT, False, "is a bank-specific debit code (960-999): read as a debit")
    return TypeCodeMeaning(
        Direction.UNKNOWN,
        None,
        "is not a BAI2 transaction code (100-699) nor a bank credit/debit code (920-999): direction unknown, "
        "the transaction is recorded but not matched",
    )
