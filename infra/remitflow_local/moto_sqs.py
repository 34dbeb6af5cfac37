"""What the local stack changes in moto's SQS so that a long queue costs per message, not per queue.

moto 5's ``receive_message`` checks each message it hands out against the queue's retention period
by asking ``get_queue_attributes`` for ``MessageRetentionPeriod``, which builds every attribute of
the queue, three times, including the three approximate message counts: each a pass over every
message in the queue. Receiving a queue of n messages therefore cost O(n²); the follow-up queue
holds a message per follow-up of a remittance file, so posting a large file slowed down with it.
And every ``Message`` moto creates (each one sent, and the copy made for each receive) stays
referenced from ``Message.instances_tracked`` (kept for moto's dashboard) until the mock stops.

``install()`` (called by ``deploy_local_stack``; idempotent) reads the retention period straight
from the queue (the attribute ``get_queue_attributes`` reads it from) and stops tracking messages.
It raises ``remitflow_local.moto_dynamodb.MotoInternalsChanged`` if moto no longer looks as assumed.

This module is dev-only: it is never shipped in the Lambda layer.
"""

from __future__ import annotations

import functools
import inspect
import threading
from typing import Any

import moto
from moto.core.common_models import BaseModel
from moto.core.utils import unix_time
from moto.sqs.models import Message, Queue, SQSBackend

from remitflow_local.moto_dynamodb import MotoInternalsChanged

__all__ = ["install", "installed"]

_INSTALL_LOCK = threading.Lock()
_MARK = "__remitflow_local_patch__"


def _is_message_valid_based_on_retention_period(self: SQSBackend, queue_name: str, message: Message) -> bool:
    """moto's check, reading ``queue.message_retention_period`` instead of building every attribute."""
    queue: Any = self.get_queue(queue_name)  # its attributes are set from the CamelCase names
    retention_period = queue.message_retention_period
    retain_until = retention_period + message.sent_timestamp / 1000  # type: ignore[operator]
    return bool(retain_until > unix_time())


def _untracked_new(cls: type[Message], *args: Any, **kwargs: Any) -> Message:
    """``BaseModel.__new__`` without the append to ``cls.instances_tracked``."""
    return object.__new__(cls)


def installed() -> bool:
    return bool(getattr(SQSBackend.is_message_valid_based_on_retention_period, _MARK, False))


def install() -> None:
    """Install the fix into this process's moto; idempotent and thread-safe."""
    with _INSTALL_LOCK:
        if installed():
            return
        _check_internals()
        original = SQSBackend.is_message_valid_based_on_retention_period
        patched = functools.wraps(original)(_is_message_valid_based_on_retention_period)
        setattr(patched, _MARK, True)
        SQSBackend.is_message_valid_based_on_retention_period = patched  # type: ignore[method-assign]
        Message.__new__ = staticmethod(_untracked_new)  # type: ignore[assignment, method-assign]
        tracked = getattr(Message, "instances_tracked", None)
        if isinstance(tracked, list):
            tracked.clear()


def _check_internals() -> None:
    problems: list[str] = []
    check = getattr(SQSBackend, "is_message_valid_based_on_retention_period", None)
    if check is None or list(inspect.signature(check).parameters) != ["self", "queue_name", "message"]:
        problems.append("SQSBackend.is_message_valid_based_on_retention_period(queue_name, message) is missing")
    try:
        queue: Any = Queue("remitflow-local-self-test", "us-east-1", "123456789012", MessageRetentionPeriod="60")  # type: ignore[abstract]
        if queue.attributes.get("MessageRetentionPeriod") != queue.message_retention_period:
            problems.append("Queue.message_retention_period is not the MessageRetentionPeriod attribute")
    except Exception as exc:  # anything moto raises here means it changed under us
        problems.append(f"a Queue cannot be made as expected: {type(exc).__name__}: {exc}")
    if Message.__new__ not in (BaseModel.__new__, _untracked_new):
        problems.append("moto.sqs Message no longer takes BaseModel.__new__ (the instance tracker)")
    if problems:
        raise MotoInternalsChanged(
            f"moto {moto.__version__} is not what remitflow_local.moto_sqs was written against (moto 5.2.5): "
            f"{'; '.join(problems)}. Review infra/remitflow_local/moto_sqs.py against this moto."
        )
