"""Pure domain rules: claims, the posting engine, follow-ups. No boto3, no environment, no I/O."""

from remitflow.domain.claims import Claim, ClaimLine, ClaimStatus, FeeSchedule, FeeScheduleEntry
from remitflow.domain.followups import Followup, FollowupStatus, FollowupType, new_followup
from remitflow.domain.ledger import EntryKind, LedgerEntry
from remitflow.domain.posting import (
    Outcome,
    PostingDecision,
    PostingRecord,
    RemittanceRef,
    decide,
    hold_broken_claim,
    occurrences,
    posting_id,
)
from remitflow.domain.provider_adjustments import ProviderEntryKind, ProviderLedgerEntry, decide_provider_adjustments
from remitflow.domain.underpayment import LineShortfall, UnderpaymentTolerance

__all__ = [
    "Claim",
    "ClaimLine",
    "ClaimStatus",
    "EntryKind",
    "FeeSchedule",
    "FeeScheduleEntry",
    "Followup",
    "FollowupStatus",
    "FollowupType",
    "LedgerEntry",
    "LineShortfall",
    "Outcome",
    "PostingDecision",
    "PostingRecord",
    "ProviderEntryKind",
    "ProviderLedgerEntry",
    "RemittanceRef",
    "UnderpaymentTolerance",
    "decide",
    "decide_provider_adjustments",
    "hold_broken_claim",
    "new_followup",
    "occurrences",
    "posting_id",
]
