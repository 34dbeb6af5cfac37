"""RemittancesTable, for reassociation: bank transactions, the open items waiting for their other
half, and matches (their keys are in keys.py, with the rest of the table's).

Both sides write their open item first and read the other side after, with consistent reads: when an
ERA and its deposit arrive at the same moment, at least one of the two sees the other. A match takes
the open items away in the transaction that records it, conditional on their still being there, so
two matchers racing for the same items cannot both win.

An ERA opens once per era id (an item beside its remittance record, written only if absent) and is
matched once (the same item takes the match id, only if it has none). A bank transaction is kept once
per transaction id and once per bank-reference identity (account, booking date, bank reference), so
the same transaction in a BAI2 and a camt.053 is one deposit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from remitflow.adapters.dynamodb import keys
from remitflow.adapters.dynamodb.pages import index_page
from remitflow.adapters.dynamodb.search import entries, entry_puts
from remitflow.adapters.dynamodb.shared import (
    CONDITION_FAILED,
    Item,
    batch_get,
    cancellation_codes,
    error_code,
    from_dynamo,
    plain,
    query,
    to_dynamo,
    transact_write,
)
from remitflow.bank.models import BankTransaction
from remitflow.domain.recon_models import Deposit, EraPayment, Match, bank_reference_identity
from remitflow.domain.search_terms import deposit_terms
from remitflow.services.ports import RecordedTransaction

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


class ReconciliationStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    def record_deposit(self, transaction: BankTransaction, deposit: Deposit | None) -> RecordedTransaction:
        """Keep a bank transaction once by its id and once by its bank-reference identity; a credit
        also waits for its ERA. Not new (nothing written, nothing re-opened) when the same file comes
        again, or when another file or format reported the same transaction (then with that one).
        Two transactions of the same file under one reference are both kept: identity is across files."""
        identity = bank_reference_identity(transaction)
        record = plain(transaction.model_dump(exclude={"text", "account_number"}))
        record |= keys.bank_transaction(transaction.transaction_id) | {"kind": "bank_transaction"}
        record["account"] = transaction.masked_account
        if identity is not None:
            record["bank_reference_identity"] = identity
        if deposit is not None:  # a credit: listed for the deposit view by booking date, with its text
            record |= keys.deposit_listing(deposit.deposit_id, deposit.booking_date.isoformat())
            record["bank_text"] = deposit.text_hint
        actions: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": to_dynamo(record),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        ]
        if identity is not None:
            reference = keys.bank_reference(identity) | {
                "kind": "bank_reference",
                "transaction_id": transaction.transaction_id,
                "source": transaction.source,
                "format": transaction.format.value,
                "amount": transaction.amount,
                "direction": transaction.direction.value,
                "booking_date": transaction.booking_date.isoformat(),
                "account": transaction.masked_account,
            }
            actions.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": to_dynamo(plain(reference)),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        if deposit is not None:
            actions.append({"Put": {"TableName": self.table, "Item": to_dynamo(_open_deposit(deposit))}})
        # Found by trace, bank reference, amount and date: in the same transaction, after the
        # conditional items (whose positions the cancellation reasons below are read by).
        terms = deposit_terms(
            trace_number=transaction.trace_number,
            bank_reference=transaction.bank_reference,
            amount=transaction.amount,
            booking_date=transaction.booking_date,
        )
        actions.extend(entry_puts(self.table, entries(terms, "deposit", transaction.transaction_id)))
        codes = self._transact_codes(actions, f"bank transaction {transaction.transaction_id}")
        if codes is None:
            return RecordedTransaction(new=True, identity=identity)
        if codes and codes[0] == CONDITION_FAILED:  # this very transaction is kept: the same file again
            return RecordedTransaction(new=False, identity=identity)
        if identity is not None and len(codes) > 1 and codes[1] == CONDITION_FAILED:
            kept = self._get(keys.bank_reference(identity)) or {}
            if kept.get("source") == transaction.source:
                # Two transactions of one file under one reference: the bank's file says they are two.
                del actions[1]
                return RecordedTransaction(
                    new=self._transact(actions, f"bank transaction {transaction.transaction_id}"), identity=identity
                )
            return RecordedTransaction(new=False, identity=identity, same_reference=kept)
        return RecordedTransaction(new=False, identity=identity)

    def open_era(self, era: EraPayment, posted_payment: Any) -> bool:
        """Put a posted ERA on the waiting list, once per era id ever: a re-processed file must not
        re-open a matched ERA. The item beside its remittance record (keys.era_reconciliation) is
        written only if absent, so even a rewritten remittance record cannot open it again; the
        remittance record must exist (the ERA was claimed) and is marked `recon_opened`."""
        item = keys.open_era(era.era_id) | {"side": "era", "posted_payment": posted_payment}
        item |= plain(era.model_dump())
        marker = keys.era_reconciliation(era.era_id) | {"kind": "era_reconciliation", "source": era.source}
        actions: list[TransactWriteItemTypeDef] = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": to_dynamo(keys.remittance(era.era_id)),
                    "UpdateExpression": "SET recon_opened = :yes",
                    "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(recon_opened)",
                    "ExpressionAttributeValues": {":yes": {"BOOL": True}},
                }
            },
            {
                "Put": {
                    "TableName": self.table,
                    "Item": to_dynamo(marker),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {"Put": {"TableName": self.table, "Item": to_dynamo(item)}},
        ]
        return self._transact(actions, f"open ERA {era.era_id}")

    def drop_open_era(self, era_id: str) -> bool:
        try:
            self.client.delete_item(
                TableName=self.table,
                Key=to_dynamo(keys.open_era(era_id)),
                ConditionExpression="attribute_exists(pk)",
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def open_items(self) -> tuple[list[EraPayment], list[Deposit], dict[str, Any]]:
        """Everything waiting, both sides, and the posted amount of each waiting ERA."""
        eras: list[EraPayment] = []
        deposits: list[Deposit] = []
        posted: dict[str, Any] = {}
        for item in self._query(keys.OPEN):
            side = item.pop("side")
            fields = {k: v for k, v in item.items() if k not in ("pk", "sk", "posted_payment")}
            if side == "era":
                era = EraPayment.model_validate(fields)
                eras.append(era)
                posted[era.era_id] = item.get("posted_payment")
            else:
                deposits.append(Deposit.model_validate(fields))
        return eras, deposits, posted

    def matches(self) -> list[Item]:
        return list(self._query(keys.MATCHED))

    def commit_match(
        self, match: Match, eras: list[EraPayment], deposits: list[Deposit], posted: Mapping[str, Any]
    ) -> bool:
        """Record the match and take its items off the waiting list, all or nothing. False when another
        matcher took one of them first."""
        record = keys.match(match.match_id) | {"kind": "match"} | plain(match.model_dump())
        record["eras"] = [plain(e.model_dump()) for e in eras]
        record["deposits"] = [plain(d.model_dump(exclude={"text_hint"})) for d in deposits]
        record["posted"] = {e.era_id: posted.get(e.era_id) for e in eras if posted.get(e.era_id) is not None}
        actions: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": to_dynamo(record),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        ]
        taken = [keys.open_era(e) for e in match.era_ids] + [keys.open_deposit(d) for d in match.deposit_ids]
        actions.extend(
            {
                "Delete": {
                    "TableName": self.table,
                    "Key": to_dynamo(key),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            }
            for key in taken
        )
        # Each ERA is matched once: its reconciliation item takes the match id only if it has none
        # (created here for an ERA opened before that item existed).
        actions.extend(
            {
                "Update": {
                    "TableName": self.table,
                    "Key": to_dynamo(keys.era_reconciliation(era_id)),
                    "UpdateExpression": "SET matched_by = :match",
                    "ConditionExpression": "attribute_not_exists(matched_by)",
                    "ExpressionAttributeValues": to_dynamo({":match": match.match_id}),
                }
            }
            for era_id in match.era_ids
        )
        # The deposit's bank transaction names its match, for the deposit view (no condition: a
        # deposit opened without its transaction kept, in tests, must still match).
        actions.extend(
            {
                "Update": {
                    "TableName": self.table,
                    "Key": to_dynamo(keys.bank_transaction(deposit_id)),
                    "UpdateExpression": "SET matched_by = :match",
                    "ExpressionAttributeValues": to_dynamo({":match": match.match_id}),
                }
            }
            for deposit_id in match.deposit_ids
        )
        return self._transact(actions, f"match {match.match_id}")

    # -- the ERA and deposit views ------------------------------------------------------------------

    def era_states(self, era_ids: Sequence[str]) -> dict[str, Item]:
        """Each ERA's reconciliation item by era id (`matched_by` once matched); absent: never opened."""
        found = batch_get(self.client, self.table, [keys.era_reconciliation(e) for e in era_ids])
        return {str(item["pk"]): item for item in found}

    def match_records(self, match_ids: Sequence[str]) -> dict[str, Item]:
        found = batch_get(self.client, self.table, [keys.match(m) for m in match_ids])
        return {str(item["sk"]): item for item in found}

    def bank_transactions(self, deposit_ids: Sequence[str]) -> dict[str, Item]:
        """Bank transactions as kept, by id (with `matched_by` once their deposit is matched)."""
        found = batch_get(self.client, self.table, [keys.bank_transaction(d) for d in deposit_ids])
        return {str(item["transaction_id"]): item for item in found if "transaction_id" in item}

    def list_deposits(
        self, *, date_from: date | None, date_to: date | None, limit: int, cursor: str | None
    ) -> tuple[list[Item], str | None]:
        """Credits' bank transactions by booking date, oldest first (deposits_by_date)."""
        low = date_from.isoformat() if date_from else "0000-00-00"
        high = (date_to.isoformat() if date_to else "9999-12-31") + "#\uffff"
        return index_page(
            self.client,
            self.table,
            index=keys.DEPOSITS_BY_DATE,
            listing=f"{keys.DEPOSITS_BY_DATE}:{date_from}:{date_to}",
            key_names=("pk", "sk", "deposit_listing", "listed_on"),
            key_condition="deposit_listing = :h AND listed_on BETWEEN :low AND :high",
            values={":h": keys.DEPOSIT_LISTING, ":low": low, ":high": high},
            limit=limit,
            cursor=cursor,
        )

    def _transact(self, actions: list[TransactWriteItemTypeDef], what: str) -> bool:
        """All or nothing; False when a condition failed (someone got there first)."""
        return self._transact_codes(actions, what) is None

    def _transact_codes(self, actions: list[TransactWriteItemTypeDef], what: str) -> list[str] | None:
        """All or nothing: None when written, else each item's cancellation reason when a condition
        failed. A transaction only held up by another (TransactionConflict) is retried by
        shared.transact_write, never taken for "someone got there first": that would leave an ERA off
        the waiting list for good."""
        try:
            transact_write(self.client, actions, what=what)
        except ClientError as error:
            codes = cancellation_codes(error)
            if codes is not None and CONDITION_FAILED in codes:
                return codes
            raise
        return None

    def _get(self, key: Mapping[str, str]) -> Item | None:
        response = self.client.get_item(TableName=self.table, Key=to_dynamo(key), ConsistentRead=True)
        return from_dynamo(response["Item"]) if "Item" in response else None

    def _query(self, pk: str) -> Iterator[Item]:
        return query(self.client, self.table, "pk = :pk", {":pk": pk}, consistent=True)


def _open_deposit(deposit: Deposit) -> Item:
    fields: Item = plain(deposit.model_dump())
    return keys.open_deposit(deposit.deposit_id) | {"side": "deposit"} | fields
