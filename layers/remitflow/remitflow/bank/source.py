"""The input of every bank reader: bytes, text, a binary or text stream, or an iterable of lines.

Streams (anything with `read`, an S3 StreamingBody included) are read in chunks and never held
whole. An iterable of `str` is taken as lines (a line break is added where an item has none); an
iterable of `bytes` is taken as chunks of one stream, as a file opened in binary mode yields them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, runtime_checkable

CHUNK_SIZE = 1 << 16
_BOM = b"\xef\xbb\xbf"


@runtime_checkable
class SupportsRead(Protocol):
    def read(self, size: int = ..., /) -> bytes | str: ...


DepositSource = bytes | bytearray | str | SupportsRead | Iterable[bytes] | Iterable[str]


def iter_chunks(source: DepositSource) -> Iterator[bytes]:
    """The input as non-empty byte chunks."""
    if isinstance(source, bytes | bytearray):
        if source:
            yield bytes(source)
        return
    if isinstance(source, str):
        if source:
            yield source.encode()
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


def iter_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Decoded lines without their line breaks (LF, CRLF or CR), numbered by the caller from 1.

    Each line is decoded on its own: UTF-8 first, then Windows-1252 and Latin-1, because bank
    exports made on Windows are seldom UTF-8 and one odd byte must not make the file unreadable.
    """
    pending = b""
    waiting: list[bytes] = []  # chunks of a line longer than a chunk, joined once its end arrives
    first = True
    for chunk in chunks:
        if b"\n" not in chunk and b"\r" not in chunk:
            waiting.append(chunk)
            continue
        data = pending + b"".join(waiting) + chunk
        waiting.clear()
        # A CR at the end of a chunk may be the first half of a CRLF: wait for the next chunk.
        hold = data.endswith(b"\r")
        if hold:
            data = data[:-1]
        lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        pending = lines.pop() + (b"\r" if hold else b"")
        for raw in lines:
            if first:
                raw = raw.removeprefix(_BOM)  # noqa: PLW2901
                first = False
            yield decode_line(raw)
    pending = (pending + b"".join(waiting)).rstrip(b"\r")
    if pending:
        yield decode_line(pending.removeprefix(_BOM) if first else pending)


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
