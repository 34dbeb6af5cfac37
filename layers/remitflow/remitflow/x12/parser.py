"""The 835 reader: segments in, a stream of transaction headers, claim payments and trailers out.

Memory stays bounded by one claim: each claim payment is yielded as soon as its last segment is
read, and the transaction's totals and balancing come with its `TransactionEnd`. Every problem is a
`Problem` naming the segment number, segment id and element; nothing escapes as a bare exception.

    parser = RemittanceParser(stream)
    for event in parser:
        match event:
            case TransactionHeader(): ...
            case ClaimPayment(): ...
            case BrokenClaim(): ...      # a claim we could not read: kept with its raw segments
            case TransactionEnd(): ...   # PLB, totals, balancing
    parser.problems
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from remitflow.x12 import balancing
from remitflow.x12.errors import Problem, Severity, X12SyntaxError, where
from remitflow.x12.models import (
    Address,
    Adjustment,
    AmountEntry,
    BrokenClaim,
    ClaimPayment,
    Communication,
    Contact,
    DateEntry,
    Entity,
    FlatSegment,
    HeaderGroup,
    InpatientAdjudication,
    Interchange,
    OutpatientAdjudication,
    Party,
    Payment,
    Procedure,
    ProviderAdjustment,
    ProviderSummary,
    ProviderSupplementalSummary,
    QuantityEntry,
    Reference,
    Remittance,
    RemittanceDelivery,
    ServiceLine,
    Transaction,
    TransactionEnd,
    TransactionHeader,
    TransactionTotals,
    build,
    field_template,
)
from remitflow.x12.tokenizer import ByteSource, SegmentReader
from remitflow.x12.values import (
    CACHE_LIMIT,
    DATE_CACHE,
    NUMBER_CACHE,
    ElementError,
    ccyymmdd,
    number,
    number_or_none,
    yymmdd,
)

ZERO = Decimal(0)
ONE = Decimal(1)
_ENVELOPE = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA"})
ADJUSTMENT_GROUPS = frozenset({"CO", "OA", "PI", "PR"})
CLAIM_ENTITIES = {
    "QC": "patient",
    "IL": "insured",
    "74": "corrected_patient",
    "82": "rendering_provider",
    "TT": "crossover_carrier",
    "PR": "corrected_priority_payer",
    "GB": "other_subscriber",
}
CLAIM_DATES = {
    "232": "statement_period_start",
    "233": "statement_period_end",
    "036": "coverage_expiration_date",
    "050": "received_date",
}
LINE_DATES = {"472": "service_date", "150": "service_period_start", "151": "service_period_end"}
CLAIM_STATUS_CODES = frozenset({"1", "2", "3", "4", "19", "20", "21", "22", "23", "25"})


Event = TransactionHeader | ClaimPayment | BrokenClaim | TransactionEnd


class _BadElement(Exception):
    """Raised by the element accessors; the segment loop turns it into a positioned Problem."""

    def __init__(self, element: str, expected: str, found: str) -> None:
        super().__init__(element)
        self.element = element
        self.expected = expected
        self.found = found


class _Unexpected(Exception):
    """A known segment where the 835 structure does not allow it."""


def _segment_id(segment: list[str]) -> str:
    """The segment id for a message; a short escaped excerpt when the 'segment' is not X12 at all
    (free text or binary junk could hold patient data and must not be quoted whole)."""
    segment_id = segment[0]
    if len(segment_id) <= 3 and segment_id.isalnum():
        return segment_id
    return repr(segment_id[:12]) + ("..." if len(segment_id) > 12 else "")


def _name(segment: list[str], index: int) -> str:
    return f"{segment[0]}{index:02d}"


def _text(segment: list[str], index: int) -> str | None:
    value = segment[index] if index < len(segment) else ""
    return value or None


def _required_text(segment: list[str], index: int, expected: str = "a value") -> str:
    value = segment[index] if index < len(segment) else ""
    if not value:
        raise _BadElement(_name(segment, index), expected, "nothing")
    return value


def _amount(segment: list[str], index: int) -> Decimal | None:
    try:
        value = segment[index]
    except IndexError:
        return None
    cached = NUMBER_CACHE.get(value)
    if cached is not None:
        return cached
    if not value:
        return None
    try:
        return number(value)
    except ElementError as exc:
        raise _BadElement(_name(segment, index), exc.expected, value) from None


def _required_amount(segment: list[str], index: int) -> Decimal:
    value = _amount(segment, index)
    if value is None:
        raise _BadElement(_name(segment, index), "a decimal number", "nothing")
    return value


_FLAT_CACHE: dict[type[FlatSegment], list[tuple[str, Any, str]]] = {}


def _flat_plan(model: type[FlatSegment]) -> list[tuple[str, Any, str]]:
    """(field, element position(s), kind) for a FlatSegment model, kind taken from the field's type."""
    plan = _FLAT_CACHE.get(model)
    if plan is None:
        plan = []
        for field, position in model.ELEMENTS.items():
            annotation = str(model.model_fields[field].annotation)
            kind = "number" if "Decimal" in annotation else "date" if "date" in annotation else "text"
            plan.append((field, position, kind))
        _FLAT_CACHE[model] = plan
    return plan


# Claims and lines start as a copy of a template: far cheaper than writing a dict of 20-40 keys out.
_CLAIM_TEMPLATE, _CLAIM_LISTS = field_template(ClaimPayment)
_LINE_TEMPLATE, _LINE_LISTS = field_template(ServiceLine)
_LINE_TEMPLATE["units"] = ONE  # SVC05 when it is not sent


def _line(
    number: int,
    procedure: Procedure | None,
    charge: Decimal | None,
    paid: Decimal | None,
    revenue_code: str | None,
    units: Decimal,
    original: Procedure | None,
    original_units: Decimal | None,
) -> dict[str, Any]:
    """The fields of a ServiceLine, in model order, as the SVC gives them."""
    line = _LINE_TEMPLATE.copy()
    line["segment_number"] = number
    line["procedure"] = procedure
    line["charge_amount"] = charge
    line["paid_amount"] = paid
    line["revenue_code"] = revenue_code
    line["units"] = units
    line["original_procedure"] = original
    line["original_units"] = original_units
    for name in _LINE_LISTS:
        line[name] = []
    return line


# --- fast paths -----------------------------------------------------------------------------------
# What the hot loop in RemittanceParser.__iter__ reads without a handler: the common, well-formed shape
# of the segments that make up nine in ten of a file. Each returns None for anything else, before
# changing any state, and the segment then goes to its handler, which reads and reports it.


# `_cached(value) or number_or_none(value)`: the dict lookup alone for most amounts (a zero, being
# falsy, takes the second call, which finds it in the cache too).
_cached = NUMBER_CACHE.get
_PAD = [""] * 14  # `segment + _PAD[len(segment):]` has every element up to index 13: no bounds checks


def _entity(segment: list[str]) -> Entity:
    """An NM1 whose NM101 has been checked."""
    nm1 = segment if len(segment) > 9 else segment + _PAD[len(segment) :]
    return build(
        Entity,
        {
            "entity_code": nm1[1],
            "entity_type": nm1[2] or None,
            "last_name": nm1[3] or None,
            "first_name": nm1[4] or None,
            "middle_name": nm1[5] or None,
            "suffix": nm1[7] or None,
            "identifier_qualifier": nm1[8] or None,
            "identifier": nm1[9] or None,
        },
    )


def _reference(segment: list[str]) -> Reference:
    """A REF whose REF01 and REF02 have been checked."""
    return build(
        Reference,
        {
            "qualifier": segment[1],
            "value": segment[2],
            "description": segment[3] if len(segment) > 3 and segment[3] else None,
        },
    )


def _fast_claim(segment: list[str], number: int, header_number: str | None) -> dict[str, Any] | None:
    """The ClaimPayment fields of a CLP whose required elements, amounts and status code all read."""
    size = len(segment)
    if size < 5 or not segment[1] or segment[2] not in CLAIM_STATUS_CODES:
        return None
    charge = _cached(segment[3]) or number_or_none(segment[3])
    paid = _cached(segment[4]) or number_or_none(segment[4])
    if charge is None or paid is None:
        return None
    claim = _CLAIM_TEMPLATE.copy()
    claim["segment_number"] = number
    claim["header_number"] = header_number
    claim["patient_control_number"] = segment[1]
    claim["status_code"] = segment[2]
    claim["charge_amount"] = charge
    claim["paid_amount"] = paid
    if size > 5:
        clp = segment + _PAD[size:]
        if clp[5]:
            claim["patient_responsibility"] = responsibility = _cached(clp[5]) or number_or_none(clp[5])
            if responsibility is None:
                return None
        claim["claim_filing_indicator"] = clp[6] or None
        claim["payer_claim_control_number"] = clp[7] or None
        claim["facility_type_code"] = clp[8] or None
        claim["frequency_code"] = clp[9] or None
        claim["drg_code"] = clp[11] or None
        if clp[12]:
            claim["drg_weight"] = drg_weight = number_or_none(clp[12])
            if drg_weight is None:
                return None
        if clp[13]:
            claim["discharge_fraction"] = fraction = number_or_none(clp[13])
            if fraction is None:
                return None
    # Written out rather than looped over _CLAIM_LISTS, as for service lines.
    claim["adjustments"] = []
    claim["references"] = []
    claim["contacts"] = []
    claim["amounts"] = []
    claim["quantities"] = []
    claim["other_dates"] = []
    claim["unrecognized_segments"] = []
    claim["service_lines"] = []
    claim["balance_errors"] = []
    claim["errors"] = []
    return claim


def _fast_procedure(value: str, component: str) -> Procedure | None:
    """An SVC01/SVC06 composite with its qualifier and code."""
    parts = value.split(component)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        return None
    return build(
        Procedure,
        {
            "qualifier": parts[0],
            "code": parts[1],
            "modifiers": tuple(filter(None, parts[2:6])),
            "description": parts[6] if len(parts) > 6 and parts[6] else None,
        },
    )


class _Procedures(dict[str, Procedure | None]):
    """Procedures by their composite text. A Procedure is a frozen value, so lines share it: a file
    names the same few hundred codes thousands of times."""

    def __init__(self, component: str) -> None:
        super().__init__()
        self.component = component

    def __missing__(self, value: str) -> Procedure | None:
        procedure = _fast_procedure(value, self.component)
        if len(self) < CACHE_LIMIT:
            self[value] = procedure
        return procedure


def _fast_service_line(segment: list[str], number: int, procedures: _Procedures) -> dict[str, Any] | None:
    """The ServiceLine fields of an SVC whose procedures and amounts all read."""
    size = len(segment)
    if size < 4:
        return None
    procedure = procedures[segment[1]]
    charge = _cached(segment[2]) or number_or_none(segment[2])
    paid = _cached(segment[3]) or number_or_none(segment[3])
    if procedure is None or charge is None or paid is None:
        return None
    line = _LINE_TEMPLATE.copy()
    line["segment_number"] = number
    line["procedure"] = procedure
    line["charge_amount"] = charge
    line["paid_amount"] = paid
    if size > 4:
        line["revenue_code"] = segment[4] or None
        if size > 5 and segment[5]:
            units = _cached(segment[5]) or number_or_none(segment[5])
            if units is None:
                return None
            line["units"] = units
        if size > 6 and segment[6]:
            original = procedures[segment[6]]
            if original is None:
                return None
            line["original_procedure"] = original
        if size > 7 and segment[7]:
            original_units = number_or_none(segment[7])
            if original_units is None:
                return None
            line["original_units"] = original_units
    # Written out rather than looped over _LINE_LISTS, which costs twice as much; each line needs
    # lists of its own. The models' round-trip tests catch a field missed here.
    line["adjustments"] = []
    line["references"] = []
    line["amounts"] = []
    line["quantities"] = []
    line["remarks"] = []
    line["other_dates"] = []
    line["unrecognized_segments"] = []
    return line


def _fast_adjustments(segment: list[str]) -> list[Adjustment] | None:
    """The triplets of a CAS with a 5010 group code whose amounts and quantities all read."""
    size = len(segment)
    group = segment[1] if size > 2 else ""
    if group not in ADJUSTMENT_GROUPS or not segment[2]:
        return None
    adjustments = []
    for at in range(2, min(size, 18), 3):
        reason = segment[at]
        if not reason:
            continue
        amount = number_or_none(segment[at + 1]) if at + 1 < size else None
        quantity = number_or_none(segment[at + 2]) if at + 2 < size else None
        if amount is None or (quantity is None and at + 2 < size and segment[at + 2]):
            return None
        adjustments.append(
            build(Adjustment, {"group": group, "reason": reason, "amount": amount, "quantity": quantity})
        )
    return adjustments


class RemittanceParser:
    """Iterate the events of one 835 file; `problems` holds every error and warning found so far."""

    def __init__(self, source: ByteSource, *, chunk_size: int | None = None) -> None:
        self._reader = SegmentReader(source) if chunk_size is None else SegmentReader(source, chunk_size=chunk_size)
        self.problems: list[Problem] = []
        self.transactions_read = 0
        self._out: list[Event] = []
        self._handlers: dict[str, Callable[[list[str]], None]] = {
            name[4:]: getattr(self, name) for name in dir(self) if name.startswith("_on_")
        }
        self._component = ":"
        self._procedures = _Procedures(":")
        self._number = 0
        self._at_end = False
        # envelope
        self._interchange: dict[str, Any] | None = None
        self._group_count = 0
        self._group: dict[str, Any] | None = None
        self._transaction_count = 0
        self._legacy = False
        # transaction
        self._control: str | None = None
        self._skipping = False
        self._st_number = 0
        self._header: dict[str, Any] | None = None
        self._emitted_header: TransactionHeader | None = None
        self._payment: dict[str, Any] | None = None
        self._party: dict[str, Any] | None = None
        self._totals: dict[str, Any] = {}
        self._group_header: HeaderGroup | None = None
        self._in_summary = False
        # claim
        self._claim: dict[str, Any] | None = None
        self._claim_problems: list[Problem] = []
        self._line: dict[str, Any] | None = None

    def _flat(self, model: type[FlatSegment], segment: list[str]) -> dict[str, Any]:
        """Field values of a FlatSegment model from its element positions, converted by field type."""
        values: dict[str, Any] = {}
        for field, position, kind in _flat_plan(model):
            if isinstance(position, tuple):
                values[field] = [segment[i] for i in position if i < len(segment) and segment[i]]
            elif kind == "number":
                values[field] = _amount(segment, position)
            elif kind == "date":
                values[field] = self._date(segment, position)
            else:
                values[field] = _text(segment, position)
        return values

    def _date(self, segment: list[str], index: int) -> Any:
        """A date, or None with an error reported: a bad date never hides the money around it."""
        value = segment[index] if index < len(segment) else ""
        if not value:
            return None
        try:
            return ccyymmdd(value)
        except ElementError as exc:
            self._soft_error(segment, f"expected {exc.expected}, found {value!r}; left empty", _name(segment, index))
            return None

    def _soft_error(self, segment: list[str], message: str, element: str) -> None:
        """An error that leaves the enclosing claim readable but marks it as not to be trusted."""
        self._report(Severity.ERROR, segment, message, element)
        if self._claim is not None:
            self._claim["errors"].append(f"{where(self._number, segment[0], element)}: {message}")

    # --- driving ------------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Event]:
        handlers = self._handlers
        unknown = self._on_unknown
        out = self._out
        dates = DATE_CACHE
        # Local mirrors of self._claim and self._line: refreshed after every handler, and set together
        # with them where a fast path below starts a claim or a line. Likewise self._number is only
        # brought up to date before something that reads it runs.
        claim: dict[str, Any] | None = None
        line: dict[str, Any] | None = None
        number = 0
        try:
            for batch in self._reader.batches():
                for segment in batch:
                    number += 1
                    if claim is not None:
                        # The hot loop: inside a claim, read the common shape of its most frequent
                        # segments inline, without a method call per segment. Whatever does not fit
                        # (a missing or malformed element, an unusual qualifier) falls through to
                        # the handler, untouched, which then reads it and reports the problem.
                        tag = segment[0]
                        size = len(segment)
                        if tag == "DTM":
                            if size > 2:
                                value = dates.get(segment[2])
                                if line is not None:
                                    field = LINE_DATES.get(segment[1])
                                    if value is not None and field is not None:
                                        line[field] = value
                                        continue
                                else:
                                    field = CLAIM_DATES.get(segment[1])
                                    if value is not None and field is not None:
                                        claim[field] = value
                                        continue
                        elif tag == "CAS":
                            if size == 4:  # by far the most common: one reason and amount
                                group = segment[1]
                                amount = _cached(segment[3]) or number_or_none(segment[3])
                                if group in ADJUSTMENT_GROUPS and segment[2] and amount is not None:
                                    (claim if line is None else line)["adjustments"].append(
                                        build(
                                            Adjustment,
                                            {"group": group, "reason": segment[2], "amount": amount, "quantity": None},
                                        )
                                    )
                                    continue
                            else:
                                adjustments = _fast_adjustments(segment)
                                if adjustments is not None:
                                    (claim if line is None else line)["adjustments"].extend(adjustments)
                                    continue
                        elif tag == "REF":
                            if size > 2 and segment[1] and segment[2]:
                                if line is not None and segment[1] == "6R":
                                    line["line_control_number"] = segment[2]
                                else:
                                    (claim if line is None else line)["references"].append(_reference(segment))
                                continue
                        elif tag == "SVC":
                            new_line = _fast_service_line(segment, number, self._procedures)
                            if new_line is not None:
                                self._totals["service_line_count"] += 1
                                self._line = line = new_line
                                claim["service_lines"].append(new_line)
                                continue
                        elif tag == "AMT":
                            if size > 2 and segment[1]:
                                amount = _cached(segment[2]) or number_or_none(segment[2])
                                if amount is not None:
                                    if line is not None and segment[1] == "B6":
                                        line["allowed_amount"] = amount
                                    else:
                                        (claim if line is None else line)["amounts"].append(
                                            build(AmountEntry, {"qualifier": segment[1], "amount": amount})
                                        )
                                    continue
                        elif tag == "LQ" and line is not None and size > 2 and segment[2]:
                            line["remarks"].append(segment[2])
                            continue
                        elif tag == "CLP":
                            # The next claim of the same 2000 loop; the handler takes the first one.
                            new_claim = _fast_claim(segment, number, claim["header_number"])
                            if new_claim is not None:
                                self._number = number
                                self._flush_claim()
                                self._claim = claim = new_claim
                                self._claim_problems = []
                                self._line = line = None
                                yield from out
                                out.clear()
                                continue
                        elif tag == "NM1" and line is None and size > 1 and segment[1] in CLAIM_ENTITIES:
                            claim[CLAIM_ENTITIES[segment[1]]] = _entity(segment)
                            continue
                    self._number = number
                    if self._skipping and segment[0] not in _ENVELOPE:
                        continue
                    try:
                        handlers.get(segment[0], unknown)(segment)
                    except _BadElement as bad:
                        self._bad_segment(segment, f"expected {bad.expected}, found {bad.found!r}", bad.element)
                    except _Unexpected as unexpected:
                        self._bad_segment(segment, str(unexpected), None)
                    claim = self._claim
                    line = self._line
                    if out:
                        yield from out
                        out.clear()
        except X12SyntaxError as exc:
            self._problem(Severity.ERROR, exc.message, number=exc.segment_number, segment_id=exc.segment_id)
        self._number = number
        self._end_of_file()
        yield from out
        out.clear()

    def _problem(
        self,
        severity: Severity,
        message: str,
        *,
        number: int | None = None,
        segment_id: str | None = None,
        element: str | None = None,
    ) -> Problem:
        problem = Problem(
            severity=severity,
            message=message,
            segment_number=number,
            segment_id=segment_id,
            element=element,
            transaction=self._control,
        )
        self.problems.append(problem)
        return problem

    def _context(self) -> str:
        parts = []
        if self._control is not None:
            parts.append(f"transaction {self._control}")
        if self._claim is not None:
            parts.append(f"claim {self._claim.get('patient_control_number') or '(no CLP01)'}")
        return f" [{', '.join(parts)}]" if parts else ""

    def _report(self, severity: Severity, segment: list[str], message: str, element: str | None = None) -> Problem:
        segment_id = _segment_id(segment)
        text = f"{where(self._number, segment_id, element)}: {message}{self._context()}"
        return self._problem(severity, text, number=self._number, segment_id=segment_id, element=element)

    def _separator(self) -> str:
        delimiters = self._reader.delimiters
        return delimiters.element if delimiters else "*"

    def _warn(self, segment: list[str], message: str, element: str | None = None) -> None:
        self._report(Severity.WARNING, segment, message, element)

    def _bad_segment(self, segment: list[str], message: str, element: str | None) -> None:
        """An error in one segment: spoil the smallest enclosing unit and go on."""
        if self._claim is not None:
            self._claim_problems.append(self._report(Severity.ERROR, segment, message, element))
            self._claim["errors"].append(f"{where(self._number, segment[0], element)}: {message}")
        else:
            # Outside a claim (header, PLB, envelope, a misplaced segment): report it on the transaction
            # and go on. Only a transaction without a readable BPR is skipped, when its header ends.
            self._report(Severity.ERROR, segment, message, element)
            if self._control is not None and not self._skipping:
                self._totals["errors"].append(f"{where(self._number, _segment_id(segment), element)}: {message}")

    # --- envelope -----------------------------------------------------------------------------------

    def _on_ISA(self, segment: list[str]) -> None:
        self._close_transaction(missing="SE")
        self._close_group(missing="GE")
        self._close_interchange(missing="IEA")
        if len(segment) != 17:
            self._warn(segment, f"expected 16 elements, found {len(segment) - 1}")
        delimiters = self._reader.delimiters
        if delimiters is not None:
            self._component = delimiters.component
            if self._procedures.component != delimiters.component:
                self._procedures = _Procedures(delimiters.component)
        version = (_text(segment, 12) or "").strip()
        try:
            isa_date = yymmdd(segment[9].strip()) if len(segment) > 9 and segment[9].strip() else None
        except ElementError:
            isa_date = None
        self._interchange = {
            "control_number": (_text(segment, 13) or "").strip(),
            "sender_id": (_text(segment, 6) or "").strip(),
            "receiver_id": (_text(segment, 8) or "").strip(),
            "interchange_date": isa_date,
            "version": version,
            "usage": (_text(segment, 15) or "").strip(),
        }
        self._group_count = 0
        self._legacy = False
        if version and version < "00501":
            self._legacy_warning(segment, f"ISA12 {version}")

    def _legacy_warning(self, segment: list[str], found: str) -> None:
        if not self._legacy:
            self._legacy = True
            self._warn(
                segment,
                f"{found} is an X12 4010 interchange: read with the 5010 (005010X221A1) layout "
                "where the structure is the same; check the result",
            )

    def _on_GS(self, segment: list[str]) -> None:
        self._close_transaction(missing="SE")
        self._close_group(missing="GE")
        if self._interchange is None:
            raise _Unexpected("GS outside an interchange: expected ISA first")
        self._group_count += 1
        self._transaction_count = 0
        self._group = {"control_number": _text(segment, 6), "implementation": _text(segment, 8)}
        implementation = _text(segment, 8) or ""
        if implementation.startswith("004010"):
            self._legacy_warning(segment, f"GS08 {implementation}")

    def _on_ST(self, segment: list[str]) -> None:
        self._close_transaction(missing="SE")
        if self._group is None and not self._reader.envelope_missing:
            self._warn(segment, "ST outside a functional group: expected GS first")
        self._transaction_count += 1
        self._control = _text(segment, 2) or ""
        self._st_number = self._number
        self._skipping = False
        if _text(segment, 1) != "835":
            self._report(
                Severity.ERROR,
                segment,
                f"expected 835 (health care claim payment/advice), found {_text(segment, 1)!r}; "
                "the transaction set is skipped",
                "ST01",
            )
            self._skipping = True
            return
        envelope = self._interchange or {}
        group = self._group or {}
        interchange = Interchange.trusted(
            control_number=envelope.get("control_number", ""),
            sender_id=envelope.get("sender_id", ""),
            receiver_id=envelope.get("receiver_id", ""),
            interchange_date=envelope.get("interchange_date"),
            version=envelope.get("version", ""),
            usage=envelope.get("usage", ""),
            group_control_number=group.get("control_number"),
            implementation=group.get("implementation"),
        )
        self._header = {
            "control_number": self._control,
            "implementation_reference": _text(segment, 3),
            "segment_number": self._number,
            "interchange": interchange,
            "payment": None,
            "currency": None,
            "receiver_identifier": None,
            "version_identifier": None,
            "production_date": None,
            "payer": None,
            "payee": None,
            "unrecognized_segments": [],
        }
        self._payment = None
        self._party = None
        self._emitted_header = None
        self._group_header = None
        self._in_summary = False
        self._totals = {
            "claim_count": 0,
            "service_line_count": 0,
            "charge_total": ZERO,
            "paid_total": ZERO,
            "provider_adjustment_total": ZERO,
            "provider_adjustments": [],
            "header_groups": [],
            "unreadable_claim_count": 0,
            "balanced": True,
            "balance_errors": [],
            "complete": True,
            "unrecognized_segments": [],
            "errors": [],
        }

    def _on_SE(self, segment: list[str]) -> None:
        if self._control is None:
            raise _Unexpected("SE without its ST")
        self._flush_claim()
        if _text(segment, 2) != self._control:
            self._bad_segment(
                segment,
                f"expected SE02 {self._control!r} as in ST02, found {_text(segment, 2)!r}",
                "SE02",
            )
        declared = _text(segment, 1)
        counted = self._number - self._st_number + 1
        if declared != str(counted):
            self._bad_segment(
                segment,
                f"SE01 says {declared} segments but the transaction set has {counted}",
                "SE01",
            )
        self._close_transaction(missing=None)

    def _on_GE(self, segment: list[str]) -> None:
        self._close_transaction(missing="SE")
        if self._group is None:
            raise _Unexpected("GE without its GS")
        if _text(segment, 1) != str(self._transaction_count):
            self._bad_segment(
                segment,
                f"GE01 says {_text(segment, 1)} transaction sets but the group has {self._transaction_count}",
                "GE01",
            )
        if _text(segment, 2) != self._group["control_number"]:
            self._bad_segment(
                segment,
                f"expected GE02 {self._group['control_number']!r} as in GS06, found {_text(segment, 2)!r}",
                "GE02",
            )
        self._group = None

    def _on_IEA(self, segment: list[str]) -> None:
        self._close_transaction(missing="SE")
        self._close_group(missing="GE")
        if self._interchange is None:
            raise _Unexpected("IEA without its ISA")
        if _text(segment, 1) != str(self._group_count):
            self._bad_segment(
                segment,
                f"IEA01 says {_text(segment, 1)} functional groups but the interchange has {self._group_count}",
                "IEA01",
            )
        if _text(segment, 2) != self._interchange["control_number"]:
            self._bad_segment(
                segment,
                f"expected IEA02 {self._interchange['control_number']!r} as in ISA13, found {_text(segment, 2)!r}",
                "IEA02",
            )
        self._interchange = None

    def _missing(self, what: str, closing: str) -> None:
        place = "the end of the file" if self._at_end else where(self._number, None)
        self._problem(
            Severity.ERROR,
            f"{place}: {closing} has no {what}: expected {what} before this point{self._context()}",
            number=self._number,
        )

    def _close_group(self, missing: str) -> None:
        if self._group is not None:
            self._missing(missing, f"functional group {self._group['control_number']}")
            self._group = None

    def _close_interchange(self, missing: str) -> None:
        if self._interchange is not None:
            self._missing(missing, f"interchange {self._interchange['control_number']}")
            self._interchange = None

    def _end_of_file(self) -> None:
        self._at_end = True
        self._number += 1  # what is still open ends just past the last segment
        self._close_transaction(missing="SE")
        self._close_group(missing="GE")
        self._close_interchange(missing="IEA")
        if self._reader.envelope_missing:
            self._problem(
                Severity.WARNING,
                "the file has no ISA interchange header: delimiters were inferred from the first ST; "
                "sender, receiver and control numbers are unknown",
                number=1,
            )
        if self._reader.replaced_characters:
            self._problem(Severity.WARNING, "the file is not valid UTF-8: unreadable bytes were replaced by U+FFFD")
        if self._reader.unterminated_tail:
            self._problem(Severity.WARNING, "the last segment has no segment terminator")

    # --- transaction --------------------------------------------------------------------------------

    def _close_transaction(self, missing: str | None) -> None:
        if self._control is None:
            return
        if missing is not None:
            self._missing(missing, f"transaction set {self._control}")
            self._totals["complete"] = False
        if not self._skipping:
            self._flush_claim()
            header = self._emitted_header or self._emit_header(None)
            if header is not None:
                totals = self._totals
                error = balancing.transaction_balance_error(
                    self._control,
                    totals["paid_total"],
                    totals["provider_adjustment_total"],
                    header.payment.amount,
                )
                if error is not None:
                    totals["balance_errors"].insert(0, error)
                if (
                    totals["balance_errors"]
                    or totals["errors"]
                    or totals["unreadable_claim_count"]
                    or not totals["complete"]
                ):
                    totals["balanced"] = False
                self.transactions_read += 1
                self._out.append(TransactionEnd.trusted(header=header, totals=TransactionTotals.trusted(totals)))
        self._control = None
        self._skipping = False
        self._claim = None
        self._line = None

    def _emit_header(self, segment: list[str] | None) -> TransactionHeader | None:
        """The header ends at the first LX, CLP, PLB or SE; emit it (once) or skip an unusable set."""
        if self._emitted_header is not None:
            return self._emitted_header
        header = self._header
        if header is None or self._payment is None:
            label = f"segment {self._number} ({segment[0]})" if segment else "the end of the transaction set"
            self._problem(
                Severity.ERROR,
                f"{label}: expected BPR before it; the transaction set cannot be read{self._context()}",
                number=self._number,
                segment_id=segment[0] if segment else None,
            )
            self._skipping = True
            return None
        if self._payment.get("trace_number") is None:
            self._problem(
                Severity.WARNING,
                f"transaction {self._control}: no TRN; the payment cannot be reassociated with its deposit",
                number=header["segment_number"],
                segment_id="ST",
            )
        self._party = None
        header["payment"] = Payment.trusted(self._payment)
        for role in ("payer", "payee"):
            party = header[role]
            if party is not None:
                address = party["address"]
                party["address"] = None if address is None else Address.trusted(address)
                header[role] = Party.trusted(party)
        emitted = TransactionHeader.trusted(header)
        self._emitted_header = emitted
        self._out.append(emitted)
        return emitted

    def _header_segment(self, segment: list[str]) -> None:
        if self._control is None:
            raise _Unexpected(f"{segment[0]} outside a transaction set: expected ST first")
        if self._emitted_header is not None:
            raise _Unexpected(f"{segment[0]} belongs in the transaction header, before the first LX or CLP")

    def _on_BPR(self, segment: list[str]) -> None:
        self._header_segment(segment)
        if self._payment is not None:
            raise _Unexpected("a second BPR in one transaction set")
        values = self._flat(Payment, segment)
        for element in (1, 3, 4):
            _required_text(segment, element)
        values["amount"] = _required_amount(segment, 2)
        values.update(
            trace_type=None,
            trace_number=None,
            payer_identifier=None,
            trace_originating_supplemental_code=None,
        )
        self._payment = values

    def _on_TRN(self, segment: list[str]) -> None:
        self._header_segment(segment)
        if self._payment is None:
            raise _Unexpected("TRN before BPR")
        self._payment["trace_type"] = _text(segment, 1)
        self._payment["trace_number"] = _required_text(segment, 2, "the check or EFT trace number")
        self._payment["payer_identifier"] = _text(segment, 3)
        self._payment["trace_originating_supplemental_code"] = _text(segment, 4)

    def _on_CUR(self, segment: list[str]) -> None:
        self._header_segment(segment)
        assert self._header is not None
        self._header["currency"] = _required_text(segment, 2, "a currency code")

    def _on_N1(self, segment: list[str]) -> None:
        self._header_segment(segment)
        assert self._header is not None
        code = _required_text(segment, 1, "PR (payer) or PE (payee)")
        qualifier, identifier = _text(segment, 3), _text(segment, 4)
        party: dict[str, Any] = {
            "entity_code": code,
            "name": _text(segment, 2),
            "identifier_qualifier": qualifier,
            "identifier": identifier,
            "npi": identifier if qualifier == "XX" else None,
            "address": None,
            "references": [],
            "contacts": [],
            "remittance_delivery": None,
        }
        self._party = party
        if code in ("PR", "PE"):
            self._header["payer" if code == "PR" else "payee"] = party
        else:
            # Its N3/N4/REF still land in `party`, which is then dropped with the warning.
            self._warn(segment, f"expected PR (payer) or PE (payee), found {code!r}; kept as unrecognized", "N101")
            self._header["unrecognized_segments"].append(self._separator().join(segment))

    def _party_segment(self, segment: list[str]) -> dict[str, Any]:
        self._header_segment(segment)
        if self._party is None:
            raise _Unexpected(f"{segment[0]} outside a payer or payee loop: expected N1 first")
        return self._party

    def _address(self, segment: list[str]) -> dict[str, Any]:
        party = self._party_segment(segment)
        if party["address"] is None:
            party["address"] = dict.fromkeys(Address.model_fields)
        address: dict[str, Any] = party["address"]
        return address

    def _on_N3(self, segment: list[str]) -> None:
        self._address(segment).update(line1=_required_text(segment, 1, "an address line"), line2=_text(segment, 2))

    def _on_N4(self, segment: list[str]) -> None:
        self._address(segment).update(
            city=_text(segment, 1),
            state=_text(segment, 2),
            postal_code=_text(segment, 3),
            country_code=_text(segment, 4),
            country_subdivision=_text(segment, 7),
        )

    def _on_RDM(self, segment: list[str]) -> None:
        party = self._party_segment(segment)
        party["remittance_delivery"] = RemittanceDelivery.trusted(
            method=_required_text(segment, 1, "a delivery method"),
            name=_text(segment, 2),
            communication_number=_text(segment, 3),
        )

    def _on_PER(self, segment: list[str]) -> None:
        communications = [
            Communication.trusted(qualifier=segment[i], number=segment[i + 1])
            for i in (3, 5, 7)
            if i + 1 < len(segment) and segment[i] and segment[i + 1]
        ]
        contact = Contact.trusted(
            function_code=_required_text(segment, 1, "a contact function code"),
            name=_text(segment, 2),
            communications=communications,
        )
        if self._claim is not None:
            self._claim["contacts"].append(contact)
        else:
            self._party_segment(segment)["contacts"].append(contact)

    def _on_REF(self, segment: list[str]) -> None:
        qualifier = _required_text(segment, 1, "a reference qualifier")
        value = _required_text(segment, 2, "a reference value")
        if self._line is not None:
            if qualifier == "6R":
                self._line["line_control_number"] = value
                return
            target = self._line["references"]
        elif self._claim is not None:
            target = self._claim["references"]
        else:
            self._header_segment(segment)
            assert self._header is not None
            if self._party is not None:
                target = self._party["references"]
            elif qualifier == "EV":
                self._header["receiver_identifier"] = value
                return
            elif qualifier == "F2":
                self._header["version_identifier"] = value
                return
            else:
                self._warn(
                    segment,
                    f"expected EV or F2 in the transaction header, found {qualifier!r}; kept as unrecognized",
                    "REF01",
                )
                self._header["unrecognized_segments"].append(self._separator().join(segment))
                return
        target.append(_reference(segment))

    def _on_DTM(self, segment: list[str]) -> None:
        qualifier = _required_text(segment, 1, "a date qualifier")
        if not _text(segment, 2):
            raise _BadElement("DTM02", "a date CCYYMMDD", "nothing")
        value = self._date(segment, 2)
        if value is None:
            return
        if self._line is not None:
            field = LINE_DATES.get(qualifier)
            target = self._line
        elif self._claim is not None:
            field = CLAIM_DATES.get(qualifier)
            target = self._claim
        else:
            self._header_segment(segment)
            assert self._header is not None
            if qualifier != "405":
                self._warn(
                    segment,
                    f"expected 405 (production date) in the transaction header, found "
                    f"{qualifier!r}; kept as unrecognized",
                    "DTM01",
                )
                self._header["unrecognized_segments"].append(self._separator().join(segment))
            else:
                self._header["production_date"] = value
            return
        if field is None:
            self._warn(segment, f"date qualifier {qualifier} is not defined here; kept under other_dates", "DTM01")
            target["other_dates"].append(DateEntry.trusted(qualifier=qualifier, value=value))
        else:
            target[field] = value

    def _on_unknown(self, segment: list[str]) -> None:
        if self._control is None:
            self._warn(segment, "unknown segment outside a transaction set; ignored")
            return
        raw = self._separator().join(segment)
        if self._line is not None:
            self._line["unrecognized_segments"].append(raw)
        elif self._claim is not None:
            self._claim["unrecognized_segments"].append(raw)
        elif self._emitted_header is None:
            assert self._header is not None
            self._header["unrecognized_segments"].append(raw)
        else:
            self._totals["unrecognized_segments"].append(raw)
        self._warn(segment, "segment not defined in the 835; kept as unrecognized")

    # --- 2000 header number -------------------------------------------------------------------------

    def _detail_segment(self, segment: list[str]) -> None:
        if self._control is None:
            raise _Unexpected(f"{segment[0]} outside a transaction set: expected ST first")
        if self._in_summary:
            raise _Unexpected(f"{segment[0]} after PLB: provider adjustments end the transaction set")
        self._emit_header(segment)

    def _on_LX(self, segment: list[str]) -> None:
        self._flush_claim()
        self._detail_segment(segment)
        if self._skipping:
            return
        group = HeaderGroup.trusted(
            header_number=_required_text(segment, 1, "a header number"),
            provider_summary=None,
            supplemental_summary=None,
        )
        self._group_header = group
        self._totals["header_groups"].append(group)

    def _on_TS3(self, segment: list[str]) -> None:
        if self._group_header is None or self._claim is not None:
            raise _Unexpected("TS3 belongs right after LX")
        self._group_header.provider_summary = ProviderSummary.trusted(self._flat(ProviderSummary, segment))

    def _on_TS2(self, segment: list[str]) -> None:
        if self._group_header is None or self._claim is not None:
            raise _Unexpected("TS2 belongs right after LX and TS3")
        self._group_header.supplemental_summary = ProviderSupplementalSummary.trusted(
            self._flat(ProviderSupplementalSummary, segment)
        )

    # --- 2100 claim payment -------------------------------------------------------------------------

    def _on_CLP(self, segment: list[str]) -> None:
        self._flush_claim()
        self._detail_segment(segment)
        if self._skipping:
            return
        claim = _CLAIM_TEMPLATE.copy()
        claim["segment_number"] = self._number
        claim["header_number"] = self._group_header.header_number if self._group_header else None
        claim["patient_control_number"] = _text(segment, 1)
        for name in _CLAIM_LISTS:
            claim[name] = []
        self._claim = claim
        self._claim_problems = []
        self._line = None
        _required_text(segment, 1, "the patient control number")
        status = _required_text(segment, 2, "a claim status code")
        claim["status_code"] = status
        claim["charge_amount"] = _required_amount(segment, 3)
        claim["paid_amount"] = _required_amount(segment, 4)
        claim["patient_responsibility"] = _amount(segment, 5)
        claim["claim_filing_indicator"] = _text(segment, 6)
        claim["payer_claim_control_number"] = _text(segment, 7)
        claim["facility_type_code"] = _text(segment, 8)
        claim["frequency_code"] = _text(segment, 9)
        claim["drg_code"] = _text(segment, 11)
        claim["drg_weight"] = _amount(segment, 12)
        claim["discharge_fraction"] = _amount(segment, 13)
        if status not in CLAIM_STATUS_CODES:
            self._warn(segment, f"claim status {status!r} is not a 5010 CLP02 code", "CLP02")

    def _claim_segment(self, segment: list[str]) -> dict[str, Any]:
        if self._claim is None:
            raise _Unexpected(f"{segment[0]} outside a claim payment: expected CLP first")
        return self._claim

    def _on_CAS(self, segment: list[str]) -> None:
        target = self._line if self._line is not None else self._claim_segment(segment)
        group = _required_text(segment, 1, "an adjustment group code")
        # CR, the 4010 correction and reversal group, is accepted in 4010 files only.
        if group not in ADJUSTMENT_GROUPS and (group != "CR" or not self._legacy):
            raise _BadElement("CAS01", "an adjustment group CO, OA, PI or PR", group)
        adjustments = target["adjustments"]
        if len(segment) < 3 or not segment[2]:
            raise _BadElement("CAS02", "an adjustment reason code", "nothing")
        for reason_at in range(2, min(len(segment), 18), 3):
            reason = segment[reason_at]
            if not reason:
                continue
            adjustments.append(
                Adjustment.trusted(
                    group=group,
                    reason=reason,
                    amount=_required_amount(segment, reason_at + 1),
                    quantity=_amount(segment, reason_at + 2),
                )
            )

    def _on_NM1(self, segment: list[str]) -> None:
        claim = self._claim_segment(segment)
        if self._line is not None:
            raise _Unexpected("NM1 belongs to the claim, before its first SVC")
        code = _required_text(segment, 1, "an entity identifier code")
        field = CLAIM_ENTITIES.get(code)
        if field is None:
            raise _BadElement("NM101", "one of " + ", ".join(CLAIM_ENTITIES), code)
        claim[field] = _entity(segment)

    def _on_MIA(self, segment: list[str]) -> None:
        claim = self._claim_segment(segment)
        claim["inpatient_adjudication"] = InpatientAdjudication.trusted(self._flat(InpatientAdjudication, segment))

    def _on_MOA(self, segment: list[str]) -> None:
        claim = self._claim_segment(segment)
        claim["outpatient_adjudication"] = OutpatientAdjudication.trusted(self._flat(OutpatientAdjudication, segment))

    def _on_AMT(self, segment: list[str]) -> None:
        target = self._line if self._line is not None else self._claim_segment(segment)
        qualifier = _required_text(segment, 1, "an amount qualifier")
        amount = _required_amount(segment, 2)
        if qualifier == "B6" and self._line is not None:
            target["allowed_amount"] = amount
        else:
            target["amounts"].append(AmountEntry.trusted(qualifier=qualifier, amount=amount))

    def _on_QTY(self, segment: list[str]) -> None:
        target = self._line if self._line is not None else self._claim_segment(segment)
        target["quantities"].append(
            QuantityEntry.trusted(
                qualifier=_required_text(segment, 1, "a quantity qualifier"),
                quantity=_required_amount(segment, 2),
            )
        )

    # --- 2110 service payment -----------------------------------------------------------------------

    def _procedure(self, segment: list[str], index: int) -> Procedure | None:
        value = segment[index] if index < len(segment) else ""
        if not value:
            return None
        parts = value.split(self._component)
        if len(parts) == 1:
            element = _name(segment, index)
            # Some payers use another separator than the ISA16 they declare; read it and say so.
            for other in ":>^":
                if other != self._component and other in value:
                    parts = value.split(other)
                    self._warn(segment, f"composite uses {other!r} but ISA16 declares {self._component!r}", element)
                    break
        if len(parts) < 2 or not parts[0] or not parts[1]:
            self._soft_error(
                segment,
                f"expected a procedure qualifier:code composite such as HC:99213, found {value!r}",
                _name(segment, index),
            )
            parts = [*parts, ""] if len(parts) == 1 else parts
        return Procedure.trusted(
            qualifier=parts[0],
            code=parts[1],
            modifiers=tuple(m for m in parts[2:6] if m),
            description=parts[6] if len(parts) > 6 and parts[6] else None,
        )

    def _on_SVC(self, segment: list[str]) -> None:
        claim = self._claim_segment(segment)
        self._totals["service_line_count"] += 1
        try:
            procedure = self._procedure(segment, 1)
            if procedure is None:
                raise _BadElement("SVC01", "a procedure qualifier:code composite such as HC:99213", "nothing")
            charge = _required_amount(segment, 2)
            paid = _required_amount(segment, 3)
            units = _amount(segment, 5)
            original = self._procedure(segment, 6)
            original_units = _amount(segment, 7)
        except _BadElement:
            # The unreadable line still takes its DTM/CAS/REF/AMT, so they are never mistaken for
            # claim-level segments; it does not join the claim.
            self._line = _line(self._number, None, None, None, None, ONE, None, None)
            raise
        self._line = _line(
            self._number,
            procedure,
            charge,
            paid,
            _text(segment, 4),
            ONE if units is None else units,
            original,
            original_units,
        )
        claim["service_lines"].append(self._line)

    def _on_LQ(self, segment: list[str]) -> None:
        if self._line is None:
            raise _Unexpected("LQ outside a service line: expected SVC first")
        self._line["remarks"].append(_required_text(segment, 2, "a remark code"))

    # --- PLB and claim completion -------------------------------------------------------------------

    def _on_PLB(self, segment: list[str]) -> None:
        self._flush_claim()
        self._in_summary = False  # PLB repeats; only other detail segments are out of place after it
        self._detail_segment(segment)
        if self._skipping:
            return
        provider = _required_text(segment, 1, "the provider identifier")
        fiscal_date = self._date(segment, 2)
        adjustments = []
        for reason_at in (3, 5, 7, 9, 11, 13):
            composite = segment[reason_at] if reason_at < len(segment) else ""
            if not composite:
                if reason_at == 3:
                    raise _BadElement("PLB03", "an adjustment reason code", "nothing")
                continue
            reason, _, reference = composite.partition(self._component)
            adjustments.append(
                ProviderAdjustment.trusted(
                    provider_identifier=provider,
                    fiscal_period_date=fiscal_date,
                    reason=reason,
                    reference=reference or None,
                    amount=_required_amount(segment, reason_at + 1),
                )
            )
        totals = self._totals
        totals["provider_adjustments"].extend(adjustments)
        totals["provider_adjustment_total"] += sum((a.amount for a in adjustments), ZERO)
        self._in_summary = True

    def _flush_claim(self) -> None:
        claim = self._claim
        if claim is None:
            return
        self._line = None
        self._claim = None
        totals = self._totals
        if (
            claim["patient_control_number"] is None
            or claim["status_code"] is None
            or claim["charge_amount"] is None
            or claim["paid_amount"] is None
        ):
            totals["unreadable_claim_count"] += 1
            paid = claim.get("paid_amount")
            if paid is not None:
                totals["paid_total"] += paid
            totals["balance_errors"].append(
                f"claim {claim.get('patient_control_number')} (segment {claim['segment_number']}) could not be "
                "read; see errors"
            )
            self._out.append(
                BrokenClaim.model_construct(
                    transaction=self._control or "",
                    segment_number=claim["segment_number"],
                    last_segment_number=self._number - 1,
                    patient_control_number=claim.get("patient_control_number"),
                    status_code=claim.get("status_code"),
                    charge_amount=claim.get("charge_amount"),
                    paid_amount=paid,
                    payer_claim_control_number=claim.get("payer_claim_control_number"),
                    problems=self._claim_problems,
                )
            )
            self._claim_problems = []
            return
        lines = claim["service_lines"]
        for index, line in enumerate(lines):
            if line["service_date"] is None:
                line["service_date"] = line["service_period_start"]
            lines[index] = build(ServiceLine, line)
        # Both dicts began as copies of their model's field template, so they hold its fields exactly.
        model = build(ClaimPayment, claim)
        errors = balancing.claim_balance_errors(model)
        if errors:
            totals["balance_errors"].extend(errors)
        # `claim` is the model's __dict__: read it rather than the model's attributes, which cost more.
        if claim["errors"]:
            model.balanced = False
            totals["balance_errors"].append(
                f"claim {claim['patient_control_number']} (segment {claim['segment_number']}) has unreadable "
                "segments; see its errors"
            )
        self._claim_problems = []
        totals["claim_count"] += 1
        totals["charge_total"] += claim["charge_amount"]
        totals["paid_total"] += claim["paid_amount"]
        self._out.append(model)


def parse_835(source: ByteSource) -> Remittance:
    """Read a whole 835 into memory (tests, small files, the CLI). Use RemittanceParser to stream."""
    parser = RemittanceParser(source)
    transactions: list[Transaction] = []
    claims: list[ClaimPayment] = []
    broken: list[BrokenClaim] = []
    for event in parser:
        if isinstance(event, TransactionHeader):
            claims, broken = [], []
        elif isinstance(event, ClaimPayment):
            claims.append(event)
        elif isinstance(event, TransactionEnd):
            transactions.append(
                Transaction.model_construct(
                    header=event.header, claims=claims, broken_claims=broken, totals=event.totals
                )
            )
            claims, broken = [], []
        elif isinstance(event, BrokenClaim):
            broken.append(event)
    return Remittance.model_construct(transactions=transactions, problems=parser.problems)


__all__ = ["BrokenClaim", "Event", "RemittanceParser", "TransactionEnd", "parse_835"]
