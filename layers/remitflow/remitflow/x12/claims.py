"""Closing the claim being read: it becomes a ClaimPayment checked by the TR3 balancing rules, or,
when a required CLP element did not read, a BrokenClaim kept with its problems; either way it counts
in the transaction totals and waits in `state.out` to be yielded."""

from __future__ import annotations

from typing import Any

from remitflow.x12.balancing import claim_balance_errors
from remitflow.x12.models import BrokenClaim, ClaimPayment, ServiceLine, UnreadableServiceLine, build
from remitflow.x12.state import MAX_LISTED_IN_TRANSACTION, ReaderState, add_listed


def _unreadable(line: dict[str, Any]) -> UnreadableServiceLine:
    """An unreadable line (a service line's fields, with its SVC text and problems) as kept."""
    return UnreadableServiceLine.trusted(
        segment_number=line["segment_number"],
        segment=line["segment"],
        procedure=line["procedure"],
        charge_amount=line["charge_amount"],
        paid_amount=line["paid_amount"],
        service_date=line["service_date"] or line["service_period_start"],
        line_control_number=line["line_control_number"],
        adjustments=line["adjustments"],
        problems=line["problems"],
    )


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
        add_listed(
            totals["balance_errors"],
            f"claim {claim.get('patient_control_number')} (segment {claim['segment_number']}) could not be "
            "read; see errors",
            MAX_LISTED_IN_TRANSACTION,
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
    if claim["unreadable_service_lines"]:
        claim["unreadable_service_lines"] = [_unreadable(line) for line in claim["unreadable_service_lines"]]
    # Both dicts began as copies of their model's field template, so they hold its fields exactly.
    model = build(ClaimPayment, claim)
    errors = claim_balance_errors(model)
    for error in errors:
        add_listed(totals["balance_errors"], error, MAX_LISTED_IN_TRANSACTION)
    # `claim` is the model's __dict__: read it rather than the model's attributes, which cost more.
    if claim["errors"]:
        model.balanced = False
        add_listed(
            totals["balance_errors"],
            f"claim {claim['patient_control_number']} (segment {claim['segment_number']}) has unreadable "
            "segments; see its errors",
            MAX_LISTED_IN_TRANSACTION,
        )
    state.claim_problems = []
    totals["claim_count"] += 1
    totals["charge_total"] += claim["charge_amount"]
    totals["paid_total"] += claim["paid_amount"]
    state.out.append(model)
