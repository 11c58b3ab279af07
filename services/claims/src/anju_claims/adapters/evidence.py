"""Claims' evidence and documents on the kit's evidence store (XC-08: nothing a claim references is
ever deleted).

Claims keeps the key layout it has issued since its first release, ``region/project/unit/claim/...``
(everything of one household together, XC-03), with uploads directly under the claim's prefix and
generated documents under ``documents/``: keys already stored must keep verifying for ten years. A
refusal is a :class:`ClaimError` naming the field (``UNSAFE_NAME``, ``EVIDENCE_MISSING``, …).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import timedelta

from anju_claims.domain.errors import ClaimError
from anju_contracts.claims import EvidenceRef, RequestEvidenceUpload
from anju_kit import evidence
from anju_kit.evidence import EvidenceKeys, UploadTicket
from anju_kit.objectstore import PresignedDownload, UnsafeObjectKey
from anju_kit.ports import ObjectStorage
from anju_kit.regions import EvidenceRules

__all__ = ["EvidenceStore", "UploadTicket"]


class EvidenceStore:
    def __init__(self, objects: ObjectStorage, bucket: str, region: str, rules: EvidenceRules) -> None:
        self.store = evidence.EvidenceStore(objects, bucket, rules, refusal=ClaimError)
        self.objects, self.bucket, self.region = objects, bucket, region

    async def ensure_bucket(self) -> None:
        await self.store.ensure_bucket()

    def keys(self, project_id: str, unit_id: str, claim_id: str) -> EvidenceKeys:
        try:
            return EvidenceKeys.of(
                ("region", self.region), ("project_id", project_id), ("unit_id", unit_id), ("claim_id", claim_id)
            )
        except UnsafeObjectKey as exc:
            raise self.store.unsafe(exc) from exc

    def prefix(self, project_id: str, unit_id: str, claim_id: str) -> str:
        return self.keys(project_id, unit_id, claim_id).prefix

    async def upload_ticket(self, project_id: str, unit_id: str, cmd: RequestEvidenceUpload) -> UploadTicket:
        return await self.store.upload_ticket(
            self.keys(project_id, unit_id, cmd.claim_id),
            file_name=cmd.file_name,
            content_type=cmd.content_type,
            size=cmd.size,
            sha256=cmd.sha256,
        )

    async def verify(self, ref: EvidenceRef, *, prefix: str, field: str = "evidence") -> None:
        """The object exists under this claim's prefix with the declared size, type and SHA-256."""
        await self.store.verify(ref, prefix=prefix, field=field)

    async def verify_to_attach(
        self, refs: Iterable[tuple[str, EvidenceRef]], *, prefix: str, attached: Collection[str] = ()
    ) -> None:
        """Each ``(field, ref)`` not attached to the claim yet is verified (a replay is not re-checked)."""
        await self.store.verify_to_attach(refs, prefix=prefix, attached=attached)

    async def download_link(self, key: str, expires: timedelta) -> PresignedDownload:
        """A short-lived link to a stored document (entrypoints.http)."""
        return await self.objects.presigned_get(self.bucket, key, expires)

    async def put_document(self, key: str, data: bytes) -> EvidenceRef:
        return await self.store.put_document(key, data)

    async def read(self, key: str) -> bytes:
        return await self.store.read(key)
