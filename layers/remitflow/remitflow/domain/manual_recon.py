"""Reconciliation a person corrects: pairing ERAs and deposits by hand, and saying a deposit is not
insurance money. Pure: the caller passes the waiting items in and commits what comes back.

The amount rule: a manual match is one ERA with one or several deposits, or one deposit with several
ERAs, and the ERAs' total must equal the deposits' total to the cent. When it does not (a payer's
fee taken off, a bank charge), the person says so explicitly (`amounts_differ`) and the note says
why; the match then records both totals and the difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from remitflow.domain.errors import ResolutionError
from remitflow.domain.recon_models import Deposit, EraPayment, Match, match_id
from remitflow.values import ZERO, cents, money_text


class NotInsurance(StrEnum):
    """What a deposit no ERA will ever explain may be instead."""

    CARD_SETTLEMENT = "card_settlement"
    PATIENT_PAYMENTS = "patient_payments"
    TRANSFER = "transfer"
    INTEREST = "interest"
    OTHER = "other"


def manual_match(eras: Sequence[EraPayment], deposits: Sequence[Deposit], *, by: str, amounts_differ: bool) -> Match:
    """The match of these waiting ERAs and deposits, checked against the amount rule above."""
    if not eras:
        raise ResolutionError("era_ids", "give at least one ERA")
    if not deposits:
        raise ResolutionError("deposit_ids", "give at least one deposit")
    if len(eras) > 1 and len(deposits) > 1:
        raise ResolutionError(
            "era_ids", "match one ERA with several deposits, or one deposit with several ERAs, not several with several"
        )
    era_total = cents(sum((e.amount for e in eras), ZERO))
    deposit_total = cents(sum((d.amount for d in deposits), ZERO))
    if era_total != deposit_total and not amounts_differ:
        raise ResolutionError(
            "amounts_differ",
            f"the ERAs total {money_text(era_total)} and the deposits {money_text(deposit_total)}: "
            "set amounts_differ and say why in the note, or choose other items",
        )
    if era_total == deposit_total and amounts_differ:
        raise ResolutionError("amounts_differ", f"the amounts agree ({money_text(era_total)}): leave it unset")
    rule = f"matched by hand by {by}"
    if era_total != deposit_total:
        rule += f"; the amounts differ by {money_text(deposit_total - era_total)} (deposits - ERAs)"
    traces = {e.trace_number for e in eras}
    return Match(
        match_id=match_id([e.era_id for e in eras], [d.deposit_id for d in deposits]),
        era_ids=tuple(sorted(e.era_id for e in eras)),
        deposit_ids=tuple(sorted(d.deposit_id for d in deposits)),
        confidence="manual",
        rule=rule,
        trace_number=traces.pop() if len(traces) == 1 else None,
        era_amount=era_total,
        deposit_amount=deposit_total,
    )
