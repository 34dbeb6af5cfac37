"""FollowupsTable: the worklist. One item per follow-up: the follow-up, its worklist state (version,
assignee, resolution...) and its audit history (a list, appended in the same write as each change).

A resolution that moves money also writes the claims table (the posting, the claim) and the
remittances table (the held money): the store is built with the claims store and that table's name.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from remitflow.adapters.dynamodb import keys
from remitflow.adapters.dynamodb.claims import ClaimsStore
from remitflow.adapters.dynamodb.shared import (
    CONDITION_FAILED,
    ITEM_SIZE_LIMIT,
    TRANSACTION_LIMIT,
    TRANSACTION_SIZE_LIMIT,
    Item,
    batch_get,
    cancellation_codes,
    error_code,
    from_dynamo,
    item_size,
    plain,
    query,
    restore_ints,
    to_dynamo,
    transact_write,
)
from remitflow.domain.claims import Claim
from remitflow.domain.errors import AlreadyPosted, ClaimChanged, Conflict, NotFound, StoreBusy, Unstorable
from remitflow.domain.followups import WORKABLE, Followup, FollowupStatus
from remitflow.domain.posting import PostingDecision
from remitflow.domain.work_items import AuditEntry, WorkItem
from remitflow.services.ports import (
    Additions,
    BadCursor,
    CashRelease,
    FollowupChange,
    RaisedFollowup,
    WorklistFilter,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


def _audit_item(entry: AuditEntry) -> Item:
    # Kept whole, nulls included: "before: assignee null" is part of what happened.
    return entry.model_dump(mode="json")


def _work_item(item: Item) -> WorkItem:
    item = restore_ints(item)
    followup = Followup.model_validate({name: item[name] for name in Followup.model_fields if name in item})
    state = {name: item[name] for name in WorkItem.model_fields if name in item and name != "followup"}
    return WorkItem.model_validate(state | {"followup": followup})


def _followup_item(followup: Followup) -> Item:
    fields: Item = plain(followup.model_dump(mode="python"))
    fields["amount"] = followup.amount  # a number, so the worklist can filter by amount
    return keys.followup(followup.id) | fields | {"history": [], "version": 0}


def _transactions(puts: Mapping[str, TransactWriteItemTypeDef]) -> Iterator[dict[str, TransactWriteItemTypeDef]]:
    """The puts in order, cut into transactions DynamoDB accepts: at most 100 items and 4 MB."""
    group: dict[str, TransactWriteItemTypeDef] = {}
    size = 0
    for followup_id, put in puts.items():
        put_size = item_size(put["Put"]["Item"])
        if group and (len(group) == TRANSACTION_LIMIT or size + put_size > TRANSACTION_SIZE_LIMIT):
            yield group
            group, size = {}, 0
        group[followup_id] = put
        size += put_size
    if group:
        yield group


class WorklistStore:
    INDEX_KEYS = {"by_status": "status", "by_type": "type"}

    def __init__(self, client: DynamoDBClient, table: str, *, claims: ClaimsStore, unapplied_table: str) -> None:
        self.client = client
        self.table = table
        self.claims = claims
        self.unapplied_table = unapplied_table

    def add_many(self, followups: Sequence[Followup]) -> Additions:
        """Open each follow-up once, together: conditional puts (only while its id is absent) in
        TransactWriteItems of up to 100 items and 4 MB, so a batch of follow-ups costs one request.

        The put on the deterministic id is what makes a redelivered message harmless: a repeat fails
        its condition and leaves the item, and whatever a biller did to it, as it was. A follow-up
        over 400 KB, or with a number DynamoDB cannot hold, is refused before any request.
        """
        added: set[str] = set()
        refused: dict[str, Exception] = {}
        puts: dict[str, TransactWriteItemTypeDef] = {}
        for followup in followups:
            if followup.id in puts or followup.id in refused:
                continue  # the same follow-up twice in one batch: written once
            try:
                item = to_dynamo(_followup_item(followup))
                if item_size(item) > ITEM_SIZE_LIMIT:
                    raise Unstorable(f"an item of {item_size(item)} bytes, over DynamoDB's {ITEM_SIZE_LIMIT} bytes")
            except Unstorable as error:  # refused alone, before any request
                refused[followup.id] = Unstorable(f"follow-up {followup.id}: {error}")
                continue
            puts[followup.id] = {
                "Put": {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}
            }
        for group in _transactions(puts):
            self._put_absent(group, added, refused)
        return Additions(added=frozenset(added), refused=refused)

    def _put_absent(
        self, puts: dict[str, TransactWriteItemTypeDef], added: set[str], refused: dict[str, Exception]
    ) -> None:
        """One transaction of puts, and what it takes to store all it can. Cancelled by failed
        conditions, its reasons (in item order) name the follow-ups already there: repeats, and the
        rest is sent again without them. Conflicts, throttling and 5xx are retried by transact_write;
        past its retries, an item DynamoDB still refuses (Unstorable) or other transactions keep
        holding (StoreBusy held by others) is found by splitting the transaction in two until it
        stands alone, refused, while the others are stored. A table still busy after botocore's
        retries (throttling, 5xx) refuses the whole transaction: more requests would not help."""
        pending = dict(puts)
        while pending:
            what = f"follow-up {next(iter(pending))}" if len(pending) == 1 else f"{len(pending)} follow-ups"
            try:
                transact_write(self.client, list(pending.values()), what=what)
            except ClientError as error:  # failed conditions: those follow-ups are there already
                reasons = cancellation_codes(error) or []
                if len(reasons) != len(pending):
                    raise
                repeats = [i for i, reason in zip(pending, reasons, strict=True) if reason == CONDITION_FAILED]
                if not repeats:
                    raise
                for followup_id in repeats:
                    del pending[followup_id]
                continue
            except (Unstorable, StoreBusy) as error:
                if len(pending) == 1 or (isinstance(error, StoreBusy) and not error.held_by_others):
                    refused.update(dict.fromkeys(pending, error))
                    return
                ids = list(pending)
                for half in (ids[: len(ids) // 2], ids[len(ids) // 2 :]):
                    self._put_absent({i: pending[i] for i in half}, added, refused)
                return
            added.update(pending)
            return

    def get(self, followup_id: str) -> Item | None:
        response = self.client.get_item(
            TableName=self.table, Key=to_dynamo(keys.followup(followup_id)), ConsistentRead=True
        )
        return restore_ints(from_dynamo(response["Item"])) if "Item" in response else None

    def work_item(self, followup_id: str) -> WorkItem | None:
        item = self.get(followup_id)
        return None if item is None else _work_item(item)

    def work_items(self, followup_ids: Sequence[str]) -> dict[str, WorkItem]:
        found = batch_get(self.client, self.table, [keys.followup(i) for i in followup_ids])
        return {item.followup.id: item for item in map(_work_item, found)}

    def by_status(self, status: FollowupStatus | str, followup_type: str | None = None) -> Iterator[Item]:
        """Follow-ups of one status, oldest first (the by_status index is sorted by created_at)."""
        names = {"#status": "status"}
        values = {":status": str(status)}
        if followup_type:
            names["#type"] = "type"
            values[":type"] = followup_type
        items = query(
            self.client,
            self.table,
            "#status = :status",
            values,
            names=names,
            index="by_status",
            filter_expression="#type = :type" if followup_type else None,
        )
        yield from (restore_ints(item) for item in items)

    def open_of_type(self, followup_type: str) -> Iterator[WorkItem]:
        """The open follow-ups of one type. Reads every item of that type through the by_type index,
        resolved ones too: for a rare type that is fewer than all the open follow-ups."""
        items = query(
            self.client,
            self.table,
            "#type = :type",
            {":type": followup_type, ":open": FollowupStatus.OPEN.value},
            names={"#type": "type", "#status": "status"},
            index="by_type",
            filter_expression="#status = :open",
        )
        yield from (_work_item(item) for item in items)

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
        items = query(
            self.client,
            self.table,
            key_condition,
            values,
            names=names,
            index=index,
            filter_expression=" AND ".join(filters) or None,
            page_size=limit + 1,
            start_key=self._decode_cursor(cursor, index) if cursor else None,
        )
        found: list[Item] = []
        for item in items:
            if len(found) == limit:  # one more match: there is a next page, after the last one kept
                return [_work_item(i) for i in found], self._cursor(index, found[-1])
            found.append(item)
        return [_work_item(i) for i in found], None

    def _cursor(self, index: str, item: Mapping[str, Any]) -> str:
        key = {name: item[name] for name in ("pk", self.INDEX_KEYS[index], "created_at")}
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
        return to_dynamo({name: key[name] for name in names})

    def counts_by_type(self, status: str) -> dict[str, int]:
        """How many follow-ups of each type have this status (reads only the type of each)."""
        counts: dict[str, int] = {}
        items = query(
            self.client,
            self.table,
            "#status = :status",
            {":status": status},
            names={"#status": "status", "#type": "type"},
            index="by_status",
            projection="#type",
        )
        for item in items:
            followup_type = item["type"]
            counts[followup_type] = counts.get(followup_type, 0) + 1
        return dict(sorted(counts.items()))

    # -- changes -------------------------------------------------------------------------------

    def change(self, change: FollowupChange) -> WorkItem:
        """Apply one change; raises NotFound, or Conflict saying what changed since the caller's version."""
        update = self._update(change)
        try:
            response = self.client.update_item(**update, ReturnValues="ALL_NEW")
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                raise self.refusal(change) from None
            raise
        return _work_item(from_dynamo(response["Attributes"]))

    def refusal(self, change: FollowupChange) -> Exception:
        """Why a change's condition failed, read back from the item as it now is."""
        current = self.work_item(change.followup_id)
        if current is None:
            return NotFound(f"no follow-up {change.followup_id!r}")
        if change.require_open and current.followup.status not in WORKABLE:
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
            values[":appealed"] = FollowupStatus.APPEALED.value
            condition += " AND #status IN (:open, :appealed)"
        return {
            "TableName": self.table,
            "Key": to_dynamo(keys.followup(change.followup_id)),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_dynamo(values),
        }

    def commit_appeal(self, *, change: FollowupChange, claim: Claim) -> None:
        """The follow-up's change and the claim's appeal marker, in one transaction."""
        update: Any = self._update(change)
        mark: Any = {
            "Update": {
                "TableName": self.claims.table,
                "Key": to_dynamo(keys.claim(claim.claim_id)),
                "UpdateExpression": "SET appeals = list_append(if_not_exists(appeals, :none), :ids), version = :next",
                "ConditionExpression": "version = :version",
                "ExpressionAttributeValues": to_dynamo(
                    {":none": [], ":ids": [change.followup_id], ":next": claim.version + 1, ":version": claim.version}
                ),
            }
        }
        try:
            transact_write(self.client, [{"Update": update}, mark], what=f"appeal {change.followup_id}")
        except StoreBusy as busy:
            if not busy.held_by_others:
                raise
            raise Conflict(
                f"follow-up {change.followup_id} or claim {claim.claim_id} was being changed by someone else "
                "at the same moment; reload and try again"
            ) from None
        except ClientError as error:
            reasons = cancellation_codes(error)
            if reasons is None:
                raise
            if reasons and reasons[0] == CONDITION_FAILED:
                raise self.refusal(change) from None
            if len(reasons) > 1 and reasons[1] == CONDITION_FAILED:
                raise ClaimChanged(f"claim {claim.claim_id} changed meanwhile") from None
            raise

    def commit_resolution(
        self,
        *,
        decision: PostingDecision,
        change: FollowupChange,
        release: CashRelease | None,
        recorded_at: datetime,
        raised: Sequence[RaisedFollowup] = (),
    ) -> None:
        """A resolution that moves money, in one transaction: the posting (new id), the claim (its
        version), the held money (still held), the follow-up (its version, still open), any
        follow-ups the posting raises and, for a reversal, the follow-ups the reversed posting raised
        (each at the version read, or still absent). Raises AlreadyPosted, ClaimChanged, Conflict or
        NotFound; whatever is raised, nothing was written."""
        actions = self.claims.posting_actions(decision, recorded_at=recorded_at)
        what = ["posting", "claim"] + ["posting part"] * (len(actions) - 2)
        if release is not None:
            names = {"#status": "status"} | {f"#f{i}": name for i, name in enumerate(release.fields)}
            names |= {f"#r{i}": name for i, name in enumerate(release.remove)}
            values = {":from": release.from_status, ":to": release.to_status}
            values |= {f":f{i}": value for i, value in enumerate(plain(dict(release.fields)).values())}
            assignments = ["#status = :to"] + [f"#f{i} = :f{i}" for i in range(len(release.fields))]
            expression = "SET " + ", ".join(assignments)
            if release.remove:
                expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(release.remove)))
            actions.append(
                {
                    "Update": {
                        "TableName": self.unapplied_table,
                        "Key": to_dynamo(keys.unapplied_cash(release.held_posting_id)),
                        "UpdateExpression": expression,
                        "ConditionExpression": "#status = :from",
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
        raised_at: dict[int, str] = {}
        for one in raised:
            raised_at[len(actions)] = one.followup.id
            actions.append(self._raised_action(one))
            what.append("raised followup")
        try:
            transact_write(self.client, actions, what=f"resolution of follow-up {change.followup_id}")
        except StoreBusy as busy:
            if not busy.held_by_others:
                raise
            raise Conflict(
                f"follow-up {change.followup_id} or claim {decision.claim_id} was being changed by someone "
                "else at the same moment; reload and try again"
            ) from None
        except ClientError as error:
            reasons = cancellation_codes(error)
            if reasons is None:
                raise
            failed = {what[i] for i, code in enumerate(reasons) if code == CONDITION_FAILED and i < len(what)}
            if "followup" in failed:
                raise self.refusal(change) from None
            if "posting" in failed:
                raise AlreadyPosted(decision.posting_id) from None
            if "cash" in failed:
                wanted = "held" if release is None else release.from_status
                raise Conflict(f"the money is no longer {wanted}: someone moved it meanwhile") from None
            if "claim" in failed:
                raise ClaimChanged(f"claim {decision.claim_id} changed meanwhile") from None
            changed = [raised_at[i] for i, code in enumerate(reasons) if code == CONDITION_FAILED and i in raised_at]
            if changed:
                raise Conflict(
                    f"follow-up {changed[0]}, raised by the posting being undone, changed meanwhile: "
                    "nothing was undone; reload and try again"
                ) from None
            if failed or "TransactionConflict" in reasons:
                raise Conflict(
                    f"follow-up {change.followup_id} or claim {decision.claim_id} was being changed by someone "
                    "else at the same moment; reload and try again"
                ) from None
            raise

    def _raised_action(self, raised: RaisedFollowup) -> TransactWriteItemTypeDef:
        """A raised follow-up as one transaction item: written (with its change) only while still
        absent, changed at its version, or checked to be still at its version."""
        change = raised.change
        if raised.version is None:
            if change is None:
                absent: Any = {"TableName": self.table, "Key": to_dynamo(keys.followup(raised.followup.id))}
                return {"ConditionCheck": absent | {"ConditionExpression": "attribute_not_exists(pk)"}}
            item = _followup_item(raised.followup) | plain(dict(change.set))
            item |= {"history": [_audit_item(change.audit)], "version": change.expected_version + 1}
            put: Any = {"TableName": self.table, "Item": to_dynamo(item)}
            return {"Put": put | {"ConditionExpression": "attribute_not_exists(pk)"}}
        if change is not None:
            update: Any = self._update(change)
            return {"Update": update}
        version = "#version = :version"
        if raised.version == 0:  # items opened before follow-ups had versions count as version 0
            version = f"({version} OR attribute_not_exists(#version))"
        check: Any = {
            "TableName": self.table,
            "Key": to_dynamo(keys.followup(raised.followup.id)),
            "ConditionExpression": f"attribute_exists(pk) AND {version}",
            "ExpressionAttributeNames": {"#version": "version"},
            "ExpressionAttributeValues": to_dynamo({":version": raised.version}),
        }
        return {"ConditionCheck": check}
