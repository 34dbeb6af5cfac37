"""Reconciliation defects found by acceptance testing, on moto, where the store's behaviour decides:
stored matches read back without the fields DynamoDB leaves out, an ERA opens and matches once per era
id, one bank transaction across a BAI2 and a camt.053, and resolved items out of the unmatched lists."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from tests.integration.conftest import SAMPLES, Harness
from tests.support import match_shapes, same_deposit
from tests.unit.bank.bai2_files import Detail, bai2

from remitflow.adapters.dynamodb import keys
from remitflow.adapters.dynamodb.shared import plain, to_dynamo
from remitflow.bank.models import BankTransaction
from remitflow.domain.recon_models import Deposit, EraPayment, Match, match_id
from remitflow.runtime import deposit_ingest, reconciliation, remittance_ingest, worklist
from remitflow.services.ports import RemittanceKey
from remitflow.services.worklist_models import ResolveRequest
from remitflow_cli.recon import show_report

BAI = SAMPLES / "deposits" / "first-national-2025-01-16.bai"
BAI_KEY = "deposits/first-national-2025-01-16.bai"
ACME = "remittances/acme-ach-2025-01-16.835"
ACME_FILE = SAMPLES / "remittances" / "acme-ach-2025-01-16.835"
ACME_TRACE = "0123456789"


@pytest.fixture
def practice(harness: Harness) -> Harness:
    harness.load_sample_reference_data()
    return harness


def open_era(harness: Harness, era: EraPayment, posted: Decimal) -> None:
    key = RemittanceKey(era.payer_id, era.trace_number, era.amount, era.payment_date)
    harness.remittances.claim_remittance(key, {"source_key": era.source})
    assert reconciliation(harness.settings, harness.stores).open_era(era, posted)


def record(harness: Harness, transaction: BankTransaction, deposit: Deposit) -> None:
    harness.stores.reconciliation.record_deposit(transaction, deposit)


def ingest_remittance(harness: Harness, key: str = ACME, *, by_version: bool = False) -> None:
    harness.upload(key, ACME_FILE)
    s3 = harness.stores.inbox.client
    version = s3.head_object(Bucket=harness.stack.inbox_bucket, Key=key).get("VersionId") if by_version else None
    remittance_ingest(harness.settings, harness.stores).ingest(key, version)


def ingest_deposits(harness: Harness, key: str, body: Any) -> Any:
    harness.upload(key, body)
    return deposit_ingest(harness.settings, harness.stores).ingest(key)


def stored_report(harness: Harness, day: str, suffix: str = "json") -> bytes:
    s3 = harness.stores.inbox.client
    body: bytes = s3.get_object(Bucket=harness.stack.inbox_bucket, Key=f"reports/reconciliation/{day}.{suffix}")[
        "Body"
    ].read()
    return body


# --- 10 ----------------------------------------------------------------------------------------------


def test_every_shape_of_match_reads_back_from_dynamodb_into_the_report_and_the_sweep(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    match_shapes.open_all(lambda e, p: open_era(harness, e, p), lambda t, d: record(harness, t, d))
    service = reconciliation(harness.settings, harness.stores)
    assert service.reconcile(source="test").matched == len(match_shapes.EXPECTED)
    without_trace = [m for m in harness.stores.reconciliation.matches() if "trace_number" not in m]
    assert len(without_trace) == 1  # the consolidated deposit: DynamoDB keeps no empty trace

    report = service.report(match_shapes.AS_OF)
    swept = service.sweep(match_shapes.AS_OF)
    harness.runner.pump()

    for result in (report, swept):
        assert {tuple(m["era_ids"]): m["confidence"] for m in result["matched"]} == match_shapes.EXPECTED
        assert (result["eras_without_deposit"], result["deposits_without_era"]) == ([], [])
        assert result["totals"]["era_total"] == result["totals"]["deposits_total"] == match_shapes.TOTAL
        assert result["totals"]["posted_total"] == match_shapes.TOTAL
    assert swept["followups_raised"] == {}
    assert harness.followups() == []
    assert json.loads(stored_report(harness, "2025-06-24"))["totals"] == swept["totals"]
    show_report(swept, as_json=False)
    assert "matched              trace -" in capsys.readouterr().out


# --- 11 ----------------------------------------------------------------------------------------------


def test_the_same_835_again_under_the_same_key_is_counted_once(practice: Harness) -> None:
    ingest_remittance(practice)
    ingest_deposits(practice, BAI_KEY, BAI)
    service = reconciliation(practice.settings, practice.stores)
    before = service.report(date(2025, 1, 28))

    ingest_remittance(practice)  # uploaded again under the same key
    ingest_remittance(practice, by_version=True)  # and as the new version of the object it is

    after = service.report(date(2025, 1, 28))
    assert (after["totals"], after["counts"]) == (before["totals"], before["counts"])
    assert (after["totals"]["era_total"], after["totals"]["posted_total"]) == ("319.50", "240.00")
    swept = service.sweep(date(2025, 1, 28))
    practice.runner.pump()
    assert swept["eras_without_deposit"] == []
    assert [f["type"] for f in practice.followups() if f["type"] == "era_without_deposit"] == []
    assert practice.stores.reconciliation.open_items()[0] == []
    record_ = practice.remittances.get(RemittanceKey("1411289245", ACME_TRACE, Decimal("319.50"), date(2025, 1, 16)))
    assert record_ is not None and record_["recon_opened"] is True  # the redelivery kept what reconciliation wrote


def test_an_era_opens_and_matches_once_whatever_rewrites_its_records(practice: Harness) -> None:
    ingest_remittance(practice)
    store = practice.stores.reconciliation
    ((era,), _, posted) = store.open_items()
    ingest_deposits(practice, BAI_KEY, BAI)
    client = practice.remittances.client
    table = practice.remittances.table

    # An older writer puts the remittance record back without its recon_opened: the ERA stays matched.
    record_ = keys.remittance(era.era_id) | {"kind": "remittance", "source_key": ACME}
    client.put_item(TableName=table, Item=to_dynamo(record_))
    assert reconciliation(practice.settings, practice.stores).open_era(era, posted[era.era_id]) is False
    assert store.open_items()[0] == []

    # What such a re-opening left on the waiting list before: counted once, taken off by the sweep.
    service = reconciliation(practice.settings, practice.stores)
    before = service.report(date(2025, 1, 28))
    stale = keys.open_era(era.era_id) | {"side": "era", "posted_payment": posted[era.era_id]}
    client.put_item(TableName=table, Item=to_dynamo(stale | plain(era.model_dump())))
    assert service.report(date(2025, 1, 28))["totals"] == before["totals"]
    swept = service.sweep(date(2025, 1, 28))
    assert swept["totals"] == before["totals"] and swept["eras_without_deposit"] == []
    assert store.open_items()[0] == []
    # And no second match for it, whatever comes: the ERA's reconciliation item holds its one match.
    (found,) = store.matches()
    assert store.commit_match(another_match_for(found), [era], [], {}) is False


def another_match_for(record_: dict[str, Any]) -> Match:
    """The same ERAs with no deposit: what a matcher that saw a stale waiting ERA might try to commit."""
    era_ids = tuple(record_["era_ids"])
    return Match(
        match_id=match_id(era_ids, []),
        era_ids=era_ids,
        deposit_ids=(),
        confidence="probable",
        rule="a stale waiting ERA",
        era_amount=record_["era_amount"],
        deposit_amount=Decimal("0.00"),
    )


# --- 12 ----------------------------------------------------------------------------------------------


def northwind_era() -> EraPayment:
    key = RemittanceKey(same_deposit.PAYER, same_deposit.TRACE, same_deposit.AMOUNT, same_deposit.BOOKED)
    return EraPayment(
        era_id=key.era_id,
        payer_id=same_deposit.PAYER,
        trace_number=same_deposit.TRACE,
        amount=same_deposit.AMOUNT,
        payment_date=same_deposit.BOOKED,
        method="ACH",
        source="remittances/northwind-2025-03-18.835",
    )


def test_one_bank_transaction_across_a_bai2_and_a_camt053(harness: Harness) -> None:
    open_era(harness, northwind_era(), same_deposit.AMOUNT)

    bai = ingest_deposits(harness, same_deposit.BAI_KEY, same_deposit.bai2())
    camt = ingest_deposits(harness, same_deposit.CAMT_KEY, same_deposit.camt053())
    conflicting = ingest_deposits(harness, "deposits/riverbank/corrected.xml", same_deposit.camt053(Decimal("842.51")))
    harness.runner.pump()

    assert (bai.new_transactions, camt.new_transactions, conflicting.new_transactions) == (2, 0, 0)
    assert camt.reported_by_another_file == 2
    (found,) = harness.stores.reconciliation.matches()
    assert found["trace_number"] == same_deposit.TRACE
    assert harness.stores.reconciliation.open_items()[1] == []
    report = reconciliation(harness.settings, harness.stores).sweep(date(2025, 3, 31))
    assert (report["counts"]["deposits"], report["totals"]["deposits_total"]) == (1, "842.15")
    assert report["deposits_without_era"] == []
    harness.runner.pump()
    (followup,) = harness.followups()
    assert followup["type"] == "duplicate_bank_reference"
    detail = followup["detail"]
    assert (detail["kept_source"], detail["kept_amount"]) == (same_deposit.BAI_KEY, "842.15")
    assert (detail["source"], detail["amount"]) == ("deposits/riverbank/corrected.xml", "842.51")


def test_two_transactions_of_one_file_under_one_reference_are_both_kept(harness: Harness) -> None:
    twins = bai2(Detail(amount=4000, bank_reference="LBX0117"), Detail(amount=4000, bank_reference="LBX0117"))

    summary = ingest_deposits(harness, "deposits/lockbox.bai", twins.encode())
    again = ingest_deposits(harness, "deposits/lockbox-again.bai", twins.encode())

    assert (summary.new_transactions, again.new_transactions) == (2, 0)
    assert [d.amount for d in harness.stores.reconciliation.open_items()[1]] == [Decimal("40.00")] * 2


# --- 13 ----------------------------------------------------------------------------------------------


def test_a_resolved_unmatched_deposit_is_reported_as_resolved_and_not_raised_again(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest_deposits(harness, BAI_KEY, BAI)
    service = reconciliation(harness.settings, harness.stores)
    assert service.sweep(date(2025, 1, 28))["followups_raised"] == {"deposit_without_era": 3}
    harness.runner.pump()
    (card,) = [f for f in harness.followups() if f["amount"] == Decimal("1200.00")]
    request = ResolveRequest(resolution="no_action", note="card settlement, not a payer")
    worklist(harness.settings, harness.stores).resolve(card["pk"], request, caller="ana@lakeside")

    report = service.report(date(2025, 1, 29))
    swept = service.sweep(date(2025, 1, 29))
    harness.runner.pump()

    for result in (report, swept):
        assert sorted(d["amount"] for d in result["deposits_without_era"]) == ["319.50", "50.00"]
        assert [(r["amount"], r["resolution"], r["followup_id"]) for r in result["resolved"]] == [
            ("1200.00", "no_action", card["pk"])
        ]
        assert result["totals"]["unmatched_deposit_total"] == "369.50"
    assert swept["followups_raised"] == {}
    assert len(harness.followups()) == 2 and len(harness.followups("resolved")) == 1
    assert b"resolved_deposit" in stored_report(harness, "2025-01-29", "csv")
    show_report(swept, as_json=False)
    out = capsys.readouterr().out
    assert "raised" not in out and "no_action by ana@lakeside" in out
