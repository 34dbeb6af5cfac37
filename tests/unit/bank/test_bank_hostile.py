"""Bank files written to hurt: digits of other scripts, absurd nesting, endless lines, floods of problems.

Each costs bounded memory and time and becomes a clear problem (file, line or path, what was expected),
never a Python internal; the rest of the file is read where it can be.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.unit.bank.test_bank_camt import camt, entry

from remitflow.bank import BankFileError, read_camt

FOREIGN_AMOUNTS = ("１２０.００", "٣.٠٠", "१२०.००", "12٠.00")
ENTRY_PATH = "Document/BkToCstmrStmt/Stmt[1]/Ntry[1]"


# -- camt ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [*FOREIGN_AMOUNTS, "1E2", "1_000.00", "NaN", "Infinity", "-0"])
def test_a_camt_amount_that_is_not_ascii_decimal_is_an_error_at_its_entry(amount: str) -> None:
    statement = read_camt("fn.xml", camt(entry(amount=amount), entry(amount="50.00")))
    (error,) = statement.errors
    assert (error.path, error.field) == (ENTRY_PATH, "Amt")
    assert "expected a positive amount" in error.message
    assert [t.amount for t in statement.transactions] == [Decimal("50.00")]


@pytest.mark.parametrize("amount", ["319.50", "319.5", "319", "+319.50", ".50", "319.500"])
def test_camt_amounts_in_ascii_decimal_still_read(amount: str) -> None:
    statement = read_camt("fn.xml", camt(entry(amount=amount)))
    assert statement.errors == ()
    assert [t.amount for t in statement.transactions] == [Decimal(amount.lstrip("+") or "0")]


def nested(depth: int) -> str:
    """A camt document whose first entry carries an extension nested to `depth` levels in all."""
    inside = depth - 5  # Document/BkToCstmrStmt/Stmt/Ntry/AddtlNtryInf... : the entry is at level 4
    extension = "<Xtn>" * inside + "</Xtn>" * inside
    return camt(entry(extra=f"<NtryDtls>{extension}</NtryDtls>"))


def test_nesting_up_to_the_limit_is_read() -> None:
    statement = read_camt("fn.xml", nested(100))
    assert statement.errors == ()
    assert len(statement.transactions) == 1


@pytest.mark.parametrize("depth", [101, 20_000])
def test_nesting_past_the_limit_is_refused_naming_the_file_and_the_limit(depth: int) -> None:
    with pytest.raises(BankFileError) as info:
        read_camt("deep.xml", nested(depth))
    message = str(info.value)
    assert message.startswith("deep.xml: elements nested more than 100 levels deep")
    assert "expected a camt document" in message


def test_a_deep_document_of_unknown_elements_is_refused_too() -> None:
    text = "<Document><BkToCstmrStmt>" + "<a>" * 500 + "</a>" * 500 + "</BkToCstmrStmt></Document>"
    with pytest.raises(BankFileError, match="more than 100 levels deep"):
        read_camt("deep.xml", text.encode())


def test_doctype_refusal_is_kept() -> None:
    text = '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY e "x">]>\n<Document></Document>'
    with pytest.raises(BankFileError, match="DOCTYPE declaration is refused"):
        read_camt("fn.xml", text)
