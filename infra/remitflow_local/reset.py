"""Empty a deployed local stack without deploying it again: what the tests do between two tests.

Deploying template.yaml into moto takes seconds; emptying it takes milliseconds. ``StackData``
finds, once, every table, bucket and queue the stack created (from CloudFormation, so a resource
added to the template is covered without a change here) and ``clear`` then removes what they
hold, leaving each resource and its configuration as deployed:

- every item of every table, deleted by the keys its key schema names;
- every object version and delete marker of every bucket (the buckets are versioned);
- every message of every queue, in flight and delayed ones included (``PurgeQueue``).

moto enforces AWS's rule of one purge per queue a minute unless
``MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR`` is ``false``: set it where stacks are
cleared more often (the integration tests do).

The artifacts bucket ``deploy_local_stack`` stages the code in is not part of the stack and is
left alone. This module is dev-only: it is never shipped in the Lambda layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import boto3

from remitflow_local.stack import LocalStack

__all__ = ["StackData"]

_BATCH_WRITE_LIMIT = 25  # DynamoDB BatchWriteItem
_DELETE_OBJECTS_LIMIT = 1000  # S3 DeleteObjects


@dataclass(frozen=True)
class StackData:
    """Where a deployed stack keeps data, and how to empty it."""

    tables: Mapping[str, tuple[str, ...]]  # table name -> its key attributes (hash, then range)
    buckets: tuple[str, ...]
    queues: tuple[str, ...]  # queue URLs
    dynamodb: Any
    s3: Any
    sqs: Any

    @classmethod
    def of(
        cls,
        stack: LocalStack,
        *,
        session: boto3.Session | None = None,
        endpoint_url: str | None = None,
        extra_queue_urls: Iterable[str] = (),
    ) -> StackData:
        """The tables, buckets and queues CloudFormation created for ``stack`` (plus ``extra_queue_urls``)."""
        session = session or boto3.Session(region_name=stack.region)

        def client(service: str) -> Any:
            return session.client(service, region_name=stack.region, endpoint_url=endpoint_url)  # type: ignore[call-overload]

        cloudformation, dynamodb = client("cloudformation"), client("dynamodb")
        resources = cloudformation.describe_stack_resources(StackName=stack.stack_name)["StackResources"]
        by_type: dict[str, list[str]] = {}
        for resource in resources:
            if resource.get("PhysicalResourceId"):
                by_type.setdefault(resource["ResourceType"], []).append(resource["PhysicalResourceId"])
        tables = {}
        for name in sorted(by_type.get("AWS::DynamoDB::Table", [])):
            schema = dynamodb.describe_table(TableName=name)["Table"]["KeySchema"]
            ordered = sorted(schema, key=lambda k: k["KeyType"] != "HASH")  # HASH first, then RANGE
            tables[name] = tuple(k["AttributeName"] for k in ordered)
        queues = sorted(set(by_type.get("AWS::SQS::Queue", [])) | set(extra_queue_urls))
        return cls(
            tables=MappingProxyType(tables),
            buckets=tuple(sorted(by_type.get("AWS::S3::Bucket", []))),
            queues=tuple(queues),
            dynamodb=dynamodb,
            s3=client("s3"),
            sqs=client("sqs"),
        )

    # ------------------------------------------------------------------------------- emptying

    def clear(self) -> None:
        """Remove every item, object version and message; the resources stay as deployed."""
        for table, keys in self.tables.items():
            self._clear_table(table, keys)
        for bucket in self.buckets:
            self._clear_bucket(bucket)
        for queue_url in self.queues:
            self.sqs.purge_queue(QueueUrl=queue_url)

    def _clear_table(self, table: str, keys: tuple[str, ...]) -> None:
        names = {f"#k{i}": key for i, key in enumerate(keys)}
        scan: dict[str, Any] = {
            "TableName": table,
            "ProjectionExpression": ", ".join(names),
            "ExpressionAttributeNames": names,
        }
        pending: list[dict[str, Any]] = []
        for page in self.dynamodb.get_paginator("scan").paginate(**scan):
            pending.extend({"DeleteRequest": {"Key": {k: item[k] for k in keys}}} for item in page["Items"])
        while pending:
            batch, pending = pending[:_BATCH_WRITE_LIMIT], pending[_BATCH_WRITE_LIMIT:]
            response = self.dynamodb.batch_write_item(RequestItems={table: batch})
            pending.extend(response.get("UnprocessedItems", {}).get(table, []))

    def _clear_bucket(self, bucket: str) -> None:
        versions: list[dict[str, str]] = []
        for page in self.s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            entries = (*page.get("Versions", []), *page.get("DeleteMarkers", []))
            versions.extend({"Key": entry["Key"], "VersionId": entry["VersionId"]} for entry in entries)
        for start in range(0, len(versions), _DELETE_OBJECTS_LIMIT):
            chunk = versions[start : start + _DELETE_OBJECTS_LIMIT]
            response = self.s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
            if response.get("Errors"):
                raise RuntimeError(f"could not empty bucket {bucket}: {response['Errors'][:3]}")

    # ------------------------------------------------------------------------------- checking

    def contents(self) -> dict[str, int]:
        """How many items, object versions and messages each resource holds (what ``clear`` removes)."""
        counts: dict[str, int] = {}
        for table in self.tables:
            pages = self.dynamodb.get_paginator("scan").paginate(TableName=table, Select="COUNT")
            counts[table] = sum(page["Count"] for page in pages)
        for bucket in self.buckets:
            pages = self.s3.get_paginator("list_object_versions").paginate(Bucket=bucket)
            counts[bucket] = sum(len(p.get("Versions", [])) + len(p.get("DeleteMarkers", [])) for p in pages)
        for queue_url in self.queues:
            attributes = self.sqs.get_queue_attributes(
                QueueUrl=queue_url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                    "ApproximateNumberOfMessagesDelayed",
                ],
            )["Attributes"]
            counts[queue_url] = sum(int(value) for value in attributes.values())
        return counts
