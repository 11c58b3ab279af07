"""Component fixtures: the registry service in one process on the real MongoDB-wire server
(deploy/local), FastStream's in-memory Kafka broker, the composed HTTP app through ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from anju_contracts import Actor
from anju_kit.auth import issue_token
from anju_kit.clock import FrozenClock
from anju_kit.kafka import publish
from anju_kit.mongo import OutgoingEvent
from anju_kit.service import ServiceApp
from anju_registry.adapters.repository import Repository
from anju_registry.bootstrap import build, compose
from anju_registry.config import RegistrySettings
from anju_registry.handlers import RegistryHandlers

Registry = tuple[ServiceApp, RegistryHandlers]


@pytest.fixture
async def make_registry(infra: Any, unique: Any, clock: FrozenClock) -> AsyncIterator[Callable[..., Registry]]:
    """Build registries (``region``, ``regions_dir``… as overrides), each on its own fresh database."""
    built: list[tuple[ServiceApp, str]] = []

    def make(region: str = "shanghai", **overrides: Any) -> Registry:
        settings = RegistrySettings.load(
            region=region,
            kafka_bootstrap=infra.kafka_bootstrap,
            mongo_url=infra.mongo_url,
            mongo_db=unique(f"t_registry_{len(built)}").replace("-", "_"),
            **overrides,
        )
        service, handlers = build(settings, clock=clock)

        async def flush(repo: Repository[Any], doc_id: str) -> None:
            # FastStream's in-memory broker returns no futures for no_confirm publishes, which the kit's
            # publish_many gathers; so here the outbox is relayed one event at a time.
            for entry in await repo.store.unpublished(doc_id):
                for doc in entry["events"]:
                    out = OutgoingEvent.from_doc(doc)
                    await publish(service.broker, out.topic, out.envelope)
                await repo.store.mark_published(entry["_id"])

        handlers.flush = flush
        built.append((service, settings.mongo_db))
        return service, handlers

    yield make
    for service, db in built:
        await service.mongo.drop_database(db)
        await service.mongo.close()


@pytest.fixture
async def registry(make_registry: Callable[..., Registry]) -> Registry:
    service, handlers = make_registry()
    await handlers.repos.ensure_indexes()
    return service, handlers


@pytest.fixture
def api() -> Callable[[Registry], httpx.AsyncClient]:
    """An HTTP client of the registry's composed app (the one ``create_app`` serves)."""
    return lambda reg: httpx.AsyncClient(transport=httpx.ASGITransport(app=compose(*reg)), base_url="http://registry")


@pytest.fixture
def auth() -> Callable[[Actor], dict[str, str]]:
    """Bearer headers for an actor, signed with the deployment's token secret."""
    secret = RegistrySettings.load().token_secret.get_secret_value()
    return lambda actor: {"Authorization": f"Bearer {issue_token(actor, secret)}"}
