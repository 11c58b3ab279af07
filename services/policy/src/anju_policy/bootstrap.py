"""Composition root of the policy service: the one place where real adapters are wired.

Every service's bootstrap has the same ``build(settings, *, clock=None) -> (ServiceApp, handlers)``;
``create_app`` serves what it builds. Component tests wire the same handlers on in-memory ports.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from fastapi import FastAPI

from anju_contracts import topics
from anju_kit.calendar import PrcCalendar
from anju_kit.clock import Clock, SystemClock
from anju_kit.due import DueHoursEntries
from anju_kit.mongo import AggregateStore, OutgoingEvent
from anju_kit.regions import region_for
from anju_kit.service import ServiceApp
from anju_policy.adapters.documents import PolicyDocuments
from anju_policy.adapters.repository import PROJECT_SCHEMA, ProjectRepository
from anju_policy.config import PolicySettings
from anju_policy.domain.rules import rules_from_region
from anju_policy.entrypoints import http, kafka
from anju_policy.handlers import PolicyHandlers
from anju_policy.read_models import DUE, VIEWS

TITLE = "Anju Policy (承保)"
DESCRIPTION = (
    "Projects and participants, quotation letters and pricing from the region file, the risk-management "
    "and insurance contracts, premium payments and 见费出单, the regulator upload on the legal clock, and "
    "each product line's own ledger, the agency's team through the registry, completion milestones and the "
    "liability period, unit owners (POL-01 … POL-13)."
)


def build(
    settings: PolicySettings, *, clock: Clock | None = None, views_topic: str = ""
) -> tuple[ServiceApp, PolicyHandlers]:
    """The service with its handlers on the real adapters; nothing connects until it starts."""
    # Before anything connects: a bad region file stops start-up (XC-06).
    region = region_for("policy", settings.region, settings.regions_dir)
    service = ServiceApp(settings, title=TITLE, description=DESCRIPTION)
    # Compact (the state as one JSON string; no field is queried, every question is a read model's) and
    # so its log keeps each change, not the whole project: its units' owners make it hundreds of KB.
    store = AggregateStore(service.db["projects"], queried=(), schema=PROJECT_SCHEMA)
    documents = PolicyDocuments(service.objects, settings.policy_bucket, settings.region, region.policy.documents)
    handlers = PolicyHandlers(
        repo=ProjectRepository(store),
        documents=documents,
        rules=rules_from_region(region, PrcCalendar(settings.holidays_dir)),
        clock=clock or SystemClock(),
        region=settings.region,
        producer=settings.service,
        identity_secret=settings.policy_identity_secret.get_secret_value(),
    )

    async def flush(project_id: str, version: int | None, outgoing: Sequence[OutgoingEvent]) -> None:
        await service.relay.flush(store, project_id)  # by _id; after a crash the relay's sweep publishes

    handlers.flush = flush
    service.relay_outbox_of(store)
    kafka.register(
        service,
        kafka.pipeline(service, handlers),
        group=settings.consumer_group(settings.policy_consumer_group),
        attempts=settings.policy_command_attempts,
    )
    kafka.register_foreign_events(
        service,
        handlers,
        group_of=lambda owner: settings.consumer_group(f"{settings.policy_consumer_group}-{owner}"),
        attempts=settings.policy_command_attempts,
    )
    service.extra_topics += [topics.REGISTRY.events, topics.RISK.events]
    views = service.read_models(list(VIEWS), topic=views_topic)
    handlers.due = DueHoursEntries(views.store(DUE.name), lookback=timedelta(hours=settings.policy_due_lookback_h))

    # Fires ObligationOverdue once per unmet policy obligation (XC-02);
    # any number of instances may sweep (the compare-and-set picks one).
    grace = timedelta(seconds=settings.policy_due_grace_s)
    service.every(settings.policy_sweep_interval_s, "sweep", lambda: handlers.sweep_overdue(grace=grace))

    @service.on_startup
    async def prepare() -> None:
        await store.ensure_indexes()
        await documents.ensure_bucket()

    return service, handlers


def compose(service: ServiceApp, handlers: PolicyHandlers) -> FastAPI:
    """The HTTP application of a built service: the kit's ops routes plus /v1/policy."""
    app = service.build()
    app.state.handlers = handlers
    http.install(app, handlers, service.commands, service.views.store)
    return app


def create_app(settings: PolicySettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    return compose(*build(settings or PolicySettings.load(), clock=clock))
