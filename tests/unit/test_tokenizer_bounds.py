"""The X12 reader's bounds: an element over 1,000 characters or a segment over 64 KiB is a positioned
error, found without holding the rest of it, and the file reads on after it; every legitimate segment
stays well inside both."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

import pytest
from tests.unit.conftest import BODY, CLAIM, errors, group, interchange, isa, single, transaction, x12, x835

from remitflow.x12 import SegmentReader, parse_835
from remitflow.x12.tokenizer import MAX_ELEMENT_LENGTH, MAX_SEGMENT_LENGTH, TOO_LONG

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
def test_an_element_too_long_is_handed_over_as_its_stand_in_and_reading_goes_on(chunk_size: int) -> None:
    data = x835(*CLAIM, "NM1*QC*1*" + "Z" * (MAX_ELEMENT_LENGTH + 1), "CAS*CO*45*0")
    segments = list(SegmentReader(data, chunk_size=chunk_size))
    number = BODY + len(CLAIM)
    assert segments[number - 1] == [TOO_LONG, "NM1", "3", "1001"]
    assert segments[number][0] == "CAS" and segments[-1][0] == "IEA"  # read on to the end


def test_an_element_too_long_spoils_its_claim_only() -> None:
    body = (*CLAIM, "NM1*QC*1*" + "Z" * 5000, "CLP*C2*1*100.00*80.00**12*PAYER0002", "CAS*CO*45*20.00")
    remittance = parse_835(x835(*body))
    number = BODY + len(CLAIM)
    problem = errors(remittance)[0]
    assert (problem.segment_number, problem.segment_id, problem.element) == (number, "NM1", "NM103")
    assert problem.message.startswith(f"segment {number} (NM1), element NM103: expected an element of at most 1,000")
    assert "found 5,000" in problem.message and "Z" * 100 not in problem.message  # the value is not quoted
    read = single(remittance)
    assert [(c.patient_control_number, len(c.errors)) for c in read.claims] == [("C1", 1), ("C2", 0)]


def test_the_835_reader_reports_an_element_too_long_as_a_positioned_problem() -> None:
    remittance = parse_835(x835(*CLAIM, "REF*6R*" + "9" * 5000))
    number = BODY + len(CLAIM)
    problem = errors(remittance)[0]
    assert (problem.segment_number, problem.segment_id) == (number, "REF")
    assert problem.message.startswith(f"segment {number} (REF), element REF02: expected an element of at most")
    assert all("9" * 100 not in p.message for p in remittance.problems)  # the value is not quoted whole


def test_an_unterminated_last_segment_too_long_is_its_stand_in_too() -> None:
    segments = interchange(group(transaction(*CLAIM)))
    data = x12(segments[:-1]) + b"IEA*1*" + b"W" * 2000  # no terminator after the last segment
    assert list(SegmentReader(data))[-1] == [TOO_LONG, "IEA", "2", "2000"]


def test_a_segment_that_never_ends_is_passed_over_without_being_held() -> None:
    def endless() -> Iterator[bytes]:
        yield HEAD + b"REF*EV*"
        for _ in range(200):  # 12.8 MB without a terminator
            yield b"A" * (1 << 16)

    tracemalloc.start()
    segments = list(SegmentReader(endless(), chunk_size=1 << 16))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert segments[3] == [TOO_LONG, "REF", "0", str(len("REF*EV*") + 200 * (1 << 16))]
    assert peak < 2 * 1024 * 1024  # a chunk or two, never the 12.8 MB segment


def test_a_huge_segment_is_one_positioned_problem_and_the_transaction_reads_on() -> None:
    data = HEAD + b"BPR*I*80.00*C*CHK************20230915~REF*EV*" + b"B" * (1 << 20) + b"~SE*4*0001~"
    remittance = parse_835(data)
    first = errors(remittance)[0]
    assert (first.segment_number, first.segment_id) == (5, "REF")
    assert "expected a segment terminator within 65,536 characters" in first.message
    assert "found a segment of 1,048,583" in first.message
    assert not any("has no SE" in p.message for p in errors(remittance))  # the SE after it was read
