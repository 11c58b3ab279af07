"""Evidence and documents in object storage (XC-08: nothing a claim references is ever deleted).

Photos and videos go straight from the phone to the object store through a short-lived presigned
PUT that pins the key, the content type, the exact size and the SHA-256; before a claim cites an
object, :meth:`EvidenceStore.verify` checks it exists and matches what was declared. Keys are
``region/project/unit/claim/...`` so everything of one household sits together (XC-03).

Keys are built only by the kit's checked key builder; an unsafe id or file name becomes a typed
refusal (``UNSAFE_NAME`` on the offending field), never an object-store error or a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from anju_claims.domain.errors import ClaimError
from anju_contracts import ReasonCode
from anju_contracts.claims import EvidenceRef, RequestEvidenceUpload
from anju_kit.objectstore import (
    ObjectMismatch,
    ObjectMissing,
    ObjectStore,
    UnsafeObjectKey,
    check_key,
    evidence_key,
    object_key,
)
from anju_kit.regions import EvidenceRules

PDF = "application/pdf"


def _refusal(exc: UnsafeObjectKey, field: str | None = None) -> ClaimError:
    return ClaimError(exc.reason_code, str(exc), field=field or exc.label)


@dataclass(frozen=True)
class UploadTicket:
    key: str
    url: str
    method: str
    headers: dict[str, str]
    expires_at: datetime


class EvidenceStore:
    def __init__(self, objects: ObjectStore, bucket: str, region: str, rules: EvidenceRules) -> None:
        self.objects = objects
        self.bucket = bucket
        self.region = region
        self.rules = rules

    async def ensure_bucket(self) -> None:
        await self.objects.ensure_bucket(self.bucket)

    def prefix(self, project_id: str, unit_id: str, claim_id: str) -> str:
        try:
            key = object_key(
                ("region", self.region), ("project_id", project_id), ("unit_id", unit_id), ("claim_id", claim_id)
            )
        except UnsafeObjectKey as exc:
            raise _refusal(exc) from exc
        return f"{key}/"

    async def upload_ticket(self, project_id: str, unit_id: str, cmd: RequestEvidenceUpload) -> UploadTicket:
        if cmd.content_type not in self.rules.allowed_content_types:
            raise ClaimError(
                "CONTENT_TYPE_NOT_ALLOWED",
                f"allowed: {', '.join(self.rules.allowed_content_types)}",
                field="content_type",
            )
        if cmd.size > self.rules.max_evidence_bytes:
            raise ClaimError("TOO_LARGE", f"at most {self.rules.max_evidence_bytes} bytes per file", field="size")
        try:
            key = evidence_key(self.region, project_id, unit_id, cmd.claim_id, cmd.file_name)
        except UnsafeObjectKey as exc:
            raise _refusal(exc, "file_name" if exc.label == "filename" else None) from exc
        # The kit caps presigned links at one hour; the region may ask for less.
        expires = timedelta(seconds=min(self.rules.presigned_upload_expiry_seconds, 3600))
        signed = await self.objects.presigned_put(
            self.bucket, key, content_type=cmd.content_type, expires=expires, size=cmd.size, sha256_hex=cmd.sha256
        )
        return UploadTicket(key, signed.url, signed.method, dict(signed.headers_required), signed.expires_at)

    async def verify(self, ref: EvidenceRef, *, prefix: str, field: str = "evidence") -> None:
        """The object exists under this claim's prefix with the declared size, type and SHA-256."""
        if not ref.key.startswith(prefix):
            raise ClaimError(ReasonCode.FORBIDDEN, f"evidence must be stored under {prefix}", field=f"{field}.key")
        if ref.content_type not in self.rules.allowed_content_types:
            raise ClaimError("CONTENT_TYPE_NOT_ALLOWED", "content type not allowed", field=f"{field}.content_type")
        try:
            await self.objects.verify_upload(
                self.bucket,
                ref.key,
                size=ref.size,
                sha256_hex=ref.sha256,
                allowed_content_types=self.rules.allowed_content_types,
            )
        except ObjectMissing as exc:
            raise ClaimError("EVIDENCE_MISSING", "no object was uploaded under this key", field=f"{field}.key") from exc
        except ObjectMismatch as exc:
            names = {"SIZE_MISMATCH": "size", "CHECKSUM_MISMATCH": "sha256", "CONTENT_TYPE_NOT_ALLOWED": "content_type"}
            raise ClaimError(
                exc.reason_code.value, str(exc), field=f"{field}.{names.get(exc.reason_code.value, 'key')}"
            ) from exc

    async def put_document(self, key: str, data: bytes) -> EvidenceRef:
        try:
            check_key(key, label="document")
        except UnsafeObjectKey as exc:
            raise _refusal(exc) from exc
        stored = await self.objects.put(self.bucket, key, data, PDF)
        return EvidenceRef(key=key, sha256=stored.sha256, size=stored.size, content_type=PDF)

    async def read(self, key: str) -> bytes:
        return await self.objects.get(self.bucket, key)
