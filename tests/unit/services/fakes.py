"""In-memory stores, queue and inbox that keep the contracts of remitflow.services.ports.

They hold what they are given and check the same conditions the DynamoDB stores write into their
requests (a posting id stored once, a claim written only at the version it was read at, a worklist
change only at the version the biller saw, held money released once), raising the same domain
errors. A transaction checks every condition before it writes anything.
"""

from __future__ import annotations

import copy
import json
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from remitflow.bank.models import BankTransaction
from remitflow.domain.claims import Claim, FeeSchedule, FeeScheduleEntry, modifier_key
from remitflow.domain.errors import AlreadyPosted, ClaimChanged, Conflict, NotFound
from remitflow.domain.followups import WORKABLE, Followup, FollowupStatus
from remitflow.domain.posting import PostingDecision
from remitflow.domain.provider_adjustments import ProviderLedgerEntry
from remitflow.domain.recon_models import Deposit, EraPayment, Match, bank_reference_identity
from remitflow.domain.resolutions import WorkItem
from remitflow.domain.search_terms import (
    MIN_PREFIX,
    Term,
    claim_terms,
    deposit_terms,
    era_terms,
    id_term,
    payer_terms,
)
from remitflow.domain.search_terms import Field as SearchField
from remitflow.services.chunk_posting import ChunkResult
from remitflow.services.ports import (
    Additions,
    BadCursor,
    CashRelease,
    FollowupChange,
    RaisedFollowup,
    RecordedTransaction,
    RemittanceKey,
    StoredPosting,
    WorklistFilter,
)

CHUNK = 256  # small, so readers meet chunk boundaries inside segments and rows


class FakeInbox:
    def __init__(self, files: Mapping[str, bytes] | None = None) -> None:
        self.files: dict[str, bytes] = dict(files or {})
        self.summaries: dict[str, dict[str, Any]] = {}
        self.documents: dict[str, dict[str, Any]] = {}
        self.ranges_read: list[tuple[str, int, int]] = []

    def stream(self, key: str, version_id: str | None = None) -> Iterator[bytes]:
        data = self.files[key]
        for start in range(0, len(data), CHUNK):
            yield data[start : start + CHUNK]

    def put_summary(self, source_key: str, summary: dict[str, Any]) -> str:
        self.summaries[source_key] = json.loads(json.dumps(summary, default=str))
        return f"processed/{source_key}.json"

    def put(self, key: str, body: bytes) -> None:
        self.files[key] = body

    def read_range(self, key: str, version_id: str | None, start: int, end: int) -> Iterator[bytes]:
        self.ranges_read.append((key, start, end))
        data = self.files[key][start:end]
        for offset in range(0, len(data), CHUNK):
            yield data[offset : offset + CHUNK]

    def put_json(self, key: str, document: Mapping[str, Any]) -> None:
        self.documents[key] = json.loads(json.dumps(document, default=str))

    def read_json(self, key: str) -> dict[str, Any] | None:
        if key.startswith("processed/") and key.endswith(".json") and key[len("processed/") : -5] in self.summaries:
            return self.summaries[key[len("processed/") : -5]]
        document = self.documents.get(key)
        return None if document is None else json.loads(json.dumps(document))


class FakePostingQueue:
    """PostingQueue: the chunks sent, in order, as the JSON the worker would receive."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send_chunks(self, chunks: Sequence[Any]) -> int:
        self.sent.extend(chunk.model_dump_json() for chunk in chunks)
        return len(chunks)


class FakeQueue:
    def __init__(self) -> None:
        self.sent: list[Followup] = []

    def send(self, followups: Sequence[Followup]) -> int:
        unique = list({f.id: f for f in followups}.values())
        self.sent.extend(unique)
        return len(unique)

    def types(self) -> Counter[str]:
        return Counter(f.type.value for f in self.sent)


class FakeRemittances:
    table = "remittances"

    def __init__(self) -> None:
        self.by_era: dict[str, dict[str, Any]] = {}  # by era id
        self.held: dict[str, dict[str, Any]] = {}  # unapplied cash by hold id
        self.provider_entries: dict[str, ProviderLedgerEntry] = {}
        self.fees: dict[tuple[str, str, tuple[str, ...]], FeeScheduleEntry] = {}
        self.lock = threading.RLock()
        self.completions = 0  # chunks counted
        self.finishes = 0  # finish_remittance calls
        self.chunks: dict[str, dict[tuple[str, int], dict[str, Any]]] = {}  # counted chunks, per record

    def claim_remittance(self, key: RemittanceKey, attributes: Mapping[str, Any]) -> dict[str, Any] | None:
        existing = self.by_era.get(key.era_id)
        if existing is not None and existing.get("source_key") != attributes["source_key"]:
            return dict(existing)
        self.by_era.setdefault(key.era_id, {}).update(attributes)  # the same file again keeps its progress
        return None

    # -- posting in chunks: one lock stands for DynamoDB's per-item atomic updates ----------------

    def remittance(self, key: RemittanceKey) -> dict[str, Any] | None:
        with self.lock:
            record = self.by_era.get(key.era_id)
            return None if record is None else copy.deepcopy(record)

    def records(self, era_ids: Sequence[str]) -> list[dict[str, Any]]:
        with self.lock:
            return [copy.deepcopy(self.by_era[e]) | {"pk": e} for e in era_ids if e in self.by_era]

    def start_posting(self, key: RemittanceKey, plan: str) -> None:
        with self.lock:
            record = self.by_era[key.era_id]
            if record.get("plan") != plan:
                record.update(plan=plan, chunks_done=0, progress=ChunkResult().as_item(), status="posting")
                record.pop("chunks_total", None)
                record.pop("failed_chunks", None)

    def set_chunk_total(self, key: RemittanceKey, plan: str, total: int) -> dict[str, Any] | None:
        with self.lock:
            record = self.by_era.get(key.era_id)
            if record is None or record.get("plan") != plan:
                return None
            record["chunks_total"] = total
            return copy.deepcopy(record)

    def complete_chunk(
        self, key: RemittanceKey, plan: str, chunk: int, result: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        with self.lock:
            record = self.by_era.get(key.era_id)
            counted = self.chunks.setdefault(key.era_id, {})
            if record is None or record.get("plan") != plan or (plan, chunk) in counted:
                return None
            counted[(plan, chunk)] = copy.deepcopy(dict(result))  # the marker item, with its result
            progress = ChunkResult.from_item(record["progress"])
            progress.add(ChunkResult.from_item(dict(result)))
            record["progress"] = progress.as_item()
            record["chunks_done"] += 1
            self.completions += 1
            return copy.deepcopy(record)

    def mark_failed(self, key: RemittanceKey, plan: str, chunk: int, reason: str) -> None:
        with self.lock:
            record = self.by_era.get(key.era_id)
            if record is not None and record.get("plan") == plan:
                record.update(status="failed", failure=reason)
                record.setdefault("failed_chunks", set()).add(chunk)

    def finish_remittance(
        self, key: RemittanceKey, totals: Mapping[str, Any], provider_entries: Sequence[ProviderLedgerEntry]
    ) -> None:
        with self.lock:
            self.finishes += 1
            self.by_era.setdefault(key.era_id, {}).update(totals)
            self.provider_entries |= {entry.entry_id: entry for entry in provider_entries}

    def hold_cash(self, hold_id: str, amount: Decimal, followup: Followup) -> None:
        self.held[hold_id] = {
            "claim_id": followup.claim_id,
            "amount": amount,
            "payer_id": followup.payer_id,
            "status": "held",
            "source": followup.source,
            "followup_id": followup.id,
        }

    def unapplied(self, posting_id: str) -> dict[str, Any] | None:
        held = self.held.get(posting_id)
        return None if held is None else dict(held)

    def fee_schedule(self, payer_id: str) -> FeeSchedule:
        return FeeSchedule(entries=[entry for key, entry in self.fees.items() if key[0] == payer_id])

    def put_fee_schedule(self, entries: Iterable[FeeScheduleEntry]) -> int:
        written = 0
        for entry in entries:
            self.fees[(entry.payer_id, entry.procedure_code.upper(), modifier_key(entry.modifiers))] = entry
            written += 1
        return written


class FakeClaims:
    """Claims and their postings; held money goes to the remittances store the commit names."""

    def __init__(self, remittances: FakeRemittances) -> None:
        self.remittances = remittances
        self.claims: dict[str, Claim] = {}
        self.ledgers: dict[str, dict[str, StoredPosting]] = {}  # claim id -> posting id -> posting, oldest first
        self.batches: list[int] = []  # decisions per commit_many call

    def read(self, wanted: Sequence[tuple[str, str]]) -> tuple[dict[str, Claim], dict[str, StoredPosting]]:
        claims = {cid: self.claims[cid] for cid, _ in wanted if cid in self.claims}
        postings: dict[str, StoredPosting] = {}
        for cid, pid in wanted:
            stored = self.ledgers.get(cid, {}).get(pid)
            if stored is not None:
                postings[pid] = stored
        return claims, postings

    def get(self, claim_id: str) -> Claim | None:
        return self.claims.get(claim_id)

    def postings(self, claim_id: str) -> list[StoredPosting]:
        return list(self.ledgers.get(claim_id, {}).values())

    def commit(self, decision: PostingDecision, *, unapplied_table: str, recorded_at: datetime) -> None:
        with self.remittances.lock:  # a transaction: conditions and writes at once, also across threads
            self._commit(decision, unapplied_table=unapplied_table)

    def _commit(self, decision: PostingDecision, *, unapplied_table: str) -> None:
        if unapplied_table != self.remittances.table:
            raise LookupError(f"no table {unapplied_table!r}")
        if self.posting_stored(decision):
            raise AlreadyPosted(decision.posting_id)
        if self.claim_moved(decision) or (decision.unapplied_cash and decision.posting_id in self.remittances.held):
            raise Conflict(decision.claim_id)
        self.write(decision)
        if decision.unapplied_cash:
            self.remittances.held[decision.posting_id] = {
                "claim_id": decision.claim_id,
                "amount": decision.unapplied_cash,
                "payer_id": decision.remittance.payer_id,
                "status": "held",
                "source": decision.remittance.source_key,
                "posting_id": decision.posting_id,
                "outcome": decision.outcome.value,
            }

    def commit_many(
        self, decisions: Sequence[PostingDecision], *, unapplied_table: str, recorded_at: datetime
    ) -> list[Exception | None]:
        """Each decision as `commit` would, in one call (the batching is the DynamoDB store's)."""
        self.batches.append(len(decisions))
        errors: list[Exception | None] = []
        for decision in decisions:
            try:
                self.commit(decision, unapplied_table=unapplied_table, recorded_at=recorded_at)
                errors.append(None)
            except (AlreadyPosted, Conflict) as error:
                errors.append(error)
        return errors

    def import_claim(self, claim: Claim) -> None:
        current = self.claims.get(claim.claim_id)
        refreshed: dict[str, Any] = {"account_id": claim.account_id, "payer_id": claim.payer_id, "lines": claim.lines}
        refreshed |= {"charge_amount": claim.charge_amount}
        if claim.patient_name:
            refreshed["patient_name"] = claim.patient_name
        if current is None:
            self.claims[claim.claim_id] = Claim(claim_id=claim.claim_id, version=1, **refreshed)
        else:
            self.claims[claim.claim_id] = current.model_copy(update=refreshed | {"version": current.version + 1})

    # -- the conditions and the write of a posting, shared with the worklist's resolutions --------

    def posting_stored(self, decision: PostingDecision) -> bool:
        return decision.posting_id in self.ledgers.get(decision.claim_id, {})

    def claim_moved(self, decision: PostingDecision) -> bool:
        """The claim is not at the version the decision was made on (or, for no claim, now exists)."""
        current = self.claims.get(decision.claim_id)
        if decision.claim is None:
            return current is not None
        return current is None or current.version != decision.claim.version - 1

    def write(self, decision: PostingDecision) -> None:
        posting = StoredPosting(decision.record(), list(decision.followups), decision.unapplied_cash)
        self.ledgers.setdefault(decision.claim_id, {})[decision.posting_id] = posting
        if decision.claim is not None:
            self.claims[decision.claim_id] = decision.claim


class FakeReconciliation:
    """Bank transactions, waiting items and matches; an ERA opens on its remittance's record, and once
    per era id (its reconciliation item), and is matched once. Matches are kept as DynamoDB keeps them:
    without the fields that have no value."""

    def __init__(self, remittances: FakeRemittances) -> None:
        self.remittances = remittances
        self.transactions: dict[str, BankTransaction] = {}
        self.references: dict[str, dict[str, Any]] = {}  # bank-reference identity -> the transaction kept
        self.era_items: dict[str, dict[str, Any]] = {}  # era id -> its reconciliation item
        self.open_eras: dict[str, tuple[EraPayment, Any]] = {}
        self.open_deposits: dict[str, Deposit] = {}
        self.match_records: dict[str, dict[str, Any]] = {}
        self.unmatched_records: list[dict[str, Any]] = []
        self.undone: set[str] = set()
        self.classified_records: dict[str, dict[str, Any]] = {}

    def record_deposit(self, transaction: BankTransaction, deposit: Deposit | None) -> RecordedTransaction:
        identity = bank_reference_identity(transaction)
        if transaction.transaction_id in self.transactions:
            return RecordedTransaction(new=False, identity=identity)
        kept = self.references.get(identity) if identity is not None else None
        if kept is not None and kept["source"] != transaction.source:  # within one file, two are two
            return RecordedTransaction(new=False, identity=identity, same_reference=dict(kept))
        self.transactions[transaction.transaction_id] = transaction
        if identity is not None and kept is None:
            self.references[identity] = {
                "transaction_id": transaction.transaction_id,
                "source": transaction.source,
                "format": transaction.format.value,
                "amount": transaction.amount,
                "direction": transaction.direction.value,
            }
        if deposit is not None:
            self.open_deposits[deposit.deposit_id] = deposit
        return RecordedTransaction(new=True, identity=identity)

    def open_era(self, era: EraPayment, posted_payment: Any) -> bool:
        record = self.remittances.by_era.get(era.era_id)
        if record is None or record.get("recon_opened") or era.era_id in self.era_items:
            return False
        record["recon_opened"] = True
        self.era_items[era.era_id] = {"source": era.source}
        self.open_eras[era.era_id] = (era, posted_payment)
        return True

    def drop_open_era(self, era_id: str) -> bool:
        return self.open_eras.pop(era_id, None) is not None

    def open_items(self) -> tuple[list[EraPayment], list[Deposit], dict[str, Any]]:
        eras = [self.open_eras[era_id][0] for era_id in sorted(self.open_eras)]
        deposits = [self.open_deposits[deposit_id] for deposit_id in sorted(self.open_deposits)]
        return eras, deposits, {era_id: posted for era_id, (_, posted) in self.open_eras.items()}

    def matches(self) -> list[dict[str, Any]]:
        return [self.match_records[match_id] for match_id in sorted(self.match_records)]

    def commit_match(
        self,
        match: Match,
        eras: list[EraPayment],
        deposits: list[Deposit],
        posted: Mapping[str, Any],
        audit: Mapping[str, Any] | None = None,
    ) -> bool:
        still_waiting = all(e in self.open_eras for e in match.era_ids)
        still_waiting &= all(d in self.open_deposits for d in match.deposit_ids)
        matched_before = any("matched_by" in self.era_items.get(e, {}) for e in match.era_ids)
        undone = not audit and match.match_id in self.undone
        if match.match_id in self.match_records or not still_waiting or matched_before or undone:
            return False
        for era_id in match.era_ids:
            del self.open_eras[era_id]
            self.era_items.setdefault(era_id, {})["matched_by"] = match.match_id
        for deposit_id in match.deposit_ids:
            del self.open_deposits[deposit_id]
        record = (
            match.model_dump()
            | {
                "eras": [e.model_dump() for e in eras],
                "deposits": [d.model_dump(exclude={"text_hint"}) for d in deposits],
                "posted": {e.era_id: posted[e.era_id] for e in eras if posted.get(e.era_id) is not None},
            }
            | ({"audit": dict(audit)} if audit else {})
        )
        self.match_records[match.match_id] = _without_none(record)
        return True

    def unmatch(self, match_id: str, audit: Mapping[str, Any]) -> bool:
        record = self.match_records.get(match_id)
        if record is None or any(self.era_items.get(e, {}).get("matched_by") != match_id for e in record["era_ids"]):
            return False
        del self.match_records[match_id]
        self.unmatched_records.append(record | {"audit": dict(audit)})
        self.undone.add(match_id)
        for era in record["eras"]:
            self.era_items[era["era_id"]].pop("matched_by")
            self.open_eras[era["era_id"]] = (EraPayment.model_validate(era), record["posted"].get(era["era_id"]))
        for deposit in record["deposits"]:
            self.open_deposits[deposit["deposit_id"]] = Deposit.model_validate(deposit)
        return True

    def classify_deposit(self, deposit: Deposit, record: Mapping[str, Any]) -> bool:
        if deposit.deposit_id not in self.open_deposits or deposit.deposit_id in self.classified_records:
            return False
        del self.open_deposits[deposit.deposit_id]
        self.classified_records[deposit.deposit_id] = deposit.model_dump(mode="json") | dict(record)
        return True

    def classified(self) -> list[dict[str, Any]]:
        return [self.classified_records[d] for d in sorted(self.classified_records)]

    def undone_match_ids(self) -> set[str]:
        return set(self.undone)


def _without_none(value: Any) -> Any:
    """What DynamoDB keeps of a record: fields without a value are not written."""
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [_without_none(item) for item in value]
    return value


class FakeWorklist:
    """Follow-ups as flat records (the follow-up's fields and its worklist state side by side, as the
    table keeps them); a resolution that moves money writes the claims and the held money too."""

    def __init__(self, claims: FakeClaims, remittances: FakeRemittances) -> None:
        self.claims = claims
        self.remittances = remittances
        self.items: dict[str, dict[str, Any]] = {}
        self.batch_reads: list[list[str]] = []  # each work_items call's ids

    def add(self, followup: Followup) -> bool:
        if followup.id in self.items:
            return False
        self.items[followup.id] = followup.model_dump() | {"version": 0, "history": []}
        return True

    def add_many(self, followups: Sequence[Followup]) -> Additions:
        return Additions(added=frozenset(f.id for f in followups if self.add(f)))

    def work_item(self, followup_id: str) -> WorkItem | None:
        item = self.items.get(followup_id)
        return None if item is None else _work_item(item)

    def work_items(self, followup_ids: Sequence[str]) -> dict[str, WorkItem]:
        self.batch_reads.append(list(followup_ids))
        return {i: _work_item(self.items[i]) for i in followup_ids if i in self.items}

    def open_of_type(self, followup_type: str) -> Iterator[WorkItem]:
        where = WorklistFilter(status=FollowupStatus.OPEN.value, type=followup_type)
        return iter(self._listing(where))

    def page(
        self, where: WorklistFilter, *, limit: int, cursor: str | None = None
    ) -> tuple[list[WorkItem], str | None]:
        if not (where.status or where.type):
            raise ValueError("listing needs a status or a type")
        listing = "status" if where.status else "type"
        items = self._listing(where)
        if cursor is not None:
            after = _after(cursor, listing)
            items = [i for i in items if (i.followup.created_at.isoformat(), i.followup.id) > after]
        if len(items) <= limit:
            return items, None
        last = items[limit - 1].followup
        return items[:limit], f"{listing}|{last.created_at.isoformat()}|{last.id}"

    def counts_by_type(self, status: str) -> dict[str, int]:
        counts = Counter(item["type"] for item in self.items.values() if item["status"] == status)
        return dict(sorted((str(t), n) for t, n in counts.items()))

    def change(self, change: FollowupChange) -> WorkItem:
        refusal = self._refusal(change)
        if refusal is not None:
            raise refusal
        self._apply(change)
        return _work_item(self.items[change.followup_id])

    def commit_appeal(self, *, change: FollowupChange, claim: Claim) -> None:
        refusal = self._refusal(change)
        if refusal is not None:
            raise refusal
        current = self.claims.claims.get(claim.claim_id)
        if current is None or current.version != claim.version:
            raise ClaimChanged(f"claim {claim.claim_id} changed meanwhile")
        self._apply(change)
        marked = [*current.appeals, change.followup_id]
        self.claims.claims[claim.claim_id] = current.model_copy(
            update={"appeals": marked, "version": claim.version + 1}
        )

    def commit_resolution(
        self,
        *,
        decision: PostingDecision,
        change: FollowupChange,
        release: CashRelease | None,
        recorded_at: datetime,
        raised: Sequence[RaisedFollowup] = (),
    ) -> None:
        refusal = self._refusal(change)
        if refusal is not None:
            raise refusal
        if self.claims.posting_stored(decision):
            raise AlreadyPosted(decision.posting_id)
        if (
            release is not None
            and self.remittances.held.get(release.held_posting_id, {}).get("status") != release.from_status
        ):
            raise Conflict(f"the money is no longer {release.from_status}: someone moved it meanwhile")
        if self.claims.claim_moved(decision):
            raise ClaimChanged(f"claim {decision.claim_id} changed meanwhile")
        if any(f.id in self.items for f in decision.followups):
            raise Conflict(f"follow-up {change.followup_id} or claim {decision.claim_id} was being changed")
        for one in raised:
            if self._raised_moved(one):
                raise Conflict(f"follow-up {one.followup.id}, raised by the posting being undone, changed meanwhile")
        self.claims.write(decision)
        if release is not None:
            held = self.remittances.held[release.held_posting_id]
            held |= {"status": release.to_status} | dict(release.fields)
            for name in release.remove:
                held.pop(name, None)
        self._apply(change)
        for followup in decision.followups:
            self.add(followup)
        for one in raised:
            if one.version is None:
                self.add(one.followup)
            if one.change is not None:
                self._apply(one.change)

    def _raised_moved(self, raised: RaisedFollowup) -> bool:
        item = self.items.get(raised.followup.id)
        if raised.version is None:
            return item is not None
        return item is None or item["version"] != raised.version

    def _listing(self, where: WorklistFilter) -> list[WorkItem]:
        items = [_work_item(item) for item in self.items.values()]
        return sorted((i for i in items if _matches(i, where)), key=lambda i: (i.followup.created_at, i.followup.id))

    def _refusal(self, change: FollowupChange) -> Exception | None:
        item = self.items.get(change.followup_id)
        if item is None:
            return NotFound(f"no follow-up {change.followup_id!r}")
        if change.require_open and item["status"] not in WORKABLE:
            return Conflict(f"follow-up {change.followup_id} is already resolved")
        if item["version"] != change.expected_version:
            return Conflict(f"follow-up {change.followup_id} changed since version {change.expected_version}")
        return None

    def _apply(self, change: FollowupChange) -> None:
        item = self.items[change.followup_id]
        updated = item | dict(change.set)
        for name in change.remove:
            updated.pop(name, None)
        updated["version"] = change.expected_version + 1
        updated["history"] = [*item["history"], change.audit]
        self.items[change.followup_id] = updated


def _work_item(item: Mapping[str, Any]) -> WorkItem:
    followup = Followup.model_validate({name: item[name] for name in Followup.model_fields if name in item})
    state = {name: item[name] for name in WorkItem.model_fields if name in item and name != "followup"}
    return WorkItem.model_validate(state | {"followup": followup})


def _matches(item: WorkItem, where: WorklistFilter) -> bool:
    f = item.followup
    equal = [
        (where.status, f.status.value),
        (where.type, f.type.value),
        (where.payer_id, f.payer_id),
        (where.claim_id, f.claim_id),
        (where.assignee, item.assignee),
    ]
    if any(wanted is not None and wanted != actual for wanted, actual in equal):
        return False
    if where.created_from and f.created_at < where.created_from:
        return False
    if where.created_to and f.created_at > where.created_to:
        return False
    # A follow-up without an amount matches no amount filter, as in DynamoDB.
    if where.min_amount is not None and (f.amount is None or f.amount < where.min_amount):
        return False
    return not (where.max_amount is not None and (f.amount is None or f.amount > where.max_amount))


def _after(cursor: str, listing: str) -> tuple[str, str]:
    parts = cursor.split("|")
    if len(parts) != 3:
        raise BadCursor("not a cursor this listing gave out")
    if parts[0] != listing:
        raise BadCursor("the cursor belongs to another listing (status or type changed): start again without it")
    return parts[1], parts[2]


class FakeSearch:
    """Search over the other fakes' contents: the terms each entity is found by, computed as the
    DynamoDB stores write them (domain.search_terms), matched as their keys are queried."""

    def __init__(self, claims: FakeClaims, remittances: FakeRemittances, reconciliation: FakeReconciliation) -> None:
        self.claims_store = claims
        self.remittances = remittances
        self.reconciliation = reconciliation

    def _entities(self, kind: str) -> Iterator[tuple[str, list[Term]]]:
        if kind == "claim":
            for claim in self.claims_store.claims.values():
                dates = [line.service_date for line in claim.lines]
                yield (
                    claim.claim_id,
                    claim_terms(
                        claim_id=claim.claim_id,
                        account_id=claim.account_id,
                        patient_name=claim.patient_name,
                        service_dates=dates,
                        charge_amount=claim.charge_amount,
                    ),
                )
        elif kind == "posted_claim":
            for claim_id in self.claims_store.ledgers:
                if claim_id not in self.claims_store.claims:
                    yield claim_id, [Term(SearchField.CLAIM, id_term(claim_id))]
        elif kind == "era":
            for era_id, record in self.remittances.by_era.items():
                terms = era_terms(
                    trace_number=str(record["trace_number"]),
                    payer_id=str(record["payer_id"]),
                    amount=Decimal(str(record["payment_amount"])),
                    payment_date=record.get("payment_date"),
                )
                yield era_id, terms
        elif kind == "deposit":
            for transaction in self.reconciliation.transactions.values():
                terms = deposit_terms(
                    trace_number=transaction.trace_number,
                    bank_reference=transaction.bank_reference,
                    amount=transaction.amount,
                    booking_date=transaction.booking_date,
                )
                yield transaction.transaction_id, terms
        elif kind == "payer":
            for payer_id, name in self.payer_names(
                str(r["payer_id"]) for r in self.remittances.by_era.values()
            ).items():
                yield payer_id, payer_terms(name)

    def find(self, term: Term, *, kind: str, limit: int) -> list[str]:
        def hit(kept: Term) -> bool:
            if kept.field != term.field:
                return False
            exact = not term.prefix or len(term.text) < MIN_PREFIX
            return kept.text == term.text if exact else kept.text.startswith(term.text)

        found = sorted((kept.text, entity) for entity, terms in self._entities(kind) for kept in terms if hit(kept))
        return list(dict.fromkeys(entity for _, entity in found))[:limit]

    def claims(self, claim_ids: Sequence[str]) -> list[Claim]:
        return [self.claims_store.claims[i] for i in claim_ids if i in self.claims_store.claims]

    def claims_page(
        self,
        *,
        account_id: str | None = None,
        payer_id: str | None = None,
        status: str | None = None,
        limit: int,
        cursor: str | None = None,
    ) -> tuple[list[Claim], str | None]:
        if cursor is not None and not cursor.isdigit():
            raise BadCursor("cursor: not one this listing gave out")
        matching = [
            claim
            for _, claim in sorted(self.claims_store.claims.items())
            if (account_id is None or claim.account_id == account_id)
            and (payer_id is None or claim.payer_id == payer_id)
            and (status is None or claim.status.value == status)
        ]
        start = int(cursor or 0)
        end = start + limit
        return matching[start:end], (str(end) if end < len(matching) else None)

    def eras(self, era_ids: Sequence[str]) -> list[dict[str, Any]]:
        records = self.remittances.by_era
        return [{"pk": i, **records[i]} for i in era_ids if i in records]

    def deposits(self, transaction_ids: Sequence[str]) -> list[dict[str, Any]]:
        kept = self.reconciliation.transactions
        return [kept[i].model_dump(mode="json", exclude={"text"}) for i in transaction_ids if i in kept]

    def era_matches(self, era_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {}

    def payer_names(self, payer_ids: Iterable[str]) -> dict[str, str]:
        wanted = set(payer_ids)
        return {
            str(r["payer_id"]): str(r["payer_name"])
            for r in self.remittances.by_era.values()
            if r.get("payer_name") and r["payer_id"] in wanted
        }
