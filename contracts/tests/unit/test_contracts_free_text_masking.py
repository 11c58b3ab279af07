"""Free text is screened at validation (XC-09): an ID or mobile number typed into a description,
finding, reason or note is masked before anything downstream (storage, events, logs, PDFs) sees it."""

from __future__ import annotations

import pytest

from anju_contracts import Actor, FieldProblem, Rejected
from anju_contracts.claims import ClaimReported, Reason, RecordSurvey, ReportClaim, WithdrawClaim
from anju_contracts.privacy import mask_id_number, mask_personal_data, mask_phone
from anju_contracts.registry import CreditRecordAdded

ID_NUMBER = "310101199001011234"
PHONE = "13812345678"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("张三 310101199001011234", "张三 310***********1234"),
        ("张三310101199001011234号", "张三310***********1234号"),
        ("身份证11010119900101123X。", "身份证110***********123X。"),
        ("旧证 310101900101123", "旧证 310********1123"),
        ("13812345678", "138****5678"),
        ("电话+8613812345678。", "电话+86138****5678。"),
        ("请拨 138-1234-5678 或 139 1234 5678", "请拨 138-****-5678 或 139 **** 5678"),
        ("１３８１２３４５６７８", "１３８****５６７８"),
        ("业主 310101 19900101 1234，手机13812345678", "业主 310*** ******** 1234，手机138****5678"),
    ],
)
def test_xc09_id_and_mobile_numbers_in_text_are_masked(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked
    assert len(masked) == len(text)  # length limits checked before masking still hold


@pytest.mark.parametrize(
    "text",
    ["卫生间渗漏，面积约 2 平方米", "2026-03-01 10:00 报案，金额 1000000 分", "订单 1234567890123456", "12812345678"],
)
def test_xc09_text_without_personal_numbers_is_unchanged(text: str) -> None:
    assert mask_personal_data(text) == text


def test_xc09_whole_value_masks_match_the_masked_field_shapes() -> None:
    assert mask_id_number(ID_NUMBER) == "310***********1234"
    assert mask_phone(PHONE) == "138****5678"


def test_xc09_claim_description_with_id_number_is_stored_and_published_masked() -> None:
    report = ReportClaim(
        claim_id="C-1",
        unit_id="U-1",
        owner_id="o-1",
        part="waterproofing",
        item="卫生间渗漏",
        location="主卧卫生间 联系 13812345678",
        description=f"业主张三 身份证 {ID_NUMBER}，电话 {PHONE}，卫生间地面渗水",
    )
    assert report.description == "业主张三 身份证 310***********1234，电话 138****5678，卫生间地面渗水"
    assert report.location == "主卧卫生间 联系 138****5678"
    dumped = report.model_dump_json()
    assert ID_NUMBER not in dumped
    assert PHONE not in dumped
    # An event built from a stored (already masked) description stays masked; one built from raw
    # text by mistake is masked too.
    event = ClaimReported.model_validate(
        {
            **report.model_dump(exclude={"contact_phone_masked"}),
            "description": f"raw {ID_NUMBER}",
            "policy_id": "p-1",
            "project_id": "prj-1",
            "insurer_id": "ins-1",
            "reported_at": "2026-03-01T10:00:00+08:00",
        }
    )
    assert event.description == "raw 310***********1234"


def test_xc09_findings_reasons_and_notes_are_masked() -> None:
    survey = RecordSurvey(
        claim_id="C-1", surveyed_at="2026-03-01T10:00:00+08:00", surveyor_id="s-1", findings=f"见 {PHONE}"
    )
    assert survey.findings == "见 138****5678"
    assert Reason(code="NOT_A_DEFECT", text=f"业主 {ID_NUMBER}").text == "业主 310***********1234"
    assert WithdrawClaim(claim_id="C-1", reason=f"电话{PHONE}").reason == "电话138****5678"
    record = CreditRecordAdded.model_validate(
        {
            "record_id": "ag-1.credit.1",
            "subject": "agency",
            "subject_id": "ag-1",
            "kind": "negative",
            "rule_id": "REG-10",
            "summary": f"负责人 {PHONE}",
            "recorded_on": "2026-03-01",
        }
    )
    assert record.summary == "负责人 138****5678"


def test_xc09_rejection_detail_problems_and_actor_name_are_screened() -> None:
    rejected = Rejected(
        reason_code="VALIDATION_FAILED",
        detail=f"bad {ID_NUMBER}",
        problems=(FieldProblem(field="phone", message=f"got {PHONE}"),),
    )
    assert ID_NUMBER not in rejected.model_dump_json()
    assert PHONE not in rejected.model_dump_json()
    actor = Actor(id="o-1", role="owner", region="shanghai", display_name=f"张三{PHONE}")
    assert actor.display_name == "张三138****5678"
