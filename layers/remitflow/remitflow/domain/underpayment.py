"""Underpayment: what each line should have been allowed against what the payer allowed."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import Field

from remitflow.domain.claims import ClaimLine, FeeSchedule
from remitflow.domain.followups import adjustment_codes
from remitflow.domain.lines import billed_procedures
from remitflow.values import ZERO, DomainModel, Money, cents

if TYPE_CHECKING:  # in signatures only
    from remitflow.x12.models import ServiceLine


class UnderpaymentTolerance(DomainModel):
    """A shortfall counts when it is more than `amount` and more than `percent` of the expected."""

    amount: Money = Decimal("1.00")
    percent: Decimal = Decimal(2)

    def exceeded_by(self, shortfall: Decimal, expected: Decimal) -> bool:
        return shortfall > self.amount and shortfall * 100 > expected * self.percent


class LineShortfall(DomainModel):
    service_line: int  # position of the SVC in the claim payment, from 1
    line_number: int | None  # our claim line, when matched
    procedure_code: str
    modifiers: list[str] = Field(default_factory=list)
    expected_allowed: Money
    expected_from: str  # "claim line" or "fee schedule"
    actual_allowed: Money
    actual_from: str  # "AMT*B6" or "paid + patient responsibility + prior payer"
    shortfall: Money
    adjustment_codes: list[str] = Field(default_factory=list)


def _expected(
    line: ServiceLine, billed: ClaimLine | None, payer_id: str, fee_schedule: FeeSchedule
) -> tuple[Decimal, str, str, list[str]] | None:
    if billed is not None:
        if billed.expected_allowed is not None:
            return billed.expected_allowed, "claim line", billed.procedure_code, billed.modifiers
        code, modifiers, units = billed.procedure_code, billed.modifiers, billed.units
    else:
        procedure = (billed_procedures(line) or [line.procedure])[0]
        code, modifiers = procedure.code, list(procedure.modifiers)
        units = line.units
        if line.original_procedure is not None and line.original_units is not None:
            units = line.original_units  # SVC07: the units we billed, when the payer changed them
    rate = fee_schedule.allowed(payer_id, code, modifiers)
    if rate is None:
        return None
    return cents(rate * units), "fee schedule", code, modifiers


def _actual(line: ServiceLine) -> tuple[Decimal, str]:
    if line.allowed_amount is not None:
        return line.allowed_amount, "AMT*B6"
    # OA-23 is what a prior payer covered of the allowed amount (secondary and tertiary claims).
    shares = (a.amount for a in line.adjustments if a.group == "PR" or (a.group, a.reason) == ("OA", "23"))
    return line.paid_amount + sum(shares, ZERO), "paid + patient responsibility + prior payer"


def underpaid_lines(
    service_lines: Sequence[ServiceLine],
    matches: Sequence[ClaimLine | None],
    *,
    payer_id: str,
    fee_schedule: FeeSchedule,
    tolerance: UnderpaymentTolerance,
    skip: Collection[int] = (),
) -> list[LineShortfall]:
    """Lines allowed short of the expected amount beyond the tolerance; lines we cannot price are skipped,
    and so are those whose position (from 1) is in `skip`."""
    short: list[LineShortfall] = []
    for index, (line, billed) in enumerate(zip(service_lines, matches, strict=True), start=1):
        if index in skip:
            continue
        expected = _expected(line, billed, payer_id, fee_schedule)
        if expected is None:
            continue
        expected_amount, expected_from, code, modifiers = expected
        actual, actual_from = _actual(line)
        shortfall = cents(expected_amount - actual)
        if tolerance.exceeded_by(shortfall, expected_amount):
            short.append(
                LineShortfall(
                    service_line=index,
                    line_number=None if billed is None else billed.line_number,
                    procedure_code=code,
                    modifiers=modifiers,
                    expected_allowed=expected_amount,
                    expected_from=expected_from,
                    actual_allowed=actual,
                    actual_from=actual_from,
                    shortfall=shortfall,
                    adjustment_codes=adjustment_codes(line.adjustments),
                )
            )
    return short
