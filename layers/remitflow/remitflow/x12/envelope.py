"""The X12 envelope and the transaction set's life: ISA/GS/ST open an interchange, a functional group
and a transaction set; SE/GE/IEA close them and check their counts and control numbers; what is left
open at the end of the file is closed and reported. A transaction's header is emitted once, at its
first LX, CLP or PLB (or at SE), and its totals and balancing come with its `TransactionEnd`."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from remitflow.x12.balancing import transaction_balance_error
from remitflow.x12.claims import close_claim
from remitflow.x12.elements import Unexpected, optional_text
from remitflow.x12.errors import Severity, where
from remitflow.x12.models import (
    Address,
    Interchange,
    Party,
    Payment,
    TransactionEnd,
    TransactionHeader,
    TransactionTotals,
)
from remitflow.x12.state import ReaderState
from remitflow.x12.values import ElementError, yymmdd

ZERO = Decimal(0)

# --- interchange and functional group -------------------------------------------------------------


def read_isa(state: ReaderState, segment: list[str]) -> None:
    close_transaction(state, missing="SE")
    _close_group(state, missing="GE")
    _close_interchange(state, missing="IEA")
    if len(segment) != 17:
        state.warn(segment, f"expected 16 elements, found {len(segment) - 1}")
    delimiters = state.reader.delimiters
    if delimiters is not None:
        state.use_component(delimiters.component)
    version = (optional_text(segment, 12) or "").strip()
    try:
        isa_date = yymmdd(segment[9].strip()) if len(segment) > 9 and segment[9].strip() else None
    except ElementError:
        isa_date = None
    state.interchange = {
        "control_number": (optional_text(segment, 13) or "").strip(),
        "sender_id": (optional_text(segment, 6) or "").strip(),
        "receiver_id": (optional_text(segment, 8) or "").strip(),
        "interchange_date": isa_date,
        "version": version,
        "usage": (optional_text(segment, 15) or "").strip(),
    }
    state.group_count = 0
    state.legacy = False
    state.unread_outside = None
    if version and version < "00501":
        _legacy_warning(state, segment, f"ISA12 {version}")


def _legacy_warning(state: ReaderState, segment: list[str], found: str) -> None:
    if not state.legacy:
        state.legacy = True
        state.warn(
            segment,
            f"{found} is an X12 4010 interchange: read with the 5010 (005010X221A1) layout "
            "where the structure is the same; check the result",
        )


def read_gs(state: ReaderState, segment: list[str]) -> None:
    close_transaction(state, missing="SE")
    _close_group(state, missing="GE")
    if state.interchange is None:
        raise Unexpected("GS outside an interchange: expected ISA first")
    state.group_count += 1
    state.transaction_count = 0
    state.group = {
        "control_number": optional_text(segment, 6),
        "implementation": optional_text(segment, 8),
        "segment_number": state.number,
    }
    implementation = optional_text(segment, 8) or ""
    if implementation.startswith("004010"):
        _legacy_warning(state, segment, f"GS08 {implementation}")


def read_ge(state: ReaderState, segment: list[str]) -> None:
    close_transaction(state, missing="SE")
    if state.group is None:
        raise Unexpected("GE without its GS")
    if optional_text(segment, 1) != str(state.transaction_count):
        state.bad_segment(
            segment,
            f"GE01 says {optional_text(segment, 1)} transaction sets but the group has {state.transaction_count}"
            + _unread_since(state, state.group["segment_number"]),
            "GE01",
        )
    if optional_text(segment, 2) != state.group["control_number"]:
        state.bad_segment(
            segment,
            f"expected GE02 {state.group['control_number']!r} as in GS06, found {optional_text(segment, 2)!r}",
            "GE02",
        )
    state.group = None


def read_iea(state: ReaderState, segment: list[str]) -> None:
    close_transaction(state, missing="SE")
    _close_group(state, missing="GE")
    if state.interchange is None:
        raise Unexpected("IEA without its ISA")
    if optional_text(segment, 1) != str(state.group_count):
        state.bad_segment(
            segment,
            f"IEA01 says {optional_text(segment, 1)} functional groups but the interchange has {state.group_count}"
            + _unread_since(state, 0),
            "IEA01",
        )
    if optional_text(segment, 2) != state.interchange["control_number"]:
        state.bad_segment(
            segment,
            f"expected IEA02 {state.interchange['control_number']!r} as in ISA13, found {optional_text(segment, 2)!r}",
            "IEA02",
        )
    state.interchange = None


def _unread_since(state: ReaderState, start: int) -> str:
    """For a count that does not match: the first segment after `start` that was not read for its
    unknown id, which may be the one counted (a garbled GS or ST)."""
    unread = state.unread_outside
    if unread is None or unread[0] <= start:
        return ""
    return (
        f"; segment {unread[0]} ({unread[1]}) before it is not an 835 segment and was not read: "
        "it may be the one missing"
    )


def _close_group(state: ReaderState, missing: str) -> None:
    if state.group is not None:
        _missing(state, missing, f"functional group {state.group['control_number']}")
        state.group = None


def _close_interchange(state: ReaderState, missing: str) -> None:
    if state.interchange is not None:
        _missing(state, missing, f"interchange {state.interchange['control_number']}")
        state.interchange = None


def _missing(state: ReaderState, what: str, closing: str) -> None:
    place = "the end of the file" if state.at_end else where(state.number, None)
    state.problem(
        Severity.ERROR,
        f"{place}: {closing} has no {what}: expected {what} before this point{state.context()}",
        number=state.number,
    )


def end_of_file(state: ReaderState) -> None:
    """Close what is still open, and report what the tokenizer had to put up with."""
    state.at_end = True
    state.number += 1  # what is still open ends just past the last segment
    close_transaction(state, missing="SE")
    _close_group(state, missing="GE")
    _close_interchange(state, missing="IEA")
    if state.reader.envelope_missing:
        state.problem(
            Severity.WARNING,
            "the file has no ISA interchange header: delimiters were inferred from the first ST; "
            "sender, receiver and control numbers are unknown",
            number=1,
        )
    if state.reader.replaced_characters:
        state.problem(Severity.WARNING, "the file is not valid UTF-8: unreadable bytes were replaced by U+FFFD")
    if state.reader.unterminated_tail:
        state.problem(Severity.WARNING, "the last segment has no segment terminator")
    indented_at = state.reader.indented_at
    if indented_at is not None:
        state.problem(
            Severity.WARNING,
            f"segment {indented_at}: segments are indented (spaces or tabs before the segment id, "
            "as X12 viewers write them); the 835 has none there, so they were read as layout",
            number=indented_at,
        )


# --- transaction set ------------------------------------------------------------------------------


def read_st(state: ReaderState, segment: list[str]) -> None:
    close_transaction(state, missing="SE")
    if state.group is None and not state.reader.envelope_missing:
        state.warn(segment, "ST outside a functional group: expected GS first")
    state.transaction_count += 1
    state.control = optional_text(segment, 2) or ""
    state.st_number = state.number
    state.skipping = False
    if optional_text(segment, 1) != "835":
        state.report(
            Severity.ERROR,
            segment,
            f"expected 835 (health care claim payment/advice), found {optional_text(segment, 1)!r}; "
            "the transaction set is skipped",
            "ST01",
        )
        state.skipping = True
        return
    envelope = state.interchange or {}
    group = state.group or {}
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
    state.header = {
        "control_number": state.control,
        "implementation_reference": optional_text(segment, 3),
        "segment_number": state.number,
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
    state.payment = None
    state.party = None
    state.emitted_header = None
    state.group_header = None
    state.in_summary = False
    state.totals = {
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


def read_se(state: ReaderState, segment: list[str]) -> None:
    if state.control is None:
        raise Unexpected("SE without its ST")
    close_claim(state)
    if optional_text(segment, 2) != state.control:
        state.bad_segment(
            segment,
            f"expected SE02 {state.control!r} as in ST02, found {optional_text(segment, 2)!r}",
            "SE02",
        )
    declared = optional_text(segment, 1)
    counted = state.number - state.st_number + 1
    if declared != str(counted):
        state.bad_segment(
            segment,
            f"SE01 says {declared} segments but the transaction set has {counted}",
            "SE01",
        )
    close_transaction(state, missing=None)


def close_transaction(state: ReaderState, missing: str | None) -> None:
    """End the open transaction set, if any: close its claim, balance it and emit its TransactionEnd.
    `missing` names the trailer that should have ended it (None at its SE)."""
    if state.control is None:
        return
    if missing is not None:
        _missing(state, missing, f"transaction set {state.control}")
        state.totals["complete"] = False
    if not state.skipping:
        close_claim(state)
        header = state.emitted_header or emit_header(state, None)
        if header is not None:
            totals = state.totals
            error = transaction_balance_error(
                state.control,
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
            state.transactions_read += 1
            state.out.append(TransactionEnd.trusted(header=header, totals=TransactionTotals.trusted(totals)))
    state.control = None
    state.skipping = False
    state.claim = None
    state.line = None


def emit_header(state: ReaderState, segment: list[str] | None) -> TransactionHeader | None:
    """The header ends at the first LX, CLP, PLB or SE; emit it (once) or skip an unusable set."""
    if state.emitted_header is not None:
        return state.emitted_header
    header = state.header
    if header is None or state.payment is None:
        label = f"segment {state.number} ({segment[0]})" if segment else "the end of the transaction set"
        state.problem(
            Severity.ERROR,
            f"{label}: expected BPR before it; the transaction set cannot be read{state.context()}",
            number=state.number,
            segment_id=segment[0] if segment else None,
        )
        state.skipping = True
        return None
    if state.payment.get("trace_number") is None:
        state.problem(
            Severity.WARNING,
            f"transaction {state.control}: no TRN; the payment cannot be reassociated with its deposit",
            number=header["segment_number"],
            segment_id="ST",
        )
    state.party = None
    header["payment"] = Payment.trusted(state.payment)
    for role in ("payer", "payee"):
        party = header[role]
        if party is not None:
            address = party["address"]
            party["address"] = None if address is None else Address.trusted(address)
            header[role] = Party.trusted(party)
    emitted = TransactionHeader.trusted(header)
    state.emitted_header = emitted
    state.out.append(emitted)
    return emitted


ENVELOPE_HANDLERS: dict[str, Callable[[ReaderState, list[str]], None]] = {
    "ISA": read_isa,
    "GS": read_gs,
    "ST": read_st,
    "SE": read_se,
    "GE": read_ge,
    "IEA": read_iea,
}
# Read even in a transaction set that is being skipped: they end it.
ENVELOPE_SEGMENTS = frozenset(ENVELOPE_HANDLERS)
