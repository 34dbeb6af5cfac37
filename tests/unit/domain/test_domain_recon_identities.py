"""The identities reconciliation keys on: a stored match read back whatever fields it lacks, one bank
transaction whatever file or format reported it, the waiting follow-up of an item; and a resolved
item in the report."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from tests.unit.domain.recon_items import NOW, THU, dep, era

from remitflow.bank.models import BankFormat, BankTransaction, Direction
from remitflow.domain.matching import match
from remitflow.domain.recon_followups import overdue, waiting_followup_id
from remitflow.domain.recon_models import StoredMatch, bank_reference_identity
from remitflow.domain.recon_report import ResolvedItem, reconciliation_report, report_csv


def test_a_stored_match_reads_back_without_the_fields_a_store_leaves_out() -> None:
    stored = StoredMatch.model_validate(
        {
            "pk": "RECON#MATCHED",
            "sk": "m1",
            "kind": "match",
            "match_id": "m1",
            "era_ids": ["A", "B"],
            "deposit_ids": ["D"],
            "confidence": "probable",
            "era_amount": Decimal("100.00"),
            "deposit_amount": Decimal("100.00"),
            "eras": [
                {
                    "era_id": "A",
                    "payer_id": "P",
                    "trace_number": "1",
                    "amount": Decimal("40"),
                    "method": "ACH",
                    "source": "a.835",
                }
            ],
            "deposits": [{"deposit_id": "D", "amount": Decimal("100"), "booking_date": "2025-08-28", "source": "b"}],
        }
    )
    assert (stored.trace_number, stored.rule, stored.posted) == (None, "", {})
    assert stored.match.era_ids == ("A", "B") and stored.match.trace_number is None
    assert stored.eras[0].payment_date is None and stored.deposits[0].trace_number is None


def credit(
    account: str | None, reference: str | None, *, booked: date = THU, fmt: BankFormat = BankFormat.BAI2
) -> BankTransaction:
    return BankTransaction(
        transaction_id=f"{fmt}-{account}-{reference}",
        source=f"deposits/x.{fmt}",
        format=fmt,
        account_number=account,
        amount=Decimal("10.00"),
        direction=Direction.CREDIT,
        credit=True,
        booking_date=booked,
        bank_reference=reference,
    )


def test_one_bank_transaction_whatever_file_or_format_reported_it() -> None:
    bai = bank_reference_identity(credit("4477120093", "RB1"))
    assert bai is not None
    assert bank_reference_identity(credit("0004477120093", " rb1 ", fmt=BankFormat.CAMT053)) == bai
    assert bank_reference_identity(credit("4477-1200-93", "RB1", fmt=BankFormat.CSV)) == bai
    assert bank_reference_identity(credit("4477120094", "RB1")) != bai  # another account
    assert bank_reference_identity(credit("4477120093", "RB2")) != bai  # another reference
    assert bank_reference_identity(credit("4477120093", "RB1", booked=date(2025, 8, 29))) != bai  # another day
    assert bank_reference_identity(credit("4477120093", None)) is None
    assert bank_reference_identity(credit("4477120093", "  ")) is None


def test_the_waiting_follow_up_id_is_the_one_the_sweep_raises() -> None:
    late_era, late_deposit = era("A", "50.00", paid=date(2025, 8, 1)), dep("D", "70.00", booked=date(2025, 8, 1))
    raised = overdue([late_era], [late_deposit], today=THU, now=NOW, source="sweep")
    assert [f.id for f in raised] == [waiting_followup_id(late_era), waiting_followup_id(late_deposit)]


def test_a_resolved_item_leaves_the_unmatched_lists_and_totals_for_the_resolved_section() -> None:
    eras = [era("A", "50.00", paid=date(2025, 8, 1)), era("B", "20.00", paid=date(2025, 8, 1))]
    deposits = [dep("D", "99.00", booked=date(2025, 8, 1), trace="X")]
    resolved = {
        "A": ResolvedItem(
            followup_id="f1",
            followup_type="era_without_deposit",
            resolution="payer_contacted",
            resolved_by="ana",
            resolved_at=datetime(2025, 8, 27, 15, 0, tzinfo=UTC),
        )
    }

    report = reconciliation_report(eras, deposits, match(eras, deposits), as_of=THU, resolved=resolved)

    assert [e["era_id"] for e in report["eras_without_deposit"]] == ["B"]
    assert report["resolved"] == [
        {
            "side": "era",
            "era_id": "A",
            "trace_number": "TRA",
            "amount": "50.00",
            "payer_id": "1411289245",
            "date": "2025-08-01",
            "followup_id": "f1",
            "followup_type": "era_without_deposit",
            "resolution": "payer_contacted",
            "resolved_by": "ana",
            "resolved_at": "2025-08-27T15:00:00+00:00",
        }
    ]
    totals = report["totals"]
    assert (totals["unmatched_era_total"], totals["resolved_era_total"], totals["resolved_deposit_total"]) == (
        "20.00",
        "50.00",
        "0.00",
    )
    assert totals["era_total"] == "70.00"  # still an ERA of the day, only no longer waiting for anyone
    assert "resolved_era,,TRA,A," in report_csv(report)
