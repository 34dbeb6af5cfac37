"""The rules behind "nothing too big stops a file" and "retries are normal", without AWS: the amount
length rule of the reader, how a refused write is read, the backoff's bounds, the free-text cut."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from remitflow.adapters.dynamodb.claims import split_text
from remitflow.adapters.dynamodb.shared import Backoff, item_size, refusal, to_dynamo
from remitflow.domain.errors import StoreBusy, Unstorable
from remitflow.domain.followups import FREE_TEXT_LIMIT, truncated
from remitflow.x12.elements import BadElement, optional_amount
from remitflow.x12.values import ElementError, number, number_or_none


@pytest.mark.parametrize("value", ["9" * 18, "-" + "9" * 16 + ".99", "1234567890123456.78", ".000000000000000001"])
def test_an_amount_of_18_digits_reads_sign_and_point_not_counted(value: str) -> None:
    assert number(value) == Decimal(value)


@pytest.mark.parametrize("value", ["9" * 19, "1" * 38 + ".00", "-" + "9" * 17 + ".99"])
def test_a_longer_amount_is_an_element_error_saying_what_was_expected(value: str) -> None:
    assert number_or_none(value) is None  # the fast paths fall back to the full handlers
    with pytest.raises(ElementError, match="at most 18 digits"):
        number(value)
    with pytest.raises(BadElement) as raised:
        optional_amount(["CAS", "CO", "45", value], 3)
    assert (raised.value.element, raised.value.found) == ("CAS03", value)
    assert "X12 element 782" in raised.value.expected


def client_error(code: str, status: int = 400, reasons: list[str] | None = None, message: str = "") -> ClientError:
    response: dict[str, Any] = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    if reasons is not None:
        response["CancellationReasons"] = [{"Code": reason} for reason in reasons]
    return ClientError(response, "TransactWriteItems")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (client_error("TransactionCanceledException", reasons=["None", "TransactionConflict"]), StoreBusy),
        (client_error("ThrottlingException"), StoreBusy),
        (client_error("TransactionConflictException"), StoreBusy),
        (client_error("ProvisionedThroughputExceededException"), StoreBusy),
        (client_error("InternalServerError", status=500), StoreBusy),
        (client_error("ServiceUnavailable", status=503), StoreBusy),
        (client_error("ValidationException", message="Item size has exceeded the maximum allowed size"), Unstorable),
        (client_error("ValidationException", message="Transaction request cannot be larger than 4 MB"), Unstorable),
        (client_error("TransactionCanceledException", reasons=["ValidationError", "None"]), Unstorable),
        (client_error("ValidationException", message="Invalid UpdateExpression: Syntax error"), ClientError),
        (client_error("AccessDeniedException"), ClientError),
    ],
)
def test_a_refused_write_is_read_as_the_domain_error_it_means(error: ClientError, expected: type) -> None:
    result = refusal(error, "posting P1 on claim C1")
    assert type(result) is expected
    if expected is not ClientError:
        assert str(result).startswith("posting P1 on claim C1: ")


def test_a_conflict_past_the_retries_says_others_held_the_items() -> None:
    busy = refusal(client_error("TransactionCanceledException", reasons=["TransactionConflict"]), "x", attempts=4)
    assert isinstance(busy, StoreBusy) and busy.held_by_others and "4 attempts" in str(busy)
    throttled = refusal(client_error("ThrottlingException"), "x")
    assert isinstance(throttled, StoreBusy) and not throttled.held_by_others


def test_the_backoff_is_jittered_and_capped() -> None:
    backoff = Backoff(attempts=4, base=0.05, cap=0.5)
    delays = [backoff.delay(attempt) for attempt in range(1, 4) for _ in range(200)]
    assert all(0 <= delay <= 0.2 for delay in delays)
    assert len(set(delays)) > 100  # jittered, not a fixed schedule that keeps colliding
    assert max(Backoff(cap=0.5).delay(30) for _ in range(50)) <= 0.5


def test_item_size_counts_at_least_what_dynamodb_counts() -> None:
    item = to_dynamo({"pk": "CLAIM#1", "name": "é" * 10, "amount": Decimal("12.34"), "lines": [{"a": "b"}]})
    # pk: 2 + 7; name: 4 + 20 bytes; amount: 6 + digits; lines: 5 + a list holding a map
    assert item_size(item) >= 2 + 7 + 4 + 20 + 6 + 3 + 5 + 3
    assert item_size(to_dynamo({"s": "x" * 500_000})) > 400 * 1024


def test_long_free_text_is_cut_with_a_marker() -> None:
    assert truncated("RIVERA") == "RIVERA"
    cut = truncated("Q" * 500_000)
    assert cut.startswith("Q" * FREE_TEXT_LIMIT) and cut.endswith("[truncated: 500000 characters]")
    assert len(cut) < FREE_TEXT_LIMIT + 40


@pytest.mark.parametrize("text", ["", "a" * 10, "½" * 7, "a½€😀" * 50, "x" * 29 + "😀"])
def test_a_posting_text_is_split_within_the_byte_budget_never_inside_a_character(text: str) -> None:
    pieces = split_text(text, 30)
    assert "".join(pieces) == text
    assert all(0 < len(piece.encode()) <= 30 for piece in pieces)
