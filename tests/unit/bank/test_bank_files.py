"""read_deposit_file: the format is sniffed from the content, whatever the file is called or how it arrives."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from tests.unit.bank.bai2_files import Detail, bai2

from remitflow.bank import BankFileError, BankFormat, DepositSource, read_deposit_file, sniff_format
from remitflow.bank.source import iter_chunks, iter_lines

CAMT = (
    '<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
    "<BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId></GrpHdr><Stmt><Id>S1</Id><Ntry><Amt Ccy='USD'>319.50</Amt>"
    "<CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2025-01-16</Dt></BookgDt></Ntry></Stmt></BkToCstmrStmt></Document>"
)
CSV = "Date,Description,Amount\n01/16/2025,ACH TRN*1*12345*1512345678\\,319.50\n"


@pytest.mark.parametrize(
    ("head", "kind"),
    [(b"01,BANK,", "bai2"), (b"<?xml version", "xml"), (b"<Document xmlns", "xml"), (b"Date,Amount", "csv")],
)
def test_sniffing(head: bytes, kind: str) -> None:
    assert sniff_format(head) == kind


@pytest.mark.parametrize(
    ("text", "expected"),
    [(bai2(Detail()), BankFormat.BAI2), (CAMT, BankFormat.CAMT053), (CSV, BankFormat.CSV)],
)
@pytest.mark.parametrize(
    "wrap",
    [
        lambda t: t,
        lambda t: t.encode(),
        lambda t: b"\xef\xbb\xbf\n " + t.encode() if not t.startswith("<") else b"\xef\xbb\xbf" + t.encode(),
        lambda t: io.BytesIO(t.encode()),
        io.StringIO,
        lambda t: iter([t.encode()[i : i + 5] for i in range(0, len(t.encode()), 5)]),
        lambda t: t.splitlines(),
    ],
    ids=["str", "bytes", "bom", "binary stream", "text stream", "chunks", "lines"],
)
def test_every_format_from_every_kind_of_input(
    text: str, expected: BankFormat, wrap: Callable[[str], DepositSource]
) -> None:
    statement = read_deposit_file("deposits/whatever.dat", wrap(text))
    assert statement.format is expected
    assert statement.errors == (), [e.message for e in statement.errors]
    assert [t.amount for t in statement.transactions] == [Decimal("319.50")]


@pytest.mark.parametrize("data", [b"", b"  \n\r\n", io.BytesIO(b"")])
def test_an_empty_file_is_a_file_error(data: DepositSource) -> None:
    with pytest.raises(BankFileError, match=r"deposits/empty\.bai: the file is empty"):
        read_deposit_file("deposits/empty.bai", data)


def test_utf16_is_refused() -> None:
    with pytest.raises(BankFileError, match="expected UTF-8 or ASCII text, found UTF-16"):
        read_deposit_file("x.csv", CSV.encode("utf-16"))


def test_lines_are_split_on_any_line_end_and_decoded_one_by_one() -> None:
    data = [b"a\r", b"\nb\rc\n\xe9t\xe9\r", b"\n", b"caf\xc3\xa9"]  # Windows-1252, then UTF-8
    assert list(iter_lines(iter_chunks(data))) == ["a", "b", "c", "\u00e9t\u00e9", "caf\u00e9"]
