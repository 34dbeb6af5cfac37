"""Ingest one bank file (BAI2, camt.053/054, CSV) from deposits/: keep every transaction once, put the
credits on the waiting list for their ERA, and match what can be matched now.

Once is across files and formats: a transaction another file already reported (the same account,
booking date and bank reference: a BAI2 and a camt.053 of the same day) is the same transaction and is
not kept again; with another amount or direction it is not kept either, and a
DUPLICATE_BANK_REFERENCE follow-up names both files and amounts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from aws_lambda_powertools import Logger

from remitflow.bank import DEFAULT_LAYOUT, BankFileError, CsvLayout, deposit_reader
from remitflow.bank.models import BankProblem, BankTransaction, Direction
from remitflow.domain.followups import Followup, unreadable_file
from remitflow.domain.recon_followups import duplicate_bank_reference
from remitflow.domain.recon_models import Deposit
from remitflow.services.clock import utc_now
from remitflow.services.ports import FollowupSender, InboxFiles, ReconciliationStorage, RecordedTransaction
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
    reported_by_another_file: int = 0  # the same transaction (account, day, bank reference) kept from another file
    reference_conflicts: list[Followup] = field(default_factory=list)
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
            "reported_by_another_file": self.reported_by_another_file,
            "duplicate_bank_references": len(self.reference_conflicts),
            "unreadable": self.unreadable,
            "problems": [p.model_dump(mode="json") for p in self.problems],
            "matched": 0 if self.reconcile is None else self.reconcile.matched,
            "followups_by_type": dict(
                (Counter() if self.reconcile is None else self.reconcile.followups_by_type)
                + Counter(f.type.value for f in self.reference_conflicts)
            ),
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
                self._recorded(summary, transaction, self.store.record_deposit(transaction, deposit))
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
        if summary.reference_conflicts:
            self.queue.send(summary.reference_conflicts)
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

    def _recorded(self, summary: DepositSummary, transaction: BankTransaction, recorded: RecordedTransaction) -> None:
        if recorded.new:
            summary.new_transactions += 1
            return
        kept = recorded.same_reference
        if kept is None or recorded.identity is None or kept.get("transaction_id") == transaction.transaction_id:
            return  # the same file again
        same_amount = kept.get("amount") is not None and Decimal(str(kept["amount"])) == transaction.amount
        if same_amount and kept.get("direction") == transaction.direction.value:
            summary.reported_by_another_file += 1
            return
        followup = duplicate_bank_reference(transaction, kept, identity=recorded.identity, now=summary.processed_at)
        summary.reference_conflicts.append(followup)
        logger.warning(
            "bank reference already kept with another amount",
            extra={"followup_id": followup.id, "transaction_id": transaction.transaction_id},
        )

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
