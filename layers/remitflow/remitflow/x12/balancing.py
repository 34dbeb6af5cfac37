"""TR3 1.10.2 balancing, computed and reported, never forced.

- service line: SVC02 - Σ line CAS = SVC03
- claim: CLP03 - Σ (claim and line CAS) = CLP04; with service lines, Σ SVC03 - Σ claim CAS = CLP04
- transaction: Σ CLP04 - Σ PLB = BPR02
Messages name the claim (CLP01) or line and the difference; they carry no patient data.
"""

from __future__ import annotations

from decimal import Decimal

from remitflow.x12.models import ClaimPayment, ServiceLine

ZERO = Decimal(0)


def _line_label(claim: ClaimPayment, index: int, line: ServiceLine) -> str:
    procedure = line.procedure
    return (
        f"claim {claim.patient_control_number}, service line {index} "
        f"(segment {line.segment_number}, {procedure.qualifier}:{procedure.code})"
    )


def claim_balance_errors(claim: ClaimPayment) -> list[str]:
    """Every balancing rule the claim and its lines break; also sets the `balanced` flags."""
    # This runs for every claim of a file, so it reads the models' field dicts: attribute reads on a
    # pydantic model go through the hook of BaseModel.__getattr__, which Python cannot specialize.
    errors: list[str] = []
    fields = claim.__dict__
    lines = fields["service_lines"]
    lines_adjusted = ZERO
    lines_paid = ZERO
    for index, line in enumerate(lines, start=1):
        values = line.__dict__
        line_cas = ZERO
        for adjustment in values["adjustments"]:
            line_cas += adjustment.amount
        lines_adjusted += line_cas
        lines_paid += values["paid_amount"]
        if values["charge_amount"] - line_cas != values["paid_amount"]:
            line.balanced = False
            errors.append(_line_error(claim, index, line, line_cas))
    claim_cas = ZERO
    for adjustment in fields["adjustments"]:
        claim_cas += adjustment.amount
    all_cas = claim_cas + lines_adjusted
    paid = fields["paid_amount"]
    if fields["charge_amount"] - all_cas != paid or (lines and lines_paid - claim_cas != paid):
        errors.extend(_claim_errors(claim, claim_cas, all_cas, lines_paid))
    if errors:
        claim.balanced = False
        claim.balance_errors = errors
    return errors


def _line_error(claim: ClaimPayment, index: int, line: ServiceLine, line_cas: Decimal) -> str:
    adjusted = line.charge_amount - line_cas
    return (
        f"{_line_label(claim, index, line)}: SVC02 {line.charge_amount} - adjustments {line_cas} = {adjusted}, "
        f"but SVC03 is {line.paid_amount} (difference {adjusted - line.paid_amount})"
    )


def _claim_errors(claim: ClaimPayment, claim_cas: Decimal, all_cas: Decimal, lines_paid: Decimal) -> list[str]:
    label = f"claim {claim.patient_control_number} (segment {claim.segment_number})"
    errors = []
    adjusted = claim.charge_amount - all_cas
    if adjusted != claim.paid_amount:
        errors.append(
            f"{label}: CLP03 {claim.charge_amount} - adjustments {all_cas} = {adjusted}, "
            f"but CLP04 is {claim.paid_amount} (difference {adjusted - claim.paid_amount})"
        )
    expected = lines_paid - claim_cas
    if claim.service_lines and expected != claim.paid_amount:
        errors.append(
            f"{label}: service line payments {lines_paid} - claim adjustments {claim_cas} = {expected}, "
            f"but CLP04 is {claim.paid_amount} (difference {expected - claim.paid_amount})"
        )
    return errors


def transaction_balance_error(
    control_number: str, paid_total: Decimal, provider_adjustment_total: Decimal, payment_amount: Decimal
) -> str | None:
    expected = paid_total - provider_adjustment_total
    if expected == payment_amount:
        return None
    return (
        f"transaction {control_number}: claim payments {paid_total} - provider adjustments "
        f"{provider_adjustment_total} = {expected}, but BPR02 is {payment_amount} "
        f"(difference {expected - payment_amount})"
    )
