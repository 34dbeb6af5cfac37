"""The inbox bucket: files are streamed in, processing summaries written back under processed/."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import S3Event
    from mypy_boto3_s3.client import S3Client

CHUNK_SIZE = 1024 * 1024
SUMMARY_PREFIX = "processed/"


def summary_key(source_key: str) -> str:
    """Where the processing summary of an inbox object is written."""
    return f"{SUMMARY_PREFIX}{source_key}.json"


class Inbox:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def stream(self, key: str, version_id: str | None = None) -> Iterator[bytes]:
        """The object's bytes in chunks, never the whole file in memory."""
        return self._chunks(key, version_id)

    def put_summary(self, source_key: str, summary: dict[str, Any]) -> str:
        """`processed/<source key>.json`; the processed/ prefix triggers nothing."""
        key = summary_key(source_key)
        body = json.dumps(summary, indent=2, sort_keys=True).encode()
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")
        return key

    def put(self, key: str, body: bytes) -> None:
        self.upload(key, body)

    def read_range(self, key: str, version_id: str | None, start: int, end: int) -> Iterator[bytes]:
        """Bytes [start, end) of the object, with one ranged GET; nothing when the range is empty."""
        if end <= start:
            return iter(())
        return self._chunks(key, version_id, Range=f"bytes={start}-{end - 1}")

    def _chunks(self, key: str, version_id: str | None, **extra: str) -> Iterator[bytes]:
        kwargs: Any = {"Bucket": self.bucket, "Key": key, **extra}
        if version_id:
            kwargs["VersionId"] = version_id
        body = self.client.get_object(**kwargs)["Body"]
        try:
            yield from body.iter_chunks(CHUNK_SIZE)
        finally:
            body.close()

    def put_json(self, key: str, document: Mapping[str, Any]) -> None:
        body = json.dumps(document, sort_keys=True, default=str).encode()
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")

    def upload(self, key: str, body: bytes) -> str | None:
        """Drop a file in the inbox for the functions to process; its version id (None where the bucket
        keeps no versions), which the processing summary carries."""
        return self.client.put_object(Bucket=self.bucket, Key=key, Body=body).get("VersionId")

    def read_json(self, key: str) -> dict[str, Any] | None:
        """A JSON document the stack wrote (a summary, a report); None while there is none."""
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        document: dict[str, Any] = json.loads(body)
        return document


def created_objects(event: S3Event) -> Iterator[tuple[str, str | None]]:
    """(key, version id) of each object an S3 notification names; keys arrive URL-encoded."""
    for record in event.records:
        yield unquote_plus(record.s3.get_object.key), record.s3.get_object.version_id
