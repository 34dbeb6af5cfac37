"""One entry point for a deposit file of any format: sniff it, then read it with the right reader."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from remitflow.bank.csv_layout import DEFAULT_LAYOUT, CsvLayout
from remitflow.bank.models import BankFileError, BankStatement
from remitflow.bank.source import DepositSource, iter_chunks, peek

if TYPE_CHECKING:
    from remitflow.bank.reader import DepositReader

FileKind = Literal["bai2", "xml", "csv"]


def sniff_format(head: bytes) -> FileKind:
    """BAI2 starts with its 01 file header, XML with '<' ('<?xml', '<Document'); anything else is CSV."""
    if head.startswith(b"01,"):
        return "bai2"
    if head.startswith(b"<"):
        return "xml"
    return "csv"


def deposit_reader(name: str, stream: DepositSource, *, csv_layout: CsvLayout = DEFAULT_LAYOUT) -> DepositReader:
    """A streaming reader for the file: iterate it for transactions, then look at its errors and warnings.
    Each file is one format: only its reader is imported (a cold start loads none of them)."""
    head, chunks = peek(iter_chunks(stream))
    if not head:
        raise BankFileError(f"{name}: the file is empty; expected a BAI2, camt XML or CSV bank file", source=name)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BankFileError(f"{name}: expected UTF-8 or ASCII text, found UTF-16", source=name, line=1)
    kind = sniff_format(head)
    if kind == "bai2":
        from remitflow.bank.bai2 import Bai2Reader  # noqa: PLC0415

        return Bai2Reader(name, chunks)
    if kind == "xml":
        from remitflow.bank.camt import CamtReader  # noqa: PLC0415

        return CamtReader(name, chunks)
    from remitflow.bank.csv_export import CsvReader  # noqa: PLC0415

    return CsvReader(name, chunks, csv_layout)


def read_deposit_file(name: str, stream: DepositSource, *, csv_layout: CsvLayout = DEFAULT_LAYOUT) -> BankStatement:
    """Everything in one bank file; raises `BankFileError` only when the file as a whole cannot be read."""
    return deposit_reader(name, stream, csv_layout=csv_layout).read()
