"""Ingest one bank file (BAI2, camt.053/054, CSV) from deposits/: keep every transaction once, put the
credits on the waiting list for their ERA, and match what can be matched now."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from aws_lambda_powertools import Logger

from remitflow.bank import DEFAULT_LAYOUT, BankFileError, CsvLayout, deposit_reader
from remitflow.bank.models import BankProblem, Direction
from remitflow.domain.followups import unreadable_file
from remitflow.domain.matching import Deposit
from remitflow.services.clock import utc_now
from remitflow.services.ports import FollowupSender, InboxFiles, ReconciliationStorage
from remitflow.services.reconciliation import ReconcileSummary, Reconciliation
from remitflow.values import ZERO, cents, money_text

logger = Logger(child=True)


@dataclass
class DepositSummary:
    source_key: str
    version_id: str | None
    processed_at: datetime
    format: str | None = None
    transactions: int = 0
    new_transactions: int = 0
    deposits: int = 0
    deposits_total: Decimal = ZERO
    debits_and_returns: int = 0
    problems: list[BankProblem] = field(default_factory=list)
    unreadable: str | None = None
    reconcile: ReconcileSummary | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "source_key": self.source_key,
            "version_id": self.version_id,
            "processed_at": self.processed_at.isoformat(),
            "status": "unreadable" if self.unreadable else "processed",
            "format": self.format,
            "transactions": self.transactions,
            "new_transactions": self.new_transactions,
            "deposits": self.deposits,
            "deposits_total": money_text(self.deposits_total),
            "debits_and_returns": self.debits_and_returns,
            "unreadable": self.unreadable,
            "problems": [p.model_dump(mode="json") for p in self.problems],
            "matched": 0 if self.reconcile is None else self.reconcile.matched,
            "followups_by_type": {} if self.reconcile is None else dict(self.reconcile.followups_by_type),
        }


class DepositIngest:
    def __init__(
        self,
        *,
        inbox: InboxFiles,
        store: ReconciliationStorage,
        queue: FollowupSender,
        reconciliation: Reconciliation,
        csv_layouts: Mapping[str, CsvLayout] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.csv_layouts = dict(csv_layouts or {})
        self.inbox = inbox
        self.store = store
        self.queue = queue
        self.reconciliation = reconciliation
        self.clock = clock

    def ingest(self, key: str, version_id: str | None = None) -> DepositSummary:
        summary = DepositSummary(source_key=key, version_id=version_id, processed_at=self.clock())
        try:
            reader = deposit_reader(key, self.inbox.stream(key, version_id), csv_layout=self.csv_layout(key))
            summary.format = reader.format.value
            for transaction in reader:
                summary.transactions += 1
                # A zero credit is an ACH prenote: kept, but no money to match.
                is_deposit = transaction.direction is Direction.CREDIT and transaction.amount > 0
                deposit = Deposit.from_bank(transaction) if is_deposit else None
                if self.store.record_deposit(transaction, deposit):
                    summary.new_transactions += 1
                if deposit is not None:
                    summary.deposits += 1
                    summary.deposits_total += transaction.amount
                else:
                    summary.debits_and_returns += 1
            summary.problems = [*reader.errors]
        except BankFileError as error:
            summary.unreadable = str(error)
        summary.deposits_total = cents(summary.deposits_total)
        self._raise_problems(summary)
        if summary.new_transactions:
            summary.reconcile = self.reconciliation.reconcile(source=key)
        self.inbox.put_summary(key, summary.as_json())
        logger.info(
            "bank file processed",
            extra={
                "transactions": summary.transactions,
                "new": summary.new_transactions,
                "deposits": summary.deposits,
                "problems": len(summary.problems),
                "unreadable": summary.unreadable is not None,
            },
        )
        return summary

    def csv_layout(self, key: str) -> CsvLayout:
        """deposits/<bank>/file.csv is read with <bank>'s layout; anything else with the default one."""
        folder = key.removeprefix("deposits/").partition("/")
        return self.csv_layouts.get(folder[0], DEFAULT_LAYOUT) if folder[1] else DEFAULT_LAYOUT

    def _raise_problems(self, summary: DepositSummary) -> None:
        """An unreadable file, or records of it that could not be read: one follow-up for the file."""
        if summary.unreadable is None and not summary.problems:
            return
        reason = (
            f"the bank file could not be read: {summary.unreadable}"
            if summary.unreadable
            else "some records of the bank file could not be read; the others were kept"
        )
        followup = unreadable_file(
            summary.source_key,
            summary.version_id,
            reason=reason,
            created_at=summary.processed_at,
            problems=[p.model_dump(mode="json") for p in summary.problems],
            transactions_read=summary.transactions,
        )
        self.queue.send([followup])
