"""The 835's segments inside a transaction set, one handler each: the header (BPR, TRN, CUR, REF, DTM,
N1 with N3/N4/REF/PER/RDM), the 2000 header number (LX, TS3, TS2), the 2100 claim payment (CLP, CAS,
NM1, MIA, MOA, DTM, PER, AMT, QTY, REF), the 2110 service payment (SVC, CAS, DTM, REF, AMT, QTY, LQ)
and the summary (PLB). Each reads its segment in full into the reader state; an element that does
not read raises BadElement, a segment out of place Unexpected.

The parser's hot loop reads the common shape of the most frequent claim segments itself (see
`fast_paths`); whatever does not fit comes here."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from remitflow.x12.builders import CLAIM_LISTS, CLAIM_TEMPLATE, LINE_LISTS, LINE_TEMPLATE, ONE, entity, reference
from remitflow.x12.claims import close_claim
from remitflow.x12.codes import ADJUSTMENT_GROUPS, CLAIM_DATES, CLAIM_ENTITIES, CLAIM_STATUS_CODES, LINE_DATES
from remitflow.x12.elements import (
    BadElement,
    Unexpected,
    element_name,
    optional_amount,
    optional_text,
    required_text,
)
from remitflow.x12.envelope import emit_header
from remitflow.x12.models import (
    Address,
    Adjustment,
    AmountEntry,
    Communication,
    Contact,
    DateEntry,
    FlatSegment,
    HeaderGroup,
    InpatientAdjudication,
    OutpatientAdjudication,
    Payment,
    Procedure,
    ProviderAdjustment,
    ProviderSummary,
    ProviderSupplementalSummary,
    QuantityEntry,
    RemittanceDelivery,
)
from remitflow.x12.state import MAX_LISTED_IN_CLAIM, MAX_LISTED_IN_TRANSACTION, ReaderState, segment_label
from remitflow.x12.tokenizer import MAX_ELEMENT_LENGTH, MAX_SEGMENT_LENGTH, TOO_LONG
from remitflow.x12.values import ElementError, ccyymmdd, number_or_none

ZERO = Decimal(0)

# --- element values read with the state's help ----------------------------------------------------

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


def flat_values(state: ReaderState, model: type[FlatSegment], segment: list[str]) -> dict[str, Any]:
    """Field values of a FlatSegment model from its element positions, converted by field type."""
    values: dict[str, Any] = {}
    for field, position, kind in _flat_plan(model):
        if isinstance(position, tuple):
            values[field] = [segment[i] for i in position if i < len(segment) and segment[i]]
        elif kind == "number":
            values[field] = amount_of(state, segment, position)
        elif kind == "date":
            values[field] = date_element(state, segment, position)
        else:
            values[field] = optional_text(segment, position)
    return values


def amount_of(state: ReaderState, segment: list[str], index: int) -> Decimal | None:
    """`optional_amount`, also taking a number with spaces around it (' 12.50', '1 '): the 835 allows
    none, but files have them. It is read with a warning, one per element (CLP04, SVC05...) a file."""
    try:
        return optional_amount(segment, index)
    except BadElement:
        value = segment[index]
        stripped = value.strip(" ")
        result = number_or_none(stripped) if stripped != value else None
        if result is None:
            raise
        state.padded_number(segment, element_name(segment, index), value, stripped)
        return result


def required_amount_of(state: ReaderState, segment: list[str], index: int) -> Decimal:
    """`required_amount`, taking a number with spaces around it as `amount_of` does."""
    value = amount_of(state, segment, index)
    if value is None:
        raise BadElement(element_name(segment, index), "a decimal number", "nothing")
    return value


def date_element(state: ReaderState, segment: list[str], index: int) -> Any:
    """A date, or None with an error reported: a bad date never hides the money around it."""
    value = segment[index] if index < len(segment) else ""
    if not value:
        return None
    try:
        return ccyymmdd(value)
    except ElementError as exc:
        state.soft_error(segment, f"expected {exc.expected}, found {value!r}; left empty", element_name(segment, index))
        return None


def _new_line(
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
    line = LINE_TEMPLATE.copy()
    line["segment_number"] = number
    line["procedure"] = procedure
    line["charge_amount"] = charge
    line["paid_amount"] = paid
    line["revenue_code"] = revenue_code
    line["units"] = units
    line["original_procedure"] = original
    line["original_units"] = original_units
    for name in LINE_LISTS:
        line[name] = []
    return line


# --- transaction header; PER, REF and DTM at every level ----------------------------------------------


def _in_header(state: ReaderState, segment: list[str]) -> None:
    if state.control is None:
        raise Unexpected(f"{segment[0]} outside a transaction set: expected ST first")
    if state.emitted_header is not None:
        raise Unexpected(f"{segment[0]} belongs in the transaction header, before the first LX or CLP")


def read_bpr(state: ReaderState, segment: list[str]) -> None:
    _in_header(state, segment)
    if state.payment is not None:
        raise Unexpected("a second BPR in one transaction set")
    values = flat_values(state, Payment, segment)
    for element in (1, 3, 4):
        required_text(segment, element)
    values["amount"] = required_amount_of(state, segment, 2)
    values.update(
        trace_type=None,
        trace_number=None,
        payer_identifier=None,
        trace_originating_supplemental_code=None,
    )
    state.payment = values


def read_trn(state: ReaderState, segment: list[str]) -> None:
    _in_header(state, segment)
    if state.payment is None:
        raise Unexpected("TRN before BPR")
    state.payment["trace_type"] = optional_text(segment, 1)
    state.payment["trace_number"] = required_text(segment, 2, "the check or EFT trace number")
    state.payment["payer_identifier"] = optional_text(segment, 3)
    state.payment["trace_originating_supplemental_code"] = optional_text(segment, 4)


def read_cur(state: ReaderState, segment: list[str]) -> None:
    _in_header(state, segment)
    assert state.header is not None
    state.header["currency"] = required_text(segment, 2, "a currency code")


def read_n1(state: ReaderState, segment: list[str]) -> None:
    _in_header(state, segment)
    assert state.header is not None
    code = required_text(segment, 1, "PR (payer) or PE (payee)")
    qualifier, identifier = optional_text(segment, 3), optional_text(segment, 4)
    party: dict[str, Any] = {
        "entity_code": code,
        "name": optional_text(segment, 2),
        "identifier_qualifier": qualifier,
        "identifier": identifier,
        "npi": identifier if qualifier == "XX" else None,
        "address": None,
        "references": [],
        "contacts": [],
        "remittance_delivery": None,
    }
    state.party = party
    if code in ("PR", "PE"):
        state.header["payer" if code == "PR" else "payee"] = party
    else:
        # Its N3/N4/REF still land in `party`, which is then dropped with the warning.
        state.warn(segment, f"expected PR (payer) or PE (payee), found {code!r}; kept as unrecognized", "N101")
        state.header["unrecognized_segments"].append(state.separator().join(segment))


def _party_segment(state: ReaderState, segment: list[str]) -> dict[str, Any]:
    _in_header(state, segment)
    if state.party is None:
        raise Unexpected(f"{segment[0]} outside a payer or payee loop: expected N1 first")
    return state.party


def _address(state: ReaderState, segment: list[str]) -> dict[str, Any]:
    party = _party_segment(state, segment)
    if party["address"] is None:
        party["address"] = dict.fromkeys(Address.model_fields)
    address: dict[str, Any] = party["address"]
    return address


def read_n3(state: ReaderState, segment: list[str]) -> None:
    _address(state, segment).update(line1=required_text(segment, 1, "an address line"), line2=optional_text(segment, 2))


def read_n4(state: ReaderState, segment: list[str]) -> None:
    _address(state, segment).update(
        city=optional_text(segment, 1),
        state=optional_text(segment, 2),
        postal_code=optional_text(segment, 3),
        country_code=optional_text(segment, 4),
        country_subdivision=optional_text(segment, 7),
    )


def read_rdm(state: ReaderState, segment: list[str]) -> None:
    party = _party_segment(state, segment)
    party["remittance_delivery"] = RemittanceDelivery.trusted(
        method=required_text(segment, 1, "a delivery method"),
        name=optional_text(segment, 2),
        communication_number=optional_text(segment, 3),
    )


def read_per(state: ReaderState, segment: list[str]) -> None:
    communications = [
        Communication.trusted(qualifier=segment[i], number=segment[i + 1])
        for i in (3, 5, 7)
        if i + 1 < len(segment) and segment[i] and segment[i + 1]
    ]
    contact = Contact.trusted(
        function_code=required_text(segment, 1, "a contact function code"),
        name=optional_text(segment, 2),
        communications=communications,
    )
    if state.claim is not None:
        state.claim["contacts"].append(contact)
    else:
        _party_segment(state, segment)["contacts"].append(contact)


def read_ref(state: ReaderState, segment: list[str]) -> None:
    qualifier = required_text(segment, 1, "a reference qualifier")
    value = required_text(segment, 2, "a reference value")
    if state.line is not None:
        if qualifier == "6R":
            state.line["line_control_number"] = value
            return
        target = state.line["references"]
    elif state.claim is not None:
        target = state.claim["references"]
    else:
        _in_header(state, segment)
        assert state.header is not None
        if state.party is not None:
            target = state.party["references"]
        elif qualifier == "EV":
            state.header["receiver_identifier"] = value
            return
        elif qualifier == "F2":
            state.header["version_identifier"] = value
            return
        else:
            state.warn(
                segment,
                f"expected EV or F2 in the transaction header, found {qualifier!r}; kept as unrecognized",
                "REF01",
            )
            state.header["unrecognized_segments"].append(state.separator().join(segment))
            return
    target.append(reference(segment))


def read_dtm(state: ReaderState, segment: list[str]) -> None:
    qualifier = required_text(segment, 1, "a date qualifier")
    if not optional_text(segment, 2):
        raise BadElement("DTM02", "a date CCYYMMDD", "nothing")
    value = date_element(state, segment, 2)
    if value is None:
        return
    if state.line is not None:
        field = LINE_DATES.get(qualifier)
        target = state.line
    elif state.claim is not None:
        field = CLAIM_DATES.get(qualifier)
        target = state.claim
    else:
        _in_header(state, segment)
        assert state.header is not None
        if qualifier != "405":
            state.warn(
                segment,
                f"expected 405 (production date) in the transaction header, found {qualifier!r}; kept as unrecognized",
                "DTM01",
            )
            state.header["unrecognized_segments"].append(state.separator().join(segment))
        else:
            state.header["production_date"] = value
        return
    if field is None:
        state.warn(segment, f"date qualifier {qualifier} is not defined here; kept under other_dates", "DTM01")
        target["other_dates"].append(DateEntry.trusted(qualifier=qualifier, value=value))
    else:
        target[field] = value


def read_too_long(state: ReaderState, segment: list[str]) -> None:
    """A segment the tokenizer would not hold (see tokenizer.TOO_LONG): an error at its position that
    spoils its claim, or its transaction's balance, and the file reads on."""
    _, segment_id, position, length = segment
    found = [segment_id or "?"]
    if position == "0":
        message = (
            f"expected a segment terminator within {MAX_SEGMENT_LENGTH:,} characters (no 835 segment is near "
            f"that long), found a segment of {int(length):,}; it was not read"
        )
        state.bad_segment(found, message, None)
    else:
        message = (
            f"expected an element of at most {MAX_ELEMENT_LENGTH:,} characters (no 835 element is near that "
            f"long), found {int(length):,}; the segment was not read"
        )
        state.bad_segment(found, message, f"{segment_id}{int(position):02d}")


def read_unknown(state: ReaderState, segment: list[str]) -> None:
    label = segment_label(segment)
    found = repr(label) if label == segment[0] else label
    if state.control is None:
        state.warn(segment, f"{found} is not an 835 segment (outside a transaction set); not read")
        if state.unread_outside is None:
            state.unread_outside = (state.number, label)
        return
    if state.line is not None:
        kept, limit = state.line["unrecognized_segments"], MAX_LISTED_IN_CLAIM
    elif state.claim is not None:
        kept, limit = state.claim["unrecognized_segments"], MAX_LISTED_IN_CLAIM
    elif state.emitted_header is None:
        assert state.header is not None
        kept, limit = state.header["unrecognized_segments"], MAX_LISTED_IN_TRANSACTION
    else:
        kept, limit = state.totals["unrecognized_segments"], MAX_LISTED_IN_TRANSACTION
    if len(kept) < limit:
        kept.append(state.separator().join(segment))
        state.warn(segment, f"{found} is not an 835 segment; kept as unrecognized")
    else:
        state.warn(
            segment, f"{found} is not an 835 segment; not kept, {limit:,} unrecognized segments are here already"
        )


# --- 2000 header number -------------------------------------------------------------------------


def _in_detail(state: ReaderState, segment: list[str]) -> None:
    if state.control is None:
        raise Unexpected(f"{segment[0]} outside a transaction set: expected ST first")
    if state.in_summary:
        raise Unexpected(f"{segment[0]} after PLB: provider adjustments end the transaction set")
    emit_header(state, segment)


def read_lx(state: ReaderState, segment: list[str]) -> None:
    close_claim(state)
    _in_detail(state, segment)
    if state.skipping:
        return
    group = HeaderGroup.trusted(
        header_number=required_text(segment, 1, "a header number"),
        provider_summary=None,
        supplemental_summary=None,
    )
    state.group_header = group
    state.totals["header_groups"].append(group)


def read_ts3(state: ReaderState, segment: list[str]) -> None:
    if state.group_header is None or state.claim is not None:
        raise Unexpected("TS3 belongs right after LX")
    state.group_header.provider_summary = ProviderSummary.trusted(flat_values(state, ProviderSummary, segment))


def read_ts2(state: ReaderState, segment: list[str]) -> None:
    if state.group_header is None or state.claim is not None:
        raise Unexpected("TS2 belongs right after LX and TS3")
    state.group_header.supplemental_summary = ProviderSupplementalSummary.trusted(
        flat_values(state, ProviderSupplementalSummary, segment)
    )


# --- 2100 claim payment -------------------------------------------------------------------------


def read_clp(state: ReaderState, segment: list[str]) -> None:
    close_claim(state)
    _in_detail(state, segment)
    if state.skipping:
        return
    claim = CLAIM_TEMPLATE.copy()
    claim["segment_number"] = state.number
    claim["header_number"] = state.group_header.header_number if state.group_header else None
    claim["patient_control_number"] = optional_text(segment, 1)
    for name in CLAIM_LISTS:
        claim[name] = []
    state.claim = claim
    state.claim_problems = []
    state.line = None
    required_text(segment, 1, "the patient control number")
    status = required_text(segment, 2, "a claim status code")
    claim["status_code"] = status
    claim["charge_amount"] = required_amount_of(state, segment, 3)
    claim["paid_amount"] = required_amount_of(state, segment, 4)
    claim["patient_responsibility"] = amount_of(state, segment, 5)
    claim["claim_filing_indicator"] = optional_text(segment, 6)
    claim["payer_claim_control_number"] = optional_text(segment, 7)
    claim["facility_type_code"] = optional_text(segment, 8)
    claim["frequency_code"] = optional_text(segment, 9)
    claim["drg_code"] = optional_text(segment, 11)
    claim["drg_weight"] = amount_of(state, segment, 12)
    claim["discharge_fraction"] = amount_of(state, segment, 13)
    if status not in CLAIM_STATUS_CODES:
        state.warn(segment, f"claim status {status!r} is not a 5010 CLP02 code", "CLP02")


def _in_claim(state: ReaderState, segment: list[str]) -> dict[str, Any]:
    if state.claim is None:
        raise Unexpected(f"{segment[0]} outside a claim payment: expected CLP first")
    return state.claim


def read_cas(state: ReaderState, segment: list[str]) -> None:
    target = state.line if state.line is not None else _in_claim(state, segment)
    group = required_text(segment, 1, "an adjustment group code")
    # CR, the 4010 correction and reversal group, is accepted in 4010 files only.
    if group not in ADJUSTMENT_GROUPS and (group != "CR" or not state.legacy):
        raise BadElement("CAS01", "an adjustment group CO, OA, PI or PR", group)
    adjustments = target["adjustments"]
    if len(segment) < 3 or not segment[2]:
        raise BadElement("CAS02", "an adjustment reason code", "nothing")
    for reason_at in range(2, min(len(segment), 18), 3):
        reason = segment[reason_at]
        if not reason:
            continue
        adjustments.append(
            Adjustment.trusted(
                group=group,
                reason=reason,
                amount=required_amount_of(state, segment, reason_at + 1),
                quantity=amount_of(state, segment, reason_at + 2),
            )
        )


def read_nm1(state: ReaderState, segment: list[str]) -> None:
    claim = _in_claim(state, segment)
    if state.line is not None:
        raise Unexpected("NM1 belongs to the claim, before its first SVC")
    code = required_text(segment, 1, "an entity identifier code")
    field = CLAIM_ENTITIES.get(code)
    if field is None:
        raise BadElement("NM101", "one of " + ", ".join(CLAIM_ENTITIES), code)
    claim[field] = entity(segment)


def read_mia(state: ReaderState, segment: list[str]) -> None:
    claim = _in_claim(state, segment)
    claim["inpatient_adjudication"] = InpatientAdjudication.trusted(flat_values(state, InpatientAdjudication, segment))


def read_moa(state: ReaderState, segment: list[str]) -> None:
    claim = _in_claim(state, segment)
    claim["outpatient_adjudication"] = OutpatientAdjudication.trusted(
        flat_values(state, OutpatientAdjudication, segment)
    )


def read_amt(state: ReaderState, segment: list[str]) -> None:
    target = state.line if state.line is not None else _in_claim(state, segment)
    qualifier = required_text(segment, 1, "an amount qualifier")
    amount = required_amount_of(state, segment, 2)
    if qualifier == "B6" and state.line is not None:
        target["allowed_amount"] = amount
    else:
        target["amounts"].append(AmountEntry.trusted(qualifier=qualifier, amount=amount))


def read_qty(state: ReaderState, segment: list[str]) -> None:
    target = state.line if state.line is not None else _in_claim(state, segment)
    target["quantities"].append(
        QuantityEntry.trusted(
            qualifier=required_text(segment, 1, "a quantity qualifier"),
            quantity=required_amount_of(state, segment, 2),
        )
    )


# --- 2110 service payment -----------------------------------------------------------------------


def _procedure(state: ReaderState, segment: list[str], index: int) -> Procedure | None:
    value = segment[index] if index < len(segment) else ""
    if not value:
        return None
    parts = value.split(state.component)
    if len(parts) == 1:
        element = element_name(segment, index)
        # Some payers use another separator than the ISA16 they declare; read it and say so.
        for other in ":>^":
            if other != state.component and other in value:
                parts = value.split(other)
                state.warn(segment, f"composite uses {other!r} but ISA16 declares {state.component!r}", element)
                break
    if len(parts) < 2 or not parts[0] or not parts[1]:
        state.soft_error(
            segment,
            f"expected a procedure qualifier:code composite such as HC:99213, found {value!r}",
            element_name(segment, index),
        )
        parts = [*parts, ""] if len(parts) == 1 else parts
    return Procedure.trusted(
        qualifier=parts[0],
        code=parts[1],
        modifiers=tuple(m for m in parts[2:6] if m),
        description=parts[6] if len(parts) > 6 and parts[6] else None,
    )


def read_svc(state: ReaderState, segment: list[str]) -> None:
    claim = _in_claim(state, segment)
    state.totals["service_line_count"] += 1
    state.line = None  # a problem of this SVC is not one of the line before
    procedure = charge = paid = None
    try:
        procedure = _procedure(state, segment, 1)
        if procedure is None:
            raise BadElement("SVC01", "a procedure qualifier:code composite such as HC:99213", "nothing")
        charge = required_amount_of(state, segment, 2)
        paid = required_amount_of(state, segment, 3)
        units = amount_of(state, segment, 5)
        original = _procedure(state, segment, 6)
        original_units = amount_of(state, segment, 7)
    except BadElement:
        # The unreadable line still takes its DTM/CAS/REF/AMT, so they are never mistaken for
        # claim-level segments; it is kept apart from the claim's readable lines, with its problems
        # (`ReaderState.bad_segment` adds them), and never posted.
        state.line = _new_line(state.number, procedure, charge, paid, None, ONE, None, None)
        state.line["segment"] = state.separator().join(segment)
        state.line["problems"] = []
        claim["unreadable_service_lines"].append(state.line)
        raise
    state.line = _new_line(
        state.number,
        procedure,
        charge,
        paid,
        optional_text(segment, 4),
        ONE if units is None else units,
        original,
        original_units,
    )
    claim["service_lines"].append(state.line)


def read_lq(state: ReaderState, segment: list[str]) -> None:
    if state.line is None:
        raise Unexpected("LQ outside a service line: expected SVC first")
    state.line["remarks"].append(required_text(segment, 2, "a remark code"))


# --- summary: provider adjustments -------------------------------------------------------------


def read_plb(state: ReaderState, segment: list[str]) -> None:
    close_claim(state)
    state.in_summary = False  # PLB repeats; only other detail segments are out of place after it
    _in_detail(state, segment)
    if state.skipping:
        return
    provider = required_text(segment, 1, "the provider identifier")
    if len(segment) < 4 or not segment[3]:
        raise BadElement("PLB03", "an adjustment reason code", "nothing")
    fiscal_date = date_element(state, segment, 2)
    adjustments = []
    # Each reason and amount pair stands on its own: one that does not read is reported and the
    # others are kept, so the transaction's balance is computed from what was read.
    for reason_at in (3, 5, 7, 9, 11, 13):
        composite = segment[reason_at] if reason_at < len(segment) else ""
        try:
            if not composite:
                if reason_at + 1 < len(segment) and segment[reason_at + 1]:
                    raise BadElement(
                        element_name(segment, reason_at),
                        f"an adjustment reason code for the amount {segment[reason_at + 1]!r} in "
                        f"{element_name(segment, reason_at + 1)}",
                        "nothing",
                    )
                continue
            reason, _, reason_reference = composite.partition(state.component)
            adjustments.append(
                ProviderAdjustment.trusted(
                    provider_identifier=provider,
                    fiscal_period_date=fiscal_date,
                    reason=reason,
                    reference=reason_reference or None,
                    amount=required_amount_of(state, segment, reason_at + 1),
                )
            )
        except BadElement as bad:
            pair = f"the {composite} adjustment" if composite else "an adjustment"
            state.bad_segment(
                segment,
                f"expected {bad.expected}, found {bad.found!r}; {pair} is left out, the others are kept",
                bad.element,
            )
    totals = state.totals
    totals["provider_adjustments"].extend(adjustments)
    totals["provider_adjustment_total"] += sum((a.amount for a in adjustments), ZERO)
    state.in_summary = True


SEGMENT_HANDLERS: dict[str, Callable[[ReaderState, list[str]], None]] = {
    TOO_LONG: read_too_long,
    # transaction header
    "BPR": read_bpr,
    "TRN": read_trn,
    "CUR": read_cur,
    "N1": read_n1,
    "N3": read_n3,
    "N4": read_n4,
    "RDM": read_rdm,
    "PER": read_per,
    "REF": read_ref,
    "DTM": read_dtm,
    # 2000 header number
    "LX": read_lx,
    "TS3": read_ts3,
    "TS2": read_ts2,
    # 2100 claim payment
    "CLP": read_clp,
    "CAS": read_cas,
    "NM1": read_nm1,
    "MIA": read_mia,
    "MOA": read_moa,
    "AMT": read_amt,
    "QTY": read_qty,
    # 2110 service payment
    "SVC": read_svc,
    "LQ": read_lq,
    # summary
    "PLB": read_plb,
}
