"""The kit's evidence key layout and refusals, without a network (RSK-04, XC-03, XC-08)."""

from __future__ import annotations

import uuid

import pytest

from anju_contracts import Refusal
from anju_contracts.common import EvidenceRef
from anju_kit.evidence import EvidenceKeys, EvidenceStore
from anju_kit.objectstore import ObjectStore, UnsafeObjectKey, evidence_key
from anju_kit.regions import EvidenceRules

FIXED = uuid.UUID("12345678-1234-5678-1234-567812345678")
SHA = "ab" * 32


class ServiceError(Refusal):
    """Stands in for a service's own domain error."""


def store() -> EvidenceStore:
    # Nothing listens on port 1: a test here that reached the network would fail, not pass.
    rules = EvidenceRules(
        presigned_upload_expiry_seconds=900, max_evidence_bytes=1_000, allowed_content_types=("image/jpeg",)
    )
    return EvidenceStore(ObjectStore("127.0.0.1:1", "k", "s"), "evidence", rules, refusal=ServiceError)


def test_xc03_standard_layout_is_region_service_subject_then_evidence_and_documents() -> None:
    keys = EvidenceKeys.standard("shanghai", "risk", "risk_issue", "ISS-7")
    assert keys.prefix == "shanghai/risk/risk_issue/ISS-7/"
    assert (
        keys.upload_key("裂缝 1.jpg", object_id=FIXED) == f"shanghai/risk/risk_issue/ISS-7/evidence/{FIXED}-裂缝_1.jpg"
    )
    assert keys.document_key("report-1.pdf") == "shanghai/risk/risk_issue/ISS-7/documents/report-1.pdf"


def test_xc08_claims_parts_give_exactly_the_keys_claims_has_issued() -> None:
    keys = EvidenceKeys.of(("region", "shanghai"), ("project_id", "P-1"), ("unit_id", "U-0101"), ("claim_id", "C-77"))
    assert keys.prefix == "shanghai/P-1/U-0101/C-77/"
    assert keys.upload_key("crack.jpg", object_id=FIXED) == evidence_key(
        "shanghai", "P-1", "U-0101", "C-77", "crack.jpg", object_id=FIXED
    )
    assert keys.document_key("rejection-notice-1.pdf") == "shanghai/P-1/U-0101/C-77/documents/rejection-notice-1.pdf"


@pytest.mark.parametrize("subject_id", ["..", "a/b", "a:b", "", ".hidden", "x" * 129])
def test_an_unsafe_part_is_refused_naming_the_part(subject_id: str) -> None:
    with pytest.raises(UnsafeObjectKey) as err:
        EvidenceKeys.standard("shanghai", "risk", "risk_issue", subject_id)
    assert (err.value.reason_code, err.value.label) == ("UNSAFE_NAME", "subject_id")


async def test_upload_ticket_refusals_are_the_services_own_error_naming_the_field() -> None:
    keys = EvidenceKeys.standard("shanghai", "risk", "risk_issue", "ISS-7")
    cases = [
        ({"file_name": "a.jpg", "content_type": "text/html", "size": 10}, ("CONTENT_TYPE_NOT_ALLOWED", "content_type")),
        ({"file_name": "a.jpg", "content_type": "image/jpeg", "size": 1_001}, ("TOO_LARGE", "size")),
        ({"file_name": "../a.jpg", "content_type": "image/jpeg", "size": 10}, ("UNSAFE_NAME", "file_name")),
    ]
    for given, expected in cases:
        with pytest.raises(ServiceError) as err:
            await store().upload_ticket(keys, sha256=SHA, **given)  # type: ignore[arg-type]
        assert (err.value.reason_code, err.value.field) == expected


async def test_rsk04_evidence_outside_the_records_prefix_is_forbidden_before_any_lookup() -> None:
    keys = EvidenceKeys.standard("shanghai", "risk", "risk_issue", "ISS-7")
    theirs = EvidenceRef(
        key="shanghai/risk/risk_issue/ISS-8/evidence/x.jpg", sha256=SHA, size=10, content_type="image/jpeg"
    )
    with pytest.raises(ServiceError) as err:
        await store().verify_to_attach([("photos.0", theirs)], prefix=keys.prefix)
    assert (err.value.reason_code, err.value.field) == ("FORBIDDEN", "photos.0.key")
    # One already attached (by key) is not checked again: a replayed command costs no lookup.
    await store().verify_to_attach([("photos.0", theirs)], prefix=keys.prefix, attached={theirs.key})


async def test_a_document_key_with_dot_dot_is_refused() -> None:
    with pytest.raises(ServiceError) as err:
        await store().put_document("shanghai/risk/../documents/x.pdf", b"%PDF")
    assert (err.value.reason_code, err.value.field) == ("UNSAFE_NAME", "document")
