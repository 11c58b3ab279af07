"""Kafka: ``anju.notify.commands.v1`` through the kit's command pipeline, and the obligation events of
claims, policy and risk, each taken only from its owner service (a token of ``anju-<owner>``) in a
consumer group of its own."""

from __future__ import annotations

from collections.abc import Callable

from anju_contracts import Refusal, topics
from anju_contracts import notify as n
from anju_contracts.base import Event
from anju_contracts.common import ObligationFulfilled, ObligationOpened
from anju_kit.kafka import Inbound, reliable_subscriber
from anju_kit.pipeline import CommandPipeline, contract_message, event_sender
from anju_kit.service import ServiceApp
from anju_notify.commands import command_table
from anju_notify.handlers import SOURCES, NotifyHandlers

OBLIGATION_TYPES = frozenset(
    f"{owner}.{kind}" for owner in SOURCES for kind in (ObligationOpened.__name__, ObligationFulfilled.__name__)
)

NOTICE_TYPES = frozenset({n.ReminderSent.TYPE, n.ObligationEscalated.TYPE})


def pipeline(service: ServiceApp, handlers: NotifyHandlers) -> CommandPipeline:
    return service.command_pipeline(command_table(handlers))


def register(service: ServiceApp, commands: CommandPipeline, *, group: str, attempts: int = 3) -> None:
    service.subscribe_commands(
        commands,
        group_id=group,
        attempts=attempts,
        description="Notify commands: regulator filings (监管平台 uploads) and waivers of obligations.",
    )


def register_foreign_events(
    service: ServiceApp, handlers: NotifyHandlers, *, group_of: Callable[[str], str], attempts: int = 3
) -> None:
    for owner in SOURCES:
        _subscribe(service, handlers, owner, topics.BY_SERVICE[owner].events, group=group_of(owner), attempts=attempts)


def register_outbox(service: ServiceApp, handlers: NotifyHandlers, *, group: str, attempts: int = 3) -> None:
    """Notify's own fired steps (ReminderSent, ObligationEscalated) to the outbox, after their commit."""
    topic = topics.NOTIFY.events

    @reliable_subscriber(
        service.broker,
        topic,
        group_id=group,
        service="notify",
        authenticate=event_sender(service.tokens, "notify"),
        answer=service.rejector,
        max_bytes=service.settings.kafka_max_message_bytes,
        attempts=attempts,
    )
    async def on_notice(inbound: Inbound) -> None:
        """Reminders and escalations to the e-mail / SMS channels (XC-02)."""
        if inbound.envelope.type not in NOTICE_TYPES:
            return
        try:
            event = contract_message(inbound.envelope, topic)
            if isinstance(event, Event):
                await handlers.on_notice(event)
        except Refusal as refusal:
            await service.rejector.reject(inbound.envelope, refusal, inbound.record)


def _subscribe(
    service: ServiceApp, handlers: NotifyHandlers, owner: str, topic: str, *, group: str, attempts: int
) -> None:
    @reliable_subscriber(
        service.broker,
        topic,
        group_id=group,
        service="notify",
        authenticate=event_sender(service.tokens, owner),
        answer=service.rejector,
        max_bytes=service.settings.kafka_max_message_bytes,
        attempts=attempts,
    )
    async def on_event(inbound: Inbound) -> None:
        """Every service's ObligationOpened / ObligationFulfilled into the ledger (XC-02)."""
        envelope = inbound.envelope
        if envelope.type not in OBLIGATION_TYPES:
            return  # another event of that service: not an obligation
        try:
            event = contract_message(envelope, topic)
            if isinstance(event, Event):
                await handlers.on_event(envelope, event, source=owner)
        except Refusal as refusal:
            await service.rejector.reject(envelope, refusal, inbound.record)
