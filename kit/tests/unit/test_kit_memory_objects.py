"""The in-memory object store under the kit's evidence store refuses what MinIO refuses (RSK-04, XC-08),
so component tests on it take the evidence code's real paths (kit/tests/integration/test_kit_evidence.py
runs the same steps on MinIO)."""

from __future__ import annotations

import hashlib

import pytest

from anju_contracts import Refusal
from anju_contracts.common import EvidenceRef
from anju_kit.evidence import EvidenceKeys, EvidenceStore
from anju_kit.memory import MemoryObjects
from anju_kit.objectstore import ObjectMissing, ObjectStoreError
from anju_kit.regions import EvidenceRules

JPEG = b"\xff\xd8\xff\xe0" + b"evidence bytes " * 50
RULES = EvidenceRules(
    presigned_upload_expiry_seconds=900, max_evidence_bytes=1_000_000, allowed_content_types=("image/jpeg",)
)
KEYS = EvidenceKeys.standard("shanghai", "risk", "risk_issue", "ISS-7")


def _ref(key: str, data: bytes = JPEG, content_type: str = "image/jpeg") -> EvidenceRef:
    return EvidenceRef(key=key, sha256=hashlib.sha256(data).hexdigest(), size=len(data), content_type=content_type)


@pytest.fixture
async def evidence() -> EvidenceStore:
    store = EvidenceStore(MemoryObjects(), "evidence", RULES)
    await store.ensure_bucket()
    return store


async def test_rsk04_ticket_upload_and_verify(evidence: EvidenceStore) -> None:
    ticket = await evidence.upload_ticket(
        KEYS, file_name="整改前.jpg", content_type="image/jpeg", size=len(JPEG), sha256=hashlib.sha256(JPEG).hexdigest()
    )
    assert ticket.key.startswith(KEYS.prefix + "evidence/") and ticket.headers["Content-Length"] == str(len(JPEG))
    objects = evidence.objects
    assert isinstance(objects, MemoryObjects)
    objects.upload(evidence.bucket, ticket.key, JPEG, "image/jpeg")  # the phone's PUT
    await evidence.verify_to_attach([("before.0", _ref(ticket.key))], prefix=KEYS.prefix)


@pytest.mark.parametrize(
    ("stored", "declared", "reason", "field"),
    [
        (None, _ref("shanghai/risk/risk_issue/ISS-7/evidence/x.jpg"), "EVIDENCE_MISSING", "e.key"),
        (JPEG, _ref("shanghai/risk/risk_issue/ISS-7/evidence/x.jpg", JPEG + b"x"), "SIZE_MISMATCH", "e.size"),
        (JPEG[::-1], _ref("shanghai/risk/risk_issue/ISS-7/evidence/x.jpg"), "CHECKSUM_MISMATCH", "e.sha256"),
        (JPEG, _ref("shanghai/risk/risk_issue/ISS-8/evidence/x.jpg"), "FORBIDDEN", "e.key"),
    ],
)
async def test_rsk04_what_was_declared_is_what_is_stored(
    evidence: EvidenceStore, stored: bytes | None, declared: EvidenceRef, reason: str, field: str
) -> None:
    if stored is not None:
        await evidence.objects.put(evidence.bucket, declared.key, stored, "image/jpeg")
    with pytest.raises(Refusal) as refused:
        await evidence.verify(declared, prefix=KEYS.prefix, field="e")
    assert (refused.value.reason_code, refused.value.field) == (reason, field)


async def test_xc08_documents_are_kept_and_read_back(evidence: EvidenceStore) -> None:
    document = await evidence.put_document(KEYS.document_key("report-1.pdf"), b"%PDF-1.7 report")
    assert document.sha256 == hashlib.sha256(b"%PDF-1.7 report").hexdigest() and document.size == 15
    assert await evidence.read(document.key) == b"%PDF-1.7 report"
    with pytest.raises(ObjectMissing):
        await evidence.read(KEYS.document_key("never.pdf"))
    with pytest.raises(ObjectStoreError):
        await MemoryObjects().put("no-bucket", "a/b", b"x", "image/jpeg")
