"""Who may send which registry command (XC-05). Pure: decides from the actor and the command alone.

* regulator (住建委 / 质量保险分会) — admits agencies, approves practitioners, records findings, scores;
* insurer (or its core system) — nominates agencies, registers its own staff, scores agencies' work,
  assigns teams and confirms lead changes on its own projects;
* agency — declares its corporate relations, applies for its practitioners, sets its project teams.
"""

from __future__ import annotations

from anju_contracts import Actor, Role
from anju_contracts import registry as r
from anju_contracts.base import ContractModel
from anju_registry.domain.errors import Forbidden

_REGULATOR_COMMANDS: tuple[type[ContractModel], ...] = (
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


def check(
    actor: Actor, command: ContractModel, *, team_insurer: str | None = None, team_agency: str | None = None
) -> None:
    """Raise :class:`Forbidden` unless ``actor`` may send ``command``."""
    if isinstance(command, _REGULATOR_COMMANDS):
        allowed = is_regulator(actor)
    elif isinstance(command, r.NominateAgency | r.SubmitEvaluation | r.RegisterInsurerStaff):
        allowed = acts_for_insurer(actor, command.insurer_id)
    elif isinstance(command, r.RecordCorporateRelations | r.ApplyPractitioner):
        allowed = is_regulator(actor) or acts_for_agency(actor, command.agency_id)
    elif isinstance(command, r.AssignTeam):
        allowed = acts_for_insurer(actor, command.insurer_id) or acts_for_agency(actor, command.agency_id)
        allowed = allowed and (team_insurer is None or team_insurer == command.insurer_id)
    elif isinstance(command, r.ChangeLead):
        allowed = acts_for_insurer(actor, team_insurer) or acts_for_agency(actor, team_agency)
    else:
        allowed = False
    if not allowed:
        raise Forbidden(f"{actor.role} {actor.id} may not send {type(command).__name__}")
