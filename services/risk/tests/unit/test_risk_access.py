"""XC-05 on the risk file: only the registry's team acts for the agency (RSK-01); the insurer its own
projects; the responsible unit its issues; the supervisor parts; anyone else reads nothing."""

from __future__ import annotations

import pytest
from risk_factories import (
    AGENCY,
    BUILDER,
    CONTRACTOR,
    ENGINEER,
    INSURER,
    LEAD,
    NOT_ON_TEAM,
    OTHER_AGENCY,
    OTHER_INSURER,
    OWNER,
    REGULATOR,
    SUPERVISOR,
    at,
    facts,
    issue,
    kickoff,
    plan,
    rectification,
    seal,
)

from anju_contracts import Actor, Refusal
from anju_contracts import risk as r
from anju_risk import access
from anju_risk.domain import issue as risk_issue
from anju_risk.domain.risk_file import RiskFile


def with_issue() -> RiskFile:
    risk_file = RiskFile.open(facts(), "shanghai")
    risk_issue.raise_issue(risk_file, issue(process_id=None), facts(), at=at(2026, 10, 9), by="prc-eng")
    return risk_file


@pytest.mark.parametrize("actor", [NOT_ON_TEAM, OTHER_AGENCY, OTHER_INSURER, OWNER])
def test_xc05_outsiders_see_no_project_at_all(actor: Actor) -> None:
    for command in (plan(), issue(), kickoff(), seal()):
        with pytest.raises(Refusal) as refused:
            access.check_command(actor, facts(), None, command)
        assert refused.value.reason_code == "NOT_FOUND"


def test_rsk01_only_the_teams_practitioners_act_for_the_agency() -> None:
    for actor in (LEAD, ENGINEER):
        access.check_command(actor, facts(), None, plan())
        access.check_command(actor, facts(), None, issue())
    with pytest.raises(Refusal) as refused:
        access.check_command(AGENCY, facts(), None, issue())  # the agency's account reads, the team acts
    assert refused.value.reason_code == "FORBIDDEN"
    with pytest.raises(Refusal) as refused:
        access.check_command(LEAD, facts(team_active=False), None, issue())  # no team: nobody acts
    assert refused.value.reason_code == "NOT_FOUND"


def test_xc05_insurer_commands_are_the_projects_insurers() -> None:
    access.check_command(INSURER, facts(), None, kickoff())
    access.check_command(INSURER, facts(), None, seal())
    with pytest.raises(Refusal):
        access.check_command(LEAD, facts(), None, seal())


def test_rsk05_only_the_responsible_unit_rectifies_and_only_the_supervisor_accepts_parts() -> None:
    risk_file = with_issue()
    access.check_command(CONTRACTOR, facts(), risk_file, rectification())
    with pytest.raises(Refusal) as refused:
        access.check_command(BUILDER, facts(), risk_file, rectification())
    assert refused.value.reason_code == "FORBIDDEN"
    accept = r.RecordPartAcceptance(project_id="prj-1", part="地下室防水", accepted_on=at(2026, 10, 20).date())
    access.check_command(SUPERVISOR, facts(), risk_file, accept)
    with pytest.raises(Refusal):
        access.check_command(CONTRACTOR, facts(), risk_file, accept)


def test_xc05_the_regulator_reads_and_an_unknown_project_is_not_found() -> None:
    access.check_read(REGULATOR, facts())
    with pytest.raises(Refusal) as refused:
        access.check_read(REGULATOR, facts(insurer_id=None))
    assert refused.value.reason_code == "NOT_FOUND"
