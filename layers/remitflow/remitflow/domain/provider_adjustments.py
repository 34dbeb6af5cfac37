"""PLB provider-level adjustments: money the payer adds to or keeps from the whole payment.

They belong to the payee, not to a claim, so they go on the provider ledger. Interest (L6) is
income; everything else (WO recoupment, FB forwarding balance, 72, J1, CS, ...) also needs a person
to tie it to the claim or period it is about.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum

from remitflow.domain.followups import Followup, FollowupType, new_followup
from remitflow.domain.posting import RemittanceRef
from remitflow.values import DomainModel, Money, money_text, stable_id
from remitflow.x12.models import ProviderAdjustment

INTEREST = "L6"


class ProviderEntryKind(StrEnum):
    INTEREST = "interest"
    ADJUSTMENT = "adjustment"  # recoupment, offset, forwarding balance, ...


class ProviderLedgerEntry(DomainModel):
    entry_id: str
    provider_id: str  # PLB01
    payer_id: str
    trace_number: str
    kind: ProviderEntryKind
    reason: str  # PLB03-1
    reference: str | None = None  # PLB03-2, e.g. the payer claim control number of a recoupment
    amount: Money  # as in the PLB: positive = the payer kept it, negative = the payer added it
    fiscal_period_date: date | None = None
    source: str


def decide_provider_adjustments(
    adjustments: Sequence[ProviderAdjustment], remittance: RemittanceRef, now: datetime
) -> tuple[list[ProviderLedgerEntry], list[Followup]]:
    """One provider ledger entry per PLB pair; a PROVIDER_ADJUSTMENT follow-up for each that is not interest."""
    entries: list[ProviderLedgerEntry] = []
    followups: list[Followup] = []
    for index, adjustment in enumerate(adjustments):
        # The position keeps two identical pairs of one remittance apart; a re-upload gets the same ids.
        entry_id = stable_id(
            "plb", remittance.payer_id, remittance.trace_number, index, adjustment.reason, adjustment.reference
        )
        interest = adjustment.reason == INTEREST
        entry = ProviderLedgerEntry(
            entry_id=entry_id,
            provider_id=adjustment.provider_identifier,
            payer_id=remittance.payer_id,
            trace_number=remittance.trace_number,
            kind=ProviderEntryKind.INTEREST if interest else ProviderEntryKind.ADJUSTMENT,
            reason=adjustment.reason,
            reference=adjustment.reference,
            amount=adjustment.amount,
            fiscal_period_date=adjustment.fiscal_period_date,
            source=remittance.source_key,
        )
        entries.append(entry)
        if not interest:
            followups.append(_followup(entry, remittance, now))
    return entries, followups


def _followup(entry: ProviderLedgerEntry, remittance: RemittanceRef, now: datetime) -> Followup:
    fiscal = entry.fiscal_period_date
    return new_followup(
        FollowupType.PROVIDER_ADJUSTMENT,
        key=(entry.entry_id,),
        created_at=now,
        source=remittance.source_key,
        payer_id=remittance.payer_id,
        amount=entry.amount,
        reason_codes=[f"PLB-{entry.reason}"],  # prefixed: PLB reasons are not CARCs ("72" is both)
        detail={
            "entry_id": entry.entry_id,
            "provider_id": entry.provider_id,
            "reason": entry.reason,
            "reference": entry.reference,
            "amount": money_text(entry.amount),
            "fiscal_period_date": None if fiscal is None else fiscal.isoformat(),
            "trace_number": remittance.trace_number,
            "payment_date": None if remittance.payment_date is None else remittance.payment_date.isoformat(),
        },
    )
