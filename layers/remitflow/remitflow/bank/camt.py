"""ISO 20022 camt.053 statements, camt.054 notifications (and camt.052 reports) -> bank transactions.

Streaming with `iterparse`: each `Ntry` is read when its end tag arrives, then dropped. Elements are
matched by local name, so every version (001.02 to 001.08 and later) and any namespace prefix work.
An entry with several `TxDtls` whose amounts add up to it gives one transaction per detail (a batch
booking of several ACH credits); otherwise the entry is one transaction.

XML with a DOCTYPE or an entity declaration is refused before the parser sees it: entities can blow up
(billion laughs) or reach outside the file, and a bank statement never needs one. So is nesting deeper
than MAX_DEPTH levels: a camt document nests about 15, and each level costs the reader memory.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from remitflow.bank.models import BankFileError, BankFormat, BankStatement, BankTransaction, Direction, shown
from remitflow.bank.reader import DepositReader
from remitflow.bank.source import DepositSource, iter_chunks
from remitflow.bank.trace import find_trace
from remitflow.values import cents, stable_id

MESSAGES = {
    "BkToCstmrStmt": BankFormat.CAMT053,
    "BkToCstmrDbtCdtNtfctn": BankFormat.CAMT054,
    "BkToCstmrAcctRpt": BankFormat.CAMT052,
}
STATEMENTS = frozenset({"Stmt", "Ntfctn", "Rpt"})
_NUMBERED = STATEMENTS | {"Ntry", "TxDtls"}  # repeated elements: their path carries an index
_REFUSED = (b"<!DOCTYPE", b"<!ENTITY")
# camt.053 nests about 15 levels (Document/BkToCstmrStmt/Stmt/Ntry/NtryDtls/TxDtls/RltdPties/Dbtr/Pty/Id/
# OrgId/Othr/SchmeNm/Cd): 100 leaves room for any version and extension, and refuses a hostile file early.
MAX_DEPTH = 100
# xs:decimal in ASCII digits: Decimal() alone would take exponents, NaN, underscores and other scripts' digits.
_AMOUNT = re.compile(r"\+?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII).fullmatch
# ISO bank transaction sub-families that mean the money is going back: ACH return, reversal due to a
# return, reversal due to a cancellation request.
RETURN_SUBFAMILIES = frozenset({"ARET", "RRTN", "RPCR"})
_NOT_PROVIDED = "NOTPROVIDED"


def read_camt(source_name: str, source: DepositSource) -> BankStatement:
    """Read a whole camt file (raises `BankFileError` if it cannot be read at all)."""
    return CamtReader(source_name, source).read()


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _find(element: ET.Element | None, *names: str) -> ET.Element | None:
    for name in names:
        if element is None:
            return None
        element = _child(element, name)
    return element


def _text(element: ET.Element | None, *names: str) -> str | None:
    found = _find(element, *names)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _raw_texts(element: ET.Element | None, *names: str) -> list[str]:
    """Texts of every element at the path's last step, exactly as written (no stripping)."""
    parent = _find(element, *names[:-1])
    if parent is None:
        return []
    return [child.text for child in _children(parent, names[-1]) if child.text]


class _GuardedStream:
    """What iterparse reads: the input's chunks, checked for DOCTYPE and ENTITY declarations first."""

    def __init__(self, chunks: Iterator[bytes], source: str) -> None:
        self._chunks = chunks
        self._source = source
        self._tail = b""
        self._lines = 1
        self._first = True

    def read(self, size: int = -1, /) -> bytes:
        chunk = next(self._chunks, b"")
        if self._first and chunk:
            self._first = False
            if chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in chunk[:4]:
                raise BankFileError(
                    f"{self._source}: expected UTF-8 XML, found UTF-16 or UTF-32", source=self._source, line=1
                )
        window = self._tail + chunk
        for marker in _REFUSED:
            at = window.find(marker)
            if at >= 0:
                line = self._lines - self._tail.count(b"\n") + window[:at].count(b"\n")
                raise BankFileError(
                    f"{self._source} line {line}: XML with a {marker[2:].decode()} declaration is refused "
                    "(entities can expand without bound or read other files); expected a camt document without one",
                    source=self._source,
                    line=line,
                )
        self._lines += chunk.count(b"\n")
        self._tail = window[-(max(map(len, _REFUSED)) - 1) :]
        return chunk


@dataclass(slots=True)
class _Statement:
    """What the entries of one Stmt/Ntfctn/Rpt share."""

    path: str
    identifier: str = ""
    account: str | None = None
    currency: str | None = None
    entries: int = 0


@dataclass(slots=True)
class _Detail:
    """One transaction inside an entry (or the entry itself), before it becomes a BankTransaction."""

    index: int  # 0 for the entry itself
    path: str
    amount: Decimal | None
    credit: bool | None
    element: ET.Element | None


class CamtReader(DepositReader):
    default_format = BankFormat.CAMT053

    def __init__(self, source_name: str, source: DepositSource) -> None:
        super().__init__(source_name, source)
        self._message_id = ""

    def _read(self) -> Iterator[BankTransaction]:
        stream = _GuardedStream(iter_chunks(self._input), self.source)
        stack: list[ET.Element] = []
        path: list[str] = []
        counters: list[dict[str, int]] = [{}]
        statement: _Statement | None = None
        # iterparse is safe here: _GuardedStream refuses DOCTYPE/ENTITY before the parser reads them.
        events = ET.iterparse(stream, events=("start", "end"))  # noqa: S314
        try:
            for event, element in events:
                name = _local(element.tag)
                if event == "start":
                    number = counters[-1][name] = counters[-1].get(name, 0) + 1
                    path.append(f"{name}[{number}]" if name in _NUMBERED else name)
                    counters.append({})
                    stack.append(element)
                    if len(stack) > MAX_DEPTH:
                        self._too_deep(path)
                    self._check_root(stack, name)
                    if name in STATEMENTS and len(stack) == 3:
                        statement = _Statement(path="/".join(path))
                    continue
                # Only an entry needs its path: joining it at every end tag made deep files quadratic.
                here = "/".join(path) if name == "Ntry" else ""
                stack.pop()
                path.pop()
                counters.pop()
                parent = _local(stack[-1].tag) if stack else ""
                if parent == "GrpHdr" and name == "MsgId":
                    self._message_id = (element.text or "").strip()
                    self._file_id = stable_id("camt", str(self.format), self._message_id)
                elif statement is not None and parent in STATEMENTS and len(stack) == 3:
                    if name == "Id":
                        statement.identifier = (element.text or "").strip()
                    elif name == "Acct":
                        statement.account = _text(element, "Id", "IBAN") or _text(element, "Id", "Othr", "Id")
                        statement.currency = _text(element, "Ccy")
                    elif name == "Ntry":
                        statement.entries += 1
                        yield from self._entry(element, here, statement)
                        stack[-1].remove(element)  # keep memory flat on large statements
                elif name in STATEMENTS and len(stack) == 2:
                    stack[-1].remove(element)
                    statement = None
                if 1 <= len(stack) <= 3 and name != "Ntry" and name not in STATEMENTS:
                    # Read already, if it was needed: do not let the tree keep every element of the file.
                    stack[-1].remove(element)
        except ET.ParseError as error:
            line, column = error.position
            raise BankFileError(
                f"{self.source} line {line}, column {column}: not well-formed XML ({_reason(error)}); "
                "expected a complete camt document",
                source=self.source,
                line=line,
            ) from None
        except LookupError as error:  # the XML declaration names an encoding Python does not know
            raise BankFileError(
                f"{self.source} line 1: {error}; expected UTF-8 XML", source=self.source, line=1
            ) from None
        if not self._message_id:
            self.warning("GrpHdr", "expected a GrpHdr/MsgId; the file is identified by its name", path="GrpHdr")

    def _too_deep(self, path: list[str]) -> None:
        shown_path = "/".join(part[:40] for part in path[:3])
        raise BankFileError(
            f"{self.source}: elements nested more than {MAX_DEPTH} levels deep (inside {shown_path}/...); "
            f"expected a camt document, which nests about 15",
            source=self.source,
            path=shown_path,
        )

    def _check_root(self, stack: list[ET.Element], name: str) -> None:
        if len(stack) == 1 and name != "Document":
            raise BankFileError(
                f"{self.source}: expected an ISO 20022 <Document>, found <{name[:40]}>", source=self.source, path=name
            )
        if len(stack) == 2:
            found = MESSAGES.get(name)
            if found is None:
                raise BankFileError(
                    f"{self.source}: expected a camt.053 (BkToCstmrStmt), camt.054 (BkToCstmrDbtCdtNtfctn) or "
                    f"camt.052 (BkToCstmrAcctRpt) message, found <{name[:40]}>",
                    source=self.source,
                    path=f"Document/{name[:40]}",
                )
            self.format = found

    # -- entries -----------------------------------------------------------------------------------

    def _entry(self, entry: ET.Element, path: str, statement: _Statement) -> Iterator[BankTransaction]:
        status = _text(entry, "Sts", "Cd") or _text(entry, "Sts")
        if status == "INFO":
            self.warning(path, "informational entry (Sts INFO), not a booking: skipped", path=path, record="Ntry")
            return
        amount = self._amount(entry, path)
        credit = self._indicator(_text(entry, "CdtDbtInd"), path, "CdtDbtInd")
        value = self._date(entry, "ValDt", path)
        if _find(entry, "BookgDt") is not None:
            booking = self._date(entry, "BookgDt", path)
        elif value is not None:
            booking = value  # camt.054 notifications of pending entries may carry only a value date
        else:
            booking = None
            if _find(entry, "ValDt") is None:
                self.error(
                    path,
                    "expected BookgDt or ValDt (Dt as YYYY-MM-DD, or DtTm); entry not read",
                    path=path,
                    record="Ntry",
                    field="BookgDt",
                )
        if amount is None or credit is None or booking is None:
            return
        for detail in self._details(entry, path, amount, credit):
            yield self._transaction(entry, detail, statement, booking, value)

    def _details(self, entry: ET.Element, path: str, amount: Decimal, credit: bool) -> list[_Detail]:
        elements = [tx for box in _children(entry, "NtryDtls") for tx in _children(box, "TxDtls")]
        if len(elements) <= 1:
            return [_Detail(0, path, amount, credit, elements[0] if elements else None)]
        details = []
        for index, element in enumerate(elements, start=1):
            tx_path = f"{path}/NtryDtls/TxDtls[{index}]"
            tx_amount = self._amount(element, tx_path, required=False)
            if tx_amount is None:  # camt.053.001.02 has no TxDtls/Amt, only AmtDtls
                tx_amount = self._amount(_find(element, "AmtDtls", "TxAmt"), tx_path, required=False)
            tx_credit: bool | None = credit
            tx_indicator = _text(element, "CdtDbtInd")
            if tx_indicator is not None:
                tx_credit = self._indicator(tx_indicator, tx_path, "CdtDbtInd", consequence="")
            details.append(_Detail(index, tx_path, tx_amount, tx_credit, element))
        signed = [d.amount if d.credit else -d.amount for d in details if d.amount is not None and d.credit is not None]
        if len(signed) == len(details) and sum(signed) == (amount if credit else -amount):
            return details
        self.warning(
            path,
            f"expected the {len(details)} TxDtls amounts to add up to the entry amount {amount}; "
            "read as one transaction for the entry",
            path=path,
            record="Ntry",
            field="TxDtls",
        )
        return [_Detail(0, path, amount, credit, None)]

    def _transaction(
        self, entry: ET.Element, detail: _Detail, statement: _Statement, booking: date, entry_value: date | None
    ) -> BankTransaction:
        tx = detail.element
        texts = self._texts(entry, detail, tx)
        trace = next((found for found in map(find_trace, texts) if found is not None), None)
        code = self._bank_code(tx) or self._bank_code(entry)
        credit = bool(detail.credit)
        returned = (
            _text(entry, "RvslInd") in ("true", "1")
            or (tx is not None and _child(tx, "RtrInf") is not None)
            or (code is not None and code.rpartition("/")[2] in RETURN_SUBFAMILIES)
        )
        direction = Direction.RETURN if returned else (Direction.CREDIT if credit else Direction.DEBIT)
        bank_reference = _text(tx, "Refs", "AcctSvcrRef") or _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
        end_to_end = _text(tx, "Refs", "EndToEndId")
        customer_reference = end_to_end if end_to_end and end_to_end.upper() != _NOT_PROVIDED else None
        amount_element = _child(entry, "Amt")
        currency = (amount_element.get("Ccy") if amount_element is not None else None) or statement.currency or "USD"
        return BankTransaction(
            transaction_id=stable_id(
                "camt",
                self._message_id,
                statement.identifier,
                statement.path,
                statement.account,
                statement.entries,
                detail.index,
                _text(entry, "AcctSvcrRef"),
            ),
            source=self.source,
            format=self.format,
            account_number=statement.account,
            currency=currency,
            amount=detail.amount,
            direction=direction,
            credit=credit,
            booking_date=booking,
            value_date=entry_value,
            type_code=code,
            bank_reference=bank_reference,
            customer_reference=customer_reference,
            text=" ".join(texts),
            trace_number=trace.trace_number if trace else None,
            payer_id=trace.payer_id if trace else None,
            path=detail.path,
        )

    @staticmethod
    def _texts(entry: ET.Element, detail: _Detail, tx: ET.Element | None) -> list[str]:
        """The free texts to search for a TRN, in order: remittance information first.

        Several Ustrd are one text cut into 140-character pieces: joined with nothing between them.
        """
        if detail.index == 0 and tx is None:
            sources = [t for box in _children(entry, "NtryDtls") for t in _children(box, "TxDtls")]
        else:
            sources = [tx] if tx is not None else []
        texts = []
        for element in sources:
            texts.append("".join(_raw_texts(element, "RmtInf", "Ustrd")))
            remittance = _find(element, "RmtInf")
            structured = _children(remittance, "Strd") if remittance is not None else []
            texts.append("".join(text for box in structured for text in _raw_texts(box, "AddtlRmtInf")))
            texts.append(_text(element, "AddtlTxInf") or "")
        texts.append(_text(entry, "AddtlNtryInf") or "")
        return [text.strip() for text in texts if text.strip()]

    @staticmethod
    def _bank_code(element: ET.Element | None) -> str | None:
        code = _find(element, "BkTxCd")
        if code is None:
            return None
        domain = _text(code, "Domn", "Cd")
        family = _text(code, "Domn", "Fmly", "Cd")
        sub_family = _text(code, "Domn", "Fmly", "SubFmlyCd")
        if domain:
            return "/".join(part for part in (domain, family, sub_family) if part)
        return _text(code, "Prtry", "Cd")

    # -- values ------------------------------------------------------------------------------------

    def _amount(self, element: ET.Element | None, path: str, *, required: bool = True) -> Decimal | None:
        amount = _child(element, "Amt") if element is not None else None
        text = (amount.text or "").strip() if amount is not None else ""
        if not text:
            if required:
                self.error(path, "expected an Amt; entry not read", path=path, record="Ntry", field="Amt")
            return None
        try:
            value: Decimal | None = Decimal(text) if _AMOUNT(text) else None
        except InvalidOperation:
            value = None
        if value is None or value != cents(value):
            self.error(
                path,
                f"element Amt: expected a positive amount with at most two decimals, found {shown(text, 20)}",
                path=path,
                record="Ntry",
                field="Amt",
            )
            return None
        return value

    def _indicator(
        self, indicator: str | None, path: str, name: str, *, consequence: str = "; entry not read"
    ) -> bool | None:
        if indicator in ("CRDT", "DBIT"):
            return indicator == "CRDT"
        self.error(
            path,
            f"element {name}: expected CRDT or DBIT, found {shown(indicator, 8)}{consequence}",
            path=path,
            record="Ntry",
            field=name,
        )
        return None

    def _date(self, element: ET.Element | None, name: str, path: str) -> date | None:
        holder = _find(element, name)
        if holder is None:
            return None
        text = _text(holder, "Dt") or _text(holder, "DtTm")
        try:
            return date.fromisoformat((text or "")[:10])
        except ValueError:
            self.error(
                path,
                f"element {name}: expected Dt as YYYY-MM-DD or DtTm, found {shown(text, 25)}",
                path=path,
                record="Ntry",
                field=name,
            )
            return None


def _reason(error: ET.ParseError) -> str:
    return str(error).split(":", 1)[0]
