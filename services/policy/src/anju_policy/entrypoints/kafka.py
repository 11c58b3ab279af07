"""Kafka: ``anju.policy.commands.v1`` through the kit's command pipeline (decode, authenticate, validate,
authorize by the command table, handle, answer refusals on ``anju.policy.rejections.v1``); and the
events of other services a project waits for, each taken only from its owner service (a token of
``anju-registry`` / ``anju-risk``): the registry's answer to a team assignment (POL-08) and the sealed
final risk report (RSK-07)."""

from __future__ import annotations

from collections.abc import Callable

from anju_contracts import Refusal, topics
from anju_contracts.base import Event
from anju_kit.kafka import Inbound, reliable_subscriber
from anju_kit.pipeline import CommandPipeline, contract_message, event_sender
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
        _subscribe(service, handlers, owner, topic, group=group_of(owner), attempts=attempts)


def _subscribe(
    service: ServiceApp, handlers: PolicyHandlers, owner: str, topic: str, *, group: str, attempts: int
) -> None:
    @reliable_subscriber(
        service.broker,
        topic,
        group_id=group,
        service="policy",
        authenticate=event_sender(service.tokens, owner),
        answer=service.rejector,
        max_bytes=service.settings.kafka_max_message_bytes,
        attempts=attempts,
    )
    async def on_event(inbound: Inbound) -> None:
        """Registry team assignments (POL-08) and the sealed final risk report (RSK-07) for our projects."""
        envelope = inbound.envelope
        if envelope.type not in FOREIGN_TYPES:
            return  # another event of that service: not addressed to the policy service
        try:
            event = contract_message(envelope, topic)
            if isinstance(event, Event):
                await handlers.on_event(envelope, event)
        except Refusal as refusal:
            await service.rejector.reject(envelope, refusal, inbound.record)
