"""Object storage for evidence, reports and documents on MinIO / any S3-compatible server.

Built on the official ``minio`` SDK. The SDK is synchronous, so every network call runs in a worker
thread (``asyncio.to_thread``) and the services' event loop never blocks on S3.

Uploads from phones and insurer systems go straight to the object store with presigned requests;
the service then calls :meth:`ObjectStore.verify_upload` before it records the object (RSK-04:
evidence is stored, not just referenced). Two presigned upload forms exist because they enforce
different things:

============================  =====================================  ==================================
what is enforced by S3        ``presigned_put`` (HTTP PUT)           ``presigned_post`` (HTML form POST)
============================  =====================================  ==================================
expiry (1 s .. 1 h)           yes (signature)                        yes (policy ``expiration``)
exact key                     yes                                    yes (``eq $key``)
Content-Type                  yes: signed header, another one        yes: ``eq $Content-Type``
                              fails the signature (403)              condition (403)
size limit                    no upper limit by itself; only an      yes: ``content-length-range``
                              *exact* size when ``size=`` is given   0..max_bytes (400 EntityTooLarge)
                              (Content-Length becomes signed)
content hash                  yes when ``sha256_hex=`` is given      no
                              (``x-amz-checksum-sha256`` signed;
                              the server recomputes it)
============================  =====================================  ==================================

Whatever the upload path, :meth:`ObjectStore.verify_upload` re-checks size, content type and the
SHA-256 of the stored bytes, because the declaration is what the record will cite.

There is deliberately no delete method: records are kept at least 10 years (XC-08), and buckets are
versioned so an overwrite never silently loses what a record references.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import io
import os
import re
import unicodedata
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import urllib3
from minio import Minio
from minio.commonconfig import ENABLED
from minio.datatypes import PostPolicy
from minio.error import S3Error
from minio.versioningconfig import VersioningConfig

from anju_kit.logging import get_logger

_log = get_logger(__name__)

MIN_EXPIRY = timedelta(seconds=1)
MAX_EXPIRY = timedelta(hours=1)  # short-lived: a leaked link must stop working soon

# Largest single PUT S3 accepts; above it the SDK would switch to multipart, where a whole-object
# checksum header is not valid. Evidence held in memory as bytes is far below this.
_MAX_SINGLE_PUT = 5 * 1024**3
_MIN_PART_SIZE = 5 * 1024**2
_HASH_CHUNK = 1024 * 1024

SHA256_METADATA = "x-amz-meta-sha256"

# Media types accepted as evidence and documents (photos, videos, scanned or generated PDFs).
DEFAULT_ALLOWED_CONTENT_TYPES: frozenset[str] = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/heic",
        "image/heif",
        "video/mp4",
        "video/quicktime",
        "application/pdf",
    }
)

_SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
# A checked key segment has the contracts' Identifier shape: a letter or digit first, no "..", no
# trailing "." — so it is never "." or "..", and never holds "/" or "\\".
_KEY_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*$")
_MAX_KEY_PART = 128
_MAX_KEY = 1024  # S3's limit on a key, in UTF-8 bytes
_MAX_FILENAME = 120


# --------------------------------------------------------------------------------------------- errors


class ObjectStoreError(Exception):
    """Base class of the object store's own errors."""


class ObjectMissing(ObjectStoreError):
    def __init__(self, bucket: str, key: str) -> None:
        super().__init__(f"object {bucket}/{key} does not exist")
        self.bucket = bucket
        self.key = key


class UnsafeObjectKey(ObjectStoreError, ValueError):
    """A part of an object key is not safe (``..``, a separator, a control character…).

    Typed so callers answer it as a refusal (reason code :attr:`reason_code`, the field in
    :attr:`label`) instead of a 500. The message names the part and the rule, not the value: ids
    and file names come from outside (XC-09).
    """

    reason_code = "UNSAFE_NAME"

    def __init__(self, label: str, rule: str) -> None:
        super().__init__(f"{label} {rule}")
        self.label = label
        self.rule = rule


class UploadProblem(StrEnum):
    """Reason codes for a refused upload; used as ``Rejected.reason_code`` / HTTP problem codes."""

    SIZE_MISMATCH = "SIZE_MISMATCH"
    CHECKSUM_MISMATCH = "CHECKSUM_MISMATCH"
    CONTENT_TYPE_NOT_ALLOWED = "CONTENT_TYPE_NOT_ALLOWED"


class ObjectMismatch(ObjectStoreError):
    """The stored object is not what the uploader declared."""

    def __init__(self, reason_code: UploadProblem, expected: object, actual: object, *, key: str = "") -> None:
        super().__init__(f"{reason_code.value}: {key} expected {expected!r}, got {actual!r}")
        self.reason_code = reason_code
        self.expected = expected
        self.actual = actual
        self.key = key


# ------------------------------------------------------------------------------------------ results


@dataclass(frozen=True, slots=True)
class StoredObject:
    bucket: str
    key: str
    size: int
    sha256: str  # lowercase hex
    etag: str
    version_id: str | None


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    bucket: str
    key: str
    size: int
    etag: str
    content_type: str | None
    last_modified: datetime | None
    version_id: str | None
    sha256: str | None  # from x-amz-meta-sha256 when the writer recorded it; not verified by stat
    metadata: Mapping[str, str] = field(default_factory=dict)  # x-amz-meta-* without the prefix


@dataclass(frozen=True, slots=True)
class PresignedUpload:
    """A presigned PUT. The client must send every header in ``headers_required`` unchanged."""

    url: str
    method: str
    headers_required: Mapping[str, str]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class PresignedPost:
    """A presigned browser-form POST: send ``form_fields`` first, then the file as field ``file``."""

    url: str
    form_fields: Mapping[str, str]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class PresignedDownload:
    url: str
    expires_at: datetime


class _S3Settings(Protocol):
    s3_endpoint: str
    s3_access_key: str
    s3_secure: bool

    @property
    def s3_secret_key(self) -> Any: ...  # SecretStr


# ------------------------------------------------------------------------------------- pure helpers


def check_expiry(expires: timedelta) -> timedelta:
    """Presigned links live between 1 second and 1 hour; anything else is a programming error."""
    if not isinstance(expires, timedelta):
        raise ValueError(f"expires must be a timedelta, got {type(expires).__name__}")
    if expires < MIN_EXPIRY or expires > MAX_EXPIRY:
        raise ValueError(
            f"expires must be between {MIN_EXPIRY.total_seconds():.0f} s and "
            f"{MAX_EXPIRY.total_seconds():.0f} s, got {expires.total_seconds()} s"
        )
    return expires


def _check_sha256_hex(value: str) -> str:
    if not _SHA256_HEX.match(value):
        raise ValueError("sha256_hex must be 64 hexadecimal characters")
    return value.lower()


def _media_type(content_type: str | None) -> str:
    """``'Image/JPEG; charset=x'`` → ``'image/jpeg'``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def sanitise_filename(filename: str) -> str:
    """Keep letters (Chinese included), digits, ``.``, ``-``, ``_``; everything else becomes ``_``.

    Path separators and ``..`` are rejected rather than cleaned, so a traversal attempt is visible;
    the refusal is an :class:`UnsafeObjectKey` (a ``ValueError``).
    """
    if not filename or not filename.strip():
        raise UnsafeObjectKey("filename", "must not be empty")
    if "/" in filename or "\\" in filename:
        raise UnsafeObjectKey("filename", "must not contain path separators")
    if filename.strip() in {".", ".."}:
        raise UnsafeObjectKey("filename", "must not be '.' or '..'")
    if any(unicodedata.category(ch) == "Cc" for ch in filename):
        raise UnsafeObjectKey("filename", "must not contain control characters")
    name = unicodedata.normalize("NFC", filename.strip())
    name = re.sub(r"[^\w.\-]", "_", name)
    name = re.sub(r"_{2,}", "_", name)
    name = re.sub(r"\.{2,}", ".", name).lstrip("._") or "file"
    if len(name) <= _MAX_FILENAME:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and 0 < len(ext) <= 10:  # keep the extension: viewers pick the app by it
        return stem[: _MAX_FILENAME - len(ext) - 1] + "." + ext
    return name[:_MAX_FILENAME]


def key_part(label: str, value: object) -> str:
    """``value`` if it is a safe key segment (the Identifier shape), else :class:`UnsafeObjectKey`."""
    if not isinstance(value, str) or not value:
        raise UnsafeObjectKey(label, "must not be empty")
    if len(value) > _MAX_KEY_PART or not _KEY_PART.match(value):
        raise UnsafeObjectKey(
            label,
            "is not a safe key part (letters, digits, '_', '-', single inner '.'; "
            f"starting with a letter or digit; at most {_MAX_KEY_PART} characters)",
        )
    return value


def object_key(*parts: tuple[str, str], leaf: str | None = None) -> str:
    """The key ``part/part/.../leaf`` from labelled parts, each checked by :func:`key_part`.

    ``leaf`` (a file's own name, already made by the caller, e.g. ``<uuid>-<sanitised name>``) is
    checked as one segment by :func:`check_key`. Keys are built only here, from checked parts, so a
    bad id becomes a typed refusal, never an object-store error (a 500) later.
    """
    if not parts:
        raise UnsafeObjectKey("key", "needs at least one part")
    key = "/".join(key_part(label, value) for label, value in parts)
    return check_key(f"{key}/{leaf}") if leaf is not None else key


def check_key(key: str, *, label: str = "key") -> str:
    """``key`` if every ``/`` segment is non-empty, not ``.``/``..``, has no leading ``.``, no ``\\`` and
    no control character, and the key fits S3's 1024 bytes; else :class:`UnsafeObjectKey`."""
    if not key:
        raise UnsafeObjectKey(label, "must not be empty")
    if len(key.encode()) > _MAX_KEY:
        raise UnsafeObjectKey(label, f"must be at most {_MAX_KEY} bytes")
    for segment in key.split("/"):
        if not segment:
            raise UnsafeObjectKey(label, "must not have an empty segment (leading, trailing or double '/')")
        if segment.startswith("."):
            raise UnsafeObjectKey(label, "must not have a segment starting with '.' ('.', '..', hidden names)")
        if "\\" in segment or any(unicodedata.category(ch) == "Cc" for ch in segment):
            raise UnsafeObjectKey(label, "must not contain '\\' or control characters")
    return key


def evidence_key(
    region: str,
    project_id: str,
    unit_id: str,
    claim_id: str,
    filename: str,
    *,
    object_id: uuid.UUID | None = None,
) -> str:
    """``region/project/unit/claim/<uuid>-<sanitised filename>`` — one household, one file (XC-03).

    Claims' layout, kept for the keys it has issued; other services lay out their keys with
    :class:`anju_kit.evidence.EvidenceKeys` (which gives exactly these keys for claims' parts).

    The uuid keeps two uploads of ``IMG_0001.jpg`` apart, so nothing is overwritten. Any unsafe
    part raises :class:`UnsafeObjectKey`.
    """
    oid = object_id or uuid.uuid4()
    return object_key(
        ("region", region),
        ("project_id", project_id),
        ("unit_id", unit_id),
        ("claim_id", claim_id),
        leaf=f"{oid}-{sanitise_filename(filename)}",
    )


def _parse_endpoint(endpoint: str, secure: bool) -> tuple[str, bool]:
    """Accept ``host:port`` (what the SDK wants) or a full URL; a URL's scheme decides ``secure``."""
    if "://" in endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError(f"unsupported S3 endpoint {endpoint!r}")
        if parts.path not in {"", "/"}:
            raise ValueError(f"S3 endpoint must not have a path: {endpoint!r}")
        return parts.netloc, parts.scheme == "https"
    if not endpoint or "/" in endpoint:
        raise ValueError(f"S3 endpoint must be host[:port], got {endpoint!r}")
    return endpoint, secure


def _host_header(netloc: str, secure: bool) -> str:
    """The Host header an HTTP client will send: default ports are left out."""
    default = ":443" if secure else ":80"
    return netloc[: -len(default)] if netloc.endswith(default) else netloc


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def _uri_encode(value: str, *, keep_slash: bool = False) -> str:
    # SigV4 encoding: unreserved characters stay, everything else is %XX (UTF-8).
    return quote(value, safe="/~" if keep_slash else "~")


def presign_v4(
    *,
    method: str,
    scheme: str,
    host: str,
    bucket: str,
    key: str,
    region: str,
    access_key: str,
    secret_key: str,
    now: datetime,
    expires: timedelta,
    signed_headers: Mapping[str, str] | None = None,
) -> str:
    """A SigV4 query-string presigned URL (path style) that also signs ``signed_headers``.

    The SDK's own presigner signs only ``host``, which cannot pin the Content-Type or checksum of a
    PUT; S3 (and MinIO) refuse a request whose signed header values differ. Algorithm as documented
    in "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)".
    """
    now = now.astimezone(UTC)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = now.strftime("%Y%m%d")
    scope = f"{day}/{region}/s3/aws4_request"

    headers = {k.strip().lower(): " ".join(v.split()) for k, v in (signed_headers or {}).items()}
    headers["host"] = host
    names = sorted(headers)
    signed_names = ";".join(names)
    canonical_headers = "".join(f"{n}:{headers[n]}\n" for n in names)

    path = "/" + _uri_encode(bucket) + "/" + _uri_encode(key, keep_slash=True)
    query = {
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": f"{access_key}/{scope}",
        "X-Amz-Date": amz_date,
        "X-Amz-Expires": str(int(expires.total_seconds())),
        "X-Amz-SignedHeaders": signed_names,
    }
    canonical_query = "&".join(f"{_uri_encode(k)}={_uri_encode(v)}" for k, v in sorted(query.items()))
    canonical_request = "\n".join([method, path, canonical_query, canonical_headers, signed_names, "UNSIGNED-PAYLOAD"])
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            amz_date,
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    signing_key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret_key).encode(), day), region), "s3"), "aws4_request")
    signature = hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{scheme}://{host}{path}?{canonical_query}&X-Amz-Signature={signature}"


# ------------------------------------------------------------------------------------------- store


class ObjectStore:
    """Async facade over one MinIO/S3 endpoint. Safe to share across tasks (the SDK is thread-safe)."""

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        secure: bool = False,
        region: str = "us-east-1",
    ) -> None:
        netloc, secure = _parse_endpoint(endpoint, secure)
        self._netloc = netloc
        self._secure = secure
        self._scheme = "https" if secure else "http"
        self._host = _host_header(netloc, secure)
        self._region = region
        self._access_key = access_key
        self._secret_key = secret_key
        # A fixed region keeps the SDK from asking the server for bucket locations.
        self._client = Minio(netloc, access_key=access_key, secret_key=secret_key, secure=secure, region=region)
        # Readiness must answer quickly: no retries, short timeouts.
        self._ping_client = Minio(
            netloc,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=urllib3.PoolManager(
                timeout=urllib3.Timeout(connect=2.0, read=2.0),
                retries=False,
                maxsize=2,
                cert_reqs="CERT_REQUIRED",
                ca_certs=os.environ.get("SSL_CERT_FILE") or _certifi_where(),
            ),
        )

    @classmethod
    def from_settings(cls, settings: _S3Settings) -> ObjectStore:
        secret = settings.s3_secret_key
        secret_value = secret.get_secret_value() if hasattr(secret, "get_secret_value") else str(secret)
        return cls(
            endpoint=settings.s3_endpoint,
            access_key=settings.s3_access_key,
            secret_key=secret_value,
            secure=bool(settings.s3_secure),
            region=getattr(settings, "s3_region", None) or "us-east-1",
        )

    @property
    def endpoint_url(self) -> str:
        return f"{self._scheme}://{self._host}"

    # ------------------------------------------------------------------------------------ buckets

    async def ensure_bucket(self, bucket: str) -> None:
        """Create the bucket if needed and turn on versioning (XC-08)."""
        await asyncio.to_thread(self._ensure_bucket_sync, bucket)

    def _ensure_bucket_sync(self, bucket: str) -> None:
        if not self._client.bucket_exists(bucket):
            try:
                self._client.make_bucket(bucket)
            except S3Error as exc:
                # Another instance created it between our check and our create.
                if exc.code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                    raise
        # Versioning keeps every overwritten or deleted version, so nothing a record references can
        # silently disappear (XC-08). MinIO supports it on a single drive since the "xl-single"
        # backend (2022); the legacy FS backend answers NotImplemented and we carry on without it.
        try:
            if self._client.get_bucket_versioning(bucket).status != ENABLED:
                self._client.set_bucket_versioning(bucket, VersioningConfig(ENABLED))
        except S3Error as exc:
            if exc.code != "NotImplemented":
                raise
            _log.warning("s3_versioning_unavailable", bucket=bucket, detail=exc.message)

    async def ping(self, bucket: str | None = None, *, within_s: float = 3.0) -> bool:
        """Readiness: the server answers and accepts our credentials (and ``bucket`` exists)."""

        def check() -> bool:
            if bucket is not None:
                return self._ping_client.bucket_exists(bucket)
            self._ping_client.list_buckets()
            return True

        try:
            return await asyncio.wait_for(asyncio.to_thread(check), within_s)
        except Exception as exc:  # readiness reports, it does not raise
            _log.warning("s3_ping_failed", endpoint=self.endpoint_url, error=type(exc).__name__)
            return False

    # ------------------------------------------------------------------------------------ objects

    async def put(self, bucket: str, key: str, data: bytes, content_type: str) -> StoredObject:
        """Store ``data`` in one PUT with its SHA-256 recorded twice.

        ``x-amz-meta-sha256`` (hex) travels with the object for later audits; ``x-amz-checksum-sha256``
        (base64) makes the server recompute the hash and refuse a corrupted body. The SDK (7.2.x) has
        no checksum parameter on ``put_object`` but passes ``x-amz-*`` headers through unchanged.
        """
        check_key(key)  # writes only under checked keys: a bad one is a typed error, not an S3 error
        if not content_type or not content_type.strip():
            raise ValueError("content_type must not be empty")
        if len(data) > _MAX_SINGLE_PUT:
            raise ValueError("object too large for a single PUT; stream it with a presigned upload")
        digest = hashlib.sha256(data).digest()
        sha_hex = digest.hex()
        headers = {
            SHA256_METADATA: sha_hex,
            "x-amz-checksum-sha256": base64.b64encode(digest).decode(),
        }

        def call() -> Any:
            return self._client.put_object(
                bucket,
                key,
                io.BytesIO(data),
                len(data),
                content_type=content_type,
                metadata=headers,  # type: ignore[arg-type]
                # One part exactly, so the whole-object checksum header is valid.
                part_size=max(_MIN_PART_SIZE, len(data)),
            )

        result = await asyncio.to_thread(call)
        return StoredObject(
            bucket=bucket,
            key=key,
            size=len(data),
            sha256=sha_hex,
            etag=(result.etag or "").strip('"'),
            version_id=result.version_id,
        )

    async def get(self, bucket: str, key: str, *, version_id: str | None = None) -> bytes:
        def call() -> bytes:
            response = self._client.get_object(bucket, key, version_id=version_id)
            try:
                return bytes(response.read())
            finally:
                response.close()
                response.release_conn()

        try:
            return await asyncio.to_thread(call)
        except S3Error as exc:
            if exc.code in {"NoSuchKey", "NoSuchBucket", "NoSuchVersion"}:
                raise ObjectMissing(bucket, key) from exc
            raise

    async def stat(self, bucket: str, key: str, *, version_id: str | None = None) -> ObjectInfo | None:
        try:
            obj = await asyncio.to_thread(self._client.stat_object, bucket, key, version_id=version_id)
        except S3Error as exc:
            if exc.code in {"NoSuchKey", "NoSuchBucket", "NoSuchVersion", "ResourceNotFound"}:
                return None
            raise
        raw = obj.metadata or {}
        meta = {
            str(k).lower()[len("x-amz-meta-") :]: str(v)
            for k, v in raw.items()
            if str(k).lower().startswith("x-amz-meta-")
        }
        return ObjectInfo(
            bucket=bucket,
            key=key,
            size=int(obj.size or 0),
            etag=(obj.etag or "").strip('"'),
            content_type=obj.content_type,
            last_modified=obj.last_modified,
            version_id=obj.version_id,
            sha256=meta.get("sha256"),
            metadata=meta,
        )

    # ---------------------------------------------------------------------------------- presigning

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
        """A PUT URL that only accepts ``content_type`` (signed header → 403 otherwise).

        It cannot cap the size by itself; pass ``size`` to require exactly that many bytes (the
        Content-Length header is signed) or use :meth:`presigned_post` for an upper limit. Pass
        ``sha256_hex`` to have the server refuse a body with another hash (400
        XAmzContentChecksumMismatch). ``headers_required`` then also lists Content-Length, which
        HTTP clients (browsers, httpx) set themselves from the body they send.
        """
        check_expiry(expires)
        check_key(key)
        if not content_type or not content_type.strip():
            raise ValueError("content_type must not be empty")
        headers: dict[str, str] = {"Content-Type": content_type.strip()}
        if size is not None:
            if size < 0:
                raise ValueError("size must not be negative")
            headers["Content-Length"] = str(size)
        if sha256_hex is not None:
            digest = bytes.fromhex(_check_sha256_hex(sha256_hex))
            headers["x-amz-checksum-sha256"] = base64.b64encode(digest).decode()
        now = datetime.now(UTC).replace(microsecond=0)
        url = presign_v4(
            method="PUT",
            scheme=self._scheme,
            host=self._host,
            bucket=bucket,
            key=key,
            region=self._region,
            access_key=self._access_key,
            secret_key=self._secret_key,
            now=now,
            expires=expires,
            signed_headers=headers,
        )
        return PresignedUpload(url=url, method="PUT", headers_required=headers, expires_at=now + expires)

    async def presigned_post(
        self,
        bucket: str,
        key: str,
        *,
        content_type: str,
        max_bytes: int,
        expires: timedelta,
        min_bytes: int = 1,
    ) -> PresignedPost:
        """A form POST whose policy pins the key and Content-Type and caps the size at ``max_bytes``.

        A larger file is answered 400 EntityTooLarge, another Content-Type 403; both store nothing.
        ``min_bytes`` defaults to 1 so an empty file is refused too.
        """
        check_expiry(expires)
        check_key(key)
        if not content_type or not content_type.strip():
            raise ValueError("content_type must not be empty")
        if max_bytes < 1 or min_bytes < 0 or min_bytes > max_bytes:
            raise ValueError("need 0 <= min_bytes <= max_bytes and max_bytes >= 1")
        expires_at = datetime.now(UTC).replace(microsecond=0) + expires
        policy = PostPolicy(bucket, expires_at)
        policy.add_equals_condition("key", key)
        policy.add_equals_condition("Content-Type", content_type.strip())
        policy.add_content_length_range_condition(min_bytes, max_bytes)
        fields = await asyncio.to_thread(self._client.presigned_post_policy, policy)
        form = {"key": key, "Content-Type": content_type.strip(), **fields}
        return PresignedPost(url=f"{self.endpoint_url}/{bucket}", form_fields=form, expires_at=expires_at)

    async def presigned_get(
        self, bucket: str, key: str, expires: timedelta, *, version_id: str | None = None
    ) -> PresignedDownload:
        check_expiry(expires)
        now = datetime.now(UTC).replace(microsecond=0)
        url = await asyncio.to_thread(
            self._client.presigned_get_object,
            bucket,
            key,
            expires=expires,
            request_date=now,
            version_id=version_id,
        )
        return PresignedDownload(url=url, expires_at=now + expires)

    # -------------------------------------------------------------------------------- verification

    async def verify_upload(
        self,
        bucket: str,
        key: str,
        *,
        size: int,
        sha256_hex: str,
        allowed_content_types: Collection[str] | None = None,
    ) -> StoredObject:
        """Check that what was uploaded is what was declared, before a record cites it (RSK-04).

        Cheap checks first (size, content type from HEAD), then the object is read back in 1 MiB
        chunks and hashed. Reading big videos costs one extra download; acceptable for evidence
        sizes, and it does not trust any checksum the uploader may or may not have sent. The hashed
        bytes are those of the exact version that was checked, so a concurrent overwrite cannot
        slip in between.
        """
        expected_sha = _check_sha256_hex(sha256_hex)
        allowed = {_media_type(t) for t in (allowed_content_types or DEFAULT_ALLOWED_CONTENT_TYPES)}
        info = await self.stat(bucket, key)
        if info is None:
            raise ObjectMissing(bucket, key)
        if info.size != size:
            raise ObjectMismatch(UploadProblem.SIZE_MISMATCH, size, info.size, key=key)
        if _media_type(info.content_type) not in allowed:
            raise ObjectMismatch(UploadProblem.CONTENT_TYPE_NOT_ALLOWED, sorted(allowed), info.content_type, key=key)

        def digest() -> str:
            hasher = hashlib.sha256()
            response = self._client.get_object(bucket, key, version_id=info.version_id)
            try:
                for chunk in response.stream(_HASH_CHUNK):
                    hasher.update(chunk)
            finally:
                response.close()
                response.release_conn()
            return hasher.hexdigest()

        try:
            actual_sha = await asyncio.to_thread(digest)
        except S3Error as exc:
            if exc.code in {"NoSuchKey", "NoSuchBucket", "NoSuchVersion"}:
                raise ObjectMissing(bucket, key) from exc
            raise
        if actual_sha != expected_sha:
            raise ObjectMismatch(UploadProblem.CHECKSUM_MISMATCH, expected_sha, actual_sha, key=key)
        return StoredObject(
            bucket=bucket,
            key=key,
            size=info.size,
            sha256=actual_sha,
            etag=info.etag,
            version_id=info.version_id,
        )


def _certifi_where() -> str | None:
    try:
        import certifi
    except ImportError:  # pragma: no cover - minio depends on certifi
        return None
    return str(certifi.where())
