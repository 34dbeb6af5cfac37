"""Reassociation: match waiting ERAs and deposits, age what stays unmatched, report the day.

`reconcile` runs whenever either side arrives (RemittanceIngest, DepositIngest) and in the daily
sweep; it is safe to run twice at once, since each match commits only if its items are still waiting.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from aws_lambda_powertools import Logger

from remitflow.domain.errors import Conflict, NotFound
from remitflow.domain.followups import FollowupType
from remitflow.domain.matching import Deposit, EraPayment, Match, MatchResult, match
from remitflow.domain.recon_followups import amount_mismatch_followups, overdue
from remitflow.domain.recon_report import reconciliation_report, report_csv
from remitflow.domain.resolutions import Resolution, resolution_audit, resolved_fields
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
        for _ in range(MAX_ROUNDS):
            eras, deposits, posted = self.store.open_items()
            result = match(eras, deposits, payer_aliases=self.payer_aliases, window_business_days=self.window)
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
        """The daily run: match what can be, raise follow-ups for what waited too long, write the report."""
        source = f"sweep/{as_of.isoformat()}"
        self.reconcile(source=source)
        eras, deposits, posted = self.store.open_items()
        waiting = match(eras, deposits, payer_aliases=self.payer_aliases, window_business_days=self.window)
        # Items in an amount mismatch already have their follow-up; `overdue` skips them given the result.
        followups = overdue(waiting, today=as_of, window_business_days=self.window, now=self.clock(), source=source)
        if followups:
            self.queue.send(followups)
        closed = self.close_settled_mismatches(eras, deposits)
        report = self.report(as_of, waiting=(list(eras), list(deposits), dict(posted)))
        report["followups_raised"] = dict(Counter(f.type.value for f in followups))
        report["mismatches_closed"] = closed
        base = f"{REPORT_PREFIX}{as_of.isoformat()}"
        self.inbox.put(f"{base}.json", _json_bytes(report))
        self.inbox.put(f"{base}.csv", report_csv(report).encode())
        logger.info("reconciliation swept", extra={"as_of": as_of.isoformat(), "followups": len(followups)})
        return report

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
        self, as_of: date, *, waiting: tuple[list[EraPayment], list[Deposit], dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """Matched and waiting items as of a day: everything dated on or before it. `waiting`: the open
        items when the caller has just read them."""
        eras, deposits, posted = waiting or self.store.open_items()
        matches: list[Match] = []
        for record in self.store.matches():
            joined_eras = [EraPayment.model_validate(e) for e in record["eras"]]
            joined_deposits = [Deposit.model_validate(d) for d in record["deposits"]]
            if _dated_by(as_of, joined_eras, joined_deposits):
                matches.append(Match.model_validate({k: record[k] for k in Match.model_fields}))
                eras.extend(joined_eras)
                deposits.extend(joined_deposits)
                posted.update({e.era_id: record.get("posted", {}).get(e.era_id) for e in joined_eras})
        matched_eras = {e for m in matches for e in m.era_ids}
        matched_deposits = {d for m in matches for d in m.deposit_ids}
        eras = [e for e in eras if e.era_id in matched_eras or _on_or_before(e.payment_date, as_of)]
        deposits = [d for d in deposits if d.deposit_id in matched_deposits or d.booking_date <= as_of]
        result = MatchResult(
            matches=tuple(matches),
            unmatched_eras=tuple(e for e in eras if e.era_id not in matched_eras and e.needs_deposit),
            unmatched_deposits=tuple(d for d in deposits if d.deposit_id not in matched_deposits),
        )
        posted_amounts = {k: v for k, v in posted.items() if v is not None}
        return reconciliation_report(eras, deposits, result, as_of=as_of, posted=posted_amounts)


def _on_or_before(day: date | None, as_of: date) -> bool:
    return day is None or day <= as_of


def _dated_by(as_of: date, eras: list[EraPayment], deposits: list[Deposit]) -> bool:
    return all(_on_or_before(e.payment_date, as_of) for e in eras) and all(d.booking_date <= as_of for d in deposits)


def _json_bytes(report: dict[str, Any]) -> bytes:
    return json.dumps(report, indent=2, sort_keys=True, default=str).encode()
