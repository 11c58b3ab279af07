"""Chinese reminder and escalation texts (XC-02) with personal data masked (XC-09)."""

from __future__ import annotations

import pytest

from anju_notify.channels.templates import KINDS, PARAMS, TemplateError, render

PARAMS_ZH = {
    "obligation_zh": "风险管理报告上传",
    "rule_id": "RSK-03",
    "debtor_name": "上海安居风险管理有限公司",
    "subject_kind": "项目",
    "subject_id": "P-2026-0001",
    "due_at_local": "2026-12-03 17:00",
    "owner_name": "张三",
}


def test_xc02_each_kind_renders_a_chinese_subject_and_body_naming_the_deadline_and_rule() -> None:
    for kind in ("reminder", "escalation", "regulator_escalation"):
        subject, body = render(kind, PARAMS_ZH)
        assert "风险管理报告上传" in subject
        assert "RSK-03" in body and "2026-12-03 17:00" in body and "P-2026-0001" in body
        assert "\n" not in subject
    assert "到期" in render("reminder", PARAMS_ZH)[0]
    assert "逾期" in render("escalation", PARAMS_ZH)[0]
    assert "监管" in render("regulator_escalation", PARAMS_ZH)[1]


def test_xc09_owner_name_masked_to_the_family_name() -> None:
    _, body = render("reminder", PARAMS_ZH)
    assert "业主：张*" in body
    assert "张三" not in body
    _, body = render("escalation", {**PARAMS_ZH, "owner_name": "欧阳娜娜"})
    assert "欧***" in body and "欧阳娜娜" not in body


def test_xc09_phone_and_id_numbers_pasted_in_any_parameter_are_masked() -> None:
    params = {
        **PARAMS_ZH,
        "debtor_name": "李四 13812345678",
        "obligation_zh": "补交身份证 310101199001011234 复印件",
    }
    subject, body = render("escalation", params)
    for text in (subject, body):
        assert "13812345678" not in text and "310101199001011234" not in text
    assert "138****5678" in body
    assert "310***********1234" in body


def test_a_newline_in_a_parameter_never_splits_the_subject_header() -> None:
    subject, _ = render("reminder", {**PARAMS_ZH, "obligation_zh": "报告\r\nBcc: x@example.com"})
    assert "\n" not in subject and "\r" not in subject


def test_unknown_kind_is_named_in_the_error() -> None:
    with pytest.raises(TemplateError, match="'birthday'"):
        render("birthday", PARAMS_ZH)


def test_missing_params_are_all_named_in_the_error() -> None:
    params = {k: v for k, v in PARAMS_ZH.items() if k not in ("rule_id", "owner_name")}
    with pytest.raises(TemplateError, match="rule_id, owner_name"):
        render("reminder", params)


def test_every_kind_uses_only_the_documented_params() -> None:
    assert set(KINDS) == {"reminder", "escalation", "regulator_escalation"}
    assert len(PARAMS) == 7
