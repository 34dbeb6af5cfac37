"""Pure domain rules: claims, the posting engine, follow-ups. No boto3, no environment, no I/O."""

from typing import TYPE_CHECKING

from remitflow.lazy import lazy_exports

if TYPE_CHECKING:  # the names, for type checkers
    from remitflow.domain.claims import Claim as Claim
    from remitflow.domain.claims import ClaimLine as ClaimLine
    from remitflow.domain.claims import ClaimStatus as ClaimStatus
    from remitflow.domain.claims import FeeSchedule as FeeSchedule
    from remitflow.domain.claims import FeeScheduleEntry as FeeScheduleEntry
    from remitflow.domain.followups import Followup as Followup
    from remitflow.domain.followups import FollowupStatus as FollowupStatus
    from remitflow.domain.followups import FollowupType as FollowupType
    from remitflow.domain.followups import new_followup as new_followup
    from remitflow.domain.ledger import EntryKind as EntryKind
    from remitflow.domain.ledger import LedgerEntry as LedgerEntry
    from remitflow.domain.posting import Outcome as Outcome
    from remitflow.domain.posting import PostingDecision as PostingDecision
    from remitflow.domain.posting import PostingRecord as PostingRecord
    from remitflow.domain.posting import RemittanceRef as RemittanceRef
    from remitflow.domain.posting import decide as decide
    from remitflow.domain.posting import hold_broken_claim as hold_broken_claim
    from remitflow.domain.posting import occurrences as occurrences
    from remitflow.domain.posting import posting_id as posting_id
    from remitflow.domain.provider_adjustments import ProviderEntryKind as ProviderEntryKind
    from remitflow.domain.provider_adjustments import ProviderLedgerEntry as ProviderLedgerEntry
    from remitflow.domain.provider_adjustments import decide_provider_adjustments as decide_provider_adjustments
    from remitflow.domain.underpayment import LineShortfall as LineShortfall
    from remitflow.domain.underpayment import UnderpaymentTolerance as UnderpaymentTolerance

__getattr__, __all__ = lazy_exports(
    __name__,
    {
        "claims": ("Claim", "ClaimLine", "ClaimStatus", "FeeSchedule", "FeeScheduleEntry"),
        "followups": ("Followup", "FollowupStatus", "FollowupType", "new_followup"),
        "ledger": ("EntryKind", "LedgerEntry"),
        "posting": (
            "Outcome",
            "PostingDecision",
            "PostingRecord",
            "RemittanceRef",
            "decide",
            "hold_broken_claim",
            "occurrences",
            "posting_id",
        ),
        "provider_adjustments": ("ProviderEntryKind", "ProviderLedgerEntry", "decide_provider_adjustments"),
        "underpayment": ("LineShortfall", "UnderpaymentTolerance"),
    },
)
