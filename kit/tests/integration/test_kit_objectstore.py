"""ObjectStore against the real local MinIO (deploy/local): presigning, expiry, verification, versioning.

MinIO is started by ``deploy/local/infra.sh up``; these tests wait for it (``ANJU_S3_WAIT_SECONDS``,
default 300) and fail if it never answers. Set ``ANJU_SKIP_INTEGRATION=1`` to skip them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import pytest_asyncio
from minio import Minio
from minio.error import S3Error

from anju_kit.objectstore import (
    ObjectMismatch,
    ObjectMissing,
    ObjectStore,
    UploadProblem,
    evidence_key,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        os.environ.get("ANJU_SKIP_INTEGRATION") == "1",
        reason="ANJU_SKIP_INTEGRATION=1: real MinIO tests switched off",
    ),
]

ENDPOINT = os.environ.get("ANJU_S3_ENDPOINT", "127.0.0.1:9000")
ACCESS_KEY = os.environ.get("ANJU_S3_ACCESS_KEY", "anju-dev")
SECRET_KEY = os.environ.get("ANJU_S3_SECRET_KEY", "anju-dev-secret")
WAIT_SECONDS = float(os.environ.get("ANJU_S3_WAIT_SECONDS", "300"))

JPEG = b"\xff\xd8\xff\xe0" + b"fake jpeg body for tests " * 40


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _raw_client() -> Minio:
    """Test-only SDK client for inspection and clean-up; the store itself never deletes (XC-08)."""
    return Minio(ENDPOINT, access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=False, region="us-east-1")


def _remove_bucket_with_all_versions(client: Minio, bucket: str) -> None:
    for obj in client.list_objects(bucket, recursive=True, include_version=True):
        client.remove_object(bucket, str(obj.object_name), version_id=obj.version_id)
    client.remove_bucket(bucket)


@pytest_asyncio.fixture(scope="session")
async def store() -> ObjectStore:
    s = ObjectStore(ENDPOINT, ACCESS_KEY, SECRET_KEY)
    deadline = time.monotonic() + WAIT_SECONDS
    while not await s.ping():
        if time.monotonic() > deadline:
            pytest.fail(
                f"MinIO at {ENDPOINT} did not answer within {WAIT_SECONDS:.0f} s; "
                "start it with deploy/local/infra.sh up or set ANJU_SKIP_INTEGRATION=1"
            )
        await asyncio.sleep(2)
    return s


@pytest_asyncio.fixture(scope="session")
async def bucket(store: ObjectStore) -> AsyncIterator[str]:
    name = f"anju-test-{secrets.token_hex(4)}"
    await store.ensure_bucket(name)
    yield name
    # Leave the developer's MinIO tidy: test buckets are not records.
    with contextlib.suppress(S3Error):
        await asyncio.to_thread(_remove_bucket_with_all_versions, _raw_client(), name)


def _key(filename: str = "photo.jpg") -> str:
    return evidence_key("shanghai", "P-IT", "U-0101", "C-1", filename)


async def test_ping_reports_ready_and_a_dead_endpoint_quickly_reports_not_ready(
    store: ObjectStore, bucket: str
) -> None:
    assert await store.ping()
    assert await store.ping(bucket)
    assert not await store.ping("anju-no-such-bucket-xyz")
    started = time.monotonic()
    assert not await ObjectStore("127.0.0.1:1", ACCESS_KEY, SECRET_KEY).ping()
    assert time.monotonic() - started < 5


async def test_xc08_ensure_bucket_is_idempotent_and_turns_on_versioning(store: ObjectStore, bucket: str) -> None:
    await store.ensure_bucket(bucket)  # second call: no error
    config = await asyncio.to_thread(_raw_client().get_bucket_versioning, bucket)
    assert config.status == "Enabled"


async def test_put_get_roundtrip_records_sha256(store: ObjectStore, bucket: str) -> None:
    key = _key()
    stored = await store.put(bucket, key, JPEG, "image/jpeg")
    assert stored.size == len(JPEG)
    assert stored.sha256 == _sha(JPEG)
    assert stored.etag
    assert await store.get(bucket, key) == JPEG

    info = await store.stat(bucket, key)
    assert info is not None
    assert info.size == len(JPEG)
    assert info.content_type == "image/jpeg"
    assert info.sha256 == _sha(JPEG)  # x-amz-meta-sha256
    assert info.version_id == stored.version_id

    # The server recorded the checksum we sent as x-amz-checksum-sha256 (flexible checksums).
    head = await asyncio.to_thread(
        _raw_client().stat_object, bucket, key, extra_headers={"x-amz-checksum-mode": "ENABLED"}
    )
    assert head.metadata is not None
    assert head.metadata.get("x-amz-checksum-sha256")


async def test_xc08_overwrite_keeps_the_earlier_version(store: ObjectStore, bucket: str) -> None:
    key = _key("report.pdf")
    first = await store.put(bucket, key, b"%PDF-1 first", "application/pdf")
    second = await store.put(bucket, key, b"%PDF-1 second", "application/pdf")
    assert first.version_id and second.version_id and first.version_id != second.version_id
    assert await store.get(bucket, key, version_id=first.version_id) == b"%PDF-1 first"
    assert await store.get(bucket, key) == b"%PDF-1 second"


async def test_rsk04_presigned_put_within_expiry_succeeds_and_verifies(store: ObjectStore, bucket: str) -> None:
    key = _key()
    upload = await store.presigned_put(bucket, key, content_type="image/jpeg", expires=timedelta(minutes=5))
    async with httpx.AsyncClient() as http:
        response = await http.put(upload.url, content=JPEG, headers=dict(upload.headers_required))
    assert response.status_code == 200, response.text
    stored = await store.verify_upload(bucket, key, size=len(JPEG), sha256_hex=_sha(JPEG))
    assert stored.sha256 == _sha(JPEG)
    assert stored.size == len(JPEG)


async def test_presigned_put_stops_working_after_its_expiry(store: ObjectStore, bucket: str) -> None:
    key = _key()
    upload = await store.presigned_put(bucket, key, content_type="image/jpeg", expires=timedelta(seconds=2))
    await asyncio.sleep(3)
    async with httpx.AsyncClient() as http:
        response = await http.put(upload.url, content=JPEG, headers=dict(upload.headers_required))
    assert response.status_code == 403, response.text
    assert await store.stat(bucket, key) is None


async def test_presigned_get_works_then_expires(store: ObjectStore, bucket: str) -> None:
    key = _key()
    await store.put(bucket, key, JPEG, "image/jpeg")
    link = await store.presigned_get(bucket, key, timedelta(seconds=2))
    async with httpx.AsyncClient() as http:
        ok = await http.get(link.url)
        assert ok.status_code == 200
        assert ok.content == JPEG
        await asyncio.sleep(3)
        expired = await http.get(link.url)
    assert expired.status_code == 403


async def test_presigned_put_with_another_content_type_is_refused(store: ObjectStore, bucket: str) -> None:
    key = _key()
    upload = await store.presigned_put(bucket, key, content_type="image/jpeg", expires=timedelta(minutes=5))
    async with httpx.AsyncClient() as http:
        response = await http.put(upload.url, content=b"<html>", headers={"Content-Type": "text/html"})
        missing = await http.put(upload.url, content=JPEG)  # no Content-Type at all
    assert response.status_code == 403, response.text
    # MinIO answers a missing signed header with 400 AccessDenied; refused either way.
    assert missing.status_code in {400, 403}, missing.text
    assert await store.stat(bucket, key) is None


async def test_presigned_put_with_pinned_size_and_checksum_refuses_other_bytes(store: ObjectStore, bucket: str) -> None:
    key = _key()
    upload = await store.presigned_put(
        bucket,
        key,
        content_type="image/jpeg",
        expires=timedelta(minutes=5),
        size=len(JPEG),
        sha256_hex=_sha(JPEG),
    )
    other = JPEG[:-1] + b"!"  # same size, different bytes
    # An HTTP client computes Content-Length from the body it actually sends.
    without_length = {k: v for k, v in upload.headers_required.items() if k != "Content-Length"}
    async with httpx.AsyncClient() as http:
        longer = await http.put(upload.url, content=JPEG + b"x", headers=without_length)
        tampered = await http.put(upload.url, content=other, headers=dict(upload.headers_required))
        assert await store.stat(bucket, key) is None
        good = await http.put(upload.url, content=JPEG, headers=dict(upload.headers_required))
    assert longer.status_code == 403, longer.text  # signed Content-Length differs
    assert tampered.status_code == 400, tampered.text
    assert "XAmzContentChecksumMismatch" in tampered.text
    assert good.status_code == 200, good.text
    await store.verify_upload(bucket, key, size=len(JPEG), sha256_hex=_sha(JPEG))


async def test_presigned_post_beyond_max_bytes_is_refused(store: ObjectStore, bucket: str) -> None:
    key = _key()
    post = await store.presigned_post(
        bucket, key, content_type="image/jpeg", max_bytes=1024, expires=timedelta(minutes=5)
    )
    async with httpx.AsyncClient() as http:
        too_big = await http.post(
            post.url, data=dict(post.form_fields), files={"file": ("a.jpg", b"x" * 2048, "image/jpeg")}
        )
        assert too_big.status_code == 400, too_big.text
        assert "EntityTooLarge" in too_big.text
        assert await store.stat(bucket, key) is None

        wrong_type = dict(post.form_fields) | {"Content-Type": "text/html"}
        refused = await http.post(post.url, data=wrong_type, files={"file": ("a.jpg", b"x" * 10, "text/html")})
        assert refused.status_code == 403, refused.text

        small = b"\xff\xd8" + b"y" * 500
        ok = await http.post(post.url, data=dict(post.form_fields), files={"file": ("a.jpg", small, "image/jpeg")})
        assert ok.status_code in {200, 201, 204}, ok.text
    stored = await store.verify_upload(bucket, key, size=len(small), sha256_hex=_sha(small))
    assert stored.size == len(small)


async def test_rsk04_verify_upload_refuses_a_checksum_other_than_declared(store: ObjectStore, bucket: str) -> None:
    key = _key()
    upload = await store.presigned_put(bucket, key, content_type="image/jpeg", expires=timedelta(minutes=5))
    swapped = JPEG[:-1] + b"?"  # same size, different content
    async with httpx.AsyncClient() as http:
        response = await http.put(upload.url, content=swapped, headers=dict(upload.headers_required))
    assert response.status_code == 200
    with pytest.raises(ObjectMismatch) as caught:
        await store.verify_upload(bucket, key, size=len(JPEG), sha256_hex=_sha(JPEG))
    assert caught.value.reason_code is UploadProblem.CHECKSUM_MISMATCH
    assert caught.value.expected == _sha(JPEG)
    assert caught.value.actual == _sha(swapped)


async def test_rsk04_verify_upload_refuses_a_size_other_than_declared(store: ObjectStore, bucket: str) -> None:
    key = _key()
    await store.put(bucket, key, JPEG, "image/jpeg")
    with pytest.raises(ObjectMismatch) as caught:
        await store.verify_upload(bucket, key, size=len(JPEG) + 1, sha256_hex=_sha(JPEG))
    assert caught.value.reason_code is UploadProblem.SIZE_MISMATCH
    assert (caught.value.expected, caught.value.actual) == (len(JPEG) + 1, len(JPEG))


async def test_rsk04_verify_upload_refuses_a_content_type_not_allowed(store: ObjectStore, bucket: str) -> None:
    key = _key("notes.html")
    body = b"<script>alert(1)</script>"
    await store.put(bucket, key, body, "text/html")
    with pytest.raises(ObjectMismatch) as caught:
        await store.verify_upload(bucket, key, size=len(body), sha256_hex=_sha(body))
    assert caught.value.reason_code is UploadProblem.CONTENT_TYPE_NOT_ALLOWED
    # Callers may widen the list for their own documents.
    await store.verify_upload(bucket, key, size=len(body), sha256_hex=_sha(body), allowed_content_types={"text/html"})


async def test_missing_object_is_reported_as_object_missing(store: ObjectStore, bucket: str) -> None:
    key = _key("never-uploaded.jpg")
    assert await store.stat(bucket, key) is None
    with pytest.raises(ObjectMissing):
        await store.verify_upload(bucket, key, size=1, sha256_hex="0" * 64)
    with pytest.raises(ObjectMissing):
        await store.get(bucket, key)
