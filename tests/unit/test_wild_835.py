"""835 files as third parties write them: pretty-printed, numbers with stray spaces, one bad pair in a PLB,
an unreadable service line in `parse --json`, and hostile files whose problems would fill the memory."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest
from tests.support.synth835 import generate_835
from tests.unit.conftest import (
    BODY,
    CLAIM,
    HEADER,
    errors,
    group,
    interchange,
    isa,
    parse,
    paying,
    problem_at,
    single,
    transaction,
    warnings_,
    x12,
    x835,
)

from remitflow.x12 import RemittanceParser, SegmentReader, parse_835
from remitflow.x12.errors import MAX_PROBLEMS
from remitflow.x12.models import Remittance
from remitflow_cli import main

# --- pretty-printed files -------------------------------------------------------------------------

SECOND = ("CLP*C2*1*50.00*40.00", "SVC*HC:99213*50.00*40.00", "DTM*472*20230901", "CAS*CO*45*10.00")
SEGMENTS = interchange(group(transaction(*CLAIM, *SECOND, header=paying("120.00"))))
LEVELS = {"ISA": 0, "IEA": 0, "GS": 1, "GE": 1, "ST": 2, "SE": 2, "CLP": 3, "SVC": 4}


def viewer_layout(indent: str, end: str = "~\r\n", *, segments: list[str] = SEGMENTS) -> bytes:
    """The segments as an X12 viewer shows them: one a line, indented by loop (a CLP's CAS one deeper)."""
    lines, inner = [], 3
    for segment in segments:
        tag = segment.split("*", 1)[0]
        level = LEVELS.get(tag, inner)
        inner = level + 1 if tag in ("CLP", "SVC") else 3 if tag == "ST" else inner
        lines.append(indent * level + segment + end)
    return "".join(lines).encode()


def events(remittance: Remittance) -> list[object]:
    return [t.model_dump() for t in remittance.transactions]


FLAT = parse_835(x12(SEGMENTS))


@pytest.mark.parametrize(
    "data",
    [
        viewer_layout("  "),
        viewer_layout("\t", "~\n"),
        viewer_layout("    ", "~ \r\n"),  # a space after the terminator, then the line break
        viewer_layout("  ", "\n"),  # the line break is the terminator
        viewer_layout("  ", "\r\n"),
        b"  \r\n\t" + viewer_layout("\t"),  # blank lines and an indented ISA
        x12(SEGMENTS, end="~  "),  # one line, segments set apart by spaces
    ],
    ids=["spaces-CRLF", "tabs-LF", "space-then-CRLF", "LF-terminator", "CRLF-terminator", "indented-isa", "one-line"],
)
def test_an_indented_file_reads_as_the_flat_one_with_one_warning(data: bytes) -> None:
    remittance = parse_835(data)

    assert errors(remittance) == []
    assert events(remittance) == events(FLAT)
    assert single(remittance).totals.balanced
    (warning,) = warnings_(remittance)
    assert "indented" in warning.message and "layout" in warning.message


def test_the_viewer_layout_this_test_uses_is_indented() -> None:
    text = viewer_layout("  ").decode()
    assert text.startswith("ISA*") and "\r\n  GS*" in text and "\r\n      CLP*" in text and "\r\nIEA*" in text


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64, 107])
def test_indentation_is_layout_whatever_the_chunk_size(size: int) -> None:
    data = viewer_layout("\t", "~\r\n")

    assert list(SegmentReader(data, chunk_size=size)) == [segment.split("*") for segment in SEGMENTS]


def test_the_first_indented_segment_is_named_in_the_warning() -> None:
    flat = x12(SEGMENTS[:4])
    data = flat + "".join("   " + segment + "~\n" for segment in SEGMENTS[4:]).encode()
    (warning,) = warnings_(parse_835(data))

    assert warning.segment_number == 5 and "segment 5" in warning.message


def test_two_indented_interchanges_are_both_read() -> None:
    second = interchange(group(transaction(*CLAIM, control="0002"), control="2"), control="000000002")
    data = viewer_layout("  ") + viewer_layout("  ", segments=second)
    remittance = parse_835(data)

    assert errors(remittance) == []
    assert [t.header.control_number for t in remittance.transactions] == ["0001", "0002"]
    assert len(warnings_(remittance)) == 1


def test_a_synthetic_file_indented_reads_the_same() -> None:
    data, expected = generate_835(41, transactions=2, claims_per_transaction=5, line_ending="\r\n")
    indented = b"\r\n".join(b"   " + line if line else line for line in data.split(b"\r\n"))
    flat, pretty = parse_835(data), parse_835(indented)

    assert errors(pretty) == [] and events(pretty) == events(flat)
    assert [t.totals.claim_count for t in pretty.transactions] == [e.claims for e in expected]


def test_an_unknown_segment_is_named_as_found() -> None:
    remittance = parse(*CLAIM, "XYZ*1")
    (warning,) = warnings_(remittance)

    assert warning.segment_number == BODY + 2 and warning.segment_id == "XYZ"
    assert "'XYZ' is not an 835 segment" in warning.message and f"segment {BODY + 2}" in warning.message


def test_the_envelope_count_names_the_segment_that_was_not_read() -> None:
    segments = list(SEGMENTS)
    segments[1] = "GX" + segments[1][2:]  # a garbled GS
    remittance = parse_835(x12(segments))
    iea = problem_at(remittance, len(segments), "IEA01")

    assert "IEA01 says 1 functional groups but the interchange has 0" in iea.message
    assert "segment 2 (GX)" in iea.message
    outside = [w for w in warnings_(remittance) if w.segment_number == 2]
    assert outside and "'GX' is not an 835 segment" in outside[0].message


# --- numbers with stray spaces ----------------------------------------------------------------------


def test_spaces_around_clp04_are_read_with_a_warning() -> None:
    remittance = parse("CLP*C1*1*100.00* 80.00**12*PAYER0001", "CAS*CO*45*20.00")
    result = single(remittance)

    assert errors(remittance) == []
    assert result.claims[0].paid_amount == 80 and result.totals.balanced
    (warning,) = warnings_(remittance)
    assert (warning.segment_number, warning.element) == (BODY, "CLP04")
    assert "' 80.00'" in warning.message and "spaces" in warning.message


def test_spaces_around_svc05_units_are_read() -> None:
    remittance = parse("CLP*C1*1*100.00*80.00", "SVC*HC:99213*100.00*80.00**2 ", "CAS*CO*45*20.00")
    line = single(remittance).claims[0].service_lines[0]

    assert errors(remittance) == [] and line.units == 2
    assert [w.element for w in warnings_(remittance)] == ["SVC05"]


def test_a_padded_number_warns_once_per_element_however_often_it_comes() -> None:
    claims = [s for n in range(30) for s in (f"CLP*P{n}*1* 10.00 *10.00", "SVC*HC:99213*10.00 *10.00** 1")]
    remittance = parse(*claims, header=paying("300.00"))

    assert errors(remittance) == []
    assert len(single(remittance).claims) == 30 and single(remittance).totals.balanced
    assert sorted(w.element for w in warnings_(remittance)) == ["CLP03", "SVC02", "SVC05"]


def test_padded_numbers_in_plb_cas_and_amt_are_read() -> None:
    remittance = parse(
        "CLP*C1*1*100.00*80.00",
        "CAS*CO*45* 20.00",
        "AMT*AU* 100.00",
        "PLB*1234567893*20231231*L6* -5.00",
        header=paying("85.00"),
    )
    result = single(remittance)

    assert errors(remittance) == [] and result.totals.balanced
    assert [a.amount for a in result.totals.provider_adjustments] == [-5]


@pytest.mark.parametrize("value", ["   ", "8 0.00", "\t80.00", "80.00\t"])
def test_spaces_inside_a_number_or_only_spaces_are_still_an_error(value: str) -> None:
    remittance = parse(f"CLP*C1*1*100.00*{value}", "CAS*CO*45*20.00")

    problem = problem_at(remittance, BODY, "CLP04")
    assert repr(value) in problem.message


# --- an unreadable service line in `parse --json` ---------------------------------------------------


def test_parse_json_keeps_an_unreadable_service_line_with_its_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    body = (
        "CLP*C1*1*100.00*80.00",
        "SVC*HC:99213*60.00*50.00",
        "CAS*CO*45*10.00",
        "SVC*HC:99214*4O.00*30.00",
        "DTM*472*20230901",
        "CAS*CO*45*10.00",
    )
    path = tmp_path / "line.835"
    path.write_bytes(x835(*body))

    assert main(["parse", str(path), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    (transaction_,) = document["transactions"]
    (claim,) = transaction_["claims"]
    (unreadable,) = claim["unreadable_service_lines"]
    assert unreadable["segment_number"] == BODY + 3
    assert unreadable["procedure"]["code"] == "99214" and unreadable["charge_amount"] is None
    assert unreadable["service_date"] == "2023-09-01"
    assert unreadable["adjustments"] == [{"group": "CO", "reason": "45", "amount": "10.00", "quantity": None}]
    (problem,) = unreadable["problems"]
    assert problem["element"] == "SVC02" and "'4O.00'" in problem["message"]
    lines = len(claim["service_lines"]) + len(claim["unreadable_service_lines"])
    assert lines == transaction_["service_line_count"] == 2
    assert claim["errors"] and claim["balanced"] is False

    assert main(["parse", str(path)]) == 0
    assert "with 2 service lines" in capsys.readouterr().out


# --- a PLB with one unreadable pair -------------------------------------------------------------------


def test_a_plb_keeps_its_readable_pairs_and_names_the_broken_one() -> None:
    remittance = parse(*CLAIM, "PLB*1234567893*20231231*L6*-5.00*WO:R1*abc*72*5.00", header=paying("80.00"))
    result = single(remittance)

    problem = problem_at(remittance, BODY + 2, "PLB06")
    assert "'abc'" in problem.message and "WO" in problem.message
    assert [(a.reason, a.amount) for a in result.totals.provider_adjustments] == [("L6", -5), ("72", 5)]
    assert result.totals.provider_adjustment_total == 0
    assert not result.totals.balanced  # one adjustment is unknown
    assert any("PLB06" in e for e in result.totals.errors)


def test_a_plb_balance_is_computed_from_the_pairs_read() -> None:
    remittance = parse(*CLAIM, "PLB*1234567893*20231231*L6*-5.00*WO*x", header=paying("80.00"))
    totals = single(remittance).totals

    assert totals.provider_adjustment_total == -5
    assert any("BPR02 is 80.00" in e and "85.00" in e for e in totals.balance_errors)


def test_a_plb_amount_without_its_reason_is_reported() -> None:
    remittance = parse(*CLAIM, "PLB*1234567893*20231231*L6*-5.00**3.00", header=paying("85.00"))

    problem = problem_at(remittance, BODY + 2, "PLB05")
    assert "3.00" in problem.message
    assert [a.reason for a in single(remittance).totals.provider_adjustments] == ["L6"]


# --- hostile files: the problems kept are capped --------------------------------------------------


def hostile(body_segment: str, size: int, before: tuple[str, ...] = ()) -> bytes:
    head = x12([isa(), "GS*HP*SENDER*RECEIVER*20230915*1200*1*X*005010X221A1", *before])
    repeated = (body_segment + "~").encode()
    return head + repeated * (size // len(repeated))


def peak_of_reading(data: bytes) -> tuple[RemittanceParser, int]:
    tracemalloc.start()
    try:
        parser = RemittanceParser(data)
        for _ in parser:
            pass
        return parser, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "data",
    [
        hostile("ST*835*0001", 1 << 18),  # each ST opens a set the next one leaves unclosed
        hostile("CAS*CO*45*X", 1 << 18, before=("ST*835*0001", *HEADER, "CLP*C1*1*100*80")),  # one claim
        hostile("PLB*1*20231231*L6*X", 1 << 18, before=("ST*835*0001", *HEADER)),  # one transaction
    ],
    ids=["nested-st", "bad-cas-in-one-claim", "bad-plb-in-one-set"],
)
def test_a_hostile_file_keeps_a_bounded_number_of_problems(data: bytes) -> None:
    parser, peak = peak_of_reading(data)

    problems = parser.problems
    assert len(problems) == MAX_PROBLEMS
    assert "more problems" in problems[-1].message and problems[-1].severity == "error"
    assert peak < 12 * 1024 * 1024, f"peak {peak:,} bytes"  # 21-58 MB when every problem was kept


def test_the_problem_count_says_how_many_were_not_listed() -> None:
    data = x835(*CLAIM, *[f"ZZ{n % 10}*{n}" for n in range(MAX_PROBLEMS + 5)])
    problems = parse_835(data).problems

    assert len(problems) == MAX_PROBLEMS
    assert "6 more problems" in problems[-1].message
