"""Kafka: ``anju.registry.commands.v1`` through the kit's command pipeline (decode, authenticate, validate,
authorize by the command table, handle, answer on ``anju.registry.rejections.v1``)."""

from __future__ import annotations

from anju_contracts import topics
from anju_kit.pipeline import CommandPipeline, subscribe_commands
from anju_kit.service import ServiceApp
from anju_registry.commands import command_table
from anju_registry.handlers import RegistryHandlers

COMMANDS_GROUP = "anju-registry"


def pipeline(service: ServiceApp, handlers: RegistryHandlers) -> CommandPipeline:
    return CommandPipeline(
        service="registry",
        region=handlers.region,
        topic=topics.REGISTRY.commands,
        table=command_table(handlers),
        rejector=service.rejector,
    )


def register(service: ServiceApp, commands: CommandPipeline, *, attempts: int = 3, group: str = COMMANDS_GROUP) -> None:
    subscribe_commands(
        service.broker,
        commands,
        tokens=service.tokens,
        group_id=group,
        max_bytes=service.settings.kafka_max_message_bytes,
        attempts=attempts,
        description="Registry commands: agencies, practitioners, teams, findings, evaluations, checklists.",
    )
