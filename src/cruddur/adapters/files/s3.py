"""The attachments bucket on AWS: uploads by presigned POST (the bytes go from the browser to
S3, never through the API), files served by presigned GET.

The bucket's own settings do the rest (infra/): SSE-KMS with a bucket key, TLS only, public
access blocked, uploads/ expiring by a lifecycle rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

DELETE_BATCH = 1000  # DeleteObjects takes at most this many keys


class S3Files:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def upload_form(self, key: str, max_bytes: int, expires_in: int) -> tuple[str, dict[str, str]]:
        # The policy S3 checks: this key only, 1 to max_bytes, before it expires.
        form = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Conditions=[["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_in,
        )
        return str(form["url"]), {name: str(value) for name, value in form["fields"].items()}

    def read(self, key: str, max_bytes: int) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                return None
            raise
        body = answer["Body"]
        try:
            if answer.get("ContentLength", 0) > max_bytes:
                return None
            data = body.read(max_bytes + 1)
        finally:
            body.close()
        return None if len(data) > max_bytes else data

    def write(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def delete(self, keys: Sequence[str]) -> None:
        for start in range(0, len(keys), DELETE_BATCH):
            batch: list[ObjectIdentifierTypeDef] = [
                {"Key": key} for key in keys[start : start + DELETE_BATCH]
            ]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    def link(self, key: str, content_type: str, download_as: str | None, expires_in: int) -> str:
        disposition = (
            "inline"
            if download_as is None
            else f"attachment; filename*=UTF-8''{quote(download_as)}"
        )
        return self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentType": content_type,
                "ResponseContentDisposition": disposition,
            },
            ExpiresIn=expires_in,
        )
