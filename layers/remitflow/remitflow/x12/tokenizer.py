"""Streaming X12 segment reader.

Reads a file object, an S3 StreamingBody or any iterable of byte chunks and yields each segment as a
list of elements, holding only one chunk (plus one unfinished segment) in memory. Delimiters are
taken from each ISA: the element separator is the 4th character, ISA16 is the component separator
and the character after it ends segments; ISA11 is the repetition separator from 5010 on.

Layout is not data: line breaks after terminators (one segment a line, CR, LF or CRLF) are dropped, and
so are spaces and tabs before a segment id (files indented as X12 viewers show them), which
`indented_at` reports.

Memory stays bounded whatever the input: a segment longer than MAX_SEGMENT_LENGTH, or with an element
longer than MAX_ELEMENT_LENGTH, is never handed over (nor held whole): in its place comes a segment
`[TOO_LONG, id, element position, length]` (position 0: the segment itself was too long), which the
parser reports at its position, and reading goes on after it, so one bad claim never stops a file.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat
from typing import IO, Protocol

from remitflow.x12.errors import X12SyntaxError

CHUNK_SIZE = 1 << 20
BATCH_SIZE = 256  # segments handed over at once by SegmentReader.batches: few enough to stay in cache
_ISA_ELEMENTS = 16
_ISA_MAX_LENGTH = 1024  # a trimmed ISA is about 106 characters; past this it is not an ISA
_PREVIEW_LIMIT = 40
# No 835 element is near 1,000 characters: the longest by the guide are free-form texts of 264 (MSG01)
# and a composite procedure with its description stays under 200.
MAX_ELEMENT_LENGTH = 1000
# The longest 835 segment is a MIA: 24 elements, most of them amounts of at most 18 digits, well under
# 1 KB. 64 KiB is far past anything legitimate (so no real file is refused) and still bounds what an
# unfinished segment may hold to a small fraction of a Lambda's memory.
MAX_SEGMENT_LENGTH = 1 << 16
# The id of the segment handed over in place of one too long to read: no X12 segment id starts with NUL.
TOO_LONG = "\x00TOO_LONG"


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


ByteSource = _Readable | IO[bytes] | Iterable[bytes] | bytes


@dataclass(frozen=True, slots=True)
class Delimiters:
    element: str
    component: str
    segment: str
    repetition: str | None


def _preview(text: str) -> str:
    """A short, printable excerpt of unexpected input for an error message."""
    shown = text[:_PREVIEW_LIMIT]
    return repr(shown) + ("..." if len(text) > _PREVIEW_LIMIT else "")


def detect_delimiters(text: str, segment_number: int = 1) -> Delimiters | None:
    """Delimiters declared by the ISA at the start of `text`, or None if `text` is too short to tell.

    Real files trim the fixed-width ISA fields, so ISA16 is found by counting element separators,
    not by its nominal offset 104.
    """
    if len(text) < 4:
        return None
    separator = text[3]
    if separator.isalnum() or separator.isspace():
        raise X12SyntaxError(
            f"segment {segment_number} (ISA): expected an element separator as the 4th character, found {separator!r}",
            segment_number=segment_number,
            segment_id="ISA",
        )
    position = 3
    for _ in range(_ISA_ELEMENTS - 1):
        position = text.find(separator, position + 1)
        if position < 0:
            return None
    if len(text) < position + 3:
        return None
    component, terminator = text[position + 1], text[position + 2]
    if terminator.isalnum() or terminator in (separator, component):
        raise X12SyntaxError(
            f"segment {segment_number} (ISA), element ISA16: expected one component separator followed "
            f"by the segment terminator, found {text[position + 1 : position + 4]!r}",
            segment_number=segment_number,
            segment_id="ISA",
        )
    elements = text[: position + 2].split(separator)
    repetition = elements[11] if len(elements) > 12 and elements[12] >= "00501" else None
    if repetition is not None and (len(repetition) != 1 or repetition.isalnum()):
        repetition = None
    return Delimiters(element=separator, component=component, segment=terminator, repetition=repetition)


def infer_from_st(text: str) -> Delimiters | None:
    """Delimiters of a bare transaction set sent without its ISA/GS envelope ('ST*835*0001~BPR...').

    The element separator follows 'ST'; the terminator is the first character after ST02/ST03 that
    cannot be part of them. The component separator cannot be known and is assumed to be ':'.
    """
    if len(text) < 4 or not text.startswith("ST") or text[2].isalnum() or text[2].isspace():
        return None
    separator = text[2]
    for character in text[3:_ISA_MAX_LENGTH]:
        if not (character.isalnum() or character in (separator, " ", ".", "-")):
            return Delimiters(element=separator, component=":", segment=character, repetition=None)
    return None


class SegmentReader:
    """Iterate the segments of an X12 byte stream.

    `segment_number` is the 1-based position of the segment last yielded; `delimiters` are those of
    the current interchange. Raises X12SyntaxError when the stream is not X12 at all.
    """

    def __init__(self, source: ByteSource, *, chunk_size: int = CHUNK_SIZE) -> None:
        self._source = source
        self._chunk_size = chunk_size
        self.segment_number = 0
        self.delimiters: Delimiters | None = None
        self.replaced_characters = False
        self.unterminated_tail = False
        self.envelope_missing = False
        # The number of the first segment set apart from the one before it by spaces or tabs (an
        # indented, pretty-printed file), None while there is none; they are read as layout.
        self.indented_at: int | None = None

    def _byte_chunks(self) -> Iterator[bytes]:
        source = self._source
        if isinstance(source, bytes | bytearray):
            # In chunks like a stream: the text decoded at once stays bounded however large the input.
            size = self._chunk_size
            for start in range(0, len(source), size):
                yield bytes(source[start : start + size])
            return
        read = getattr(source, "read", None)
        if read is not None:
            while chunk := read(self._chunk_size):
                yield chunk
            return
        yield from source  # type: ignore[misc]

    def _text_chunks(self) -> Iterator[str]:
        # Invalid UTF-8 becomes U+FFFD rather than an exception; the parser reports it once.
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        for chunk in self._byte_chunks():
            text = decoder.decode(chunk)
            if "\ufffd" in text:
                self.replaced_characters = True
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            self.replaced_characters = True
            yield tail

    def _start_of_interchange(self, pending: str, chunks: Iterator[str], number: int) -> tuple[str, Delimiters] | None:
        """Read until `pending` holds a whole ISA; return it (from 'ISA' on) with its delimiters.

        None when only whitespace is left after an earlier interchange: the normal end of the file.
        """
        while True:
            stripped = pending.lstrip("\ufeff \t\r\n")
            if stripped.startswith("ISA"):
                delimiters = detect_delimiters(stripped, number)
                if delimiters is not None:
                    return stripped, delimiters
                if len(stripped) > _ISA_MAX_LENGTH:
                    break
            elif len(stripped) >= 3:
                delimiters = infer_from_st(stripped) if number == 1 else None
                if delimiters is not None:
                    self.envelope_missing = True
                    return stripped, delimiters
                break
            chunk = next(chunks, None)
            if chunk is None:
                break
            pending += chunk
        if not stripped:
            if number == 1:
                raise X12SyntaxError("the file is empty: expected an ISA interchange header")
            return None
        if stripped.startswith("ISA"):
            raise X12SyntaxError(
                f"segment {number} (ISA): expected 16 elements, ISA16 and a segment terminator, "
                f"found {_preview(stripped)}",
                segment_number=number,
                segment_id="ISA",
            )
        raise X12SyntaxError(
            f"segment {number}: expected an ISA interchange header, found {_preview(stripped)}",
            segment_number=number,
        )

    def __iter__(self) -> Iterator[list[str]]:
        for batch in self.batches():
            number = self.segment_number - len(batch)
            for elements in batch:
                number += 1
                self.segment_number = number
                yield elements

    def batches(self) -> Iterator[list[list[str]]]:
        """The segments in lists of up to BATCH_SIZE, in file order.

        For consumers with a loop of their own: resuming a generator once per segment costs about as
        much as splitting the segment. `segment_number` is that of the last segment of the batch, and
        `delimiters` those of every segment in it (a batch never crosses an IEA).
        """
        chunks = self._text_chunks()
        pending = ""
        count = 0
        while True:
            start = self._start_of_interchange(pending, chunks, count + 1)
            if start is None:
                break
            pending, delimiters = start
            self.delimiters = delimiters
            separator, terminator = delimiters.element, delimiters.segment
            layout = _layout_remover(terminator)
            indented = _indentation_finder(terminator)
            next_interchange: str | None = None
            skipped: tuple[str, int] | None = None  # (id, length so far) of a segment too long to hold
            while True:
                if skipped is not None:
                    end = pending.find(terminator)
                    if end < 0:
                        skipped = (skipped[0], skipped[1] + len(pending))
                        pending = ""
                    else:
                        count += 1
                        self.segment_number = count
                        yield [_stand_in(skipped[0], 0, skipped[1] + end)]
                        skipped, pending = None, pending[end + 1 :]
                if skipped is not None:
                    chunk = next(chunks, None)
                    if chunk is None:  # the file ended inside it
                        count += 1
                        self.segment_number = count
                        yield [_stand_in(skipped[0], 0, skipped[1])]
                        skipped = None
                        break
                    pending = chunk
                    continue
                text = layout(pending)
                # `text` starts where a segment does, so spaces or tabs at its start are layout too.
                if indented(text):
                    text = self._drop_indentation(text, terminator, count)
                parts = text.split(terminator)
                pending = parts.pop()
                error = None
                if "IEA" in text:  # once per interchange, or 'IEA' inside data
                    parts, rest, error = _until_interchange_end(text, parts, delimiters)
                    if rest is not None:
                        next_interchange = rest + terminator + pending if rest else pending
                if parts and max(map(len, parts)) > MAX_ELEMENT_LENGTH:
                    parts = [_bounded(part, separator) for part in parts]
                # The unfinished segment counts only when it is this interchange's (no IEA came first).
                if next_interchange is None and len(pending) > MAX_SEGMENT_LENGTH:
                    skipped, pending = (_segment_id(pending, separator), len(pending)), ""
                for start_at in range(0, len(parts), BATCH_SIZE):
                    # split() through map and filter: the per-segment work stays in C.
                    batch = list(
                        map(str.split, filter(None, parts[start_at : start_at + BATCH_SIZE]), repeat(separator))
                    )
                    if batch:
                        count += len(batch)
                        self.segment_number = count
                        yield batch
                if error is not None:
                    raise error
                if next_interchange is not None:
                    break
                chunk = next(chunks, None)
                if chunk is None:
                    if skipped is not None:  # the file ended inside it
                        count += 1
                        self.segment_number = count
                        yield [_stand_in(skipped[0], 0, skipped[1])]
                        skipped = None
                    break
                pending += chunk
            if next_interchange is None:
                break
            pending = next_interchange
        tail = pending.strip() if next_interchange is None else ""
        if tail:
            # The last segment lacks its terminator; yield it and let the envelope checks judge.
            elements = _bounded(tail, separator).split(separator)
            self.unterminated_tail = True
            self.segment_number = count + 1
            yield [elements]

    def _drop_indentation(self, text: str, terminator: str, count: int) -> str:
        """`text` without the spaces and tabs that start its segments; notes where they were first."""
        stripped = _INDENTATION[terminator].sub(terminator, text).lstrip(" \t")
        if self.indented_at is None:
            # Once per file: the number of the first segment that was indented.
            first = len(text) - len(text.lstrip(" \t"))
            if not first:
                first = min(at for at in (text.find(terminator + " "), text.find(terminator + "\t")) if at >= 0) + 1
            before = text[:first].split(terminator)[:-1]
            self.indented_at = count + sum(1 for part in before if part.strip(" \t")) + 1
        return stripped


class _Indentation(dict[str, re.Pattern[str]]):
    """A terminator followed by spaces or tabs, by terminator."""

    def __missing__(self, terminator: str) -> re.Pattern[str]:
        pattern = re.compile(re.escape(terminator) + "[ \t]+")
        self[terminator] = pattern
        return pattern


_INDENTATION = _Indentation()


def _indentation_finder(terminator: str) -> Callable[[str], bool]:
    """Whether a text holds a segment that starts with spaces or tabs. One regular expression search:
    `terminator + ' ' in text` is as fast, but needs a second search for tabs."""
    search = _INDENTATION[terminator].search
    return lambda text: text[:1] in (" ", "\t") or search(text) is not None


def _bounded(part: str, separator: str) -> str:
    """A segment's text as is, or, when it or one of its elements is too long, the TOO_LONG segment
    that stands for it. Only a segment longer than an element may be can hold an element too long, so
    the common case is one length per segment, counted in C."""
    if len(part) <= MAX_ELEMENT_LENGTH:
        return part
    if len(part) > MAX_SEGMENT_LENGTH:
        return separator.join(_stand_in(_segment_id(part, separator), 0, len(part)))
    elements = part.split(separator)
    for position, element in enumerate(elements):
        if len(element) > MAX_ELEMENT_LENGTH:
            return separator.join(_stand_in(_segment_id(elements[0], separator), position, len(element)))
    return part


def _stand_in(segment_id: str, position: int, length: int) -> list[str]:
    """The segment handed over in place of one too long to read (position 0: the whole segment)."""
    return [TOO_LONG, segment_id, str(position), str(length)]


def _segment_id(text: str, separator: str) -> str:
    """A segment's id (at most three characters before its first separator), when it looks like one."""
    head = text[:4].split(separator, 1)[0][:3]
    return head if head.isascii() and head.isalnum() else ""


def _until_interchange_end(
    text: str, parts: list[str], delimiters: Delimiters
) -> tuple[list[str], str | None, X12SyntaxError | None]:
    """`parts` (`text` split on the terminator) up to the IEA that ends splitting with these
    delimiters, and the text after that IEA; None after when there is no such IEA in `parts`.

    An error in the ISA that follows comes third: it is raised once the parts up to the IEA are out.
    """
    terminator = delimiters.segment
    # Search the text rather than look at every part: a small file is one chunk, all of it here.
    framed = terminator + text
    position = framed.find(terminator + "IEA")
    while position >= 0:
        index = framed.count(terminator, 0, position)  # the part that starts right after `position`
        if index >= len(parts):
            break
        if parts[index].split(delimiters.element, 1)[0] == "IEA":
            try:
                same = _same_interchange_follows(parts, index, delimiters)
            except X12SyntaxError as error:
                return parts[: index + 1], None, error
            if not same:
                # What follows starts over: a new ISA (maybe other delimiters, a BOM) or junk.
                return parts[: index + 1], terminator.join(parts[index + 1 :]), None
        position = framed.find(terminator + "IEA", position + 1)
    return parts, None, None


def _same_interchange_follows(parts: list[str], index: int, delimiters: Delimiters) -> bool:
    """After an IEA: is the next part an ISA with the same delimiters, so splitting can go on?"""
    following = next((part for part in parts[index + 1 :] if part), None)
    if following is None or not following.startswith("ISA"):
        return False
    return detect_delimiters(following + delimiters.segment) == delimiters


def _layout_remover(terminator: str) -> Callable[[str], str]:
    """Line breaks after terminators are layout, not data; drop those that are not the terminator."""
    if terminator == "\n":
        return lambda text: text.replace("\r", "") if "\r" in text else text
    if terminator == "\r":
        return lambda text: text.replace("\n", "") if "\n" in text else text
    return _drop_line_breaks


def _drop_line_breaks(text: str) -> str:
    if "\n" in text:
        text = text.replace("\n", "")
    if "\r" in text:
        text = text.replace("\r", "")
    return text
