"""What the services ask of their stores, their queue and the inbox, and the values they hand over.

Each protocol lists exactly the methods the services call, and says what a store must honour: the
DynamoDB, S3 and SQS adapters implement them (runtime.py wires those), and so do the unit tests'
in-memory fakes. Failed conditions are the domain's errors (remitflow.domain.errors).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from remitflow.domain.followups import FollowupStatus

if TYPE_CHECKING:  # named in signatures only: a handler loads the models its own work needs (cold start)
    from remitflow.bank.models import BankTransaction
    from remitflow.domain.claims import Claim, FeeSchedule, FeeScheduleEntry
    from remitflow.domain.followups import Followup
    from remitflow.domain.posting import PostingDecision, PostingRecord
    from remitflow.domain.provider_adjustments import ProviderLedgerEntry
    from remitflow.domain.recon_models import Deposit, EraPayment, Match
    from remitflow.domain.work_items import AuditEntry, WorkItem

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
class RecordedTransaction:
    """What keeping one bank transaction did (ReconciliationStorage.record_deposit)."""

    new: bool  # kept now, and its deposit (if any) put on the waiting list
    identity: str | None = None  # its account + booking date + bank reference (bank_reference_identity)
    # Not new because another file or format already reported this identity: that transaction as
    # kept (transaction_id, source, format, amount, direction). None for the same transaction again.
    same_reference: Mapping[str, Any] | None = None


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


@dataclass(frozen=True)
class Additions:
    """What WorklistStorage.add_many did, by follow-up id: `added` are new on the worklist; `refused`
    could not be stored (Unstorable, or StoreBusy past the store's retries), each for its own reason;
    every other id was there already (a repeat) and was left as it was."""

    added: frozenset[str] = frozenset()
    refused: Mapping[str, Exception] = field(default_factory=dict)


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
class RaisedFollowup:
    """A follow-up a reversed posting raised, held in the reversal's transaction as the reopen read
    it, so a biller acting on it meanwhile makes the reopen a Conflict instead of a half-done one.
    `version` None: not on the worklist yet (still in the follow-up queue); it is then written with
    `change` applied, only while still absent. Otherwise `change` (if any) applies at its expected
    version, and without one the follow-up is only checked to be still at `version`."""

    followup: Followup
    version: int | None
    change: FollowupChange | None = None


@dataclass(frozen=True)
class CashRelease:
    """Held money (the unapplied cash held under `held_posting_id`) leaving the suspense account:
    status held -> applied, only while it is still held. A reopen puts it back: applied -> held,
    only while still applied, removing what the application set (`remove`)."""

    held_posting_id: str
    fields: Mapping[str, Any]
    from_status: str = "held"
    to_status: str = "applied"
    remove: tuple[str, ...] = ()


# ------------------------------------------------------------------------------------- protocols


class InboxFiles(Protocol):
    """The inbox bucket."""

    def stream(self, key: str, version_id: str | None = None) -> Iterator[bytes]:
        """The object's bytes in chunks, never the whole file in memory."""
        ...

    def put_summary(self, source_key: str, summary: dict[str, Any]) -> str:
        """Write what processing `source_key` did; returns where it went."""
        ...

    def put(self, key: str, body: bytes) -> None: ...

    def read_range(self, key: str, version_id: str | None, start: int, end: int) -> Iterator[bytes]:
        """Bytes [start, end) of the object, in chunks (a ranged GET: never the rest of the file)."""
        ...

    def put_json(self, key: str, document: Mapping[str, Any]) -> None: ...

    def read_json(self, key: str) -> dict[str, Any] | None:
        """A JSON document written with put_json or put_summary; None while there is none."""
        ...


class ChunkSender(Protocol):
    """The posting queue: chunks of a remittance's claim payments for PostingWorker."""

    def send_chunks(self, chunks: Sequence[Any]) -> int:
        """Send each chunk (a pydantic model) as one message; raises when the queue refuses any."""
        ...


class FollowupSender(Protocol):
    """The follow-up queue."""

    def send(self, followups: Sequence[Followup]) -> int:
        """Send each follow-up (once per id in this call); returns how many. Raises when the queue
        refuses any: the caller fails, and its idempotent work is retried."""
        ...


class ClaimStorage(Protocol):
    """Claims and the postings decided on them."""

    def read(self, wanted: Sequence[tuple[str, str]]) -> tuple[dict[str, Claim], dict[str, StoredPosting]]:
        """The claims and the already stored postings among (claim id, posting id) pairs, by id."""
        ...

    def get(self, claim_id: str) -> Claim | None: ...

    def postings(self, claim_id: str) -> list[StoredPosting]:
        """Every posting of the claim, oldest first."""
        ...

    def commit(self, decision: PostingDecision, *, unapplied_table: str, recorded_at: datetime) -> None:
        """All or nothing: the posting, the claim (only at the version before the decision's; when the
        decision has no claim, only while there is none) and its held money, in `unapplied_table`
        (RemittanceStorage.table). Raises AlreadyPosted (the posting id is stored) before Conflict;
        StoreBusy when the store stays busy past its own retries; Unstorable when the posting is beyond
        what the store can keep (nothing is written then: the caller holds the money for a person)."""
        ...

    def import_claim(self, claim: Claim) -> None:
        """Create the claim, or refresh its account, payer, lines and charge; balances and postings
        stay, the version moves on."""
        ...

    def commit_many(
        self, decisions: Sequence[PostingDecision], *, unapplied_table: str, recorded_at: datetime
    ) -> list[Exception | None]:
        """Commit several decisions (on different claims) in as few transactions as fit (100 items,
        4 MB), each as `commit` would; a batch that fails is split so one contended claim holds back
        no other. Per decision: None (committed), or the AlreadyPosted / Conflict `commit` raises."""
        ...


class RemittanceStorage(Protocol):
    """835 transaction sets, unapplied cash and fee schedules."""

    @property
    def table(self) -> str:
        """Where unapplied cash is kept: a posting's commit writes its held money there."""
        ...

    def claim_remittance(self, key: RemittanceKey, attributes: Mapping[str, Any]) -> dict[str, Any] | None:
        """Record that `attributes["source_key"]` posts this remittance: None when it is ours to post
        (the first time, or the same file again), else the record of the file that did."""
        ...

    def finish_remittance(
        self, key: RemittanceKey, totals: Mapping[str, Any], provider_entries: Sequence[ProviderLedgerEntry]
    ) -> None:
        """Set the remittance's totals and keep its provider ledger entries (rewriting them is harmless)."""
        ...

    def hold_cash(self, hold_id: str, amount: Decimal, followup: Followup) -> None:
        """Hold money no posting could take under `hold_id`, status held (rewriting it is harmless)."""
        ...

    def remittance(self, key: RemittanceKey) -> dict[str, Any] | None:
        """The remittance's record as stored (consistent read), progress included."""
        ...

    def records(self, era_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The records of these ERA ids that exist (consistent reads, a hundred to a request)."""
        ...

    def start_posting(self, key: RemittanceKey, plan: str) -> None:
        """Posting in chunks under `plan` begins (again): chunk counters start over when the plan is
        new; a plan already under way (a redelivered upload event) keeps its progress."""
        ...

    def set_chunk_total(self, key: RemittanceKey, plan: str, total: int) -> dict[str, Any] | None:
        """Record how many chunks the plan has; the record afterwards (None: another plan took over)."""
        ...

    def complete_chunk(
        self, key: RemittanceKey, plan: str, chunk: int, result: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """Atomically count chunk `chunk` done and keep its result, once: the record afterwards, or
        None when the chunk was already counted (or the plan is no longer current)."""
        ...

    def mark_failed(self, key: RemittanceKey, plan: str, chunk: int, reason: str) -> None:
        """A chunk gave up for good (its message goes to the dead-letter queue): status failed."""
        ...

    def unapplied(self, posting_id: str) -> dict[str, Any] | None:
        """The money held under an id: amount, status ("held", "applied") and where it came from."""
        ...

    def fee_schedule(self, payer_id: str) -> FeeSchedule: ...

    def put_fee_schedule(self, entries: Iterable[FeeScheduleEntry]) -> int:
        """Create or replace each entry (by payer, procedure and modifiers); returns how many."""
        ...


class ReconciliationStorage(Protocol):
    """Bank transactions, the ERAs and deposits waiting for their other half, and the matches."""

    def record_deposit(self, transaction: BankTransaction, deposit: Deposit | None) -> RecordedTransaction:
        """Keep a bank transaction once, and a deposit from it on the waiting list. Once means once by
        its transaction id (the same file again) and once by its bank-reference identity (the same
        transaction in another file or format). Not new (and nothing written) when either is kept
        already; for the identity, with the transaction kept under it."""
        ...

    def open_era(self, era: EraPayment, posted_payment: Any) -> bool:
        """Put the ERA of a claimed remittance (RemittanceStorage.claim_remittance, under its era id) on
        the waiting list, once ever per era id, even if its remittance record is written again: False
        when it is already there or was matched."""
        ...

    def drop_open_era(self, era_id: str) -> bool:
        """Take an ERA off the waiting list (one that a recorded match already joined); False when it
        was not there."""
        ...

    def open_items(self) -> tuple[list[EraPayment], list[Deposit], dict[str, Any]]:
        """Everything waiting, both sides, and the posted amount of each waiting ERA by era id."""
        ...

    def matches(self) -> list[dict[str, Any]]:
        """Every match recorded: the match's fields, and what it joined ("eras", "deposits", "posted")."""
        ...

    def commit_match(
        self,
        match: Match,
        eras: list[EraPayment],
        deposits: list[Deposit],
        posted: Mapping[str, Any],
        audit: Mapping[str, Any] | None = None,
    ) -> bool:
        """Record the match and take its items off the waiting list, all or nothing; False when one of
        them is no longer waiting (another matcher took it) or one of its ERAs is in another match, or,
        without `audit`, when a person undid this match before. `audit` (who, when, why: a person's
        match) is kept with the match."""
        ...

    def unmatch(self, match_id: str, audit: Mapping[str, Any]) -> bool:
        """Undo a recorded match, all or nothing: its items wait again (each ERA free to be matched
        again), the match moves to the undone ones with `audit`. False when it is no longer recorded."""
        ...

    def classify_deposit(self, deposit: Deposit, record: Mapping[str, Any]) -> bool:
        """Take a waiting deposit off the waiting list as not insurance (`record`: category, who, why),
        all or nothing; False when it is no longer waiting (matched or classified meanwhile)."""
        ...

    def classified(self) -> list[dict[str, Any]]:
        """Every deposit classified as not insurance, with its record."""
        ...

    def undone_match_ids(self) -> set[str]:
        """The ids of matches a person undid: the matcher must not make them again (commit_match
        without `audit` refuses them)."""
        ...


class WorklistStorage(Protocol):
    """The billers' worklist: follow-ups with their version, assignee, resolution and history."""

    def add_many(self, followups: Sequence[Followup]) -> Additions:
        """Open each follow-up at version 0, together, where its id is not there yet (a repeat, in
        the table or earlier in `followups`, changes nothing). One follow-up the store cannot keep,
        or a write that stays busy, never holds back the others: it is `refused`."""
        ...

    def work_item(self, followup_id: str) -> WorkItem | None: ...

    def work_items(self, followup_ids: Sequence[str]) -> dict[str, WorkItem]:
        """The follow-ups of `followup_ids` that are on the worklist, by id, read together and
        consistently (an id not there yet is left out)."""
        ...

    def open_of_type(self, followup_type: str) -> Iterator[WorkItem]: ...

    def page(
        self, where: WorklistFilter, *, limit: int, cursor: str | None = None
    ) -> tuple[list[WorkItem], str | None]:
        """Up to `limit` matches, oldest first, and a cursor for the rest (None: no more). Raises
        BadCursor for a cursor it did not give out for this listing."""
        ...

    def counts_by_type(self, status: str) -> dict[str, int]: ...

    def change(self, change: FollowupChange) -> WorkItem:
        """Apply the change and append its audit entry, moving the version on; only at the expected
        version (and while open, if required). Raises NotFound, or Conflict saying what changed."""
        ...

    def commit_appeal(self, *, change: FollowupChange, claim: Claim) -> None:
        """All or nothing: the follow-up's change, and the claim (only at its version) marked as
        under appeal by it (Claim.appeals, version + 1). Raises the change's NotFound or Conflict,
        then ClaimChanged."""
        ...

    def commit_resolution(
        self,
        *,
        decision: PostingDecision,
        change: FollowupChange,
        release: CashRelease | None,
        recorded_at: datetime,
        raised: Sequence[RaisedFollowup] = (),
    ) -> None:
        """All or nothing: the follow-up's change, the decision's posting and claim (as
        ClaimStorage.commit), the released money (only while held), the follow-ups the decision
        raises and the `raised` ones of a reversed posting (as RaisedFollowup says). Raises, first
        to last: the change's NotFound or Conflict, AlreadyPosted, Conflict (the money is no longer
        held), ClaimChanged, Conflict (a raised follow-up changed or appeared)."""
        ...


class SearchStorage(Protocol):
    """Search entries and the reads behind search, claim lists and accounts (never a scan)."""

    def find(self, term: Any, *, kind: str, limit: int) -> list[str]:
        """Ids of up to `limit` entities of `kind` ("claim", "posted_claim", "era", "deposit",
        "payer") with an entry for the term (domain.search_terms.Term): a prefix for prefix fields."""
        ...

    def claims(self, claim_ids: Sequence[str]) -> list[Claim]:
        """The claims that exist among the ids, in the ids' order."""
        ...

    def claims_page(
        self,
        *,
        account_id: str | None = None,
        payer_id: str | None = None,
        status: str | None = None,
        limit: int,
        cursor: str | None = None,
    ) -> tuple[list[Claim], str | None]:
        """Claims matching every filter given, by claim id, and a cursor for the rest (None: no
        more). Raises BadCursor for a cursor it did not give out."""
        ...

    def eras(self, era_ids: Sequence[str]) -> list[dict[str, Any]]:
        """ERA records (RemittancesStore's, under RemittanceKey.era_id) among the ids, in order."""
        ...

    def deposits(self, transaction_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Bank transactions as kept (ReconciliationStorage.record_deposit) among the ids, in order."""
        ...

    def era_matches(self, era_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The reconciliation side of each ERA that has one, by era id (`matched_by` once matched)."""
        ...

    def payer_names(self, payer_ids: Iterable[str]) -> dict[str, str]:
        """Each known payer's name (the 835's N1*PR), by payer id."""
        ...


# ---------------------------------------------------------------------------- failed work (ops)


@dataclass(frozen=True)
class FailedMessage:
    """A message a dead-letter or failure queue holds: its body is never shown, only described."""

    message_id: str
    body: str
    attributes: Mapping[str, str]  # SQS system attributes: SentTimestamp, ApproximateReceiveCount
    receipt_handle: str = ""


class FailedWorkQueue(Protocol):
    def peek(self, limit: int) -> list[FailedMessage]:
        """Up to `limit` messages, left in the queue and visible to the next look."""
        ...

    def take(self, limit: int) -> list[FailedMessage]:
        """Up to `limit` messages (at most 10), hidden for a while; the ones not deleted come back."""
        ...

    def delete(self, message: FailedMessage) -> None: ...


class WorkTarget(Protocol):
    def send(self, message: FailedMessage) -> None:
        """Give the work back to its function (raises when it cannot: the message stays where it was)."""
        ...
