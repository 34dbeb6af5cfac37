"""Readers for the common, well-formed shape of CLP, SVC and CAS, which the parser's hot loop calls in
place of their handlers (with DTM, REF, AMT, LQ and NM1 they make up nine in ten segments of a file).

Each returns None for anything else, before changing any state; the segment then goes to its handler
in `segments`, which reads it in full and reports what is wrong. So a fast path must accept only what
its handler reads without a problem, and give exactly what the handler gives: tests/unit/
test_fast_paths.py reads generated claims both ways (`RemittanceParser(..., fast_paths=False)`).
"""

from __future__ import annotations

from typing import Any

from remitflow.x12.builders import CLAIM_TEMPLATE, LINE_TEMPLATE, PAD
from remitflow.x12.codes import ADJUSTMENT_GROUPS, CLAIM_STATUS_CODES
from remitflow.x12.models import Adjustment, Procedure, build
from remitflow.x12.values import CACHE_LIMIT, NUMBER_CACHE, number_or_none

# `cached_number(value) or number_or_none(value)`: the dict lookup alone for most amounts (a zero,
# being falsy, takes the second call, which finds it in the cache too).
cached_number = NUMBER_CACHE.get


def fast_claim(segment: list[str], number: int, header_number: str | None) -> dict[str, Any] | None:
    """The ClaimPayment fields of a CLP whose required elements, amounts and status code all read."""
    size = len(segment)
    if size < 5 or not segment[1] or segment[2] not in CLAIM_STATUS_CODES:
        return None
    charge = cached_number(segment[3]) or number_or_none(segment[3])
    paid = cached_number(segment[4]) or number_or_none(segment[4])
    if charge is None or paid is None:
        return None
    claim = CLAIM_TEMPLATE.copy()
    claim["segment_number"] = number
    claim["header_number"] = header_number
    claim["patient_control_number"] = segment[1]
    claim["status_code"] = segment[2]
    claim["charge_amount"] = charge
    claim["paid_amount"] = paid
    if size > 5:
        clp = segment + PAD[size:]
        if clp[5]:
            claim["patient_responsibility"] = responsibility = cached_number(clp[5]) or number_or_none(clp[5])
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
    # Written out rather than looped over CLAIM_LISTS, as for service lines.
    claim["adjustments"] = []
    claim["references"] = []
    claim["contacts"] = []
    claim["amounts"] = []
    claim["quantities"] = []
    claim["other_dates"] = []
    claim["unrecognized_segments"] = []
    claim["service_lines"] = []
    claim["unreadable_service_lines"] = []
    claim["balance_errors"] = []
    claim["errors"] = []
    return claim


def fast_procedure(value: str, component: str) -> Procedure | None:
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


class Procedures(dict[str, Procedure | None]):
    """Procedures by their composite text. A Procedure is a frozen value, so lines share it: a file
    names the same few hundred codes thousands of times."""

    def __init__(self, component: str) -> None:
        super().__init__()
        self.component = component

    def __missing__(self, value: str) -> Procedure | None:
        procedure = fast_procedure(value, self.component)
        if len(self) < CACHE_LIMIT:
            self[value] = procedure
        return procedure


def fast_service_line(segment: list[str], number: int, procedures: Procedures) -> dict[str, Any] | None:
    """The ServiceLine fields of an SVC whose procedures and amounts all read."""
    size = len(segment)
    if size < 4:
        return None
    procedure = procedures[segment[1]]
    charge = cached_number(segment[2]) or number_or_none(segment[2])
    paid = cached_number(segment[3]) or number_or_none(segment[3])
    if procedure is None or charge is None or paid is None:
        return None
    line = LINE_TEMPLATE.copy()
    line["segment_number"] = number
    line["procedure"] = procedure
    line["charge_amount"] = charge
    line["paid_amount"] = paid
    if size > 4:
        line["revenue_code"] = segment[4] or None
        if size > 5 and segment[5]:
            units = cached_number(segment[5]) or number_or_none(segment[5])
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
    # Written out rather than looped over LINE_LISTS, which costs twice as much; each line needs
    # lists of its own. The models' round-trip tests catch a field missed here.
    line["adjustments"] = []
    line["references"] = []
    line["amounts"] = []
    line["quantities"] = []
    line["remarks"] = []
    line["other_dates"] = []
    line["unrecognized_segments"] = []
    return line


def fast_adjustments(segment: list[str]) -> list[Adjustment] | None:
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
