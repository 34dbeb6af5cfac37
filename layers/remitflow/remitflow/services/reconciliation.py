"""Reassociation: match waiting ERAs and deposits, age what stays unmatched, report the day.

`reconcile` runs whenever either side arrives (RemittanceIngest, DepositIngest) and in the daily
sweep; it is safe to run twice at once, since each match commits only if its items are still waiting.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from aws_lambda_powertools import Logger

from remitflow.domain.errors import Conflict, NotFound
from remitflow.domain.followups import FollowupStatus, FollowupType
from remitflow.domain.matching import match
from remitflow.domain.recon_followups import amount_mismatch_followups, overdue, waiting_followup_id
from remitflow.domain.recon_models import Deposit, EraPayment, Match, MatchResult, StoredMatch
from remitflow.domain.recon_report import ClassifiedDeposit, ResolvedItem, reconciliation_report, report_csv
from remitflow.domain.work_items import Resolution, resolution_audit, resolved_fields
from remitflow.services.clock import utc_now
from remitflow.services.ports import (
    FollowupChange,
    FollowupSender,
    InboxFiles,
    ReconciliationStorage,
    WorklistStorage,
)

logger = Logger(child=True)

REPORT_PREFIX = "reports/reconciliation/"
MAX_ROUNDS = 5
SWEEPER = "remitflow reconciliation sweep"  # who closes a mismatch that a later match settled
_SIDES = (("era_id", "ERA"), ("deposit_id", "deposit"))


@dataclass
class ReconcileSummary:
    matched: int = 0
    lost_races: int = 0
    followups_by_type: Counter[str] = field(default_factory=Counter)


class Reconciliation:
    def __init__(
        self,
        *,
        store: ReconciliationStorage,
        queue: FollowupSender,
        inbox: InboxFiles,
        worklist: WorklistStorage,
        payer_aliases: Mapping[str, str] | None = None,
        window_business_days: int = 3,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self.queue = queue
        self.inbox = inbox
        self.worklist = worklist
        self.payer_aliases = dict(payer_aliases or {})
        self.window = window_business_days
        self.clock = clock

    def open_era(self, era: EraPayment, posted_payment: Any) -> bool:
        """A posted ERA starts waiting for its deposit (once; a zero or NON payment needs none)."""
        if not era.needs_deposit:
            return False
        return self.store.open_era(era, posted_payment)

    def reconcile(self, *, source: str) -> ReconcileSummary:
        summary = ReconcileSummary()
        undone = self.store.undone_match_ids()  # a person took these apart: left to a person
        for _ in range(MAX_ROUNDS):
            eras, deposits, posted = self.store.open_items()
            result = match(eras, deposits, payer_aliases=self.payer_aliases, window_business_days=self.window)
            result = result.model_copy(update={"matches": tuple(m for m in result.matches if m.match_id not in undone)})
            by_era = {e.era_id: e for e in eras}
            by_deposit = {d.deposit_id: d for d in deposits}
            lost = 0
            for found in result.matches:
                joined_eras = [by_era[e] for e in found.era_ids]
                joined_deposits = [by_deposit[d] for d in found.deposit_ids]
                if self.store.commit_match(found, joined_eras, joined_deposits, posted):
                    summary.matched += 1
                    logger.info(
                        "matched",
                        extra={"match_id": found.match_id, "confidence": found.confidence, "trace": found.trace_number},
                    )
                else:
                    lost += 1  # another matcher took an item first: read again and look once more
            followups = amount_mismatch_followups(result.amount_mismatches, now=self.clock(), source=source)
            if followups:
                self.queue.send(followups)
                summary.followups_by_type.update(f.type.value for f in followups)
            summary.lost_races += lost
            if not lost:
                return summary
        return summary

    def sweep(self, as_of: date) -> dict[str, Any]:
        """The daily run: match what can be, raise follow-ups for what waited too long, write the report.
        `followups_raised` counts only follow-ups that were not on the worklist yet."""
        source = f"sweep/{as_of.isoformat()}"
        self.drop_matched_from_waiting_list(self.stored_matches())
        self.reconcile(source=source)
        stored = self.stored_matches()
        eras, deposits, posted = self.waiting(stored)
        waiting = match(eras, deposits, payer_aliases=self.payer_aliases, window_business_days=self.window)
        # Items in an amount mismatch already have their follow-up; `overdue` skips them given the result.
        due = overdue(waiting, today=as_of, window_business_days=self.window, now=self.clock(), source=source)
        # One read per overdue item: what is on the worklist already (open or resolved) is not raised again.
        fresh = [f for f in due if self.worklist.work_item(f.id) is None]
        if fresh:
            self.queue.send(fresh)
        closed = self.close_settled_mismatches(eras, deposits)
        report = self.report(as_of, waiting=(list(eras), list(deposits), dict(posted)), stored=stored)
        report["followups_raised"] = dict(Counter(f.type.value for f in fresh))
        report["mismatches_closed"] = closed
        base = f"{REPORT_PREFIX}{as_of.isoformat()}"
        self.inbox.put(f"{base}.json", _json_bytes(report))
        self.inbox.put(f"{base}.csv", report_csv(report).encode())
        logger.info(
            "reconciliation swept",
            extra={"as_of": as_of.isoformat(), "followups": len(fresh), "already_raised": len(due) - len(fresh)},
        )
        return report

    def stored_matches(self) -> list[StoredMatch]:
        """Every recorded match, read through the one typed model of a stored match."""
        return [StoredMatch.model_validate(record) for record in self.store.matches()]

    def waiting(
        self, stored: list[StoredMatch] | None = None
    ) -> tuple[list[EraPayment], list[Deposit], dict[str, Any]]:
        """The waiting list without any item a recorded match already joined: an ERA is on the
        reconciliation side once, matched or waiting (a waiting entry left by a re-delivered 835
        before opening was made once per ERA must not count it again)."""
        eras, deposits, posted = self.store.open_items()
        if stored is None:
            stored = self.stored_matches()
        matched_eras = {e for m in stored for e in m.era_ids}
        matched_deposits = {d for m in stored for d in m.deposit_ids}
        eras = [e for e in eras if e.era_id not in matched_eras]
        deposits = [d for d in deposits if d.deposit_id not in matched_deposits]
        return eras, deposits, {k: v for k, v in posted.items() if k not in matched_eras}

    def drop_matched_from_waiting_list(self, stored: list[StoredMatch]) -> int:
        """Take off the waiting list every ERA a recorded match joined (only a re-opening before
        opening was made once per ERA leaves one there), so that no matcher pairs it again."""
        eras, _, _ = self.store.open_items()
        matched = {e for m in stored for e in m.era_ids}
        dropped = 0
        for era in eras:
            if era.era_id in matched and self.store.drop_open_era(era.era_id):
                dropped += 1
                logger.warning("a matched ERA was waiting again; taken off the waiting list", extra={"era": era.era_id})
        return dropped

    def close_settled_mismatches(self, eras: list[EraPayment], deposits: list[Deposit]) -> int:
        """Resolve each open AMOUNT_MISMATCH whose ERA or deposit has left the waiting list since:
        only a match takes an item off it (a split or consolidated deposit, say), so nothing is left
        for a biller to do. Returns how many were closed."""
        waiting = {e.era_id for e in eras} | {d.deposit_id for d in deposits}
        closed = 0
        for item in self.worklist.open_of_type(FollowupType.AMOUNT_MISMATCH.value):
            detail = item.followup.detail
            settled = [f"{label} {detail[side]}" for side, label in _SIDES if detail.get(side) not in waiting]
            if not settled:
                continue
            note = f"settled by a later match of {' and '.join(settled)}: nothing left to do"
            now = self.clock()
            audit = resolution_audit(item, Resolution.NO_ACTION, note, SWEEPER, now)
            fields = resolved_fields(Resolution.NO_ACTION, note, SWEEPER, now)
            # On the version read: a biller who acts on it meanwhile wins, and it is left to them.
            try:
                self.worklist.change(FollowupChange(item.followup.id, item.version, audit, set=fields))
            except (Conflict, NotFound):
                continue
            closed += 1
            logger.info("amount mismatch settled by a later match", extra={"followup_id": item.followup.id})
        return closed

    def report(
        self,
        as_of: date,
        *,
        waiting: tuple[list[EraPayment], list[Deposit], dict[str, Any]] | None = None,
        stored: list[StoredMatch] | None = None,
    ) -> dict[str, Any]:
        """Matched and waiting items as of a day: everything dated on or before it. `waiting` and
        `stored`: the open items and the matches when the caller has just read them.

        Each ERA and each deposit counts once, by its id: a matched one is matched whatever the
        waiting list still says. A waiting item whose ERA_WITHOUT_DEPOSIT or DEPOSIT_WITHOUT_ERA a
        biller resolved is listed as resolved, not as unmatched; a deposit classified as not insurance,
        as classified."""
        if stored is None:
            stored = self.stored_matches()
        open_eras, open_deposits, open_posted = waiting or self.waiting(stored)
        eras = {e.era_id: e for e in open_eras}
        deposits = {d.deposit_id: d for d in open_deposits}
        posted = dict(open_posted)
        matches: list[Match] = []
        matched_eras: set[str] = set()
        matched_deposits: set[str] = set()
        for record in stored:
            if not _dated_by(as_of, record.eras, record.deposits):
                continue
            if matched_eras & set(record.era_ids) or matched_deposits & set(record.deposit_ids):
                logger.warning("a match joins an item another match joined; left out", extra={"match": record.match_id})
                continue
            matches.append(record.match)
            matched_eras.update(record.era_ids)
            matched_deposits.update(record.deposit_ids)
            eras.update({e.era_id: e for e in record.eras})
            deposits.update({d.deposit_id: d for d in record.deposits})
            posted.update({e.era_id: record.posted.get(e.era_id) for e in record.eras})
        era_list = [e for e in eras.values() if e.era_id in matched_eras or _on_or_before(e.payment_date, as_of)]
        deposit_list = [d for d in deposits.values() if d.deposit_id in matched_deposits or d.booking_date <= as_of]
        result = MatchResult(
            matches=tuple(matches),
            unmatched_eras=tuple(e for e in era_list if e.era_id not in matched_eras and e.needs_deposit),
            unmatched_deposits=tuple(d for d in deposit_list if d.deposit_id not in matched_deposits),
        )
        resolved = self.resolutions([*result.unmatched_eras, *result.unmatched_deposits])
        posted_amounts = {k: v for k, v in posted.items() if v is not None}
        classified = [ClassifiedDeposit.from_record(record) for record in self.store.classified()]
        return reconciliation_report(
            era_list,
            deposit_list,
            result,
            as_of=as_of,
            posted=posted_amounts,
            resolved=resolved,
            classified=[c for c in classified if c.deposit.booking_date <= as_of],
        )

    def resolutions(self, items: list[EraPayment | Deposit]) -> dict[str, ResolvedItem]:
        """The resolved ERA_WITHOUT_DEPOSIT / DEPOSIT_WITHOUT_ERA of each waiting item that has one, by
        the item's id (its follow-up's id is derived from the item: one read each)."""
        found: dict[str, ResolvedItem] = {}
        for item in items:
            work = self.worklist.work_item(waiting_followup_id(item))
            if work is None or work.followup.status is not FollowupStatus.RESOLVED or work.resolution is None:
                continue
            item_id = item.era_id if isinstance(item, EraPayment) else item.deposit_id
            found[item_id] = ResolvedItem(
                followup_id=work.followup.id,
                followup_type=work.followup.type.value,
                resolution=work.resolution.value,
                resolved_by=work.resolved_by,
                resolved_at=work.resolved_at,
            )
        return found


def _on_or_before(day: date | None, as_of: date) -> bool:
    return day is None or day <= as_of


def _dated_by(as_of: date, eras: Iterable[EraPayment], deposits: Iterable[Deposit]) -> bool:
    return all(_on_or_before(e.payment_date, as_of) for e in eras) and all(d.booking_date <= as_of for d in deposits)


def _json_bytes(report: dict[str, Any]) -> bytes:
    return json.dumps(report, indent=2, sort_keys=True, default=str).encode()
