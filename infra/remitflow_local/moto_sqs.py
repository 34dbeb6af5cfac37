"""What the local stack changes in moto's SQS so that a long queue costs per message, not per queue.

moto 5's ``receive_message`` checks each message it hands out against the queue's retention period
by asking ``get_queue_attributes`` for ``MessageRetentionPeriod``, which builds every attribute of
the queue, three times, including the three approximate message counts: each a pass over every
message in the queue. Receiving a queue of n messages therefore cost O(n²); the follow-up queue
holds a message per follow-up of a remittance file, so posting a large file slowed down with it.
And every ``Message`` moto creates (each one sent, and the copy made for each receive) stays
referenced from ``Message.instances_tracked`` (kept for moto's dashboard) until the mock stops.

``send_message`` asks ``queue.attributes`` for ``ContentBasedDeduplication`` too, so sending n
messages to a queue that holds them cost O(n²) as well (the follow-up queue fills faster than the
runner drains it).

``install()`` (called by ``deploy_local_stack``; idempotent) reads the retention period and the
content-based deduplication straight from the queue (the attributes ``get_queue_attributes``
reads them from, rendered as it renders them) and stops tracking messages. ``send_message`` is
moto's (5.2.5) line for line but that one read; tests/integration/test_local_sqs.py pins the
moto source it mirrors.
It raises ``remitflow_local.moto_dynamodb.MotoInternalsChanged`` if moto no longer looks as assumed.

This module is dev-only: it is never shipped in the Lambda layer.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import string
import threading
from typing import Any

import moto
from moto.core.common_models import BaseModel
from moto.core.utils import unix_time
from moto.moto_api._internal import mock_random as random
from moto.sqs.exceptions import InvalidParameterValue
from moto.sqs.models import MAXIMUM_MESSAGE_DELAY, Message, Queue, SQSBackend

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


def content_based_deduplication(queue: Queue) -> Any:
    """``queue.attributes.get("ContentBasedDeduplication")`` without building every attribute.

    moto lists the FIFO attributes of a FIFO queue only, and renders a bool as "true"/"false".
    """
    if not queue.fifo_queue:
        return None
    value = getattr(queue, "content_based_deduplication", None)
    return str(value).lower() if isinstance(value, bool) else value


def _send_message(
    self: SQSBackend,
    queue_name: str,
    message_body: str,
    message_attributes: dict[str, Any] | None = None,
    delay_seconds: int | None = None,
    deduplication_id: str | None = None,
    group_id: str | None = None,
    system_attributes: dict[str, Any] | None = None,
    validate_group_id: bool = True,
) -> Message:
    """moto's ``SQSBackend.send_message`` (5.2.5), reading ``content_based_deduplication(queue)``."""
    queue = self.get_queue(queue_name)

    self._validate_message(
        queue,
        message_body=message_body,
        delay_seconds=int(delay_seconds or 0),
        deduplication_id=deduplication_id,
        group_id=group_id,
        validate_group_id=validate_group_id,
    )

    delay_seconds = int(delay_seconds) if delay_seconds is not None else queue.delay_seconds  # type: ignore[attr-defined]

    message_id = str(random.uuid4())
    message = Message(message_id, message_body, system_attributes)

    # if content based deduplication is set then set sha256 hash of the message
    # as the deduplication_id
    if content_based_deduplication(queue) == "true":
        sha256 = hashlib.sha256()
        sha256.update(message_body.encode("utf-8"))
        message.deduplication_id = sha256.hexdigest()

    # Attributes, but not *message* attributes
    if deduplication_id is not None:
        message.deduplication_id = deduplication_id
        message.sequence_number = "".join(random.choice(string.digits) for _ in range(20))

    if group_id is not None:
        message.group_id = group_id

    if message_attributes:
        message.message_attributes = message_attributes

    if delay_seconds > MAXIMUM_MESSAGE_DELAY:
        msg = (
            f"Value {delay_seconds} for parameter DelaySeconds is invalid. "
            "Reason: DelaySeconds must be >= 0 and <= 900."
        )
        raise InvalidParameterValue(msg)

    message.mark_sent(delay_seconds=delay_seconds)

    queue.add_message(message)

    return message


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
        original_send = SQSBackend.send_message
        send = functools.wraps(original_send)(_send_message)
        setattr(send, _MARK, True)
        SQSBackend.send_message = send  # type: ignore[method-assign]
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
    send = getattr(SQSBackend, "send_message", None)
    if send is None or list(inspect.signature(send).parameters) != list(inspect.signature(_send_message).parameters):
        problems.append("SQSBackend.send_message has another signature than moto 5.2.5's")
    if Message.__new__ not in (BaseModel.__new__, _untracked_new):
        problems.append("moto.sqs Message no longer takes BaseModel.__new__ (the instance tracker)")
    if problems:
        raise MotoInternalsChanged(
            f"moto {moto.__version__} is not what remitflow_local.moto_sqs was written against (moto 5.2.5): "
            f"{'; '.join(problems)}. Review infra/remitflow_local/moto_sqs.py against this moto."
        )
