"""Byte offsets of the framing segments, as x12.offsets notes them beside the reader."""

from __future__ import annotations

import pytest
from tests.support.synth835 import generate_835

from remitflow.x12.models import BrokenClaim, ClaimPayment
from remitflow.x12.offsets import SegmentOffsets
from remitflow.x12.parser import RemittanceParser


def spans_of(data: bytes, chunk: int) -> SegmentOffsets:
    offsets = SegmentOffsets()
    for event in RemittanceParser([data[i : i + chunk] for i in range(0, len(data), chunk)], offsets=offsets):
        assert event is not None
    return offsets


@pytest.mark.parametrize("chunk", [7, 256, 1 << 20])
@pytest.mark.parametrize(
    ("terminator", "line_ending"), [("~", "\n"), ("~", "\r\n"), ("~", ""), ("\n", ""), ("'", "\r\n")]
)
def test_each_clp_span_is_the_readers_claim_whatever_the_layout(chunk: int, terminator: str, line_ending: str) -> None:
    data, _ = generate_835(3, transactions=3, claims_per_transaction=6, terminator=terminator, line_ending=line_ending)
    claims = [e for e in RemittanceParser(data) if isinstance(e, ClaimPayment | BrokenClaim)]
    offsets = spans_of(data, chunk)
    # Indented, as viewers print it (the reader learns that elsewhere): the offsets skip the layout.
    indented = SegmentOffsets()
    pretty = data.replace(b"\nCLP", b"\n  CLP") if line_ending else data
    indented.feed(pretty)
    indented.close()
    assert [s.first for s in indented.spans if s.segment_id == "CLP"] == [c.patient_control_number for c in claims]
    assert all(pretty[s.start : s.end].startswith(s.segment_id.encode()) for s in indented.spans)

    assert offsets.usable
    clps = [s for s in offsets.spans if s.segment_id == "CLP"]
    assert [s.first for s in clps] == [c.patient_control_number for c in claims]
    for span in offsets.spans:
        assert data[span.start : span.end].startswith(span.segment_id.encode())
        assert data[span.end - len(terminator) : span.end] == terminator.encode()
    assert [s.segment_id for s in offsets.spans].count("ST") == 3


def test_a_second_interchange_with_other_delimiters_is_followed() -> None:
    first, _ = generate_835(4, claims_per_transaction=2)
    second, _ = generate_835(5, claims_per_transaction=3, element="|", component=">", terminator="!")
    offsets = spans_of(first + second, 64)

    ids = [s.segment_id for s in offsets.spans]
    assert ids.count("ISA") == 2 and ids.count("CLP") == 5
    for span in offsets.spans:
        assert (first + second)[span.start : span.end].startswith(span.segment_id.encode())


def test_a_file_without_an_isa_has_no_offsets() -> None:
    data, _ = generate_835(6, claims_per_transaction=2)
    bare = data[data.index(b"ST*") :]
    assert not spans_of(bare, 256).usable
