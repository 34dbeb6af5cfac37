"""The input of every bank reader: bytes, text, a binary or text stream, or an iterable of lines.

Streams (anything with `read`, an S3 StreamingBody included) are read in chunks and never held
whole. An iterable of `str` is taken as lines (a line break is added where an item has none); an
iterable of `bytes` is taken as chunks of one stream, as a file opened in binary mode yields them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

CHUNK_SIZE = 1 << 16
# A BAI2 record is 80 characters or so (a long 16 text goes on in 88 records) and a CSV export's row a
# few hundred: 64 KiB is far past both, and what a reader holds of one line never exceeds it.
MAX_LINE_LENGTH = 1 << 16
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class LongLine:
    """In place of a line longer than MAX_LINE_LENGTH, which was skipped without being held."""

    length: int  # bytes, without the line break


@runtime_checkable
class SupportsRead(Protocol):
    def read(self, size: int = ..., /) -> bytes | str: ...


DepositSource = bytes | bytearray | str | SupportsRead | Iterable[bytes] | Iterable[str]


def iter_chunks(source: DepositSource) -> Iterator[bytes]:
    """The input as non-empty byte chunks."""
    # Bytes and text in memory are handed on in chunks too: no copy of the whole input is made.
    if isinstance(source, bytes | bytearray):
        for start in range(0, len(source), CHUNK_SIZE):
            yield bytes(source[start : start + CHUNK_SIZE])
        return
    if isinstance(source, str):
        for start in range(0, len(source), CHUNK_SIZE):
            yield source[start : start + CHUNK_SIZE].encode()
        return
    if isinstance(source, SupportsRead):
        while chunk := source.read(CHUNK_SIZE):
            yield chunk.encode() if isinstance(chunk, str) else chunk
        return
    for item in source:
        if isinstance(item, str):
            # A list of lines as text: each item is a line whether or not it ends with a break.
            if not item.endswith(("\n", "\r")):
                item += "\n"  # noqa: PLW2901
            yield item.encode()
        elif item:
            yield bytes(item)


def iter_lines(chunks: Iterable[bytes], max_length: int = MAX_LINE_LENGTH) -> Iterator[str | LongLine]:
    """Decoded lines without their line breaks (LF, CRLF or CR), numbered by the caller from 1.

    Each line is decoded on its own: UTF-8 first, then Windows-1252 and Latin-1, because bank
    exports made on Windows are seldom UTF-8 and one odd byte must not make the file unreadable.
    A line longer than `max_length` bytes comes out as a `LongLine`: what is held of it stops there.
    """
    pending = b""  # the start of the unfinished line; a CR at its end may be the first half of a CRLF
    waiting: list[bytes] = []  # chunks of a line longer than a chunk, joined once its end arrives
    waiting_size = 0
    dropped = 0  # > 0: the unfinished line is too long, and this many of its bytes were let go
    first = True

    def finish(raw: bytes) -> str | LongLine:
        nonlocal dropped, first
        if first:
            raw = raw.removeprefix(_BOM)
            first = False
        if dropped:
            length, dropped = dropped + len(raw), 0
            return LongLine(length)
        return LongLine(len(raw)) if len(raw) > max_length else decode_line(raw)

    for chunk in chunks:
        if b"\n" not in chunk and b"\r" not in chunk:
            if pending.endswith(b"\r"):  # a lone CR ended the line: this chunk starts the next one
                yield finish(pending[:-1])
                pending = b""
            if dropped:
                dropped += len(chunk)
                continue
            waiting.append(chunk)
            waiting_size += len(chunk)
            if len(pending) + waiting_size > max_length:
                dropped, pending, waiting_size = len(pending) + waiting_size, b"", 0
                waiting.clear()
            continue
        data = pending + b"".join(waiting) + chunk
        waiting.clear()
        waiting_size = 0
        # A CR at the end of a chunk may be the first half of a CRLF: wait for the next chunk.
        hold = data.endswith(b"\r")
        if hold:
            data = data[:-1]
        lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        pending = lines.pop()
        for raw in lines:
            yield finish(raw)
        if len(pending) > max_length:
            dropped, pending = len(pending), b""
        if hold:
            pending += b"\r"
    pending = (pending + b"".join(waiting)).rstrip(b"\r")
    if dropped or pending:
        yield finish(pending)


def decode_line(raw: bytes) -> str:
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def peek(chunks: Iterator[bytes], size: int = 64) -> tuple[bytes, Iterator[bytes]]:
    """The first `size` non-blank bytes (after any BOM) and an iterator that still yields everything."""
    seen: list[bytes] = []
    head = b""
    for chunk in chunks:
        seen.append(chunk)
        head = b"".join(seen).removeprefix(_BOM).lstrip()
        if len(head) >= size:
            break
    return head[:size], _chain(seen, chunks)


def _chain(seen: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    yield from seen
    yield from rest
