"""RemittancesTable: 835 transaction sets, unapplied cash, provider (PLB) entries, fee schedules.

The reconciliation items of the same table have their own store (reconciliation.py); the keys of
both are in keys.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from remitflow.adapters.dynamodb import keys
from remitflow.adapters.dynamodb.pages import index_page
from remitflow.adapters.dynamodb.search import entries, entry_puts, payer_items
from remitflow.adapters.dynamodb.shared import (
    CONDITION_FAILED,
    TRANSACTION_LIMIT,
    Item,
    batch_get,
    batch_put,
    cancellation_codes,
    error_code,
    from_dynamo,
    plain,
    query,
    refusal,
    to_dynamo,
    transact_write,
)
from remitflow.domain.claims import FeeSchedule, FeeScheduleEntry
from remitflow.domain.followups import Followup
from remitflow.domain.provider_adjustments import ProviderLedgerEntry
from remitflow.domain.search_terms import era_terms
from remitflow.services.ports import RemittanceKey

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


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
    return (
        keys.unapplied_cash(hold_id)
        | {
            "kind": "unapplied_cash",
            "claim_id": claim_id,
            "amount": amount,
            "payer_id": payer_id,
            "status": "held",
            "source": source,
            "recorded_at": recorded_at.isoformat(),
        }
        | about
    )


EMPTY_PROGRESS: dict[str, Any] = {
    "claim_payments": 0,
    "posted_payment": 0,
    "unapplied_cash": 0,
    "outcomes": {},
    "followups": {},
}


def _progress_update(result: Mapping[str, Any]) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The update that adds a chunk's result (ChunkResult.as_item) to the record's `progress` sums
    (ADD takes top-level attributes only: nested sums are SET from if_not_exists)."""
    names = {"#progress": "progress"}
    values: dict[str, Any] = {":one": 1, ":zero": 0}
    sets = []

    def add(path: str, value: Any, alias: str) -> None:
        sets.append(f"{path} = if_not_exists({path}, :zero) + :{alias}")
        values[f":{alias}"] = value

    for n, field in enumerate(("claim_payments", "posted_payment", "unapplied_cash")):
        names[f"#s{n}"] = field
        add(f"#progress.#s{n}", result.get(field, 0), f"s{n}")
    for group in ("outcomes", "followups"):
        for n, (name, count) in enumerate(sorted(dict(result.get(group) or {}).items())):
            names[f"#{group[0]}"] = group  # only when used: DynamoDB refuses unused names
            names[f"#{group[0]}{n}"] = name
            add(f"#progress.#{group[0]}.#{group[0]}{n}", count, f"{group[0]}{n}")
    return "SET " + ", ".join(sets) + " ADD chunks_done :one", names, values


class RemittancesStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    def claim_remittance(self, key: RemittanceKey, attributes: Mapping[str, Any]) -> Item | None:
        """Record that `attributes["source_key"]` posts this remittance. Returns None when it is ours
        to post (first time, or the same file again), else the record of the file that posted it.
        The same file again updates the attributes given and keeps the rest (its posting progress)."""
        when = None if key.payment_date is None else key.payment_date.isoformat()
        fields = (
            plain(dict(attributes))
            | {"kind": "remittance"}
            | keys.era_listing(key.era_id, key.payer_id, key.trace_number, when)
        )
        names = {f"#{name}": name for name in fields}
        values = {f":{name}": value for name, value in fields.items()}
        try:
            self.client.update_item(
                TableName=self.table,
                Key=to_dynamo(keys.remittance(key.era_id)),
                UpdateExpression="SET " + ", ".join(f"#{name} = :{name}" for name in fields),
                ConditionExpression="attribute_not_exists(pk) OR #source_key = :source_key",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_dynamo(values),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            old: Any = error.response.get("Item")
            existing = from_dynamo(old) if old else self.get(key) or keys.remittance(key.era_id)
            if existing.get("source_key") != attributes["source_key"]:
                return existing
        self._index(key, attributes)
        return None

    def _index(self, key: RemittanceKey, attributes: Mapping[str, Any]) -> None:
        """The ERA's search entries and its payer's name, once the record is ours: one request per
        835 transaction set, not per claim. Rewritten by the same file again, harmlessly."""
        terms = era_terms(
            trace_number=key.trace_number, payer_id=key.payer_id, amount=key.amount, payment_date=key.payment_date
        )
        items = entries(terms, "era", key.era_id)
        payer_name = attributes.get("payer_name")
        if payer_name and key.payer_id:
            items += payer_items(key.payer_id, str(payer_name))
        transact_write(self.client, entry_puts(self.table, items), what=f"search entries of {key.era_id}")

    # -- posting in chunks: the progress and the finish decision, on the remittance's record ----

    def remittance(self, key: RemittanceKey) -> Item | None:
        return self.get(key)

    def start_posting(self, key: RemittanceKey, plan: str) -> None:
        """A new plan starts its counters from zero; the current plan keeps its progress."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key=to_dynamo(keys.remittance(key.era_id)),
                UpdateExpression="SET #plan = :plan, chunks_done = :zero, progress = :empty, #status = :posting "
                "REMOVE chunks_total, failed_chunks, chunk_results",
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(#plan) OR #plan <> :plan)",
                ExpressionAttributeNames={"#plan": "plan", "#status": "status"},
                ExpressionAttributeValues=to_dynamo(
                    {":plan": plan, ":zero": 0, ":empty": EMPTY_PROGRESS, ":posting": "posting"}
                ),
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise

    def set_chunk_total(self, key: RemittanceKey, plan: str, total: int) -> Item | None:
        return self._update_plan(key, plan, "SET chunks_total = :total", {":total": total})

    def complete_chunk(self, key: RemittanceKey, plan: str, chunk: int, result: Mapping[str, Any]) -> Item | None:
        """Count the chunk once. One transaction, so atomic: the chunk's own marker item (with its
        result), written only while absent, and the record's counters, added to only while `plan`
        is its plan. The record holds sums, never a list of chunks: it stays the same size whatever
        the chunk count. Returns the record afterwards (read consistently), or None when the chunk
        was counted before or another plan took over."""
        era_id = key.era_id
        marker = keys.remittance_chunk(era_id, plan, chunk) | {"kind": "posting_chunk", "result": plain(dict(result))}
        expression, names, values = _progress_update(result)
        actions: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": to_dynamo(marker),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": self.table,
                    "Key": to_dynamo(keys.remittance(era_id)),
                    "UpdateExpression": expression,
                    "ConditionExpression": "#plan = :plan",
                    "ExpressionAttributeNames": {"#plan": "plan", **names},
                    "ExpressionAttributeValues": to_dynamo({":plan": plan, **values}),
                }
            },
        ]
        try:
            transact_write(self.client, actions, what=f"chunk {chunk} of {era_id}")
        except ClientError as error:
            if CONDITION_FAILED not in (cancellation_codes(error) or []):
                raise
            return None
        return self.get(key)

    def mark_failed(self, key: RemittanceKey, plan: str, chunk: int, reason: str) -> None:
        self._update_plan(
            key,
            plan,
            "SET #status = :failed, failure = :reason ADD failed_chunks :chunk",
            {":failed": "failed", ":reason": reason[:500], ":chunk": {chunk}},
            names={"#status": "status"},
        )

    def _update_plan(
        self,
        key: RemittanceKey,
        plan: str,
        expression: str,
        values: Mapping[str, Any],
        *,
        names: Mapping[str, str] | None = None,
        condition: str | None = None,
    ) -> Item | None:
        """An update of the record while `plan` is its plan (and `condition` holds): the record
        afterwards, or None when the condition failed."""
        conditions = " AND ".join(["#plan = :plan", *([condition] if condition else [])])
        try:
            response = self.client.update_item(
                TableName=self.table,
                Key=to_dynamo(keys.remittance(key.era_id)),
                UpdateExpression=expression,
                ConditionExpression=conditions,
                ExpressionAttributeNames={"#plan": "plan", **(names or {})},
                ExpressionAttributeValues=to_dynamo({":plan": plan, **values}),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            return None
        return from_dynamo(response["Attributes"])

    def get(self, key: RemittanceKey) -> Item | None:
        response = self.client.get_item(
            TableName=self.table, Key=to_dynamo(keys.remittance(key.era_id)), ConsistentRead=True
        )
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
                    "Key": to_dynamo(keys.remittance(key.era_id)),
                    "UpdateExpression": "SET " + ", ".join(f"#{name} = :{name}" for name in totals),
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            }
        ]
        for entry in provider_entries:
            item = keys.provider_entry(entry.provider_id, entry.entry_id) | {"kind": "provider_entry"}
            actions.append({"Put": {"TableName": self.table, "Item": to_dynamo(item | plain(entry.model_dump()))}})
        for start in range(0, len(actions), TRANSACTION_LIMIT):
            chunk = actions[start : start + TRANSACTION_LIMIT]
            transact_write(self.client, chunk, what=f"totals and provider entries of {key.era_id}")

    def fee_schedule(self, payer_id: str) -> FeeSchedule:
        items = query(self.client, self.table, "pk = :pk", {":pk": keys.fee_schedule(payer_id)})
        return FeeSchedule(
            entries=[FeeScheduleEntry.model_validate({n: f[n] for n in FeeScheduleEntry.model_fields}) for f in items]
        )

    def put_fee_schedule(self, entries: Iterable[FeeScheduleEntry]) -> int:
        def items() -> Iterator[Item]:
            for entry in entries:
                key = keys.fee(entry.payer_id, entry.procedure_code, entry.modifiers)
                yield key | {"kind": "fee"} | plain(entry.model_dump())

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
        try:
            self.client.put_item(TableName=self.table, Item=to_dynamo(plain(item)))
        except ClientError as error:
            raise refusal(error, f"held cash {hold_id}") from None

    def unapplied(self, posting_id: str) -> Item | None:
        response = self.client.get_item(
            TableName=self.table, Key=to_dynamo(keys.unapplied_cash(posting_id)), ConsistentRead=True
        )
        return from_dynamo(response["Item"]) if "Item" in response else None

    # -- the ERA view: one record by era id, and records listed by payment date ---------------------

    def record(self, era_id: str) -> Item | None:
        response = self.client.get_item(TableName=self.table, Key=to_dynamo(keys.remittance(era_id)))
        return from_dynamo(response["Item"]) if "Item" in response else None

    def records(self, era_ids: Sequence[str]) -> list[Item]:
        """The records of these era ids that exist, read together (BatchGetItem, consistent)."""
        return batch_get(self.client, self.table, [keys.remittance(e) for e in era_ids])

    def eras_of_trace(self, trace_number: str) -> list[Item]:
        """Every ERA record with this TRN02 (a handful: one per payer that used it), by date."""
        return list(query(self.client, self.table, "era_trace = :t", {":t": trace_number}, index=keys.ERAS_BY_TRACE))

    def list_eras(
        self,
        *,
        payer_id: str | None,
        date_from: date | None,
        date_to: date | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Item], str | None]:
        """ERA records by payment date, oldest first: one payer's (eras_by_payer) or all (eras_by_date).
        A date range is part of the key condition ("<date>#<era id>" sorts by date)."""
        index, hash_name, hash_value = (
            (keys.ERAS_BY_PAYER, "era_payer", payer_id)
            if payer_id
            else (keys.ERAS_BY_DATE, "era_listing", keys.ERA_LISTING)
        )
        condition, values = _dated("#h = :h", {":h": hash_value}, date_from, date_to)
        return index_page(
            self.client,
            self.table,
            index=index,
            listing=f"{index}:{hash_value}:{date_from}:{date_to}",
            key_names=("pk", "sk", hash_name, "listed_on"),
            key_condition=condition,
            values=values,
            names={"#h": hash_name},
            limit=limit,
            cursor=cursor,
        )


def _dated(
    condition: str, values: dict[str, Any], date_from: date | None, date_to: date | None
) -> tuple[str, dict[str, Any]]:
    """The key condition on listed_on ("<date>#<id>") for a range of days, either end open."""
    low = date_from.isoformat() if date_from else keys.UNDATED
    high = (date_to.isoformat() if date_to else "9999-12-31") + "#\uffff"
    return condition + " AND listed_on BETWEEN :low AND :high", values | {":low": low, ":high": high}
