"""Bank CSV exports: the default layout, layouts per bank, credit/debit columns, bad rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from remitflow.bank import BankFileError, BankStatement, CsvLayout, Direction, read_csv

EXPORT = """First National Bank - Account Activity
Account: ****6789  From 01/01/2025 To 01/31/2025

Posting Date,Description,Amount,Check Number,Reference
01/16/2025,"ACH CREDIT ACME HEALTH PLAN HCCLAIMPMT TRN*1*0123456789*1411289245\\",319.50,,FN0116-184
01/17/2025,MONTHLY SERVICE FEE,-25.00,,FN0117-009
01/21/2025,REMOTE DEPOSIT,"1,200.00",1042,FN0121-037
"""


def read(text: str, layout: CsvLayout | None = None, name: str = "activity.csv") -> BankStatement:
    return read_csv(name, text, layout) if layout else read_csv(name, text)


def test_the_default_layout_finds_the_header_below_the_title_lines() -> None:
    statement = read(EXPORT)
    assert statement.errors == ()
    ach, fee, deposit = statement.transactions
    assert (ach.booking_date, ach.amount, ach.direction, ach.line) == (
        date(2025, 1, 16),
        Decimal("319.50"),
        Direction.CREDIT,
        5,
    )
    assert (ach.trace_number, ach.payer_id, ach.bank_reference) == ("0123456789", "1411289245", "FN0116-184")
    assert (fee.amount, fee.direction, fee.credit) == (Decimal("25.00"), Direction.DEBIT, False)
    assert (deposit.amount, deposit.customer_reference, deposit.trace_number) == (Decimal("1200.00"), "1042", None)
    assert [t.is_deposit for t in statement.transactions] == [True, False, True]


def test_a_custom_layout() -> None:
    text = "Buchungstag;Verwendungszweck;Betrag;Kontonummer\n16.01.2025;TRN*1*A77*1512345678;1.319,50;000123456789\n"
    layout = CsvLayout(
        name="european",
        date=("Buchungstag",),
        description=("Verwendungszweck",),
        amount=("Betrag",),
        account=("Kontonummer",),
        date_formats=("%d.%m.%Y",),
        decimal_comma=True,
        delimiter=";",
        skip_lines=0,
    )
    (transaction,) = read(text, layout).transactions
    assert (transaction.booking_date, transaction.amount) == (date(2025, 1, 16), Decimal("1319.50"))
    assert (transaction.trace_number, transaction.masked_account) == ("A77", "****6789")


def test_separate_credit_and_debit_columns() -> None:
    text = (
        "Date,Memo,Debit,Credit,Ref\n"
        "2025-01-16,ACH CREDIT TRN*1*12345*1512345678\\,,319.50,R1\n"
        "2025-01-17,WIRE FEE,15.00,,R2\n"
        "2025-01-18,CHECK 1001,-40.00,,R3\n"
    )
    statement = read(text)
    assert statement.errors == ()
    assert [(t.amount, t.direction) for t in statement.transactions] == [
        (Decimal("319.50"), Direction.CREDIT),
        (Decimal("15.00"), Direction.DEBIT),
        (Decimal("40.00"), Direction.DEBIT),
    ]


@pytest.mark.parametrize(
    ("row", "column", "expected"),
    [
        (
            "01/18/2025,BAD AMOUNT,12.3.4,,R",
            "Amount",
            "expected an amount such as 1234.56, -1234.56 or (1234.56), found '12.3.4'",
        ),
        ("01/18/2025,NO AMOUNT,,,R", "Amount", "expected an amount"),
        ("2025/18/01,BAD DATE,10.00,,R", "Posting Date", "expected a date (MM/DD/YYYY or YYYY-MM-DD"),
        (",NO DATE,10.00,,R", "Posting Date", "found ''"),
    ],
)
def test_a_bad_row_is_an_error_with_line_and_column_and_the_others_load(row: str, column: str, expected: str) -> None:
    lines = EXPORT.splitlines()
    lines.insert(6, row)
    statement = read("\n".join(lines) + "\n")
    (error,) = statement.errors
    assert (error.line, error.field, error.record) == (7, column, "row")
    assert error.message.startswith(f"activity.csv line 7, column {column!r}: ")
    assert expected in error.message and error.message.endswith("; row not read")
    assert [t.line for t in statement.transactions] == [5, 6, 8]


def test_both_credit_and_debit_on_one_row_is_an_error() -> None:
    statement = read("Date,Description,Credit,Debit\n01/16/2025,ODD,10.00,5.00\n01/17/2025,OK,1.00,\n")
    (error,) = statement.errors
    assert error.field == "Credit/Debit" and "found both 10.00 and 5.00" in error.message
    assert [t.amount for t in statement.transactions] == [Decimal("1.00")]


@pytest.mark.parametrize(
    ("text", "amount"),
    [("(1,234.56)", "-1234.56"), ("$1,234.56", "1234.56"), ("1234.56-", "-1234.56"), ("-.5", "-0.50"), ("+7", "7.00")],
)
def test_amount_notations(text: str, amount: str) -> None:
    (transaction,) = read(f'Date,Description,Amount\n01/16/2025,X,"{text}"\n').transactions
    assert transaction.signed_amount == Decimal(amount)


def test_a_file_without_a_header_row_uses_the_layouts_column_names() -> None:
    layout = CsvLayout(header=("Date", "Amount", "Description", "Reference"), account_number="000123456789")
    statement = read("01/16/2025,319.50,ACH TRN*1*X1*1512345678,R1\n01/17/2025,-5.00,FEE,R2\n", layout)
    assert [(t.line, t.amount, t.trace_number) for t in statement.transactions] == [
        (1, Decimal("319.50"), "X1"),
        (2, Decimal("5.00"), None),
    ]
    assert statement.transactions[0].account_number == "000123456789"


def test_unsigned_amounts_with_a_type_column() -> None:
    layout = CsvLayout(debits_negative=False)
    text = "Date,Type,Amount,Description\n01/16/2025,CR,319.50,ACH\n01/17/2025,Debit,25.00,FEE\n01/19/2025,??,1.00,X\n"
    statement = read(text, layout)
    assert [(t.amount, t.direction) for t in statement.transactions] == [
        (Decimal("319.50"), Direction.CREDIT),
        (Decimal("25.00"), Direction.DEBIT),
    ]
    (error,) = statement.errors
    assert (error.line, error.field) == (4, "Type")
    assert "to tell credits from debits, found '??'" in error.message


def test_return_types_are_returns() -> None:
    text = "Date,Type,Amount,Description\n01/18/2025,ACH RETURN,-319.50,R01 ACME\n"
    (transaction,) = read(text).transactions
    assert (transaction.direction, transaction.credit, transaction.type_code) == (Direction.RETURN, False, "ACH RETURN")


def test_no_header_row_is_a_file_error() -> None:
    with pytest.raises(BankFileError, match=r"activity\.csv: no header row with a date and an amount column"):
        read("just,some,words\n1,2,3\n")
    with pytest.raises(BankFileError, match=r"the header row at line 2 has no date or no amount column"):
        read("Date,Amount\n01/16/2025,1.00\n", CsvLayout(skip_lines=1))


def test_the_same_export_gives_the_same_ids_and_identical_rows_stay_apart() -> None:
    text = EXPORT + "01/17/2025,MONTHLY SERVICE FEE,-25.00,,FN0117-009\n"
    first, again, renamed = read(text), read(text), read(text, name="elsewhere/activity (1).csv")
    ids = [t.transaction_id for t in first.transactions]
    assert len(set(ids)) == 4
    assert ids == [t.transaction_id for t in again.transactions] == [t.transaction_id for t in renamed.transactions]
    assert first.file_id == renamed.file_id
    # an overlapping export of the same account gives the shared rows the same ids
    overlap = read(
        "Posting Date,Description,Amount,Check Number,Reference\n" + "\n".join(EXPORT.splitlines()[5:6]) + "\n"
    )
    assert overlap.transactions[0].transaction_id == ids[1]


def test_free_text_in_a_value_column_is_not_quoted_in_the_error() -> None:
    # a memo shifted into the amount column may hold a name: the message tells only its length
    statement = read("Date,Amount,Description\n01/16/2025,ZELLE FROM JANE Q PATIENT,\n")
    (error,) = statement.errors
    assert "found a text of 25 characters" in error.message
    assert "JANE" not in error.message
