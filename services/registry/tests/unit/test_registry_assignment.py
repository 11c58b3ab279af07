"""Team assignment: REG-02, REG-03, REG-04, REG-06, REG-13 — every failure listed with its rule ID."""

from __future__ import annotations

from typing import Any

import pytest

from anju_contracts.registry import (
    AssignmentRefused,
    FailedCondition,
    KeyPosition,
    KeyPositionKind,
    ParticipatingUnit,
    PractitionerRole,
    ProjectInvolvement,
    TeamAssigned,
    TechnicalTitle,
    UnitRole,
)
from anju_registry.domain.assignment import TeamContext, assignment_failures
from anju_registry.domain.errors import InvalidState
from anju_registry.domain.team import Team, TeamStatus

ENGINEER = (PractitionerRole.RISK_ENGINEER,)


def _check(
    rules: Any,
    region_code: str,
    ctx: TeamContext,
    *,
    lead: str = "p-lead",
    members: tuple[str, ...] = (),
    technical_lead: str | None = None,
    units: tuple[ParticipatingUnit, ...] = (),
    key_positions: tuple[KeyPosition, ...] = (),
) -> list[FailedCondition]:
    return assignment_failures(
        project_id="prj-1",
        agency_id="ag-1",
        lead_id=lead,
        member_ids=members,
        technical_lead_id=technical_lead,
        participating_units=units,
        key_positions=key_positions,
        ctx=ctx,
        rules=rules(region_code),
    )


def _pairs(failures: list[FailedCondition]) -> list[tuple[str, str]]:
    return [(f.rule_id, f.code) for f in failures]


def test_reg03_senior_engineer_with_12_years_assigned_in_hangzhou_refused_in_shanghai(
    rules, person, agency, make_context
):
    lead = person("p-lead", title=TechnicalTitle.SENIOR_ENGINEER, years=12, licence=False)
    hangzhou = _check(
        rules, "hangzhou", make_context(agency(region_code="hangzhou", supervision_grade="grade_a"), [lead])
    )
    shanghai = _check(rules, "shanghai", make_context(agency(), [lead]))
    assert hangzhou == []
    assert _pairs(shanghai) == [("REG-03", "LEAD_CREDENTIAL_MISSING"), ("REG-03", "LEAD_YEARS_TOO_FEW")]


def test_reg03_registered_licence_and_16_years_assigned_in_shanghai_engineer_refused_in_hangzhou(
    rules, person, agency, make_context
):
    lead = person("p-lead", title=TechnicalTitle.ENGINEER, years=16, licence=True)
    assert _check(rules, "shanghai", make_context(agency(), [lead])) == []
    hangzhou = _check(rules, "hangzhou", make_context(agency(region_code="hangzhou"), [lead]))
    assert _pairs(hangzhou) == [("REG-03", "LEAD_CREDENTIAL_MISSING")]


def test_reg03_lead_already_running_ten_projects_refused(rules, person, agency, make_context):
    lead = person("p-lead")
    assert _check(rules, "shanghai", make_context(agency(), [lead], load=9)) == []
    assert _pairs(_check(rules, "shanghai", make_context(agency(), [lead], load=10))) == [
        ("REG-03", "LEAD_TOO_MANY_PROJECTS")
    ]


def test_reg03_shaoxing_needs_a_separate_dedicated_technical_lead(rules, person, agency, make_context):
    lead = person("p-lead", title=TechnicalTitle.ENGINEER, years=3, licence=False, region_code="shaoxing")
    tech = person(
        "p-tech", title=TechnicalTitle.ENGINEER, roles=(PractitionerRole.TECHNICAL_LEAD,), region_code="shaoxing"
    )
    sx_agency = agency(
        region_code="shaoxing",
        path="other",
        supervision_grade=None,
        licence_number=None,
        description="第三方风控服务机构",
    )
    ctx = make_context(sx_agency, [lead, tech])
    assert _pairs(_check(rules, "shaoxing", ctx)) == [("REG-03", "TECHNICAL_LEAD_MISSING")]
    assert _pairs(_check(rules, "shaoxing", ctx, technical_lead="p-lead")) == [
        ("REG-03", "TECHNICAL_LEAD_NOT_SEPARATE")
    ]
    assert _check(rules, "shaoxing", ctx, technical_lead="p-tech") == []


def test_reg03_hangzhou_dedicated_lead_holding_a_post_elsewhere_refused(rules, person, agency, make_context):
    """Seed 000 §15: 专职的风险管理项目负责人 — a lead who is a contractor's project manager is 兼职."""
    lead = person("p-lead", years=20, licence=True)
    elsewhere = (
        KeyPosition(
            practitioner_id="p-lead", position=KeyPositionKind.CONTRACTOR_PROJECT_MANAGER, project_id="prj-other"
        ),
    )
    hz_ctx = make_context(agency(region_code="hangzhou"), [lead])
    assert _check(rules, "hangzhou", hz_ctx) == []
    refused = _check(rules, "hangzhou", hz_ctx, key_positions=elsewhere)
    assert [(f.rule_id, f.code, f.subject_id) for f in refused] == [("REG-03", "LEAD_NOT_DEDICATED", "p-lead")]
    # shanghai's file sets no 专职 flag: the same post is judged by its key-position ban (REG-06) alone.
    assert _pairs(_check(rules, "shanghai", make_context(agency(), [lead]), key_positions=elsewhere)) == [
        ("REG-06", "HOLDS_KEY_POSITION")
    ]


def test_reg03_shaoxing_dedicated_technical_lead_holding_a_post_elsewhere_refused(rules, person, agency, make_context):
    lead = person("p-lead", title=TechnicalTitle.ENGINEER, years=3, licence=False, region_code="shaoxing")
    tech = person(
        "p-tech", title=TechnicalTitle.ENGINEER, roles=(PractitionerRole.TECHNICAL_LEAD,), region_code="shaoxing"
    )
    sx_agency = agency(
        region_code="shaoxing",
        path="other",
        supervision_grade=None,
        licence_number=None,
        description="第三方风控服务机构",
    )
    elsewhere = (
        KeyPosition(practitioner_id="p-tech", position=KeyPositionKind.SUPERVISING_ENGINEER, project_id="prj-other"),
    )
    failures = _check(
        rules, "shaoxing", make_context(sx_agency, [lead, tech]), technical_lead="p-tech", key_positions=elsewhere
    )
    assert [(f.rule_id, f.code, f.subject_id) for f in failures] == [("REG-03", "LEAD_NOT_DEDICATED", "p-tech")]


def test_reg03_lead_must_be_listed_as_project_lead(rules, person, agency, make_context):
    lead = person("p-lead", roles=ENGINEER)
    assert _pairs(_check(rules, "shanghai", make_context(agency(), [lead]))) == [("REG-03", "NOT_A_PROJECT_LEAD")]


def test_reg02_only_approved_practitioners_of_the_database_staff_a_project(rules, person, agency, make_context):
    lead = person("p-lead")
    pending = person("p-pending", roles=ENGINEER, approve=False)
    failures = _check(rules, "shanghai", make_context(agency(), [lead, pending]), members=("p-pending", "p-ghost"))
    assert _pairs(failures) == [("REG-02", "NOT_IN_TALENT_DATABASE"), ("REG-02", "NOT_IN_TALENT_DATABASE")]
    assert [f.subject_id for f in failures] == ["p-pending", "p-ghost"]


def test_reg13_staff_of_another_agency_refused(rules, person, agency, make_context):
    lead = person("p-lead")
    outsider = person("p-out", agency_id="ag-2", roles=ENGINEER)
    failures = _check(
        rules, "hangzhou", make_context(agency(region_code="hangzhou"), [lead, outsider]), members=("p-out",)
    )
    assert _pairs(failures) == [("REG-13", "NOT_AGENCY_STAFF")]


def test_reg04_agency_group_company_or_subsidiary_among_participating_units_refused(
    rules, person, agency, make_context
):
    a = agency()
    a.record_relations(group=("grp-parent",), subsidiaries=("sub-testing",), related=("rel-x",), involvements=())
    units = (
        ParticipatingUnit(organisation_id="sub-testing", role=UnitRole.TESTING),
        ParticipatingUnit(
            organisation_id="contractor-9", role=UnitRole.CONSTRUCTION, group_organisation_ids=("grp-parent",)
        ),
        ParticipatingUnit(organisation_id="designer-3", role=UnitRole.DESIGN, group_organisation_ids=("rel-x",)),
        ParticipatingUnit(organisation_id="builder-1", role=UnitRole.BUILDER),
    )
    failures = _check(rules, "shanghai", make_context(a, [person("p-lead")]), units=units)
    assert _pairs(failures) == [
        ("REG-04", "SAME_GROUP_AS_PARTICIPATING_UNIT"),
        ("REG-04", "SAME_GROUP_AS_PARTICIPATING_UNIT"),
        ("REG-04", "RELATED_TO_PARTICIPATING_UNIT"),
    ]
    assert [f.subject_id for f in failures] == ["sub-testing", "contractor-9", "designer-3"]


def test_reg04_agency_taking_part_in_the_projects_supervision_refused(rules, person, agency, make_context):
    a = agency(region_code="hangzhou")
    a.record_relations(
        group=(),
        subsidiaries=(),
        related=(),
        involvements=(ProjectInvolvement(project_id="prj-1", role=UnitRole.SUPERVISION),),
    )
    assert _pairs(_check(rules, "hangzhou", make_context(a, [person("p-lead")]))) == [
        ("REG-04", "TAKES_PART_IN_PROJECT")
    ]


def test_reg06_key_position_elsewhere_refused_in_shanghai_only(rules, person, agency, make_context):
    lead = person("p-lead")
    engineer = person("p-eng", roles=ENGINEER)
    positions = (
        KeyPosition(practitioner_id="p-eng", position=KeyPositionKind.SUPERVISING_ENGINEER, project_id="prj-other"),
    )
    shanghai = _check(
        rules, "shanghai", make_context(agency(), [lead, engineer]), members=("p-eng",), key_positions=positions
    )
    hangzhou = _check(
        rules,
        "hangzhou",
        make_context(agency(region_code="hangzhou"), [lead, engineer]),
        members=("p-eng",),
        key_positions=positions,
    )
    assert _pairs(shanghai) == [("REG-06", "HOLDS_KEY_POSITION")]
    assert hangzhou == []


def test_reg06_applies_to_lead_and_risk_engineers_not_assistants(rules, person, agency, make_context):
    lead = person("p-lead")
    helper = person("p-help", title=TechnicalTitle.NONE, roles=(PractitionerRole.ASSISTANT,), licence=False)
    positions = (
        KeyPosition(practitioner_id="p-lead", position=KeyPositionKind.CONTRACTOR_PROJECT_MANAGER, project_id="x"),
        KeyPosition(practitioner_id="p-help", position=KeyPositionKind.SUPERVISING_ENGINEER, project_id="y"),
    )
    failures = _check(
        rules, "shanghai", make_context(agency(), [lead, helper]), members=("p-help",), key_positions=positions
    )
    assert [(f.rule_id, f.subject_id) for f in failures] == [("REG-06", "p-lead")]


def test_reg01_agency_outside_the_pool_and_reg08_ineligible_agency_refused(rules, person, agency, make_context):
    removed = agency()
    removed.status = removed.status.REMOVED
    ineligible = agency()
    ineligible.status = ineligible.status.INELIGIBLE
    lead = person("p-lead")
    assert _pairs(_check(rules, "shanghai", make_context(None, [lead]))) == [("REG-01", "AGENCY_NOT_IN_POOL")]
    assert _pairs(_check(rules, "shanghai", make_context(removed, [lead]))) == [("REG-01", "AGENCY_NOT_IN_POOL")]
    assert _pairs(_check(rules, "shanghai", make_context(ineligible, [lead]))) == [("REG-08", "AGENCY_INELIGIBLE")]


def test_reg_refusal_lists_several_failed_conditions_each_with_its_rule_id(rules, person, agency, make_context):
    a = agency()
    a.record_relations(group=(), subsidiaries=("sub-1",), related=(), involvements=())
    lead = person("p-lead", title=TechnicalTitle.SENIOR_ENGINEER, years=12, licence=False)
    outsider = person("p-out", agency_id="ag-9", roles=ENGINEER)
    positions = (
        KeyPosition(practitioner_id="p-lead", position=KeyPositionKind.CHIEF_SUPERVISING_ENGINEER, project_id="prj-7"),
    )
    failures = _check(
        rules,
        "shanghai",
        make_context(a, [lead, outsider], load=10),
        members=("p-out", "p-none"),
        units=(ParticipatingUnit(organisation_id="sub-1", role=UnitRole.MATERIAL_SUPPLY),),
        key_positions=positions,
    )
    assert _pairs(failures) == [
        ("REG-13", "NOT_AGENCY_STAFF"),
        ("REG-02", "NOT_IN_TALENT_DATABASE"),
        ("REG-03", "LEAD_CREDENTIAL_MISSING"),
        ("REG-03", "LEAD_YEARS_TOO_FEW"),
        ("REG-03", "LEAD_TOO_MANY_PROJECTS"),
        ("REG-04", "SAME_GROUP_AS_PARTICIPATING_UNIT"),
        ("REG-06", "HOLDS_KEY_POSITION"),
    ]

    team = Team.first_attempt(project_id="prj-1", agency_id="ag-1", insurer_id="ins-1")
    team.assign(
        agency_id="ag-1",
        insurer_id="ins-1",
        lead_id="p-lead",
        member_ids=("p-out",),
        technical_lead_id=None,
        participating_units=(),
        failures=failures,
    )
    (refused,) = team.pull_events()
    assert isinstance(refused, AssignmentRefused) and len(refused.failed) == 7
    assert team.status is TeamStatus.REFUSED


def test_reg02_team_set_once_then_changed_only_through_lead_change():
    team = Team.first_attempt(project_id="prj-1", agency_id="ag-1", insurer_id="ins-1")
    team.assign(
        agency_id="ag-1",
        insurer_id="ins-1",
        lead_id="p-lead",
        member_ids=("p-eng", "p-lead"),
        technical_lead_id=None,
        participating_units=(),
        failures=[],
    )
    (assigned,) = team.pull_events()
    assert isinstance(assigned, TeamAssigned) and assigned.member_ids == ("p-eng",)
    with pytest.raises(InvalidState):
        team.assign(
            agency_id="ag-1",
            insurer_id="ins-1",
            lead_id="p-x",
            member_ids=(),
            technical_lead_id=None,
            participating_units=(),
            failures=[],
        )
