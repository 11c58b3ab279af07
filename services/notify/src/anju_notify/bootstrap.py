"""Composition root of the notify service: the one place where real adapters are wired.

Every service's bootstrap has the same ``build(settings, *, clock=None) -> (ServiceApp, handlers)``;
``create_app`` serves what it builds. Component tests wire the same handlers on in-memory ports.

The outbound channels (e-mail through ``ANJU_SMTP_*``; SMS once a deployment plugs in a gateway) are
the channels package's ``Dispatcher`` behind ``ports.Outbox``, retried on a timer, and the messages'
Chinese wording is its ``templates.render`` behind ``ports.Render``; tests pass their own of either.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from fastapi import FastAPI

from anju_contracts import topics
from anju_kit.calendar import PrcCalendar
from anju_kit.clock import Clock, SystemClock
from anju_kit.due import DueHoursEntries
from anju_kit.mongo import AggregateStore, OutgoingEvent
from anju_kit.regions import region_for
from anju_kit.service import ServiceApp
from anju_notify.adapters.repository import (
    CONTACTS_SCHEMA,
    INBOX_SCHEMA,
    OBLIGATION_SCHEMA,
    ContactRepository,
    InboxRepository,
    ObligationRepository,
)
from anju_notify.channels import templates
from anju_notify.channels.sealing import AddressSeal
from anju_notify.channels.wiring import build_dispatcher
from anju_notify.config import NotifySettings
from anju_notify.domain.schedule import Scheduler
from anju_notify.entrypoints import http, kafka
from anju_notify.handlers import NotifyHandlers
from anju_notify.messages import texts_of
from anju_notify.ports import Outbox, Render
from anju_notify.read_models import DUE, VIEWS

TITLE = "Anju Notify (义务与提醒)"
DESCRIPTION = (
    "Every legal deadline of claims, policy and risk as a tracked obligation (XC-02): the ledger, reminders "
    "before and escalation after on the region's schedule, each party's inbox, regulator filings "
    "(监管平台 uploads) and the regulator's view of who filed on time, late or not at all."
)


def build(
    settings: NotifySettings,
    *,
    clock: Clock | None = None,
    views_topic: str = "",
    outbox: Outbox | None = None,
    render: Render | None = None,
) -> tuple[ServiceApp, NotifyHandlers]:
    """The service with its handlers on the real adapters; nothing connects until it starts."""
    region = region_for("notify", settings.region, settings.regions_dir)  # a bad region file stops start-up
    service = ServiceApp(settings, title=TITLE, description=DESCRIPTION)
    clock = clock or SystemClock()
    if outbox is None:
        dispatcher = build_dispatcher(settings, service.db, clock)
        service.every(settings.channel_retry_interval_s, "channel_retry", dispatcher.retry_due)
        outbox = dispatcher
    store = AggregateStore(service.db["obligations"], schema=OBLIGATION_SCHEMA)
    contact_store = AggregateStore(service.db["contacts"], schema=CONTACTS_SCHEMA)
    inbox_store = AggregateStore(service.db["inbox_reads"], schema=INBOX_SCHEMA)
    handlers = NotifyHandlers(
        repo=ObligationRepository(store),
        contacts=ContactRepository(contact_store, AddressSeal(settings.channel_address_key.get_secret_value())),
        scheduler=Scheduler(region.notify, PrcCalendar(settings.holidays_dir)),
        clock=clock,
        region=settings.region,
        producer=settings.service,
        outbox=outbox,
        texts=texts_of(render or templates.render),
        inbox=InboxRepository(inbox_store),
    )

    async def flush(obligation_id: str, version: int | None, outgoing: Sequence[OutgoingEvent]) -> None:
        await service.relay.flush(store, obligation_id)  # by _id; after a crash the relay's sweep publishes

    def flush_of(other: AggregateStore) -> Callable[[str, int | None, Sequence[OutgoingEvent]], Awaitable[None]]:
        async def flush_other(key: str, version: int | None, outgoing: Sequence[OutgoingEvent]) -> None:
            await service.relay.flush(other, key)

        return flush_other

    handlers.flush, handlers.contacts_flush, handlers.inbox_flush = (
        flush,
        flush_of(contact_store),
        flush_of(inbox_store),
    )
    for relayed in (store, contact_store, inbox_store):
        service.relay_outbox_of(relayed)
    kafka.register(
        service,
        kafka.pipeline(service, handlers),
        group=settings.consumer_group(settings.notify_consumer_group),
        attempts=settings.notify_command_attempts,
    )
    kafka.register_foreign_events(
        service,
        handlers,
        group_of=lambda owner: settings.consumer_group(f"{settings.notify_consumer_group}-{owner}"),
        attempts=settings.notify_command_attempts,
    )
    kafka.register_outbox(
        service,
        handlers,
        group=settings.consumer_group(f"{settings.notify_consumer_group}-outbox"),
        attempts=settings.notify_command_attempts,
    )
    # Filings leave for a city's external supervision system (documented in the AsyncAPI document).
    service.broker.publisher(
        topics.SUPERVISION_FILINGS,
        title=f"{topics.SUPERVISION_FILINGS}:Publish",
        description="Regulator filings (监管平台 uploads) for a city's supervision system, keyed by obligation id.",
    )
    service.extra_topics += [
        *(topics.BY_SERVICE[s].events for s in ("claims", "policy", "risk")),
        topics.SUPERVISION_FILINGS,
        topics.dlq(topics.SUPERVISION_FILINGS),
    ]
    views = service.read_models(list(VIEWS), topic=views_topic)
    handlers.due = DueHoursEntries(views.store(DUE.name), lookback=timedelta(hours=settings.notify_due_lookback_h))

    # Each reminder / escalation fires once across instances (the commit log's compare-and-set picks one).
    grace = timedelta(seconds=settings.notify_due_grace_s)
    service.every(settings.notify_sweep_interval_s, "sweep", lambda: handlers.sweep(grace=grace))

    @service.on_startup
    async def prepare() -> None:
        for prepared in (store, contact_store, inbox_store):
            await prepared.ensure_indexes()

    return service, handlers


def compose(service: ServiceApp, handlers: NotifyHandlers) -> FastAPI:
    """The HTTP application of a built service: the kit's ops routes plus /v1/notify."""
    app = service.build()
    app.state.handlers = handlers
    http.install(app, handlers, service.commands, service.views.store)
    return app


def create_app(settings: NotifySettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    return compose(*build(settings or NotifySettings.load(), clock=clock))
