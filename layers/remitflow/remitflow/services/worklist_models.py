"""What the worklist takes in and gives back: the requests the API (and the CLI) validate, and the
JSON views of follow-ups. Money is text with two decimals ("75.00"), times ISO 8601.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from remitflow.domain.followups import Followup, FollowupStatus, FollowupType
from remitflow.domain.work_items import AuditEntry, Resolution, WorkItem, WriteOffBalance
from remitflow.values import money_text

# [0-9], not \d: without re.ASCII \d also takes Arabic-Indic or full-width digits (U+0661, U+FF11),
# which Decimal() reads as if they were ASCII ones.
MONEY_TEXT = re.compile(r"[0-9]{1,10}(\.[0-9]{1,2})?")
MAX_PAGE = 200


def _money_text(value: object) -> object:
    # Money arrives as text: a JSON number would have gone through a float on the way.
    if not isinstance(value, str) or not MONEY_TEXT.fullmatch(value.strip()):
        raise ValueError('money as a string of ASCII digits with at most two decimals, e.g. "12.34"')
    return Decimal(value.strip())


MoneyText = Annotated[Decimal, BeforeValidator(_money_text)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class AssignRequest(Request):
    assignee: Name | None = None  # default: the caller
    expected_version: int | None = Field(default=None, ge=0)


class UnassignRequest(Request):
    expected_version: int | None = Field(default=None, ge=0)


class ResolveRequest(Request):
    """Which fields a resolution needs is checked by the service (400 naming the field)."""

    resolution: Resolution
    note: Text
    expected_version: int | None = Field(default=None, ge=0)
    claim_id: Name | None = None  # applied_to_claim: the claim the money pays; written_off: default the follow-up's
    write_off_reason: Text | None = None  # patient balance: small_balance, hardship or courtesy
    amount: MoneyText | None = None  # written_off: default the claim's whole insurance (or patient) balance
    appeal_due_date: date | None = None
    write_off_balance: WriteOffBalance | None = None  # written_off: default insurance


class ReopenRequest(Request):
    """Reopen a resolved follow-up; what its resolution posted is reversed. `note` says why."""

    note: Text
    expected_version: int | None = Field(default=None, ge=0)


StatusChoice = Literal["open", "appealed", "resolved", "any"]


class ListQuery(Request):
    """`status` "any" lists every status of one `type` (the by_type index)."""

    status: StatusChoice = "open"
    type: FollowupType | None = None
    payer_id: Name | None = None
    claim_id: Name | None = None
    assignee: Name | None = None
    min_age_days: int | None = Field(default=None, ge=0)
    max_age_days: int | None = Field(default=None, ge=0)
    min_amount: MoneyText | None = None
    max_amount: MoneyText | None = None
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=MAX_PAGE)
    mine: bool = False  # the API fills `assignee` with the caller ("my items")


# ----------------------------------------------------------------------------------------- views


class View(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class FollowupView(View):
    id: str
    type: FollowupType
    status: FollowupStatus
    claim_id: str | None
    payer_id: str | None
    payer_name: str | None = None  # the 835's N1*PR for this payer id, once one was posted
    amount: str | None
    reason_codes: list[str]
    summary: str  # the type and each reason code in words: "denied: CO-50 not medically necessary (appeal)"
    created_at: str
    age_days: int
    assignee: str | None
    resolution: Resolution | None
    note: str | None
    version: int
    source: str
    detail: dict[str, Any]
    appeal_due_date: str | None = None  # appealed: when it comes back if the payer has not answered
    reopened: int = 0  # how many times it was reopened
    # How old the money is, not the follow-up: the ERA's payment date (a deposit's booking date) and
    # the claim's first date of service, with the days since each (None where it is not known).
    payment_date: str | None = None
    service_date: str | None = None
    days_since_payment: int | None = None
    days_since_service: int | None = None


class AuditView(View):
    at: str
    by: str
    action: str
    before: dict[str, Any]
    after: dict[str, Any]
    note: str | None


class FollowupPage(View):
    items: list[FollowupView]
    next_cursor: str | None
    counts_by_type: dict[str, int]


class FollowupDetail(View):
    followup: FollowupView
    history: list[AuditView]
    claim: dict[str, Any] | None  # services.claim_view: balances, lines, postings with their entries
    claim_payment: dict[str, Any] | None  # the 835 claim payment the follow-up keeps, if any
    resolutions: list[Resolution]  # the resolutions that fit this follow-up's type


class ResolveResult(View):
    followup: FollowupView
    claim: dict[str, Any] | None


def followup_view(
    item: WorkItem, now: datetime, payer_name: str | None = None, claim_service_date: date | None = None
) -> FollowupView:
    """`claim_service_date`: the claim's, for follow-ups whose detail names no date of service."""
    followup = item.followup
    paid = _day(followup.detail.get("payment_date")) or _day(followup.detail.get("booking_date"))
    served = detail_service_date(followup.detail) or claim_service_date
    return FollowupView(
        id=followup.id,
        type=followup.type,
        status=followup.status,
        claim_id=followup.claim_id,
        payer_id=followup.payer_id,
        payer_name=payer_name,
        amount=None if followup.amount is None else money_text(followup.amount),
        reason_codes=followup.reason_codes,
        summary=followup_summary(followup),
        created_at=followup.created_at.isoformat(),
        age_days=max((now - followup.created_at).days, 0),
        assignee=item.assignee,
        resolution=item.resolution,
        note=item.note,
        version=item.version,
        source=followup.source,
        detail=followup.detail,
        appeal_due_date=None if item.appeal_due_date is None else item.appeal_due_date.isoformat(),
        reopened=item.reopened,
        payment_date=None if paid is None else paid.isoformat(),
        service_date=None if served is None else served.isoformat(),
        days_since_payment=None if paid is None else max((now.date() - paid).days, 0),
        days_since_service=None if served is None else max((now.date() - served).days, 0),
    )


def detail_service_date(detail: dict[str, Any]) -> date | None:
    """The first date of service the follow-up's detail records: the 835 claim payment's statement
    period or service lines, else the posting's lines."""
    payment = detail.get("claim_payment")
    payment = payment if isinstance(payment, dict) else {}
    lines = [*_rows(payment.get("service_lines")), *_rows(detail.get("lines"))]
    days = [_day(payment.get("statement_period_start")), *(_day(line.get("service_date")) for line in lines)]
    known = [day for day in days if day is not None]
    return min(known) if known else None


def _rows(value: object) -> list[dict[str, Any]]:
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


def _day(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def followup_summary(followup: Followup) -> str:
    # The code words load with the first follow-up shown, not with every request's models.
    from remitflow.domain.code_words import reasons_text  # noqa: PLC0415

    kind = followup.type.value.replace("_", " ")
    reasons = reasons_text(followup.reason_codes)
    return f"{kind}: {reasons}" if reasons else kind


def audit_view(entry: AuditEntry) -> AuditView:
    return AuditView(
        at=entry.at.isoformat(),
        by=entry.by,
        action=entry.action,
        before=entry.before,
        after=entry.after,
        note=entry.note,
    )
