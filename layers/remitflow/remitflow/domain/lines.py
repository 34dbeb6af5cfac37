"""Pairing the payer's service lines (SVC) with the lines we billed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import Field

from remitflow.domain.claims import ClaimLine, modifier_key
from remitflow.values import DomainModel

if TYPE_CHECKING:  # in signatures only
    from remitflow.x12.models import Procedure, ServiceLine


def billed_procedures(line: ServiceLine) -> list[Procedure]:
    """What we billed first: SVC06 when the payer changed the code, then the adjudicated SVC01."""
    return [p for p in (line.original_procedure, line.procedure) if p is not None and p.code]


def procedure_text(code: str, modifiers: Iterable[str]) -> str:
    """A procedure as people write it: 99213-25; no patient data, codes only."""
    return "-".join([code.upper(), *(m.strip().upper() for m in modifiers if m.strip())])


class LineMatch(DomainModel):
    """What one service line pays: a claim line, or none (posted at claim level).

    `modifiers_differ`: found on procedure and service date (then units and charge) though the payer
    dropped, added or changed a modifier. `candidates`: our line numbers that fit equally well when
    nothing told them apart; the line then posts at claim level and a person picks the line."""

    claim_line: ClaimLine | None = None
    modifiers_differ: bool = False
    candidates: list[int] = Field(default_factory=list)

    def note(self, index: int, line: ServiceLine) -> str | None:
        """Why the line's entries are where they are, when it is not a plain match."""
        paid = procedure_text(line.procedure.code, line.procedure.modifiers)
        if self.claim_line is not None and self.modifiers_differ:
            billed = procedure_text(self.claim_line.procedure_code, self.claim_line.modifiers)
            return (
                f"service line {index} paid as {paid} for billed line {self.claim_line.line_number} ({billed}): "
                "the modifiers differ; matched on procedure and service date"
            )
        if self.candidates:
            return f"{ambiguity(index, line, self.candidates)} ({WHY_AMBIGUOUS}): posted at claim level"
        return None


WHY_AMBIGUOUS = "the modifiers differ and units and charge do not tell the lines apart"


def ambiguity(index: int, line: ServiceLine, candidates: Sequence[int]) -> str:
    """Which service this is and which of our lines it could be (codes, dates and our line numbers only)."""
    code = (billed_procedures(line) or [line.procedure])[0].code.upper()
    day = "no service date" if line.service_date is None else line.service_date.isoformat()
    numbers = ", ".join(str(n) for n in candidates[:-1]) + f" and {candidates[-1]}"
    return f"service line {index} ({code} on {day}) fits claim lines {numbers} equally"


def _same_day(line: ServiceLine, billed: ClaimLine) -> bool:
    return line.service_date is None or line.service_date == billed.service_date


def _same_service(line: ServiceLine, billed: ClaimLine) -> bool:
    if not _same_day(line, billed):
        return False
    wanted = (billed.procedure_code.upper(), modifier_key(billed.modifiers))
    return any((p.code.upper(), modifier_key(p.modifiers)) == wanted for p in billed_procedures(line))


def _same_procedure(line: ServiceLine, billed: ClaimLine) -> bool:
    """The same code on the same day, whatever the modifiers."""
    code = billed.procedure_code.upper()
    return _same_day(line, billed) and any(p.code.upper() == code for p in billed_procedures(line))


def _billed_units(line: ServiceLine) -> Decimal:
    # SVC07: the units we billed, when the payer paid another number (SVC05).
    return line.original_units if line.original_units is not None else line.units


def _tie_break(line: ServiceLine, candidates: dict[int, ClaimLine]) -> dict[int, ClaimLine]:
    """Narrow lines of the same procedure and day by units, then by charge; a test no candidate passes
    is skipped rather than leaving none."""
    tests: list[Callable[[ClaimLine], bool]] = [
        lambda billed: billed.units == _billed_units(line),
        lambda billed: billed.charge_amount == line.charge_amount,
    ]
    for test in tests:
        if len(candidates) < 2:
            break
        passed = {i: billed for i, billed in candidates.items() if test(billed)}
        if passed:
            candidates = passed
    return candidates


def pair_lines(service_lines: Sequence[ServiceLine], claim_lines: Sequence[ClaimLine]) -> list[LineMatch]:
    """For each service line, the claim line it pays. Each claim line is paired once: first by our line
    control number (REF*6R); then by procedure, modifiers and service date; then, for a line without
    REF*6R, by procedure and service date alone (payers drop and add modifiers), told apart by units and
    charge when several fit. Lines that still fit several claim lines equally are left unpaired."""
    matches = [LineMatch() for _ in service_lines]
    free = dict(enumerate(claim_lines))
    by_control = {line.line_control_number: i for i, line in free.items() if line.line_control_number}
    for index, line in enumerate(service_lines):
        found = by_control.get(line.line_control_number) if line.line_control_number else None
        if found is not None and found in free:
            matches[index] = LineMatch(claim_line=free.pop(found))
    for index, line in enumerate(service_lines):
        if matches[index].claim_line is None:
            found = next((i for i, billed in free.items() if _same_service(line, billed)), None)
            if found is not None:
                matches[index] = LineMatch(claim_line=free.pop(found))
    for index, line in enumerate(service_lines):
        if matches[index].claim_line is not None or line.line_control_number:
            continue
        fits = _tie_break(line, {i: billed for i, billed in free.items() if _same_procedure(line, billed)})
        if len(fits) == 1:
            (found,) = fits
            matches[index] = LineMatch(claim_line=free.pop(found), modifiers_differ=True)
        elif fits:
            matches[index] = LineMatch(candidates=[billed.line_number for billed in fits.values()])
    return matches
