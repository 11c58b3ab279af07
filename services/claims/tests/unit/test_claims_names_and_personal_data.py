"""Unsafe names are typed refusals, not 500s (CLM-04), and personal data in a claim's free text is
stored and published masked (XC-09)."""

from __future__ import annotations

import pytest
from claims_factories import RULES, coverage, report_cmd

from anju_claims.adapters.evidence import EvidenceStore
from anju_claims.domain.claim import Claim
from anju_claims.domain.errors import ClaimError
from anju_contracts import claims as c
from anju_kit.objectstore import ObjectStore
from anju_kit.regions import EvidenceRules

ID_NUMBER = "310101199001011234"
PHONE = "13812345678"


def _store() -> EvidenceStore:
    # Nothing listens on port 1: any test here that reached the network would fail, not pass.
    rules = EvidenceRules(
        presigned_upload_expiry_seconds=900, max_evidence_bytes=10_000_000, allowed_content_types=("image/jpeg",)
    )
    return EvidenceStore(ObjectStore("127.0.0.1:1", "k", "s"), "evidence", "shanghai", rules)


@pytest.mark.parametrize("claim_id", ["..", "a:b", "a/b"])
def test_clm04_claim_id_unsafe_for_keys_is_a_typed_refusal_not_a_500(claim_id: str) -> None:
    # The contract refuses these ids now; a claim stored before that still gets a typed answer.
    with pytest.raises(ClaimError) as err:
        _store().prefix("prj-1", "unit-1", claim_id)
    assert (err.value.reason_code, err.value.field) == ("UNSAFE_NAME", "claim_id")


async def test_clm04_rejection_notice_key_with_dot_dot_is_a_typed_refusal() -> None:
    with pytest.raises(ClaimError) as err:
        await _store().put_document("shanghai/prj-1/unit-1/../documents/rejection-notice-1.pdf", b"%PDF")
    assert (err.value.reason_code, err.value.field) == ("UNSAFE_NAME", "document")


def test_clm04_prefix_of_safe_ids_is_unchanged() -> None:
    assert _store().prefix("prj-1", "unit-3-1202", "clm-1") == "shanghai/prj-1/unit-3-1202/clm-1/"


def test_xc09_claim_description_with_id_and_phone_is_stored_and_published_masked() -> None:
    cmd = report_cmd(description=f"业主张三，身份证 {ID_NUMBER}，电话 {PHONE}，卫生间渗水。")
    assert cmd.reported_at is not None
    claim = Claim.report(cmd, coverage=coverage(), warranties=(), rules=RULES, received_at=cmd.reported_at)
    (event,) = [e for e in claim.pull_events() if isinstance(e, c.ClaimReported)]
    expected = "业主张三，身份证 310***********1234，电话 138****5678，卫生间渗水。"
    assert claim.description == expected
    assert event.description == expected
    assert ID_NUMBER not in event.model_dump_json() and PHONE not in event.model_dump_json()
