"""A project's risk evidence in object storage, on the kit's evidence store (RSK-04: stored, not just
referenced; XC-08: nothing is deleted).

Keys follow the kit's standard layout ``<region>/risk/project/<project id>/evidence/<uuid>-<file>``;
photos and videos go straight from the phone to the object store through a presigned PUT pinning type,
size and SHA-256, and a command citing an object is accepted only after the stored bytes are checked.
Generated reports sit under ``…/documents/``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import timedelta

from anju_contracts import risk as r
from anju_contracts.common import EvidenceRef
from anju_kit import evidence
from anju_kit.evidence import EvidenceKeys, UploadTicket
from anju_kit.objectstore import PresignedDownload, UnsafeObjectKey
from anju_kit.ports import ObjectStorage
from anju_kit.regions import EvidenceRules
from anju_risk.domain.errors import RiskError

__all__ = ["RiskEvidence", "UploadTicket"]


class RiskEvidence:
    def __init__(self, objects: ObjectStorage, bucket: str, region: str, rules: EvidenceRules) -> None:
        self.store = evidence.EvidenceStore(objects, bucket, rules, refusal=RiskError)
        self.objects, self.bucket, self.region = objects, bucket, region

    async def ensure_bucket(self) -> None:
        await self.store.ensure_bucket()

    def keys(self, project_id: str) -> EvidenceKeys:
        try:
            return EvidenceKeys.standard(self.region, "risk", "project", project_id)
        except UnsafeObjectKey as exc:
            raise self.store.unsafe(exc, "project_id") from exc

    async def upload_ticket(self, cmd: r.RequestEvidenceUpload) -> UploadTicket:
        return await self.store.upload_ticket(
            self.keys(cmd.project_id),
            file_name=cmd.file_name,
            content_type=cmd.content_type,
            size=cmd.size,
            sha256=cmd.sha256,
        )

    async def verify_to_attach(
        self, project_id: str, refs: Iterable[tuple[str, EvidenceRef]], *, attached: Collection[str] = ()
    ) -> None:
        """Each ``(field, ref)`` not cited by the file yet lies under the project's prefix with the
        declared size, type and SHA-256 (a replayed command is not re-checked)."""
        await self.store.verify_to_attach(refs, prefix=self.keys(project_id).prefix, attached=attached)

    async def put_document(self, project_id: str, name: str, data: bytes) -> EvidenceRef:
        return await self.store.put_document(self.keys(project_id).document_key(name), data)

    async def read(self, key: str) -> bytes:
        return await self.store.read(key)

    async def download_link(self, key: str, expires: timedelta) -> PresignedDownload:
        return await self.objects.presigned_get(self.bucket, key, expires)
