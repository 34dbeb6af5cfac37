"""Closing the claim being read: it becomes a ClaimPayment checked by the TR3 balancing rules, or,
when a required CLP element did not read, a BrokenClaim kept with its problems; either way it counts
in the transaction totals and waits in `state.out` to be yielded."""

from __future__ import annotations

from remitflow.x12.balancing import claim_balance_errors
from remitflow.x12.models import BrokenClaim, ClaimPayment, ServiceLine, build
from remitflow.x12.state import ReaderState


def close_claim(state: ReaderState) -> None:
    """Close the open claim, if there is one; called at the next CLP, LX, PLB or the transaction's end."""
    claim = state.claim
    if claim is None:
        return
    state.line = None
    state.claim = None
    totals = state.totals
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
        state.out.append(
            BrokenClaim.model_construct(
                transaction=state.control or "",
                segment_number=claim["segment_number"],
                last_segment_number=state.number - 1,
                patient_control_number=claim.get("patient_control_number"),
                status_code=claim.get("status_code"),
                charge_amount=claim.get("charge_amount"),
                paid_amount=paid,
                payer_claim_control_number=claim.get("payer_claim_control_number"),
                problems=state.claim_problems,
            )
        )
        state.claim_problems = []
        return
    lines = claim["service_lines"]
    for index, line in enumerate(lines):
        if line["service_date"] is None:
            line["service_date"] = line["service_period_start"]
        lines[index] = build(ServiceLine, line)
    # Both dicts began as copies of their model's field template, so they hold its fields exactly.
    model = build(ClaimPayment, claim)
    errors = claim_balance_errors(model)
    if errors:
        totals["balance_errors"].extend(errors)
    # `claim` is the model's __dict__: read it rather than the model's attributes, which cost more.
    if claim["errors"]:
        model.balanced = False
        totals["balance_errors"].append(
            f"claim {claim['patient_control_number']} (segment {claim['segment_number']}) has unreadable "
            "segments; see its errors"
        )
    state.claim_problems = []
    totals["claim_count"] += 1
    totals["charge_total"] += claim["charge_amount"]
    totals["paid_total"] += claim["paid_amount"]
    state.out.append(model)
