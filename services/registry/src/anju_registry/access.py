"""Who may send which registry command (XC-05). Pure: decides from the actor and the command alone.

* regulator (住建委 / 质量保险分会) — admits agencies, approves practitioners, records findings, scores;
* insurer (or its core system) — nominates agencies, registers its own staff, scores agencies' work,
  assigns teams and changes leads on the projects it leads (the lead insurer's act alone: an agency
  never assigns itself);
* agency — declares its corporate relations, applies for its practitioners.

What an actor may not see is answered exactly like what does not exist (XC-05).
"""

from __future__ import annotations

from anju_contracts import Actor, Role
from anju_contracts import registry as r
from anju_contracts.base import ContractModel
from anju_registry.domain.errors import Forbidden, NotFound
from anju_registry.domain.team import Team

REGULATOR_COMMANDS: tuple[type[ContractModel], ...] = (
    r.AdmitAgency,
    r.RefuseAgency,
    r.ApprovePractitioner,
    r.RecordTraining,
    r.RecordReEvaluation,
    r.CombineEvaluations,
    r.RecordViolation,
    r.RecordSeriousAccident,
    r.SubmitSafetyChecklistScore,
    r.RectificationRefused,
)


def is_regulator(actor: Actor) -> bool:
    return actor.role is Role.REGULATOR


def acts_for_insurer(actor: Actor, insurer_id: str | None) -> bool:
    return actor.role in (Role.INSURER, Role.SYSTEM) and insurer_id is not None and actor.insurer_id == insurer_id


def acts_for_agency(actor: Actor, agency_id: str | None) -> bool:
    return actor.role in (Role.AGENCY, Role.SYSTEM) and agency_id is not None and actor.agency_id == agency_id


def acts_for_an_insurer(actor: Actor) -> bool:
    return actor.role in (Role.INSURER, Role.SYSTEM) and actor.insurer_id is not None


def check(actor: Actor, command: ContractModel) -> None:
    """Raise :class:`Forbidden` unless ``actor`` may send ``command``.

    Decided from the actor and the command alone, so a refusal here tells nothing about stored state.
    """
    if isinstance(command, REGULATOR_COMMANDS):
        allowed = is_regulator(actor)
    elif isinstance(command, r.NominateAgency | r.SubmitEvaluation | r.RegisterInsurerStaff):
        allowed = acts_for_insurer(actor, command.insurer_id)
    elif isinstance(command, r.RecordCorporateRelations | r.ApplyPractitioner):
        allowed = is_regulator(actor) or acts_for_agency(actor, command.agency_id)
    elif isinstance(command, r.AssignTeam):
        allowed = acts_for_insurer(actor, command.insurer_id)
    elif isinstance(command, r.ChangeLead):
        allowed = acts_for_an_insurer(actor)  # whether it leads the project: led_team()
    else:
        allowed = False
    if not allowed:
        raise Forbidden(f"{actor.role} {actor.id} may not send {type(command).__name__}")


def not_your_project(project_id: str) -> NotFound:
    """The one answer for a project team that is missing, not yet set, or led by another insurer."""
    return NotFound("project team", project_id)


def led_team(actor: Actor, team: Team | None, project_id: str) -> Team:
    """The team, when ``actor`` acts for the project's lead insurer; anyone else hears NOT_FOUND.

    The lead insurer is the one whose assignment was accepted (``Team.lead_insurer_id``): nothing else
    in the registry says who insures a project, and a refused attempt never claims it (REG-05).
    """
    if team is None or not acts_for_insurer(actor, team.lead_insurer_id):
        raise not_your_project(project_id)
    return team


def check_lead(actor: Actor, team: Team | None, project_id: str) -> None:
    """Raises NOT_FOUND unless ``actor`` acts for the project's lead insurer (see :func:`led_team`)."""
    led_team(actor, team, project_id)


def check_assignable(actor: Actor, team: Team | None, project_id: str) -> None:
    """A project nobody leads yet is open to the insurer the command names (see :func:`check`); one led
    by another insurer answers like a missing project (XC-05)."""
    if team is not None and team.lead_insurer_id is not None:
        led_team(actor, team, project_id)
