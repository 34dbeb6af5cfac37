"""SegmentReader and detect_delimiters: whatever the layout, encoding or chunking, the same segments."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from tests.support.synth835 import generate_835
from tests.unit.conftest import CLAIM, errors, group, interchange, isa, single, transaction, warnings_, x12

from remitflow.x12 import Delimiters, SegmentReader, X12SyntaxError, parse_835
from remitflow.x12.tokenizer import detect_delimiters

SEGMENTS = interchange(group(transaction(*CLAIM, "NM1*QC*1*MÜLLER*JOSÉ****MI*W123")))
EXPECTED = [segment.split("*") for segment in SEGMENTS]
TRIMMED_ISA = "ISA*00**00**ZZ*SENDER*ZZ*RECEIVER*230915*1200*^*00501*000000001*0*P*:"


def read(data: object, **kwargs: int) -> list[list[str]]:
    return list(SegmentReader(data, **kwargs))  # type: ignore[arg-type]


def with_delimiters(segments: list[str], element: str, component: str) -> list[str]:
    return [s.replace(":", component).replace("*", element) for s in segments]


# --- delimiters -------------------------------------------------------------------------------------


def test_delimiters_of_a_fixed_width_isa() -> None:
    assert detect_delimiters(isa() + "~") == Delimiters(element="*", component=":", segment="~", repetition="^")


def test_delimiters_of_a_space_trimmed_isa_are_found_by_counting_separators() -> None:
    text = TRIMMED_ISA + "~GS*HP"
    assert detect_delimiters(text) == Delimiters(element="*", component=":", segment="~", repetition="^")


def test_a_4010_isa_has_no_repetition_separator() -> None:
    text = isa(version="00401", repetition="U") + "~"
    assert detect_delimiters(text) == Delimiters(element="*", component=":", segment="~", repetition=None)


def test_too_short_to_tell_is_none_not_a_guess() -> None:
    assert detect_delimiters(TRIMMED_ISA[:40]) is None


@pytest.mark.parametrize(
    ("element", "component", "terminator"),
    [("|", "^", "~"), ("|", ">", "'"), ("*", ">", "'"), ("^", ">", "~"), ("!", ":", "\n")],
    ids=["pipe-caret-tilde", "pipe-gt-quote", "star-gt-quote", "caret-gt-tilde", "bang-colon-newline"],
)
def test_unusual_separators_split_segments_elements_and_composites(
    element: str, component: str, terminator: str
) -> None:
    segments = with_delimiters(SEGMENTS, element, component)
    segments[0] = isa(element=element, component=component, repetition="{")
    reader = SegmentReader(x12(segments, end=terminator))

    assert list(reader) == [s.split(element) for s in segments]
    assert reader.delimiters == Delimiters(element, component, terminator, "{")


@pytest.mark.parametrize(
    ("element", "component", "terminator"), [("|", ">", "'"), ("^", ":", "~")], ids=["pipe", "caret"]
)
def test_unusual_separators_reach_the_claim(element: str, component: str, terminator: str) -> None:
    segments = with_delimiters(
        interchange(group(transaction(*CLAIM, "SVC*HC:99213:25*100.00*80.00", "CAS*CO*45*20.00"))),
        element,
        component,
    )
    segments[0] = isa(element=element, component=component, repetition="{")

    claim = single(parse_835(x12(segments, end=terminator + "\n"))).claims[0]

    assert claim.paid_amount == 80
    assert (claim.service_lines[0].procedure.code, claim.service_lines[0].procedure.modifiers) == ("99213", ("25",))


# --- layout -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("end", ["~", "~\n", "~\r\n", "~\r", "~\n\n"], ids=["one-line", "LF", "CRLF", "CR", "blank"])
def test_line_breaks_after_terminators_are_layout(end: str) -> None:
    assert read(x12(SEGMENTS, end=end)) == EXPECTED


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_a_newline_can_be_the_segment_terminator(end: str) -> None:
    reader = SegmentReader(x12(SEGMENTS, end=end))

    assert list(reader) == EXPECTED
    assert reader.delimiters is not None
    assert reader.delimiters.segment == end[0]


def test_a_one_line_file_without_final_terminator_still_yields_its_last_segment() -> None:
    data = x12(SEGMENTS, end="~").removesuffix(b"~")
    reader = SegmentReader(data)

    assert list(reader) == EXPECTED
    assert reader.unterminated_tail


def test_a_utf8_byte_order_mark_is_skipped() -> None:
    reader = SegmentReader(b"\xef\xbb\xbf" + x12(SEGMENTS))

    assert list(reader) == EXPECTED
    assert not reader.replaced_characters


def test_leading_whitespace_before_the_isa_is_skipped() -> None:
    assert read(b"\r\n\n  \t" + x12(SEGMENTS)) == EXPECTED


def test_non_ascii_names_are_decoded_as_utf8() -> None:
    segments = read(x12(SEGMENTS))
    assert ["NM1", "QC", "1", "MÜLLER", "JOSÉ", "", "", "", "MI", "W123"] in segments


def test_segment_number_is_the_position_of_the_segment_last_yielded() -> None:
    reader = SegmentReader(x12(SEGMENTS))
    positions = [(reader.segment_number, segment[0]) for segment in reader]
    assert positions == [(number, s[0]) for number, s in enumerate(EXPECTED, start=1)]


# --- several interchanges ---------------------------------------------------------------------------


def test_several_interchanges_with_the_same_delimiters() -> None:
    second = interchange(group(transaction(*CLAIM, control="0002")), control="000000002")
    assert read(x12(SEGMENTS + second)) == EXPECTED + [s.split("*") for s in second]


def test_the_segments_up_to_an_iea_come_out_before_an_unreadable_isa_after_it() -> None:
    reader = SegmentReader(x12(SEGMENTS) + isa("000000002").encode() + b"XGS*HP~")
    segments = []
    with pytest.raises(X12SyntaxError, match="ISA16"):
        for segment in reader:
            segments.append(segment)  # noqa: PERF402 - what comes out before the error is the point
    assert segments == EXPECTED


def later_interchange(element: str, component: str, *body: str) -> list[str]:
    """A second interchange (ISA13 000000002, ST02 0002) written with other delimiters."""
    segments = interchange(group(transaction(*(body or CLAIM), control="0002")), control="000000002")
    segments = with_delimiters(segments, element, component)
    segments[0] = isa("000000002", element=element, component=component)
    return segments


OTHER_DELIMITERS = pytest.mark.parametrize(
    ("element", "component", "end"),
    [("|", ">", "'\n"), ("|", ":", "~\n"), ("*", ":", "'\r\n"), ("*", ">", "~\n")],
    ids=["all-different", "element-only", "terminator-only", "component-only"],
)


@OTHER_DELIMITERS
def test_a_later_interchange_with_other_delimiters_is_split_by_its_own(element: str, component: str, end: str) -> None:
    second = later_interchange(element, component)
    reader = SegmentReader(x12(SEGMENTS) + x12(second, end=end))

    assert list(reader) == EXPECTED + [s.split(element) for s in second]
    assert reader.delimiters == Delimiters(element, component, end[0], "^")


@OTHER_DELIMITERS
def test_every_interchange_of_a_mixed_delimiter_file_is_parsed(element: str, component: str, end: str) -> None:
    second = later_interchange(element, component, CLAIM[0], "SVC*HC:99213:25*100.00*80.00", CLAIM[1])

    remittance = parse_835(x12(SEGMENTS) + x12(second, end=end))

    assert [t.header.interchange.control_number for t in remittance.transactions] == ["000000001", "000000002"]
    line = remittance.transactions[-1].claims[0].service_lines[0]
    assert (line.procedure.code, line.procedure.modifiers, line.paid_amount) == ("99213", ("25",), 80)
    assert remittance.problems == []


def test_files_concatenated_with_their_byte_order_marks_are_two_interchanges() -> None:
    second = interchange(group(transaction(*CLAIM, control="0002")), control="000000002")
    remittance = parse_835(b"\xef\xbb\xbf" + x12(SEGMENTS) + b"\xef\xbb\xbf" + x12(second))

    assert [t.header.interchange.control_number for t in remittance.transactions] == ["000000001", "000000002"]
    assert remittance.problems == []


def test_a_file_wrapped_at_80_columns_reads_the_same() -> None:
    text = x12(SEGMENTS, end="~").decode()
    wrapped = "\r\n".join(text[i : i + 80] for i in range(0, len(text), 80))
    assert read(wrapped.encode()) == EXPECTED


# --- chunking ---------------------------------------------------------------------------------------


def chunks(data: bytes, size: int) -> Iterator[bytes]:
    return (data[i : i + size] for i in range(0, len(data), size))


SAMPLE = b"\xef\xbb\xbf" + x12(SEGMENTS, end="~\r\n")


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_the_same_segments_whatever_the_chunk_size(size: int) -> None:
    reader = SegmentReader(chunks(SAMPLE, size))

    assert list(reader) == EXPECTED
    assert not reader.replaced_characters


@pytest.mark.parametrize("size", [1, 3, 64])
def test_the_same_segments_from_a_file_object_read_in_chunks(size: int) -> None:
    assert read(io.BytesIO(SAMPLE), chunk_size=size) == EXPECTED


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_a_synthetic_file_reads_the_same_in_any_chunking(size: int) -> None:
    data, _ = generate_835(11, transactions=2, claims_per_transaction=3, line_ending="\r\n")
    assert read(chunks(data, size)) == read(data)


@pytest.mark.parametrize("size", [1, 7, 64])
def test_the_parser_reports_the_same_whatever_the_chunk_size(size: int) -> None:
    data, _ = generate_835(12, transactions=2, claims_per_transaction=3, line_ending="\r\n")
    assert parse_835(chunks(data, size)) == parse_835(data)


class StreamingBody:
    """What boto3 returns for an S3 object: only .read(n), no iteration, no seek."""

    def __init__(self, data: bytes) -> None:
        self._stream = io.BytesIO(data)
        self.requested: list[int] = []

    def read(self, size: int = -1, /) -> bytes:
        self.requested.append(size)
        return self._stream.read(size)


def test_an_s3_streaming_body_is_read_in_bounded_chunks() -> None:
    body = StreamingBody(SAMPLE)

    assert read(body, chunk_size=16) == EXPECTED
    assert body.requested and set(body.requested) == {16}


def test_segments_are_yielded_before_the_whole_source_is_read() -> None:
    consumed = []

    def source() -> Iterator[bytes]:
        for chunk in chunks(x12(SEGMENTS), 8):
            consumed.append(chunk)
            yield chunk

    first = next(iter(SegmentReader(source())))

    assert first[0] == "ISA"
    assert sum(map(len, consumed)) < len(x12(SEGMENTS))


# --- bare transaction set -----------------------------------------------------------------------------


def test_a_bare_st_without_envelope_is_read_with_inferred_delimiters() -> None:
    data = x12(transaction(*CLAIM))
    reader = SegmentReader(data)

    assert list(reader) == [s.split("*") for s in transaction(*CLAIM)]
    assert reader.envelope_missing
    assert reader.delimiters == Delimiters(element="*", component=":", segment="~", repetition=None)


def test_a_bare_st_is_parsed_with_a_warning_about_the_missing_envelope() -> None:
    remittance = parse_835(x12(transaction(*CLAIM)))

    assert [c.patient_control_number for c in single(remittance).claims] == ["C1"]
    assert errors(remittance) == []
    assert any("no ISA" in w.message for w in warnings_(remittance))


# --- not X12 at all -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b" \r\n\t ", "empty"),
        (b"hello, this is a letter", "expected an ISA"),
        (b"GS*HP*SENDER*RECEIVER*20230915~", "expected an ISA"),
        (bytes(range(256)) * 4, "expected an ISA"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "expected an ISA"),
        (b"ISA*00*          *00*          *ZZ*SENDER", "ISA16"),
        (b"ISA000000", "element separator"),
    ],
    ids=["empty", "whitespace", "text", "no-isa", "binary", "gzip", "truncated-isa", "isa-no-separator"],
)
def test_input_that_is_not_x12_raises_a_syntax_error(data: bytes, words: str) -> None:
    with pytest.raises(X12SyntaxError, match=words) as raised:
        read(data)
    assert raised.value.message


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "the file is empty"),
        (b"hello", "segment 1: expected an ISA interchange header, found 'hello'"),
        (b"\x00\xff\xfe" * 50, "segment 1: expected an ISA interchange header"),
        (b"ISA*00*          *00", "segment 1 (ISA): expected 16 elements, ISA16 and a segment terminator"),
    ],
    ids=["empty", "text", "binary", "short-isa"],
)
def test_the_parser_turns_a_syntax_error_into_a_problem(data: bytes, words: str) -> None:
    remittance = parse_835(data)

    assert remittance.transactions == []
    assert len(errors(remittance)) == 1
    assert errors(remittance)[0].message.startswith(words)
