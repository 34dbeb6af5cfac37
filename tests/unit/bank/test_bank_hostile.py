"""Bank files written to hurt: digits of other scripts, absurd nesting, endless lines, floods of problems.

Each costs bounded memory and time and becomes a clear problem (file, line or path, what was expected),
never a Python internal; the rest of the file is read where it can be.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from tests.unit.bank.bai2_files import FIRST_DETAIL, Detail, bai2, bai2_lines
from tests.unit.bank.test_bank_camt import camt, entry

from remitflow.bank import BankFileError, BankStatement, find_trace, read_bai2, read_camt, read_csv
from remitflow.bank.reader import MAX_PROBLEMS

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


# -- BAI2 and CSV amounts and dates -----------------------------------------------------------------

CSV_HEAD = "Posting Date,Description,Amount,Reference\n"


@pytest.mark.parametrize("amount", ["１２０００", "٣٠٠", "1２000"])
def test_a_bai2_amount_in_other_digits_is_an_error_at_its_line(amount: str) -> None:
    text = bai2(Detail(amount=12000), Detail(amount=500)).replace(",12000,", f",{amount},", 1)
    statement = read_bai2("fn.bai", text)
    error = statement.errors[0]
    assert (error.line, error.field) == (FIRST_DETAIL, "amount")
    assert "expected an amount in cents" in error.message
    assert [t.amount for t in statement.transactions] == [Decimal("5.00")]


@pytest.mark.parametrize("amount", ["１２０.００", "٣.٠٠", "$1,２00.00"])
def test_a_csv_amount_in_other_digits_is_an_error_at_its_line_and_column(amount: str) -> None:
    statement = read_csv("fn.csv", CSV_HEAD + f'01/16/2025,ACH,"{amount}",R1\n01/17/2025,ACH,5.00,R2\n')
    (error,) = statement.errors
    assert (error.line, error.field) == (2, "Amount")
    assert [t.amount for t in statement.transactions] == [Decimal("5.00")]


@pytest.mark.parametrize("day", ["01/16/２０２５", "01/16/٢٠٢٥", "２０２５-01-16"])
def test_a_csv_date_in_other_digits_is_an_error_at_its_line_and_column(day: str) -> None:
    statement = read_csv("fn.csv", CSV_HEAD + f"{day},ACH,120.00,R1\n01/17/2025,ACH,5.00,R2\n")
    (error,) = statement.errors
    assert (error.line, error.field) == (2, "Posting Date")
    assert "expected a date" in error.message
    assert [t.booking_date.isoformat() for t in statement.transactions] == ["2025-01-17"]


# -- problems per file --------------------------------------------------------------------------------


def test_a_flood_of_bad_rows_keeps_the_first_problems_and_counts_the_rest() -> None:
    rows = "".join(f"01/16/2025,ACH,bad{i},R{i}\n" for i in range(5000))
    statement = read_csv("flood.csv", CSV_HEAD + rows + "01/17/2025,ACH,5.00,OK\n")
    assert len(statement.errors) == MAX_PROBLEMS == 100
    assert [e.line for e in statement.errors[:3]] == [2, 3, 4]
    assert statement.errors[-1].message == "flood.csv: 4,901 more errors not listed; the first 99 are above"
    assert statement.errors[-1].severity == "error"
    assert [t.bank_reference for t in statement.transactions] == ["OK"]


def test_a_flood_of_warnings_is_capped_apart_from_the_errors() -> None:
    informational = [entry(extra="", reference=f"I{i}").replace("<Cd>BOOK</Cd>", "<Cd>INFO</Cd>") for i in range(500)]
    statement = read_camt("info.xml", camt(*informational, entry(amount="7.00"), entry(amount="x")))
    assert len(statement.warnings) == MAX_PROBLEMS
    assert statement.warnings[-1].message == "info.xml: 401 more warnings not listed; the first 99 are above"
    assert statement.warnings[-1].severity == "warning"
    (error,) = statement.errors  # errors have their own places
    assert error.field == "Amt"
    assert [t.amount for t in statement.transactions] == [Decimal("7.00")]


# -- long lines, records and rows ---------------------------------------------------------------------


def peak_mib(read: Callable[[], BankStatement]) -> tuple[BankStatement, float]:
    tracemalloc.start()
    try:
        statement = read()
        return statement, tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def streamed(head: str, filler: bytes, count: int, tail: str) -> Iterator[bytes]:
    yield head.encode()
    for _ in range(count):
        yield filler
    yield tail.encode()


def test_a_bai2_line_too_long_is_an_error_at_its_line_without_being_held() -> None:
    lines = bai2_lines(Detail(amount=100), Detail(amount=500), Detail(amount=200))
    head = "\n".join(lines[:FIRST_DETAIL]) + "\n"  # up to and with the first 16
    tail = "\n" + "\n".join(lines[FIRST_DETAIL + 1 :]) + "\n"
    # The second 16 (line 5) runs on for 16 MiB.
    source = streamed(head + "16,165,500,Z,BR9,,", b"X" * (1 << 16), 256, tail)
    statement, peak = peak_mib(lambda: read_bai2("long.bai", source))
    assert peak < 4, f"{peak:.1f} MiB held for a 16 MiB line"
    (error,) = statement.errors  # the record counts still add up; the control totals are not checked
    assert error.line == FIRST_DETAIL + 1
    assert error.message.startswith(
        f"long.bai line {FIRST_DETAIL + 1}: expected a BAI2 record of at most 65,536 characters, found one of 16,"
    )
    assert [t.amount for t in statement.transactions] == [Decimal("1.00"), Decimal("2.00")]


def test_a_bai2_record_with_endless_continuations_is_an_error_and_the_next_records_are_read() -> None:
    text = "T" * 140_000  # 2,000 continuations of 70 characters
    flooded = Detail(amount=100, text=text, splits=range(70, len(text), 70))
    statement = read_bai2("flood.bai", bai2(flooded, Detail(amount=200)))
    (error,) = statement.errors
    assert error.line == FIRST_DETAIL
    assert error.message.startswith(
        f"flood.bai line {FIRST_DETAIL} (16 record): expected the record and its 88 continuations to hold at most "
        "65,536 characters, found more by line"
    )
    assert [t.amount for t in statement.transactions] == [Decimal("2.00")]


def test_a_csv_line_too_long_is_an_error_at_its_line_without_being_held() -> None:
    source = streamed(
        CSV_HEAD + "01/16/2025,ACH,1.00,R1\n01/16/2025,", b"Y" * (1 << 16), 256, "\n01/17/2025,ACH,2.00,R3\n"
    )
    statement, peak = peak_mib(lambda: read_csv("long.csv", source))
    assert peak < 4, f"{peak:.1f} MiB held for a 16 MiB line"
    (error,) = statement.errors
    assert error.line == 3
    assert error.message.startswith("long.csv line 3: expected a line of at most 65,536 characters, found one of 16,")
    assert [(t.bank_reference, t.line) for t in statement.transactions] == [("R1", 2), ("R3", 4)]


def test_a_csv_quote_never_closed_is_an_error_at_its_row_and_the_rows_before_are_kept() -> None:
    rows = "".join(f"01/16/2025,ACH,1.00,R{i}\n" for i in range(3))
    runaway = '01/17/2025,"ACH never closed,2.00,R9\n' + "".join(
        f"01/18/2025,more text {i},3.00,X\n" for i in range(4000)
    )
    statement = read_csv("quote.csv", CSV_HEAD + rows + runaway)
    (error,) = statement.errors
    assert error.line == 5
    assert error.message.startswith("quote.csv line 5: expected a row of at most 65,536 characters, found one running")
    assert [t.bank_reference for t in statement.transactions] == ["R0", "R1", "R2"]


# -- the trace in bank text ---------------------------------------------------------------------------


@pytest.mark.parametrize("trace", ["12\u017f45", "\u0131234", "\u212a9999"])  # long s, dotless i, Kelvin sign
def test_a_trace_is_ascii_letters_and_digits_not_what_upper_makes_of_others(trace: str) -> None:
    found = find_trace(f"TRN*1*{trace}*1512345678\\")
    # At most the ASCII part before the odd letter, as for any other character a trace cannot hold.
    assert found is None or (found.trace_number.isascii() and trace.startswith(found.trace_number))


def test_a_trace_in_lower_case_ascii_still_reads() -> None:
    found = find_trace("trn * 1 * ab-123 * 1512345678 ref*tn*x")
    assert found is not None and (found.trace_number, found.payer_id) == ("AB-123", "1512345678")
