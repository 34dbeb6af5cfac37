"""BAI2 (Cash Management Balance Reporting Specifications, version 2) -> bank transactions.

Records: 01 file header, 02 group header (as-of date), 03 account (balances and activity summaries),
16 transaction detail, 88 continuation, 49/98/99 trailers with control totals and record counts.
Amounts are in cents without a decimal point. A record ends with `/`; the 16 record's text is its
last field, may contain commas and runs to the end of the line (`/` there is optional: banks differ).
An 88 continues the record before it: for a 16 whose text has begun, its content is appended to the
text exactly as written, so a TRN split across lines comes out whole.

Written here rather than taken from the `bai2` package, which raises on unknown type codes and joins
continuation text with a space.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from remitflow.bank.models import (
    AccountSummary,
    BankFileError,
    BankFormat,
    BankStatement,
    BankTransaction,
    Direction,
    SummaryAmount,
    mask_account,
    shown,
)
from remitflow.bank.reader import DepositReader
from remitflow.bank.source import MAX_LINE_LENGTH, DepositSource, LongLine, iter_chunks, iter_lines
from remitflow.bank.trace import find_trace
from remitflow.values import stable_id

RECORD_CODES = ("01", "02", "03", "16", "88", "49", "98", "99")
NON_MONETARY = "890"  # a 16 that carries only text
FUNDS_TYPES = "Z, 0, 1, 2, S, V or D"
# A record with all its 88 continuations: a 16's text is the addenda of one payment, a few hundred
# characters at most; past 64 KiB the continuations are counted, no longer held.
MAX_RECORD_LENGTH = 1 << 16

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


def read_bai2(source_name: str, source: DepositSource) -> BankStatement:
    """Read a whole BAI2 file (raises `BankFileError` if it cannot be read at all)."""
    return Bai2Reader(source_name, source).read()


@dataclass(slots=True)
class _Record:
    """One logical record: its physical line and the lines of the 88 records that continue it."""

    code: str
    line: int
    pieces: list[tuple[int, str]]  # (line number, raw text after "NN,")
    size: int = 0  # characters in `pieces`
    dropped_lines: int = 0  # 88 lines past MAX_RECORD_LENGTH, or the one line too long to hold
    overflow_line: int = 0  # where the record outgrew its bound
    long_line: int | None = None  # a line too long to hold: its length in bytes

    @property
    def lines(self) -> int:
        return len(self.pieces) + self.dropped_lines


class _Fields:
    """The comma-separated fields of a logical record, read in order across its continuation lines."""

    def __init__(self, pieces: Sequence[tuple[int, str]]) -> None:
        self._pieces = pieces
        self._index = 0
        self._pos = 0
        self.line = pieces[0][0] if pieces else 0

    def take(self) -> str | None:
        """The next field, stripped; None when the record has no more fields."""
        while self._index < len(self._pieces):
            line, text = self._pieces[self._index]
            if self._pos > len(text):
                self._index += 1
                self._pos = 0
                continue
            self.line = line
            end = text.find(",", self._pos)
            if end < 0:
                value, self._pos = text[self._pos :], len(text) + 1
            else:
                value, self._pos = text[self._pos : end], end + 1
            return value.strip()
        return None

    def rest(self) -> str:
        """Everything after the fields taken so far, continuation lines joined with nothing between them."""
        if self._index >= len(self._pieces):
            return ""
        parts = [self._pieces[self._index][1][self._pos :]]
        parts.extend(text for _, text in self._pieces[self._index + 1 :])
        self._index = len(self._pieces)
        return "".join(parts)


@dataclass(slots=True)
class _Account:
    number: str
    currency: str
    line: int
    index: int
    records: int = 0
    total: int = 0  # cents: every amount of the 03 and its 16s, as written
    broken: bool = False  # an amount could not be read: the control total cannot be checked
    details: int = 0


@dataclass(slots=True)
class _Group:
    as_of: date
    currency: str
    line: int
    index: int
    records: int = 0
    total: int = 0  # cents: every amount of the group's 03 and 16 records
    accounts: int = 0
    broken: bool = False


@dataclass(slots=True)
class _File:
    identity: tuple[str, ...]
    records: int = 0
    total: int = 0  # cents: every amount of the file's 03 and 16 records
    groups: int = 0
    broken: bool = False
    warned_codes: set[str] = field(default_factory=set)


class Bai2Reader(DepositReader):
    default_format = BankFormat.BAI2

    def __init__(self, source_name: str, source: DepositSource) -> None:
        super().__init__(source_name, source)
        self._padded = False  # the 01 declared a fixed record length: trailing blanks are padding
        self._file: _File | None = None
        self._group: _Group | None = None
        self._account: _Account | None = None
        self._closed = False
        self._after_end_reported = False
        self._last_line = 0

    # -- reading -----------------------------------------------------------------------------------

    def _records(self) -> Iterator[_Record]:
        pending: _Record | None = None
        for number, text in enumerate(iter_lines(iter_chunks(self._input)), start=1):
            self._last_line = number
            if isinstance(text, LongLine):
                if pending is not None:
                    yield pending
                pending = None
                yield _Record("", number, [], dropped_lines=1, long_line=text.length)
                continue
            if not text.strip():
                continue
            code, _, rest = text.partition(",")
            code = code.strip()
            if code == "88" and pending is not None:
                if pending.dropped_lines or pending.size + len(rest) > MAX_RECORD_LENGTH:
                    pending.dropped_lines += 1
                    pending.overflow_line = pending.overflow_line or number
                else:
                    pending.pieces.append((number, rest))
                    pending.size += len(rest)
                continue
            if pending is not None:
                yield pending
            pending = _Record(code, number, [(number, rest)], size=len(rest))
        if pending is not None:
            yield pending

    def _read(self) -> Iterator[BankTransaction]:
        records = self._records()
        first = next(records, None)
        if first is None:
            raise BankFileError(
                f"{self.source}: the file is empty; expected a BAI2 file starting with an 01 file header",
                source=self.source,
            )
        if first.long_line is not None:
            raise BankFileError(
                f"{self.source} line {first.line}: expected a BAI2 file header (01) first, found a line of "
                f"{first.long_line:,} characters",
                source=self.source,
                line=first.line,
            )
        if first.code != "01":
            raise BankFileError(
                f"{self.source} line {first.line}: expected a BAI2 file header (01) first, "
                f"found {shown(first.code, 4)}",
                source=self.source,
                line=first.line,
            )
        self._file_header(first)
        for record in records:
            transaction = self._record(record)
            if transaction is not None:
                yield transaction
        self._end_of_input()

    def _record(self, record: _Record) -> BankTransaction | None:
        if self._closed:
            if not self._after_end_reported:
                self._after_end_reported = True
                self.error(self._where(record), "expected the end of the file after the 99 file trailer", **_at(record))
            return None
        count = record.lines
        assert self._file is not None
        self._file.records += count
        if self._group is not None:
            self._group.records += count
        if self._account is not None:
            self._account.records += count
        handler = {
            "02": self._group_header,
            "03": self._account_header,
            "49": self._account_trailer,
            "98": self._group_trailer,
            "99": self._file_trailer,
        }.get(record.code)
        if record.long_line is not None or record.dropped_lines:
            self._too_long(record)
            return None
        if handler is not None:
            handler(record)
            return None
        if record.code == "16":
            return self._detail(record)
        if record.code == "01":
            self.error(self._where(record), "expected one 01 file header per file, found a second one", **_at(record))
        elif record.code == "88":
            self.error(self._where(record), "expected an 88 continuation to follow another record", **_at(record))
        else:
            self.error(
                f"line {record.line}",
                f"expected a BAI2 record code ({', '.join(RECORD_CODES)}), found {shown(record.code, 4)}",
                line=record.line,
                field="record code",
            )
        return None

    def _too_long(self, record: _Record) -> None:
        """A record too long to hold: an error, and the totals it is part of go unchecked."""
        self._mark_broken()
        if record.long_line is not None:
            self.error(
                f"line {record.line}",
                f"expected a BAI2 record of at most {MAX_LINE_LENGTH:,} characters, found one of "
                f"{record.long_line:,}; the record is not read and the control totals that include it are not checked",
                line=record.line,
            )
            return
        self.error(
            self._where(record),
            f"expected the record and its 88 continuations to hold at most {MAX_RECORD_LENGTH:,} characters, "
            f"found more by line {record.overflow_line} ({record.lines} lines); the record is not read and "
            "the control totals that include it are not checked",
            **_at(record),
        )

    def _end_of_input(self) -> None:
        if self._closed:
            return
        missing = []
        if self._account is not None:
            missing.append(f"49 for account {mask_account(self._account.number)} (03 at line {self._account.line})")
        if self._group is not None:
            missing.append(f"98 for the group at line {self._group.line}")
        missing.append("99")
        self.error(
            f"line {self._last_line}",
            f"the file ends without its trailers: expected {', '.join(missing)}; the file looks truncated",
            line=self._last_line,
        )

    # -- headers -----------------------------------------------------------------------------------

    def _file_header(self, record: _Record) -> None:
        fields = _Fields(self._content(record))
        values = [fields.take() or "" for _ in range(8)]
        sender, receiver, created_date, created_time, file_number, record_length, _block, version = values
        self._padded = record_length.isascii() and record_length.isdigit()
        if version not in ("", "2"):
            self.warning(
                self._where(record, "version number"),
                f"expected version 2, found {shown(version, 8)}; read as BAI2",
                **_at(record, "version number"),
            )
        identity = (sender, receiver, created_date, created_time, file_number)
        self._file = _File(identity=identity, records=len(record.pieces))
        self._file_id = stable_id("bai2", *identity)

    def _group_header(self, record: _Record) -> None:
        assert self._file is not None
        if self._group is not None:
            self.error(
                self._where(record),
                f"expected a 98 group trailer for the group at line {self._group.line} before a new 02",
                **_at(record),
            )
            self._close_group(checked=False)
        fields = _Fields(self._content(record))
        _receiver, _originator, _status, as_of_text, _time, currency = (fields.take() or "" for _ in range(6))
        as_of = _yymmdd(as_of_text)
        if as_of is None:
            # Every transaction of the group takes this date: without it none can be placed in time.
            raise BankFileError(
                f"{self.source} {self._where(record, 'as-of date')}: expected a date as YYMMDD, "
                f"found {shown(as_of_text, 12)}",
                source=self.source,
                line=record.line,
                field="as-of date",
            )
        self._file.groups += 1
        self._group = _Group(
            as_of=as_of,
            currency=currency or "USD",
            line=record.line,
            index=self._file.groups,
            records=len(record.pieces),
        )

    def _account_header(self, record: _Record) -> None:
        group = self._group
        if group is None:
            self.error(self._where(record), "expected an 02 group header before an 03 account", **_at(record))
            return
        if self._account is not None:
            self.error(
                self._where(record),
                f"expected a 49 account trailer for account {mask_account(self._account.number)} before a new 03",
                **_at(record),
            )
            self._close_account(None)
        fields = _Fields(self._content(record))
        number = fields.take() or ""
        if not number:
            self.error(self._where(record, "account number"), "expected an account number", **_at(record, "account"))
        currency = fields.take() or group.currency
        group.accounts += 1
        account = _Account(number, currency, record.line, group.accounts, records=len(record.pieces))
        self._account = account
        amounts: list[SummaryAmount] = []
        while (code := fields.take()) is not None:
            amount_text, count_text = fields.take() or "", fields.take() or ""
            funds = fields.take() or ""
            if not (code or amount_text or count_text or funds):
                continue  # trailing empty fields before the '/'
            name = f"amount for type code {code[:8]}"
            amount = None
            if amount_text:
                where = self._where_field(record, fields, name)
                amount = self._cents(amount_text, where, _at_line(fields.line, "03", name), signed=True)
                if amount is None:
                    self._mark_broken()
                else:
                    account.total += amount
            count = _count(count_text)
            if count_text and count is None:
                self.error(
                    self._where_field(record, fields, "item count"),
                    f"expected a number of items, found {shown(count_text, 12)}",
                    **_at_line(fields.line, "03", "item count"),
                )
            if not self._funds(record, fields, funds)[0]:
                break  # the fields after an unreadable funds type cannot be placed
            amounts.append(
                SummaryAmount(
                    type_code=code,
                    amount=None if amount is None else _money(amount),
                    item_count=count,
                )
            )
        self.accounts.append(
            AccountSummary(
                account_number=number, currency=currency, as_of=group.as_of, line=record.line, amounts=tuple(amounts)
            )
        )

    # -- detail ------------------------------------------------------------------------------------

    def _detail(self, record: _Record) -> BankTransaction | None:
        account, group, file = self._account, self._group, self._file
        if account is None or group is None or file is None:
            self.error(self._where(record), "expected an 03 account record before a 16 transaction", **_at(record))
            return None
        account.details += 1
        fields = _Fields(self._content(record))
        code = fields.take() or ""
        amount_text = fields.take() or ""
        funds_ok, value_date = self._funds(record, fields, fields.take() or "")
        bank_reference = fields.take() or None
        customer_reference = fields.take() or None
        text = fields.rest().strip()
        if not code:
            self.error(
                self._where(record, "type code"),
                "expected a type code; transaction not read",
                **_at(record, "type code"),
            )
            return None
        if not amount_text:
            if code != NON_MONETARY:
                self.error(
                    self._where(record, "amount"),
                    "expected an amount in cents; transaction not read",
                    **_at(record, "amount"),
                )
            return None
        amount = self._cents(amount_text, self._where(record, "amount"), _at(record, "amount"), signed=False)
        if amount is None:
            self._mark_broken()
            return None
        account.total += amount
        if code == NON_MONETARY or not funds_ok:
            return None
        meaning = classify_type_code(code)
        if meaning.note is not None and code not in file.warned_codes:
            file.warned_codes.add(code)
            self.warning(
                self._where(record, "type code"),
                f"type code {shown(code, 8)} {meaning.note}",
                **_at(record, "type code"),
            )
        trace = find_trace(text)
        return BankTransaction(
            transaction_id=stable_id(
                "bai2",
                *file.identity,
                group.index,
                group.as_of.isoformat(),
                account.index,
                account.number,
                account.details,
                code,
                amount,
                bank_reference,
            ),
            source=self.source,
            format=BankFormat.BAI2,
            account_number=account.number or None,
            currency=account.currency,
            amount=_money(amount),
            direction=meaning.direction,
            credit=meaning.credit,
            booking_date=group.as_of,
            value_date=value_date,
            type_code=code,
            bank_reference=bank_reference,
            customer_reference=customer_reference,
            text=text,
            trace_number=trace.trace_number if trace else None,
            payer_id=trace.payer_id if trace else None,
            line=record.line,
        )

    def _funds(self, record: _Record, fields: _Fields, funds_type: str) -> tuple[bool, date | None]:
        """Consume the fields a funds type brings with it; (readable, value date of a 'V')."""
        kind = funds_type.upper()
        if kind in ("", "Z", "0", "1", "2"):
            return True, None
        if kind == "S":  # immediate, one-day and two-or-more-day amounts
            names = ("immediate availability", "one-day availability", "two-or-more-day availability")
            return all(self._funds_amount(record, fields, name) for name in names), None
        if kind == "V":  # value date and time
            date_text, _time = fields.take(), fields.take()
            value_date = _yymmdd(date_text or "")
            if value_date is None:
                self.error(
                    self._where_field(record, fields, "value date"),
                    f"expected the value date of funds type V as YYMMDD, found {shown(date_text, 12)}",
                    **_at_line(fields.line, record.code, "value date"),
                )
                return False, None
            return True, value_date
        if kind == "D":  # a count, then that many (days, amount) pairs
            count_text = fields.take() or ""
            count = _count(count_text)
            if count is None:
                self.error(
                    self._where_field(record, fields, "number of distributions"),
                    f"expected the number of availability distributions of funds type D, found {shown(count_text, 12)}",
                    **_at_line(fields.line, record.code, "number of distributions"),
                )
                return False, None
            for index in range(1, count + 1):
                days = fields.take() or ""
                if _count(days) is None:
                    self.error(
                        self._where_field(record, fields, f"distribution {index} days"),
                        f"expected a number of days, found {shown(days, 12)}",
                        **_at_line(fields.line, record.code, "availability days"),
                    )
                    return False, None
                if not self._funds_amount(record, fields, f"distribution {index} amount"):
                    return False, None
            return True, None
        self.error(
            self._where_field(record, fields, "funds type"),
            f"expected funds type {FUNDS_TYPES}, found {shown(funds_type, 8)}; the rest of the record is not read",
            **_at_line(fields.line, record.code, "funds type"),
        )
        return False, None

    def _funds_amount(self, record: _Record, fields: _Fields, name: str) -> bool:
        text = fields.take()
        if text is None:
            self.error(
                self._where_field(record, fields, name),
                "the record ends before this availability amount",
                **_at_line(fields.line, record.code, name),
            )
            return False
        where = self._where_field(record, fields, name)
        position = _at_line(fields.line, record.code, name)
        return not text or self._cents(text, where, position, signed=True) is not None

    # -- trailers ----------------------------------------------------------------------------------

    def _account_trailer(self, record: _Record) -> None:
        if self._account is None:
            self.error(self._where(record), "expected an 03 account record before a 49 account trailer", **_at(record))
            return
        self._close_account(record)

    def _close_account(self, record: _Record | None) -> None:
        account, group = self._account, self._group
        assert account is not None and group is not None
        if record is not None:
            fields = _Fields(self._content(record))
            whose = f"of account {mask_account(account.number)}"
            self._check_total(record, fields, "account control total", account.total, account.broken, whose)
            self._check_count(record, fields, "number of records", account.records, f"03 to 49 {whose}")
        # Each trailer is checked against the amounts themselves, so one wrong 49 is one error, not three.
        group.total += account.total
        group.broken |= account.broken
        self._account = None

    def _group_trailer(self, record: _Record) -> None:
        if self._group is None:
            self.error(self._where(record), "expected an 02 group header before a 98 group trailer", **_at(record))
            return
        if self._account is not None:
            self.error(
                self._where(record),
                f"expected a 49 account trailer for account {mask_account(self._account.number)} before the 98",
                **_at(record),
            )
            self._close_account(None)
        self._close_group(checked=True, record=record)

    def _close_group(self, *, checked: bool, record: _Record | None = None) -> None:
        group, file = self._group, self._file
        assert group is not None and file is not None
        if self._account is not None:
            self._close_account(None)
        if checked and record is not None:
            fields = _Fields(self._content(record))
            whose = f"of the group at line {group.line}"
            self._check_total(record, fields, "group control total", group.total, group.broken, whose)
            self._check_count(record, fields, "number of accounts", group.accounts, f"03 records {whose}")
            self._check_count(record, fields, "number of records", group.records, f"02 to 98 {whose}")
        file.total += group.total
        file.broken |= group.broken
        self._group = None

    def _file_trailer(self, record: _Record) -> None:
        file = self._file
        assert file is not None
        if self._group is not None:
            self.error(
                self._where(record),
                f"expected a 98 group trailer for the group at line {self._group.line} before the 99",
                **_at(record),
            )
            self._close_group(checked=False)
        fields = _Fields(self._content(record))
        self._check_total(record, fields, "file control total", file.total, file.broken, "of the file")
        self._check_count(record, fields, "number of groups", file.groups, "02 records in the file")
        self._check_count(record, fields, "number of records", file.records, "records in the file, 01 to 99")
        self._closed = True

    def _check_total(
        self, record: _Record, fields: _Fields, name: str, computed: int, broken: bool, whose: str
    ) -> None:
        text = fields.take() or ""
        where = self._where_field(record, fields, name)
        if not text:
            self.warning(where, "no control total given; not checked", **_at_line(fields.line, record.code, name))
            return
        declared = self._cents(text, where, _at_line(fields.line, record.code, name), signed=True)
        if declared is not None and not broken and declared != computed:
            self.error(
                where,
                f"expected {computed} ({_money(computed):,}), the sum of the amounts {whose}, found {shown(text, 20)}",
                **_at_line(fields.line, record.code, name),
            )

    def _check_count(self, record: _Record, fields: _Fields, name: str, computed: int, what: str) -> None:
        text = fields.take() or ""
        where = self._where_field(record, fields, name)
        if not text:
            return
        declared = _count(text)
        if declared is None:
            self.error(where, f"expected a count, found {shown(text, 12)}", **_at_line(fields.line, record.code, name))
        elif declared != computed:
            self.error(
                where,
                f"expected {computed} ({what}), found {declared}",
                **_at_line(fields.line, record.code, name),
            )

    # -- helpers -----------------------------------------------------------------------------------

    def _content(self, record: _Record) -> list[tuple[int, str]]:
        """The record's lines without their '/' terminator (and without padding when the file is padded)."""
        pieces = []
        for line, raw in record.pieces:
            trimmed = raw.rstrip()
            if trimmed.endswith("/"):
                pieces.append((line, trimmed[:-1]))
            else:
                # Without a '/', a blank at the end of a 16/88 line may be part of the text.
                pieces.append((line, trimmed if self._padded else raw))
        return pieces

    def _cents(self, text: str, where: str, position: dict[str, str | int | None], *, signed: bool) -> int | None:
        value = _parse_cents(text, signed=signed)
        if value is None:
            expected = "a signed amount in cents" if signed else "an amount in cents"
            self.error(
                where, f"expected {expected} (digits only, no decimal point), found {shown(text, 20)}", **position
            )
        return value

    def _mark_broken(self) -> None:
        for scope in (self._account, self._group, self._file):
            if scope is not None:
                scope.broken = True

    @staticmethod
    def _where(record: _Record, field_name: str | None = None) -> str:
        text = f"line {record.line} ({record.code} record)"
        return f"{text}, field {field_name}" if field_name else text

    @staticmethod
    def _where_field(record: _Record, fields: _Fields, field_name: str) -> str:
        line = fields.line or record.line
        suffix = f", continuing the {record.code} at line {record.line}" if line != record.line else ""
        return f"line {line} ({record.code} record{suffix}), field {field_name}"


def _at(record: _Record, field_name: str | None = None) -> dict[str, str | int | None]:
    return {"line": record.line, "record": record.code, "field": field_name}


def _at_line(line: int, code: str, field_name: str) -> dict[str, str | int | None]:
    return {"line": line, "record": code, "field": field_name}


def _parse_cents(text: str, *, signed: bool) -> int | None:
    digits = text[1:] if signed and text[:1] in ("+", "-") else text
    if not digits or not (digits.isascii() and digits.isdigit()):
        return None
    value = int(digits)
    return -value if text.startswith("-") else value


def _count(text: str) -> int | None:
    return int(text) if text and text.isascii() and text.isdigit() else None


def _money(cents_value: int) -> Decimal:
    return Decimal(cents_value).scaleb(-2)


def _yymmdd(text: str) -> date | None:
    if len(text) != 6 or not (text.isascii() and text.isdigit()):
        return None
    year = int(text[:2])
    try:
        return date(2000 + year if year < 80 else 1900 + year, int(text[2:4]), int(text[4:6]))
    except ValueError:
        return None
