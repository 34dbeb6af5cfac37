"""DepositIngest and Reconciliation on the in-memory fakes: ERAs meet their deposits once, in either
order; what waits too long becomes a follow-up; a mismatch a later match settles is closed."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from tests.unit.services.fakes import FakeReconciliation, FakeWorklist
from tests.unit.services.practice import BAI_FILE, Practice

from remitflow.bank import CsvLayout
from remitflow.domain.recon_models import Deposit, EraPayment, Match
from remitflow.domain.resolutions import AuditEntry, WorkItem
from remitflow.services.ports import FollowupChange

LAKESIDE_CSV = CsvLayout(
    name="lakeside-credit-union",
    date=("Posted On",),
    amount=("Amt",),
    description=("Narrative",),
    reference=("Bank Ref",),
    delimiter=";",
    decimal_comma=True,
)
# The sample BAI with 319.00 deposited for the 319.50 ERA (control totals adjusted to match).
SHORT_BAI = (
    BAI_FILE.decode()
    .replace("16,165,31950,", "16,165,31900,")
    .replace("49,2455850,5/", "49,2455800,5/")
    .replace("98,2455850,1,7/", "98,2455800,1,7/")
    .replace("99,4777250,2,15/", "99,4777200,2,15/")
    .replace(
        "03,000123456789,USD,010,1000000,,,015,1151950,,,100,151950",
        "03,000123456789,USD,010,1000000,,,015,1151900,,,100,151900",
    )
    .encode()
)
REMAINDER = b"Posted On;Amt;Narrative;Bank Ref\n01/17/2025;0,50;ACME HEALTH PLAN REMAINDER;REF-3\n"


def test_a_deposit_arriving_after_its_era_completes_the_match(loaded: Practice) -> None:
    loaded.post()
    assert loaded.reconciliation.matches() == []

    summary = loaded.deposit()

    (found,) = loaded.reconciliation.matches()
    assert (found["trace_number"], found["confidence"]) == ("0123456789", "exact")
    assert found["era_amount"] == found["deposit_amount"] == Decimal("319.50")
    assert (summary.deposits, summary.debits_and_returns, summary.new_transactions) == (3, 1, 4)
    assert summary.as_json()["matched"] == 1


def test_an_era_arriving_after_its_deposit_completes_the_match(loaded: Practice) -> None:
    loaded.deposit()
    assert loaded.reconciliation.matches() == []

    loaded.post()

    (found,) = loaded.reconciliation.matches()
    assert found["trace_number"] == "0123456789"


def test_the_same_bank_file_twice_adds_nothing_and_reopens_nothing(loaded: Practice) -> None:
    loaded.post()
    first = loaded.deposit()

    again = loaded.deposit("deposits/resent/first-national.bai", BAI_FILE)

    assert (first.new_transactions, again.new_transactions) == (4, 0)
    assert again.reconcile is None  # nothing new: nothing to match
    _, deposits, _ = loaded.reconciliation.open_items()
    assert sorted(d.amount for d in deposits) == [Decimal("50.00"), Decimal("1200.00")]
    assert len(loaded.reconciliation.matches()) == 1


def test_an_unreadable_bank_file_is_one_follow_up(practice: Practice) -> None:
    summary = practice.deposit("deposits/statement.pdf", b"%PDF-1.7 \x00\x01 binary")

    assert summary.unreadable
    (followup,) = practice.queue.sent
    assert followup.type.value == "unreadable_file" and followup.detail["file"] == "deposits/statement.pdf"


class AnotherMatcherFirst(FakeReconciliation):
    """Another matcher, which read the same waiting items, commits the same match just before this one."""

    def commit_match(
        self, match: Match, eras: list[EraPayment], deposits: list[Deposit], posted: Mapping[str, Any]
    ) -> bool:
        super().commit_match(match, eras, deposits, posted)
        return super().commit_match(match, eras, deposits, posted)


def test_a_match_another_matcher_committed_first_is_a_lost_race_and_recorded_once(loaded: Practice) -> None:
    racing = AnotherMatcherFirst(loaded.remittances)
    loaded.reconciliation = racing
    loaded.post()

    summary = loaded.deposit()

    assert summary.reconcile is not None
    assert (summary.reconcile.matched, summary.reconcile.lost_races) == (0, 1)
    (found,) = racing.matches()
    assert found["trace_number"] == "0123456789"
    assert racing.open_items()[0] == []  # the ERA is matched, not waiting


def test_a_trace_with_another_amount_is_an_amount_mismatch(loaded: Practice) -> None:
    loaded.post()

    loaded.deposit(data=SHORT_BAI)

    assert loaded.reconciliation.matches() == []
    mismatch = loaded.followup_of_type("amount_mismatch")
    assert mismatch.amount == Decimal("-0.50")


def test_the_sweep_raises_follow_ups_for_what_waited_too_long_and_writes_the_report(practice: Practice) -> None:
    practice.deposit()

    report = practice.reconciler().sweep(date(2025, 1, 28))

    assert practice.queue.types()["deposit_without_era"] == 3
    assert sorted(d["amount"] for d in report["deposits_without_era"]) == ["1200.00", "319.50", "50.00"]
    stored = json.loads(practice.inbox.files["reports/reconciliation/2025-01-28.json"])
    assert stored["totals"] == report["totals"]
    assert b"1200.00" in practice.inbox.files["reports/reconciliation/2025-01-28.csv"]


def settle_the_mismatch_later(practice: Practice) -> WorkItem:
    """319.00 deposited for the 319.50 ERA (a follow-up on the worklist), then the other 0.50."""
    practice.post()
    practice.deposit(data=SHORT_BAI)
    practice.deliver_followups()
    (mismatch,) = practice.worklist.open_of_type("amount_mismatch")
    service = practice.deposit_ingest()
    service.csv_layouts = {"lakeside-credit-union": LAKESIDE_CSV}
    service.ingest(practice.upload_and("deposits/lakeside-credit-union/2025-01-17.csv", REMAINDER))
    (found,) = practice.reconciliation.matches()
    assert found["era_amount"] == Decimal("319.50") and len(found["deposit_ids"]) == 2
    return mismatch


def test_an_amount_mismatch_that_a_later_deposit_settles_is_closed_by_the_sweep(loaded: Practice) -> None:
    mismatch = settle_the_mismatch_later(loaded)

    report = loaded.reconciler().sweep(date(2025, 1, 28))

    assert report["mismatches_closed"] == 1
    closed = loaded.worklist.work_item(mismatch.followup.id)
    assert closed is not None and closed.resolution is not None
    assert (closed.followup.status.value, closed.resolution.value, closed.version) == ("resolved", "no_action", 1)
    assert closed.note is not None and closed.note.startswith("settled by a later match of ERA ")
    assert loaded.reconciler().sweep(date(2025, 1, 29))["mismatches_closed"] == 0


class BillerTakesItMeanwhile(FakeWorklist):
    """A biller assigns each follow-up the sweep has just read, before the sweep changes it."""

    def open_of_type(self, followup_type: str) -> Iterator[WorkItem]:
        for item in list(super().open_of_type(followup_type)):
            audit = AuditEntry(at=item.followup.created_at, by="ana", action="assigned")
            self.change(FollowupChange(item.followup.id, item.version, audit, set={"assignee": "ana"}))
            yield item


def test_a_settled_mismatch_a_biller_changed_meanwhile_is_left_to_the_biller(loaded: Practice) -> None:
    mismatch = settle_the_mismatch_later(loaded)
    busy = BillerTakesItMeanwhile(loaded.claims, loaded.remittances)
    busy.items = loaded.worklist.items
    loaded.worklist = busy

    report = loaded.reconciler().sweep(date(2025, 1, 28))

    assert report["mismatches_closed"] == 0
    item = busy.work_item(mismatch.followup.id)
    assert item is not None and (item.followup.status.value, item.assignee) == ("open", "ana")
