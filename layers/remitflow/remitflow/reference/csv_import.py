"""Claims and fee schedules from CSV: every cell checked, every bad row reported, nothing half-loaded.

Pure: the readers take the lines of one file (an open text stream, ideally opened with newline="", a
list of lines, or the whole text as one str) and return models plus problems. The caller reads S3,
stores what loaded and files all problems of the file as ONE IMPORT_ERROR follow-up
(`import_error_followup`).

Row numbers are the ones a spreadsheet shows: every record counts, blank ones included, so the header
is row 1 and the first data row is row 2; a quoted value with a line break in it does not start a row.
Reasons say what was expected and quote what was found, except patient data, which is never quoted.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from pydantic import Field

from remitflow.domain.claims import Claim, ClaimLine, FeeKey, FeeScheduleEntry, modifier_key
from remitflow.domain.followups import Followup, FollowupType, new_followup
from remitflow.values import CENT, DomainModel, cents, money_text

CLAIM_REQUIRED_COLUMNS = ("claim_id", "account_id", "payer_id", "service_date", "procedure_code", "charge_amount")
CLAIM_OPTIONAL_COLUMNS = (
    "line_number",
    "modifiers",
    "units",
    "line_control_number",
    "expected_allowed",
    "patient_name",
)
# `modifiers` is required as a column (its cells may be empty): a misspelt modifiers column would
# otherwise price 26/TC lines at the global rate without a word.
FEE_SCHEDULE_COLUMNS = ("payer_id", "procedure_code", "modifiers", "allowed_amount")

PHI_COLUMNS = frozenset({"patient_name"})  # their values never appear in a reason
MAX_QUOTED = 40  # longer values are cut when quoted, so a reason stays one readable line
# One follow-up must fit an SQS message (256 KiB) and a DynamoDB item (400 KB); the count says the rest.
MAX_LISTED_PROBLEMS = 200
MAX_MODIFIERS = 4  # 837 SV101-3 to SV101-6
MAX_CLAIM_ID = 38  # 837 CLM01: a longer id could never come back in an 835 CLP01
MAX_LINE_CONTROL_NUMBER = 50  # 837 REF02 of REF*6R

_T = TypeVar("_T")


class RowProblem(DomainModel):
    """One thing wrong with a file: the row as a spreadsheet numbers it (header = 1), the column (None
    when the file as a whole is wrong) and a reason that says what was expected."""

    row: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


class ClaimsImport(DomainModel):
    claims: list[Claim] = Field(default_factory=list)
    problems: list[RowProblem] = Field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        """Service lines loaded (one per good row)."""
        return sum(len(claim.lines) for claim in self.claims)


class FeeScheduleImport(DomainModel):
    entries: list[FeeScheduleEntry] = Field(default_factory=list)
    problems: list[RowProblem] = Field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return len(self.entries)


# ---------------------------------------------------------------------------------------------------
# The file: header, records, file-level problems


@dataclass
class _Record:
    row: int
    cells: dict[str, str]  # every known column in the header -> its text, stripped ("" when the row is short)
    extra_cells: int  # cells beyond the header's width: the values are shifted, none can be trusted


@dataclass
class _Sheet:
    """Reads one CSV file; after a file-level problem (`failed`) nothing of the file may load."""

    problems: list[RowProblem]
    failed: bool = False

    def records(self, lines: Iterable[str], required: Sequence[str], optional: Sequence[str]) -> Iterator[_Record]:
        columns: dict[str, int] | None = None
        width = 0
        row = 0
        try:
            # strict: an unclosed quote is an error, not a value that silently swallows the rows after it
            for cells in csv.reader(_as_lines(lines), strict=True):
                row += 1
                if row == 1 and cells:
                    cells[0] = cells[0].removeprefix("\ufeff")  # Excel's "CSV UTF-8" starts with a BOM
                if not any(cell.strip() for cell in cells):
                    continue  # a blank line, or a spreadsheet's empty row ",,,"
                if columns is None:
                    columns = self._header(cells, row, required, optional)
                    if columns is None:
                        return
                    width = len(cells)
                    continue
                values = {name: cells[index].strip() if index < len(cells) else "" for name, index in columns.items()}
                joined = [name for name, text in values.items() if "\n" in text or "\r" in text]
                if joined:  # no known column holds a line break: a stray quote has joined rows, some are lost
                    self._fail(
                        row,
                        f"the {joined[0]} cell spans several lines: expected one line per row (a double "
                        "quote opened and closed rows later joins them); no row of the file was loaded",
                    )
                    return
                yield _Record(row, values, len(cells) - width)
        except csv.Error as error:
            self._fail(
                row + 1,
                f"the row cannot be read as CSV ({error}): expected every double-quoted value to "
                "be closed by a double quote before the next comma or the end of the line; no row of the file "
                "was loaded",
            )
            return
        if columns is None:
            self._fail(1, f"the file is empty: expected a header row naming the columns {', '.join(required)}")

    def _header(
        self, cells: list[str], row: int, required: Sequence[str], optional: Sequence[str]
    ) -> dict[str, int] | None:
        known = {*required, *optional}
        columns: dict[str, int] = {}
        repeated: dict[str, list[int]] = {}
        for index, cell in enumerate(cells):
            name = column_name(cell)
            if name not in known:
                continue  # other columns are the sender's business
            if name in columns:
                repeated.setdefault(name, [columns[name]]).append(index)
            else:
                columns[name] = index
        missing = [name for name in required if name not in columns]
        if missing:
            also = f" (optional: {', '.join(optional)})" if optional else ""
            self._fail(
                row,
                f"the header row lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}: "
                f"expected the columns {', '.join(required)} in any order{also}; no row was loaded",
            )
        for name, indexes in repeated.items():
            where = ", ".join(_column_letter(index) for index in indexes)
            reason = f"the header row names the column {name} {len(indexes)} times (columns {where})"
            self._fail(row, f"{reason}: expected it once; no row was loaded")
        return None if self.failed else columns

    def _fail(self, row: int, reason: str) -> None:
        self.problems.append(RowProblem(row=row, column=None, reason=reason))
        self.failed = True


def column_name(header_cell: str) -> str:
    """'Claim ID', 'claim-id' and ' CLAIM_ID ' all name the column claim_id."""
    return re.sub(r"[\s-]+", "_", header_cell.strip().lower())


def _as_lines(lines: Iterable[str]) -> Iterable[str]:
    # The whole file as one str: csv would otherwise read it one character at a time.
    return io.StringIO(lines, newline="") if isinstance(lines, str) else lines


def _column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the column as a spreadsheet labels it."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _shifted(record: _Record, problems: list[RowProblem]) -> None:
    # Usually an unquoted comma ("Smith, Ann" or 1,250.00): every value after it sits in the wrong
    # column, so none is checked or quoted (one of them may be a patient's name).
    problems.append(
        RowProblem(
            row=record.row,
            column=None,
            reason=f"the row has {record.extra_cells} more cell{'s' if record.extra_cells > 1 else ''} than the header "
            "has columns: expected a value with a comma in it to be in double quotes; the row was not loaded",
        )
    )


# ---------------------------------------------------------------------------------------------------
# Cell values


class _BadValue(ValueError):
    """A cell that does not hold what its column needs; `expected` completes "expected ..."."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def shown(column: str, text: str) -> str:
    """A found value for a reason: quoted and escaped, cut when long, never for patient data."""
    if not text:
        return "an empty cell"
    if column in PHI_COLUMNS:
        return "a value not shown here (patient data)"
    if len(text) > MAX_QUOTED:
        return f"{json.dumps(text[:MAX_QUOTED], ensure_ascii=False)}... ({len(text)} characters)"
    return json.dumps(text, ensure_ascii=False)


_AMOUNT = "an amount like 125.00"
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)", re.ASCII)
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?", re.ASCII)  # 1,250.00; not 1,2,3


def amount(text: str) -> Decimal:
    """Money of 0.00 or more: "$1,250.00" reads as 1250.00. A regular expression decides what is a
    number, since Decimal() alone also takes NaN, Infinity, exponents and underscores."""
    number = text.strip().removeprefix("$").strip()
    if "," in number:
        if not _GROUPED_NUMBER.fullmatch(number):
            raise _BadValue(f"{_AMOUNT} (commas only between thousands, like 1,250.00)")
        number = number.replace(",", "")
    if not _PLAIN_NUMBER.fullmatch(number):
        raise _BadValue(_AMOUNT)
    value = Decimal(number)
    if value != value.quantize(CENT):
        raise _BadValue(f"{_AMOUNT} in dollars and cents, at most 2 decimal places")
    if value < 0:
        raise _BadValue(f"{_AMOUNT}, 0.00 or more")
    return cents(value)


def units(text: str) -> Decimal:
    if not _PLAIN_NUMBER.fullmatch(text) or (value := Decimal(text)) <= 0:
        raise _BadValue("a number of units above 0, like 1 or 2.5")
    return value


def line_number(text: str) -> int:
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise _BadValue("a whole line number from 1 up, like 1 or 2")
    return int(text)


_DATES = (
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})", re.ASCII),
    re.compile(r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})", re.ASCII),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})", re.ASCII),
)
_DATE = "a date like 2024-03-15, 03/15/2024 or 20240315"


def service_date(text: str) -> date:
    """YYYY-MM-DD, MM/DD/YYYY (what a US spreadsheet writes) or YYYYMMDD (X12). Never a two-digit year."""
    for pattern in _DATES:
        if (match := pattern.fullmatch(text)) is not None:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                raise _BadValue(f"a real calendar {_DATE.removeprefix('a ')}") from None
    raise _BadValue(_DATE)


_MODIFIER = re.compile(r"[A-Z0-9]{2}")


def modifiers(text: str) -> list[str]:
    """Colon-separated, as in 837 SV101 ("26:59"); upper-cased; an empty cell means none."""
    found = [piece.strip().upper() for piece in text.split(":")] if text.strip() else []
    # isascii() first: upper() makes "SS" of U+00DF and "FF" of U+FB00, letters nobody wrote.
    if not text.isascii() or not all(_MODIFIER.fullmatch(piece) for piece in found):
        raise _BadValue("two-character modifiers separated by colons, like 25 or 26:59")
    if len(found) > MAX_MODIFIERS:
        raise _BadValue(f"at most {MAX_MODIFIERS} modifiers separated by colons")
    return found


_PROCEDURE = re.compile(r"[A-Z0-9]{1,48}")


def procedure_code(text: str) -> str:
    code = text.upper()
    if not text.isascii() or not _PROCEDURE.fullmatch(code):
        raise _BadValue("a procedure code of letters and digits like 99213 (modifiers go in the modifiers column)")
    return code


def _at_most(limit: int, what: str) -> Callable[[str], str]:
    def check(text: str) -> str:
        if len(text) > limit:
            raise _BadValue(f"{what} of at most {limit} characters")
        return text

    return check


@dataclass
class _Cells:
    """Reads the cells of one record, reporting each bad cell; `bad` once any was."""

    record: _Record
    problems: list[RowProblem]
    bad: bool = False

    def text(self, column: str) -> str:
        return self.record.cells.get(column, "")

    def required(self, column: str, read: Callable[[str], _T], expected: str) -> _T | None:
        """The cell's value; None when it is empty or bad (both reported)."""
        if not self.text(column):
            self.report(column, f"{column}: expected {expected}, found an empty cell")
            return None
        return self.optional(column, read)

    def optional(self, column: str, read: Callable[[str], _T]) -> _T | None:
        """The cell's value; None when it is empty, or bad (reported)."""
        text = self.text(column)
        if not text:
            return None
        try:
            return read(text)
        except _BadValue as bad:
            self.report(column, f"{column}: expected {bad.expected}, found {shown(column, text)}")
            return None

    def report(self, column: str, reason: str) -> None:
        self.problems.append(RowProblem(row=self.record.row, column=column, reason=reason))
        self.bad = True


def _same(text: str) -> str:
    return text


_claim_id = _at_most(MAX_CLAIM_ID, "a patient control number")
_line_control_number = _at_most(MAX_LINE_CONTROL_NUMBER, "a line control number")


# ---------------------------------------------------------------------------------------------------
# Claims


@dataclass
class _ClaimRows:
    """The rows of one claim seen so far. The first row that names an account, payer or patient sets
    what the other rows must agree with."""

    claim_id: str
    rows: int = 0
    named: dict[str, tuple[str, int]] = field(default_factory=dict)  # column -> (value, row)
    line_numbers: dict[int, int] = field(default_factory=dict)  # line number -> row
    control_numbers: dict[str, int] = field(default_factory=dict)  # REF*6R -> row
    lines: list[ClaimLine] = field(default_factory=list)
    bad_rows: list[int] = field(default_factory=list)

    def agree(self, cells: _Cells, column: str, value: str | None) -> None:
        if value is None:
            return
        first = self.named.setdefault(column, (value, cells.record.row))
        claim = shown("claim_id", self.claim_id)
        if column in PHI_COLUMNS:
            if _name_key(first[0]) != _name_key(value):
                cells.report(
                    column,
                    f"{column}: expected the same patient as on row {first[1]} of claim {claim}, "
                    "found another (names are not shown here)",
                )
        elif first[0] != value:
            cells.report(
                column,
                f"{column}: expected {shown(column, first[0])} as on row {first[1]} "
                f"(every row of claim {claim} names the same one), found {shown(column, value)}",
            )

    def claim(self) -> Claim:
        lines = sorted(self.lines, key=lambda line: line.line_number)
        return Claim(
            claim_id=self.claim_id,
            account_id=self.named["account_id"][0],
            payer_id=self.named["payer_id"][0],
            patient_name=self.named["patient_name"][0] if "patient_name" in self.named else None,
            lines=lines,
            charge_amount=cents(sum((line.charge_amount for line in lines), Decimal(0))),
        )


def _name_key(name: str) -> str:
    # "SMITH,  ANN" on one row and "Smith, Ann" on the next are the same patient.
    return " ".join(name.casefold().split())


def read_claims_csv(lines: Iterable[str]) -> ClaimsImport:
    """Claims from a CSV with one row per service line (columns: CLAIM_REQUIRED_COLUMNS and any of
    CLAIM_OPTIONAL_COLUMNS, in any order; other columns are ignored).

    A claim is every row with its claim_id, wherever the rows are in the file, and loads whole or not
    at all: when any of its rows is bad, none of its lines load, since a claim missing a line would
    carry a wrong charge and post wrongly. Each bad row is reported, plus one problem per claim not
    loaded. Other claims load; importing the file again once fixed is safe. A missing or repeated
    required column, or a file that is not CSV, loads nothing.

    Without a line_number, a row's line number is its position among the claim's rows (1, 2, ...).
    """
    problems: list[RowProblem] = []
    sheet = _Sheet(problems)
    claims: dict[str, _ClaimRows] = {}
    shifted: list[tuple[str, int]] = []
    for record in sheet.records(lines, CLAIM_REQUIRED_COLUMNS, CLAIM_OPTIONAL_COLUMNS):
        if record.extra_cells > 0:
            _shifted(record, problems)
            shifted.append((record.cells["claim_id"], record.row))
        else:
            _claim_row(record, claims, problems)
    if sheet.failed:
        return ClaimsImport(problems=problems)
    for claim_id, row in shifted:
        # Its claim_id may be shifted too: only a claim the file names elsewhere is held back.
        if claim_id in claims:
            claims[claim_id].bad_rows.append(row)
    loaded: list[Claim] = []
    for group in claims.values():
        if group.bad_rows:
            bad = sorted(group.bad_rows)
            which = f"row {bad[0]} is" if len(bad) == 1 else f"rows {', '.join(map(str, bad))} are"
            problems.append(
                RowProblem(
                    row=bad[0],
                    column="claim_id",
                    reason=f"claim {shown('claim_id', group.claim_id)} not loaded: {which} bad "
                    f"(a claim loads with all its rows or not at all)",
                )
            )
        else:
            loaded.append(group.claim())
    problems.sort(key=lambda problem: problem.row)  # stable: a claim's summary follows its first bad row
    return ClaimsImport(claims=loaded, problems=problems)


def _claim_row(record: _Record, claims: dict[str, _ClaimRows], problems: list[RowProblem]) -> None:
    cells = _Cells(record, problems)
    claim_id = cells.required("claim_id", _claim_id, "the patient control number (837 CLM01)")
    account_id = cells.required("account_id", _same, "the account id")
    payer_id = cells.required("payer_id", _same, "the payer id")
    date_ = cells.required("service_date", service_date, _DATE)
    code = cells.required("procedure_code", procedure_code, "a procedure code like 99213")
    charge = cells.required("charge_amount", amount, _AMOUNT)
    number = cells.optional("line_number", line_number)
    mods = cells.optional("modifiers", modifiers) or []
    count = cells.optional("units", units) or Decimal(1)
    control = cells.optional("line_control_number", _line_control_number)
    expected_allowed = cells.optional("expected_allowed", amount)
    patient_name = cells.optional("patient_name", _same)
    if claim_id is None:
        return  # reported; without a claim id the row belongs to no claim
    group = claims.setdefault(claim_id, _ClaimRows(claim_id))
    group.rows += 1
    group.agree(cells, "account_id", account_id)
    group.agree(cells, "payer_id", payer_id)
    group.agree(cells, "patient_name", patient_name)
    if not cells.text("line_number"):
        number = group.rows
    if number is not None:
        first = group.line_numbers.setdefault(number, record.row)
        if first != record.row:
            numbered = "" if cells.text("line_number") else " (a row without a line_number is numbered by its position)"
            cells.report(
                "line_number",
                f"line_number: expected each line number once per claim, found line {number} of claim "
                f"{shown('claim_id', claim_id)} again (first on row {first}){numbered}",
            )
    if control is not None:
        first = group.control_numbers.setdefault(control, record.row)
        if first != record.row:
            cells.report(
                "line_control_number",
                f"line_control_number: expected each line control number once per claim, found "
                f"{shown('line_control_number', control)} again in claim {shown('claim_id', claim_id)} "
                f"(first on row {first})",
            )
    if cells.bad or number is None or date_ is None or code is None or charge is None:
        group.bad_rows.append(record.row)
        return
    group.lines.append(
        ClaimLine(
            line_number=number,
            procedure_code=code,
            modifiers=mods,
            service_date=date_,
            units=count,
            charge_amount=charge,
            line_control_number=control,
            expected_allowed=expected_allowed,
        )
    )


# ---------------------------------------------------------------------------------------------------
# Fee schedules


def read_fee_schedule_csv(lines: Iterable[str]) -> FeeScheduleImport:
    """Allowed amounts per unit from a CSV with the columns FEE_SCHEDULE_COLUMNS in any order.

    Rows are independent: a bad row is reported and the others load. A second row for the same payer,
    procedure and modifiers (in any order) is reported and the first row's amount is kept. A missing or
    repeated column, or a file that is not CSV, loads nothing.
    """
    problems: list[RowProblem] = []
    sheet = _Sheet(problems)
    entries: list[FeeScheduleEntry] = []
    seen: dict[FeeKey, tuple[int, Decimal]] = {}  # key -> (row, allowed amount)
    for record in sheet.records(lines, FEE_SCHEDULE_COLUMNS, ()):
        if record.extra_cells > 0:
            _shifted(record, problems)
            continue
        cells = _Cells(record, problems)
        payer_id = cells.required("payer_id", _same, "the payer id")
        code = cells.required("procedure_code", procedure_code, "a procedure code like 99213")
        mods = cells.optional("modifiers", modifiers)
        allowed = cells.required("allowed_amount", amount, f"{_AMOUNT} per unit")
        if cells.bad or payer_id is None or code is None or allowed is None:
            continue
        mods = mods or []
        key = (payer_id, code, modifier_key(mods))
        if key in seen:
            first_row, kept = seen[key]
            listed = f"modifiers {':'.join(key[2])}" if key[2] else "no modifiers"
            cells.report(
                "procedure_code",
                f"procedure_code: expected one allowed amount per payer, procedure and modifiers, found payer "
                f"{shown('payer_id', payer_id)}, procedure {code} with {listed} again (first on row "
                f"{first_row}, whose allowed amount {money_text(kept)} was kept)",
            )
            continue
        seen[key] = (record.row, allowed)
        entries.append(FeeScheduleEntry(payer_id=payer_id, procedure_code=code, modifiers=mods, allowed_amount=allowed))
    if sheet.failed:
        return FeeScheduleImport(problems=problems)
    return FeeScheduleImport(entries=entries, problems=problems)


# ---------------------------------------------------------------------------------------------------
# The follow-up


def import_error_followup(
    problems: Sequence[RowProblem], *, kind: str, source: str, file_digest: str, good_count: int, now: datetime
) -> Followup:
    """All problems of one file as ONE IMPORT_ERROR follow-up. Its id comes from the kind and the file's
    digest, so the same file uploaded again (or under another key) finds the same follow-up."""
    if not problems:
        raise ValueError("an import error follow-up needs at least one problem")
    listed = problems[:MAX_LISTED_PROBLEMS]
    more = len(problems) - len(listed)
    count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
    rows = f"{good_count} good row{'' if good_count == 1 else 's'} loaded"
    reason = f"{kind} file: {count}, {rows}; fix the rows listed and upload the file again"
    if more:
        reason += f" (the first {len(listed)} problems are listed, {more} more are not)"
    return new_followup(
        FollowupType.IMPORT_ERROR,
        key=("import", kind, file_digest),
        created_at=now,
        source=source,
        detail={
            "reason": reason,
            "kind": kind,
            "rows_loaded": good_count,
            "problem_count": len(problems),
            "problems": [problem.model_dump(mode="json") for problem in listed],
        },
    )
