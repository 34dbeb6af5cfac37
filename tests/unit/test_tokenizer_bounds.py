"""The X12 reader's bounds: an element over 1,000 characters or a segment over 64 KiB is a positioned
error, found without holding the rest of it; every legitimate segment stays well inside both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.unit.conftest import BODY, CLAIM, errors, group, interchange, isa, single, transaction, x12, x835

from remitflow.x12 import SegmentReader, X12SyntaxError, parse_835
from remitflow.x12.tokenizer import MAX_ELEMENT_LENGTH, MAX_SEGMENT_LENGTH

HEAD = x12([isa(), "GS*HP*SENDER*RECEIVER*20230915*1200*1*X*005010X221A1", "ST*835*0001*005010X221A1"])


def test_the_bounds_are_what_the_835_allows_and_far_past_it() -> None:
    assert MAX_ELEMENT_LENGTH == 1000
    assert MAX_SEGMENT_LENGTH == 65536


def test_an_element_of_the_longest_allowed_length_still_reads() -> None:
    remark = "X" * MAX_ELEMENT_LENGTH
    result = single(parse_835(x835(*CLAIM, f"MOA***{remark}")))
    assert not errors(parse_835(x835(*CLAIM))) and result.claims


def test_a_long_segment_of_short_elements_still_reads() -> None:
    # 60 elements of 1,000 characters: 60 KB, inside the segment bound, nothing too long.
    segment = "REF*" + "*".join(["Y" * MAX_ELEMENT_LENGTH] * 60)
    segments = list(SegmentReader(x12([*interchange(group(transaction(*CLAIM, segment)))])))
    assert ["REF", *["Y" * MAX_ELEMENT_LENGTH] * 60] in segments


@pytest.mark.parametrize("chunk_size", [7, 1000, 1 << 20])
def test_an_element_too_long_is_an_error_at_its_segment_and_element(chunk_size: int) -> None:
    data = x835(*CLAIM, "NM1*QC*1*" + "Z" * (MAX_ELEMENT_LENGTH + 1), "CAS*CO*45*0")
    reader = SegmentReader(data, chunk_size=chunk_size)
    seen = []
    with pytest.raises(X12SyntaxError) as info:
        for segment in reader:
            seen.append(segment[0])  # noqa: PERF401 - what comes out before the error is the point
    number = BODY + len(CLAIM)
    assert seen[-2:] == ["CLP", "CAS"] and len(seen) == number - 1
    assert (info.value.segment_number, info.value.segment_id) == (number, "NM1")
    assert info.value.message.startswith(f"segment {number} (NM1), element NM103: expected an element of at most 1,000")
    assert "found 1,001" in info.value.message


def test_the_835_reader_reports_an_element_too_long_as_a_positioned_problem() -> None:
    remittance = parse_835(x835(*CLAIM, "REF*6R*" + "9" * 5000))
    number = BODY + len(CLAIM)
    problem = errors(remittance)[0]
    assert (problem.segment_number, problem.segment_id) == (number, "REF")
    assert problem.message.startswith(f"segment {number} (REF), element REF02: expected an element of at most")
    assert all("9" * 100 not in p.message for p in remittance.problems)  # the value is not quoted whole


def test_an_unterminated_last_segment_too_long_is_an_error_too() -> None:
    segments = interchange(group(transaction(*CLAIM)))
    data = x12(segments[:-1]) + b"IEA*1*" + b"W" * 2000  # no terminator after the last segment
    with pytest.raises(X12SyntaxError, match="element IEA02: expected an element of at most 1,000") as info:
        list(SegmentReader(data))
    assert info.value.segment_number == len(segments)


def test_a_segment_that_never_ends_is_an_error_before_it_is_read_whole() -> None:
    consumed: list[int] = []

    def endless() -> Iterator[bytes]:
        yield HEAD + b"REF*EV*"
        for _ in range(200):  # 12.8 MB without a terminator
            consumed.append(1)
            yield b"A" * (1 << 16)

    reader = SegmentReader(endless(), chunk_size=1 << 16)
    with pytest.raises(X12SyntaxError) as info:
        list(reader)
    assert len(consumed) <= 3  # stopped once past 64 KiB, not at the end of the input
    assert (info.value.segment_number, info.value.segment_id) == (4, "REF")
    assert info.value.message == (
        "segment 4 (REF): expected a segment terminator within 65,536 characters (no 835 segment is near that "
        "long), found none; the file is not read past this segment"
    )


def test_a_huge_single_segment_file_is_one_positioned_problem_and_the_open_envelope_is_reported() -> None:
    data = HEAD + b"BPR*I*80.00*C*CHK************20230915~REF*EV*" + b"B" * (1 << 20) + b"~SE*4*0001~"
    remittance = parse_835(data)
    first = errors(remittance)[0]
    assert (first.segment_number, first.segment_id) == (5, "REF")
    assert "expected a segment terminator within 65,536 characters" in first.message
    assert any("has no SE" in p.message for p in errors(remittance))
