"""Object keys are built only from checked parts (CLM-04, RSK-04): a bad part is a typed
:class:`UnsafeObjectKey` at once, never an object-store error (a 500) later — a claim id ``..``
once made every rejection notice of that claim fail to store."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from pydantic import TypeAdapter

from anju_contracts.base import ObjectKey
from anju_kit.objectstore import ObjectStore, UnsafeObjectKey, check_key, evidence_key, key_part, object_key

FIXED_ID = uuid.UUID("12345678-1234-5678-1234-567812345678")


@pytest.mark.parametrize("claim_id", ["..", ".", "a:b", "a/b", "a..b", "a.", "a\\b", "", "x" * 129, 17])
def test_clm04_unsafe_claim_id_is_refused_by_the_key_builder_with_a_typed_error(claim_id: object) -> None:
    with pytest.raises(UnsafeObjectKey) as err:
        object_key(("region", "shanghai"), ("claim_id", claim_id), leaf="rejection-notice-1.pdf")  # type: ignore[arg-type]
    assert err.value.label == "claim_id"
    assert err.value.reason_code == "UNSAFE_NAME"
    assert isinstance(err.value, ValueError)  # callers that catch ValueError keep working
    if isinstance(claim_id, str) and len(claim_id) > 2:
        assert claim_id not in str(err.value)  # names the part and the rule, not the value (XC-09)


def test_xc03_key_builder_joins_checked_parts() -> None:
    assert object_key(("region", "shanghai"), ("project_id", "P-1"), ("claim_id", "C.2")) == "shanghai/P-1/C.2"
    assert object_key(("region", "shanghai"), leaf="documents/notice-1.pdf") == "shanghai/documents/notice-1.pdf"
    assert key_part("unit_id", "U-0101") == "U-0101"


@pytest.mark.parametrize("leaf", ["..", "../x.pdf", "a//b.pdf", "a/", ".hidden", "a\\b", "a\x00b"])
def test_rsk04_unsafe_leaf_is_refused_with_a_typed_error(leaf: str) -> None:
    with pytest.raises(UnsafeObjectKey):
        object_key(("region", "shanghai"), leaf=leaf)


@pytest.mark.parametrize("filename", ["..", ".", "a/b.jpg", "..\\x.jpg", "evil\x00.jpg", ""])
def test_rsk04_unsafe_file_name_is_a_typed_error(filename: str) -> None:
    with pytest.raises(UnsafeObjectKey) as err:
        evidence_key("shanghai", "P1", "U1", "C1", filename)
    assert err.value.label == "filename"


def test_rsk04_evidence_key_of_a_chinese_file_name_satisfies_the_contract() -> None:
    key = evidence_key("shanghai", "P-1", "U-0101", "C-77", "卫生间 渗漏(1).jpg", object_id=FIXED_ID)
    assert key == f"shanghai/P-1/U-0101/C-77/{FIXED_ID}-卫生间_渗漏_1_.jpg"
    assert TypeAdapter(ObjectKey).validate_python(key) == key


def test_check_key_refuses_over_long_keys() -> None:
    with pytest.raises(UnsafeObjectKey, match="1024 bytes"):
        check_key("a/" + "裂" * 400)


async def test_clm04_store_writes_refuse_an_unsafe_key_before_any_network_call() -> None:
    store = ObjectStore("127.0.0.1:1", "k", "s")  # nothing listens there: a network call would fail otherwise
    bad = "shanghai/P1/U1/../documents/rejection-notice-1.pdf"
    with pytest.raises(UnsafeObjectKey):
        await store.put("evidence", bad, b"%PDF", "application/pdf")
    with pytest.raises(UnsafeObjectKey):
        await store.presigned_put("evidence", bad, content_type="image/jpeg", expires=timedelta(minutes=1))
    with pytest.raises(UnsafeObjectKey):
        await store.presigned_post(
            "evidence", bad, content_type="image/jpeg", max_bytes=10, expires=timedelta(minutes=1)
        )
