"""Composition root of the registry service: the one place where real adapters are wired.

Every service's bootstrap has the same ``build(settings, *, clock=None) -> (ServiceApp, handlers)``;
``create_app`` serves what it builds.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from anju_contracts import topics
from anju_kit.clock import Clock, SystemClock
from anju_kit.regions import region_for
from anju_kit.service import ServiceApp
from anju_registry import safety_feed
from anju_registry.adapters.repository import Repositories, Repository
from anju_registry.config import RegistrySettings
from anju_registry.domain.rules import registry_rules
from anju_registry.entrypoints import http, kafka
from anju_registry.handlers import RegistryHandlers
from anju_registry.read_models import VIEWS, ReadModels
from anju_registry.safety_feed import SAFETY_QUARTERS

TITLE = "Anju Registry (机构与人员库)"
DESCRIPTION = (
    "The regional pool of risk-management agencies, the talent database of practitioners, insurers' IDI "
    "staff, project teams, evaluations and credit records (REG-01 … REG-13, SAF-07). Region rules come "
    "from the region file."
)


def build(
    settings: RegistrySettings, *, clock: Clock | None = None, views_topic: str = ""
) -> tuple[ServiceApp, RegistryHandlers]:
    """The service with its handlers (tests drive the handlers directly; ``views_topic``: a test's own)."""
    # Before anything connects: a bad region file stops start-up (XC-06).
    region = region_for("registry", settings.region, settings.regions_dir)
    service = ServiceApp(settings, title=TITLE, description=DESCRIPTION)
    repos = Repositories.on(service.db)
    # The read models: routers re-key the registry's own state events, one writer group folds them.
    # SAF-07: the risk service's quarter standings, folded per agency and quarter (anju_registry.safety_feed)
    views = service.read_models([*(view() for view in VIEWS), SAFETY_QUARTERS], topic=views_topic)
    service.extra_topics += [topics.RISK.events, topics.dlq(topics.RISK.events)]
    handlers = RegistryHandlers(
        repos=repos,
        reads=ReadModels(views.stores),
        rules=registry_rules(region),
        checklist=region.safety.agency_checklist if region.safety else None,
        clock=clock or SystemClock(),
        region=settings.region,
        identity_secret=settings.registry_identity_secret.get_secret_value(),
        producer=settings.service,
    )

    async def flush(repo: Repository[Any], doc_id: str) -> None:
        await service.relay.flush(repo.store, doc_id)

    handlers.flush = flush
    for repo in repos.all():
        service.relay_outbox_of(repo.store)
    kafka.register(
        service,
        kafka.pipeline(service, handlers),
        attempts=settings.registry_command_attempts,
        group=settings.consumer_group(kafka.COMMANDS_GROUP),
    )
    service.on_startup(repos.ensure_indexes)
    return service, handlers


def compose(service: ServiceApp, handlers: RegistryHandlers) -> FastAPI:
    """The HTTP application of a built service: the kit's ops routes plus /v1/registry."""
    app = service.build()
    app.state.handlers = handlers
    http.install(app, handlers, service.commands)
    app.include_router(
        safety_feed.router(service.views.store(SAFETY_QUARTERS.name), handlers.repos, handlers.checklist)
    )
    return app


def create_app(settings: RegistrySettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    return compose(*build(settings or RegistrySettings.load(), clock=clock))
