"""Pairing the payer's service lines (SVC) with the lines we billed."""

from __future__ import annotations

from collections.abc import Sequence

from remitflow.domain.claims import ClaimLine, modifier_key
from remitflow.x12.models import Procedure, ServiceLine


def billed_procedures(line: ServiceLine) -> list[Procedure]:
    """What we billed first: SVC06 when the payer changed the code, then the adjudicated SVC01."""
    return [p for p in (line.original_procedure, line.procedure) if p is not None and p.code]


def _same_service(line: ServiceLine, billed: ClaimLine) -> bool:
    if line.service_date is not None and line.service_date != billed.service_date:
        return False
    wanted = (billed.procedure_code.upper(), modifier_key(billed.modifiers))
    return any((p.code.upper(), modifier_key(p.modifiers)) == wanted for p in billed_procedures(line))


def match_lines(service_lines: Sequence[ServiceLine], claim_lines: Sequence[ClaimLine]) -> list[ClaimLine | None]:
    """For each service line, the claim line it pays (or None). Each claim line is paired once:
    first by our line control number (REF*6R), then by procedure, modifiers and service date."""
    matches: list[ClaimLine | None] = [None] * len(service_lines)
    free = dict(enumerate(claim_lines))
    by_control = {line.line_control_number: i for i, line in free.items() if line.line_control_number}
    for index, line in enumerate(service_lines):
        found = by_control.get(line.line_control_number) if line.line_control_number else None
        if found is not None and found in free:
            matches[index] = free.pop(found)
    for index, line in enumerate(service_lines):
        if matches[index] is None:
            found = next((i for i, billed in free.items() if _same_service(line, billed)), None)
            if found is not None:
                matches[index] = free.pop(found)
    return matches
