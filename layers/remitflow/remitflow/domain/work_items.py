"""The worklist's items as stored: a follow-up with who has it, how it was resolved, and its history.

Apart from the resolutions that move money (`resolutions`, which build on the posting engine) so
that listing, reading and auditing follow-ups loads none of the posting rules.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, Field

from remitflow.domain.followups import Followup, FollowupStatus
from remitflow.values import DomainModel


class Resolution(StrEnum):
    APPLIED_TO_CLAIM = "applied_to_claim"
    WRITTEN_OFF = "written_off"
    APPEALED = "appealed"
    REFUND_REQUESTED = "refund_requested"
    PAYER_CONTACTED = "payer_contacted"
    DUPLICATE = "duplicate"
    NO_ACTION = "no_action"


class WriteOffBalance(StrEnum):
    INSURANCE = "insurance"  # what the payers still owe (the default)
    PATIENT = "patient"  # what the patient owes


class AuditEntry(DomainModel):
    """One change to a follow-up: who, when, what, and the fields before and after (JSON text only)."""

    at: AwareDatetime
    by: str
    action: str  # assigned, unassigned, resolved
    before: dict[str, Any] = Field(default_factory=dict)
    after: dict[str, Any] = Field(default_factory=dict)
    note: str | None = Field(default=None, repr=False)  # free text: may name the patient


class WorkItem(DomainModel):
    """A follow-up as it stands on the worklist: who has it, how it was resolved, and its history.
    `version` moves on every change, so two billers acting at once cannot both succeed."""

    followup: Followup
    version: int = 0
    assignee: str | None = None
    assigned_at: AwareDatetime | None = None
    resolution: Resolution | None = None
    note: str | None = Field(default=None, repr=False)  # free text: may name the patient
    resolved_by: str | None = None
    resolved_at: AwareDatetime | None = None
    appeal_due_date: date | None = None
    resolved_claim_id: str | None = None  # the claim a money-moving resolution posted to
    reopened: int = 0  # how many times it was reopened: the round its next posting id is keyed on
    appeal_postings_seen: int | None = None  # postings on the claim when it was appealed
    history: list[AuditEntry] = Field(default_factory=list)


def status_after(resolution: Resolution) -> FollowupStatus:
    """An appeal waits for the payer's answer under its own status; every other resolution closes."""
    return FollowupStatus.APPEALED if resolution is Resolution.APPEALED else FollowupStatus.RESOLVED


def resolved_fields(resolution: Resolution, note: str, by: str, now: datetime) -> dict[str, Any]:
    """The worklist item's fields once resolved (or appealed)."""
    return {
        "status": status_after(resolution).value,
        "resolution": resolution.value,
        "note": note,
        "resolved_by": by,
        "resolved_at": now.isoformat(),
    }


def resolution_audit(
    item: WorkItem,
    resolution: Resolution,
    note: str,
    by: str,
    now: datetime,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """A resolution's audit entry: the follow-up's state, plus what else it changed (claim, held money)."""
    return AuditEntry(
        at=now,
        by=by,
        action="resolved",
        before={"status": item.followup.status.value, "resolution": None, "assignee": item.assignee} | (before or {}),
        after={"status": status_after(resolution).value, "resolution": resolution.value} | (after or {}),
        note=note,
    )
