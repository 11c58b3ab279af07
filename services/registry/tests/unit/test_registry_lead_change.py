"""REG-05: changing a project's lead needs the insurer's written confirmation; shanghai: not less qualified."""

from __future__ import annotations

from typing import Any

import pytest

from anju_contracts.registry import (
    AssignmentRefused,
    FailedCondition,
    KeyPosition,
    KeyPositionKind,
    LeadChanged,
    TechnicalTitle,
)
from anju_registry.domain.assignment import TeamContext, lead_change_failures
from anju_registry.domain.errors import InvalidState
from anju_registry.domain.team import Team


def _team() -> Team:
    team = Team.first_attempt(project_id="prj-1", agency_id="ag-1", insurer_id="ins-1")
    team.assign(
        agency_id="ag-1",
        insurer_id="ins-1",
        lead_id="p-old",
        member_ids=("p-eng",),
        technical_lead_id=None,
        participating_units=(),
        failures=[],
    )
    team.pull_events()
    return team


def _check(
    rules: Any,
    region_code: str,
    ctx: TeamContext,
    *,
    new: str = "p-new",
    key: str = "confirmations/ins-1/prj-1.pdf",
    key_positions: tuple[KeyPosition, ...] = (),
) -> list[FailedCondition]:
    return lead_change_failures(
        agency_id="ag-1",
        old_lead_id="p-old",
        new_lead_id=new,
        confirmation_key=key,
        key_positions=key_positions,
        ctx=ctx,
        rules=rules(region_code),
    )


def test_reg05_lead_change_with_written_confirmation_recorded(rules, person, agency, make_context):
    team = _team()
    ctx = make_context(agency(), [person("p-old", years=20), person("p-new", years=22)])
    failures = _check(rules, "shanghai", ctx)
    team.change_lead(
        new_lead_id="p-new",
        insurer_confirmation_key="confirmations/ins-1/prj-1.pdf",
        reason="原负责人调岗",
        failures=failures,
    )
    (changed,) = team.pull_events()
    assert isinstance(changed, LeadChanged) and (changed.old_lead_id, changed.new_lead_id) == ("p-old", "p-new")
    assert team.lead_changes[0].insurer_confirmation_key == "confirmations/ins-1/prj-1.pdf"


def test_reg05_lead_change_without_confirmation_refused(rules, person, agency, make_context):
    ctx = make_context(agency(), [person("p-old"), person("p-new")])
    assert [(f.rule_id, f.code) for f in _check(rules, "shanghai", ctx, key=" ")] == [
        ("REG-05", "CONFIRMATION_MISSING")
    ]


def test_reg05_less_qualified_new_lead_refused_in_shanghai_allowed_in_hangzhou(rules, person, agency, make_context):
    old = person("p-old", title=TechnicalTitle.PROFESSOR_SENIOR_ENGINEER, years=25, licence=True)
    new = person("p-new", title=TechnicalTitle.SENIOR_ENGINEER, years=18, licence=True)
    shanghai = _check(rules, "shanghai", make_context(agency(), [old, new]))
    hangzhou = _check(rules, "hangzhou", make_context(agency(region_code="hangzhou"), [old, new]))
    assert [(f.rule_id, f.code) for f in shanghai] == [
        ("REG-05", "LESS_QUALIFIED_TITLE"),
        ("REG-05", "LESS_QUALIFIED_EXPERIENCE"),
    ]
    assert hangzhou == []


def test_reg05_new_lead_meets_the_lead_rules_too(rules, person, agency, make_context):
    ctx = make_context(agency(), [person("p-old"), person("p-new", years=8, licence=False)], load=10)
    codes = [(f.rule_id, f.code) for f in _check(rules, "shanghai", ctx)]
    assert ("REG-03", "LEAD_YEARS_TOO_FEW") in codes and ("REG-03", "LEAD_TOO_MANY_PROJECTS") in codes
    assert ("REG-05", "LESS_QUALIFIED_LICENCE") in codes


def test_reg03_hangzhou_new_lead_must_be_dedicated_too(rules, person, agency, make_context):
    ctx = make_context(agency(region_code="hangzhou"), [person("p-old"), person("p-new")])
    elsewhere = (
        KeyPosition(practitioner_id="p-new", position=KeyPositionKind.CHIEF_SUPERVISING_ENGINEER, project_id="prj-9"),
    )
    assert _check(rules, "hangzhou", ctx) == []
    assert [(f.rule_id, f.code) for f in _check(rules, "hangzhou", ctx, key_positions=elsewhere)] == [
        ("REG-03", "LEAD_NOT_DEDICATED")
    ]


def test_reg05_refused_change_keeps_the_old_lead(rules, person, agency, make_context):
    team = _team()
    failures = _check(rules, "shanghai", make_context(agency(), [person("p-old")]), new="p-unknown")
    team.change_lead(new_lead_id="p-unknown", insurer_confirmation_key="k", reason="r", failures=failures)
    (refused,) = team.pull_events()
    assert isinstance(refused, AssignmentRefused) and refused.command_type == "registry.ChangeLead"
    assert team.lead_id == "p-old"


def test_reg05_no_lead_change_before_a_team_is_set():
    team = Team.first_attempt(project_id="prj-2", agency_id="ag-1", insurer_id="ins-1")
    with pytest.raises(InvalidState):
        team.change_lead(new_lead_id="p-new", insurer_confirmation_key="k", reason="r", failures=[])
