"""Reconciliation defects found by acceptance testing, on the in-memory fakes: every shape of stored
match reads back into the report and the sweep; an ERA counts once however often its 835 comes; the
same bank transaction in a BAI2 and a camt.053 is one deposit; a resolved unmatched item leaves the
unmatched lists and the sweep says only what it newly raised."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from tests.support import match_shapes, same_deposit
from tests.unit.bank.bai2_files import Detail, bai2
from tests.unit.services.practice import ACME, BAI_FILE, Practice

from remitflow.bank.models import BankTransaction
from remitflow.domain.recon_models import Deposit, EraPayment
from remitflow.services.ports import RemittanceKey
from remitflow.services.worklist_models import ResolveRequest
from remitflow_cli.recon import show_report

ACME_TRACE = "0123456789"
ACME_PAYER = "1411289245"


def open_era(practice: Practice, era: EraPayment, posted: Decimal) -> None:
    """An ERA whose 835 was claimed (its remittance record under the era id) and posted."""
    key = RemittanceKey(era.payer_id, era.trace_number, era.amount, era.payment_date)
    assert key.era_id == era.era_id
    practice.remittances.claim_remittance(key, {"source_key": era.source})
    assert practice.reconciler().open_era(era, posted)


def record(practice: Practice, transaction: BankTransaction, deposit: Deposit) -> None:
    practice.reconciliation.record_deposit(transaction, deposit)


def printed(report: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> list[str]:
    show_report(report, as_json=False)
    return capsys.readouterr().out.splitlines()


# --- 10: every shape of match through the report and the sweep -------------------------------------


def test_every_shape_of_match_reads_back_into_the_report_and_the_sweep(
    practice: Practice, capsys: pytest.CaptureFixture[str]
) -> None:
    match_shapes.open_all(lambda e, p: open_era(practice, e, p), lambda t, d: record(practice, t, d))
    service = practice.reconciler()
    assert service.reconcile(source="test").matched == len(match_shapes.EXPECTED)

    report = service.report(match_shapes.AS_OF)

    assert {tuple(m["era_ids"]): m["confidence"] for m in report["matched"]} == match_shapes.EXPECTED
    consolidated = next(m for m in report["matched"] if len(m["era_ids"]) == 2)
    assert consolidated["trace_number"] is None  # one deposit for two ERAs, neither side's trace
    assert sorted(consolidated["era_trace_numbers"]) == ["61001", "61002"]
    assert (report["eras_without_deposit"], report["deposits_without_era"]) == ([], [])
    totals = report["totals"]
    assert totals["era_total"] == totals["deposits_total"] == totals["matched_era_total"] == match_shapes.TOTAL
    assert totals["posted_total"] == totals["deposited_total"] == match_shapes.TOTAL
    assert (report["counts"]["eras"], report["counts"]["deposits"]) == (6, 6)

    swept = service.sweep(match_shapes.AS_OF)

    assert swept["matched"] == report["matched"]
    assert swept["followups_raised"] == {}
    assert practice.queue.sent == []
    rows = list(csv.DictReader(io.StringIO(practice.inbox.files["reports/reconciliation/2025-06-24.csv"].decode())))
    assert sum(row["kind"] == "matched" for row in rows) == 5
    lines = printed(swept, capsys)
    assert sum(line.split()[:2] == ["matched", "trace"] for line in lines) == 5
    assert any(line.split()[:3] == ["matched", "trace", "-"] for line in lines)  # the consolidated deposit


# --- 11: the same ERA again ------------------------------------------------------------------------


def test_the_same_835_again_under_the_same_key_is_counted_once(loaded: Practice) -> None:
    loaded.post()
    loaded.deposit()
    service = loaded.reconciler()
    before = service.report(date(2025, 1, 28))

    loaded.post()  # the README's local flow: uploaded again under the same key
    loaded.remittance_ingest().ingest(ACME, "another-version")  # and again, as a new version of the object

    after = service.report(date(2025, 1, 28))
    assert after["totals"] == before["totals"]
    assert after["counts"] == before["counts"]
    assert [m["trace_number"] for m in after["matched"]] == [ACME_TRACE]
    swept = service.sweep(date(2025, 1, 28))
    assert ACME_TRACE not in [e["trace_number"] for e in swept["eras_without_deposit"]]
    assert "era_without_deposit" not in swept["followups_raised"]
    assert [e for e in loaded.reconciliation.open_items()[0] if e.trace_number == ACME_TRACE] == []


def test_an_era_opens_once_even_when_its_remittance_record_is_written_again(loaded: Practice) -> None:
    loaded.post()
    (era,) = loaded.reconciliation.open_items()[0]
    loaded.deposit()  # matched

    # Whatever rewrites the remittance record (an older writer, a restore): the ERA does not reopen.
    loaded.remittances.by_era[era.era_id] = {"source_key": ACME}

    assert loaded.reconciler().open_era(era, Decimal("240.00")) is False
    assert loaded.reconciliation.open_items()[0] == []


def test_a_matched_era_left_waiting_again_counts_once_and_is_taken_off_the_waiting_list(loaded: Practice) -> None:
    """What a re-delivered 835 left behind before the fix: the ERA matched and on the waiting list."""
    loaded.post()
    ((era, posted),) = loaded.reconciliation.open_eras.values()
    loaded.deposit()
    service = loaded.reconciler()
    before = service.report(date(2025, 1, 28))
    loaded.reconciliation.open_eras[era.era_id] = (era, posted)

    assert service.report(date(2025, 1, 28))["totals"] == before["totals"]
    swept = service.sweep(date(2025, 1, 28))

    assert swept["totals"] == before["totals"]
    assert swept["eras_without_deposit"] == [] and "era_without_deposit" not in swept["followups_raised"]
    assert loaded.reconciliation.open_items()[0] == []


# --- 12: one bank transaction in two formats -------------------------------------------------------


def northwind_era() -> EraPayment:
    return EraPayment(
        era_id=RemittanceKey(same_deposit.PAYER, same_deposit.TRACE, same_deposit.AMOUNT, same_deposit.BOOKED).era_id,
        payer_id=same_deposit.PAYER,
        trace_number=same_deposit.TRACE,
        amount=same_deposit.AMOUNT,
        payment_date=same_deposit.BOOKED,
        method="ACH",
        source="remittances/northwind-2025-03-18.835",
    )


@pytest.mark.parametrize("first", ["bai2", "camt.053"])
def test_the_same_transaction_in_a_bai2_and_a_camt053_is_one_deposit(practice: Practice, first: str) -> None:
    open_era(practice, northwind_era(), same_deposit.AMOUNT)
    files = [(same_deposit.BAI_KEY, same_deposit.bai2()), (same_deposit.CAMT_KEY, same_deposit.camt053())]
    if first == "camt.053":
        files.reverse()

    one, other = (practice.deposit(key, data) for key, data in files)

    assert (one.new_transactions, other.new_transactions) == (2, 0)  # the credit and the fee, once
    assert other.as_json()["reported_by_another_file"] == 2
    (found,) = practice.reconciliation.matches()
    assert found["trace_number"] == same_deposit.TRACE
    report = practice.reconciler().sweep(date(2025, 3, 31))
    assert [m["trace_number"] for m in report["matched"]] == [same_deposit.TRACE]
    assert report["deposits_without_era"] == []
    assert (report["counts"]["deposits"], report["totals"]["deposits_total"]) == (1, "842.15")
    assert practice.queue.sent == []


def test_the_same_bank_reference_with_another_amount_is_a_follow_up_naming_both_files(practice: Practice) -> None:
    open_era(practice, northwind_era(), same_deposit.AMOUNT)
    practice.deposit(same_deposit.BAI_KEY, same_deposit.bai2())

    summary = practice.deposit(same_deposit.CAMT_KEY, same_deposit.camt053(Decimal("824.15")))
    practice.deposit(same_deposit.CAMT_KEY, same_deposit.camt053(Decimal("824.15")))  # the file again

    assert summary.new_transactions == 0
    assert summary.as_json()["followups_by_type"] == {"duplicate_bank_reference": 1}
    followups = [f for f in practice.queue.sent if f.type.value == "duplicate_bank_reference"]
    assert len({f.id for f in followups}) == 1  # the same follow-up each time the file comes
    followup = followups[0]
    assert followup.amount == Decimal("824.15")
    detail = followup.detail
    assert (detail["source"], detail["amount"]) == (same_deposit.CAMT_KEY, "824.15")
    assert (detail["kept_source"], detail["kept_amount"]) == (same_deposit.BAI_KEY, "842.15")
    reason = detail["reason"]
    for text in (same_deposit.BAI_KEY, same_deposit.CAMT_KEY, "842.15", "824.15", same_deposit.CREDIT_REFERENCE):
        assert text in reason
    as_text = json.dumps(followup.model_dump(mode="json"))
    assert same_deposit.ACCOUNT not in as_text and "NORTHWIND" not in as_text  # masked account, no bank text
    report = practice.reconciler().sweep(date(2025, 3, 31))
    assert report["deposits_without_era"] == [] and report["counts"]["deposits"] == 1
    assert [m["deposit_amount"] for m in report["matched"]] == ["842.15"]


def test_two_transactions_of_one_file_under_one_reference_are_both_kept(practice: Practice) -> None:
    twins = bai2(Detail(amount=4000, bank_reference="LBX0117"), Detail(amount=4000, bank_reference="LBX0117"))

    summary = practice.deposit("deposits/lockbox.bai", twins.encode())

    assert (summary.new_transactions, summary.reported_by_another_file) == (2, 0)
    assert [d.amount for d in practice.reconciliation.open_items()[1]] == [Decimal("40.00")] * 2
    assert practice.queue.sent == []


# --- 13: resolved items ------------------------------------------------------------------------------


def resolve(practice: Practice, followup_type: str, amount: str, resolution: str) -> str:
    practice.deliver_followups()
    (followup,) = [f for f in practice.queue.sent if f.type.value == followup_type and f.amount == Decimal(amount)]
    request = ResolveRequest(resolution=resolution, note="checked with the bank")
    practice.worklist_service().resolve(followup.id, request, caller="ana@lakeside")
    return followup.id


def test_a_resolved_deposit_without_era_leaves_the_unmatched_lists(
    practice: Practice, capsys: pytest.CaptureFixture[str]
) -> None:
    practice.deposit()
    service = practice.reconciler()
    assert service.sweep(date(2025, 1, 28))["followups_raised"] == {"deposit_without_era": 3}
    followup_id = resolve(practice, "deposit_without_era", "1200.00", "no_action")

    report = service.report(date(2025, 1, 29))

    assert sorted(d["amount"] for d in report["deposits_without_era"]) == ["319.50", "50.00"]
    (resolved,) = report["resolved"]
    assert resolved | {"deposit_id": "", "resolved_at": ""} == {
        "side": "deposit",
        "deposit_id": "",
        "trace_number": None,
        "amount": "1200.00",
        "payer_id": None,
        "date": "2025-01-16",
        "followup_id": followup_id,
        "followup_type": "deposit_without_era",
        "resolution": "no_action",
        "resolved_by": "ana@lakeside",
        "resolved_at": "",
    }
    assert (report["totals"]["unmatched_deposit_total"], report["totals"]["resolved_deposit_total"]) == (
        "369.50",
        "1200.00",
    )
    assert (report["counts"]["deposits_without_era"], report["counts"]["resolved"]) == (2, 1)

    sent = len(practice.queue.sent)
    swept = service.sweep(date(2025, 1, 29))

    assert swept["followups_raised"] == {}  # all three exist; one of them resolved
    assert len(practice.queue.sent) == sent
    assert swept["resolved"] == report["resolved"]
    lines = printed(swept, capsys)
    assert not [line for line in lines if line.strip().startswith("raised")]
    (shown,) = [line for line in lines if line.split()[:3] == ["resolved", "deposit", "trace"]]
    assert "1200.00" in shown and "no_action" in shown and "ana@lakeside" in shown
    stored = json.loads(practice.inbox.files["reports/reconciliation/2025-01-29.json"])
    assert [r["followup_id"] for r in stored["resolved"]] == [followup_id]
    rows = list(csv.DictReader(io.StringIO(practice.inbox.files["reports/reconciliation/2025-01-29.csv"].decode())))
    (row,) = [r for r in rows if r["kind"] == "resolved_deposit"]
    assert (row["amount"], row["resolution"], row["resolved_by"], row["followup_id"]) == (
        "1200.00",
        "no_action",
        "ana@lakeside",
        followup_id,
    )


def test_a_resolved_era_without_deposit_leaves_the_unmatched_lists_until_its_deposit_comes(loaded: Practice) -> None:
    loaded.post()
    service = loaded.reconciler()
    assert service.sweep(date(2025, 1, 28))["followups_raised"] == {"era_without_deposit": 1}
    resolve(loaded, "era_without_deposit", "319.50", "payer_contacted")

    report = service.report(date(2025, 1, 29))

    assert report["eras_without_deposit"] == []
    assert [(r["side"], r["trace_number"], r["resolution"]) for r in report["resolved"]] == [
        ("era", ACME_TRACE, "payer_contacted")
    ]
    assert report["totals"]["unmatched_era_total"] == "0.00"
    assert service.sweep(date(2025, 1, 29))["followups_raised"] == {}

    loaded.deposit(data=BAI_FILE)  # the deposit turns up after all: matched, no longer resolved-unmatched
    later = service.report(date(2025, 1, 30))
    assert [m["trace_number"] for m in later["matched"]] == [ACME_TRACE]
    assert later["resolved"] == []


def test_an_undone_resolution_puts_the_item_back_on_the_unmatched_list(practice: Practice) -> None:
    practice.deposit()
    service = practice.reconciler()
    service.sweep(date(2025, 1, 28))
    followup_id = resolve(practice, "deposit_without_era", "50.00", "duplicate")
    item = practice.worklist.items[followup_id]
    practice.worklist.items[followup_id] = item | {"status": "open", "resolution": None}  # what an undo leaves

    report = service.report(date(2025, 1, 29))

    assert report["resolved"] == []
    assert "50.00" in [d["amount"] for d in report["deposits_without_era"]]
