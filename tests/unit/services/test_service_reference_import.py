"""ReferenceImport on the in-memory fakes: good rows load, every bad row is listed in one follow-up."""

from __future__ import annotations

from decimal import Decimal

from tests.unit.services.practice import CLAIMS_FILE, Practice

HEADER = CLAIMS_FILE.decode().splitlines(keepends=True)[0]
KEY = "claims/lakeside-2025-02.csv"


def test_claims_and_fee_schedules_load(practice: Practice) -> None:
    practice.load_reference_data()

    assert sorted(practice.claims.claims) == ["PCN1001", "PCN1002", "PCN1003", "PCN1005", "PCN2001", "PCN2002"]
    claim = practice.claims.get("PCN1001")
    assert claim is not None and (claim.charge_amount, len(claim.lines), claim.version) == (Decimal("250.00"), 2, 1)
    fees = practice.remittances.fee_schedule("1411289245")
    assert fees.allowed("1411289245", "97110", ["GP"]) == Decimal("32.00")
    assert practice.queue.sent == []
    assert practice.inbox.summaries["claims/lakeside-open-claims-2025-01.csv"]["loaded"] == 6


def test_a_bad_row_is_listed_in_one_follow_up_and_the_other_claims_load(practice: Practice) -> None:
    rows = [
        "PCN3001,1,ACC-7001,1411289245,Mia Wong,2025-02-03,99213,,1,120.00,PCN3001-1,\n",
        "PCN3002,1,ACC-7002,1411289245,Sam Ito,2025-02-04,99214,,1,one hundred,PCN3002-1,\n",
    ]

    summary = practice.import_file(KEY, (HEADER + "".join(rows)).encode())

    assert sorted(practice.claims.claims) == ["PCN3001"]
    (followup,) = practice.queue.sent
    assert followup.type.value == "import_error" and followup.id == summary.followup_id
    problems = followup.detail["problems"]
    assert {p["row"] for p in problems} == {3}  # the header is row 1
    assert any(p["column"] == "charge_amount" for p in problems)
    assert practice.inbox.summaries[KEY]["rejected_rows"] == 1


def test_a_claim_imported_again_keeps_its_balances_and_moves_its_version(loaded: Practice) -> None:
    loaded.post()
    posted = loaded.claims.get("PCN1001")
    assert posted is not None

    loaded.import_file("claims/lakeside-open-claims-2025-01-again.csv", CLAIMS_FILE)

    claim = loaded.claims.get("PCN1001")
    assert claim is not None and claim.insurance_paid == posted.insurance_paid == Decimal("160.00")
    assert claim.version == posted.version + 1  # a posting decided on the old lines decides again


def test_a_spreadsheet_export_in_windows_1252_is_read_as_such(practice: Practice) -> None:
    row = "PCN3003,1,ACC-7003,1411289245,Zoë Müller,2025-02-05,99213,,1,120.00,PCN3003-1,\n"

    summary = practice.import_file(KEY, (HEADER + row).encode("cp1252"))

    claim = practice.claims.get("PCN3003")
    assert summary.encoding == "cp1252" and claim is not None and claim.patient_name == "Zoë Müller"


def test_a_file_outside_the_import_folders_is_a_follow_up_and_loads_nothing(practice: Practice) -> None:
    summary = practice.import_file("payers/list.csv", b"payer_id\n1411289245\n")

    (followup,) = practice.queue.sent
    assert (
        followup.type.value == "unreadable_file" and "not under claims/ or fee-schedules/" in followup.detail["reason"]
    )
    assert (summary.loaded, practice.claims.claims) == (0, {})
