"""XC-06: region rules come only from region files, validated on load."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from anju_kit.regions import (
    CreditEscalation,
    LeadCredential,
    Product,
    RegionError,
    RegionRules,
    StrikeConsequence,
    SupervisionGrade,
    default_regions_dir,
    known_regions,
    load_region,
)

REGIONS = default_regions_dir()
ALL = ["hangzhou", "qingdao-laoshan", "shanghai", "shaoxing"]


def _copy(tmp_path: Path, code: str, edit: dict[str, object] | None = None) -> Path:
    """Copy a shipped region file into tmp_path, applying dotted-path edits."""
    data = yaml.safe_load((REGIONS / f"{code}.yaml").read_text(encoding="utf-8"))
    for dotted, value in (edit or {}).items():
        *parents, leaf = dotted.split(".")
        node = data
        for key in parents:
            node = node[key]
        node[leaf] = value
    (tmp_path / f"{code}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return tmp_path


def test_xc06_default_regions_dir_is_the_repo_folder_and_env_overrides(monkeypatch, tmp_path) -> None:
    assert (REGIONS / "shanghai.yaml").is_file()
    monkeypatch.setenv("ANJU_REGIONS_DIR", str(tmp_path))
    assert default_regions_dir() == tmp_path


def test_xc06_all_four_region_files_load() -> None:
    assert known_regions(REGIONS) == ALL
    for code in ALL:
        rules = load_region(code, REGIONS)
        assert isinstance(rules, RegionRules)
        assert rules.code == code


def test_xc06_unknown_region_lists_the_known_ones() -> None:
    with pytest.raises(RegionError) as info:
        load_region("beijing", REGIONS)
    assert "'beijing'" in str(info.value)
    for code in ALL:
        assert code in str(info.value)


def test_xc06_region_code_cannot_escape_the_directory() -> None:
    with pytest.raises(RegionError, match="unknown region"):
        load_region("../regions/shanghai", REGIONS)


def test_xc06_bad_value_names_the_file_and_field(tmp_path: Path) -> None:
    _copy(tmp_path, "shanghai", {"registry.project_lead.max_concurrent_projects": "ten"})
    with pytest.raises(RegionError) as info:
        load_region("shanghai", tmp_path)
    message = str(info.value)
    assert str(tmp_path / "shanghai.yaml") in message
    assert "registry.project_lead.max_concurrent_projects" in message


def test_xc06_unknown_field_is_refused(tmp_path: Path) -> None:
    _copy(tmp_path, "hangzhou", {"claims.payment_due_dayz": 10})
    with pytest.raises(RegionError, match=r"claims\.payment_due_dayz: Extra inputs are not permitted"):
        load_region("hangzhou", tmp_path)


def test_xc06_missing_field_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load((REGIONS / "hangzhou.yaml").read_text(encoding="utf-8"))
    del data["registry"]["credit"]["watch_list_score_threshold"]
    (tmp_path / "hangzhou.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RegionError, match=r"registry\.credit\.watch_list_score_threshold: Field required"):
        load_region("hangzhou", tmp_path)


def test_xc06_broken_yaml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "shanghai.yaml").write_text("code: shanghai\nproducts: [idi\n", encoding="utf-8")
    with pytest.raises(RegionError, match=r"shanghai\.yaml: cannot read region file"):
        load_region("shanghai", tmp_path)


def test_xc06_code_must_match_file_name(tmp_path: Path) -> None:
    _copy(tmp_path, "shanghai", {"code": "hangzhou"})
    with pytest.raises(RegionError, match="does not match the file name"):
        load_region("shanghai", tmp_path)


def test_xc06_sections_must_match_products(tmp_path: Path) -> None:
    _copy(tmp_path, "shanghai", {"risk": None})
    with pytest.raises(RegionError, match="risk is required"):
        load_region("shanghai", tmp_path)


def test_xc06_available_path_needs_its_numbers(tmp_path: Path) -> None:
    _copy(tmp_path, "hangzhou", {"registry.agency_paths.supervision_licence.min_supervision_grade": None})
    with pytest.raises(RegionError, match=r"registry\.agency_paths\.supervision_licence"):
        load_region("hangzhou", tmp_path)


# -- the SPEC "Regions" table ----------------------------------------------------------------------


def test_reg01_agency_paths_per_region() -> None:
    sh, hz, sx, qd = (
        load_region(c, REGIONS).registry.agency_paths for c in ("shanghai", "hangzhou", "shaoxing", "qingdao-laoshan")
    )
    assert sh.supervision_licence.min_supervision_grade is SupervisionGrade.COMPREHENSIVE
    assert sh.insurer_commissioned_experience.min_years_insurer_commissioned_qrm == 5
    assert hz.supervision_licence.min_supervision_grade is SupervisionGrade.GRADE_A
    assert hz.insurer_commissioned_experience.min_years_insurer_commissioned_qrm == 3
    assert qd.supervision_licence.min_supervision_grade is SupervisionGrade.GRADE_A
    assert qd.insurer_commissioned_experience.min_years_insurer_commissioned_qrm == 3
    assert not sx.supervision_licence.available
    assert not sx.insurer_commissioned_experience.available


def test_reg01_supervision_grade_or_above() -> None:
    required = SupervisionGrade.GRADE_A  # "甲级或以上"
    assert SupervisionGrade.COMPREHENSIVE.meets(required)
    assert SupervisionGrade.GRADE_A.meets(required)
    assert not SupervisionGrade.GRADE_B.meets(required)
    assert not SupervisionGrade.GRADE_A.meets(SupervisionGrade.COMPREHENSIVE)


def test_reg03_project_lead_per_region() -> None:
    sh = load_region("shanghai", REGIONS).registry.project_lead
    assert sh.credential is LeadCredential.REGISTERED_PRACTISING_LICENCE
    assert sh.min_years_experience == 15
    assert sh.max_concurrent_projects == 10
    hz = load_region("hangzhou", REGIONS).registry.project_lead
    assert (hz.credential, hz.min_years_experience, hz.max_concurrent_projects) == (
        LeadCredential.SENIOR_ENGINEER,
        10,
        10,
    )
    sx = load_region("shaoxing", REGIONS).registry.project_lead
    assert sx.dedicated and sx.dedicated_technical_lead_required


def test_reg05_reg06_shanghai_only_rules() -> None:
    sh, hz = load_region("shanghai", REGIONS).registry, load_region("hangzhou", REGIONS).registry
    assert sh.project_lead.change_must_not_lower_qualification
    assert not hz.project_lead.change_must_not_lower_qualification
    assert sh.key_position_ban and not hz.key_position_ban


def test_reg08_shanghai_three_strikes_with_fourteen_violations() -> None:
    credit = load_region("shanghai", REGIONS).registry.credit
    assert credit.escalation is CreditEscalation.THREE_STRIKES
    assert credit.strike_consequences == (
        StrikeConsequence.CORRECT_AND_YELLOW_CARD,
        StrikeConsequence.KEY_SUPERVISION_OF_NEW_BUSINESS,
        StrikeConsequence.NOT_ELIGIBLE_FOR_CONSULTATION,
    )
    assert len(credit.responsibility_violations) == 14
    assert "evidence_not_uploaded" in {v.id for v in credit.responsibility_violations}


def test_reg09_credit_schemes_per_region() -> None:
    schemes = {c: load_region(c, REGIONS).registry.credit for c in ALL}
    assert schemes["hangzhou"].escalation is CreditEscalation.WATCH_LIST
    assert schemes["hangzhou"].serious_accident_removal
    assert schemes["qingdao-laoshan"].escalation is CreditEscalation.WATCH_LIST
    assert schemes["shaoxing"].escalation is CreditEscalation.QUARTERLY_CHECKLIST
    assert not schemes["shanghai"].serious_accident_removal
    assert all(s.watch_list_score_threshold == 60 for s in schemes.values())


def test_reg12_insurer_eligibility_for_idi_regions() -> None:
    eligibility = load_region("shanghai", REGIONS).registry.insurer_eligibility
    assert eligibility is not None
    assert (eligibility.min_qualified_risk_staff, eligibility.project_manager_min_years) == (10, 5)
    assert load_region("shaoxing", REGIONS).registry.insurer_eligibility is None


def test_pol13_coverage_years_and_upload_deadline() -> None:
    policy = load_region("shanghai", REGIONS).policy
    assert policy.coverage_years is not None
    assert (
        policy.coverage_years.foundation_structure,
        policy.coverage_years.insulation_waterproofing,
        policy.coverage_years.other,
    ) == (10, 5, 2)
    assert policy.contractor_warranty_years == 2
    assert policy.upload_deadline_working_days == 3


def test_clm03_clm04_clm06_claims_settings() -> None:
    for code in ALL:
        claims = load_region(code, REGIONS).claims
        assert (claims.payment_due_days, claims.rejection_notice_days, claims.repair_warranty_days) == (10, 3, 180)
        assert claims.evidence.max_evidence_bytes == 200 * 1024 * 1024
        assert claims.evidence.presigned_upload_expiry_seconds == 900
        assert {"image/jpeg", "image/png", "video/mp4"} <= set(claims.evidence.allowed_content_types)


def test_pol11_products_decide_sections() -> None:
    qd = load_region("qingdao-laoshan", REGIONS)
    assert qd.products == (Product.QUALITY_SAFETY,)
    assert qd.covers_quality and qd.covers_safety
    assert qd.risk is not None and qd.safety is not None
    sx = load_region("shaoxing", REGIONS)
    assert sx.covers_safety and not sx.covers_quality and sx.risk is None
    sh = load_region("shanghai", REGIONS)
    assert sh.safety is None and sh.risk is not None
    assert sh.risk.household_acceptance_notice_working_days == 10


def test_saf02_saf08_safety_frequencies() -> None:
    safety = load_region("shaoxing", REGIONS).safety
    assert safety is not None
    assert safety.full_coverage_inspections_per_quarter == 1
    assert safety.level_1_2_source_check_percent == 100
    grades = safety.inspections_per_quarter_by_grade
    assert grades.high >= grades.medium >= grades.low >= 1
    assert safety.training_interval_months == 6
    assert safety.records_retention_years_after_completion == 5


def test_saf07_shaoxing_checklist_transcribes_the_annex() -> None:
    safety = load_region("shaoxing", REGIONS).safety
    assert safety is not None and safety.agency_checklist is not None
    checklist = safety.agency_checklist
    assert [i.id for i in checklist.items] == ["1", "2", "3", "4", "5", "6", "7a", "7b"]
    assert sum(len(i.points) for i in checklist.items) == 24
    item2 = next(i for i in checklist.items if i.id == "2")
    assert "是否对一、二级风险源做到 100%核查。" in {p.text_zh for p in item2.points}
    assert [f.text_zh for f in checklist.adverse_findings] == [
        "应发现的重大隐患而未发现的。",
        "服务期间出现一般事故的。",
        "服务期间出现较大及以上事故的。",
    ]
    assert load_region("qingdao-laoshan", REGIONS).safety.agency_checklist is None  # type: ignore[union-attr]


def test_xc06_rules_are_frozen() -> None:
    rules = load_region("shanghai", REGIONS)
    with pytest.raises(ValueError):
        rules.registry.project_lead.max_concurrent_projects = 20  # type: ignore[misc]


def test_saf07_checklist_scoring_settings_are_in_the_region_file(tmp_path: Path) -> None:
    safety = load_region("shaoxing", REGIONS).safety
    assert safety is not None and safety.agency_checklist is not None
    checklist = safety.agency_checklist
    assert 0 <= checklist.pass_mark <= checklist.max_score
    assert all(f.deduction >= 0 for f in checklist.adverse_findings)
    _copy(tmp_path, "shaoxing", {"safety.agency_checklist.pass_mark": 120})
    with pytest.raises(RegionError, match=r"safety\.agency_checklist: Value error, pass_mark is above max_score"):
        load_region("shaoxing", tmp_path)
