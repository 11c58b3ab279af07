"""REG-01: admission to the regional pool through one of the region's qualification paths."""

from __future__ import annotations

from typing import Any

import pytest

from anju_contracts.registry import (
    AgencyAdmitted,
    AgencyNominated,
    AgencyRefused,
    QualificationPath,
    SupervisionGrade,
)
from anju_registry.domain.agency import Agency, AgencyStatus
from anju_registry.domain.errors import InvalidState


def _nominate(rules: Any, make_evidence: Any, region_code: str, **evidence: Any) -> Agency:
    return Agency.nominate(
        agency_id="ag-1",
        name="某工程管理有限公司",
        credit_code="91330100MA2H000001",
        insurer_id="ins-1",
        evidence=make_evidence(**evidence),
        rules=rules(region_code),
    )


def _codes(agency: Agency) -> list[str]:
    return [f.code for f in agency.refusals]


def test_reg01_grade_a_supervision_licence_admitted_in_hangzhou_refused_in_shanghai(rules, make_evidence):
    grade_a = {"supervision_grade": SupervisionGrade.GRADE_A}
    hangzhou = _nominate(rules, make_evidence, "hangzhou", **grade_a)
    hangzhou.admit(by="assoc-hz", rules=rules("hangzhou"))
    shanghai = _nominate(rules, make_evidence, "shanghai", **grade_a)

    assert hangzhou.status is AgencyStatus.ADMITTED
    assert shanghai.status is AgencyStatus.REFUSED
    assert [(f.rule_id, f.code) for f in shanghai.refusals] == [("REG-01", "LICENCE_GRADE_TOO_LOW")]


def test_reg01_comprehensive_licence_admitted_in_shanghai(rules, make_evidence):
    agency = _nominate(rules, make_evidence, "shanghai")
    agency.admit(by="reg-sh", rules=rules("shanghai"))
    events = agency.pull_events()
    assert [type(e) for e in events] == [AgencyNominated, AgencyAdmitted]
    assert agency.evidence.licence_number == "E131000001"  # the record keeps the evidence of the path


def test_reg01_four_years_commissioned_experience_admitted_in_hangzhou_refused_in_shanghai(rules, make_evidence):
    path2 = {
        "path": QualificationPath.INSURER_COMMISSIONED_EXPERIENCE,
        "supervision_grade": None,
        "licence_number": None,
        "qrm_years": 4,
        "registered_engineers": 6,
    }
    hangzhou = _nominate(rules, make_evidence, "hangzhou", **path2)
    shanghai = _nominate(rules, make_evidence, "shanghai", **path2)
    assert hangzhou.status is AgencyStatus.NOMINATED
    assert _codes(shanghai) == ["QRM_YEARS_TOO_FEW"]


def test_reg01_refusal_lists_every_unmet_condition(rules, make_evidence):
    agency = _nominate(
        rules,
        make_evidence,
        "shanghai",
        path=QualificationPath.INSURER_COMMISSIONED_EXPERIENCE,
        qrm_years=2,
        registered_engineers=0,
        document_keys=(),
    )
    refused = [e for e in agency.pull_events() if isinstance(e, AgencyRefused)]
    assert len(refused) == 1
    assert [(f.rule_id, f.code) for f in refused[0].failed] == [
        ("REG-01", "QRM_YEARS_TOO_FEW"),
        ("REG-01", "REGISTERED_ENGINEERS_MISSING"),
        ("REG-01", "EVIDENCE_DOCUMENTS_MISSING"),
    ]


def test_reg01_shaoxing_offers_no_licence_path_only_the_other_path(rules, make_evidence):
    licence = _nominate(rules, make_evidence, "shaoxing")
    assert _codes(licence) == ["PATH_NOT_AVAILABLE"]
    other = _nominate(
        rules, make_evidence, "shaoxing", path=QualificationPath.OTHER, description="受承保机构委托的第三方风控服务机构"
    )
    assert other.status is AgencyStatus.NOMINATED
    without_description = _nominate(rules, make_evidence, "shaoxing", path=QualificationPath.OTHER)
    assert _codes(without_description) == ["DESCRIPTION_MISSING"]


def test_reg01_regulator_refuses_with_reasons_and_agency_may_be_renominated(rules, make_evidence):
    agency = _nominate(rules, make_evidence, "shanghai")
    agency.refuse(("资质证书核实不符",))
    assert agency.status is AgencyStatus.REFUSED
    assert agency.refusals[0].code == "REFUSED_BY_REGULATOR"
    with pytest.raises(InvalidState):
        agency.admit(by="reg-sh", rules=rules("shanghai"))
    agency.renominate(
        name="某工程管理有限公司",
        credit_code="91330100MA2H000001",
        insurer_id="ins-2",
        evidence=make_evidence(),
        rules=rules("shanghai"),
    )
    agency.admit(by="reg-sh", rules=rules("shanghai"))
    assert agency.in_pool


def test_reg01_admitted_agency_cannot_be_admitted_again(agency, rules):
    admitted = agency()
    with pytest.raises(InvalidState):
        admitted.admit(by="reg-sh", rules=rules("shanghai"))
