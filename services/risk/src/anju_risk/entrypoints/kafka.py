"""Kafka: ``anju.risk.commands.v1`` through the kit's command pipeline (decode, authenticate, validate,
authorize by the command table, handle, answer refusals on ``anju.risk.rejections.v1``)."""

from __future__ import annotations

from anju_kit.pipeline import CommandPipeline
from anju_kit.service import ServiceApp
from anju_risk.commands import command_table
from anju_risk.handlers import RiskHandlers


def pipeline(service: ServiceApp, handlers: RiskHandlers) -> CommandPipeline:
    return service.command_pipeline(command_table(handlers))


def register(service: ServiceApp, commands: CommandPipeline, *, group: str, attempts: int = 3) -> None:
    service.subscribe_commands(
        commands,
        group_id=group,
        attempts=attempts,
        description="Risk commands: plans, kick-off, reports, issues and rectification, part acceptance, "
        "processes, the final report.",
    )
