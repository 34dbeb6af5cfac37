"""ClaimsTable: each claim with its balances and version, and every posting decided on it.

Failed conditions come back as domain errors (`Conflict`, `AlreadyPosted`), never as a
`ClientError` the caller must pick apart; so do a store that stays busy past its retries
(`StoreBusy`) and a posting beyond DynamoDB's limits (`Unstorable`).

A posting keeps its ledger entries, its ERA figures and its follow-ups as JSON text, one attribute
each (`entries_json`, `figures`, `followups_json`), money as exact decimal text: a handful of
attribute values instead of hundreds to encode, check and decode on every write and read. Postings
stored before keep `entries` and `figures` as lists and maps; every read takes both.

A posting too big for one 400 KB item (a claim of a thousand service lines) keeps its entries' text,
and long follow-ups', in parts (`POSTING#<id>#PART#<n>`) written in the same transaction; every read
reassembles it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from pydantic import ConfigDict, TypeAdapter

from remitflow.adapters.dynamodb import keys
from remitflow.adapters.dynamodb.claim_items import claim_from, claim_item, lines_json
from remitflow.adapters.dynamodb.pages import index_page
from remitflow.adapters.dynamodb.remittances import cash_item
from remitflow.adapters.dynamodb.search import entries, entry_puts
from remitflow.adapters.dynamodb.shared import (
    CONDITION_FAILED,
    ITEM_SIZE_LIMIT,
    TRANSACTION_LIMIT,
    Item,
    batch_get,
    cancellation_codes,
    from_dynamo,
    item_size,
    plain,
    query,
    restore_ints,
    to_dynamo,
    transact_write,
)
from remitflow.domain.claims import Claim
from remitflow.domain.errors import AlreadyPosted, Conflict, StoreBusy, Unstorable
from remitflow.domain.followups import Followup
from remitflow.domain.ledger import LedgerEntry
from remitflow.domain.posting import ClaimPaymentFigures, PostingDecision, PostingRecord
from remitflow.domain.search_terms import Field, Term, claim_terms, id_term
from remitflow.services.ports import RemittanceKey, StoredPosting

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

_followups = TypeAdapter(list[Followup])
_entries = TypeAdapter(list[LedgerEntry], config=ConfigDict(defer_build=True))  # built on first use: cold start
_figures = TypeAdapter(ClaimPaymentFigures)

# A posting item up to this size is written whole; past it, its entries' text goes into parts of at
# most this many bytes. Well under 400 KB: item_size rounds up, and the keys and names come on top.
POSTING_ITEM_BUDGET = ITEM_SIZE_LIMIT * 3 // 4
FOLLOWUPS_INLINE = 64 * 1024  # longer follow-ups text moves into parts too
PART_KIND = "posting_part"
SPLIT_TEXT = ("entries_json", "followups_json")  # the attributes a posting's parts carry pieces of
# The record's fields stored as attributes of their own; its entries and figures go as JSON text.
RECORD_ATTRIBUTES = set(PostingRecord.model_fields) - {"entries", "figures"}
MAX_DATES = 31  # service dates a claim is found by: a month of daily visits, well inside a transaction


def era_line(decision: PostingRecord) -> Item:
    """The attributes that put an 835 claim payment's posting on its ERA's index (claims_by_era, in
    file order): written with the posting, so listing an ERA's claims costs no write of its own."""
    remittance, figures = decision.remittance, decision.figures
    if figures is None or remittance.payment_amount is None:
        return {}
    era = RemittanceKey(
        remittance.payer_id, remittance.trace_number, Decimal(remittance.payment_amount), remittance.payment_date
    )
    return {keys.ERA_LINE_HASH: era.era_id, keys.ERA_LINE_RANGE: figures.segment_number}


def _whole(item: Item, parts: Iterable[Item] = ()) -> Item:
    """A posting item with its parts (any order) put back: entries and follow-ups as if written whole."""
    ordered = sorted(parts, key=lambda part: int(part["part"]))
    expected = int(item.get("parts", 0))
    if expected != len(ordered):  # written in one transaction: a missing part is a defect, not a race
        raise RuntimeError(f"posting {item.get('posting_id')} has {len(ordered)} of its {expected} parts")
    if not ordered:
        return item
    whole = {name: value for name, value in item.items() if name != "parts"}
    for name in SPLIT_TEXT:
        text = "".join(str(part.get(name, "")) for part in ordered)
        if text:
            whole[name] = text
    listed = [entry for part in ordered for entry in part.get("entries", [])]
    if listed:  # parts written before entries were text carry lists of entries
        whole["entries"] = listed
    return whole


def _parts_by_posting(items: Iterable[Item]) -> dict[str, list[Item]]:
    parts: dict[str, list[Item]] = {}
    for item in items:
        parts.setdefault(str(item["posting_id"]), []).append(item)
    return parts


def _posting_from(item: Item) -> StoredPosting:
    followups = _followups.validate_json(item.get("followups_json") or "[]")
    fields = restore_ints({name: item[name] for name in PostingRecord.model_fields if name in item})
    # plain() stores no None: a posting without CLP07 (a write-off, a claim payment without one) has none.
    fields.setdefault("payer_claim_control_number", None)
    if "entries_json" in item:
        fields["entries"] = _entries.validate_json(item["entries_json"])
    if isinstance(item.get("figures"), str):
        fields["figures"] = _figures.validate_json(item["figures"])
    record = PostingRecord.model_validate(fields)
    return StoredPosting(record=record, followups=followups, unapplied_cash=Decimal(item.get("unapplied_cash", 0)))


def _era_line_from(item: Item) -> Item:
    """An ERA index item with its figures as a map, whether stored as text or (before) as a map."""
    figures = item.get("figures")
    if not isinstance(figures, str):
        return item
    return item | {"figures": _figures.validate_json(figures).model_dump(exclude_none=True)}


def split_text(text: str, budget: int) -> list[str]:
    """`text` cut into pieces of at most `budget` UTF-8 bytes, never inside a character."""
    data = text.encode()
    pieces: list[str] = []
    start = 0
    while start < len(data):
        end = min(start + budget, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # a continuation byte: cut before its character
            end -= 1
        pieces.append(data[start:end].decode())
        start = end
    return pieces


class ClaimsStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    def read(self, wanted: Sequence[tuple[str, str]]) -> tuple[dict[str, Claim], dict[str, StoredPosting]]:
        """Claims and existing postings for (claim id, posting id) pairs, in batched round trips."""
        wanted_keys = [keys.claim(claim_id) for claim_id, _ in wanted]
        wanted_keys += [keys.posting(claim_id, pid) for claim_id, pid in wanted]
        claims: dict[str, Claim] = {}
        found: list[Item] = []
        for item in batch_get(self.client, self.table, wanted_keys):
            if keys.is_claim(item):
                claim = claim_from(item)
                claims[claim.claim_id] = claim
            else:
                found.append(item)
        # Postings written in parts (rare: very long claims) need a second round trip for the parts.
        part_keys = [
            keys.posting_part(str(item["claim_id"]), str(item["posting_id"]), n)
            for item in found
            for n in range(1, int(item.get("parts", 0)) + 1)
        ]
        parts = _parts_by_posting(batch_get(self.client, self.table, part_keys)) if part_keys else {}
        postings: dict[str, StoredPosting] = {}
        for item in found:
            posting = _posting_from(_whole(item, parts.get(str(item["posting_id"]), [])))
            postings[posting.record.posting_id] = posting
        return claims, postings

    def existing(self, claim_ids: Sequence[str]) -> set[str]:
        """Which of these claim ids are claims, by key (batched gets, never a scan)."""
        found = batch_get(self.client, self.table, [keys.claim(claim_id) for claim_id in claim_ids])
        return {str(item["claim_id"]) for item in found}

    def get(self, claim_id: str) -> Claim | None:
        response = self.client.get_item(TableName=self.table, Key=to_dynamo(keys.claim(claim_id)), ConsistentRead=True)
        return claim_from(from_dynamo(response["Item"])) if "Item" in response else None

    def postings(self, claim_id: str) -> list[StoredPosting]:
        """Every posting of a claim, oldest first (reversals need the entries they undo)."""
        return [_posting_from(item) for item in self.ledger(claim_id)]

    def ledger(self, claim_id: str) -> list[Item]:
        """The claim's posting items, in the order they were written; a posting written in parts
        comes back whole (its parts' entries and follow-ups in its item)."""
        items = list(
            query(
                self.client,
                self.table,
                "pk = :pk AND begins_with(sk, :prefix)",
                {":pk": keys.claim_partition(claim_id), ":prefix": keys.POSTING_PREFIX},
                consistent=True,
            )
        )
        parts = _parts_by_posting(item for item in items if item.get("kind") == PART_KIND)
        postings = [item for item in items if item.get("kind") != PART_KIND]
        whole = [_whole(item, parts.get(str(item["posting_id"]), [])) for item in postings]
        return sorted(whole, key=lambda item: (str(item.get("recorded_at", "")), item["sk"]))

    def commit(self, decision: PostingDecision, *, unapplied_table: str, recorded_at: datetime) -> None:
        """One transaction: the claim (if the decision changes it), the posting, the held money
        (in `unapplied_table`, the remittances table).

        Raises AlreadyPosted when the posting id is already recorded, Conflict when the claim moved
        on (or appeared) since it was read, StoreBusy when DynamoDB stays throttled, failing or held
        by other transactions past the retries (shared.transact_write), Unstorable when the posting
        is beyond DynamoDB's limits even in parts (nothing is written then either).
        """
        what = f"posting {decision.posting_id} on claim {decision.claim_id}"
        try:
            actions = self._decision_actions(decision, unapplied_table=unapplied_table, recorded_at=recorded_at)
        except Unstorable as error:
            raise Unstorable(f"{what}: {error}") from None
        try:
            transact_write(self.client, actions, what=what)
        except ClientError as error:
            codes = cancellation_codes(error)
            if codes is None:
                raise
            failed = [code == CONDITION_FAILED for code in codes]
            if failed and failed[0]:
                raise AlreadyPosted(decision.posting_id) from None
            if any(failed):
                raise Conflict(decision.claim_id) from None
            raise

    def commit_many(
        self, decisions: Sequence[PostingDecision], *, unapplied_table: str, recorded_at: datetime
    ) -> list[Exception | None]:
        """Several decisions (each on its own claim) in as few transactions as fit: 100 items, 4 MB.

        A transaction cancelled by a failed condition drops the decisions whose items failed
        (AlreadyPosted when the posting is stored, Conflict when the claim moved on) and commits the
        rest again; still held by other transactions past the store's retries (StoreBusy), it is split
        in two, so one contended claim never holds back the others; refused for its size (Unstorable),
        each of its decisions goes alone. A decision left alone goes through `commit`. Returns, per
        decision, None or the error it met (AlreadyPosted, Conflict, Unstorable); StoreBusy of a
        decision alone is raised.
        """
        errors: list[Exception | None] = [None] * len(decisions)
        actions: list[list[TransactWriteItemTypeDef]] = []
        for index, decision in enumerate(decisions):
            try:
                actions.append(
                    self._decision_actions(decision, unapplied_table=unapplied_table, recorded_at=recorded_at)
                )
            except Unstorable as error:
                errors[index] = Unstorable(f"posting {decision.posting_id} on claim {decision.claim_id}: {error}")
                actions.append([])  # nothing to write: the caller holds its money
        pending = deque(batch for batch in ([i for i in b if actions[i]] for b in _packed(actions)) if batch)
        while pending:
            batch = pending.popleft()
            if len(batch) == 1:
                (index,) = batch
                try:
                    self.commit(decisions[index], unapplied_table=unapplied_table, recorded_at=recorded_at)
                except (AlreadyPosted, Conflict, Unstorable) as error:
                    errors[index] = error
                continue
            items = [action for index in batch for action in actions[index]]
            try:
                transact_write(self.client, items, what=f"a batch of {len(batch)} postings")
            except Unstorable:
                pending.extendleft([index] for index in reversed(batch))
                continue
            except StoreBusy:
                middle = len(batch) // 2
                pending.extendleft([batch[middle:], batch[:middle]])
                continue
            except ClientError as error:
                codes = cancellation_codes(error)
                if codes is None:
                    raise
                rest: list[int] = []
                position = 0
                for index in batch:
                    own = codes[position : position + len(actions[index])]
                    position += len(actions[index])
                    if own and own[0] == CONDITION_FAILED:
                        errors[index] = AlreadyPosted(decisions[index].posting_id)
                    elif CONDITION_FAILED in own:
                        errors[index] = Conflict(decisions[index].claim_id)
                    else:
                        rest.append(index)
                if len(rest) == len(batch):  # transact_write re-raises only failed conditions
                    raise
                if rest:
                    pending.appendleft(rest)
        return errors

    def _decision_actions(
        self, decision: PostingDecision, *, unapplied_table: str, recorded_at: datetime
    ) -> list[TransactWriteItemTypeDef]:
        """The items `commit` writes for a decision: the posting first, the claim, the held money."""
        actions = self.posting_actions(decision, recorded_at=recorded_at)
        if decision.unapplied_cash:
            cash = cash_item(
                decision.posting_id,
                decision.unapplied_cash,
                claim_id=decision.claim_id,
                payer_id=decision.remittance.payer_id,
                source=decision.remittance.source_key,
                recorded_at=recorded_at,
                posting_id=decision.posting_id,
                trace_number=decision.remittance.trace_number,
                outcome=decision.outcome.value,
            )
            actions.append(
                {
                    "Put": {
                        "TableName": unapplied_table,
                        "Item": to_dynamo(cash),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        return actions

    def posting_actions(self, decision: PostingDecision, *, recorded_at: datetime) -> list[TransactWriteItemTypeDef]:
        """The posting (first: conditional on its id being new), the claim (second: conditional on its
        version, or, when the decision leaves no claim, on there still being none), then the posting's
        parts when it is too big for one item, as transaction items. Raises Unstorable for a number
        DynamoDB cannot hold."""
        posting, *parts = self._posting_items(decision, recorded_at)
        actions: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": posting,
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        ]
        claim = decision.claim
        if claim is not None:
            actions.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": to_dynamo(claim_item(claim)),
                        "ConditionExpression": "version = :previous",
                        "ExpressionAttributeValues": {":previous": {"N": str(claim.version - 1)}},
                    }
                }
            )
        else:
            # Held because the claim is unknown: only while it still is (an import may just have added it).
            actions.append(
                {
                    "ConditionCheck": {
                        "TableName": self.table,
                        "Key": to_dynamo(keys.claim(decision.claim_id)),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        # The posting item's own condition keeps the parts exactly once: they need none of their own.
        actions.extend({"Put": {"TableName": self.table, "Item": part}} for part in parts)
        if claim is None:
            # A claim we only know from an 835 (not found, not ours): found by its id all the same,
            # for one more item in a transaction already written; an imported claim has its entries.
            term = Term(Field.CLAIM, id_term(decision.claim_id))
            actions.extend(entry_puts(self.table, entries([term], "posted_claim", decision.claim_id)))
        return actions

    def _posting_items(self, decision: PostingDecision, recorded_at: datetime) -> list[dict[str, Any]]:
        """The posting as encoded items: one when it fits POSTING_ITEM_BUDGET, else the posting
        (everything but its entries, and its follow-ups when they are long) and its parts."""
        followups_json = _followups.dump_json(decision.followups).decode()
        posting: Item = (
            keys.posting(decision.claim_id, decision.posting_id)
            | {"kind": "posting"}
            | plain(decision.model_dump(include=RECORD_ATTRIBUTES))
            | {
                "entries_json": _entries.dump_json(decision.entries, exclude_none=True).decode(),
                "followups_json": followups_json,
                "unapplied_cash": decision.unapplied_cash,
                "recorded_at": recorded_at.isoformat(),
            }
            | era_line(decision)
        )
        if decision.figures is not None:
            # Text under the name the ERA index projects (template.yaml): no index to rebuild.
            posting["figures"] = _figures.dump_json(decision.figures, exclude_none=True).decode()
        whole = to_dynamo(posting)
        if item_size(whole) <= POSTING_ITEM_BUDGET:
            return [whole]
        pieces = [("entries_json", text) for text in split_text(posting["entries_json"], POSTING_ITEM_BUDGET)]
        del whole["entries_json"]
        if len(followups_json.encode()) > FOLLOWUPS_INLINE:
            whole["followups_json"] = {"S": ""}
            pieces += [("followups_json", text) for text in split_text(followups_json, POSTING_ITEM_BUDGET)]
        whole["parts"] = {"N": str(len(pieces))}
        items = [whole]
        for number, (name, text) in enumerate(pieces, start=1):
            part = keys.posting_part(decision.claim_id, decision.posting_id, number)
            about = {"kind": PART_KIND, "posting_id": decision.posting_id, "part": number}
            items.append(to_dynamo(part | about | {name: text}))
        return items

    # -- the ERA view: an ERA's claim payments, a page at a time ------------------------------------

    def era_lines(self, era_id: str, *, limit: int, cursor: str | None) -> tuple[list[Item], str | None]:
        """The postings of an ERA's claim payments in file order (claims_by_era), and a cursor."""
        lines, cursor = index_page(
            self.client,
            self.table,
            index=keys.ERAS_OF_CLAIMS,
            listing=f"{keys.ERAS_OF_CLAIMS}:{era_id}",
            key_names=("pk", "sk", keys.ERA_LINE_HASH, keys.ERA_LINE_RANGE),
            key_condition="#era = :era",
            values={":era": era_id},
            names={"#era": keys.ERA_LINE_HASH},
            limit=limit,
            cursor=cursor,
        )
        return [_era_line_from(line) for line in lines], cursor

    def account_claim_ids(self, account_id: str) -> list[str]:
        """The ids of a patient account's claims, in id order (by_account: claims only)."""
        found = query(self.client, self.table, "account_id = :a", {":a": account_id}, index=keys.CLAIMS_BY_ACCOUNT)
        return [str(item["claim_id"]) for item in found]

    def claims(self, claim_ids: Sequence[str]) -> dict[str, Claim]:
        """The claims of these ids that exist, read together (BatchGetItem)."""
        found = batch_get(self.client, self.table, [keys.claim(c) for c in claim_ids])
        return {claim.claim_id: claim for claim in map(claim_from, found)}

    def import_claim(self, claim: Claim) -> None:
        """Create or refresh a claim from the billing system: charges and expectations change, the
        balances and postings stay; the version moves so a posting decided on the old lines retries."""
        values: dict[str, Any] = {
            ":account": claim.account_id,
            ":payer": claim.payer_id,
            ":lines": lines_json(claim.lines),
            ":charge": claim.charge_amount,
            ":zero": Decimal(0),
            ":one": 1,
            ":open": "open",
            ":none": [],
            ":claim_id": claim.claim_id,
            ":kind": "claim",
        }
        names = {"#status": "status", "#lines": "lines"}
        assignments = [
            "claim_id = :claim_id",
            "kind = :kind",
            "account_id = :account",
            "payer_id = :payer",
            "lines_json = :lines",
            "charge_amount = :charge",
            "#status = if_not_exists(#status, :open)",
            "posting_ids = if_not_exists(posting_ids, :none)",
            "version = if_not_exists(version, :zero) + :one",
        ]
        balances = ("insurance_paid", "contractual_adjustment", "other_adjustment", "patient_responsibility")
        assignments.extend(f"{balance} = if_not_exists({balance}, :zero)" for balance in balances)
        if claim.patient_name:
            values[":patient_name"] = claim.patient_name
            assignments.append("patient_name = :patient_name")
        update: TransactWriteItemTypeDef = {
            "Update": {
                "TableName": self.table,
                "Key": to_dynamo(keys.claim(claim.claim_id)),
                # A claim stored before its lines were text loses their old list.
                "UpdateExpression": "SET " + ", ".join(assignments) + " REMOVE #lines",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_dynamo(values),
            }
        }
        # The claim and its search entries in one request: found by id, name, account, date, amount.
        terms = claim_terms(
            claim_id=claim.claim_id,
            account_id=claim.account_id,
            patient_name=claim.patient_name,
            service_dates=[line.service_date for line in claim.lines][:MAX_DATES],
            charge_amount=claim.charge_amount,
        )
        puts = entry_puts(self.table, entries(terms, "claim", claim.claim_id))
        transact_write(self.client, [update, *puts][:TRANSACTION_LIMIT], what=f"claim {claim.claim_id}")


TRANSACTION_BYTES = 3_500_000  # DynamoDB takes 4 MB per transaction; room for encoding overhead


def _packed(actions: Sequence[Sequence[Any]]) -> list[list[int]]:
    """Indexes of `actions` grouped into transactions of at most TRANSACTION_LIMIT items and about
    TRANSACTION_BYTES, each decision's items kept together."""
    batches: list[list[int]] = []
    batch: list[int] = []
    items = size = 0
    for index, own in enumerate(actions):
        own_size = len(repr(own))
        if batch and (items + len(own) > TRANSACTION_LIMIT or size + own_size > TRANSACTION_BYTES):
            batches.append(batch)
            batch, items, size = [], 0, 0
        batch.append(index)
        items += len(own)
        size += own_size
    if batch:
        batches.append(batch)
    return batches
