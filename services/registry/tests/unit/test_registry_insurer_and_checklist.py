"""REG-12 insurer IDI staff and eligibility; SAF-07 quarterly checklist score (seed 003 annex)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from anju_contracts.registry import (
    AdverseFindingCount,
    ChecklistAnswer,
    CreditKind,
    Degree,
    InsurerEligibilityChanged,
    InsurerStaffFunction,
    InsurerStaffRegistered,
    SafetyChecklistScored,
    TechnicalTitle,
)
from anju_kit.regions import AgencyChecklist
from anju_registry.domain.errors import RegistryError
from anju_registry.domain.insurer import Insurer, InsurerStaff
from anju_registry.domain.safety_checklist import point_ids


def _staff(
    make_identity: Any,
    today: date,
    n: int,
    *,
    function: InsurerStaffFunction = InsurerStaffFunction.RISK_CONTROL,
    degree: Degree = Degree.BACHELOR,
    years: int = 11,
    title: TechnicalTitle = TechnicalTitle.SENIOR_ENGINEER,
    licence: bool = False,
    assessed: bool = True,
) -> InsurerStaff:
    return InsurerStaff(
        staff_id=f"st-{n}",
        identity=make_identity(n),
        function=function,
        title=title,
        first_class_licence=licence,
        degree=degree,
        career_start=today.replace(year=today.year - years),
        passed_insurer_assessment=assessed,
    )


def test_reg12_ten_qualified_risk_staff_and_a_project_manager_make_the_insurer_eligible(make_identity, rules, today):
    insurer = Insurer(insurer_id="ins-1")
    for n in range(9):
        insurer.register_staff(_staff(make_identity, today, n), rules=rules("shanghai"), today=today)
    insurer.register_staff(
        _staff(
            make_identity,
            today,
            100,
            function=InsurerStaffFunction.PROJECT_MANAGER,
            years=5,
            title=TechnicalTitle.NONE,
            degree=Degree.NONE,
        ),
        rules=rules("shanghai"),
        today=today,
    )
    assert not insurer.eligible
    insurer.register_staff(
        _staff(make_identity, today, 9, degree=Degree.MASTER, years=5, title=TechnicalTitle.ENGINEER, licence=True),
        rules=rules("shanghai"),
        today=today,
    )
    changed = [e for e in insurer.pull_events() if isinstance(e, InsurerEligibilityChanged)]
    assert [(e.eligible, e.qualified_risk_control_staff, e.qualified_project_managers) for e in changed] == [
        (True, 10, 1)
    ]


def test_reg12_unqualified_staff_registered_with_every_unmet_condition(make_identity, rules, today):
    insurer = Insurer(insurer_id="ins-1")
    insurer.register_staff(
        _staff(make_identity, today, 1, degree=Degree.BACHELOR, years=9, title=TechnicalTitle.ENGINEER),
        rules=rules("shanghai"),
        today=today,
    )
    insurer.register_staff(
        _staff(make_identity, today, 2, function=InsurerStaffFunction.PROJECT_MANAGER, years=4, assessed=False),
        rules=rules("shanghai"),
        today=today,
    )
    registered = [e for e in insurer.pull_events() if isinstance(e, InsurerStaffRegistered)]
    assert [[f.code for f in e.unmet] for e in registered] == [
        ["RISK_STAFF_CREDENTIAL_MISSING", "RISK_STAFF_EXPERIENCE_TOO_SHORT"],
        ["PM_YEARS_TOO_FEW", "PM_NOT_ASSESSED"],
    ]
    assert all(e.identity.id_number_masked == "310***********1234" for e in registered)


def test_reg12_shaoxing_writes_no_idi_and_keeps_no_insurer_staff_register(make_identity, rules, today):
    with pytest.raises(RegistryError) as err:
        Insurer(insurer_id="ins-1").register_staff(
            _staff(make_identity, today, 1), rules=rules("shaoxing"), today=today
        )
    assert err.value.rule_id == "REG-12"


def _answers(checklist: AgencyChecklist, unmet: tuple[str, ...] = ()) -> tuple[ChecklistAnswer, ...]:
    return tuple(ChecklistAnswer(point_id=pid, met=pid not in unmet) for pid in point_ids(checklist))


def test_saf07_quarterly_checklist_scored_from_the_region_file(agency, region, today):
    checklist = region("shaoxing").safety.agency_checklist
    a = agency(
        region_code="shaoxing", path="other", supervision_grade=None, licence_number=None, description="风控机构"
    )
    total = len(point_ids(checklist))
    problems = a.score_safety_checklist(
        quarter="2026-Q3",
        answers=_answers(checklist, unmet=("2.4", "6.1")),
        findings=(AdverseFindingCount(finding_id="8a", count=1),),
        checklist=checklist,
        today=today,
    )
    assert problems == []
    scored = next(e for e in a.pull_events() if isinstance(e, SafetyChecklistScored))
    assert scored.score == round(100 * (total - 2) / total - 10, 2)
    assert scored.unmet_point_ids == ("2.4", "6.1") and scored.passed
    assert a.credit[-1].rule_id == "SAF-07" and a.credit[-1].kind is CreditKind.POSITIVE


def test_saf07_serious_accident_pulls_the_quarter_below_the_pass_mark(agency, region, today):
    checklist = region("shaoxing").safety.agency_checklist
    a = agency(
        region_code="shaoxing", path="other", supervision_grade=None, licence_number=None, description="风控机构"
    )
    a.score_safety_checklist(
        quarter="2026-Q4",
        answers=_answers(checklist),
        findings=(AdverseFindingCount(finding_id="8c", count=2),),
        checklist=checklist,
        today=today,
    )
    scored = next(e for e in a.pull_events() if isinstance(e, SafetyChecklistScored))
    assert (scored.score, scored.deducted, scored.passed) == (40.0, 60.0, False)
    assert a.credit[-1].kind is CreditKind.NEGATIVE


def test_saf07_answers_must_cover_the_checklist_exactly(agency, region, today):
    checklist = region("shaoxing").safety.agency_checklist
    a = agency(
        region_code="shaoxing", path="other", supervision_grade=None, licence_number=None, description="风控机构"
    )
    answers = (*_answers(checklist)[1:], ChecklistAnswer(point_id="9.9", met=True))
    problems = a.score_safety_checklist(
        quarter="2026-Q3",
        answers=answers,
        findings=(AdverseFindingCount(finding_id="8z", count=1),),
        checklist=checklist,
        today=today,
    )
    assert [(p.rule_id, p.code) for p in problems] == [
        ("SAF-07", "UNKNOWN_CHECK_POINT"),
        ("SAF-07", "CHECK_POINT_UNANSWERED"),
        ("SAF-07", "UNKNOWN_ADVERSE_FINDING"),
    ]
    assert a.pull_events() == []


def test_saf07_region_without_a_checklist_refuses_scores(agency, region, today):
    problems = agency().score_safety_checklist(
        quarter="2026-Q3", answers=(), findings=(), checklist=region("shanghai").safety, today=today
    )
    assert [p.code for p in problems] == ["NO_CHECKLIST"]
