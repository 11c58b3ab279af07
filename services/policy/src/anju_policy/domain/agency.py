"""POL-08: the insurer selects an admitted agency; the registry decides whether its team may be assigned.

The policy service does not judge the agency itself (admission, independence, the lead's qualification
and load, re-evaluation are the registry's rules REG-02 … REG-06, REG-11, REG-13). Selecting records
``AgencySelected`` and, in the same outbox write, the registry's ``AssignTeam`` command on
``anju.registry.commands.v1`` in the selecting insurer's name (the policy service signs the record; the
registry authorizes the insurer it relays for). The registry's answer comes back as an event:
``TeamAssigned`` puts the risk-management contract (with its first-period fee) in force;
``AssignmentRefused`` is kept on the project with its failed conditions, as the registry gave them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from anju_contracts import FailedCondition
from anju_contracts import registry as r
from anju_contracts import underwriting as u
from anju_contracts.base import Event
from anju_policy.domain.errors import invalid_state
from anju_policy.domain.records import Signed

if TYPE_CHECKING:
    from anju_policy.domain.project import Project

AssignmentStatus = Literal["requested", "assigned", "refused"]

# 参建单位 as the registry names them (REG-04 independence is checked on these).
UNIT_ROLES: dict[u.ParticipantRole, r.UnitRole] = {
    u.ParticipantRole.BUILDER: r.UnitRole.BUILDER,
    u.ParticipantRole.DESIGNER: r.UnitRole.DESIGN,
    u.ParticipantRole.CONTRACTOR: r.UnitRole.CONSTRUCTION,
    u.ParticipantRole.SUPERVISOR: r.UnitRole.SUPERVISION,
    u.ParticipantRole.TESTING_LAB: r.UnitRole.TESTING,
}


class Assignment(BaseModel):
    """The agency the insurer selected and where the registry's decision stands."""

    model_config = ConfigDict(extra="forbid")

    agency_id: str
    lead_id: str
    member_ids: list[str] = Field(default_factory=list)
    technical_lead_id: str | None = None
    fee: Decimal
    signed_on: date
    status: AssignmentStatus = "requested"
    failed: list[FailedCondition] = Field(default_factory=list)

    def same_selection(self, cmd: u.SelectAgency) -> bool:
        return (self.agency_id, self.lead_id, tuple(self.member_ids), self.technical_lead_id, self.fee) == (
            cmd.agency_id,
            cmd.lead_id,
            cmd.member_ids,
            cmd.technical_lead_id,
            cmd.first_period_fee_yuan,
        )


def assignment_of(cmd: u.SelectAgency) -> Assignment:
    return Assignment(
        agency_id=cmd.agency_id,
        lead_id=cmd.lead_id,
        member_ids=list(cmd.member_ids),
        technical_lead_id=cmd.technical_lead_id,
        fee=cmd.first_period_fee_yuan,
        signed_on=cmd.signed_on,
    )


def assign_team(project_id: str, insurer_id: str, selected: Assignment, participants: list[u.Participant]) -> Event:
    """The registry's command, carried in the project's outbox (a command rides there like an event: the
    relay publishes it on its catalog topic, keyed by the project id)."""
    command = r.AssignTeam(
        project_id=project_id,
        agency_id=selected.agency_id,
        insurer_id=insurer_id,
        lead_id=selected.lead_id,
        member_ids=tuple(selected.member_ids),
        technical_lead_id=selected.technical_lead_id,
        participating_units=tuple(
            r.ParticipatingUnit(
                organisation_id=p.organisation_id,
                role=UNIT_ROLES[p.role],
                group_organisation_ids=(p.group_id,) if p.group_id else (),
            )
            for p in participants
        ),
    )
    return cast(Event, command)  # the outbox publishes any catalog message on its TOPIC


# -- the steps on a project ----------------------------------------------------------------------------


def select_agency(project: Project, cmd: u.SelectAgency) -> None:
    """Ask the registry to assign the selected agency's team (refused once the insurance contract is
    signed, or once a team is assigned: its lead then changes at the registry, REG-05)."""
    held = project.assignment
    if held is not None and held.same_selection(cmd) and held.status != "refused":
        return
    if project.contract is not None:
        raise invalid_state("the insurance contract is signed already", rule_id="POL-08")
    if held is not None and held.status == "assigned":
        raise invalid_state("the registry assigned a team already; its lead changes there (REG-05)", rule_id="POL-08")
    project.assignment = assignment_of(cmd)
    project.risk_contract = None
    project._record(
        u.AgencySelected(
            project_id=project.project_id,
            agency_id=cmd.agency_id,
            insurer_id=project.insurer_id,
            lead_id=cmd.lead_id,
            first_period_fee_yuan=cmd.first_period_fee_yuan,
            signed_on=cmd.signed_on,
        )
    )
    project._record(assign_team(project.project_id, project.insurer_id, project.assignment, project.participants))


def team_assigned(project: Project, event: r.TeamAssigned) -> None:
    """The registry assigned the team: the risk-management contract is in force with its fee."""
    held = project.assignment
    if held is None or held.agency_id != event.agency_id or event.insurer_id != project.insurer_id:
        return  # not the answer to this project's selection
    if held.status == "assigned":
        return
    held.status, held.failed = "assigned", []
    project.risk_contract = Signed(
        contract_id=f"rm-{held.agency_id}", signed_on=held.signed_on, agency_id=held.agency_id, fee=held.fee
    )
    project._record(
        u.RiskManagementContractRecorded(
            project_id=project.project_id,
            agency_id=held.agency_id,
            first_period_fee_yuan=held.fee,
            signed_on=held.signed_on,
        )
    )


def assignment_refused(project: Project, event: r.AssignmentRefused) -> None:
    """The registry refused the team: kept as is, with its rules' ids, for the insurer to see."""
    held = project.assignment
    if held is None or held.agency_id != event.agency_id or held.status != "requested":
        return
    held.status, held.failed = "refused", list(event.failed)
    project._record(
        u.AgencyAssignmentRefused(project_id=project.project_id, agency_id=held.agency_id, failed=event.failed)
    )
