"""Reconciliation a person corrects: match ERAs and deposits by hand, undo a match (the matcher's or
a person's), classify a deposit as not insurance, and list what is still waiting.

Every action goes through the reconciliation store on the matcher's conditions (the items must
still be waiting; an ERA is matched once), so a person racing the matcher, or another person, wins
or is refused (Conflict) whole. Each is audited (who, when, why) with what it wrote, and resolves the
open follow-ups it settles (ERA without deposit, deposit without ERA, amount mismatch) with a note;
undoing a match opens those again. The amount rule is domain.manual_recon's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from aws_lambda_powertools import Logger

from remitflow.domain.errors import Conflict, InvalidRequest, NotFound
from remitflow.domain.followups import WORKABLE, FollowupStatus, FollowupType
from remitflow.domain.manual_recon import manual_match
from remitflow.domain.recon_followups import waiting_followup_id
from remitflow.domain.recon_models import Deposit, EraPayment, StoredMatch
from remitflow.domain.work_items import (
    AuditEntry,
    Resolution,
    WorkItem,
    resolution_audit,
    resolved_fields,
)
from remitflow.services.clock import utc_now
from remitflow.services.manual_recon_models import ClassifyRequest, ManualMatchRequest, UnmatchRequest
from remitflow.services.ports import FollowupChange, ReconciliationStorage, WorklistStorage
from remitflow.values import money_text

logger = Logger(child=True)


def era_view(era: EraPayment, posted: Any = None) -> dict[str, Any]:
    view = era.model_dump(mode="json") | {"amount": money_text(era.amount)}
    return view | ({"posted_payment": money_text(posted)} if posted is not None else {})


def deposit_view(deposit: Deposit) -> dict[str, Any]:
    # The bank's text is shown with the deposit: it is how a person tells a card settlement apart.
    return deposit.model_dump(mode="json") | {"amount": money_text(deposit.amount), "bank_text": deposit.text_hint}


def match_view(stored: StoredMatch, audit: Any = None) -> dict[str, Any]:
    view = stored.match.model_dump(mode="json")
    view |= {"era_amount": money_text(stored.era_amount), "deposit_amount": money_text(stored.deposit_amount)}
    return view | ({"audit": audit} if audit else {})


class ManualReconciliation:
    def __init__(
        self,
        *,
        store: ReconciliationStorage,
        worklist: WorklistStorage,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self.worklist = worklist
        self.clock = clock

    # -- reading -------------------------------------------------------------------------------

    def waiting(self) -> tuple[list[EraPayment], list[Deposit], dict[str, Any]]:
        """What waits for its other half, without what a recorded match already joined."""
        eras, deposits, posted = self.store.open_items()
        matched = self._stored()
        joined_eras = {e for m in matched for e in m.era_ids}
        joined_deposits = {d for m in matched for d in m.deposit_ids}
        return (
            [e for e in eras if e.era_id not in joined_eras and e.needs_deposit],
            [d for d in deposits if d.deposit_id not in joined_deposits],
            posted,
        )

    def unmatched(self) -> dict[str, Any]:
        eras, deposits, posted = self.waiting()
        return {
            "eras": [era_view(e, posted.get(e.era_id)) for e in eras],
            "deposits": [deposit_view(d) for d in deposits],
        }

    def matches(self) -> dict[str, Any]:
        return {
            "matches": [match_view(m, r.get("audit")) for m, r in self._stored_records()],
            "classified": self.store.classified(),
        }

    def _stored_records(self) -> list[tuple[StoredMatch, dict[str, Any]]]:
        return [(StoredMatch.model_validate(r), r) for r in self.store.matches()]

    def _stored(self) -> list[StoredMatch]:
        return [m for m, _ in self._stored_records()]

    # -- acting --------------------------------------------------------------------------------

    def match(self, request: ManualMatchRequest, *, caller: str) -> dict[str, Any]:
        eras, deposits, posted = self.waiting()
        by_era = {e.era_id: e for e in eras}
        by_deposit = {d.deposit_id: d for d in deposits}
        chosen_eras = [_pick(by_era, era_id, "era_ids", "ERA") for era_id in dict.fromkeys(request.era_ids)]
        chosen = [_pick(by_deposit, d, "deposit_ids", "deposit") for d in dict.fromkeys(request.deposit_ids)]
        found = manual_match(chosen_eras, chosen, by=caller, amounts_differ=request.amounts_differ)
        now = self.clock()
        settled = self._settled_followups(chosen_eras, chosen)
        audit: dict[str, Any] = {"by": caller, "at": now.isoformat(), "action": "matched", "note": request.note}
        audit["settled_followups"] = [item.followup.id for item in settled]
        if not self.store.commit_match(found, chosen_eras, chosen, posted, audit):
            raise Conflict("one of these items was matched or classified by someone else first; reload and try again")
        note = f"settled by match {found.match_id} made by hand by {caller}"
        self._resolve(settled, note, caller, now)
        logger.info("matched by hand", extra={"match_id": found.match_id, "eras": len(chosen_eras)})
        stored = StoredMatch.model_validate(found.model_dump() | {"eras": chosen_eras, "deposits": chosen})
        return match_view(stored, audit)

    def unmatch(self, match_id: str, request: UnmatchRequest, *, caller: str) -> dict[str, Any]:
        record = next((r for m, r in self._stored_records() if m.match_id == match_id), None)
        if record is None:
            raise NotFound(f"no match {match_id!r}")
        now = self.clock()
        audit = {"by": caller, "at": now.isoformat(), "action": "unmatched", "note": request.note}
        if not self.store.unmatch(match_id, audit):
            raise Conflict(f"match {match_id} was undone by someone else first")
        settled = (record.get("audit") or {}).get("settled_followups") or []
        self._reopen(settled, f"match {match_id} was undone by {caller}", caller, now)
        logger.info("match undone", extra={"match_id": match_id})
        return {"match_id": match_id, "unmatched": audit} | self.unmatched()

    def classify(self, deposit_id: str, request: ClassifyRequest, *, caller: str) -> dict[str, Any]:
        _, deposits, _ = self.waiting()
        deposit = _pick({d.deposit_id: d for d in deposits}, deposit_id, "deposit_id", "deposit")
        now = self.clock()
        settled = self._settled_followups([], [deposit])
        record: dict[str, Any] = {"category": request.category.value, "note": request.note, "by": caller}
        record["at"] = now.isoformat()
        record["settled_followups"] = [item.followup.id for item in settled]
        if not self.store.classify_deposit(deposit, record):
            raise Conflict(f"deposit {deposit_id} was matched or classified by someone else first")
        self._resolve(settled, f"classified by {caller} as not insurance: {request.category.value}", caller, now)
        logger.info("deposit classified", extra={"deposit_id": deposit_id, "category": request.category.value})
        return deposit_view(deposit) | {"classification": record}

    # -- the follow-ups an action settles --------------------------------------------------------

    def _settled_followups(self, eras: list[EraPayment], deposits: list[Deposit]) -> list[WorkItem]:
        sides: list[EraPayment | Deposit] = [*eras, *deposits]
        items = [self.worklist.work_item(waiting_followup_id(item)) for item in sides]
        ids = {e.era_id for e in eras} | {d.deposit_id for d in deposits}
        mismatches = [
            item
            for item in self.worklist.open_of_type(FollowupType.AMOUNT_MISMATCH.value)
            if item.followup.detail.get("era_id") in ids or item.followup.detail.get("deposit_id") in ids
        ]
        return [item for item in [*items, *mismatches] if item is not None and item.followup.status in WORKABLE]

    def _resolve(self, items: Iterable[WorkItem], note: str, caller: str, now: datetime) -> None:
        for item in items:
            audit = resolution_audit(item, Resolution.NO_ACTION, note, caller, now)
            fields = resolved_fields(Resolution.NO_ACTION, note, caller, now)
            try:  # on the version read: a biller acting on it meanwhile keeps what they did
                self.worklist.change(FollowupChange(item.followup.id, item.version, audit, set=fields))
            except (Conflict, NotFound):
                continue

    def _reopen(self, followup_ids: Iterable[str], note: str, caller: str, now: datetime) -> None:
        for followup_id in followup_ids:
            item = self.worklist.work_item(followup_id)
            if item is None or item.followup.status is not FollowupStatus.RESOLVED:
                continue
            audit = AuditEntry(
                at=now,
                by=caller,
                action="reopened",
                before={"status": item.followup.status.value, "resolution": item.resolution},
                after={"status": FollowupStatus.OPEN.value, "resolution": None},
                note=note,
            )
            change = FollowupChange(
                followup_id,
                item.version,
                audit,
                set={"status": FollowupStatus.OPEN.value},
                remove=("resolution", "note", "resolved_by", "resolved_at"),
                require_open=False,
            )
            try:
                self.worklist.change(change)
            except (Conflict, NotFound):
                continue


T = TypeVar("T")


def _pick(waiting: dict[str, T], item_id: str, field: str, what: str) -> T:
    found = waiting.get(item_id)
    if found is None:
        raise InvalidRequest(field, f"{what} {item_id} is not waiting to be matched (unknown, matched or classified)")
    return found
