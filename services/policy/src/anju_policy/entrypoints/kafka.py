"""Kafka: ``anju.policy.commands.v1`` through the kit's command pipeline (decode, authenticate, validate,
authorize by the command table, handle, answer refusals on ``anju.policy.rejections.v1``)."""

from __future__ import annotations

from anju_kit.pipeline import CommandPipeline
from anju_kit.service import ServiceApp
from anju_policy.commands import command_table
from anju_policy.handlers import PolicyHandlers


def pipeline(service: ServiceApp, handlers: PolicyHandlers) -> CommandPipeline:
    return service.command_pipeline(command_table(handlers))


def register(service: ServiceApp, commands: CommandPipeline, *, group: str, attempts: int = 3) -> None:
    service.subscribe_commands(
        commands,
        group_id=group,
        attempts=attempts,
        description="Policy commands: projects, quotations, stages, contracts, premium payments, issue, upload.",
    )
