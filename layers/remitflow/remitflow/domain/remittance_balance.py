"""Whether a posted transaction set (one 835 remittance) leaves money without a place: one problem, one follow-up.

Each claim payment that cannot be read or does not balance already has its own follow-up, which holds
its CLP04 as unapplied cash. The transaction set is out of balance only by what is left after that:
BPR02 against what was posted, held and kept by the payer (PLB). The UNBALANCED follow-up is raised
for that difference alone, or when parts of the set outside its claims could not be read.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from remitflow.domain.followups import Followup, FollowupType, new_followup
from remitflow.domain.posting import RemittanceRef
from remitflow.values import cents, money_text
from remitflow.x12.models import TransactionTotals

MAX_LISTED = 50  # a follow-up travels as one SQS message


def unbalanced_transaction(
    totals: TransactionTotals,
    *,
    remittance: RemittanceRef,
    transaction_key: str,
    payment_amount: Decimal,
    accounted: Decimal,
    now: datetime,
) -> Followup | None:
    """UNBALANCED for a transaction set whose BPR02 (`payment_amount`) is not what its claim payments
    account for (`accounted`: posted + held - provider adjustments), or that could not be read whole
    outside its claims (header, PLB or SE segments); None when nothing is left for it to report.
    The amount is the difference at stake, never the whole payment."""
    difference = cents(payment_amount - accounted)
    if not difference and not totals.errors and totals.complete:
        return None
    if difference:
        reason = (
            f"the remittance does not balance: BPR02 is {money_text(payment_amount)} but its claim payments "
            f"and provider adjustments account for {money_text(accounted)} (difference {money_text(difference)})"
        )
        if totals.unreadable_claim_count:
            reason += (
                f"; {totals.unreadable_claim_count} claim payment(s) could not be read (each has its own "
                "IMPORT_ERROR): what they paid is in this difference unless their CLP04 could be read and is held"
            )
    elif not totals.complete:
        reason = "the transaction set ended without its SE: claim payments after the cut may be missing"
    else:
        reason = "parts of the transaction set outside its claim payments could not be read; its money is accounted for"
    return new_followup(
        FollowupType.UNBALANCED,
        key=("transaction", transaction_key),
        created_at=now,
        source=remittance.source_key,
        payer_id=remittance.payer_id,
        amount=abs(difference) if difference else None,
        detail={
            "reason": reason,
            "trace_number": remittance.trace_number,
            "payment_amount": money_text(payment_amount),
            "accounted_for": money_text(accounted),
            "difference": money_text(difference),  # BPR02 - accounted for: > 0 money with no place
            "unreadable_claims": totals.unreadable_claim_count,
            "balance_errors": totals.balance_errors[:MAX_LISTED],
            "errors": totals.errors[:MAX_LISTED],
        },
    )
