"""Run the stack's functions in-process on the events the local stack produces.

moto cannot run Lambda code here (no container engine), so the runner stands in for the Lambda
service: the inbox bucket also notifies a local queue (moto delivers S3 -> SQS notifications),
and `pump` feeds those S3 events to the functions template.yaml wires to the object's prefix, then
feeds the follow-up queue to the function wired to it, until both queues are empty. The events are
the real notification bodies, so each function sees what Lambda would give it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any
from urllib.parse import unquote_plus

import boto3
from aws_lambda_powertools.metrics import Metrics

from remitflow.settings import Settings
from remitflow_local.stack import LocalFunction, LocalStack

INBOX_EVENTS_QUEUE = "local-inbox-events"

# Locally there is no X-Ray daemon and nobody reads EMF metrics from stdout.
LOCAL_ENVIRONMENT: Mapping[str, str] = {
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "AWS_LAMBDA_FUNCTION_NAME": "local",
}


@dataclass
class FakeContext:
    """The parts of the Lambda context object Powertools reads."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    timeout_seconds: int = 60
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_seconds * 1000


@dataclass(frozen=True)
class Invocation:
    function: str  # logical id
    event: dict[str, Any]
    result: Any = None
    error: BaseException | None = None


class LocalRunner:
    def __init__(
        self,
        stack: LocalStack,
        *,
        session: boto3.Session | None = None,
        endpoint_url: str | None = None,
        environment: Mapping[str, str] | None = None,
        on_invoke: Callable[[Invocation], None] | None = None,
    ) -> None:
        self.stack = stack
        self.endpoint_url = endpoint_url
        self.session = session or boto3.Session(region_name=stack.region)
        self.environment = dict(LOCAL_ENVIRONMENT) | dict(environment or {})
        if endpoint_url:
            self.environment["AWS_ENDPOINT_URL"] = endpoint_url
        self._initial_environment = dict(self.environment)
        self.on_invoke = on_invoke
        self._modules: dict[str, ModuleType] = {}
        self._token = uuid.uuid4().hex[:8]
        # One invocation at a time: `invoke` patches os.environ for the process, and the local API
        # server's thread invokes while the main loop pumps events. Reentrant for on_invoke callbacks.
        self._invoke_lock = threading.RLock()
        self.s3 = self._client("s3")
        self.sqs = self._client("sqs")
        self.inbox_events_url = self._watch_inbox()

    def _client(self, service: str) -> Any:
        return self.session.client(service, region_name=self.stack.region, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]

    def _watch_inbox(self) -> str:
        """A local queue the inbox bucket notifies on every new object (the stand-in for Lambda's S3 trigger)."""
        url: str = self.sqs.create_queue(QueueName=f"{self.stack.stack_name}-{INBOX_EVENTS_QUEUE}")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.s3.put_bucket_notification_configuration(
            Bucket=self.stack.inbox_bucket,
            NotificationConfiguration={"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]},
        )
        return url

    def reset(self) -> None:
        """Forget what earlier invocations left in this process, as fresh Lambda sandboxes would.

        The functions' modules, and everything they hold (cached services and clients, Powertools
        loggers' settings, batch processors), are loaded again on the next invocation;
        ``environment`` is again the one the runner was made with; S3 events not yet pumped are
        dropped. The stack's data is not touched: see ``remitflow_local.reset.StackData``.
        """
        with self._invoke_lock:
            for module in self._modules.values():
                sys.modules.pop(module.__name__, None)
            self._modules.clear()
            self.environment = dict(self._initial_environment)
            self.sqs.purge_queue(QueueUrl=self.inbox_events_url)

    # -- running functions --------------------------------------------------------------------

    @contextmanager
    def _environment(self, function: LocalFunction) -> Iterator[None]:
        saved = dict(os.environ)
        os.environ.update(function.environment)
        os.environ.update(self.environment)
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def _module(self, function: LocalFunction) -> ModuleType:
        """Each function's app.py under its own module name (they are all called app)."""
        module = self._modules.get(function.logical_id)
        if module is None:
            name = f"remitflow_function_{function.logical_id}_{self._token}"
            spec = importlib.util.spec_from_file_location(name, function.handler_path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {function.handler_path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            with self._environment(function):
                spec.loader.exec_module(module)
            self._modules[function.logical_id] = module
        return module

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """Run one function on one event, as Lambda would; its exceptions propagate."""
        function = self.stack.functions[logical_id]
        with self._invoke_lock:
            handler = getattr(self._module(function), function.handler_name)
            context = FakeContext(
                function_name=function.name, invoked_function_arn=function.arn, timeout_seconds=function.timeout
            )
            with self._environment(function):
                _clear_shared_metrics()
                try:
                    result = handler(event, context)
                except Exception as error:
                    self._report(Invocation(logical_id, event, error=error))
                    raise
            self._report(Invocation(logical_id, event, result=result))
            return result

    def _report(self, invocation: Invocation) -> None:
        if self.on_invoke is not None:
            self.on_invoke(invocation)

    # -- the event loop -----------------------------------------------------------------------

    def pump(self, *, max_rounds: int = 1000) -> int:
        """Deliver every pending S3 event and follow-up message; returns how many invocations ran.

        A failing S3-triggered function is retried twice, as Lambda does for asynchronous events,
        and then reported on the function failure queue like its on-failure destination would.
        """
        invocations = 0
        for _ in range(max_rounds):
            ran = self._pump_inbox() + self._pump_queues()
            invocations += ran
            if not ran:
                return invocations
        raise RuntimeError(f"events still arriving after {max_rounds} rounds")

    def _pump_inbox(self) -> int:
        ran = 0
        for message in self._receive(self.inbox_events_url):
            body = json.loads(message["Body"])
            for record in body.get("Records", []):
                key = unquote_plus(record["s3"]["object"]["key"])
                bucket = record["s3"]["bucket"]["name"]
                for function in self.stack.functions_for_s3(bucket, key, record["eventName"]):
                    self._invoke_async(function.logical_id, {"Records": [record]})
                    ran += 1
            self._delete(self.inbox_events_url, [message])
        return ran

    def _invoke_async(self, logical_id: str, event: dict[str, Any]) -> None:
        last: Exception | None = None
        for _ in range(3):  # the first attempt and Lambda's two retries
            try:
                self.invoke(logical_id, event)
                return
            except Exception as error:
                last = error
        self.sqs.send_message(
            QueueUrl=self.stack.function_failure_queue_url,
            MessageBody=json.dumps(
                {
                    "requestContext": {
                        "functionArn": self.stack.functions[logical_id].arn,
                        "condition": "RetriesExhausted",
                    },
                    "responseContext": {"functionError": type(last).__name__},
                    "requestPayload": event,
                }
            ),
        )

    def _pump_queues(self) -> int:
        ran = 0
        for function in self.stack.functions.values():
            for trigger in function.sqs_triggers:
                messages = self._receive(trigger.queue_url, limit=trigger.batch_size)
                if not messages:
                    continue
                event = {"Records": [_sqs_record(m, trigger.queue_arn, self.stack.region) for m in messages]}
                try:
                    response = self.invoke(function.logical_id, event) or {}
                    failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
                except Exception:
                    failed = {m["MessageId"] for m in messages}
                # Deleted ten to a request (DeleteMessageBatch), as Lambda's event source mapping does.
                self._delete(trigger.queue_url, [m for m in messages if m["MessageId"] not in failed])
                # Failed messages become visible again at once, so the next round retries them and
                # the queue's redrive policy moves a poison message to the dead-letter queue.
                for message in messages:
                    if message["MessageId"] in failed:
                        self.sqs.change_message_visibility(
                            QueueUrl=trigger.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                        )
                ran += 1
        return ran

    def _delete(self, queue_url: str, messages: list[dict[str, Any]]) -> None:
        """Delete what was handled, ten to a request; a delete SQS refuses is an error, not a redelivery."""
        for start in range(0, len(messages), 10):
            batch = messages[start : start + 10]
            entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)]
            failed = self.sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries).get("Failed", [])
            if failed:
                reasons = ", ".join(f"{f.get('Code')}: {f.get('Message')}" for f in failed)
                raise RuntimeError(
                    f"SQS refused to delete {len(failed)} handled message(s) from {queue_url}: {reasons}"
                )

    def _receive(self, queue_url: str, *, limit: int = 10) -> list[dict[str, Any]]:
        """Up to `limit` messages (the trigger's BatchSize), as Lambda's poller gathers a batch: SQS
        gives at most 10 a receive, so it receives until the batch is full or the queue is empty
        (locally no batching window is waited: the queue is as full as it will get)."""
        messages: list[dict[str, Any]] = []
        while len(messages) < limit:
            response = self.sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=min(limit - len(messages), 10),
                WaitTimeSeconds=0,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            received = response.get("Messages", [])
            if not received:
                break
            messages.extend(received)
        return messages


def _clear_shared_metrics() -> None:
    """Start the invocation with no metrics, as every Lambda invocation does.

    Powertools keeps one metric set for every Metrics object of the process, and flushes (and so
    empties) it only when metrics are enabled. In Lambda each function has a process of its own;
    here all of them share one, so without this the metrics one function added while metrics were
    disabled would be published later by another, under its name.
    """
    Metrics().clear_metrics()


def function_settings(function: LocalFunction) -> Settings:
    """The settings a function reads from its environment (JSON values parsed as in Lambda)."""
    saved = dict(os.environ)
    os.environ.update(function.environment)
    try:
        return Settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """An SQS message as the Lambda event source mapping delivers it."""
    attributes = {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value["DataType"],
        }
        for name, value in message.get("MessageAttributes", {}).items()
    }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": attributes,
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
