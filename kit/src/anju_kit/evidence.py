"""Evidence in object storage for any service (RSK-04, XC-03, XC-08): upload tickets, the check before
a record cites an object, and the documents a service generates. Nothing a record references is ever
deleted (the object store has no delete).

Photos and videos go straight from the phone to the object store through a short-lived presigned PUT
that pins the key, the content type, the exact size and the SHA-256; before a record cites an object
(an :class:`~anju_contracts.common.EvidenceRef`), :meth:`EvidenceStore.verify` checks that it lies
under the record's prefix and that the stored bytes are what was declared.

**Key layout.** Every key is built by the kit's checked key builder from Identifier-shaped parts, so
an unsafe id or file name is a typed refusal (``UNSAFE_NAME`` naming the part), never an object-store
error. A record's files sit under one prefix, :meth:`EvidenceKeys.standard`::

    <region>/<service>/<subject kind>/<subject id>/evidence/<uuid>-<file name>   uploads
    <region>/<service>/<subject kind>/<subject id>/documents/<name>              generated documents

A service that issued keys before keeps its own prefix (:meth:`EvidenceKeys.of`): stored keys must
keep verifying for as long as the records last (ten years, XC-08). Claims does: its keys are
``<region>/<project>/<unit>/<claim>/<uuid>-<file>`` (one household, one file, XC-03).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from anju_contracts import ReasonCode, Refusal
from anju_contracts.common import EvidenceRef
from anju_kit.objectstore import (
    MAX_EXPIRY,
    ObjectMismatch,
    ObjectMissing,
    UnsafeObjectKey,
    check_key,
    object_key,
    sanitise_filename,
)
from anju_kit.ports import ObjectStorage
from anju_kit.regions import EvidenceRules

PDF = "application/pdf"
# What an ObjectMismatch's reason names in the cited EvidenceRef.
_MISMATCH_FIELD = {"SIZE_MISMATCH": "size", "CHECKSUM_MISMATCH": "sha256", "CONTENT_TYPE_NOT_ALLOWED": "content_type"}


@dataclass(frozen=True)
class EvidenceKeys:
    """The object keys of one record's files: ``parts`` (label, value) make its prefix; uploads go to
    the ``uploads`` folder under it (directly under it when None). Raises :class:`UnsafeObjectKey`
    (labelled with the part) when a part is not a safe key segment."""

    parts: tuple[tuple[str, str], ...]
    uploads: str | None = "evidence"

    def __post_init__(self) -> None:
        object_key(*self.parts)
        if self.uploads is not None:
            check_key(self.uploads, label="uploads")

    @classmethod
    def standard(cls, region: str, service: str, subject_kind: str, subject_id: str) -> EvidenceKeys:
        """``<region>/<service>/<subject kind>/<subject id>/``, uploads in ``evidence/``."""
        return cls(
            (("region", region), ("service", service), ("subject_kind", subject_kind), ("subject_id", subject_id))
        )

    @classmethod
    def of(cls, *parts: tuple[str, str], uploads: str | None = None) -> EvidenceKeys:
        """A service's own (already issued) layout, e.g. claims' region/project/unit/claim."""
        return cls(tuple(parts), uploads)

    @property
    def prefix(self) -> str:
        return f"{object_key(*self.parts)}/"

    def upload_key(self, file_name: str, *, object_id: uuid.UUID | None = None) -> str:
        """A new key for an upload of ``file_name``: the uuid keeps two uploads of one name apart."""
        leaf = f"{object_id or uuid.uuid4()}-{sanitise_filename(file_name)}"
        return object_key(*self.parts, leaf=leaf if self.uploads is None else f"{self.uploads}/{leaf}")

    def document_key(self, name: str) -> str:
        """The key of a generated document, e.g. ``documents/rejection-notice-1.pdf`` under the prefix."""
        return object_key(*self.parts, leaf=f"documents/{name}")


@dataclass(frozen=True)
class UploadTicket:
    key: str
    url: str
    method: str
    headers: dict[str, str]
    expires_at: datetime


class EvidenceStore:
    """Evidence of one service in its bucket, under the region's evidence rules (on the object store, or
    its in-memory double :class:`anju_kit.memory.MemoryObjects` in component tests).

    Refusals are raised as ``refusal`` (a :class:`~anju_contracts.Refusal` subclass, e.g. the
    service's own domain error) with the reason code and the offending field, never the value.
    """

    def __init__(
        self, objects: ObjectStorage, bucket: str, rules: EvidenceRules, *, refusal: type[Refusal] = Refusal
    ) -> None:
        self.objects = objects
        self.bucket = bucket
        self.rules = rules
        self.refusal = refusal

    async def ensure_bucket(self) -> None:
        await self.objects.ensure_bucket(self.bucket)

    def unsafe(self, exc: UnsafeObjectKey, field: str | None = None) -> Refusal:
        """The refusal for an unsafe key part, on ``field`` (default: the part's label)."""
        return self.refusal(exc.reason_code, str(exc), field=field or exc.label)

    async def upload_ticket(
        self, keys: EvidenceKeys, *, file_name: str, content_type: str, size: int, sha256: str
    ) -> UploadTicket:
        """A presigned PUT for one file under ``keys``, pinning its type, exact size and SHA-256."""
        if content_type not in self.rules.allowed_content_types:
            raise self.refusal(
                "CONTENT_TYPE_NOT_ALLOWED",
                f"allowed: {', '.join(self.rules.allowed_content_types)}",
                field="content_type",
            )
        if size > self.rules.max_evidence_bytes:
            raise self.refusal("TOO_LARGE", f"at most {self.rules.max_evidence_bytes} bytes per file", field="size")
        try:
            key = keys.upload_key(file_name)
        except UnsafeObjectKey as exc:
            raise self.unsafe(exc, "file_name" if exc.label == "filename" else None) from exc
        # The kit caps presigned links at one hour; the region may ask for less.
        expires = min(timedelta(seconds=self.rules.presigned_upload_expiry_seconds), MAX_EXPIRY)
        signed = await self.objects.presigned_put(
            self.bucket, key, content_type=content_type, expires=expires, size=size, sha256_hex=sha256
        )
        return UploadTicket(key, signed.url, signed.method, dict(signed.headers_required), signed.expires_at)

    async def verify(self, ref: EvidenceRef, *, prefix: str, field: str = "evidence") -> None:
        """The object exists under ``prefix`` (an :attr:`EvidenceKeys.prefix`) with the declared size,
        type and SHA-256."""
        if not ref.key.startswith(prefix):
            raise self.refusal(ReasonCode.FORBIDDEN, f"evidence must be stored under {prefix}", field=f"{field}.key")
        if ref.content_type not in self.rules.allowed_content_types:
            raise self.refusal("CONTENT_TYPE_NOT_ALLOWED", "content type not allowed", field=f"{field}.content_type")
        try:
            await self.objects.verify_upload(
                self.bucket,
                ref.key,
                size=ref.size,
                sha256_hex=ref.sha256,
                allowed_content_types=self.rules.allowed_content_types,
            )
        except ObjectMissing as exc:
            missing = self.refusal("EVIDENCE_MISSING", "no object was uploaded under this key", field=f"{field}.key")
            raise missing from exc
        except ObjectMismatch as exc:
            code = exc.reason_code.value
            raise self.refusal(code, str(exc), field=f"{field}.{_MISMATCH_FIELD.get(code, 'key')}") from exc

    async def verify_to_attach(
        self, refs: Iterable[tuple[str, EvidenceRef]], *, prefix: str, attached: Collection[str] = ()
    ) -> None:
        """Before attaching ``(field, ref)`` pairs to a record: each ref not attached yet (by key) is
        verified; one attached already was verified then (a replayed command is not re-checked)."""
        for field, ref in refs:
            if ref.key not in attached:
                await self.verify(ref, prefix=prefix, field=field)

    async def put_document(self, key: str, data: bytes, content_type: str = PDF) -> EvidenceRef:
        """Store a generated document (e.g. from :meth:`EvidenceKeys.document_key`) and cite it."""
        try:
            check_key(key, label="document")
        except UnsafeObjectKey as exc:
            raise self.unsafe(exc) from exc
        stored = await self.objects.put(self.bucket, key, data, content_type)
        return EvidenceRef(key=key, sha256=stored.sha256, size=stored.size, content_type=content_type)

    async def read(self, key: str) -> bytes:
        return await self.objects.get(self.bucket, key)
