"""Search entries and the reads behind search, claim lists and accounts.

An entry is one small item per term of an entity (keys.search_entry): written by the entity's own
store in the same transaction (a claim's import, a bank transaction) or right after its record (an
ERA, its payer), and looked up by a Query on one partition, `begins_with` on the sort key. An entry
points at its entity; the entity is read back and checked against the query, so an entry an older
name or amount left behind finds nothing. Claims are listed through the claims table's by_account,
by_payer and by_status indexes. Nothing here scans a table.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from remitflow.adapters.dynamodb import keys
from remitflow.adapters.dynamodb.claim_items import claim_from
from remitflow.adapters.dynamodb.shared import Item, batch_get, from_dynamo, to_dynamo
from remitflow.domain.claims import Claim, ClaimStatus
from remitflow.domain.search_terms import MIN_PREFIX, Field, Term, payer_terms
from remitflow.services.ports import BadCursor

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

SEARCH_KIND = "search_entry"
# Where each kind of entity keeps its entries.
CLAIM_KINDS = frozenset({"claim", "posted_claim"})
INDEXES = {"account": "by_account", "payer": "by_payer", "status": "by_status"}


def entries(terms: Iterable[Term], kind: str, entity_id: str) -> list[Item]:
    """The entity's search entries as plain items. They carry no status, account_id or payer_id:
    the claims table's indexes must hold claims only."""
    about = {"kind": SEARCH_KIND, "entity_kind": kind, "entity_id": entity_id}
    return [keys.search_entry(term, kind, entity_id) | about for term in terms]


def entry_puts(table: str, items: Iterable[Item]) -> list[TransactWriteItemTypeDef]:
    """Unconditional puts for a transaction: an entry's key says all it holds, so rewriting is harmless."""
    return [{"Put": {"TableName": table, "Item": to_dynamo(item)}} for item in items]


def payer_items(payer_id: str, name: str) -> list[Item]:
    """The payer's record and its name's entries (found by "acme", "health"...)."""
    record = keys.payer(payer_id) | {"kind": "payer", "payer_id": payer_id, "payer_name": name}
    return [record, *entries(payer_terms(name), "payer", payer_id)]


def _encode_cursor(state: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        raise BadCursor("cursor: not one this listing gave out") from None
    if not isinstance(state, dict) or not isinstance(state.get("key"), dict):
        raise BadCursor("cursor: not one this listing gave out")
    return state


class SearchStore:
    """The read side of search over both aggregate tables (SearchStorage in services/ports.py)."""

    def __init__(self, client: DynamoDBClient, *, claims_table: str, remittances_table: str) -> None:
        self.client = client
        self.claims_table = claims_table
        self.remittances_table = remittances_table

    def find(self, term: Term, *, kind: str, limit: int) -> list[str]:
        """Ids of up to `limit` entities of `kind` with an entry for `term` (a prefix for prefix
        fields of MIN_PREFIX letters or more, else the whole term), in term order."""
        table = self.claims_table if kind in CLAIM_KINDS else self.remittances_table
        if term.prefix:
            exact = len(term.text) < MIN_PREFIX
            start = f"{term.text}#" if exact else term.text
        else:
            start = f"{kind}#"
        found: list[str] = []
        request: dict[str, Any] = {
            "TableName": table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :start)",
            "ExpressionAttributeValues": to_dynamo({":pk": keys.search_partition(term), ":start": start}),
            "ProjectionExpression": "entity_kind, entity_id",
            "Limit": max(limit * 2, 10),
        }
        while len(found) < limit:
            response = self.client.query(**request)
            for item in (from_dynamo(raw) for raw in response["Items"]):
                if item.get("entity_kind") == kind and item["entity_id"] not in found:
                    found.append(str(item["entity_id"]))
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return found[:limit]

    def claims(self, claim_ids: Sequence[str]) -> list[Claim]:
        """The claims that exist among the ids, in the ids' order."""
        found = {
            str(item["claim_id"]): claim_from(item)
            for item in batch_get(self.client, self.claims_table, [keys.claim(claim_id) for claim_id in claim_ids])
        }
        return [found[claim_id] for claim_id in claim_ids if claim_id in found]

    def claims_page(
        self,
        *,
        account_id: str | None = None,
        payer_id: str | None = None,
        status: str | None = None,
        limit: int,
        cursor: str | None = None,
    ) -> tuple[list[Claim], str | None]:
        """Claims by claim id within the first filter given of account, payer and status (the
        others filter that listing); with none, status after status. Up to `limit`, and a cursor."""
        chosen = next(((name, value) for name, value in (("account", account_id), ("payer", payer_id)) if value), None)
        statuses = [status] if status else [s.value for s in ClaimStatus]
        state: dict[str, Any] = _decode_cursor(cursor) if cursor else {"key": {}, "at": 0}
        at = int(state.get("at", 0))
        start_key = state["key"] or None
        filters = {name: value for name, value in (("payer_id", payer_id), ("status", status)) if value}
        if chosen is None:
            partitions = [("status", value) for value in statuses[at:]]
        else:
            partitions = [chosen]
            filters.pop(f"{chosen[0]}_id", None)
        claims: list[Claim] = []
        for offset, (name, value) in enumerate(partitions):
            while len(claims) < limit:
                request: dict[str, Any] = {
                    "TableName": self.claims_table,
                    "IndexName": INDEXES[name],
                    "KeyConditionExpression": "#key = :key",
                    "ExpressionAttributeNames": {"#key": "status" if name == "status" else f"{name}_id"},
                    "ExpressionAttributeValues": to_dynamo({":key": value}),
                    "Limit": limit - len(claims),
                }
                if filters and name != "status":
                    expression = " AND ".join(f"#f_{field} = :f_{field}" for field in filters)
                    request["FilterExpression"] = expression
                    request["ExpressionAttributeNames"] |= {f"#f_{field}": field for field in filters}
                    request["ExpressionAttributeValues"] |= to_dynamo({f":f_{f}": v for f, v in filters.items()})
                if start_key:
                    request["ExclusiveStartKey"] = start_key
                response = self.client.query(**request)
                claims.extend(claim_from(from_dynamo(item)) for item in response["Items"])
                start_key = response.get("LastEvaluatedKey")
                if not start_key:
                    break
            if len(claims) >= limit:
                if start_key:
                    return claims, _encode_cursor({"key": start_key, "at": at + offset})
                more = offset + 1 < len(partitions)
                return claims, _encode_cursor({"key": {}, "at": at + offset + 1}) if more else None
            start_key = None
        return claims, None

    def eras(self, era_ids: Sequence[str]) -> list[Item]:
        """The ERA records (one per 835 transaction set) among the ids, in the ids' order."""
        found = {
            str(item["pk"]): item
            for item in batch_get(self.client, self.remittances_table, [keys.remittance(e) for e in era_ids])
        }
        return [found[era_id] for era_id in era_ids if era_id in found]

    def deposits(self, transaction_ids: Sequence[str]) -> list[Item]:
        """The bank transactions among the ids, in the ids' order."""
        wanted = [keys.bank_transaction(t) for t in transaction_ids]
        found = {str(item["transaction_id"]): item for item in batch_get(self.client, self.remittances_table, wanted)}
        return [found[t] for t in transaction_ids if t in found]

    def era_matches(self, era_ids: Sequence[str]) -> dict[str, Item]:
        wanted = [keys.era_reconciliation(era_id) for era_id in era_ids]
        return (
            {str(item["pk"]): item for item in batch_get(self.client, self.remittances_table, wanted)} if wanted else {}
        )

    def payer_names(self, payer_ids: Iterable[str]) -> dict[str, str]:
        wanted = [keys.payer(payer_id) for payer_id in dict.fromkeys(p for p in payer_ids if p)]
        if not wanted:
            return {}
        return {
            str(item["payer_id"]): str(item["payer_name"])
            for item in batch_get(self.client, self.remittances_table, wanted)
        }


__all__ = ["Field", "SearchStore", "entries", "entry_puts", "payer_items"]
