"""Kafka: ``anju.registry.commands.v1`` through the kit's command pipeline (decode, authenticate, validate,
authorize by the command table, handle, answer on ``anju.registry.rejections.v1``)."""

from __future__ import annotations

from anju_kit.pipeline import CommandPipeline
from anju_kit.service import ServiceApp
from anju_registry.commands import command_table
from anju_registry.handlers import RegistryHandlers

COMMANDS_GROUP = "anju-registry"


def pipeline(service: ServiceApp, handlers: RegistryHandlers) -> CommandPipeline:
    return service.command_pipeline(command_table(handlers))


def register(service: ServiceApp, commands: CommandPipeline, *, attempts: int = 3, group: str = COMMANDS_GROUP) -> None:
    service.subscribe_commands(
        commands,
        group_id=group,
        attempts=attempts,
        description="Registry commands: agencies, practitioners, teams, findings, evaluations, checklists.",
    )
