"""Team assignment is the lead insurer's act alone (REG-03..REG-05, XC-05): an agency never assigns
itself, a refused attempt never claims a project, and "not yours" answers like "not there"."""

from __future__ import annotations

import pytest

from anju_contracts import Actor, Role
from anju_contracts import registry as r
from anju_registry import access
from anju_registry.domain.errors import RegistryError
from anju_registry.domain.team import Team, TeamStatus

REGION = "shanghai"
INSURER = Actor(id="picc-uw", role=Role.INSURER, region=REGION, insurer_id="ins-1")
INSURER_CORE = Actor(id="picc-core", role=Role.SYSTEM, region=REGION, insurer_id="ins-1")
OTHER_INSURER = Actor(id="cpic-uw", role=Role.INSURER, region=REGION, insurer_id="ins-9")
AGENCY = Actor(id="ag1-admin", role=Role.AGENCY, region=REGION, agency_id="ag-1")
AGENCY_CORE = Actor(id="ag1-core", role=Role.SYSTEM, region=REGION, agency_id="ag-1")
ASSIGN = r.AssignTeam(project_id="prj-1", agency_id="ag-1", insurer_id="ins-1", lead_id="p-lead")
CHANGE = r.ChangeLead(project_id="prj-1", new_lead_id="p-new", insurer_confirmation_key="c/ok.pdf", reason="调岗")
FAILED = r.FailedCondition(rule_id="REG-02", code="NOT_IN_TALENT_DATABASE", message="x", subject_id="p-ghost")


def _attempt(team: Team | None, insurer_id: str, *, refused: bool) -> Team:
    team = team or Team.first_attempt(project_id="prj-1", agency_id="ag-1", insurer_id=insurer_id)
    team.assign(
        agency_id="ag-1",
        insurer_id=insurer_id,
        lead_id="p-lead",
        member_ids=(),
        technical_lead_id=None,
        participating_units=(),
        failures=[FAILED] if refused else [],
    )
    team.pull_events()
    return team


def _code(call: object) -> str:
    with pytest.raises(RegistryError) as refused:
        call()  # type: ignore[operator]
    return refused.value.reason_code


@pytest.mark.parametrize("agency", [AGENCY, AGENCY_CORE])
def test_reg04_an_agency_may_not_assign_itself_nor_change_the_lead(agency: Actor) -> None:
    assert _code(lambda: access.check(agency, ASSIGN)) == "FORBIDDEN"
    assert _code(lambda: access.check(agency, CHANGE)) == "FORBIDDEN"


def test_reg04_the_insurer_named_assigns_and_any_insurer_may_ask_to_change_a_lead() -> None:
    for insurer in (INSURER, INSURER_CORE):
        access.check(insurer, ASSIGN)
        access.check(insurer, CHANGE)
    assert _code(lambda: access.check(OTHER_INSURER, ASSIGN)) == "FORBIDDEN"  # in another's name


def test_reg04_a_refused_attempt_by_another_insurer_does_not_lock_the_lead_insurer_out() -> None:
    squatted = _attempt(None, "ins-9", refused=True)
    assert squatted.status is TeamStatus.REFUSED and squatted.lead_insurer_id is None
    access.check_assignable(INSURER, squatted, "prj-1")  # the rightful insurer may still assign
    team = _attempt(squatted, "ins-1", refused=False)
    assert team.lead_insurer_id == "ins-1"
    # Now the project is ins-1's: the other insurer hears what a missing project answers.
    theirs = _code(lambda: access.check_assignable(OTHER_INSURER, team, "prj-1"))
    assert theirs == _code(lambda: access.led_team(OTHER_INSURER, None, "prj-1")) == "NOT_FOUND"


def test_reg05_change_lead_on_another_insurers_project_answers_like_a_missing_one() -> None:
    team = _attempt(None, "ins-1", refused=False)
    assert access.led_team(INSURER, team, "prj-1") is team
    with pytest.raises(RegistryError) as theirs:
        access.led_team(OTHER_INSURER, team, "prj-1")
    with pytest.raises(RegistryError) as missing:
        access.led_team(OTHER_INSURER, None, "prj-1")
    assert (theirs.value.reason_code, theirs.value.detail) == (missing.value.reason_code, missing.value.detail)
    # A project whose only attempt was refused has no team and no lead insurer, for everybody.
    refused = _attempt(None, "ins-1", refused=True)
    assert _code(lambda: access.led_team(INSURER, refused, "prj-1")) == "NOT_FOUND"
