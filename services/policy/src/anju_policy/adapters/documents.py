"""Underwriting documents (the 报价函, POL-04) in object storage, on the kit's evidence store.

Keys follow the kit's standard layout ``<region>/policy/project/<project id>/evidence/<uuid>-<file>``;
an upload goes straight to the object store through a presigned PUT pinning type, size and SHA-256,
and a command that cites it is accepted only after the stored bytes are checked. Nothing is deleted.
"""

from __future__ import annotations

from anju_contracts import underwriting as u
from anju_contracts.common import EvidenceRef
from anju_kit import evidence
from anju_kit.evidence import EvidenceKeys, UploadTicket
from anju_kit.objectstore import UnsafeObjectKey
from anju_kit.ports import ObjectStorage
from anju_kit.regions import EvidenceRules
from anju_policy.domain.errors import PolicyError

__all__ = ["PolicyDocuments", "UploadTicket"]


class PolicyDocuments:
    def __init__(self, objects: ObjectStorage, bucket: str, region: str, rules: EvidenceRules) -> None:
        self.store = evidence.EvidenceStore(objects, bucket, rules, refusal=PolicyError)
        self.region = region

    async def ensure_bucket(self) -> None:
        await self.store.ensure_bucket()

    def keys(self, project_id: str) -> EvidenceKeys:
        try:
            return EvidenceKeys.standard(self.region, "policy", "project", project_id)
        except UnsafeObjectKey as exc:
            raise self.store.unsafe(exc, "project_id") from exc

    async def upload_ticket(self, cmd: u.RequestDocumentUpload) -> UploadTicket:
        return await self.store.upload_ticket(
            self.keys(cmd.project_id),
            file_name=cmd.file_name,
            content_type=cmd.content_type,
            size=cmd.size,
            sha256=cmd.sha256,
        )

    async def put_document(self, project_id: str, name: str, data: bytes) -> EvidenceRef:
        """A document the service made (e.g. the POL-10 user notice) under the project's prefix."""
        return await self.store.put_document(self.keys(project_id).document_key(name), data)

    async def verify(self, project_id: str, ref: EvidenceRef, *, field: str) -> None:
        """The object is under the project's prefix with the declared size, type and SHA-256."""
        await self.store.verify(ref, prefix=self.keys(project_id).prefix, field=field)
