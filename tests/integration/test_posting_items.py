"""How postings and claims are kept in ClaimsTable, on moto: a posting's ledger entries and ERA
figures, and a claim's lines, as JSON text (exact to the cent, negative and zero amounts too); items
stored before as lists and maps still read the same; a posting over the item budget split into
parts reads back whole."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from tests.integration.conftest import Harness

from remitflow.adapters.dynamodb import keys
from remitflow.adapters.dynamodb.claims import era_line
from remitflow.adapters.dynamodb.shared import ITEM_SIZE_LIMIT, item_size, plain, query, to_dynamo
from remitflow.domain.claims import Claim, ClaimLine
from remitflow.domain.errors import AlreadyPosted
from remitflow.domain.followups import FollowupType, new_followup
from remitflow.domain.ledger import EntryKind, LedgerEntry
from remitflow.domain.posting import ClaimPaymentFigures, Outcome, PostingDecision, RemittanceRef
from remitflow.runtime import search_store
from remitflow.services.ports import RemittanceKey
from remitflow.x12.models import Adjustment

NOW = datetime(2025, 2, 3, 9, 30, tzinfo=UTC)
REMITTANCE = RemittanceRef(
    payer_id="1411289245",
    trace_number="ITEMS1",
    payment_date=date(2025, 2, 1),
    source_key="remittances/items.835",
    payment_amount="1234567.89",
)
ERA_ID = RemittanceKey("1411289245", "ITEMS1", Decimal("1234567.89"), date(2025, 2, 1)).era_id


def entry(n: int, kind: EntryKind, amount: str, **fields: Any) -> LedgerEntry:
    return LedgerEntry(entry_id=f"E{n}", posting_id="P1", claim_id="PCN1", kind=kind, amount=Decimal(amount), **fields)


EVERY_KIND = [
    entry(0, EntryKind.PAYMENT, "1234567.89", line_number=1, procedure_code="99213"),
    entry(1, EntryKind.CONTRACTUAL_ADJUSTMENT, "0.01", group="CO", reason="45", quantity=Decimal("2.5"), line_number=1),
    entry(2, EntryKind.OTHER_ADJUSTMENT, "0.00", group="OA", reason="23"),  # a zero triplet is kept
    entry(3, EntryKind.PATIENT_RESPONSIBILITY, "-20.10", group="PR", reason="2", note="café: ½ the coinsurance"),
    entry(4, EntryKind.WRITE_OFF, "15.50", note="small balance"),
    entry(5, EntryKind.PATIENT_WRITE_OFF, "3.33"),
    entry(6, EntryKind.PRIOR_PAYER, "99.99", group="OA", reason="23"),
    entry(7, EntryKind.PAYMENT, "-1234567.89", reverses="E0", note="claim-level correction"),
]


def decision(entries: list[LedgerEntry], *, claim_id: str = "PCN1", posting_id: str = "P1") -> PostingDecision:
    followup = new_followup(
        FollowupType.UNDERPAID,
        key=(posting_id,),
        created_at=NOW,
        source=REMITTANCE.source_key,
        claim_id=claim_id,
        payer_id=REMITTANCE.payer_id,
        amount=Decimal("0.01"),
        detail={"reason": "short by a cent"},
    )
    return PostingDecision(
        posting_id=posting_id,
        claim_id=claim_id,
        remittance=REMITTANCE,
        payer_claim_control_number="CCN1",
        status_code="1",
        outcome=Outcome.POSTED,
        entries=entries,
        posted_payment=Decimal("0.00"),
        figures=ClaimPaymentFigures(
            segment_number=17,
            charge_amount=Decimal("1234600.00"),
            paid_amount=Decimal("1234567.89"),
            patient_responsibility=Decimal("0.00"),
            adjustments=[
                Adjustment(group="CO", reason="45", amount=Decimal("-0.01")),
                Adjustment(group="PR", reason="2", amount=Decimal("32.10"), quantity=Decimal("1")),
            ],
        ),
        claim=None,  # held as unknown: the transaction checks the claim is still absent
        followups=[followup],
        unapplied_cash=Decimal("0.10"),
    )


def stored_items(harness: Harness, claim_id: str) -> list[dict[str, Any]]:
    partition = {":pk": keys.claim_partition(claim_id)}
    return list(query(harness.clients.dynamodb, harness.claims.table, "pk = :pk", partition, consistent=True))


def test_every_kind_of_entry_round_trips_exact_to_the_cent(harness: Harness) -> None:
    posted = decision(EVERY_KIND)

    harness.claims.commit(posted, unapplied_table=harness.remittances.table, recorded_at=NOW)

    (stored,) = harness.claims.postings("PCN1")
    assert stored.record == posted.record()  # every field, every entry, in order
    amounts = [e.amount for e in stored.record.entries]
    assert amounts == [e.amount for e in EVERY_KIND] and str(amounts[2]) == "0.00" and str(amounts[3]) == "-20.10"
    assert stored.record.entries[1].quantity == Decimal("2.5")
    assert stored.record.figures is not None and stored.record.figures.adjustments[0].amount == Decimal("-0.01")
    assert (stored.followups, stored.unapplied_cash) == (posted.followups, Decimal("0.10"))
    # One text attribute each: no list of maps left to encode and decode.
    (item,) = [i for i in stored_items(harness, "PCN1") if i.get("kind") == "posting"]
    assert isinstance(item["entries_json"], str) and isinstance(item["figures"], str) and "entries" not in item
    assert '"amount":"-20.10"' in item["entries_json"]  # money as exact decimal text, never a float
    # The ERA view reads the figures from the index as a map, as before.
    (line,), _ = harness.claims.era_lines(ERA_ID, limit=10, cursor=None)
    assert line["figures"]["paid_amount"] == Decimal("1234567.89") and line["figures"]["segment_number"] == 17
    assert [a["amount"] for a in line["figures"]["adjustments"]] == [Decimal("-0.01"), Decimal("32.10")]


def test_a_posting_stored_before_entries_were_text_reads_the_same(harness: Harness) -> None:
    """Items already in the table keep their lists and maps: no migration."""
    old = decision(EVERY_KIND, claim_id="PCNOLD", posting_id="POLD")
    item = (  # what the writer stored before: every field as an attribute, entries a list of maps
        keys.posting("PCNOLD", "POLD")
        | {"kind": "posting"}
        | plain(old.record().model_dump())
        | {"followups_json": "[]", "unapplied_cash": Decimal("0.10"), "recorded_at": NOW.isoformat()}
        | era_line(old)
    )
    harness.clients.dynamodb.put_item(TableName=harness.claims.table, Item=to_dynamo(item))

    (stored,) = harness.claims.postings("PCNOLD")
    assert stored.record == old.record()
    claims, postings = harness.claims.read([("PCNOLD", "POLD")])
    assert claims == {} and postings["POLD"].record == old.record()
    (line,), _ = harness.claims.era_lines(ERA_ID, limit=10, cursor=None)
    assert line["figures"]["paid_amount"] == Decimal("1234567.89")


def test_a_posting_split_over_parts_before_entries_were_text_reads_back_whole(harness: Harness) -> None:
    old = decision(EVERY_KIND, claim_id="PCNOLD", posting_id="POLD")
    fields = plain(old.record().model_dump())
    entries = fields.pop("entries")
    posting = keys.posting("PCNOLD", "POLD") | {"kind": "posting", "parts": 2} | fields
    posting |= {"followups_json": "[]", "unapplied_cash": Decimal("0.10"), "recorded_at": NOW.isoformat()}
    parts = [
        keys.posting_part("PCNOLD", "POLD", n) | {"kind": "posting_part", "posting_id": "POLD", "part": n}
        for n in (1, 2)
    ]
    for item in [posting, parts[0] | {"entries": entries[:5]}, parts[1] | {"entries": entries[5:]}]:
        harness.clients.dynamodb.put_item(TableName=harness.claims.table, Item=to_dynamo(item))

    (stored,) = harness.claims.postings("PCNOLD")
    assert stored.record == old.record()


def test_a_posting_over_the_item_budget_splits_its_text_and_reads_back_whole(harness: Harness) -> None:
    # 3,000 entries with long notes (non-ASCII too): about 1.3 MB of JSON, four items or more.
    note = "service line matched by date and units, modifiers differ — " * 4
    many = [
        entry(n, EntryKind.PAYMENT if n % 2 else EntryKind.CONTRACTUAL_ADJUSTMENT, f"{n}.{n % 100:02d}", note=note)
        for n in range(3000)
    ]
    big = decision(many, claim_id="PCNBIG", posting_id="PBIG")

    harness.claims.commit(big, unapplied_table=harness.remittances.table, recorded_at=NOW)
    with pytest.raises(AlreadyPosted):  # exactly once: the posting's condition guards its parts too
        harness.claims.commit(big, unapplied_table=harness.remittances.table, recorded_at=NOW)

    items = stored_items(harness, "PCNBIG")
    parts = [item for item in items if item.get("kind") == "posting_part"]
    assert len(parts) >= 4 and all("entries_json" in part for part in parts)
    assert all(item_size(to_dynamo(item)) < ITEM_SIZE_LIMIT for item in items)
    (stored,) = harness.claims.postings("PCNBIG")
    assert stored.record == big.record()
    _, postings = harness.claims.read([("PCNBIG", "PBIG")])
    assert postings["PBIG"].record.entries == many


# -- the claim item: its lines as JSON text ---------------------------------------------------------

LINES = [
    ClaimLine(
        line_number=1,
        procedure_code="99213",
        modifiers=["25", "GT"],
        service_date=date(2025, 1, 2),
        units=Decimal("2.5"),
        charge_amount=Decimal("1234.56"),
        line_control_number="PCNL-1",
        expected_allowed=Decimal("0.01"),
    ),
    ClaimLine(line_number=2, procedure_code="97110", service_date=date(2025, 1, 3), charge_amount=Decimal("0.00")),
]
CLAIM = Claim(claim_id="PCNL", account_id="ACC-L", payer_id="1411289245", lines=LINES, charge_amount=Decimal("1234.56"))


def claim_item_of(harness: Harness, claim_id: str) -> dict[str, Any]:
    (item,) = [i for i in stored_items(harness, claim_id) if i["sk"] == keys.claim(claim_id)["sk"]]
    return item


def test_a_claim_keeps_its_lines_as_text_and_reads_them_back_exact(harness: Harness) -> None:
    harness.claims.import_claim(CLAIM)

    item = claim_item_of(harness, "PCNL")
    assert isinstance(item["lines_json"], str) and "lines" not in item
    claim = harness.claims.get("PCNL")
    assert claim is not None and claim.lines == LINES and claim.version == 1
    assert harness.claims.claims(["PCNL"])["PCNL"].lines == LINES
    assert search_store(harness.settings, harness.stores).claims(["PCNL"])[0].lines == LINES
    (listed,), _ = search_store(harness.settings, harness.stores).claims_page(account_id="ACC-L", limit=10)
    assert listed.lines == LINES
    # A posting rewrites the claim whole: its lines stay text.
    posted = decision([], claim_id="PCNL", posting_id="PL1").model_copy(
        update={"claim": claim.model_copy(update={"version": 2, "posting_ids": ["PL1"]})}
    )
    harness.claims.commit(posted, unapplied_table=harness.remittances.table, recorded_at=NOW)
    assert isinstance(claim_item_of(harness, "PCNL")["lines_json"], str)
    again = harness.claims.get("PCNL")
    assert again is not None and again.lines == LINES and again.posting_ids == ["PL1"]


def test_a_claim_stored_before_lines_were_text_reads_the_same_and_an_import_rewrites_them(harness: Harness) -> None:
    fields = plain(CLAIM.model_dump(exclude={"insurance_balance", "patient_balance"}))
    item = keys.claim("PCNL") | {"kind": "claim"} | fields | {"version": 1}
    harness.clients.dynamodb.put_item(TableName=harness.claims.table, Item=to_dynamo(item))

    claim = harness.claims.get("PCNL")
    assert claim is not None and claim.lines == LINES
    assert search_store(harness.settings, harness.stores).claims(["PCNL"])[0].lines == LINES

    harness.claims.import_claim(CLAIM.model_copy(update={"lines": LINES[:1]}))  # the billing system dropped one

    item = claim_item_of(harness, "PCNL")
    assert "lines" not in item and isinstance(item["lines_json"], str)
    refreshed = harness.claims.get("PCNL")
    assert refreshed is not None and refreshed.lines == LINES[:1] and refreshed.version == 2
