"""Kafka: ``anju.notify.commands.v1`` through the kit's command pipeline, and the obligation events of
claims, policy and risk, each taken only from its owner service (a token of ``anju-<owner>``) in a
consumer group of its own."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from anju_contracts import Envelope, topics
from anju_contracts import notify as n
from anju_contracts.base import Event
from anju_contracts.common import ObligationFulfilled, ObligationOpened
from anju_kit.pipeline import CommandPipeline
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
        service.subscribe_events(
            owner,
            topics.BY_SERVICE[owner].events,
            types=OBLIGATION_TYPES,
            handle=partial(handlers.on_event, source=owner),
            group_id=group_of(owner),
            attempts=attempts,
            description="Every service's ObligationOpened / ObligationFulfilled into the ledger (XC-02).",
        )


def register_outbox(service: ServiceApp, handlers: NotifyHandlers, *, group: str, attempts: int = 3) -> None:
    """Notify's own fired steps (ReminderSent, ObligationEscalated) to the outbox, after their commit."""

    async def on_notice(_: Envelope, event: Event) -> int:
        return await handlers.on_notice(event)

    service.subscribe_events(
        "notify",
        topics.NOTIFY.events,
        types=NOTICE_TYPES,
        handle=on_notice,
        group_id=group,
        attempts=attempts,
        description="Reminders and escalations to the e-mail / SMS channels (XC-02).",
    )
