"""Who may see and change which project (XC-05). Pure: decided from the actor and the project alone.

* insurer (or its core system) — its own projects only;
* builder — the projects it builds (its organisation is the builder participant): it reads them and
  reports their stages;
* regulator — every project of the region (the token's region is checked at the door): reads only;
* another Anju service (system without insurer) — reads everything.
A project an actor may not see is answered exactly like one that does not exist (no leak).
"""

from __future__ import annotations

from anju_contracts import Actor, ReasonCode, Role
from anju_contracts import underwriting as u
from anju_contracts.base import Command
from anju_policy.domain.errors import PolicyError, not_found
from anju_policy.domain.project import Project

BUILDER_COMMANDS: frozenset[type[Command]] = frozenset({u.AdvanceStage})


def acts_for_insurer(actor: Actor, insurer_id: str) -> bool:
    return actor.role in (Role.INSURER, Role.SYSTEM) and actor.insurer_id is not None and actor.insurer_id == insurer_id


def acts_for_builder(actor: Actor, project: Project) -> bool:
    return (
        actor.role is Role.BUILDER and actor.organisation_id is not None and actor.organisation_id == project.builder_id
    )


def can_read(actor: Actor, project: Project) -> bool:
    if actor.role is Role.REGULATOR:
        return True
    if actor.role is Role.SYSTEM and actor.insurer_id is None:
        return True
    return acts_for_insurer(actor, project.insurer_id) or acts_for_builder(actor, project)


def check_read(actor: Actor, project: Project | None, project_id: str) -> Project:
    if project is None or not can_read(actor, project):
        raise not_found(project_id)
    return project


def check_command(actor: Actor, project: Project | None, command: Command) -> None:
    """NOT_FOUND when the actor may not see the project, FORBIDDEN when it may see but not act."""
    project_id: str = command.project_id  # type: ignore[attr-defined]  # every policy command names it
    if isinstance(command, u.RegisterProject):
        if project is not None and not can_read(actor, project):
            raise not_found(project_id)  # a taken id answers like any project that is not yours
        if not acts_for_insurer(actor, command.insurer_id):
            raise PolicyError(ReasonCode.FORBIDDEN, "an insurer registers its own projects", field="insurer_id")
        return
    project = check_read(actor, project, project_id)
    if acts_for_insurer(actor, project.insurer_id):
        return
    if type(command) in BUILDER_COMMANDS and acts_for_builder(actor, project):
        return
    raise PolicyError(ReasonCode.FORBIDDEN, f"{actor.role.value} may not send {command.TYPE} for this project")
