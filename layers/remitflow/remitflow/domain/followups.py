"""Follow-ups: everything a biller must look at, with a deterministic id so a retry finds it again."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import AwareDatetime, Field, field_validator

from remitflow.values import DomainModel, Money, stable_id

if TYPE_CHECKING:  # in signatures only: importing follow-ups does not load the 835 models
    from remitflow.x12.models import Adjustment, ClaimPayment


class FollowupType(StrEnum):
    CLAIM_NOT_FOUND = "claim_not_found"
    DENIED = "denied"
    UNDERPAID = "underpaid"
    OVERPAID = "overpaid"
    UNBALANCED = "unbalanced"
    REVERSAL_UNMATCHED = "reversal_unmatched"
    PROVIDER_ADJUSTMENT = "provider_adjustment"
    DUPLICATE_REMITTANCE = "duplicate_remittance"
    UNREADABLE_FILE = "unreadable_file"
    IMPORT_ERROR = "import_error"
    NOT_OUR_CLAIM = "not_our_claim"  # CLP02 23
    AMOUNT_MISMATCH = "amount_mismatch"  # ERA and deposit share a trace, not an amount
    ERA_WITHOUT_DEPOSIT = "era_without_deposit"  # no deposit past the CORE 370 window
    DEPOSIT_WITHOUT_ERA = "deposit_without_era"  # money in the bank that no ERA explains
    # Two bank files (or formats) report the same bank reference, account and day with other amounts.
    DUPLICATE_BANK_REFERENCE = "duplicate_bank_reference"
    # A service line that fits several of our claim lines equally (modifiers dropped or added by the
    # payer): posted at claim level until a person says which line it pays.
    LINE_NOT_MATCHED = "line_not_matched"
    # Not for a person: a payer posting landed on a claim under appeal (Claim.appeals). The worklist
    # takes it as the answer and closes those appeals; it never opens as an item of its own.
    APPEAL_ANSWERED = "appeal_answered"


# The types a person works, in the order the page and the CLI offer them: all but APPEAL_ANSWERED,
# a message to the worklist that never opens as an item of its own.
PERSON_FACING_TYPES: tuple[FollowupType, ...] = tuple(t for t in FollowupType if t is not FollowupType.APPEAL_ANSWERED)


class FollowupStatus(StrEnum):
    OPEN = "open"
    # Appealed to the payer: off the open list, on its own, until the payer answers (a new ERA
    # posts to the claim) or its appeal_due_date comes (the daily sweep opens it again, due).
    APPEALED = "appealed"
    RESOLVED = "resolved"


# A biller may still act on these (take, resolve); a resolved one must be reopened first.
WORKABLE = frozenset({FollowupStatus.OPEN, FollowupStatus.APPEALED})


class Followup(DomainModel):
    id: str
    type: FollowupType
    status: FollowupStatus = FollowupStatus.OPEN
    claim_id: str | None = None
    payer_id: str | None = None
    amount: Money | None = None
    reason_codes: list[str] = Field(default_factory=list)  # CARC as "CO-45", RARC as "N115"
    # JSON only (money as strings). May hold the 835 claim payment, names included: kept out of repr
    # so that logging a follow-up by accident does not log PHI.
    detail: dict[str, Any] = Field(default_factory=dict, repr=False)
    created_at: AwareDatetime
    source: str  # the object key of the file it came from

    @field_validator("detail")
    @classmethod
    def _json_only(cls, detail: dict[str, Any]) -> dict[str, Any]:
        _check_json(detail, "detail")
        return detail


def _check_json(value: object, path: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{path}: keys must be strings, found {type(key).__name__}")
            _check_json(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, f"{path}[{index}]")
    elif value is not None and not isinstance(value, str | int):  # bool is an int
        raise ValueError(f"{path}: expected JSON text, numbers as strings; found {type(value).__name__}")


def followup_id(type_: FollowupType, *key: str | int | None) -> str:
    """The id of the follow-up of `type_` about `key`: the same whoever raises it, however often."""
    return stable_id("followup", type_.value, *key)


def new_followup(
    type_: FollowupType,
    *,
    key: Sequence[str | int | None],
    created_at: AwareDatetime,
    source: str,
    claim_id: str | None = None,
    payer_id: str | None = None,
    amount: Decimal | None = None,
    reason_codes: Iterable[str] = (),
    detail: dict[str, Any] | None = None,
) -> Followup:
    """A follow-up whose id is a hash of its type and natural `key` (e.g. the posting id)."""
    return Followup(
        id=followup_id(type_, *key),
        type=type_,
        claim_id=claim_id,
        payer_id=payer_id,
        amount=amount,
        reason_codes=list(reason_codes),
        detail=detail or {},
        created_at=created_at,
        source=source,
    )


def unreadable_file(
    source: str,
    version_id: str | None,
    *,
    reason: str,
    created_at: AwareDatetime,
    problems: Sequence[dict[str, Any]] | None = None,
    **detail: Any,
) -> Followup:
    """UNREADABLE_FILE for a file (or the parts of it) no reader could take; one per file version.
    Lists the first 100 problems (a follow-up travels as one SQS message) and how many there were."""
    return new_followup(
        FollowupType.UNREADABLE_FILE,
        key=("file", source, version_id),
        created_at=created_at,
        source=source,
        detail={"reason": reason, "file": source, "version_id": version_id}
        | ({} if problems is None else {"problems": list(problems[:100]), "problem_count": len(problems)})
        | detail,
    )


# Who the patient is: needed to find an unknown claim, not to work one we hold.
PATIENT_ENTITIES = frozenset({"patient", "insured", "corrected_patient", "other_subscriber"})
# REF qualifiers that identify a person: group/policy, member, employee, medical record, policy, SSN.
PATIENT_REFERENCES = frozenset({"1L", "1W", "28", "EA", "IG", "SY"})


# No 835 element a biller reads is longer (PER04 is at most 256; names 60, REF02 50, CLP01 38): longer
# text is cut here with a marker, so a name of 500 KB cannot push the follow-up, the posting that
# keeps it or its queue message past a size limit. It is PHI anyway: keep only what a person needs.
FREE_TEXT_LIMIT = 256


def truncated(text: str, limit: int = FREE_TEXT_LIMIT) -> str:
    """`text`, or its first `limit` characters and a marker saying how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}...[truncated: {len(text)} characters]"


def _bounded(value: Any) -> Any:
    if isinstance(value, str):
        return truncated(value)
    if isinstance(value, dict):
        return {key: _bounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_bounded(item) for item in value]
    return value


def claim_payment_detail(claim_payment: ClaimPayment, *, identify_patient: bool) -> dict[str, Any]:
    """The 835 claim payment as JSON for the worklist; without patient identifiers unless asked for;
    free text beyond FREE_TEXT_LIMIT cut with a marker (it still reads back as a claim payment)."""
    if identify_patient:
        detail: dict[str, Any] = claim_payment.model_dump(mode="json")
    else:
        detail = claim_payment.model_dump(mode="json", exclude=set(PATIENT_ENTITIES))
        detail["references"] = [r for r in detail["references"] if r["qualifier"] not in PATIENT_REFERENCES]
    bounded: dict[str, Any] = _bounded(detail)
    return bounded


def adjustment_codes(adjustments: Iterable[Adjustment]) -> list[str]:
    """CARCs as "CO-50", each once, in file order."""
    return list(dict.fromkeys(f"{a.group}-{a.reason}" for a in adjustments))


def remark_codes(claim_payment: ClaimPayment) -> list[str]:
    """RARCs from the claim's MOA/MIA and its lines' LQ segments, each once."""
    codes: list[str] = []
    for adjudication in (claim_payment.outpatient_adjudication, claim_payment.inpatient_adjudication):
        if adjudication is not None:
            codes.extend(adjudication.remark_codes)
    for line in claim_payment.service_lines:
        codes.extend(line.remarks)
    return list(dict.fromkeys(codes))
