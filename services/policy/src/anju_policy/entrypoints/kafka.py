"""Kafka: ``anju.policy.commands.v1`` through the kit's command pipeline (decode, authenticate, validate,
authorize by the command table, handle, answer refusals on ``anju.policy.rejections.v1``); and the
events of other services a project waits for, each taken only from its owner service (a token of
``anju-registry`` / ``anju-risk``): the registry's answer to a team assignment (POL-08) and the sealed
final risk report (RSK-07)."""

from __future__ import annotations

from collections.abc import Callable

from anju_contracts import topics
from anju_kit.pipeline import CommandPipeline
from anju_kit.service import ServiceApp
from anju_policy.commands import command_table
from anju_policy.handlers import FOREIGN_EVENTS, PolicyHandlers

FOREIGN_TYPES = frozenset(t.TYPE for t in FOREIGN_EVENTS)


def pipeline(service: ServiceApp, handlers: PolicyHandlers) -> CommandPipeline:
    return service.command_pipeline(command_table(handlers))


def register(service: ServiceApp, commands: CommandPipeline, *, group: str, attempts: int = 3) -> None:
    service.subscribe_commands(
        commands,
        group_id=group,
        attempts=attempts,
        description="Policy commands: projects, quotations, stages, agency, contracts, payments, issue, milestones.",
    )


def register_foreign_events(
    service: ServiceApp, handlers: PolicyHandlers, *, group_of: Callable[[str], str], attempts: int = 3
) -> None:
    """The registry's and the risk service's events policy acts on, each owner's topic in a group of its
    own (``group_of(owner)``: the deployment's suffix stays last, as every group's)."""
    for owner, topic in (("registry", topics.REGISTRY.events), ("risk", topics.RISK.events)):
        service.subscribe_events(
            owner,
            topic,
            types=FOREIGN_TYPES,
            handle=handlers.on_event,
            group_id=group_of(owner),
            attempts=attempts,
            description="Registry team assignments (POL-08) and sealed final risk reports (RSK-07) of our projects.",
        )
