"""WorklistApi on moto: money in the digits of another script is a 400 naming the field, never an amount.

Acceptance testing wrote off "3.00" in Arabic-Indic digits (U+0663 U+0660 U+0660) as 3.00:
`\\d` and Decimal() both take them.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.integration.test_worklist_api import Queue, balance, call, queue  # noqa: F401  (queue: the fixture)


@pytest.mark.parametrize("amount", ["٣.٠٠", "２０.００", "2٠.00"])
def test_a_write_off_amount_in_other_digits_is_400_naming_amount_and_writes_nothing(queue: Queue, amount: str) -> None:  # noqa: F811
    body = {"resolution": "written_off", "write_off_reason": "past timely filing", "amount": amount, "note": "n"}
    reply = call(queue.harness, "POST", f"/api/followups/{queue.denied}/resolve", body=body)
    assert reply.status == 400, reply.body
    assert reply.body["message"].startswith("amount: "), reply.body
    assert "ASCII digits" in reply.body["message"]
    assert queue.harness.worklist.get(queue.denied)["status"] == "open"  # type: ignore[index]
    assert balance(queue.harness, "PCN1002") == Decimal("120.00")


@pytest.mark.parametrize("field", ["min_amount", "max_amount"])
def test_a_list_filter_in_other_digits_is_400_naming_the_parameter(queue: Queue, field: str) -> None:  # noqa: F811
    reply = call(queue.harness, "GET", "/api/followups", query={field: "１００"})
    assert reply.status == 400, reply.body
    assert reply.body["message"].startswith(f"{field}: "), reply.body
