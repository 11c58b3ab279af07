"""The kit's evidence store against the real local MinIO: a ticket, the upload, the check before a
record cites it — in the standard layout and in claims' layout, whose stored keys must keep verifying
(RSK-04, XC-08)."""

from __future__ import annotations

import contextlib
import hashlib
import secrets

import httpx
import pytest
from minio import Minio
from minio.error import S3Error

from anju_contracts import Refusal
from anju_contracts.common import EvidenceRef
from anju_kit.evidence import EvidenceKeys, EvidenceStore
from anju_kit.objectstore import ObjectStore, evidence_key
from anju_kit.regions import EvidenceRules

pytestmark = pytest.mark.integration

JPEG = b"\xff\xd8\xff\xe0" + b"evidence bytes " * 50
RULES = EvidenceRules(
    presigned_upload_expiry_seconds=900, max_evidence_bytes=1_000_000, allowed_content_types=("image/jpeg",)
)


@pytest.fixture
async def evidence(infra):  # type: ignore[no-untyped-def]
    objects = ObjectStore(infra.s3_endpoint, infra.s3_access_key, infra.s3_secret_key)
    store = EvidenceStore(objects, f"anju-test-{secrets.token_hex(4)}", RULES)
    await store.ensure_bucket()
    yield store
    raw = Minio(infra.s3_endpoint, access_key=infra.s3_access_key, secret_key=infra.s3_secret_key, secure=False)
    with contextlib.suppress(S3Error):  # test buckets are not records
        for obj in raw.list_objects(store.bucket, recursive=True, include_version=True):
            raw.remove_object(store.bucket, str(obj.object_name), version_id=obj.version_id)
        raw.remove_bucket(store.bucket)


def _ref(key: str, data: bytes = JPEG) -> EvidenceRef:
    return EvidenceRef(key=key, sha256=hashlib.sha256(data).hexdigest(), size=len(data), content_type="image/jpeg")


async def test_rsk04_ticket_upload_and_verify_in_the_standard_layout(evidence: EvidenceStore) -> None:
    keys = EvidenceKeys.standard("shanghai", "risk", "risk_issue", "ISS-7")
    ticket = await evidence.upload_ticket(
        keys, file_name="整改前.jpg", content_type="image/jpeg", size=len(JPEG), sha256=hashlib.sha256(JPEG).hexdigest()
    )
    assert ticket.key.startswith("shanghai/risk/risk_issue/ISS-7/evidence/") and ticket.key.endswith("-整改前.jpg")
    async with httpx.AsyncClient() as http:
        response = await http.request(ticket.method, ticket.url, content=JPEG, headers=ticket.headers)
    assert response.status_code == 200, response.text
    await evidence.verify_to_attach([("before.0", _ref(ticket.key))], prefix=keys.prefix)
    with pytest.raises(Refusal) as err:
        await evidence.verify(_ref(ticket.key, JPEG + b"x"), prefix=keys.prefix, field="before.0")
    assert (err.value.reason_code, err.value.field) == ("SIZE_MISMATCH", "before.0.size")
    with pytest.raises(Refusal) as missing:
        await evidence.verify(_ref(keys.upload_key("never.jpg")), prefix=keys.prefix)
    assert (missing.value.reason_code, missing.value.field) == ("EVIDENCE_MISSING", "evidence.key")


async def test_xc08_a_key_claims_issued_before_still_verifies(evidence: EvidenceStore) -> None:
    stored_key = evidence_key("shanghai", "P-1", "U-0101", "C-77", "crack.jpg")  # how claims built keys
    await evidence.objects.put(evidence.bucket, stored_key, JPEG, "image/jpeg")
    claims_keys = EvidenceKeys.of(
        ("region", "shanghai"), ("project_id", "P-1"), ("unit_id", "U-0101"), ("claim_id", "C-77")
    )
    await evidence.verify(_ref(stored_key), prefix=claims_keys.prefix)
    document = await evidence.put_document(claims_keys.document_key("rejection-notice-1.pdf"), b"%PDF-1.7 notice")
    assert document.key == "shanghai/P-1/U-0101/C-77/documents/rejection-notice-1.pdf"
    assert await evidence.read(document.key) == b"%PDF-1.7 notice"
