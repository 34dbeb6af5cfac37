"""PLB: every provider-level adjustment on the provider ledger; all but interest also to the worklist."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.unit.domain.builders import NOW, PAYER, REMITTANCE, TRACE, transaction

from remitflow.domain import FollowupType, ProviderEntryKind, decide_provider_adjustments
from remitflow.x12.models import ProviderAdjustment

CLAIM = ("CLP*PCN40*1*100.00*100.00**12*PAY40",)


def plb(*pairs: str) -> list[ProviderAdjustment]:
    return transaction(*CLAIM, f"PLB*1234567893*20251231*{'*'.join(pairs)}").totals.provider_adjustments


def test_interest_is_provider_income_without_a_followup() -> None:
    entries, followups = decide_provider_adjustments(plb("L6", "-4.50"), REMITTANCE, NOW)
    (entry,) = entries
    assert entry.kind is ProviderEntryKind.INTEREST and entry.amount == Decimal("-4.50")
    assert (entry.provider_id, entry.payer_id, entry.trace_number) == ("1234567893", PAYER, TRACE)
    assert entry.fiscal_period_date == date(2025, 12, 31)
    assert followups == []


def test_recoupments_and_offsets_give_a_followup_with_their_reference() -> None:
    adjustments = plb("WO:RECOUP2024A", "25.00", "FB:FWD1", "-10.00", "72", "5.00", "J1:X9", "1.00", "CS", "2.00")
    entries, followups = decide_provider_adjustments(adjustments, REMITTANCE, NOW)
    assert [e.kind for e in entries] == [ProviderEntryKind.ADJUSTMENT] * 5
    assert [f.type for f in followups] == [FollowupType.PROVIDER_ADJUSTMENT] * 5
    wo = followups[0]
    assert wo.reason_codes == ["PLB-WO"] and wo.amount == Decimal("25.00")
    assert wo.detail["reference"] == "RECOUP2024A" and wo.detail["amount"] == "25.00"
    assert wo.detail["entry_id"] == entries[0].entry_id
    assert wo.claim_id is None and wo.payer_id == PAYER and wo.source == REMITTANCE.source_key


def test_identical_pairs_get_distinct_ids_and_a_rerun_gets_the_same_ids() -> None:
    adjustments = plb("CS", "2.00", "CS", "2.00")
    entries, followups = decide_provider_adjustments(adjustments, REMITTANCE, NOW)
    assert entries[0].entry_id != entries[1].entry_id
    again = decide_provider_adjustments(adjustments, REMITTANCE, NOW)
    assert again == (entries, followups)
    other_trace = REMITTANCE.model_copy(update={"trace_number": "OTHER"})
    assert decide_provider_adjustments(adjustments, other_trace, NOW)[0][0].entry_id != entries[0].entry_id
