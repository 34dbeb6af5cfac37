"""The BAI2 reader: continuations, funds types, text with commas, trailers, type codes, broken files."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from tests.unit.bank.bai2_files import FIRST_DETAIL, Detail, bai2, bai2_lines, replace_line

from remitflow.bank import BankFileError, BankStatement, Direction, read_bai2
from remitflow.bank.bai2 import Bai2Reader

TRN = "TRN*1*12345*1512345678\\"


def read(text: str) -> BankStatement:
    return read_bai2("first-national.bai", text)


def clean(text: str) -> BankStatement:
    """Read `text` and insist that nothing was wrong with it."""
    statement = read(text)
    assert statement.errors == (), [e.message for e in statement.errors]
    return statement


def messages(statement: BankStatement) -> list[str]:
    return [p.message for p in (*statement.errors, *statement.warnings)]


# -- continuations and text -------------------------------------------------------------------------


@pytest.mark.parametrize("split", range(1, len(TRN)))
def test_a_trn_split_across_16_and_88_comes_out_whole(split: int) -> None:
    text = "ACME HEALTH PLAN HCCLAIMPMT " + TRN
    statement = clean(bai2(Detail(text=text, splits=[28 + split])))
    (transaction,) = statement.transactions
    assert transaction.text == text
    assert (transaction.trace_number, transaction.payer_id) == ("12345", "1512345678")


@pytest.mark.parametrize("slash", [False, True])
def test_text_runs_over_several_88_records_with_or_without_slashes(slash: bool) -> None:
    text = "PAYMENT FROM ACME, CLAIMS DEPT, REF 7 " + TRN
    statement = clean(bai2(Detail(text=text, splits=[5, 19, 40], slash=slash)))
    assert statement.transactions[0].text == text
    assert statement.transactions[0].trace_number == "12345"


def test_commas_in_the_text_stay_in_the_text() -> None:
    text = "ACH CREDIT, ACME HEALTH, INC., TRN*1*99,NOT A FIELD"
    (transaction,) = clean(bai2(Detail(text=text, bank_reference="FN1", customer_reference="C9"))).transactions
    assert transaction.text == text
    assert (transaction.bank_reference, transaction.customer_reference) == ("FN1", "C9")


def test_fields_before_the_text_may_continue_in_an_88() -> None:
    lines = bai2_lines(Detail(text="X"))
    lines[FIRST_DETAIL - 1 : FIRST_DETAIL] = ["16,165,31950,Z/", "88,FN1,CR7,ACH CREDIT " + TRN]
    lines[-3:] = ["49,131950,4/", "98,131950,1,6/", "99,131950,1,8/"]
    (transaction,) = clean("\n".join(lines) + "\n").transactions
    assert (transaction.bank_reference, transaction.customer_reference) == ("FN1", "CR7")
    assert transaction.text == "ACH CREDIT " + TRN


def test_a_record_without_text_has_empty_text() -> None:
    (transaction,) = clean(bai2(Detail(text="", slash=True))).transactions
    assert transaction.text == ""
    assert transaction.trace_number is None


def test_padding_of_fixed_length_records_is_not_text() -> None:
    lines = [line.ljust(80) for line in bai2_lines(Detail(text="ACH CREDIT TRN*1*1", splits=[16]))]
    lines[0] = "01,FNBCHICAGO,LAKESIDEFM,250117,0600,7,80,,2/".ljust(80)
    (transaction,) = clean("\n".join(lines) + "\n").transactions
    assert transaction.text == "ACH CREDIT TRN*1*1"


def test_crlf_line_ends_and_any_chunking_read_the_same() -> None:
    text = bai2(Detail(text="ACME " + TRN, splits=[9]), Detail(code="698", amount=2500, text="FEE"), end="\r\n")
    data = text.encode()
    whole = clean(text)
    for size in (1, 2, 7, 64):
        chunked = read_bai2("first-national.bai", iter([data[i : i + size] for i in range(0, len(data), size)]))
        assert chunked == whole
    assert read_bai2("first-national.bai", io.BytesIO(data)) == whole
    assert read_bai2("first-national.bai", io.StringIO(text)) == whole
    assert read_bai2("first-national.bai", text.splitlines()) == whole
    assert [t.text for t in whole.transactions] == ["ACME " + TRN, "FEE"]


# -- funds types ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("funds", "value_date"),
    [
        ("Z", None),
        ("", None),
        ("0", None),
        ("1", None),
        ("2", None),
        ("S,10000,20000,1950", None),
        ("V,250117,0900", date(2025, 1, 17)),
        ("V,250117,", date(2025, 1, 17)),
        ("D,2,0,10000,1,21950", None),
        ("D,0", None),
    ],
)
def test_funds_types_bring_their_extra_fields(funds: str, value_date: date | None) -> None:
    detail = Detail(funds=funds, bank_reference="FN1", customer_reference="CR2", text="ACME, " + TRN)
    (transaction,) = clean(bai2(detail)).transactions
    assert transaction.amount == Decimal("319.50")
    assert (transaction.bank_reference, transaction.customer_reference) == ("FN1", "CR2")
    assert transaction.text == "ACME, " + TRN
    assert transaction.value_date == value_date


@pytest.mark.parametrize(
    ("funds", "field", "expected"),
    [
        ("X", "funds type", "expected funds type Z, 0, 1, 2, S, V or D, found 'X'"),
        ("V,251317,0900", "value date", "expected the value date of funds type V as YYMMDD, found '251317'"),
        ("S,100,2x0,300", "one-day availability", "expected a signed amount in cents"),
        ("D,two,0,100", "number of distributions", "found 'two'"),
        ("D,1,x,100", "distribution 1 days", "expected a number of days, found 'x'"),
    ],
)
def test_a_bad_funds_type_field_is_an_error_at_its_line(funds: str, field: str, expected: str) -> None:
    statement = read(bai2(Detail(funds=funds), Detail(amount=5000, text="CHECK DEPOSIT")))
    (error,) = statement.errors
    assert error.line == FIRST_DETAIL
    assert f"first-national.bai line {FIRST_DETAIL} (16 record), field {field}" in error.message
    assert expected in error.message
    # the broken record is not read, the next one is
    assert [t.amount for t in statement.transactions] == [Decimal("50.00")]


def test_summary_amounts_of_the_03_are_read_with_their_funds_fields_and_continuations() -> None:
    lines = bai2_lines(Detail(), summaries=[("010", 100000), ("015", -2500)])
    lines[2] = "03,000123456789,USD,010,100000,,,015,-2500,,V,250116,/"
    lines.insert(3, "88,100,31950,1,S,31950,0,0,400,0,0,/")
    total = 100000 - 2500 + 31950 + 0 + 31950
    lines[-3:] = [f"49,{total},4/", f"98,{total},1,6/", f"99,{total},1,8/"]
    statement = clean("\n".join(lines) + "\n")
    (account,) = statement.accounts
    assert account.masked_account == "****6789"
    assert account.as_of == date(2025, 1, 16)
    assert [(a.type_code, a.amount, a.item_count) for a in account.amounts] == [
        ("010", Decimal("1000.00"), None),
        ("015", Decimal("-25.00"), None),
        ("100", Decimal("319.50"), 1),
        ("400", Decimal("0.00"), 0),
    ]


# -- trailers ---------------------------------------------------------------------------------------


def test_a_wrong_account_control_total_is_an_error_naming_the_49() -> None:
    text = bai2(Detail(), Detail(amount=5000))
    lines = text.splitlines()
    assert lines[5] == "49,136950,4/"
    statement = read(replace_line(text, 6, "49,136951,4/"))
    assert len(statement.transactions) == 2
    (error,) = statement.errors
    assert error.line == 6 and error.record == "49" and error.field == "account control total"
    assert "line 6 (49 record), field account control total: expected 136950 (1,369.50)" in error.message
    assert "of account ****6789, found '136951'" in error.message
    assert "000123456789" not in error.message


def test_wrong_group_and_file_totals_are_errors() -> None:
    text = bai2(Detail())
    statement = read(replace_line(replace_line(text, 6, "98,1,1,5/"), 7, "99,131950,1,7/"))
    assert [(e.record, e.field) for e in statement.errors] == [("98", "group control total")]
    assert "expected 131950" in statement.errors[0].message
    statement = read(replace_line(text, 7, "99,131951,1,7/"))
    assert [(e.record, e.field) for e in statement.errors] == [("99", "file control total")]


@pytest.mark.parametrize(
    ("line", "new", "record", "field", "expected"),
    [
        (5, "49,131950,2/", "49", "number of records", "expected 3 (03 to 49 of account ****6789), found 2"),
        (6, "98,131950,1,4/", "98", "number of records", "expected 5 (02 to 98 of the group at line 2), found 4"),
        (6, "98,131950,2,5/", "98", "number of accounts", "expected 1 (03 records of the group at line 2), found 2"),
        (7, "99,131950,1,8/", "99", "number of records", "expected 7 (records in the file, 01 to 99), found 8"),
        (7, "99,131950,3,7/", "99", "number of groups", "expected 1 (02 records in the file), found 3"),
    ],
)
def test_record_counts_are_checked(line: int, new: str, record: str, field: str, expected: str) -> None:
    statement = read(replace_line(bai2(Detail()), line, new))
    (error,) = statement.errors
    assert (error.line, error.record, error.field) == (line, record, field)
    assert expected in error.message


def test_88_records_count_as_records() -> None:
    statement = clean(bai2(Detail(text="A" * 30, splits=[10, 20])))
    assert statement.transactions[0].text == "A" * 30


def test_a_truncated_file_keeps_what_was_read_and_says_it_is_truncated() -> None:
    lines = bai2_lines(Detail(), Detail(amount=5000))
    statement = read("\n".join(lines[:5]) + "\n")
    assert [t.amount for t in statement.transactions] == [Decimal("319.50"), Decimal("50.00")]
    (error,) = statement.errors
    assert error.line == 5
    assert "expected 49 for account ****6789 (03 at line 3), 98 for the group at line 2, 99" in error.message
    assert "truncated" in error.message


def test_records_after_the_99_are_an_error() -> None:
    statement = read(bai2(Detail()) + "16,165,100,Z,,,LATE\n")
    (error,) = statement.errors
    assert error.line == 8 and "expected the end of the file after the 99 file trailer" in error.message
    assert len(statement.transactions) == 1


# -- amounts and type codes -------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["319.50", "31x50", "-31950", "+31950"])
def test_a_non_numeric_amount_is_an_error_with_its_record_number(amount: str) -> None:
    text = bai2(Detail(), Detail(amount=5000, text="SECOND"))
    statement = read(replace_line(text, FIRST_DETAIL, f"16,165,{amount},Z,FN1,,ACH CREDIT"))
    (error,) = statement.errors  # no second error for the 49 total the bad amount makes wrong
    assert (error.line, error.record, error.field) == (FIRST_DETAIL, "16", "amount")
    assert f"line {FIRST_DETAIL} (16 record), field amount: expected an amount in cents" in error.message
    assert [t.text for t in statement.transactions] == ["SECOND"]


@pytest.mark.parametrize(
    ("code", "direction", "credit"),
    [
        ("165", Direction.CREDIT, True),  # preauthorized ACH credit
        ("166", Direction.CREDIT, True),
        ("169", Direction.CREDIT, True),
        ("115", Direction.CREDIT, True),  # lockbox
        ("175", Direction.CREDIT, True),  # check deposit package
        ("301", Direction.CREDIT, True),
        ("475", Direction.DEBIT, False),  # check paid
        ("698", Direction.DEBIT, False),  # fees
        ("555", Direction.RETURN, False),  # deposited item returned
        ("557", Direction.RETURN, False),  # ACH return item
        ("257", Direction.RETURN, True),  # an ACH debit of ours returned: money back, not a payment
    ],
)
def test_type_codes_give_the_direction(code: str, direction: Direction, credit: bool) -> None:
    (transaction,) = clean(bai2(Detail(code=code))).transactions
    assert (transaction.direction, transaction.credit) == (direction, credit)
    assert transaction.is_deposit is (direction is Direction.CREDIT)
    assert transaction.type_code == code


@pytest.mark.parametrize(
    ("code", "direction", "credit", "said"),
    [
        ("925", Direction.CREDIT, True, "bank-specific credit code"),
        ("975", Direction.DEBIT, False, "bank-specific debit code"),
        ("050", Direction.UNKNOWN, None, "direction unknown"),
        ("7A1", Direction.UNKNOWN, None, "direction unknown"),
    ],
)
def test_an_unknown_type_code_is_a_warning_never_fatal(
    code: str, direction: Direction, credit: bool | None, said: str
) -> None:
    statement = clean(bai2(Detail(code=code), Detail(code=code, amount=100), Detail(code="165", amount=200)))
    assert [(t.direction, t.credit) for t in statement.transactions[:2]] == [(direction, credit)] * 2
    assert statement.transactions[0].signed_amount == (
        None if credit is None else (1 if credit else -1) * Decimal("319.50")
    )
    (warning,) = statement.warnings  # once per code, at its first use
    assert warning.line == FIRST_DETAIL and warning.field == "type code"
    assert f"type code {code!r}" in warning.message and said in warning.message
    assert len(statement.transactions) == 3


def test_a_non_monetary_890_record_is_not_a_transaction() -> None:
    lines = bai2_lines(Detail())
    lines.insert(FIRST_DETAIL, "16,890,,Z,,,SEE ATTACHED ADVICE")
    lines[-3:] = ["49,131950,4/", "98,131950,1,6/", "99,131950,1,8/"]
    statement = clean("\n".join(lines) + "\n")
    assert [t.type_code for t in statement.transactions] == ["165"]


# -- structure --------------------------------------------------------------------------------------


def test_an_empty_file_is_a_file_error() -> None:
    with pytest.raises(BankFileError, match=r"first-national\.bai: the file is empty; expected a BAI2 file"):
        read("\n\n")


def test_a_file_without_an_01_header_is_a_file_error() -> None:
    with pytest.raises(BankFileError, match=r"line 1: expected a BAI2 file header \(01\) first, found '02'") as info:
        read("\n".join(bai2_lines(Detail())[1:]))
    assert info.value.line == 1


def test_a_bad_as_of_date_is_a_file_error_naming_line_and_field() -> None:
    with pytest.raises(BankFileError, match=r"line 2 \(02 record\), field as-of date: expected a date as YYMMDD"):
        read(replace_line(bai2(Detail()), 2, "02,LAKESIDEFM,071000013,1,251301,2400,USD,2/"))


def test_records_out_of_place_are_errors_and_reading_goes_on() -> None:
    lines = bai2_lines(Detail())
    lines.insert(2, "16,165,100,Z,,,BEFORE ANY ACCOUNT")
    lines.insert(3, "77,WHAT")
    statement = read("\n".join(lines) + "\n")
    assert [(e.line, e.record) for e in statement.errors[:2]] == [(3, "16"), (4, None)]
    assert "expected an 03 account record before a 16 transaction" in statement.errors[0].message
    assert "expected a BAI2 record code (01, 02, 03, 16, 88, 49, 98, 99), found '77'" in statement.errors[1].message
    assert [t.amount for t in statement.transactions] == [Decimal("319.50")]


def test_a_missing_49_is_reported_when_the_next_account_starts() -> None:
    lines = bai2_lines(Detail())
    lines[5:5] = ["03,000999888777,USD/", "16,169,100,Z,,,OTHER ACCOUNT"]
    del lines[4]  # the first account's 49
    statement = read("\n".join(lines) + "\n")
    assert any("expected a 49 account trailer for account ****6789 before a new 03" in m for m in messages(statement))
    assert [t.masked_account for t in statement.transactions] == ["****6789", "****8777"]


# -- identity ---------------------------------------------------------------------------------------


def test_the_same_file_read_twice_gives_the_same_ids_whatever_its_name() -> None:
    text = bai2(Detail(), Detail(), Detail(amount=5000))
    first, second = read(text), read_bai2("deposits/renamed.bai", text.encode())
    ids = [t.transaction_id for t in first.transactions]
    assert ids == [t.transaction_id for t in second.transactions]
    assert first.file_id == second.file_id
    assert len(set(ids)) == 3  # two identical credits are still two transactions


def test_another_file_gives_other_ids() -> None:
    text = bai2(Detail())
    other = text.replace("01,FNBCHICAGO,LAKESIDEFM,250117,0600,7,", "01,FNBCHICAGO,LAKESIDEFM,250118,0600,8,")
    assert read(text).transactions[0].transaction_id != read(other).transactions[0].transaction_id
    assert read(text).file_id != read(other).file_id


def test_a_reader_streams_and_reads_once() -> None:
    reader = Bai2Reader("first-national.bai", bai2(Detail(), Detail(amount=5000)))
    stream = iter(reader)
    assert next(stream).amount == Decimal("319.50")
    assert reader.errors == []
    assert [t.amount for t in stream] == [Decimal("50.00")]
    with pytest.raises(RuntimeError, match="reads its input once"):
        iter(reader)


def test_the_account_number_is_masked_in_repr() -> None:
    (transaction,) = clean(bai2(Detail())).transactions
    assert transaction.account_number == "000123456789"
    assert transaction.masked_account == "****6789"
    assert "000123456789" not in repr(transaction)
