"""DynamoDB: claims and their postings, remittance records, fee schedules, the worklist.

The only module that knows the tables' key layout. Failed conditions come back as domain-level
exceptions (`Conflict`, `AlreadyPosted`), never as a `ClientError` the caller must pick apart.

ClaimsTable    pk "CLAIM#<claim id>"   sk "META"                 the claim, its balances and version
                                       sk "POSTING#<posting id>" one decision: entries + follow-ups
RemittancesTable pk "ERA#<payer>#<trace>#<amount>#<date>"  sk "META"   one 835 transaction set
                 pk "UNAPPLIED#<posting id>"               sk "CASH"   money held for a person
                 pk "PROVIDER#<provider id>"               sk "PLB#<entry id>"
                 pk "FEE#<payer id>"                       sk "<procedure>#<modifiers>"
FollowupsTable   pk "<follow-up id>"   the follow-up, its worklist state (version, assignee, resolution...)
                                       and its audit history (a list, appended in the same write)
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from pydantic import TypeAdapter

from remitflow.domain.claims import Claim, FeeSchedule, FeeScheduleEntry, modifier_key
from remitflow.domain.followups import Followup, FollowupStatus
from remitflow.domain.posting import PostingDecision, PostingRecord
from remitflow.domain.provider_adjustments import ProviderLedgerEntry
from remitflow.domain.resolutions import AuditEntry, WorkItem

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

Item = dict[str, Any]

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
_followups = TypeAdapter(list[Followup])

BATCH_GET_LIMIT = 100
BATCH_WRITE_LIMIT = 25
TRANSACTION_LIMIT = 100


class Conflict(Exception):
    """Someone else changed the claim since we read it: read again and decide again."""


class AlreadyPosted(Exception):
    """This posting id is already recorded: a retry, a redelivered event or a re-upload."""


def plain(value: Any) -> Any:
    """A model dump made storable: dates as ISO text, enums as their value, Decimal kept as a number."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):  # pragma: no cover - the models forbid it; this guards the ledger
        raise TypeError("refusing to store a float")
    return value


def to_dynamo(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(value) for key, value in item.items()}


def from_dynamo(item: Mapping[str, Any]) -> Item:
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


def _numbers(value: Any) -> Any:
    """DynamoDB gives every number back as Decimal; ints (versions, line numbers) become ints again."""
    if isinstance(value, dict):
        return {key: _numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers(item) for item in value]
    if isinstance(value, Decimal) and value == value.to_integral_value() and value.as_tuple().exponent == 0:
        return int(value)
    return value


def query_all(client: DynamoDBClient, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item a query matches, page after page (raw DynamoDB JSON)."""
    for page in client.get_paginator("query").paginate(**kwargs):
        yield from page["Items"]


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _condition_failures(error: ClientError) -> list[bool]:
    """For a cancelled transaction: which of its items failed their condition."""
    reasons = error.response.get("CancellationReasons", [])
    return [reason.get("Code") == "ConditionalCheckFailed" for reason in reasons]


def _is(error: ClientError, code: str) -> bool:
    return error.response.get("Error", {}).get("Code") == code


def batch_get(client: DynamoDBClient, table: str, keys: Sequence[Mapping[str, Any]]) -> list[Item]:
    """Every item of `keys` that exists, in up to 100 keys per round trip, unprocessed keys retried."""
    found: list[Item] = []
    unique = list({(k["pk"]["S"], k["sk"]["S"]): k for k in keys}.values())
    for start in range(0, len(unique), BATCH_GET_LIMIT):
        request: Any = {table: {"Keys": unique[start : start + BATCH_GET_LIMIT], "ConsistentRead": True}}
        attempt = 0
        while request:
            response = client.batch_get_item(RequestItems=request)
            found.extend(from_dynamo(item) for item in response["Responses"].get(table, []))
            request = response.get("UnprocessedKeys") or {}
            attempt = _back_off(attempt) if request else attempt
    return found


def batch_put(client: DynamoDBClient, table: str, items: Iterable[Item]) -> int:
    """Unconditional puts, 25 per round trip; for reference data whose ids make rewriting harmless."""
    written = 0
    chunk: list[Any] = []
    for item in items:
        chunk.append({"PutRequest": {"Item": to_dynamo(item)}})
        if len(chunk) == BATCH_WRITE_LIMIT:
            written += _write_chunk(client, table, chunk)
            chunk = []
    if chunk:
        written += _write_chunk(client, table, chunk)
    return written


def _write_chunk(client: DynamoDBClient, table: str, chunk: list[Any]) -> int:
    request: Any = {table: chunk}
    attempt = 0
    while request:
        response = client.batch_write_item(RequestItems=request)
        request = response.get("UnprocessedItems") or {}
        attempt = _back_off(attempt) if request else attempt
    return len(chunk)


def _back_off(attempt: int) -> int:
    """DynamoDB returns unprocessed keys/items under throttling; wait a little longer each time."""
    if attempt >= 8:
        raise RuntimeError("DynamoDB kept returning unprocessed items after 8 attempts")
    time.sleep(min(0.05 * 2**attempt, 2.0))
    return attempt + 1


# ---------------------------------------------------------------------------------------- claims


@dataclass(frozen=True)
class StoredPosting:
    record: PostingRecord
    followups: list[Followup]
    unapplied_cash: Decimal


def claim_key(claim_id: str) -> dict[str, Any]:
    return _key(f"CLAIM#{claim_id}", "META")


def posting_key(claim_id: str, posting_id: str) -> dict[str, Any]:
    return _key(f"CLAIM#{claim_id}", f"POSTING#{posting_id}")


def _claim_from(item: Item) -> Claim:
    return Claim.model_validate(_numbers(item))


def _posting_from(item: Item) -> StoredPosting:
    followups = _followups.validate_json(item.get("followups_json", "[]"))
    fields = {name: item[name] for name in PostingRecord.model_fields if name in item}
    # plain() stores no None: a posting without CLP07 (a write-off, a claim payment without one) has none.
    fields.setdefault("payer_claim_control_number", None)
    record = PostingRecord.model_validate(_numbers(fields))
    return StoredPosting(record=record, followups=followups, unapplied_cash=Decimal(item.get("unapplied_cash", 0)))


class ClaimsStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    def read(self, wanted: Sequence[tuple[str, str]]) -> tuple[dict[str, Claim], dict[str, StoredPosting]]:
        """Claims and existing postings for (claim id, posting id) pairs, in batched round trips."""
        keys = [claim_key(claim_id) for claim_id, _ in wanted]
        keys += [posting_key(claim_id, pid) for claim_id, pid in wanted]
        claims: dict[str, Claim] = {}
        postings: dict[str, StoredPosting] = {}
        for item in batch_get(self.client, self.table, keys):
            if item["sk"] == "META":
                claim = _claim_from(item)
                claims[claim.claim_id] = claim
            else:
                posting = _posting_from(item)
                postings[posting.record.posting_id] = posting
        return claims, postings

    def get(self, claim_id: str) -> Claim | None:
        response = self.client.get_item(TableName=self.table, Key=claim_key(claim_id), ConsistentRead=True)
        return _claim_from(from_dynamo(response["Item"])) if "Item" in response else None

    def postings(self, claim_id: str) -> list[StoredPosting]:
        """Every posting of a claim, oldest first (reversals need the entries they undo)."""
        return [_posting_from(item) for item in self.ledger(claim_id)]

    def ledger(self, claim_id: str) -> list[Item]:
        """The claim's posting items as stored, in the order they were written."""
        items = list(self._query(f"CLAIM#{claim_id}", "POSTING#"))
        return sorted(items, key=lambda item: (str(item.get("recorded_at", "")), item["sk"]))

    def _query(self, pk: str, sk_prefix: str) -> Iterator[Item]:
        items = query_all(
            self.client,
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": pk}, ":prefix": {"S": sk_prefix}},
            ConsistentRead=True,
        )
        return (from_dynamo(item) for item in items)

    def commit(self, decision: PostingDecision, *, unapplied_table: str, recorded_at: datetime) -> None:
        """One transaction: the claim (if the decision changes it), the posting, the held money.

        Raises AlreadyPosted when the posting id is already recorded, Conflict when the claim moved
        on (or appeared) since it was read.
        """
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
        try:
            self.client.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if not _is(error, "TransactionCanceledException"):
                raise
            failed = _condition_failures(error)
            if failed and failed[0]:
                raise AlreadyPosted(decision.posting_id) from None
            if any(failed):
                raise Conflict(decision.claim_id) from None
            raise

    def posting_actions(self, decision: PostingDecision, *, recorded_at: datetime) -> list[TransactWriteItemTypeDef]:
        """The posting (first: conditional on its id being new) and the claim (conditional on its version,
        or, when the decision leaves no claim, on there still being none) as transaction items."""
        record = plain(decision.record().model_dump())
        posting_item = (
            {"pk": f"CLAIM#{decision.claim_id}", "sk": f"POSTING#{decision.posting_id}", "kind": "posting"}
            | record
            | {
                "followups_json": _followups.dump_json(decision.followups).decode(),
                "unapplied_cash": decision.unapplied_cash,
                "recorded_at": recorded_at.isoformat(),
            }
        )
        actions: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": to_dynamo(posting_item),
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
                        "Item": to_dynamo(_claim_item(claim)),
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
                        "Key": claim_key(decision.claim_id),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        return actions

    def import_claim(self, claim: Claim) -> None:
        """Create or refresh a claim from the billing system: charges and expectations change, the
        balances and postings stay; the version moves so a posting decided on the old lines retries."""
        lines = plain([line.model_dump() for line in claim.lines])
        values: dict[str, Any] = {
            ":account": claim.account_id,
            ":payer": claim.payer_id,
            ":lines": lines,
            ":charge": claim.charge_amount,
            ":zero": Decimal(0),
            ":one": 1,
            ":open": "open",
            ":none": [],
            ":claim_id": claim.claim_id,
            ":kind": "claim",
        }
        names = {"#status": "status"}
        assignments = [
            "claim_id = :claim_id",
            "kind = :kind",
            "account_id = :account",
            "payer_id = :payer",
            "#lines = :lines",
            "charge_amount = :charge",
            "#status = if_not_exists(#status, :open)",
            "posting_ids = if_not_exists(posting_ids, :none)",
            "version = if_not_exists(version, :zero) + :one",
        ]
        names["#lines"] = "lines"
        balances = ("insurance_paid", "contractual_adjustment", "other_adjustment", "patient_responsibility")
        assignments.extend(f"{balance} = if_not_exists({balance}, :zero)" for balance in balances)
        if claim.patient_name:
            values[":patient_name"] = claim.patient_name
            assignments.append("patient_name = :patient_name")
        self.client.update_item(
            TableName=self.table,
            Key=claim_key(claim.claim_id),
            UpdateExpression="SET " + ", ".join(assignments),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_dynamo(values),
        )


def cash_item(
    hold_id: str,
    amount: Decimal,
    *,
    claim_id: str | None,
    payer_id: str | None,
    source: str,
    recorded_at: datetime,
    **about: str,
) -> Item:
    """Unapplied cash, held under the id of what holds it until a biller applies it."""
    return {
        "pk": f"UNAPPLIED#{hold_id}",
        "sk": "CASH",
        "kind": "unapplied_cash",
        "claim_id": claim_id,
        "amount": amount,
        "payer_id": payer_id,
        "status": "held",
        "source": source,
        "recorded_at": recorded_at.isoformat(),
    } | about


def _claim_item(claim: Claim) -> Item:
    fields: Item = plain(claim.model_dump(exclude={"insurance_balance", "patient_balance"}))
    return {"pk": f"CLAIM#{claim.claim_id}", "sk": "META", "kind": "claim"} | fields


# ---------------------------------------------------------------------------------- remittances


@dataclass(frozen=True)
class RemittanceKey:
    """What makes two 835 transaction sets the same payment: TRN02, TRN03, BPR02, BPR16."""

    payer_id: str
    trace_number: str
    amount: Decimal
    payment_date: date | None

    @property
    def pk(self) -> str:
        when = self.payment_date.isoformat() if self.payment_date else "-"
        return f"ERA#{self.payer_id}#{self.trace_number}#{self.amount}#{when}"


class RemittancesStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    def claim_remittance(self, key: RemittanceKey, attributes: Mapping[str, Any]) -> Item | None:
        """Record that `attributes["source_key"]` posts this remittance. Returns None when it is ours
        to post (first time, or the same file again), else the record of the file that posted it."""
        item = {"pk": key.pk, "sk": "META", "kind": "remittance"} | plain(dict(attributes))
        try:
            self.client.put_item(
                TableName=self.table,
                Item=to_dynamo(item),
                ConditionExpression="attribute_not_exists(pk) OR source_key = :source",
                ExpressionAttributeValues={":source": {"S": attributes["source_key"]}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not _is(error, "ConditionalCheckFailedException"):
                raise
            old: Any = error.response.get("Item")
            return from_dynamo(old) if old else self.get(key) or {"pk": key.pk}
        return None

    def get(self, key: RemittanceKey) -> Item | None:
        response = self.client.get_item(TableName=self.table, Key=_key(key.pk, "META"), ConsistentRead=True)
        return from_dynamo(response["Item"]) if "Item" in response else None

    def finish_remittance(
        self, key: RemittanceKey, totals: Mapping[str, Any], provider_entries: Sequence[ProviderLedgerEntry]
    ) -> None:
        """The remittance's totals and its provider ledger entries, together. Entries have
        deterministic ids and content, so writing them again on a retry changes nothing."""
        names = {f"#{name}": name for name in totals}
        values = to_dynamo({f":{name}": value for name, value in plain(dict(totals)).items()})
        actions: list[TransactWriteItemTypeDef] = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": _key(key.pk, "META"),
                    "UpdateExpression": "SET " + ", ".join(f"#{name} = :{name}" for name in totals),
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            }
        ]
        for entry in provider_entries:
            item = {"pk": f"PROVIDER#{entry.provider_id}", "sk": f"PLB#{entry.entry_id}", "kind": "provider_entry"}
            actions.append({"Put": {"TableName": self.table, "Item": to_dynamo(item | plain(entry.model_dump()))}})
        for start in range(0, len(actions), TRANSACTION_LIMIT):
            self.client.transact_write_items(TransactItems=actions[start : start + TRANSACTION_LIMIT])

    def fee_schedule(self, payer_id: str) -> FeeSchedule:
        items = query_all(
            self.client,
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"FEE#{payer_id}"}},
        )
        fields = (from_dynamo(item) for item in items)
        return FeeSchedule(
            entries=[FeeScheduleEntry.model_validate({n: f[n] for n in FeeScheduleEntry.model_fields}) for f in fields]
        )

    def put_fee_schedule(self, entries: Iterable[FeeScheduleEntry]) -> int:
        def items() -> Iterator[Item]:
            for entry in entries:
                sk = "#".join([entry.procedure_code.upper(), *modifier_key(entry.modifiers)])
                yield {"pk": f"FEE#{entry.payer_id}", "sk": sk, "kind": "fee"} | plain(entry.model_dump())

        return batch_put(self.client, self.table, items())

    def hold_cash(self, hold_id: str, amount: Decimal, followup: Followup) -> None:
        """Money no posting could take (an unreadable claim payment), kept under its follow-up's id."""
        item = cash_item(
            hold_id,
            amount,
            claim_id=followup.claim_id,
            payer_id=followup.payer_id,
            source=followup.source,
            recorded_at=followup.created_at,
            followup_id=followup.id,
        )
        # Same id, same content: a retry rewrites it unchanged.
        self.client.put_item(TableName=self.table, Item=to_dynamo(plain(item)))

    def unapplied(self, posting_id: str) -> Item | None:
        response = self.client.get_item(
            TableName=self.table, Key=_key(f"UNAPPLIED#{posting_id}", "CASH"), ConsistentRead=True
        )
        return from_dynamo(response["Item"]) if "Item" in response else None


# ------------------------------------------------------------------------------------- worklist


class NotFound(LookupError):
    """No item with this key."""


class ClaimChanged(Conflict):
    """The claim moved on since it was read (a posting, an import): decide again on the new version."""


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
    """A cursor this store did not give out (or one from another listing)."""


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
    """Held money (RemittancesTable UNAPPLIED#<posting id>) leaving the suspense account: status
    held -> applied, only while it is still held."""

    table: str
    held_posting_id: str
    fields: Mapping[str, Any]


def _audit_item(entry: AuditEntry) -> Item:
    # Kept whole, nulls included: "before: assignee null" is part of what happened.
    return entry.model_dump(mode="json")


def _work_item(item: Item) -> WorkItem:
    item = _numbers(item)
    followup = Followup.model_validate({name: item[name] for name in Followup.model_fields if name in item})
    state = {name: item[name] for name in WorkItem.model_fields if name in item and name != "followup"}
    return WorkItem.model_validate(state | {"followup": followup})


def _followup_item(followup: Followup) -> Item:
    fields: Item = plain(followup.model_dump(mode="python"))
    fields["amount"] = followup.amount  # a number, so the worklist can filter by amount
    return {"pk": followup.id} | fields | {"history": [], "version": 0}


class WorklistStore:
    INDEX_KEYS = {"by_status": "status", "by_type": "type"}

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    def add(self, followup: Followup) -> bool:
        """Open a follow-up once; False when it is already on the worklist (a redelivered message)."""
        try:
            self.client.put_item(
                TableName=self.table,
                Item=to_dynamo(_followup_item(followup)),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if _is(error, "ConditionalCheckFailedException"):
                return False
            raise
        return True

    def get(self, followup_id: str) -> Item | None:
        response = self.client.get_item(TableName=self.table, Key={"pk": {"S": followup_id}}, ConsistentRead=True)
        return _numbers(from_dynamo(response["Item"])) if "Item" in response else None

    def work_item(self, followup_id: str) -> WorkItem | None:
        item = self.get(followup_id)
        return None if item is None else _work_item(item)

    def by_status(self, status: FollowupStatus | str, followup_type: str | None = None) -> Iterator[Item]:
        """Follow-ups of one status, oldest first (the by_status index is sorted by created_at)."""
        kwargs: Any = {
            "TableName": self.table,
            "IndexName": "by_status",
            "KeyConditionExpression": "#status = :status",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":status": {"S": str(status)}},
        }
        if followup_type:
            kwargs["FilterExpression"] = "#type = :type"
            kwargs["ExpressionAttributeNames"]["#type"] = "type"
            kwargs["ExpressionAttributeValues"][":type"] = {"S": followup_type}
        yield from (_numbers(from_dynamo(item)) for item in query_all(self.client, **kwargs))

    def open_of_type(self, followup_type: str) -> Iterator[WorkItem]:
        """The open follow-ups of one type. Reads every item of that type through the by_type index,
        resolved ones too: for a rare type that is fewer than all the open follow-ups."""
        kwargs: Any = {
            "TableName": self.table,
            "IndexName": "by_type",
            "KeyConditionExpression": "#type = :type",
            "FilterExpression": "#status = :open",
            "ExpressionAttributeNames": {"#type": "type", "#status": "status"},
            "ExpressionAttributeValues": {":type": {"S": followup_type}, ":open": {"S": FollowupStatus.OPEN.value}},
        }
        yield from (_work_item(from_dynamo(item)) for item in query_all(self.client, **kwargs))

    # -- listing -------------------------------------------------------------------------------

    def page(
        self, where: WorklistFilter, *, limit: int, cursor: str | None = None
    ) -> tuple[list[WorkItem], str | None]:
        """Up to `limit` follow-ups, oldest first, and a cursor for the next page (None: no more).

        DynamoDB applies filters after it reads, so a page is filled from as many reads as it takes,
        and the cursor is the key of the last item returned (not of the last item read): the next
        page starts right after it. A cursor is given only when another matching item exists.
        """
        if where.status:
            index, hash_value = "by_status", where.status
        elif where.type:
            index, hash_value = "by_type", where.type
        else:
            raise ValueError("listing needs a status or a type")
        hash_name = self.INDEX_KEYS[index]
        names = {"#h": hash_name}
        values: dict[str, Any] = {":h": hash_value}
        key_condition = "#h = :h"
        if where.created_from and where.created_to:
            key_condition += " AND created_at BETWEEN :from AND :to"
            values |= {":from": where.created_from.isoformat(), ":to": where.created_to.isoformat()}
        elif where.created_from:
            key_condition += " AND created_at >= :from"
            values[":from"] = where.created_from.isoformat()
        elif where.created_to:
            key_condition += " AND created_at <= :to"
            values[":to"] = where.created_to.isoformat()
        filters = []
        equal = {"type": where.type if index == "by_status" else None, "payer_id": where.payer_id}
        equal |= {"claim_id": where.claim_id, "assignee": where.assignee}
        for name, value in equal.items():
            if value is not None:
                names[f"#{name}"] = name
                values[f":{name}"] = value
                filters.append(f"#{name} = :{name}")
        if where.min_amount is not None:
            names["#amount"] = "amount"
            values[":min_amount"] = where.min_amount
            filters.append("#amount >= :min_amount")
        if where.max_amount is not None:
            names["#amount"] = "amount"
            values[":max_amount"] = where.max_amount
            filters.append("#amount <= :max_amount")
        kwargs: Any = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": key_condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_dynamo(values),
            "Limit": limit + 1,
        }
        if filters:
            kwargs["FilterExpression"] = " AND ".join(filters)
        if cursor:
            kwargs["ExclusiveStartKey"] = self._decode_cursor(cursor, index)
        found: list[Item] = []
        while True:
            response = self.client.query(**kwargs)
            for raw in response["Items"]:
                if len(found) == limit:  # one more match: there is a next page, after the last one kept
                    return [_work_item(from_dynamo(i)) for i in found], self._cursor(index, found[-1])
                found.append(raw)
            if "LastEvaluatedKey" not in response:
                return [_work_item(from_dynamo(i)) for i in found], None
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _cursor(self, index: str, raw: Mapping[str, Any]) -> str:
        key = {name: raw[name]["S"] for name in ("pk", self.INDEX_KEYS[index], "created_at")}
        text = json.dumps({"index": index, "key": key}, separators=(",", ":"), sort_keys=True)
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def _decode_cursor(self, cursor: str, index: str) -> dict[str, Any]:
        names = ("pk", self.INDEX_KEYS[index], "created_at")
        try:
            decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            key = decoded["key"]
            ours = set(key) == set(names) and all(isinstance(key[n], str) for n in names)
            same_listing = decoded["index"] == index
        except (ValueError, TypeError, KeyError, AttributeError):
            raise BadCursor("not a cursor this listing gave out") from None
        if not same_listing:
            raise BadCursor("the cursor belongs to another listing (status or type changed): start again without it")
        if not ours:
            raise BadCursor("not a cursor this listing gave out")
        return {name: {"S": key[name]} for name in names}

    def counts_by_type(self, status: str) -> dict[str, int]:
        """How many follow-ups of each type have this status (reads only the type of each)."""
        counts: dict[str, int] = {}
        kwargs: Any = {
            "TableName": self.table,
            "IndexName": "by_status",
            "KeyConditionExpression": "#status = :status",
            "ProjectionExpression": "#type",
            "ExpressionAttributeNames": {"#status": "status", "#type": "type"},
            "ExpressionAttributeValues": {":status": {"S": status}},
        }
        for item in query_all(self.client, **kwargs):
            followup_type = item["type"]["S"]
            counts[followup_type] = counts.get(followup_type, 0) + 1
        return dict(sorted(counts.items()))

    # -- changes -------------------------------------------------------------------------------

    def change(self, change: FollowupChange) -> WorkItem:
        """Apply one change; raises NotFound, or Conflict saying what changed since the caller's version."""
        update = self._update(change)
        try:
            response = self.client.update_item(**update, ReturnValues="ALL_NEW")
        except ClientError as error:
            if _is(error, "ConditionalCheckFailedException"):
                raise self.refusal(change) from None
            raise
        return _work_item(from_dynamo(response["Attributes"]))

    def refusal(self, change: FollowupChange) -> Exception:
        """Why a change's condition failed, read back from the item as it now is."""
        current = self.work_item(change.followup_id)
        if current is None:
            return NotFound(f"no follow-up {change.followup_id!r}")
        if change.require_open and current.followup.status is FollowupStatus.RESOLVED:
            who = f" by {current.resolved_by}" if current.resolved_by else ""
            resolution = current.resolution.value if current.resolution else "resolved"
            return Conflict(f"follow-up {change.followup_id} is already resolved ({resolution}){who}")
        return Conflict(
            f"follow-up {change.followup_id} changed since version {change.expected_version}: "
            f"it is at version {current.version} now; reload it and try again"
        )

    def _update(self, change: FollowupChange) -> dict[str, Any]:
        names = {"#version": "version", "#history": "history"}
        values: dict[str, Any] = {
            ":expected": change.expected_version,
            ":next": change.expected_version + 1,
            ":audit": [_audit_item(change.audit)],
            ":empty": [],
        }
        assignments = ["#version = :next", "#history = list_append(if_not_exists(#history, :empty), :audit)"]
        for index, (name, value) in enumerate(change.set.items()):
            names[f"#s{index}"] = name
            values[f":s{index}"] = plain(value)
            assignments.append(f"#s{index} = :s{index}")
        expression = "SET " + ", ".join(assignments)
        if change.remove:
            removed = []
            for index, name in enumerate(change.remove):
                names[f"#r{index}"] = name
                removed.append(f"#r{index}")
            expression += " REMOVE " + ", ".join(removed)
        # Items opened before follow-ups had versions count as version 0.
        version = "#version = :expected"
        if change.expected_version == 0:
            version = f"({version} OR attribute_not_exists(#version))"
        condition = f"attribute_exists(pk) AND {version}"
        if change.require_open:
            names["#status"] = "status"
            values[":open"] = FollowupStatus.OPEN.value
            condition += " AND #status = :open"
        return {
            "TableName": self.table,
            "Key": {"pk": {"S": change.followup_id}},
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_dynamo(values),
        }

    def commit_resolution(
        self,
        *,
        claims: ClaimsStore,
        decision: PostingDecision,
        change: FollowupChange,
        release: CashRelease | None,
        recorded_at: datetime,
    ) -> None:
        """A resolution that moves money, in one transaction: the posting (new id), the claim (its
        version), the held money (still held), the follow-up (its version, still open) and any
        follow-ups the posting raises. Raises AlreadyPosted, ClaimChanged, Conflict or NotFound;
        whatever is raised, nothing was written."""
        actions = claims.posting_actions(decision, recorded_at=recorded_at)
        what = ["posting", "claim"]
        if release is not None:
            names = {"#status": "status"} | {f"#f{i}": name for i, name in enumerate(release.fields)}
            values = {":held": "held", ":applied": "applied"}
            values |= {f":f{i}": value for i, value in enumerate(plain(dict(release.fields)).values())}
            assignments = ["#status = :applied"] + [f"#f{i} = :f{i}" for i in range(len(release.fields))]
            actions.append(
                {
                    "Update": {
                        "TableName": release.table,
                        "Key": _key(f"UNAPPLIED#{release.held_posting_id}", "CASH"),
                        "UpdateExpression": "SET " + ", ".join(assignments),
                        "ConditionExpression": "#status = :held",
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": to_dynamo(values),
                    }
                }
            )
            what.append("cash")
        update: Any = self._update(change)
        actions.append({"Update": update})
        what.append("followup")
        for followup in decision.followups:
            actions.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": to_dynamo(_followup_item(followup)),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
            what.append("new followup")
        try:
            self.client.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if not _is(error, "TransactionCanceledException"):
                raise
            reasons = [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]
            failed = {what[i] for i, code in enumerate(reasons) if code == "ConditionalCheckFailed" and i < len(what)}
            if "followup" in failed:
                raise self.refusal(change) from None
            if "posting" in failed:
                raise AlreadyPosted(decision.posting_id) from None
            if "cash" in failed:
                raise Conflict("the held money is no longer held: it was applied or released meanwhile") from None
            if "claim" in failed:
                raise ClaimChanged(f"claim {decision.claim_id} changed meanwhile") from None
            if failed or "TransactionConflict" in reasons:
                raise Conflict(
                    f"follow-up {change.followup_id} or claim {decision.claim_id} was being changed by someone "
                    "else at the same moment; reload and try again"
                ) from None
            raise
