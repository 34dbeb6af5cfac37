"""Bank CSV exports -> bank transactions, with a column layout that can be set per bank.

Each layout setting lists the header names a column may have (matched without regard to case or
spacing); the first one present in the file is used. The default layout knows the common headers.
A row that cannot be read becomes an error naming its line and column; the other rows still load.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from remitflow.bank.csv_layout import DEFAULT_LAYOUT, CsvLayout
from remitflow.bank.models import BankFileError, BankFormat, BankStatement, BankTransaction, Direction, shown
from remitflow.bank.reader import DepositReader
from remitflow.bank.source import MAX_LINE_LENGTH, DepositSource, LongLine, iter_chunks, iter_lines
from remitflow.bank.trace import find_trace
from remitflow.values import cents, stable_id

HEADER_SEARCH_LINES = 20  # how far the default layout looks for the header row past a bank's title lines
# A row is a few hundred characters; one runs on over several lines only inside double quotes, so a
# row past 64 KiB is a quote never closed, and what is held of it stops there.
MAX_ROW_LENGTH = 1 << 16


def read_csv(source_name: str, source: DepositSource, layout: CsvLayout = DEFAULT_LAYOUT) -> BankStatement:
    """Read a whole CSV export (raises `BankFileError` when no header row can be found)."""
    return CsvReader(source_name, source, layout).read()


def _key(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").split()).casefold()


@dataclass(frozen=True, slots=True)
class _Columns:
    """Index and header text of each column the layout found."""

    found: dict[str, tuple[int, str]]

    @classmethod
    def resolve(cls, header: Sequence[str], layout: CsvLayout) -> _Columns:
        positions: dict[str, int] = {}
        for index, name in enumerate(header):
            positions.setdefault(_key(name), index)
        found = {}
        for setting in (
            "date",
            "value_date",
            "amount",
            "credit",
            "debit",
            "description",
            "addenda",
            "reference",
            "customer_reference",
            "type",
            "account",
        ):
            for candidate in getattr(layout, setting):
                at = positions.get(_key(candidate))
                if at is not None:
                    found[setting] = (at, header[at].strip())
                    break
        return cls(found)

    @property
    def usable(self) -> bool:
        return "date" in self.found and ("amount" in self.found or "credit" in self.found or "debit" in self.found)

    def name(self, setting: str) -> str:
        return self.found[setting][1]

    def value(self, row: Sequence[str], setting: str) -> str:
        position = self.found.get(setting)
        if position is None or position[0] >= len(row):
            return ""
        return row[position[0]].strip()


class _RowError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


class _RowTooLong(Exception):
    pass


class _Lines:
    """The lines csv reads, each with its line break; a line too long to hold is an error and an empty
    line in its place, and a row (several lines when quoted) longer than MAX_ROW_LENGTH ends the reading."""

    def __init__(self, lines: Iterable[str | LongLine], reader: CsvReader) -> None:
        self._lines = iter(lines)
        self._reader = reader
        self.number = 0  # lines handed to csv so far
        self.row_start = 1  # the line the current row starts on
        self._row_size = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.number += 1
        if isinstance(line, LongLine):
            self._reader.error(
                f"line {self.number}",
                f"expected a line of at most {MAX_LINE_LENGTH:,} characters, found one of {line.length:,}; "
                "line not read",
                line=self.number,
                record="row",
            )
            line = ""
        self._row_size += len(line)
        if self._row_size > MAX_ROW_LENGTH:
            raise _RowTooLong
        return line + "\n"

    def row_done(self) -> None:
        self.row_start = self.number + 1
        self._row_size = 0


class CsvReader(DepositReader):
    default_format = BankFormat.CSV

    def __init__(self, source_name: str, source: DepositSource, layout: CsvLayout = DEFAULT_LAYOUT) -> None:
        super().__init__(source_name, source)
        self.layout = layout
        self._seen: Counter[tuple[str | None, ...]] = Counter()
        self._ids: list[str] = []

    def _read(self) -> Iterator[BankTransaction]:
        lines = self._lines = _Lines(iter_lines(iter_chunks(self._input)), self)
        reader = csv.reader(lines, delimiter=self.layout.delimiter)
        previous_line = 0
        try:
            columns = self._header(reader)
            lines.row_done()
            previous_line = reader.line_num
            for row in reader:
                lines.row_done()
                line, previous_line = previous_line + 1, reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                try:
                    transaction = self._row(row, line, columns)
                except _RowError as problem:
                    self.error(
                        f"line {line}, column {problem.column!r}",
                        f"{problem.message}; row not read",
                        line=line,
                        record="row",
                        field=problem.column,
                    )
                    continue
                self._ids.append(transaction.transaction_id)
                yield transaction
        except _RowTooLong:
            self.error(
                f"line {lines.row_start}",
                f"expected a row of at most {MAX_ROW_LENGTH:,} characters, found one running on to line "
                f"{lines.number} (a double quote never closed?); the rest of the file is not read",
                line=lines.row_start,
                record="row",
            )
        except csv.Error as error:
            raise BankFileError(
                f"{self.source} line {reader.line_num}: cannot be read as CSV ({error})",
                source=self.source,
                line=reader.line_num,
            ) from None
        # Content, not name: the same export uploaded twice, under any key, is the same file.
        self._file_id = stable_id("csv", *self._ids)

    def _header(self, reader: Iterator[list[str]]) -> _Columns:
        layout = self.layout
        for _ in range(layout.skip_lines or 0):
            next(reader, None)
            self._lines.row_done()
        if layout.header is not None:
            return self._usable(_Columns.resolve(layout.header, layout), "the layout's header")
        if layout.skip_lines is not None:
            row = next(reader, None) or []
            return self._usable(_Columns.resolve(row, layout), f"the header row at line {layout.skip_lines + 1}")
        for row in itertools.islice(reader, HEADER_SEARCH_LINES):
            self._lines.row_done()
            columns = _Columns.resolve(row, layout)
            if columns.usable:
                return columns
        raise BankFileError(
            f"{self.source}: no header row with a date and an amount column in the first {HEADER_SEARCH_LINES} "
            f"lines; expected a date column ({', '.join(layout.date)}) and {self._amount_columns()}",
            source=self.source,
        )

    def _usable(self, columns: _Columns, where: str) -> _Columns:
        if columns.usable:
            return columns
        raise BankFileError(
            f"{self.source}: {where} has no date or no amount column for layout {self.layout.name!r}; expected "
            f"a date column ({', '.join(self.layout.date)}) and {self._amount_columns()}",
            source=self.source,
        )

    def _amount_columns(self) -> str:
        layout = self.layout
        return (
            f"an amount column ({', '.join(layout.amount)}) or credit/debit columns "
            f"({', '.join(layout.credit)} / {', '.join(layout.debit)})"
        )

    def _row(self, row: list[str], line: int, columns: _Columns) -> BankTransaction:
        layout = self.layout
        booking = self._date(columns, row, "date")
        value_date = self._date(columns, row, "value_date") if columns.value(row, "value_date") else None
        signed = self._signed_amount(columns, row)
        type_text = columns.value(row, "type")
        credit = signed >= 0 if layout.debits_negative or "amount" not in columns.found else self._typed(type_text)
        if credit is None:
            raise _RowError(
                columns.name("type") if "type" in columns.found else columns.name("amount"),
                f"expected a type ({', '.join(layout.credit_types)} or {', '.join(layout.debit_types)}) "
                f"to tell credits from debits, found {shown(type_text, 20)}",
            )
        returned = any(word in type_text.upper() for word in layout.return_words)
        direction = Direction.RETURN if returned else (Direction.CREDIT if credit else Direction.DEBIT)
        description = columns.value(row, "description")
        addenda = columns.value(row, "addenda")
        trace = find_trace(addenda) or find_trace(description)
        reference = columns.value(row, "reference") or None
        account = columns.value(row, "account") or layout.account_number
        amount = abs(signed)
        # Identical rows in one export are separate transactions: their occurrence number tells them apart.
        key = (account, booking.isoformat(), str(signed), reference, description, addenda)
        self._seen[key] += 1
        return BankTransaction(
            transaction_id=stable_id("csv", *key, self._seen[key]),
            source=self.source,
            format=BankFormat.CSV,
            account_number=account,
            currency=layout.currency,
            amount=amount,
            direction=direction,
            credit=credit,
            booking_date=booking,
            value_date=value_date,
            type_code=type_text or None,
            bank_reference=reference,
            customer_reference=columns.value(row, "customer_reference") or None,
            text=" ".join(part for part in (description, addenda) if part),
            trace_number=trace.trace_number if trace else None,
            payer_id=trace.payer_id if trace else None,
            line=line,
        )

    def _typed(self, type_text: str) -> bool | None:
        word = type_text.upper()
        if word in self.layout.credit_types:
            return True
        if word in self.layout.debit_types:
            return False
        return None

    def _date(self, columns: _Columns, row: Sequence[str], setting: str) -> date:
        text = columns.value(row, setting)
        # strptime's %Y takes any script's digits: a date is ASCII, like an amount.
        for pattern in self.layout.date_formats if text.isascii() else ():
            try:
                return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date, no time zone
            except ValueError:
                continue
        raise _RowError(
            columns.name(setting),
            f"expected a date ({' or '.join(map(_written, self.layout.date_formats))}), found {shown(text, 20)}",
        )

    def _signed_amount(self, columns: _Columns, row: Sequence[str]) -> Decimal:
        if "amount" in columns.found:
            value = self._amount(columns, row, "amount")
            if value is None:
                raise _RowError(columns.name("amount"), "expected an amount such as 1234.56 or -1234.56, found ''")
            return value
        credit = self._amount(columns, row, "credit") if "credit" in columns.found else None
        debit = self._amount(columns, row, "debit") if "debit" in columns.found else None
        credit, debit = (None if v is None or v == 0 else abs(v) for v in (credit, debit))
        if credit is not None and debit is not None:
            raise _RowError(
                f"{columns.name('credit')}/{columns.name('debit')}",
                f"expected an amount in one of the columns, found both {credit} and {debit}",
            )
        if credit is None and debit is None:
            names = "/".join(columns.name(s) for s in ("credit", "debit") if s in columns.found)
            raise _RowError(names, "expected an amount in the credit or the debit column, found neither")
        return credit if credit is not None else -(debit or Decimal(0))

    def _amount(self, columns: _Columns, row: Sequence[str], setting: str) -> Decimal | None:
        text = columns.value(row, setting)
        if not text:
            return None
        value = _parse_amount(text, decimal_comma=self.layout.decimal_comma)
        if value is None:
            raise _RowError(
                columns.name(setting),
                f"expected an amount such as 1234.56, -1234.56 or (1234.56), found {shown(text, 20)}",
            )
        return value


def _written(pattern: str) -> str:
    """'%m/%d/%Y' as a person writes it: 'MM/DD/YYYY'."""
    for code, written in (("%Y", "YYYY"), ("%y", "YY"), ("%m", "MM"), ("%d", "DD"), ("%b", "Mon")):
        pattern = pattern.replace(code, written)
    return pattern


_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?|\.[0-9]{1,2}")


def _parse_amount(text: str, *, decimal_comma: bool) -> Decimal | None:
    """'1,234.56', '-1234.56', '(1,234.56)', '1234.56-', '$1,234.56' -> Decimal; None when not an amount."""
    value = text.strip().replace("$", "").replace(" ", "")
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1]
    if value.startswith(("-", "+")):
        negative, value = value[0] == "-" or negative, value[1:]
    elif value.endswith("-"):
        negative, value = True, value[:-1]
    value = value.replace(".", "").replace(",", ".") if decimal_comma else value.replace(",", "")
    if not _AMOUNT.fullmatch(value):
        return None
    try:
        amount = cents(Decimal(value))
    except InvalidOperation:
        return None
    return -amount if negative else amount
