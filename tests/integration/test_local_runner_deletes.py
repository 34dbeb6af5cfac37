"""The local runner deletes what a function handled ten messages to a request, as Lambda's event
source mapping does, and never lets a refused delete pass silently (the message would come back)."""

from __future__ import annotations

from typing import Any

import pytest

from remitflow_local.runner import LocalRunner


class _Sqs:
    def __init__(self, refuse: set[str] | None = None) -> None:
        self.batches: list[list[str]] = []
        self.refuse = refuse or set()

    def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        self.batches.append([e["ReceiptHandle"] for e in Entries])
        failed = [
            {"Id": e["Id"], "Code": "ReceiptHandleIsInvalid", "Message": "gone", "SenderFault": True}
            for e in Entries
            if e["ReceiptHandle"] in self.refuse
        ]
        return {
            "Successful": [{"Id": e["Id"]} for e in Entries if e["ReceiptHandle"] not in self.refuse],
            "Failed": failed,
        }


def _runner(sqs: _Sqs) -> LocalRunner:
    runner = object.__new__(LocalRunner)  # only the SQS client matters to _delete
    runner.sqs = sqs
    return runner


def test_handled_messages_are_deleted_ten_to_a_request() -> None:
    sqs = _Sqs()
    messages = [{"ReceiptHandle": f"r{n}"} for n in range(23)]
    _runner(sqs)._delete("queue", messages)
    assert [len(batch) for batch in sqs.batches] == [10, 10, 3]
    assert [handle for batch in sqs.batches for handle in batch] == [f"r{n}" for n in range(23)]
    _runner(sqs)._delete("queue", [])
    assert len(sqs.batches) == 3  # nothing handled, no request


def test_a_refused_delete_is_an_error() -> None:
    sqs = _Sqs(refuse={"r4"})
    with pytest.raises(RuntimeError, match=r"refused to delete 1 handled message.*ReceiptHandleIsInvalid"):
        _runner(sqs)._delete("queue", [{"ReceiptHandle": f"r{n}"} for n in range(6)])
