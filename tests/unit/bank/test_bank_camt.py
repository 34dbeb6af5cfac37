"""The camt.052/053/054 reader: amounts, directions, dates, codes, the TRN in its texts, unsafe or broken XML."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from remitflow.bank import BankFileError, BankFormat, BankStatement, Direction, read_camt

TRN = "TRN*1*12345*1512345678\\"
BOOKED = "<BookgDt><Dt>2025-01-16</Dt></BookgDt><ValDt><Dt>2025-01-17</Dt></ValDt>"


def entry(
    *,
    amount: str = "319.50",
    indicator: str = "CRDT",
    dates: str = BOOKED,
    details: str = "",
    extra: str = "",
    reference: str = "FN0001",
) -> str:
    return (
        f'<Ntry><Amt Ccy="USD">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>{extra}'
        f"<Sts><Cd>BOOK</Cd></Sts>{dates}<AcctSvcrRef>{reference}</AcctSvcrRef>{details}</Ntry>"
    )


def tx(*, ustrd: tuple[str, ...] = (), inner: str = "") -> str:
    remittance = "".join(f"<Ustrd>{u}</Ustrd>" for u in ustrd)
    return f"<TxDtls>{inner}{'<RmtInf>' + remittance + '</RmtInf>' if ustrd else ''}</TxDtls>"


def camt(
    *entries: str,
    version: str = "camt.053.001.08",
    message: str = "BkToCstmrStmt",
    statement: str = "Stmt",
    prefix: str = "",
) -> str:
    p = f"{prefix}:" if prefix else ""
    xmlns = f"xmlns:{prefix}" if prefix else "xmlns"
    body = (
        f"<{p}GrpHdr><{p}MsgId>MSG-0001</{p}MsgId></{p}GrpHdr>"
        f"<{p}{statement}><{p}Id>STMT-1</{p}Id><{p}Acct><{p}Id><{p}Othr><{p}Id>000123456789</{p}Id></{p}Othr>"
        f"</{p}Id><{p}Ccy>USD</{p}Ccy></{p}Acct>"
    )
    if prefix:
        entries = tuple(e.replace("<", f"<{p}").replace(f"<{p}/", f"</{p}") for e in entries)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{p}Document {xmlns}="urn:iso:std:iso:20022:tech:xsd:{version}">\n'
        f"<{p}{message}>{body}\n" + "\n".join(entries) + f"\n</{p}{statement}></{p}{message}></{p}Document>\n"
    )


def read(text: str | bytes) -> BankStatement:
    return read_camt("fn.xml", text)


def clean(text: str) -> BankStatement:
    statement = read(text)
    assert statement.errors == (), [e.message for e in statement.errors]
    return statement


# -- texts and the TRN ------------------------------------------------------------------------------


def test_a_trn_split_over_several_ustrd_is_joined_without_separator() -> None:
    pieces = ("HCCLAIMPMT TRN*1*123", "45*15123", "45678\\")
    statement = clean(camt(entry(details="<NtryDtls>" + tx(ustrd=pieces) + "</NtryDtls>")))
    (transaction,) = statement.transactions
    assert (transaction.trace_number, transaction.payer_id) == ("12345", "1512345678")
    assert transaction.text == "HCCLAIMPMT " + TRN


@pytest.mark.parametrize(
    "where",
    [
        f"<NtryDtls><TxDtls><AddtlTxInf>ACH {TRN}</AddtlTxInf></TxDtls></NtryDtls>",
        f"<NtryDtls><TxDtls><RmtInf><Strd><AddtlRmtInf>{TRN}</AddtlRmtInf></Strd></RmtInf></TxDtls></NtryDtls>",
        f"<AddtlNtryInf>ACH CREDIT ACME {TRN}</AddtlNtryInf>",
    ],
)
def test_the_trn_is_found_in_additional_information(where: str) -> None:
    (transaction,) = clean(camt(entry(details=where))).transactions
    assert (transaction.trace_number, transaction.payer_id) == ("12345", "1512345678")
    assert TRN in transaction.text


def test_remittance_information_comes_before_additional_entry_information() -> None:
    details = f"<NtryDtls>{tx(ustrd=(TRN,))}</NtryDtls><AddtlNtryInf>TRN*1*999*1999999999</AddtlNtryInf>"
    (transaction,) = clean(camt(entry(details=details))).transactions
    assert transaction.trace_number == "12345"


# -- values -----------------------------------------------------------------------------------------


def test_a_credit_entry() -> None:
    code = "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ACDT</SubFmlyCd></Fmly></Domn></BkTxCd>"
    details = "<NtryDtls><TxDtls><Refs><EndToEndId>E2E-77</EndToEndId></Refs></TxDtls></NtryDtls>"
    statement = clean(camt(entry(extra="", details=code + details)))
    (transaction,) = statement.transactions
    assert statement.format is BankFormat.CAMT053
    assert transaction.amount == Decimal("319.50")
    assert (transaction.direction, transaction.credit) == (Direction.CREDIT, True)
    assert (transaction.booking_date, transaction.value_date) == (date(2025, 1, 16), date(2025, 1, 17))
    assert transaction.type_code == "PMNT/RCDT/ACDT"
    assert (transaction.bank_reference, transaction.customer_reference) == ("FN0001", "E2E-77")
    assert transaction.account_number == "000123456789" and transaction.currency == "USD"
    assert transaction.path == "Document/BkToCstmrStmt/Stmt[1]/Ntry[1]"


def test_a_debit_entry_with_a_proprietary_code_and_date_times() -> None:
    dates = "<BookgDt><DtTm>2025-01-21T10:15:00-06:00</DtTm></BookgDt>"
    code = "<BkTxCd><Prtry><Cd>698</Cd><Issr>BAI</Issr></Prtry></BkTxCd>"
    (transaction,) = clean(camt(entry(amount="25", indicator="DBIT", dates=dates, details=code))).transactions
    assert (transaction.direction, transaction.credit, transaction.amount) == (Direction.DEBIT, False, Decimal("25.00"))
    assert transaction.signed_amount == Decimal("-25.00")
    assert (transaction.booking_date, transaction.value_date) == (date(2025, 1, 21), None)
    assert transaction.type_code == "698"


@pytest.mark.parametrize(
    ("extra", "details"),
    [
        ("<RvslInd>true</RvslInd>", ""),
        ("", "<NtryDtls><TxDtls><RtrInf><Rsn><Cd>R01</Cd></Rsn></RtrInf></TxDtls></NtryDtls>"),
        ("", "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ARET</SubFmlyCd></Fmly></Domn></BkTxCd>"),
    ],
)
def test_reversals_and_returns_are_returns(extra: str, details: str) -> None:
    (transaction,) = clean(camt(entry(indicator="DBIT", extra=extra, details=details))).transactions
    assert (transaction.direction, transaction.credit) == (Direction.RETURN, False)
    assert not transaction.is_deposit


@pytest.mark.parametrize(
    ("version", "message", "element", "kind"),
    [
        ("camt.054.001.08", "BkToCstmrDbtCdtNtfctn", "Ntfctn", BankFormat.CAMT054),
        ("camt.054.001.02", "BkToCstmrDbtCdtNtfctn", "Ntfctn", BankFormat.CAMT054),
        ("camt.052.001.08", "BkToCstmrAcctRpt", "Rpt", BankFormat.CAMT052),
    ],
)
def test_camt054_notifications_and_camt052_reports(version: str, message: str, element: str, kind: BankFormat) -> None:
    text = camt(
        entry(dates="<ValDt><Dt>2025-01-16</Dt></ValDt>", details=f"<NtryDtls>{tx(ustrd=(TRN,))}</NtryDtls>"),
        version=version,
        message=message,
        statement=element,
    )
    statement = clean(text)
    (transaction,) = statement.transactions
    assert statement.format is kind and transaction.format is kind
    assert transaction.booking_date == date(2025, 1, 16)  # pending notifications may only have a value date
    assert transaction.trace_number == "12345" and transaction.masked_account == "****6789"
    assert transaction.path == f"Document/{message}/{element}[1]/Ntry[1]"


@pytest.mark.parametrize("version", [f"camt.053.001.0{n}" for n in range(2, 9)])
@pytest.mark.parametrize("prefix", ["", "c"])
def test_every_version_and_any_namespace_prefix(version: str, prefix: str) -> None:
    # .02 carries a detail's amount in AmtDtls/TxAmt, later versions in TxDtls/Amt
    amount = "<AmtDtls><TxAmt><Amt Ccy='USD'>{}</Amt></TxAmt></AmtDtls>" if version.endswith("02") else "<Amt>{}</Amt>"
    details = "<NtryDtls>" + "".join(
        tx(ustrd=(f"TRN*1*{n}*1512345678\\",), inner=amount.format(value))
        for n, value in (("A1", "300.00"), ("A2", "19.50"))
    )
    statement = clean(camt(entry(details=details + "</NtryDtls>"), version=version, prefix=prefix))
    assert [(t.trace_number, t.amount) for t in statement.transactions] == [
        ("A1", Decimal(300)),
        ("A2", Decimal("19.50")),
    ]
    assert [t.path for t in statement.transactions] == [
        f"Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/NtryDtls/TxDtls[{n}]" for n in (1, 2)
    ]


def test_details_that_do_not_add_up_leave_the_entry_whole() -> None:
    details = (
        "<NtryDtls>"
        + tx(ustrd=("TRN*1*A1*1512345678\\",), inner="<Amt>300.00</Amt>")
        + tx(ustrd=("TRN*1*A2*1512345678\\",), inner="<Amt>10.00</Amt>")
        + "</NtryDtls>"
    )
    statement = clean(camt(entry(details=details)))
    (transaction,) = statement.transactions
    assert transaction.amount == Decimal("319.50") and transaction.trace_number == "A1"
    (warning,) = statement.warnings
    assert "expected the 2 TxDtls amounts to add up to the entry amount 319.50" in warning.message


def test_an_informational_entry_is_skipped_with_a_warning() -> None:
    statement = clean(camt(entry().replace("<Cd>BOOK</Cd>", "<Cd>INFO</Cd>"), entry(amount="1.00")))
    assert [t.amount for t in statement.transactions] == [Decimal("1.00")]
    assert "informational entry" in statement.warnings[0].message


@pytest.mark.parametrize(
    ("broken", "element", "expected"),
    [
        (entry(amount="31x.50"), "Amt", "expected a positive amount with at most two decimals, found '31x.50'"),
        (entry(amount="-5.00"), "Amt", "found '-5.00'"),
        (entry(amount="1.005"), "Amt", "found '1.005'"),
        (entry(indicator="CRED"), "CdtDbtInd", "expected CRDT or DBIT, found 'CRED'"),
        (entry(dates="<BookgDt><Dt>2025-13-01</Dt></BookgDt>"), "BookgDt", "found '2025-13-01'"),
        (entry(dates=""), "BookgDt", "expected BookgDt or ValDt"),
    ],
)
def test_a_bad_entry_is_an_error_at_its_path_and_the_rest_is_read(broken: str, element: str, expected: str) -> None:
    statement = read(camt(broken, entry(amount="50.00")))
    (error,) = statement.errors
    assert error.path == "Document/BkToCstmrStmt/Stmt[1]/Ntry[1]" and error.field == element
    assert error.message.startswith("fn.xml Document/BkToCstmrStmt/Stmt[1]/Ntry[1]: ")
    assert expected in error.message
    assert [t.amount for t in statement.transactions] == [Decimal("50.00")]
    assert statement.transactions[0].path == "Document/BkToCstmrStmt/Stmt[1]/Ntry[2]"


# -- unsafe and broken XML --------------------------------------------------------------------------

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Document><BkToCstmrStmt><GrpHdr><MsgId>&lol2;</MsgId></GrpHdr></BkToCstmrStmt></Document>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document><BkToCstmrStmt><GrpHdr><MsgId>&xxe;</MsgId></GrpHdr></BkToCstmrStmt></Document>
"""


@pytest.mark.parametrize("text", [LAUGHS, EXTERNAL])
def test_xml_with_a_doctype_or_entities_is_refused(text: str) -> None:
    with pytest.raises(BankFileError, match=r"fn\.xml line 2: XML with a DOCTYPE declaration is refused") as info:
        read(text)
    assert info.value.line == 2


@pytest.mark.parametrize("size", [1, 3, 5, 8])
def test_a_doctype_split_across_chunks_is_still_refused(size: int) -> None:
    data = LAUGHS.encode()
    with pytest.raises(BankFileError, match="DOCTYPE declaration is refused"):
        read_camt("fn.xml", iter([data[i : i + size] for i in range(0, len(data), size)]))


def test_malformed_xml_is_a_file_error_with_its_position() -> None:
    text = camt(entry()).replace("</Ntry>", "</Entry>")
    with pytest.raises(
        BankFileError, match=r"fn\.xml line 4, column \d+: not well-formed XML \(mismatched tag\)"
    ) as info:
        read(text)
    assert info.value.line == 4


def test_a_truncated_document_is_a_file_error() -> None:
    with pytest.raises(BankFileError, match="not well-formed XML"):
        read(camt(entry())[:-40])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<html><body/></html>", r"expected an ISO 20022 <Document>, found <html>"),
        (
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/></Document>',
            "found <CstmrCdtTrfInitn>",
        ),
    ],
)
def test_xml_that_is_not_a_camt_statement_is_a_file_error(text: str, expected: str) -> None:
    with pytest.raises(BankFileError, match=expected):
        read(text)


def test_utf16_is_refused() -> None:
    with pytest.raises(BankFileError, match="expected UTF-8 XML"):
        read(camt(entry()).replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"))


# -- identity ---------------------------------------------------------------------------------------


def test_the_same_file_read_twice_gives_the_same_ids() -> None:
    text = camt(entry(), entry(), entry(amount="50.00"))
    first, second = read(text), read_camt("renamed.xml", text.encode())
    ids = [t.transaction_id for t in first.transactions]
    assert ids == [t.transaction_id for t in second.transactions] and len(set(ids)) == 3
    assert first.file_id == second.file_id
    assert read(text.replace("MSG-0001", "MSG-0002")).transactions[0].transaction_id != ids[0]


def test_an_unknown_declared_encoding_is_a_file_error() -> None:
    with pytest.raises(BankFileError, match=r"fn\.xml line 1: unknown encoding: F-8; expected UTF-8 XML"):
        read(camt(entry()).replace('encoding="UTF-8"', 'encoding="F-8"'))
