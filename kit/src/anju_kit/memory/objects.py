"""The object store (:class:`anju_kit.objectstore.ObjectStore`) in memory, for component tests of evidence
and generated documents.

Keys are checked as the real store checks them, and :meth:`verify_upload` refuses what the real one
refuses (missing object, size, content type, SHA-256), so the evidence code above it takes the same
paths. A presigned URL is a ``memory://`` address that nothing serves: a test stands in for the phone
with :meth:`upload`.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from anju_kit.objectstore import (
    DEFAULT_ALLOWED_CONTENT_TYPES,
    ObjectMismatch,
    ObjectMissing,
    ObjectStoreError,
    PresignedDownload,
    PresignedUpload,
    StoredObject,
    UploadProblem,
    _check_sha256_hex,
    _media_type,
    check_expiry,
    check_key,
)


@dataclass(frozen=True)
class _Object:
    data: bytes
    content_type: str
    version: int


class MemoryObjects:
    def __init__(self) -> None:
        self.buckets: dict[str, dict[str, _Object]] = {}

    async def ensure_bucket(self, bucket: str) -> None:
        await asyncio.sleep(0)
        self.buckets.setdefault(bucket, {})

    def _bucket(self, bucket: str) -> dict[str, _Object]:
        found = self.buckets.get(bucket)
        if found is None:
            raise ObjectStoreError(f"bucket {bucket} does not exist (ensure_bucket first)")
        return found

    async def put(self, bucket: str, key: str, data: bytes, content_type: str) -> StoredObject:
        await asyncio.sleep(0)
        return self.upload(bucket, key, data, content_type)

    def upload(self, bucket: str, key: str, data: bytes, content_type: str) -> StoredObject:
        """Store ``data`` as a client's PUT would (the test's stand-in for a presigned upload)."""
        check_key(key)
        if not content_type or not content_type.strip():
            raise ValueError("content_type must not be empty")
        objects = self._bucket(bucket)
        # Buckets are versioned (XC-08): an overwrite is a new version, never a silent loss.
        version = objects[key].version + 1 if key in objects else 1
        objects[key] = _Object(bytes(data), content_type, version)
        return self._stored(bucket, key, objects[key])

    @staticmethod
    def _stored(bucket: str, key: str, obj: _Object) -> StoredObject:
        sha = hashlib.sha256(obj.data).hexdigest()
        return StoredObject(bucket, key, len(obj.data), sha, etag=sha[:32], version_id=str(obj.version))

    async def get(self, bucket: str, key: str, *, version_id: str | None = None) -> bytes:
        await asyncio.sleep(0)
        obj = self.buckets.get(bucket, {}).get(key)
        if obj is None or (version_id is not None and version_id != str(obj.version)):
            raise ObjectMissing(bucket, key)
        return obj.data

    async def presigned_put(
        self,
        bucket: str,
        key: str,
        *,
        content_type: str,
        expires: timedelta,
        size: int | None = None,
        sha256_hex: str | None = None,
    ) -> PresignedUpload:
        check_expiry(expires)
        check_key(key)
        if not content_type or not content_type.strip():
            raise ValueError("content_type must not be empty")
        headers = {"Content-Type": content_type.strip()}
        if size is not None:
            headers["Content-Length"] = str(size)
        if sha256_hex is not None:
            headers["x-amz-checksum-sha256"] = _check_sha256_hex(sha256_hex)
        now = datetime.now(UTC).replace(microsecond=0)
        return PresignedUpload(f"memory://{bucket}/{key}", "PUT", headers, now + expires)

    async def presigned_get(
        self, bucket: str, key: str, expires: timedelta, *, version_id: str | None = None
    ) -> PresignedDownload:
        check_expiry(expires)
        now = datetime.now(UTC).replace(microsecond=0)
        return PresignedDownload(f"memory://{bucket}/{key}", now + expires)

    async def verify_upload(
        self,
        bucket: str,
        key: str,
        *,
        size: int,
        sha256_hex: str,
        allowed_content_types: Collection[str] | None = None,
    ) -> StoredObject:
        """The real store's checks, in its order: exists, size, content type, then the bytes' SHA-256."""
        await asyncio.sleep(0)
        expected_sha = _check_sha256_hex(sha256_hex)
        allowed = {_media_type(t) for t in (allowed_content_types or DEFAULT_ALLOWED_CONTENT_TYPES)}
        obj = self.buckets.get(bucket, {}).get(key)
        if obj is None:
            raise ObjectMissing(bucket, key)
        if len(obj.data) != size:
            raise ObjectMismatch(UploadProblem.SIZE_MISMATCH, size, len(obj.data), key=key)
        if _media_type(obj.content_type) not in allowed:
            raise ObjectMismatch(UploadProblem.CONTENT_TYPE_NOT_ALLOWED, sorted(allowed), obj.content_type, key=key)
        stored = self._stored(bucket, key, obj)
        if stored.sha256 != expected_sha:
            raise ObjectMismatch(UploadProblem.CHECKSUM_MISMATCH, expected_sha, stored.sha256, key=key)
        return stored
