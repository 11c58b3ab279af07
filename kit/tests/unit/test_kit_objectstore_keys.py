"""Pure parts of the object store: evidence keys, expiry bounds, SigV4 presigning (no server)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from minio import Minio
from pydantic import SecretStr

from anju_kit.objectstore import (
    MAX_EXPIRY,
    ObjectMismatch,
    ObjectStore,
    UploadProblem,
    check_expiry,
    evidence_key,
    presign_v4,
    sanitise_filename,
)

FIXED_ID = uuid.UUID("12345678-1234-5678-1234-567812345678")


# ------------------------------------------------------------------------------------ evidence keys


def test_xc03_evidence_key_groups_by_region_project_unit_claim() -> None:
    key = evidence_key("shanghai", "P-001", "U-0101", "C-77", "crack.jpg", object_id=FIXED_ID)
    assert key == f"shanghai/P-001/U-0101/C-77/{FIXED_ID}-crack.jpg"


def test_rsk04_evidence_key_is_unique_per_upload_so_nothing_is_overwritten() -> None:
    first = evidence_key("shanghai", "P1", "U1", "C1", "IMG_0001.jpg")
    second = evidence_key("shanghai", "P1", "U1", "C1", "IMG_0001.jpg")
    assert first != second
    pattern = r"^shanghai/P1/U1/C1/[0-9a-f-]{36}-IMG_0001\.jpg$"
    assert re.match(pattern, first)
    assert re.match(pattern, second)


@pytest.mark.parametrize(
    "filename",
    ["../etc/passwd", "..", ".", "a/b.jpg", "a\\b.jpg", "..\\..\\x.jpg", "/abs.jpg", "evil\x00.jpg", "a\nb"],
)
def test_evidence_key_rejects_path_traversal_in_filename(filename: str) -> None:
    with pytest.raises(ValueError):
        evidence_key("shanghai", "P1", "U1", "C1", filename)


@pytest.mark.parametrize(
    ("region", "project", "unit", "claim"),
    [
        ("", "P1", "U1", "C1"),
        ("shanghai", "", "U1", "C1"),
        ("shanghai", "P1", "", "C1"),
        ("shanghai", "P1", "U1", ""),
        ("shanghai", "..", "U1", "C1"),
        ("shanghai", "P1/../..", "U1", "C1"),
        ("shanghai", "P1", "U1/x", "C1"),
        ("shanghai", "P1", ".hidden", "C1"),
        ("shanghai", "P1", "U 1", "C1"),
        ("shanghai", "P1", "U1", "x" * 129),
    ],
)
def test_evidence_key_rejects_empty_or_unsafe_parts(region: str, project: str, unit: str, claim: str) -> None:
    with pytest.raises(ValueError):
        evidence_key(region, project, unit, claim, "a.jpg")


@pytest.mark.parametrize("filename", ["", "   "])
def test_evidence_key_rejects_empty_filename(filename: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        evidence_key("shanghai", "P1", "U1", "C1", filename)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("crack.jpg", "crack.jpg"),
        ("墙面裂缝 照片.JPG", "墙面裂缝_照片.JPG"),
        ("a  b??c.png", "a_b_c.png"),
        ("..hidden.pdf", "hidden.pdf"),
        ("x..y.pdf", "x.y.pdf"),
        ("???", "file"),
        ("report;rm -rf.pdf", "report_rm_-rf.pdf"),
    ],
)
def test_sanitise_filename_keeps_readable_names(raw: str, clean: str) -> None:
    assert sanitise_filename(raw) == clean


def test_sanitise_filename_truncates_long_names_but_keeps_extension() -> None:
    name = sanitise_filename("a" * 500 + ".mp4")
    assert len(name) == 120
    assert name.endswith(".mp4")


# ----------------------------------------------------------------------------------------- expiry


@pytest.mark.parametrize("seconds", [1, 60, 3600])
def test_expiry_within_one_second_and_one_hour_is_accepted(seconds: int) -> None:
    assert check_expiry(timedelta(seconds=seconds)) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    "expires",
    [
        timedelta(0),
        timedelta(milliseconds=500),
        timedelta(seconds=-5),
        MAX_EXPIRY + timedelta(seconds=1),
        timedelta(days=7),
    ],
)
def test_expiry_outside_bounds_is_a_clear_value_error(expires: timedelta) -> None:
    with pytest.raises(ValueError, match="between 1 s and 3600 s"):
        check_expiry(expires)


async def test_presigning_refuses_long_expiry_before_any_network_call() -> None:
    store = ObjectStore("127.0.0.1:1", "k", "s")
    with pytest.raises(ValueError, match="expires"):
        await store.presigned_put("b", "k", content_type="image/jpeg", expires=timedelta(days=1))
    with pytest.raises(ValueError, match="expires"):
        await store.presigned_post("b", "k", content_type="image/jpeg", max_bytes=10, expires=timedelta(0))
    with pytest.raises(ValueError, match="expires"):
        await store.presigned_get("b", "k", timedelta(hours=2))


# ---------------------------------------------------------------------------------------- presign


@pytest.mark.parametrize("key", ["plain.jpg", "shanghai/P1/U1/C1/墙面 裂缝 (1).jpg", "a+b=c&d~e.pdf"])
def test_presign_v4_matches_the_sdk_when_only_host_is_signed(key: str) -> None:
    """Our presigner must agree with the official SDK byte for byte on the SDK's own case."""
    date = datetime(2025, 3, 1, 8, 30, 15, tzinfo=UTC)
    sdk = Minio(
        "127.0.0.1:9000",
        access_key="anju-dev",
        secret_key="anju-dev-secret",
        secure=False,
        region="us-east-1",
    )
    expected = sdk.get_presigned_url("PUT", "evidence", key, expires=timedelta(minutes=15), request_date=date)
    ours = presign_v4(
        method="PUT",
        scheme="http",
        host="127.0.0.1:9000",
        bucket="evidence",
        key=key,
        region="us-east-1",
        access_key="anju-dev",
        secret_key="anju-dev-secret",
        now=date,
        expires=timedelta(minutes=15),
    )
    assert ours == expected


async def test_presigned_put_signs_content_type_so_another_type_is_refused() -> None:
    store = ObjectStore("127.0.0.1:9000", "anju-dev", "anju-dev-secret")
    upload = await store.presigned_put("evidence", "k.jpg", content_type="image/jpeg", expires=timedelta(minutes=5))
    query = parse_qs(urlsplit(upload.url).query)
    assert query["X-Amz-SignedHeaders"] == ["content-type;host"]
    assert query["X-Amz-Expires"] == ["300"]
    assert upload.method == "PUT"
    assert upload.headers_required == {"Content-Type": "image/jpeg"}
    assert timedelta(minutes=4) < upload.expires_at - datetime.now(UTC) <= timedelta(minutes=5)


async def test_presigned_put_can_pin_exact_size_and_checksum() -> None:
    store = ObjectStore("127.0.0.1:9000", "anju-dev", "anju-dev-secret")
    upload = await store.presigned_put(
        "evidence",
        "k.jpg",
        content_type="image/jpeg",
        expires=timedelta(minutes=5),
        size=3,
        sha256_hex="ab" * 32,
    )
    query = parse_qs(urlsplit(upload.url).query)
    assert query["X-Amz-SignedHeaders"] == ["content-length;content-type;host;x-amz-checksum-sha256"]
    assert upload.headers_required["Content-Length"] == "3"
    with pytest.raises(ValueError, match="64 hexadecimal"):
        await store.presigned_put(
            "evidence", "k.jpg", content_type="image/jpeg", expires=timedelta(minutes=5), sha256_hex="nothex"
        )


async def test_presigned_post_pins_key_type_and_size_range() -> None:
    store = ObjectStore("http://127.0.0.1:9000", "anju-dev", "anju-dev-secret")
    post = await store.presigned_post(
        "evidence", "a/b.jpg", content_type="image/jpeg", max_bytes=1000, expires=timedelta(minutes=1)
    )
    assert post.url == "http://127.0.0.1:9000/evidence"
    assert post.form_fields["key"] == "a/b.jpg"
    assert post.form_fields["Content-Type"] == "image/jpeg"
    import base64
    import json

    policy = json.loads(base64.b64decode(post.form_fields["policy"]))
    assert ["eq", "$Content-Type", "image/jpeg"] in policy["conditions"]
    assert ["eq", "$key", "a/b.jpg"] in policy["conditions"]
    assert ["content-length-range", 1, 1000] in policy["conditions"]


# -------------------------------------------------------------------------------- settings, errors


def test_from_settings_reads_duck_typed_settings_with_secret_str() -> None:
    settings = SimpleNamespace(
        s3_endpoint="minio.example.cn:443", s3_access_key="ak", s3_secret_key=SecretStr("sk"), s3_secure=True
    )
    store = ObjectStore.from_settings(settings)
    assert store.endpoint_url == "https://minio.example.cn"


@pytest.mark.parametrize(
    ("endpoint", "url"),
    [
        ("127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("https://s3.local:9443", "https://s3.local:9443"),
        ("http://minio:80", "http://minio"),
    ],
)
def test_endpoint_accepts_host_port_or_url(endpoint: str, url: str) -> None:
    assert ObjectStore(endpoint, "k", "s").endpoint_url == url


@pytest.mark.parametrize("endpoint", ["", "ftp://x", "http://x/path", "x/y"])
def test_endpoint_rejects_nonsense(endpoint: str) -> None:
    with pytest.raises(ValueError):
        ObjectStore(endpoint, "k", "s")


def test_mismatch_error_carries_reason_expected_and_actual() -> None:
    err = ObjectMismatch(UploadProblem.SIZE_MISMATCH, 10, 11, key="k")
    assert err.reason_code == "SIZE_MISMATCH"
    assert (err.expected, err.actual) == (10, 11)
    assert {p.value for p in UploadProblem} == {
        "SIZE_MISMATCH",
        "CHECKSUM_MISMATCH",
        "CONTENT_TYPE_NOT_ALLOWED",
    }
