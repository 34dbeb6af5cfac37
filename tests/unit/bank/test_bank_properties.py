"""Property-based tests: generated BAI2 files read back exactly; corrupt bank files never escape the readers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.bank.bai2_files import Detail, bai2

from remitflow.bank import BankFileError, find_trace, read_bai2, read_deposit_file

ROOT = Path(__file__).resolve().parents[3]
CSV_EXPORT = b"Posting Date,Description,Amount,Reference\n01/16/2025,ACH TRN*1*0123456789*1411289245\\,319.50,R1\n"
FILES = [(p.name, p.read_bytes()) for p in sorted((ROOT / "samples" / "deposits").iterdir())] + [
    ("export.csv", CSV_EXPORT)
]

# Bank text without '*' (so no TRN can start in it) and without '/' (which may end a line of a record).
_NOISE = st.text(st.characters(min_codepoint=32, max_codepoint=126, exclude_characters="*/"), max_size=60)
_ID = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=20)
_PAYER = st.text("0123456789ABCDEF", min_size=10, max_size=10)
_FUNDS = st.sampled_from(["Z", "0", "1", "2", "", "S,100,0,2500", "V,250117,0900", "D,1,2,31950", "D,0"])
_CODES = st.sampled_from(["165", "166", "169", "115", "175", "301", "475", "698", "699", "555"])


@st.composite
def details(draw: st.DrawFn) -> tuple[Detail, str | None, str | None]:
    """A 16 record whose text may carry a TRN, cut into 88 continuations at random places."""
    prefix, suffix = draw(_NOISE), draw(_NOISE)
    trace, payer = draw(_ID), draw(_PAYER)
    with_trn = draw(st.booleans())
    text = (prefix + (f"TRN*1*{trace}*{payer}\\" if with_trn else "") + suffix).strip()
    cuts = draw(st.lists(st.integers(min_value=0, max_value=len(text)), max_size=4).map(sorted))
    detail = Detail(
        code=draw(_CODES),
        amount=draw(st.integers(min_value=0, max_value=10**12)),
        funds=draw(_FUNDS),
        bank_reference=draw(st.text("ABC0123456789", max_size=12)),
        text=text,
        splits=cuts,
        slash=draw(st.booleans()),
    )
    return detail, (trace if with_trn else None), (payer if with_trn else None)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(details(), min_size=1, max_size=6))
def test_generated_bai2_reads_back_its_amounts_and_text(cases: list[tuple[Detail, str | None, str | None]]) -> None:
    statement = read_bai2("generated.bai", bai2(*(detail for detail, _, _ in cases)))
    assert statement.errors == (), [e.message for e in statement.errors]
    assert statement.warnings == ()
    assert len(statement.transactions) == len(cases)
    for transaction, (detail, trace, payer) in zip(statement.transactions, cases, strict=True):
        assert transaction.amount == Decimal(detail.amount).scaleb(-2)
        assert transaction.text == detail.text
        assert transaction.bank_reference == (detail.bank_reference or None)
        assert (transaction.trace_number, transaction.payer_id) == (trace, payer)
    assert len({t.transaction_id for t in statement.transactions}) == len(cases)


@settings(max_examples=200, deadline=None)
@given(
    prefix=_NOISE,
    suffix=_NOISE,
    trace=_ID,
    payer=_PAYER,
    spaces=st.lists(st.sampled_from(["", " ", "  "]), min_size=3, max_size=3),
    terminator=st.sampled_from(["\\", "~", "", " "]),
    lower=st.booleans(),
)
def test_a_trn_is_found_in_any_noise(
    prefix: str, suffix: str, trace: str, payer: str, spaces: list[str], terminator: str, lower: bool
) -> None:
    a, b, c = spaces
    segment = f"TRN{a}*{b}1*{trace}{c}*{payer}{terminator}"
    found = find_trace(prefix + (segment.lower() if lower else segment) + suffix)
    assert found is not None
    assert (found.trace_number, found.payer_id) == (trace, payer)


@settings(max_examples=300, deadline=None)
@given(
    sample=st.sampled_from(FILES),
    how=st.sampled_from(["delete", "insert", "replace", "truncate"]),
    where=st.floats(min_value=0, max_value=1),
    junk=st.binary(min_size=1, max_size=30),
)
def test_corruption_is_reported_never_raised(sample: tuple[str, bytes], how: str, where: float, junk: bytes) -> None:
    name, data = sample
    at = int(where * (len(data) - 1))
    corrupted = {
        "delete": data[:at] + data[at + len(junk) :],
        "insert": data[:at] + junk + data[at:],
        "replace": data[:at] + junk + data[at + len(junk) :],
        "truncate": data[:at],
    }[how]
    try:
        statement = read_deposit_file(name, corrupted)
    except BankFileError as error:
        assert error.message.startswith(name)
        return
    for problem in (*statement.errors, *statement.warnings):
        assert problem.message.startswith(name)
