"""A follow-up too large for a queue message is cut to fit, says what it cut, and keeps its id."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from remitflow.adapters.sqs import ATTRIBUTES_ALLOWANCE, MESSAGE_LIMIT, _batches
from remitflow.domain.followup_size import CUT_MARK, fit
from remitflow.domain.followups import Followup, FollowupType, new_followup

LIMIT = 256 * 1024 - 1024


def followup(detail: dict[str, Any]) -> Followup:
    return new_followup(
        FollowupType.CLAIM_NOT_FOUND,
        key=("posting", "P1"),
        created_at=datetime(2025, 2, 1, tzinfo=UTC),
        source="remittances/big.835",
        claim_id="PCN1",
        amount=Decimal("8000.00"),
        detail=detail,
    )


def lines(n: int) -> list[dict[str, Any]]:
    return [{"segment_number": 11 + 4 * i, "procedure_code": "99213", "charge_amount": "10.00"} for i in range(n)]


def size(f: Followup) -> int:
    return len(f.model_dump_json().encode())


def test_a_follow_up_that_fits_is_sent_as_it_is() -> None:
    small = followup({"reason": "no claim", "claim_payment": {"segment_number": 9, "service_lines": lines(3)}})
    assert fit(small, LIMIT) is small


def test_the_longest_list_is_cut_to_its_first_entries_with_a_note_and_the_id_is_kept() -> None:
    big = followup(
        {
            "reason": "no claim with this patient control number",
            "claim_payment": {"segment_number": 9, "service_lines": lines(6_000), "adjustments": lines(40)},
        }
    )
    assert size(big) > LIMIT

    cut = fit(big, LIMIT)

    assert size(cut) <= LIMIT and size(cut) > LIMIT * 0.9  # cut to fit, not far below
    assert (cut.id, cut.amount, cut.claim_id) == (big.id, big.amount, big.claim_id)
    kept = cut.detail["claim_payment"]["service_lines"]
    assert kept == lines(6_000)[: len(kept)]  # the first lines, whole
    assert cut.detail["claim_payment"]["adjustments"] == lines(40)  # the short list untouched
    assert cut.detail["trimmed"]["lists"] == {"claim_payment.service_lines": {"shown": len(kept), "of": 6_000}}
    assert cut.detail["trimmed"]["note"].endswith(
        f"{len(kept)} of 6000 service lines are shown; the whole claim payment is in remittances/big.835, "
        "from segment 9"
    )
    assert big.detail["claim_payment"]["service_lines"] == lines(6_000)  # the original is not changed


def test_text_longer_than_any_835_element_is_cut_first() -> None:
    big = followup({"reason": "no claim", "claim_payment": {"patient": {"last_name": "Q" * 500_000}}})
    cut = fit(big, LIMIT)
    name = cut.detail["claim_payment"]["patient"]["last_name"]
    assert name == "Q" * 1_000 + CUT_MARK and "trimmed" not in cut.detail


def test_a_request_carries_at_most_ten_messages_and_256_kib() -> None:
    bodies = [(followup({"n": str(n)}), "x" * 100_000) for n in range(5)] + [
        (followup({"n": str(n)}), "y") for n in range(5, 20)
    ]
    batches = _batches(bodies)
    assert [len(b) for b in batches] == [2, 2, 10, 6]
    for batch in batches:
        assert sum(len(body) + ATTRIBUTES_ALLOWANCE for _, body in batch) <= MESSAGE_LIMIT
    assert [f for batch in batches for f, _ in batch] == [f for f, _ in bodies]  # in order, none lost
