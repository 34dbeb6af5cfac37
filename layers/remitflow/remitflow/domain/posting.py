"""The posting engine: what one 835 claim payment does to a claim's ledger and to the worklist.

Pure: the caller looks up the claim and its earlier postings and passes the time in; `decide` returns
the entries, the claim to write (version + 1) and the follow-ups. Every cent of CLP04 ends up either
posted (`posted_payment`) or held (`unapplied_cash`), never both, never neither.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import Field

from remitflow.domain.claims import Claim, ClaimStatus, FeeSchedule
from remitflow.domain.followups import (
    Followup,
    FollowupType,
    adjustment_codes,
    claim_payment_detail,
    new_followup,
    remark_codes,
)
from remitflow.domain.ledger import (
    PRIOR_PAYER_IMPACT,
    LedgerEntry,
    balance_updates,
    paid_by,
    payment_entries,
    reversal_entries,
)
from remitflow.domain.lines import WHY_AMBIGUOUS, LineMatch, ambiguity, pair_lines
from remitflow.domain.underpayment import UnderpaymentTolerance, underpaid_lines
from remitflow.values import ZERO, DomainModel, Money, cents, money_text, stable_id
from remitflow.x12.base_models import Adjustment

if TYPE_CHECKING:  # in signatures only: reading a posting does not load the whole 835
    from remitflow.x12.models import BrokenClaim, ClaimPayment, ServiceLine, TransactionHeader

# CLP02 claim status codes
PROCESSED = frozenset({"1", "2", "3", "19", "20", "21"})  # processed as primary, secondary, tertiary
PROCESSED_AND_FORWARDED = frozenset({"19", "20", "21"})  # ... and sent on to the next payer
STATUS_DENIED, STATUS_REVERSAL, STATUS_NOT_OUR_CLAIM, STATUS_PREDETERMINATION = "4", "22", "23", "25"


class Outcome(StrEnum):
    POSTED = "posted"
    DENIED = "denied"
    FORWARDED = "forwarded"
    REVERSED = "reversed"
    NOT_FOUND = "not_found"
    UNBALANCED = "unbalanced"
    NOT_OUR_CLAIM = "not_our_claim"
    PREDETERMINATION = "predetermination"
    REVERSAL_UNMATCHED = "reversal_unmatched"
    UNKNOWN_STATUS = "unknown_status"
    NO_OP = "no_op"  # this posting is already on the claim (a retry or a re-upload)
    WRITTEN_OFF = "written_off"  # a biller wrote off (part of) the balance: see domain.resolutions


REVERSIBLE = frozenset({Outcome.POSTED, Outcome.FORWARDED, Outcome.DENIED})
DEFAULT_TOLERANCE = UnderpaymentTolerance(amount=Decimal("1.00"), percent=Decimal(2))


class RemittanceRef(DomainModel):
    """The remittance (one 835 transaction set) a claim payment came in."""

    payer_id: str  # TRN03
    trace_number: str  # TRN02: check or EFT trace
    payment_date: date | None = None  # BPR16
    source_key: str  # object key of the 835 file
    # BPR02 as read, as text: with TRN and BPR16 it names the transaction set, spelled as the ERA's
    # record key spells it (a number would come back from DynamoDB normalised, "319.5").
    payment_amount: str | None = None

    @classmethod
    def from_header(cls, header: TransactionHeader, source_key: str) -> RemittanceRef:
        payment = header.payment
        payer = payment.payer_identifier or (header.payer.identifier if header.payer else None) or ""
        # Without a TRN the ids still need a trace that belongs to this transaction set only.
        trace = payment.trace_number or f"ISA{header.interchange.control_number}-ST{header.control_number}"
        return cls(
            payer_id=payer,
            trace_number=trace,
            payment_date=payment.effective_date,
            source_key=source_key,
            payment_amount=str(payment.amount),
        )


class ClaimPaymentFigures(DomainModel):
    """The CLP's own figures and its CAS, as the ERA shows them: kept with the posting of an 835
    claim payment so the ERA's view reads them from the ledger, never from the file again."""

    segment_number: int  # the CLP's position in the file: the ERA's claims in file order
    charge_amount: Money  # CLP03
    paid_amount: Money  # CLP04
    patient_responsibility: Money | None = None  # CLP05
    # Claim- and line-level CAS summed by group and reason, in the order first met: bounded by the
    # codes used, not the lines, so a claim of thousands of lines still fits its posting item.
    adjustments: list[Adjustment] = Field(default_factory=list)

    @classmethod
    def of(cls, cp: ClaimPayment) -> ClaimPaymentFigures:
        sums: dict[tuple[str, str], Decimal] = {}
        for cas in cp.all_adjustments():
            sums[(cas.group, cas.reason)] = sums.get((cas.group, cas.reason), ZERO) + cas.amount
        return cls(
            segment_number=cp.segment_number,
            charge_amount=cp.charge_amount,
            paid_amount=cp.paid_amount,
            patient_responsibility=cp.patient_responsibility,
            adjustments=[Adjustment(group=g, reason=r, amount=amount) for (g, r), amount in sums.items()],
        )


class PostingRecord(DomainModel):
    """What is kept of a posting decision: enough to find and reverse it later."""

    posting_id: str
    claim_id: str  # CLP01
    remittance: RemittanceRef
    payer_claim_control_number: str | None  # CLP07: how a reversal finds its original
    status_code: str  # CLP02
    outcome: Outcome
    entries: list[LedgerEntry] = Field(default_factory=list)
    posted_payment: Money = ZERO
    reverses: str | None = None  # the posting id a reversal undid
    # The ERA line this posting decided (None for a biller's posting of held money).
    figures: ClaimPaymentFigures | None = None


class PostingDecision(PostingRecord):
    claim: Claim | None  # the claim to write, conditional on version - 1; None: nothing to write
    followups: list[Followup] = Field(default_factory=list)
    unapplied_cash: Money = ZERO  # money held: claim not found, unbalanced, not ours, unmatched reversal

    def record(self) -> PostingRecord:
        return PostingRecord.model_validate(self.model_dump(include=set(PostingRecord.model_fields)))


def posting_id(
    payer_id: str,
    trace_number: str,
    patient_control_number: str,
    payer_claim_control_number: str | None,
    status_code: str,
    occurrence: int,
) -> str:
    """Deterministic: the same claim payment of the same remittance always gets the same id."""
    key = (payer_id, trace_number, patient_control_number, payer_claim_control_number, status_code, occurrence)
    return stable_id("posting", *key)


def occurrences(claim_payments: Iterable[ClaimPayment]) -> list[int]:
    """For each claim payment of one remittance, how many earlier ones share its posting key."""
    seen: Counter[tuple[str, str | None, str]] = Counter()
    result = []
    for cp in claim_payments:
        key = (cp.patient_control_number, cp.payer_claim_control_number, cp.status_code)
        result.append(seen[key])
        seen[key] += 1
    return result


class _Posting:
    """One claim payment being decided: builds its follow-ups and its decision."""

    def __init__(
        self,
        claim_payment: ClaimPayment,
        remittance: RemittanceRef,
        claim: Claim | None,
        pid: str,
        now: datetime,
        *,
        figures: ClaimPaymentFigures | None = None,
    ) -> None:
        self.figures = figures
        self.cp = claim_payment
        self.remittance = remittance
        self.claim = claim
        self.id = pid
        self.now = now

    def followup(
        self, type_: FollowupType, amount: Decimal | None, reason_codes: Iterable[str] = (), **detail: Any
    ) -> Followup:
        cp = self.cp
        base = {
            "posting_id": self.id,
            "trace_number": self.remittance.trace_number,
            "payment_date": None if self.remittance.payment_date is None else self.remittance.payment_date.isoformat(),
            "payer_claim_control_number": cp.payer_claim_control_number,
            "status_code": cp.status_code,
            "charge_amount": money_text(cp.charge_amount),
            "paid_amount": money_text(cp.paid_amount),
        }
        return new_followup(
            type_,
            key=(self.id,),
            created_at=self.now,
            source=self.remittance.source_key,
            claim_id=cp.patient_control_number,
            payer_id=self.remittance.payer_id,
            amount=amount,
            reason_codes=reason_codes,
            detail=base | detail,
        )

    def touched(self, claim: Claim, **updates: Any) -> Claim:
        """The claim with this posting on it: next version, posting id recorded (a retry is a no-op)."""
        return claim.model_copy(
            update={"version": claim.version + 1, "posting_ids": [*claim.posting_ids, self.id], **updates}
        )

    def decision(
        self,
        outcome: Outcome,
        *,
        claim: Claim | None,
        entries: Sequence[LedgerEntry] = (),
        followups: Sequence[Followup] = (),
        unapplied: Decimal = ZERO,
        reverses: str | None = None,
    ) -> PostingDecision:
        return PostingDecision(
            posting_id=self.id,
            claim_id=self.cp.patient_control_number,
            remittance=self.remittance,
            payer_claim_control_number=self.cp.payer_claim_control_number,
            status_code=self.cp.status_code,
            outcome=outcome,
            entries=list(entries),
            posted_payment=paid_by(entries),
            reverses=reverses,
            claim=claim,
            followups=list(followups),
            unapplied_cash=unapplied,
            figures=self.figures,
        )

    def hold(self, outcome: Outcome, type_: FollowupType, why: str, **detail: Any) -> PostingDecision:
        """Nothing posted, all of CLP04 held; the follow-up keeps the claim payment to work from (with the
        patient's identity only when the claim is unknown: then it is how the biller finds it)."""
        followup = self.followup(
            type_,
            self.cp.paid_amount,
            adjustment_codes(self.cp.all_adjustments()),
            reason=why,
            claim_payment=claim_payment_detail(self.cp, identify_patient=self.claim is None),
            **detail,
        )
        claim = None if self.claim is None else self.touched(self.claim)
        return self.decision(outcome, claim=claim, followups=[followup], unapplied=self.cp.paid_amount)


def decide(
    claim_payment: ClaimPayment,
    *,
    remittance: RemittanceRef,
    claim: Claim | None,
    occurrence: int,
    fee_schedule: FeeSchedule,
    prior_postings: Sequence[PostingRecord] = (),
    tolerance: UnderpaymentTolerance = DEFAULT_TOLERANCE,
    now: datetime,
    override_posting_id: str | None = None,
) -> PostingDecision:
    """Decide one claim payment. `claim` is the claim whose id is CLP01 (None: not found);
    `prior_postings` are this claim's earlier postings; `occurrence` comes from `occurrences`.
    `override_posting_id` replaces the id computed from the remittance: a biller applying held money
    to a claim keys the posting on the follow-up, so that money can be posted once only."""
    cp = claim_payment
    pid = override_posting_id or posting_id(
        remittance.payer_id,
        remittance.trace_number,
        cp.patient_control_number,
        cp.payer_claim_control_number,
        cp.status_code,
        occurrence,
    )
    # A biller's posting of held money (override) is not a line of the ERA: the held one is.
    figures = None if override_posting_id else ClaimPaymentFigures.of(cp)
    posting = _Posting(cp, remittance, claim, pid, now, figures=figures)
    if claim is None:
        return posting.hold(
            Outcome.NOT_FOUND, FollowupType.CLAIM_NOT_FOUND, "no claim with this patient control number"
        )
    if pid in claim.posting_ids:
        return posting.decision(Outcome.NO_OP, claim=None)
    if not cp.balanced or cp.errors:
        why = "the claim payment does not balance or could not be read whole"
        return posting.hold(Outcome.UNBALANCED, FollowupType.UNBALANCED, why, problems=cp.balance_errors + cp.errors)
    status = cp.status_code
    if status in PROCESSED:
        return _post(posting, claim, fee_schedule, tolerance)
    if status == STATUS_DENIED:
        return _deny(posting, claim)
    if status == STATUS_REVERSAL:
        return _reverse(posting, claim, prior_postings)
    if status == STATUS_NOT_OUR_CLAIM:
        return posting.hold(
            Outcome.NOT_OUR_CLAIM, FollowupType.NOT_OUR_CLAIM, "the payer says this claim is not theirs"
        )
    if status == STATUS_PREDETERMINATION and not cp.paid_amount:
        return posting.decision(Outcome.PREDETERMINATION, claim=posting.touched(claim))
    if status == STATUS_PREDETERMINATION:
        return posting.hold(Outcome.PREDETERMINATION, FollowupType.IMPORT_ERROR, "a predetermination carries money")
    return posting.hold(Outcome.UNKNOWN_STATUS, FollowupType.IMPORT_ERROR, f"unknown claim status {status!r}")


def _post(
    posting: _Posting, claim: Claim, fee_schedule: FeeSchedule, tolerance: UnderpaymentTolerance
) -> PostingDecision:
    cp = posting.cp
    pairs = pair_lines(cp.service_lines, claim.lines)
    matches = [pair.claim_line for pair in pairs]
    notes = [pair.note(index, line) for index, (pair, line) in enumerate(zip(pairs, cp.service_lines, strict=True), 1)]
    entries = payment_entries(cp, matches, posting.id, claim, notes)
    balances = balance_updates(claim, entries)
    posted = posting.touched(claim, **balances)
    posted = posted.model_copy(update={"status": _status_after(cp, posted)})

    followups = []
    denied = denied_lines(cp)
    if denied:
        lines = [cp.service_lines[index - 1] for index in denied]
        followups.append(
            posting.followup(
                FollowupType.DENIED,
                sum((line.charge_amount for line in lines), ZERO),
                adjustment_codes(a for line in lines for a in line.adjustments)
                + list(dict.fromkeys(code for line in lines for code in line.remarks)),
                lines=[_line_detail(index, line) for index, line in zip(denied, lines, strict=True)],
                denied_lines_only=True,
            )
        )
    unmatched = _ambiguous_lines(posting, pairs)
    if unmatched is not None:
        followups.append(unmatched)
    short = underpaid_lines(
        cp.service_lines,
        matches,
        payer_id=posting.remittance.payer_id,
        fee_schedule=fee_schedule,
        tolerance=tolerance,
        skip=denied,  # a denied line is the denial's to follow up, not also an underpayment
    )
    if short:
        codes = [code for line in short for code in line.adjustment_codes]
        followups.append(
            posting.followup(
                FollowupType.UNDERPAID,
                cents(sum((line.shortfall for line in short), ZERO)),
                list(dict.fromkeys(codes)),
                lines=[line.model_dump(mode="json") for line in short],
            )
        )
    if posted.insurance_balance < 0:
        followups.append(
            posting.followup(
                FollowupType.OVERPAID,
                -posted.insurance_balance,
                adjustment_codes(cp.all_adjustments()),
                balances=_balance_detail(posted),
            )
        )
    outcome = Outcome.FORWARDED if posted.status is ClaimStatus.FORWARDED else Outcome.POSTED
    return posting.decision(outcome, claim=posted, entries=entries, followups=followups)


def _status_after(claim_payment: ClaimPayment, posted: Claim) -> ClaimStatus:
    """Forwarded to the next payer; partially paid while the payers still owe; else the payer is done:
    paid, or, when it paid nothing and left the balance to the patient, the patient's responsibility."""
    if claim_payment.status_code in PROCESSED_AND_FORWARDED:
        return ClaimStatus.FORWARDED
    if posted.insurance_balance > 0:
        return ClaimStatus.PARTIALLY_PAID
    if not claim_payment.paid_amount and posted.patient_balance > 0:
        return ClaimStatus.PATIENT_RESPONSIBILITY
    return ClaimStatus.PAID


def _ambiguous_lines(posting: _Posting, pairs: Sequence[LineMatch]) -> Followup | None:
    """One LINE_NOT_MATCHED for the service lines that fit several claim lines equally (posted at claim
    level), naming each line's procedure, date and candidates; its amount is what those lines paid."""
    lines = [
        (index, line, pair)
        for index, (line, pair) in enumerate(zip(posting.cp.service_lines, pairs, strict=True), start=1)
        if pair.candidates
    ]
    if not lines:
        return None
    which = "; ".join(ambiguity(index, line, pair.candidates) for index, line, pair in lines)
    return posting.followup(
        FollowupType.LINE_NOT_MATCHED,
        cents(sum((line.paid_amount for _, line, _ in lines), ZERO)),
        reason=f"{which} ({WHY_AMBIGUOUS}): posted at claim level; choose the claim line",
        lines=[
            _line_detail(index, line)
            | {
                "service_date": None if line.service_date is None else line.service_date.isoformat(),
                "units": str(line.units),
                "paid_amount": money_text(line.paid_amount),
                "candidate_lines": pair.candidates,
            }
            for index, line, pair in lines
        ],
    )


def _balance_detail(claim: Claim) -> dict[str, str]:
    names = ("charge_amount", "insurance_paid", "contractual_adjustment", "other_adjustment")
    amounts = {name: getattr(claim, name) for name in names}
    amounts |= {"patient_responsibility": claim.patient_responsibility, "insurance_balance": claim.insurance_balance}
    return {name: money_text(amount) for name, amount in amounts.items()}


def denied_lines(claim_payment: ClaimPayment) -> list[int]:
    """The lines (from 1) of a processed claim that the payer paid nothing on and the patient owes
    nothing for: denied, bundled or rejected (CO-50, CO-97, CO-16...), to appeal or correct like a
    denied claim. A line a prior payer paid (OA-23) is not denied, nor one whose allowed amount went to
    the patient (PR-1 deductible, PR-2 coinsurance, PR-3 copay, even beside a CO-45 reduction)."""
    return [
        index
        for index, line in enumerate(claim_payment.service_lines, start=1)
        if not line.paid_amount
        and line.charge_amount > 0
        and _owed_by_the_patient(line) <= 0
        and any(map(_kept_by_the_payer, line.adjustments))
    ]


def _owed_by_the_patient(line: ServiceLine) -> Decimal:
    return sum((a.amount for a in line.adjustments if a.group == "PR"), ZERO)


def _kept_by_the_payer(adjustment: Adjustment) -> bool:
    """An amount the payer does not pay and the patient does not owe, other than a prior payer's share."""
    return (
        adjustment.amount > 0
        and adjustment.group != "PR"
        and (adjustment.group, adjustment.reason) != PRIOR_PAYER_IMPACT
    )


def _line_detail(index: int, line: ServiceLine) -> dict[str, Any]:
    return {
        "service_line": index,
        "procedure_code": line.procedure.code,
        "modifiers": list(line.procedure.modifiers),
        "charge_amount": money_text(line.charge_amount),
        "adjustment_codes": adjustment_codes(line.adjustments),
        "remark_codes": line.remarks,
    }


def _deny(posting: _Posting, claim: Claim) -> PostingDecision:
    """Nothing moves on the balances; the biller gets the reasons (CARC and RARC) to appeal or correct."""
    cp = posting.cp
    lines = [_line_detail(index, line) for index, line in enumerate(cp.service_lines, start=1)]
    codes = adjustment_codes(cp.all_adjustments()) + remark_codes(cp)
    # A denial pays nothing; should one carry money anyway, it is held, not posted.
    followup = posting.followup(
        FollowupType.DENIED, cp.charge_amount, codes, lines=lines, unapplied_cash=money_text(cp.paid_amount)
    )
    return posting.decision(
        Outcome.DENIED,
        claim=posting.touched(claim, status=ClaimStatus.DENIED),
        followups=[followup],
        unapplied=cp.paid_amount,
    )


def _reverse(posting: _Posting, claim: Claim, prior_postings: Sequence[PostingRecord]) -> PostingDecision:
    """CLP02 22 takes back an earlier payment: mirror the posting with the same CLP07, negated."""
    cp = posting.cp
    undone = {p.reverses for p in prior_postings if p.reverses}
    candidates = [
        p
        for p in prior_postings
        if p.outcome in REVERSIBLE
        and p.posting_id not in undone
        and p.claim_id == cp.patient_control_number
        and p.remittance.payer_id == posting.remittance.payer_id
        and cp.payer_claim_control_number is not None
        and p.payer_claim_control_number == cp.payer_claim_control_number
    ]
    if not candidates:
        why = "no earlier posting of this payer with this payer claim control number is left to reverse"
        return posting.hold(Outcome.REVERSAL_UNMATCHED, FollowupType.REVERSAL_UNMATCHED, why)
    exact = [p for p in candidates if p.posted_payment == -cp.paid_amount]
    if not exact:
        why = "the reversal takes back a different amount than the earlier posting paid"
        original = candidates[-1]
        return posting.hold(
            Outcome.REVERSAL_UNMATCHED,
            FollowupType.REVERSAL_UNMATCHED,
            why,
            candidate_posting_id=original.posting_id,
            candidate_posted_payment=money_text(original.posted_payment),
        )
    original = exact[-1]
    entries = reversal_entries(original.entries, posting.id, claim.claim_id)
    reversed_claim = posting.touched(claim, status=ClaimStatus.OPEN, **balance_updates(claim, entries))
    return posting.decision(Outcome.REVERSED, claim=reversed_claim, entries=entries, reverses=original.posting_id)


def hold_broken_claim(broken: BrokenClaim, remittance: RemittanceRef, now: datetime) -> Followup:
    """A claim payment the reader could not read whole: an IMPORT_ERROR whose amount (CLP04, when it
    could be read) is held as unapplied cash."""
    return new_followup(
        FollowupType.IMPORT_ERROR,
        key=(remittance.payer_id, remittance.trace_number, broken.transaction, broken.segment_number),
        created_at=now,
        source=remittance.source_key,
        claim_id=broken.patient_control_number,
        payer_id=remittance.payer_id,
        amount=broken.paid_amount,
        detail={
            "reason": "the claim payment could not be read",
            "transaction": broken.transaction,
            "segments": [broken.segment_number, broken.last_segment_number],
            "trace_number": remittance.trace_number,
            "status_code": broken.status_code,
            "payer_claim_control_number": broken.payer_claim_control_number,
            "charge_amount": None if broken.charge_amount is None else money_text(broken.charge_amount),
            "paid_amount": None if broken.paid_amount is None else money_text(broken.paid_amount),
            "problems": [problem.model_dump(mode="json") for problem in broken.problems],
        },
    )


def hold_unstorable(
    claim_payment: ClaimPayment, remittance: RemittanceRef, pid: str, now: datetime, why: str
) -> Followup:
    """A claim payment whose posting the ledger cannot keep (beyond DynamoDB's limits even split into
    parts): an IMPORT_ERROR whose CLP04 is held as unapplied cash, so the rest of the file posts.
    Keyed on the posting id: a retry decides the same and holds the money once. `why` names the record
    and the limit (ids and sizes only); the follow-up carries no patient identifiers."""
    cp = claim_payment
    return new_followup(
        FollowupType.IMPORT_ERROR,
        key=("unstorable", pid),
        created_at=now,
        source=remittance.source_key,
        claim_id=cp.patient_control_number,
        payer_id=remittance.payer_id,
        amount=cp.paid_amount,
        detail={
            "reason": f"the claim payment could not be posted: {why}; its payment is held for a person",
            "posting_id": pid,
            "segments": [cp.segment_number],
            "trace_number": remittance.trace_number,
            "status_code": cp.status_code,
            "payer_claim_control_number": cp.payer_claim_control_number,
            "charge_amount": money_text(cp.charge_amount),
            "paid_amount": money_text(cp.paid_amount),
            "service_lines": len(cp.service_lines),
        },
    )
