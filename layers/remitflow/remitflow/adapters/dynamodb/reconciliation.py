"""RemittancesTable, for reassociation: bank transactions, the open items waiting for their other
half, and matches (their keys are in keys.py, with the rest of the table's).

Both sides write their open item first and read the other side after, with consistent reads: when an
ERA and its deposit arrive at the same moment, at least one of the two sees the other. A match takes
the open items away in the transaction that records it, conditional on their still being there, so
two matchers racing for the same items cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from remitflow.adapters.dynamodb import keys
from remitflow.adapters.dynamodb.shared import (
    CONDITION_FAILED,
    Item,
    cancellation_codes,
    plain,
    query,
    to_dynamo,
    transact_write,
)
from remitflow.bank.models import BankTransaction
from remitflow.domain.matching import Deposit, EraPayment, Match

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


class ReconciliationStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    def record_deposit(self, transaction: BankTransaction, deposit: Deposit | None) -> bool:
        """Keep a bank transaction once; a credit also waits for its ERA. False when already kept
        (the same bank file again), and then nothing is re-opened."""
        record = plain(transaction.model_dump(exclude={"text", "account_number"}))
        record |= keys.bank_transaction(transaction.transaction_id) | {"kind": "bank_transaction"}
        record["account"] = transaction.masked_account
        actions: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": to_dynamo(record),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        ]
        if deposit is not None:
            actions.append({"Put": {"TableName": self.table, "Item": to_dynamo(_open_deposit(deposit))}})
        return self._transact(actions, f"bank transaction {transaction.transaction_id}")

    def open_era(self, era: EraPayment, posted_payment: Any) -> bool:
        """Put a posted ERA on the waiting list, once: a re-processed file must not re-open a matched ERA.
        Its remittance record (stored under the era id) says whether it was opened already."""
        item = keys.open_era(era.era_id) | {"side": "era", "posted_payment": posted_payment}
        item |= plain(era.model_dump())
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
            {"Put": {"TableName": self.table, "Item": to_dynamo(item)}},
        ]
        return self._transact(actions, f"open ERA {era.era_id}")

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
        return self._transact(actions, f"match {match.match_id}")

    def _transact(self, actions: list[TransactWriteItemTypeDef], what: str) -> bool:
        """All or nothing; False when a condition failed (someone got there first). A transaction
        only held up by another (TransactionConflict) is retried (shared.transact_write), never taken
        for "someone got there first": that would leave an ERA off the waiting list for good."""
        try:
            transact_write(self.client, actions, what=what)
        except ClientError as error:
            if CONDITION_FAILED in (cancellation_codes(error) or []):
                return False
            raise
        return True

    def _query(self, pk: str) -> Iterator[Item]:
        return query(self.client, self.table, "pk = :pk", {":pk": pk}, consistent=True)


def _open_deposit(deposit: Deposit) -> Item:
    fields: Item = plain(deposit.model_dump())
    return keys.open_deposit(deposit.deposit_id) | {"side": "deposit"} | fields
