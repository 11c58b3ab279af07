"""REG-02 talent database by approval (实名制, XC-09 masking) and REG-11 training / re-evaluation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from anju_contracts.registry import (
    PractitionerApplied,
    PractitionerApproved,
    PractitionerRole,
    TechnicalTitle,
)
from anju_registry.domain.assignment import assignment_failures
from anju_registry.domain.errors import InvalidState
from anju_registry.domain.practitioner import Practitioner, PractitionerStatus


def test_reg02_technical_staff_below_engineer_title_refused(person):
    p = person("p-1", title=TechnicalTitle.ASSISTANT_ENGINEER, roles=(PractitionerRole.RISK_ENGINEER,), licence=False)
    assert p.status is PractitionerStatus.REFUSED
    assert [(f.rule_id, f.code) for f in p.refusals] == [("REG-02", "TITLE_BELOW_MINIMUM")]


def test_reg02_assistant_without_title_is_approved(person):
    p = person("p-2", title=TechnicalTitle.NONE, roles=(PractitionerRole.ASSISTANT,), licence=False)
    assert p.status is PractitionerStatus.APPROVED


def test_reg02_events_carry_the_identity_masked_only(make_identity, rules, today):
    p = Practitioner.apply(
        practitioner_id="p-3",
        agency_id="ag-1",
        identity=make_identity(3),
        title=TechnicalTitle.ENGINEER,
        registered_licences=(),
        career_start=date(2010, 1, 1),
        roles=(PractitionerRole.RISK_ENGINEER,),
    )
    p.approve(rules=rules("hangzhou"), today=today)
    events = p.pull_events()
    assert [type(e) for e in events] == [PractitionerApplied, PractitionerApproved]
    dumped = " ".join(e.model_dump_json() for e in events)
    assert "310***********1234" in dumped and "138****5678" in dumped
    assert "h-id-3" not in dumped and "张三" not in dumped  # neither the hash nor the full name leaves


def test_reg02_refused_practitioner_may_reapply(person, make_identity, rules, today):
    p = person("p-4", title=TechnicalTitle.ASSISTANT_ENGINEER, roles=(PractitionerRole.RISK_ENGINEER,))
    assert p.status is PractitionerStatus.REFUSED
    p.reapply(
        agency_id="ag-1",
        identity=make_identity(4),
        title=TechnicalTitle.ENGINEER,
        registered_licences=(),
        career_start=date(2012, 3, 1),
        roles=(PractitionerRole.RISK_ENGINEER,),
    )
    p.approve(rules=rules("shanghai"), today=today)
    assert p.in_database
    assert [type(e) for e in p.pull_events()] == [PractitionerApplied, PractitionerApproved]


def test_reg11_approval_is_valid_for_the_region_reevaluation_interval(person, today):
    p = person("p-5")
    assert p.evaluation_valid_until == today.replace(year=today.year + 1)  # 12 months in the region files


def test_reg11_lapsed_reevaluation_blocks_new_assignments(person, agency, rules, today, make_context):
    lead = person("p-lead", years=20)
    lead.record_reevaluation(evaluated_on=today - timedelta(days=30), passed=False, rules=rules("shanghai"))
    failures = assignment_failures(
        project_id="prj-1",
        agency_id="ag-1",
        lead_id="p-lead",
        member_ids=(),
        technical_lead_id=None,
        participating_units=(),
        key_positions=(),
        ctx=make_context(agency(), [lead]),
        rules=rules("shanghai"),
    )
    assert [(f.rule_id, f.code) for f in failures] == [("REG-11", "REEVALUATION_LAPSED")]


def test_reg11_evaluation_lapses_when_the_interval_passes_without_reevaluation(person, today):
    p = person("p-6")
    assert p.evaluation_current(today)
    assert not p.evaluation_current(today + timedelta(days=366))


def test_reg11_passed_reevaluation_renews_and_training_is_recorded(person, rules, today):
    p = person("p-7")
    p.record_reevaluation(evaluated_on=today, passed=True, rules=rules("hangzhou"))
    p.record_training(course="2026 年度风险管理继续教育", completed_on=today)
    p.record_training(course="2026 年度风险管理继续教育", completed_on=today)  # same record twice: once
    assert len(p.trainings) == 1
    assert p.evaluation_current(today + timedelta(days=300))


def test_reg11_training_needs_an_approved_practitioner(person, today):
    p = person("p-8", approve=False)
    with pytest.raises(InvalidState):
        p.record_training(course="x", completed_on=today)


def test_reg02_a_listed_id_number_is_accepted_silently_and_refused_at_the_regulators_review(
    make_identity, rules, today
):
    """The applicant is not told the person is listed (XC-05); the regulator's approval refuses it."""
    fields = {
        "agency_id": "ag-2",
        "identity": make_identity(7),
        "title": TechnicalTitle.SENIOR_ENGINEER,
        "registered_licences": (),
        "career_start": date(2005, 1, 1),
        "roles": (PractitionerRole.RISK_ENGINEER,),
    }
    twin = Practitioner.apply(practitioner_id="p-twin", identity_review=True, **fields)
    (applied,) = twin.pull_events()
    assert isinstance(applied, PractitionerApplied) and twin.status is PractitionerStatus.APPLIED
    twin.approve(rules=rules("shanghai"), today=today)
    assert twin.status is PractitionerStatus.REFUSED
    assert [(f.rule_id, f.code) for f in twin.refusals] == [("REG-02", "REAL_NAME_CHECK_FAILED")]
    fresh = Practitioner.apply(practitioner_id="p-new", **fields)
    fresh.approve(rules=rules("shanghai"), today=today)
    assert fresh.status is PractitionerStatus.APPROVED and not fresh.identity_review


def test_reg02_a_practitioner_stored_before_the_review_flag_still_loads(person):
    stored = person("p-old").model_dump(mode="json", exclude={"identity_review"})
    assert Practitioner.model_validate(stored).identity_review is False
