"""Nothing too big stops a file, on moto: a claim of a thousand lines posts (its posting split over
items, reassembled on read), an amount longer than the TR3 allows is a broken claim, a name of 500 KB
is cut, and what the store still cannot keep holds that claim's money while the rest of the file posts."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from tests.integration.conftest import Harness

from remitflow.adapters.dynamodb import keys
from remitflow.adapters.dynamodb.claims import ClaimsStore
from remitflow.adapters.dynamodb.shared import ITEM_SIZE_LIMIT, item_size, query, to_dynamo
from remitflow.domain.errors import Unstorable
from remitflow.domain.followups import Followup
from remitflow.domain.posting import PostingDecision
from remitflow.runtime import remittance_ingest
from remitflow.services.claim_view import claim_view

PAYER = "1411289245"
KEY = "remittances/limits.835"
ISA = "ISA*00*          *00*          *ZZ*PAYERCLEAR     *ZZ*LAKESIDEFM     *250201*0930*^*00501*000000301*0*P*:"
CSV_HEADER = "claim_id,line_number,account_id,payer_id,patient_name,service_date,procedure_code,modifiers,units,charge_amount,line_control_number,expected_allowed\n"  # noqa: E501


def claims_csv(claims: dict[str, int]) -> bytes:
    """Claims with `lines` lines of 10.00 each (99213 on 2025-01-02), line control numbers <claim>-<n>."""
    rows = [
        f"{claim},{n},ACC-{claim},{PAYER},Test Patient,2025-01-02,99213,,1,10.00,{claim}-{n},\n"
        for claim, lines in claims.items()
        for n in range(1, lines + 1)
    ]
    return (CSV_HEADER + "".join(rows)).encode()


def claim_segments(claim: str, lines: int, *, patient: str = "DOE", svc_cas: str = "2.00") -> tuple[list[str], str]:
    """A processed claim paying 8.00 of each 10.00 line (CO-45 2.00), and its CLP04."""
    paid = Decimal("8.00") * lines
    segments = [
        f"CLP*{claim}*1*{Decimal('10.00') * lines}*{paid}**12*C{claim}",
        f"NM1*QC*1*{patient}*ANA****MI*M{claim}",
    ]
    for n in range(1, lines + 1):
        segments += ["SVC*HC:99213*10.00*8.00**1", "DTM*472*20250102", f"CAS*CO*45*{svc_cas}", f"REF*6R*{claim}-{n}"]
    return segments, str(paid)


def an_835(claims: list[tuple[list[str], str]], *, trace: str = "LIM1") -> bytes:
    total = sum((Decimal(paid) for _, paid in claims), Decimal(0))
    body = [
        f"BPR*I*{total}*C*ACH*CCP*01*011000015*DA*123456789*{PAYER}**01*021000021*DA*987654321*20250201",
        f"TRN*1*{trace}*{PAYER}",
        "N1*PR*ACME HEALTH PLAN",
        "N1*PE*LAKESIDE FAMILY MEDICINE*XX*1234567893",
        "LX*1",
    ]
    for segments, _ in claims:
        body += segments
    return (
        "~\n".join(
            [
                ISA,
                "GS*HP*PAYERCLEAR*LAKESIDEFM*20250201*0930*301*X*005010X221A1",
                "ST*835*0001",
                *body,
                f"SE*{len(body) + 2}*0001",
                "GE*1*301",
                "IEA*1*000000301",
            ]
        )
        + "~\n"
    ).encode()


def paid_and_contractual(harness: Harness, claim_id: str) -> tuple[Decimal, Decimal]:
    claim = harness.claims.get(claim_id)
    assert claim is not None, claim_id
    return claim.insurance_paid, claim.contractual_adjustment


def claim_items(harness: Harness, claim_id: str) -> list[dict[str, Any]]:
    return list(
        query(
            harness.clients.dynamodb,
            harness.claims.table,
            "pk = :pk",
            {":pk": keys.claim_partition(claim_id)},
            consistent=True,
        )
    )


def transaction(harness: Harness, key: str = KEY) -> dict[str, Any]:
    (result,) = harness.summary(key)["transactions"]
    return dict(result)


@pytest.fixture
def imported(harness: Harness) -> Harness:
    harness.deliver("claims/limits.csv", claims_csv({"PCNA": 1, "PCNBIG": 1000, "PCNC": 2, "PCNX": 1}))
    assert not harness.followups()  # the claims loaded cleanly
    return harness


def test_a_thousand_line_claim_posts_once_split_over_items_and_reads_back_whole(imported: Harness) -> None:
    harness = imported
    body = an_835([claim_segments("PCNA", 1), claim_segments("PCNBIG", 1000), claim_segments("PCNC", 2)])

    harness.deliver(KEY, body)
    harness.deliver(KEY, body)  # the same file again (a redelivered event): nothing posts twice

    assert paid_and_contractual(harness, "PCNBIG") == (Decimal("8000.00"), Decimal("2000.00"))
    assert paid_and_contractual(harness, "PCNA") == (Decimal("8.00"), Decimal("2.00"))
    assert paid_and_contractual(harness, "PCNC") == (Decimal("16.00"), Decimal("4.00"))
    # Stored in more than one item (one would be over 400 KB), each within the limit.
    items = claim_items(harness, "PCNBIG")
    parts = [item for item in items if "#PART#" in item["sk"]]
    assert len(parts) >= 2
    assert all(item_size(to_dynamo(item)) < ITEM_SIZE_LIMIT for item in items)
    (posting,) = harness.claims.postings("PCNBIG")  # reassembled: one posting, every entry
    payments = [e for e in posting.record.entries if e.kind.value == "payment"]
    assert sorted(e.line_number for e in payments if e.line_number is not None) == list(range(1, 1001))
    assert sum((e.amount for e in payments), Decimal(0)) == Decimal("8000.00")
    assert posting.record.posted_payment == Decimal("8000.00")
    view = claim_view(harness.claims, "PCNBIG")  # the CLI's and the worklist's claim detail
    assert view is not None
    (viewed,) = view["postings"]
    assert len(viewed["entries"]) == len(posting.record.entries)
    totals = transaction(harness)
    assert (totals["posted_payment"], totals["unapplied_cash"], totals["money_accounted_for"]) == (
        "8024.00",
        "0.00",
        True,
    )
    assert harness.followups() == []


def test_an_amount_longer_than_the_tr3_allows_is_a_broken_claim_and_the_rest_posts(imported: Harness) -> None:
    harness = imported
    forty_digits = "1" * 38 + ".00"
    broken, _ = claim_segments("PCNX", 1, svc_cas=forty_digits)
    body = an_835([claim_segments("PCNA", 1), (broken, "8.00"), claim_segments("PCNC", 2)])

    harness.deliver(KEY, body)

    assert paid_and_contractual(harness, "PCNA") == (Decimal("8.00"), Decimal("2.00"))
    assert paid_and_contractual(harness, "PCNC") == (Decimal("16.00"), Decimal("4.00"))
    assert paid_and_contractual(harness, "PCNX") == (Decimal("0.00"), Decimal("0.00"))
    (followup,) = [f for f in harness.followups() if f["claim_id"] == "PCNX"]
    assert followup["amount"] == Decimal("8.00")  # its CLP04, held
    text = json.dumps(followup["detail"])
    assert "CAS03" in text and "at most 18 digits" in text  # which element, and what was expected
    totals = transaction(harness)
    assert (totals["posted_payment"], totals["unapplied_cash"], totals["money_accounted_for"]) == (
        "24.00",
        "8.00",
        True,
    )


def test_a_name_of_500_kb_on_an_unknown_claim_is_a_broken_claim_and_its_money_held(imported: Harness) -> None:
    harness = imported
    name = "Q" * 500_000
    unknown, _ = claim_segments("PCNUNKNOWN", 1, patient=name)
    body = an_835([claim_segments("PCNA", 1), (unknown, "8.00"), claim_segments("PCNC", 2)])

    harness.deliver(KEY, body)

    assert paid_and_contractual(harness, "PCNA") == (Decimal("8.00"), Decimal("2.00"))
    assert paid_and_contractual(harness, "PCNC") == (Decimal("16.00"), Decimal("4.00"))
    (followup,) = [f for f in harness.followups() if f["claim_id"] == "PCNUNKNOWN"]
    assert followup["amount"] == Decimal("8.00")
    stored = json.dumps(followup, default=str)
    assert len(stored) < 20_000 and "Q" * 1001 not in stored  # the name is never kept whole
    assert followup["type"] == "claim_not_found"  # held as unknown; applying it later reads it again
    problems = json.dumps(harness.summary(KEY), default=str)
    # Where, and what was expected: 500 KB is past the segment bound, not only the element bound.
    assert "(NM1): expected a segment terminator within 65,536 characters" in problems
    totals = transaction(harness)
    assert (totals["posted_payment"], totals["unapplied_cash"], totals["money_accounted_for"]) == (
        "24.00",
        "8.00",
        True,
    )


class Unkeepable(ClaimsStore):
    """Makes one claim's posting something DynamoDB cannot keep: a number of 40 digits in it, or an
    attribute of 450 KB on its claim item."""

    def __init__(self, store: ClaimsStore, claim_id: str, how: str) -> None:
        super().__init__(store.client, store.table)
        self.claim_id = claim_id
        self.how = how

    def commit(self, decision: PostingDecision, **kwargs: Any) -> None:
        super().commit(self._spoiled(decision), **kwargs)

    def commit_many(self, decisions: Sequence[PostingDecision], **kwargs: Any) -> list[Exception | None]:
        return super().commit_many([self._spoiled(d) for d in decisions], **kwargs)

    def _spoiled(self, decision: PostingDecision) -> PostingDecision:
        if decision.claim_id == self.claim_id and self.how == "number":
            # model_copy does not validate: the 40 digits reach the serializer as they are.
            return decision.model_copy(update={"unapplied_cash": Decimal("1" * 40)})
        return decision

    def posting_actions(self, decision: PostingDecision, *, recorded_at: datetime) -> Any:
        actions = super().posting_actions(decision, recorded_at=recorded_at)
        if decision.claim_id == self.claim_id and self.how == "size":
            actions[1]["Put"]["Item"]["padding"] = {"S": "P" * 450_000}
        return actions


@dataclass
class Recording:
    """The follow-up queue, keeping a copy of what is sent."""

    queue: Any
    sent: list[Followup]

    def send(self, followups: Sequence[Followup]) -> int:
        self.sent.extend(followups)
        return int(self.queue.send(followups))


@pytest.mark.parametrize("how", ["number", "size"])
def test_a_posting_the_store_cannot_keep_holds_its_money_and_the_rest_posts(imported: Harness, how: str) -> None:
    harness = imported
    harness.upload(KEY, an_835([claim_segments("PCNA", 1), claim_segments("PCNX", 1), claim_segments("PCNC", 2)]))
    ingest = remittance_ingest(harness.settings, harness.stores)
    ingest.worker.claims = Unkeepable(harness.claims, "PCNX", how)  # a file of one chunk posts in the ingest
    sent: list[Followup] = []
    ingest.worker.queue = Recording(ingest.worker.queue, sent)

    summary = ingest.ingest(KEY)

    assert paid_and_contractual(harness, "PCNA") == (Decimal("8.00"), Decimal("2.00"))
    assert paid_and_contractual(harness, "PCNC") == (Decimal("16.00"), Decimal("4.00"))
    assert paid_and_contractual(harness, "PCNX") == (Decimal("0.00"), Decimal("0.00"))
    assert harness.claims.postings("PCNX") == []
    (followup,) = [f for f in sent if f.claim_id == "PCNX"]
    assert (followup.type.value, followup.amount) == ("import_error", Decimal("8.00"))
    assert "could not be posted" in followup.detail["reason"] and "claim PCNX" in followup.detail["reason"]
    held = harness.remittances.unapplied(followup.id)
    assert held is not None and (held["amount"], held["status"]) == (Decimal("8.00"), "held")
    assert summary.transactions[0].outcomes == Counter({"posted": 2, "unstorable": 1})
    totals = transaction(harness)
    assert (totals["posted_payment"], totals["unapplied_cash"], totals["money_accounted_for"]) == (
        "24.00",
        "8.00",
        True,
    )


def test_the_serializer_refusing_a_number_is_unstorable_never_a_client_error(harness: Harness) -> None:
    with pytest.raises(Unstorable, match="'amount'") as raised:
        to_dynamo({"amount": Decimal("9" * 40)})
    assert "9999" not in str(raised.value)


def test_a_thousand_line_unknown_claim_reaches_the_worklist_once_its_lines_cut_with_a_note(
    imported: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Its CLAIM_NOT_FOUND would be about 560 KB of JSON: over SQS's 256 KiB and DynamoDB's 400 KB."""
    harness = imported
    body = an_835([claim_segments("PCNA", 1), claim_segments("PCNLOST", 1000, patient="ZZPATIENTNAME")])

    harness.deliver(KEY, body)
    harness.deliver(KEY, body)  # again: still one follow-up, the money held once

    (followup,) = [f for f in harness.followups() if f["claim_id"] == "PCNLOST"]
    assert followup["type"] == "claim_not_found" and followup["amount"] == Decimal("8000.00")
    trimmed = followup["detail"]["trimmed"]
    shown = trimmed["lists"]["claim_payment.service_lines"]
    assert shown["of"] == 1000 and 0 < shown["shown"] < 1000
    assert len(followup["detail"]["claim_payment"]["service_lines"]) == shown["shown"]  # the first ones, whole
    clp = followup["detail"]["claim_payment"]["segment_number"]
    assert followup["detail"]["claim_payment"]["service_lines"][0]["segment_number"] == clp + 2  # CLP, NM1, SVC
    assert f"{shown['shown']} of 1000 service lines are shown" in trimmed["note"]
    assert f"the whole claim payment is in {KEY}, from segment {clp}" in trimmed["note"]
    assert len(json.dumps(followup, default=str).encode()) <= 256 * 1024
    totals = transaction(harness)
    assert (totals["posted_payment"], totals["unapplied_cash"], totals["money_accounted_for"]) == (
        "8.00",
        "8000.00",
        True,
    )
    assert "ZZPATIENTNAME" not in caplog.text  # the name never reaches a log line
