"""The values the services hand their stores."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from remitflow.domain.followups import Followup, FollowupStatus
from remitflow.domain.posting import PostingRecord
from remitflow.domain.resolutions import AuditEntry

# ---------------------------------------------------------------------------------------- values


@dataclass(frozen=True)
class StoredPosting:
    """A posting as the claims ledger keeps it: the record, the follow-ups it raised, the money it held."""

    record: PostingRecord
    followups: list[Followup]
    unapplied_cash: Decimal


@dataclass(frozen=True)
class RemittanceKey:
    """What makes two 835 transaction sets the same payment: TRN02, TRN03, BPR02, BPR16."""

    payer_id: str
    trace_number: str
    amount: Decimal
    payment_date: date | None

    @property
    def era_id(self) -> str:
        """The remittance's id. Its record is stored under it, and its reconciliation items and
        follow-up ids are derived from it, so this spelling must never change."""
        when = self.payment_date.isoformat() if self.payment_date else "-"
        return f"ERA#{self.payer_id}#{self.trace_number}#{self.amount}#{when}"


@dataclass(frozen=True)
class WorklistFilter:
    """Which follow-ups to list. A status picks the by_status index, else a type picks by_type; both
    are sorted by created_at, so the age range is part of the key condition and the rest are filters."""

    status: str | None = FollowupStatus.OPEN.value
    type: str | None = None
    payer_id: str | None = None
    claim_id: str | None = None
    assignee: str | None = None
    created_from: datetime | None = None  # created at or after
    created_to: datetime | None = None  # created at or before
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None


class BadCursor(ValueError):
    """A cursor the worklist did not give out (or one from another listing)."""


@dataclass(frozen=True)
class FollowupChange:
    """A conditional update of one worklist item: fields to set and remove, and the audit entry that is
    appended to its history in the same write. It applies only to the version the caller saw (and,
    with `require_open`, only while the follow-up is open)."""

    followup_id: str
    expected_version: int
    audit: AuditEntry
    set: Mapping[str, Any]
    remove: tuple[str, ...] = ()
    require_open: bool = True


@dataclass(frozen=True)
class CashRelease:
    """Held money (the unapplied cash held under `held_posting_id`) leaving the suspense account:
    status held -> applied, only while it is still held."""

    held_posting_id: str
    fields: Mapping[str, Any]
