"""Post a run of one transaction set's claim payments exactly once: the code RemittanceIngest (a
file of one chunk) and PostingWorker (every other chunk) share.

Claim payments are handled in batches: one BatchGetItem reads the claims and any earlier posting of
the batch; the decisions are committed together (ClaimStorage.commit_many: several claims per
transaction, a failed transaction split so one contended claim holds back no other), a claim's
second payment of the batch in a second round after its first; a claim that changed meanwhile is
read again and decided again, alone. Follow-ups are sent to SQS only after the
postings that raised them have committed; a posting found already recorded (a retry, a redelivered
chunk) sends its stored follow-ups again, so a crash between commit and send loses nothing and the
worker's idempotency drops the repeats.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from aws_lambda_powertools import Logger

from remitflow.domain.appeals import answer_appeals
from remitflow.domain.claims import Claim, FeeSchedule
from remitflow.domain.errors import AlreadyPosted, Conflict, Unstorable
from remitflow.domain.followups import Followup
from remitflow.domain.posting import (
    STATUS_REVERSAL,
    Outcome,
    PostingDecision,
    RemittanceRef,
    decide,
    hold_broken_claim,
    hold_unstorable,
    posting_id,
)
from remitflow.domain.underpayment import UnderpaymentTolerance
from remitflow.services.ports import ClaimStorage, FollowupSender, RemittanceStorage
from remitflow.services.time_budget import Deadline, batch_estimate_ms
from remitflow.values import ZERO, cents
from remitflow.x12.models import BrokenClaim, ClaimPayment

logger = Logger(child=True)

MAX_CONFLICT_RETRIES = 8


@dataclass
class ChunkResult:
    """What posting a chunk did: kept on the remittance's record, summed when its set finishes."""

    claim_payments: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    posted_payment: Decimal = ZERO
    unapplied_cash: Decimal = ZERO
    followups: Counter[str] = field(default_factory=Counter)

    @property
    def claims_posted(self) -> int:
        """Claim payments that moved money onto a claim (what the ClaimsPosted metric counts)."""
        return sum(self.outcomes[o.value] for o in (Outcome.POSTED, Outcome.FORWARDED, Outcome.REVERSED))

    def add(self, other: ChunkResult) -> None:
        self.claim_payments += other.claim_payments
        self.outcomes.update(other.outcomes)
        self.posted_payment += other.posted_payment
        self.unapplied_cash += other.unapplied_cash
        self.followups.update(other.followups)

    def as_item(self) -> dict[str, Any]:
        return {
            "claim_payments": self.claim_payments,
            "outcomes": dict(self.outcomes),
            "posted_payment": cents(self.posted_payment),
            "unapplied_cash": cents(self.unapplied_cash),
            "followups": dict(self.followups),
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ChunkResult:
        return cls(
            claim_payments=int(item.get("claim_payments", 0)),
            outcomes=Counter({k: int(v) for k, v in item.get("outcomes", {}).items()}),
            posted_payment=Decimal(item.get("posted_payment", 0)),
            unapplied_cash=Decimal(item.get("unapplied_cash", 0)),
            followups=Counter({k: int(v) for k, v in item.get("followups", {}).items()}),
        )


class ChunkPoster:
    """Posts claim events of one transaction set (`remittance`), `batch_size` claims per round trip."""

    def __init__(
        self,
        *,
        claims: ClaimStorage,
        remittances: RemittanceStorage,
        queue: FollowupSender,
        tolerance: UnderpaymentTolerance,
        remittance: RemittanceRef,
        now: datetime,
        clock: Callable[[], datetime],
        batch_size: int = 50,
        deadline: Deadline | None = None,
    ) -> None:
        self.claims = claims
        self.remittances = remittances
        self.queue = queue
        self.tolerance = tolerance
        self.remittance = remittance
        self.now = now
        self.clock = clock
        self.batch_size = batch_size
        self.deadline = deadline or Deadline()
        self.fee_schedule: FeeSchedule | None = None
        self.claims_cache: dict[str, Claim | None] = {}

    def post(self, events: Sequence[ClaimPayment | BrokenClaim], occurrences: Sequence[int]) -> ChunkResult:
        """Post the events; `occurrences` has one entry per ClaimPayment among them, in order."""
        result = ChunkResult()
        readable = iter(occurrences)
        pending: list[tuple[ClaimPayment, int]] = []
        for event in events:
            if isinstance(event, BrokenClaim):
                self._broken(event, result)
                continue
            pending.append((event, next(readable)))
            if len(pending) >= self.batch_size:
                self._flush(pending, result)
                pending = []
        self._flush(pending, result)
        return result

    def _send(self, followups: list[Followup], result: ChunkResult) -> None:
        if followups:
            self.queue.send(followups)
            result.followups.update(f.type.value for f in {f.id: f for f in followups}.values())

    def _broken(self, broken: BrokenClaim, result: ChunkResult) -> None:
        followup = hold_broken_claim(broken, self.remittance, self.now)
        self._send(self._hold(followup, broken.paid_amount or ZERO, "unreadable", result), result)

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

    def _flush(self, pending: list[tuple[ClaimPayment, int]], result: ChunkResult) -> None:
        if not pending:
            return
        # Batches before this one are committed (and idempotent): a redelivery finds them posted.
        self.deadline.require(batch_estimate_ms(len(pending)), f"a batch of {len(pending)} claim payment(s)")
        if self.fee_schedule is None:  # one query per chunk, only if it has claims
            self.fee_schedule = self.remittances.fee_schedule(self.remittance.payer_id)
        ids = [(cp, occurrence, self._posting_id(cp, occurrence)) for cp, occurrence in pending]
        wanted = [(cp.patient_control_number, pid) for cp, _, pid in ids if cp.patient_control_number]
        claims, postings = self.claims.read(wanted)
        for claim_id, _ in wanted:
            if claim_id not in self.claims_cache:
                self.claims_cache[claim_id] = claims.get(claim_id)
        followups: list[Followup] = []
        # Rounds: a claim's first payment of the batch in the first, its second (a reversal's
        # correction, say) in the next, and so on: each round commits together, a claim's payments
        # in file order, each decided on what the one before it left.
        rounds: list[list[tuple[ClaimPayment, int]]] = []
        seen: Counter[str] = Counter()
        for cp, occurrence, pid in ids:
            stored = postings.get(pid)
            if stored is not None:  # posted by an earlier attempt: count it, send its follow-ups again
                _count(result, stored.record.outcome, stored.record.posted_payment, stored.unapplied_cash)
                followups.extend(stored.followups)
                continue
            position = seen[cp.patient_control_number]
            seen[cp.patient_control_number] += 1
            if position == len(rounds):
                rounds.append([])
            rounds[position].append((cp, occurrence))
        for batch in rounds:
            decided: list[tuple[ClaimPayment, int, PostingDecision]] = []
            for cp, occurrence in batch:
                decision = self._decide(cp, occurrence, self.claims_cache.get(cp.patient_control_number))
                if decision.outcome is not Outcome.NO_OP:
                    decided.append((cp, occurrence, decision))
            followups.extend(self._commit(decided, result))
        self._send(followups, result)

    def _commit(self, decided: list[tuple[ClaimPayment, int, PostingDecision]], result: ChunkResult) -> list[Followup]:
        if not decided:
            return []
        followups: list[Followup] = []
        errors = self.claims.commit_many(
            [d for _, _, d in decided], unapplied_table=self.remittances.table, recorded_at=self.clock()
        )
        for (cp, occurrence, decision), error in zip(decided, errors, strict=True):
            if error is None:
                if decision.claim is not None:
                    self.claims_cache[decision.claim_id] = decision.claim
                _count(result, decision.outcome, decision.posted_payment, decision.unapplied_cash)
                followups.extend(decision.followups)
            elif isinstance(error, AlreadyPosted):
                followups.extend(self._already_posted(decision.claim_id, decision.posting_id, result))
            elif isinstance(error, Unstorable):
                followups.extend(self._unstorable(cp, decision.posting_id, error, result))
            else:  # the claim moved on: read it again and decide again, alone
                self.claims_cache[decision.claim_id] = self.claims.get(decision.claim_id)
                followups.extend(self._post_alone(cp, occurrence, decision.posting_id, result))
        return followups

    def _decide(self, cp: ClaimPayment, occurrence: int, claim: Claim | None) -> PostingDecision:
        claim_id = cp.patient_control_number
        # Reversals are rare: the claim's earlier postings are read only for them.
        priors = self.claims.postings(claim_id) if claim is not None and cp.status_code == STATUS_REVERSAL else []
        decision = decide(
            cp,
            remittance=self.remittance,
            claim=claim,
            occurrence=occurrence,
            fee_schedule=self.fee_schedule or FeeSchedule(),
            prior_postings=[p.record for p in priors],
            tolerance=self.tolerance,
            now=self.now,
        )
        return answer_appeals(decision, self.now)  # a claim under appeal: its answer (cheap when none)

    def _already_posted(self, claim_id: str, pid: str, result: ChunkResult) -> list[Followup]:
        _, stored = self.claims.read([(claim_id, pid)])
        record = stored[pid]
        _count(result, record.record.outcome, record.record.posted_payment, record.unapplied_cash)
        return record.followups

    def _post_alone(self, cp: ClaimPayment, occurrence: int, pid: str, result: ChunkResult) -> list[Followup]:
        claim_id = cp.patient_control_number
        claim = self.claims_cache.get(claim_id)
        for _ in range(MAX_CONFLICT_RETRIES):
            decision = self._decide(cp, occurrence, claim)
            if decision.outcome is Outcome.NO_OP:
                return []
            try:
                self.claims.commit(decision, unapplied_table=self.remittances.table, recorded_at=self.clock())
            except AlreadyPosted:
                return self._already_posted(claim_id, pid, result)
            except Unstorable as error:
                return self._unstorable(cp, pid, error, result)
            except Conflict:
                logger.info("claim changed while posting; deciding again", extra={"claim_id": claim_id})
                claim = self.claims.get(claim_id)
                self.claims_cache[claim_id] = claim
                continue
            if decision.claim is not None:
                self.claims_cache[claim_id] = decision.claim
            _count(result, decision.outcome, decision.posted_payment, decision.unapplied_cash)
            return decision.followups
        raise Conflict(f"claim {claim_id} kept changing; gave up after {MAX_CONFLICT_RETRIES} attempts")

    def _unstorable(self, cp: ClaimPayment, pid: str, error: Unstorable, result: ChunkResult) -> list[Followup]:
        """Beyond DynamoDB's limits even in parts: hold this claim's money with a follow-up, post the rest."""
        logger.warning("claim payment beyond the store's limits; its money is held", extra={"posting_id": pid})
        result.claim_payments += 1
        return self._hold(
            hold_unstorable(cp, self.remittance, pid, self.now, str(error)), cp.paid_amount, "unstorable", result
        )

    def _hold(self, followup: Followup, amount: Decimal, outcome: str, result: ChunkResult) -> list[Followup]:
        """Money no claim takes: held under its follow-up's id (so a retry holds it once), counted."""
        if amount:
            self.remittances.hold_cash(followup.id, amount, followup)
        result.outcomes[outcome] += 1
        result.unapplied_cash += amount
        return [followup]


def _count(result: ChunkResult, outcome: Outcome, posted: Decimal, unapplied: Decimal) -> None:
    result.claim_payments += 1
    result.outcomes[outcome.value] += 1
    result.posted_payment += posted
    result.unapplied_cash += unapplied
