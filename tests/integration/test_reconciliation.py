"""ERA <-> deposit reassociation on moto: either arrival order, both at once, the same bank file twice,
the daily sweep and its report."""

from __future__ import annotations

import json
import threading
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from tests.integration.conftest import SAMPLES, Harness

from remitflow.adapters.dynamodb.reconciliation import ReconciliationStore
from remitflow.bank import CsvLayout
from remitflow.runtime import deposit_ingest, reconciliation, remittance_ingest
from remitflow_cli.recon import show_report

BAI = SAMPLES / "deposits" / "first-national-2025-01-16.bai"
BAI_KEY = "deposits/first-national-2025-01-16.bai"
ACME = "remittances/acme-ach-2025-01-16.835"
ACME_FILE = SAMPLES / "remittances" / "acme-ach-2025-01-16.835"


LAKESIDE_CSV = CsvLayout(
    name="lakeside-credit-union",
    date=("Posted On",),
    amount=("Amt",),
    description=("Narrative",),
    reference=("Bank Ref",),
    delimiter=";",
    decimal_comma=True,
)


def ingest_deposits(harness: Harness, key: str = BAI_KEY, body: Any = BAI) -> Any:
    harness.upload(key, body)
    return deposit_ingest(harness.settings, harness.stores).ingest(key)


def ingest_remittance(harness: Harness, key: str, path: Any) -> None:
    harness.upload(key, path)
    remittance_ingest(harness.settings, harness.stores).ingest(key)


def matched(harness: Harness) -> list[dict[str, Any]]:
    return harness.stores.reconciliation.matches()


@pytest.fixture
def practice(harness: Harness) -> Harness:
    harness.load_sample_reference_data()
    return harness


def test_a_deposit_arriving_after_its_era_completes_the_match(practice: Harness) -> None:
    ingest_remittance(practice, ACME, ACME_FILE)
    assert matched(practice) == []

    summary = ingest_deposits(practice)

    (found,) = matched(practice)
    assert (found["trace_number"], found["confidence"]) == ("0123456789", "exact")
    assert found["era_amount"] == found["deposit_amount"] == Decimal("319.50")
    assert summary.deposits == 3 and summary.debits_and_returns == 1


def test_an_era_arriving_after_its_deposit_completes_the_match(practice: Harness) -> None:
    ingest_deposits(practice)
    assert matched(practice) == []

    ingest_remittance(practice, ACME, ACME_FILE)

    (found,) = matched(practice)
    assert found["trace_number"] == "0123456789"


def test_the_same_bank_file_twice_adds_nothing(practice: Harness) -> None:
    ingest_remittance(practice, ACME, ACME_FILE)
    first = ingest_deposits(practice)

    again = ingest_deposits(practice, key="deposits/resent/first-national.bai")

    assert (first.new_transactions, again.new_transactions) == (4, 0)
    assert len(matched(practice)) == 1
    _eras, deposits, _ = practice.stores.reconciliation.open_items()
    assert sorted(d.amount for d in deposits) == [Decimal("50.00"), Decimal("1200.00")]  # not re-opened


class ReadTogether(ReconciliationStore):
    """Both sides have written their open item before either reads the other side."""

    def __init__(self, store: ReconciliationStore, barrier: threading.Barrier) -> None:
        super().__init__(store.client, store.table)
        self.barrier: threading.Barrier | None = barrier

    def open_items(self) -> Any:
        if self.barrier is not None:
            self.barrier.wait(timeout=30)
            self.barrier = None
        return super().open_items()


def test_an_era_and_its_deposit_arriving_at_the_same_moment_match_once(practice: Harness) -> None:
    practice.upload(ACME, ACME_FILE)
    practice.upload(BAI_KEY, BAI)
    barrier = threading.Barrier(2)
    era_side = remittance_ingest(practice.settings, practice.stores)
    deposit_side = deposit_ingest(practice.settings, practice.stores)
    for service in (era_side.reconciliation, deposit_side.reconciliation):
        assert service is not None
        service.store = ReadTogether(practice.stores.reconciliation, barrier)
    errors: list[BaseException] = []

    def run(target: Any) -> None:
        try:
            target()
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=run, args=(lambda: era_side.ingest(ACME),)),
        threading.Thread(target=run, args=(lambda: deposit_side.ingest(BAI_KEY),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    (found,) = matched(practice)  # both saw the other; one committed the match, the other lost the race
    assert found["trace_number"] == "0123456789"


def test_the_sweep_ages_what_waited_too_long_and_writes_the_report(practice: Harness) -> None:
    for path in sorted((SAMPLES / "remittances").glob("*.835")):
        ingest_remittance(practice, f"remittances/{path.name}", path)
    ingest_deposits(practice)

    report = reconciliation(practice.settings, practice.stores).sweep(date(2025, 1, 28))
    practice.runner.pump()

    by_trace = {m["trace_number"]: m for m in report["matched"]}
    assert by_trace["0123456789"]["confidence"] == "exact"
    assert by_trace["00045321"]["confidence"] == "probable"  # the 50.00 check, deposited without a trace
    assert [e["trace_number"] for e in report["eras_without_deposit"]] == ["00044100"]
    assert [d["amount"] for d in report["deposits_without_era"]] == ["1200.00"]
    types = sorted(f["type"] for f in practice.followups() if f["type"].endswith(("deposit", "era")))
    assert types == ["deposit_without_era", "era_without_deposit"]
    s3 = practice.stores.inbox.client
    stored = json.loads(
        s3.get_object(Bucket=practice.stack.inbox_bucket, Key="reports/reconciliation/2025-01-28.json")["Body"].read()
    )
    assert stored["totals"] == report["totals"]
    csv = s3.get_object(Bucket=practice.stack.inbox_bucket, Key="reports/reconciliation/2025-01-28.csv")["Body"]
    assert b"0123456789" in csv.read()


def test_the_sweep_twice_raises_each_follow_up_once(practice: Harness) -> None:
    ingest_deposits(practice)
    sweeper = reconciliation(practice.settings, practice.stores)

    sweeper.sweep(date(2025, 1, 28))
    sweeper.sweep(date(2025, 1, 29))
    practice.runner.pump()

    followups = practice.followups()
    assert [f["type"] for f in followups] == ["deposit_without_era"] * 3  # 319.50, 1,200.00 and 50.00, once each
    assert sorted(f["amount"] for f in followups) == [Decimal("50.00"), Decimal("319.50"), Decimal("1200.00")]


def test_a_trace_with_another_amount_is_an_amount_mismatch(practice: Harness) -> None:
    ingest_remittance(practice, ACME, ACME_FILE)
    short = BAI.read_text().replace("16,165,31950,", "16,165,31900,").replace("49,2455850,5/", "49,2455800,5/")
    short = short.replace("98,2455850,1,7/", "98,2455800,1,7/").replace("99,4777250,2,15/", "99,4777200,2,15/")
    short = short.replace(
        "03,000123456789,USD,010,1000000,,,015,1151950,,,100,151950",
        "03,000123456789,USD,010,1000000,,,015,1151900,,,100,151900",
    )

    ingest_deposits(practice, body=short.encode())
    practice.runner.pump()

    assert matched(practice) == []
    (mismatch,) = [f for f in practice.followups() if f["type"] == "amount_mismatch"]
    assert mismatch["amount"] == Decimal("-0.50")


def test_an_amount_mismatch_that_a_later_deposit_settles_is_closed_by_the_sweep(
    practice: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    test_a_trace_with_another_amount_is_an_amount_mismatch(practice)  # 319.00 deposited for 319.50
    sweeper = reconciliation(practice.settings, practice.stores)
    assert sweeper.sweep(date(2025, 1, 17))["mismatches_closed"] == 0  # both still wait: it stays open
    (mismatch,) = [f for f in practice.followups() if f["type"] == "amount_mismatch"]

    # The bank sends the other 0.50 the next day, without a trace: the two deposits pay the ERA.
    service = deposit_ingest(practice.settings, practice.stores)
    service.csv_layouts = {"lakeside-credit-union": LAKESIDE_CSV}
    key = "deposits/lakeside-credit-union/2025-01-17.csv"
    practice.upload(key, b"Posted On;Amt;Narrative;Bank Ref\n01/17/2025;0,50;ACME HEALTH PLAN REMAINDER;REF-3\n")
    service.ingest(key)
    (found,) = matched(practice)
    assert found["era_amount"] == Decimal("319.50") and len(found["deposit_ids"]) == 2

    report = sweeper.sweep(date(2025, 1, 28))

    assert report["mismatches_closed"] == 1
    assert [f["type"] for f in practice.followups() if f["type"] == "amount_mismatch"] == []
    closed = practice.worklist.work_item(mismatch["pk"])
    assert closed is not None and closed.resolution is not None
    assert (closed.followup.status.value, closed.resolution.value) == ("resolved", "no_action")
    assert closed.resolved_by == "remitflow reconciliation sweep"
    assert closed.note is not None and closed.note.startswith("settled by a later match of ERA ")
    assert [entry.action for entry in closed.history] == ["resolved"]
    show_report(report, as_json=False)  # what `remitflow recon sweep` prints
    assert capsys.readouterr().out.splitlines()[-1].split() == ["amount", "mismatches", "closed", "1"]
    assert sweeper.sweep(date(2025, 1, 29))["mismatches_closed"] == 0


def test_an_unreadable_bank_file_is_a_follow_up(practice: Harness) -> None:
    summary = ingest_deposits(practice, key="deposits/statement.pdf", body=b"%PDF-1.7 \x00\x01 binary")
    practice.runner.pump()

    assert summary.unreadable
    (followup,) = practice.followups()
    assert followup["type"] == "unreadable_file" and followup["detail"]["file"] == "deposits/statement.pdf"


def test_a_bank_folder_is_read_with_its_own_csv_layout(practice: Harness) -> None:
    ingest_remittance(practice, ACME, ACME_FILE)
    export = (
        "Posted On;Amt;Narrative;Bank Ref\n"
        "01/16/2025;319,50;ACME HEALTH PLAN HCCLAIMPMT TRN*1*0123456789*1411289245\\;REF-1\n"
        "01/17/2025;-12,00;WIRE FEE;REF-2\n"
    )
    service = deposit_ingest(practice.settings, practice.stores)
    service.csv_layouts = {"lakeside-credit-union": LAKESIDE_CSV}
    key = "deposits/lakeside-credit-union/2025-01-17.csv"
    practice.upload(key, export.encode())

    summary = service.ingest(key)

    assert (summary.deposits, summary.debits_and_returns, summary.problems) == (1, 1, [])
    (found,) = matched(practice)
    assert (found["trace_number"], found["deposit_amount"]) == ("0123456789", Decimal("319.50"))


def test_an_era_with_an_unknown_payment_method_posts_and_says_it_cannot_be_matched(practice: Harness) -> None:
    wire = ACME_FILE.read_text().replace("BPR*I*319.50*C*ACH*", "BPR*I*319.50*C*WIRE*")

    ingest_remittance(practice, "remittances/wire.835", wire.encode())
    practice.runner.pump()

    claim = practice.claims.get("PCN1001")
    assert claim is not None and claim.insurance_paid == Decimal("160.00")  # posted all the same
    (followup,) = [f for f in practice.followups() if f["type"] == "import_error"]
    assert "BPR04 payment method 'WIRE'" in followup["detail"]["reason"]
    assert practice.stores.reconciliation.open_items()[0] == []
