"""Where segments start and end in the file's bytes, for reading a part of it again later.

The reader works on decoded text with layout removed, so it cannot say where a segment is in the
file. `SegmentOffsets` looks at the same byte chunks just before the reader does (`tee`) and notes
the byte range of the segments that frame a transaction set and its claims (ISA, GS, ST, LX, CLP,
PLB, SE, GE, IEA), with ST02 and CLP01 so a consumer can check that its n-th CLP is the reader's
n-th claim. It runs in C (a regular expression per chunk) and keeps only what has not been taken
(`take`), so memory stays bounded by one chunk's segments.

Delimiters are read from each ISA. A file whose delimiters are not single bytes, or that has no
ISA, gets no offsets (`usable` is False): its consumers fall back to reading from the start.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from remitflow.x12.errors import X12SyntaxError
from remitflow.x12.tokenizer import ByteSource, detect_delimiters

FRAMING = (b"ISA", b"GS", b"ST", b"SE", b"GE", b"IEA", b"LX", b"CLP", b"PLB")
_ISA_WINDOW = 1024  # an ISA with its delimiters fits in this many bytes
_LAYOUT = b" \t\r\n\xef\xbb\xbf"  # what may sit between segments (line breaks, indentation, a BOM)
_NOTED_TEXT = 80  # bytes of ST02 / CLP01 kept for checking


@dataclass(frozen=True, slots=True)
class SegmentSpan:
    """One framing segment: its id, [start, end) in the file's bytes (end past its terminator) and
    its id element (ST02 for ST, CLP01 for CLP; '' for the others)."""

    segment_id: str
    start: int
    end: int
    first: str = ""


class SegmentOffsets:
    """Fed the file's bytes in order; `spans` holds the framing segments seen and not yet taken."""

    def __init__(self) -> None:
        self.spans: deque[SegmentSpan] = deque()
        self.usable = True
        self.size = 0  # bytes seen so far
        self.interchanges = 0
        self._buffer = b""
        self._base = 0  # file offset of _buffer[0]
        self._terminator: bytes | None = None  # None: looking for an ISA
        self._separator = b""
        self._pattern: re.Pattern[bytes] | None = None

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if not self.usable:
            return
        self._buffer += chunk
        self._scan(final=False)

    def close(self) -> None:
        if self.usable:
            self._scan(final=True)
        self._buffer = b""

    def take(self) -> SegmentSpan | None:
        return self.spans.popleft() if self.spans else None

    def peek(self) -> SegmentSpan | None:
        return self.spans[0] if self.spans else None

    # -- scanning -------------------------------------------------------------------------------

    def _scan(self, *, final: bool) -> None:
        while self.usable:
            if self._terminator is None:
                if not self._start_interchange(final=final):
                    return
                continue
            if not self._scan_segments(final=final):
                return

    def _start_interchange(self, *, final: bool) -> bool:
        """Find the next ISA and its delimiters; False when more bytes are needed (or none are left)."""
        buffer = self._buffer
        at = buffer.find(b"ISA")
        if at < 0:
            if len(buffer) > _ISA_WINDOW:  # keep only what could be the start of an ISA
                self._drop(len(buffer) - 2)
            if final and not self.interchanges:
                self.usable = False  # no ISA at all (a bare ST): no offsets
            return False
        try:
            delimiters = detect_delimiters(buffer[at : at + _ISA_WINDOW].decode("latin-1"))
        except X12SyntaxError:
            delimiters = None
        if delimiters is None and len(buffer) - at < _ISA_WINDOW and not final:
            return False  # the ISA is not all here yet
        if delimiters is None or any(
            len(d.encode()) != 1 or ord(d) > 127 for d in (delimiters.element, delimiters.segment)
        ):
            self.usable = False  # not single-byte delimiters: offsets in text would not be offsets in bytes
            return False
        terminator, separator = delimiters.segment.encode(), delimiters.element.encode()
        end = buffer.find(terminator, at)
        if end < 0:  # pragma: no cover - detect_delimiters found the terminator
            self.usable = False
            return False
        self.spans.append(SegmentSpan("ISA", self._base + at, self._base + end + 1))
        self.interchanges += 1
        self._terminator, self._separator = terminator, separator
        ids = b"|".join(FRAMING)
        layout = re.escape(_LAYOUT) if terminator not in _LAYOUT else re.escape(_LAYOUT.replace(terminator, b""))
        self._pattern = re.compile(
            re.escape(terminator)
            + b"["
            + layout
            + b"]*("
            + ids
            + b")(?="
            + re.escape(separator)
            + b"|"
            + re.escape(terminator)
            + b")"
        )
        self._drop(end)  # the buffer starts at the ISA's terminator: every segment follows one
        return True

    def _scan_segments(self, *, final: bool) -> bool:
        """Note the framing segments that end in the buffer; True when an IEA ended the interchange."""
        buffer = self._buffer
        terminator = self._terminator
        assert terminator is not None and self._pattern is not None
        last = buffer.rfind(terminator)
        complete = buffer if final else buffer[: last + 1]
        for match in self._pattern.finditer(complete):
            start = match.start(1)
            end = complete.find(terminator, match.end(1))
            if end < 0:
                if not final:
                    break
                end = len(complete) - 1
            segment_id = match.group(1).decode()
            if segment_id == "ISA":  # a new interchange: its delimiters may differ
                self._drop(start)
                self._terminator = None
                return True
            first = ""
            if segment_id in ("ST", "CLP"):
                elements = complete[match.end(1) + 1 : min(end, match.end(1) + 1 + _NOTED_TEXT)].split(self._separator)
                wanted = 1 if segment_id == "ST" else 0  # ST02, CLP01
                first = elements[wanted].decode("utf-8", "replace").strip() if len(elements) > wanted else ""
            self.spans.append(SegmentSpan(segment_id, self._base + start, self._base + end + 1, first))
            if segment_id == "IEA":
                self._drop(end)
                self._terminator = None
                return True
        if last >= 0:
            self._drop(last)  # keep the last terminator: the next segment starts after it
        return False

    def _drop(self, count: int) -> None:
        self._buffer = self._buffer[count:]
        self._base += count


def tee(source: ByteSource, offsets: SegmentOffsets) -> Iterator[bytes]:
    """The source's byte chunks, each shown to `offsets` before it is passed on."""
    chunks: Iterable[bytes]
    if isinstance(source, bytes | bytearray):
        chunks = [bytes(source)]
    elif hasattr(source, "read"):
        reader: Any = source
        chunks = iter(lambda: reader.read(1 << 20), b"")
    else:
        chunks = source
    for chunk in chunks:
        offsets.feed(chunk)
        yield chunk
    offsets.close()
