"""Ingest one 835 file: stream it, post each claim payment exactly once, raise the follow-ups.

Claim payments are handled in batches: one BatchGetItem reads the claims and any earlier posting of
the batch, then each claim payment commits in its own transaction. Follow-ups are sent to SQS only
after the postings that raised them have committed; a posting found already recorded (a retry, a
redelivered event) sends its stored follow-ups again, so a crash between commit and send loses
nothing and the worker's idempotency drops the repeats.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from pydantic import ValidationError

from remitflow.domain.claims import Claim, FeeSchedule
from remitflow.domain.errors import AlreadyPosted, Conflict, Unstorable
from remitflow.domain.followups import Followup, FollowupType, new_followup, unreadable_file
from remitflow.domain.posting import (
    STATUS_REVERSAL,
    Outcome,
    RemittanceRef,
    decide,
    hold_broken_claim,
    hold_unstorable,
    posting_id,
)
from remitflow.domain.provider_adjustments import decide_provider_adjustments
from remitflow.domain.recon_models import EraPayment
from remitflow.domain.remittance_balance import unbalanced_transaction
from remitflow.domain.underpayment import UnderpaymentTolerance
from remitflow.services.clock import utc_now
from remitflow.services.ports import ClaimStorage, FollowupSender, InboxFiles, RemittanceKey, RemittanceStorage
from remitflow.values import ZERO, cents, money_text
from remitflow.x12.errors import Problem, Severity
from remitflow.x12.models import BrokenClaim, ClaimPayment, TransactionEnd, TransactionHeader
from remitflow.x12.parser import RemittanceParser

if TYPE_CHECKING:
    from remitflow.services.reconciliation import Reconciliation

logger = Logger(child=True)

POSTED_OUTCOMES = frozenset({Outcome.POSTED, Outcome.FORWARDED, Outcome.REVERSED})
MAX_CONFLICT_RETRIES = 8


@dataclass
class TransactionSummary:
    """What happened to one 835 transaction set; money as Decimal until it is written out."""

    control_number: str
    payer_id: str
    trace_number: str
    payment_amount: Decimal
    payment_date: str | None
    payment_method: str
    duplicate_of: str | None = None
    claim_payments: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    posted_payment: Decimal = ZERO
    unapplied_cash: Decimal = ZERO
    provider_adjustments: Decimal = ZERO

    @property
    def accounted(self) -> Decimal:
        """Where BPR02 went: posted + held - kept by the payer; equals BPR02 when every cent has a place."""
        return cents(self.posted_payment + self.unapplied_cash - self.provider_adjustments)

    def as_json(self) -> dict[str, Any]:
        return {
            "control_number": self.control_number,
            "payer_id": self.payer_id,
            "trace_number": self.trace_number,
            "payment_amount": money_text(self.payment_amount),
            "payment_date": self.payment_date,
            "payment_method": self.payment_method,
            "duplicate_of": self.duplicate_of,
            "claim_payments": self.claim_payments,
            "outcomes": dict(sorted(self.outcomes.items())),
            "posted_payment": money_text(self.posted_payment),
            "unapplied_cash": money_text(self.unapplied_cash),
            "provider_adjustments": money_text(self.provider_adjustments),
            "money_accounted_for": self.duplicate_of is not None or self.accounted == self.payment_amount,
        }


@dataclass
class IngestSummary:
    source_key: str
    version_id: str | None
    processed_at: datetime
    transactions: list[TransactionSummary] = field(default_factory=list)
    followups_by_type: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    unreadable: bool = False
    eras_opened: int = 0  # remittances now waiting for their deposit

    @property
    def claims_posted(self) -> int:
        return sum(t.outcomes[o] for t in self.transactions for o in POSTED_OUTCOMES)

    @property
    def dollars_posted(self) -> Decimal:
        return cents(sum((t.posted_payment for t in self.transactions), ZERO))

    def as_json(self) -> dict[str, Any]:
        return {
            "source_key": self.source_key,
            "version_id": self.version_id,
            "processed_at": self.processed_at.isoformat(),
            "status": "unreadable" if self.unreadable else "processed",
            "claims_posted": self.claims_posted,
            "dollars_posted": money_text(self.dollars_posted),
            "followups_by_type": dict(sorted(self.followups_by_type.items())),
            "transactions": [t.as_json() for t in self.transactions],
            "problems": [p.model_dump(mode="json") for p in self.problems],
        }


class RemittanceIngest:
    """The use case behind RemittanceIngest; every dependency is passed in (AWS, moto or a fake)."""

    def __init__(
        self,
        *,
        inbox: InboxFiles,
        claims: ClaimStorage,
        remittances: RemittanceStorage,
        queue: FollowupSender,
        tolerance: UnderpaymentTolerance,
        batch_size: int = 50,
        clock: Callable[[], datetime] = utc_now,
        reconciliation: Reconciliation | None = None,
    ) -> None:
        self.reconciliation = reconciliation
        self.inbox = inbox
        self.claims = claims
        self.remittances = remittances
        self.queue = queue
        self.tolerance = tolerance
        self.batch_size = batch_size
        self.clock = clock

    def ingest(self, key: str, version_id: str | None = None) -> IngestSummary:
        summary = IngestSummary(source_key=key, version_id=version_id, processed_at=self.clock())
        parser = RemittanceParser(self.inbox.stream(key, version_id))
        run: _TransactionRun | None = None
        seen: set[str] = set()
        for event in parser:
            if isinstance(event, TransactionHeader):
                run = _TransactionRun(self, event, summary)
                seen.add(event.control_number)
            elif run is None:  # pragma: no cover - the reader emits a header before any claim
                continue
            elif isinstance(event, ClaimPayment):
                run.add(event)
            elif isinstance(event, BrokenClaim):
                run.broken(event)
            elif isinstance(event, TransactionEnd):
                run.finish(event)
                run = None
        summary.problems = [p for p in parser.problems if p.severity is Severity.ERROR]
        self._file_problems(summary, parser, seen)
        if summary.eras_opened and self.reconciliation is not None:
            self.reconciliation.reconcile(source=key)
        self.inbox.put_summary(key, summary.as_json())
        return summary

    def _file_problems(self, summary: IngestSummary, parser: RemittanceParser, seen: set[str]) -> None:
        """Errors no claim or transaction follow-up covers: the file (or part of it) could not be read."""
        outside = [p for p in summary.problems if p.transaction is None or p.transaction not in seen]
        summary.unreadable = parser.transactions_read == 0
        if not outside and not summary.unreadable:
            return
        problems = outside or summary.problems or [Problem(severity=Severity.ERROR, message="no 835 transaction set")]
        reason = "the file could not be read as an 835" if summary.unreadable else "parts of the file could not be read"
        followup = unreadable_file(
            summary.source_key,
            summary.version_id,
            reason=reason,
            created_at=summary.processed_at,
            problems=[p.model_dump(mode="json") for p in problems],
        )
        self.send(summary, [followup])
        logger.warning(reason, extra={"problem_count": len(problems)})

    def send(self, summary: IngestSummary, followups: Iterable[Followup]) -> None:
        followups = list(followups)
        if followups:
            self.queue.send(followups)
            summary.followups_by_type.update(f.type.value for f in followups)


class _TransactionRun:
    """One 835 transaction set being posted; claim payments are buffered into batches."""

    def __init__(self, ingest: RemittanceIngest, header: TransactionHeader, summary: IngestSummary) -> None:
        self.ingest = ingest
        self.summary = summary
        self.now = summary.processed_at
        self.header = header
        self.remittance = RemittanceRef.from_header(header, summary.source_key)
        payment = header.payment
        self.key = RemittanceKey(
            payer_id=self.remittance.payer_id,
            trace_number=self.remittance.trace_number,
            amount=payment.amount,
            payment_date=payment.effective_date,
        )
        self.totals = TransactionSummary(
            control_number=header.control_number,
            payer_id=self.remittance.payer_id,
            trace_number=self.remittance.trace_number,
            payment_amount=payment.amount,
            payment_date=None if payment.effective_date is None else payment.effective_date.isoformat(),
            payment_method=payment.method,
        )
        summary.transactions.append(self.totals)
        self.pending: list[tuple[ClaimPayment, int]] = []
        self.occurrences: Counter[tuple[str, str | None, str]] = Counter()
        self.fee_schedule: FeeSchedule | None = None
        self.claims_cache: dict[str, Claim | None] = {}
        self._claim_remittance(header)

    def _claim_remittance(self, header: TransactionHeader) -> None:
        payment = header.payment
        record = {
            "source_key": self.summary.source_key,
            "version_id": self.summary.version_id,
            "payer_id": self.remittance.payer_id,
            "trace_number": self.remittance.trace_number,
            "payment_amount": payment.amount,
            "payment_date": payment.effective_date,
            "payment_method": payment.method,
            "credit_debit": payment.credit_debit,
            "control_number": header.control_number,
            "status": "posting",
            "received_at": self.now,
        }
        existing = self.ingest.remittances.claim_remittance(self.key, record)
        if existing is None:
            return
        first = str(existing.get("source_key", "another file"))
        self.totals.duplicate_of = first
        followup = new_followup(
            FollowupType.DUPLICATE_REMITTANCE,
            key=("duplicate", self.key.era_id, self.summary.source_key),
            created_at=self.now,
            source=self.summary.source_key,
            payer_id=self.remittance.payer_id,
            amount=payment.amount,
            detail={
                "reason": f"this remittance was already posted from {first}; nothing was posted from this file",
                "trace_number": self.remittance.trace_number,
                "payment_amount": money_text(payment.amount),
                "payment_date": self.totals.payment_date,
                "first_source": first,
                "first_received_at": str(existing.get("received_at", "")),
            },
        )
        self.ingest.send(self.summary, [followup])
        logger.warning("duplicate remittance skipped", extra={"trace_number": self.key.trace_number})

    # -- claims ----------------------------------------------------------------------------------

    def add(self, claim_payment: ClaimPayment) -> None:
        if self.totals.duplicate_of is not None:
            return
        key = (
            claim_payment.patient_control_number,
            claim_payment.payer_claim_control_number,
            claim_payment.status_code,
        )
        self.pending.append((claim_payment, self.occurrences[key]))
        self.occurrences[key] += 1
        if len(self.pending) >= self.ingest.batch_size:
            self._flush()

    def broken(self, broken: BrokenClaim) -> None:
        if self.totals.duplicate_of is not None:
            return
        followup = hold_broken_claim(broken, self.remittance, self.now)
        held = broken.paid_amount or ZERO
        if held:
            self.ingest.remittances.hold_cash(followup.id, held, followup)
        self.totals.unapplied_cash += held
        self.totals.outcomes["unreadable"] += 1
        self.ingest.send(self.summary, [followup])

    def _flush(self) -> None:
        if not self.pending:
            return
        if self.fee_schedule is None:  # one query per transaction set, only if it has claims
            self.fee_schedule = self.ingest.remittances.fee_schedule(self.remittance.payer_id)
        ids = [(cp, occurrence, self._posting_id(cp, occurrence)) for cp, occurrence in self.pending]
        unknown = [(cp.patient_control_number, pid) for cp, _, pid in ids if cp.patient_control_number]
        claims, postings = self.ingest.claims.read(unknown)
        for claim_id, _ in unknown:
            if claim_id not in self.claims_cache:
                self.claims_cache[claim_id] = claims.get(claim_id)
        followups: list[Followup] = []
        for cp, occurrence, pid in ids:
            stored = postings.get(pid)
            if stored is not None:  # posted by an earlier attempt: count it, send its follow-ups again
                self._count(stored.record.outcome, stored.record.posted_payment, stored.unapplied_cash)
                followups.extend(stored.followups)
                continue
            followups.extend(self._post(cp, occurrence, pid))
        self.pending = []
        self.ingest.send(self.summary, followups)

    def _posting_id(self, cp: ClaimPayment, occurrence: int) -> str:
        r = self.remittance
        return posting_id(
            r.payer_id,
            r.trace_number,
            cp.patient_control_number,
            cp.payer_claim_control_number,
            cp.status_code,
            occurrence,
        )

    def _post(self, cp: ClaimPayment, occurrence: int, pid: str) -> list[Followup]:
        claims = self.ingest.claims
        claim_id = cp.patient_control_number
        claim = self.claims_cache.get(claim_id)
        for _ in range(MAX_CONFLICT_RETRIES):
            # Reversals are rare: the claim's earlier postings are read only for them.
            priors = claims.postings(claim_id) if claim is not None and cp.status_code == STATUS_REVERSAL else []
            decision = decide(
                cp,
                remittance=self.remittance,
                claim=claim,
                occurrence=occurrence,
                fee_schedule=self.fee_schedule or FeeSchedule(),
                prior_postings=[p.record for p in priors],
                tolerance=self.ingest.tolerance,
                now=self.now,
            )
            if decision.outcome is Outcome.NO_OP:
                return []
            try:
                claims.commit(decision, unapplied_table=self.ingest.remittances.table, recorded_at=self.ingest.clock())
            except AlreadyPosted:
                _, stored = claims.read([(claim_id, pid)])
                record = stored[pid]
                self._count(record.record.outcome, record.record.posted_payment, record.unapplied_cash)
                return record.followups
            except Unstorable as error:  # beyond DynamoDB's limits: hold this claim's money, post the rest
                return self._unstorable(cp, pid, error)
            except Conflict:
                logger.info("claim changed while posting; deciding again", extra={"claim_id": claim_id})
                claim = claims.get(claim_id)
                self.claims_cache[claim_id] = claim
                continue
            if decision.claim is not None:
                self.claims_cache[claim_id] = decision.claim
            self._count(decision.outcome, decision.posted_payment, decision.unapplied_cash)
            return decision.followups
        raise Conflict(f"claim {claim_id} kept changing; gave up after {MAX_CONFLICT_RETRIES} attempts")

    def _unstorable(self, cp: ClaimPayment, pid: str, error: Unstorable) -> list[Followup]:
        followup = hold_unstorable(cp, self.remittance, pid, self.now, str(error))
        if cp.paid_amount:
            self.ingest.remittances.hold_cash(followup.id, cp.paid_amount, followup)
        self.totals.claim_payments += 1
        self.totals.outcomes["unstorable"] += 1
        self.totals.unapplied_cash += cp.paid_amount
        logger.warning("claim payment beyond the store's limits; its money is held", extra={"posting_id": pid})
        return [followup]

    def _count(self, outcome: Outcome, posted: Decimal, unapplied: Decimal) -> None:
        self.totals.claim_payments += 1
        self.totals.outcomes[outcome.value] += 1
        self.totals.posted_payment += posted
        self.totals.unapplied_cash += unapplied

    # -- end of the transaction set --------------------------------------------------------------

    def finish(self, end: TransactionEnd) -> None:
        if self.totals.duplicate_of is not None:
            return
        self._flush()
        entries, followups = decide_provider_adjustments(end.totals.provider_adjustments, self.remittance, self.now)
        self.totals.provider_adjustments = cents(sum((e.amount for e in entries), ZERO))
        unbalanced = unbalanced_transaction(
            end.totals,
            remittance=self.remittance,
            transaction_key=self.key.era_id,
            payment_amount=self.totals.payment_amount,
            accounted=self.totals.accounted,
            now=self.now,
        )
        if unbalanced is not None:  # money beyond what the claims' own follow-ups hold
            followups.append(unbalanced)
        t = self.totals
        self.ingest.remittances.finish_remittance(
            self.key,
            {
                "status": "posted",
                "claim_payments": t.claim_payments,
                "posted_payment": cents(t.posted_payment),
                "unapplied_cash": cents(t.unapplied_cash),
                "provider_adjustments": t.provider_adjustments,
                "balanced": end.totals.balanced,
            },
            entries,
        )
        self.ingest.send(self.summary, followups)
        self._wait_for_deposit()

    def _wait_for_deposit(self) -> None:
        """Put the posted ERA on the reconciliation waiting list; a payment method outside the TR3's list
        cannot be matched, and says so in a follow-up rather than failing the posted file."""
        reconciliation = self.ingest.reconciliation
        if reconciliation is None:
            return
        try:
            era = EraPayment.from_header(self.header, self.summary.source_key, era_id=self.key.era_id)
        except ValidationError:
            method = self.header.payment.method
            followup = new_followup(
                FollowupType.IMPORT_ERROR,
                key=("payment_method", self.key.era_id),
                created_at=self.now,
                source=self.summary.source_key,
                payer_id=self.totals.payer_id,
                amount=self.totals.payment_amount,
                detail={
                    "reason": f"BPR04 payment method {method[:10]!r} is not ACH, BOP, CHK, FWT or NON: "
                    "the payment was posted but cannot be matched to a deposit",
                    "trace_number": self.totals.trace_number,
                    "payment_amount": money_text(self.totals.payment_amount),
                },
            )
            self.ingest.send(self.summary, [followup])
            return
        if reconciliation.open_era(era, cents(self.totals.posted_payment)):
            self.summary.eras_opened += 1
