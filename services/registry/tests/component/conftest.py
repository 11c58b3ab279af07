"""Component fixtures: the registry service in one process on the real MongoDB-wire server
(deploy/local), FastStream's in-memory Kafka broker, the composed HTTP app through ASGI.

The read models are fed at once, in commit order, by :class:`ViewFeed`: the in-memory broker gives
every record offset 0, which the views' writer takes for a redelivery (anju_kit.views skips a change
whose source position it folded), so the ViewSet cannot run on it. The real routers and writer run in
tests/integration/test_registry_read_models.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from anju_contracts import Actor, RecordRef
from anju_kit.auth import issue_token
from anju_kit.clock import FrozenClock
from anju_kit.kafka import publish
from anju_kit.mongo import OutgoingEvent
from anju_kit.service import ServiceApp
from anju_kit.views import Writer, route
from anju_registry.adapters.repository import Repository
from anju_registry.bootstrap import build, compose
from anju_registry.config import RegistrySettings
from anju_registry.handlers import RegistryHandlers

Registry = tuple[ServiceApp, RegistryHandlers]


class ViewFeed:
    """Folds committed events into the registry's read models, each source record once, with rising
    offsets per topic as Kafka would give them."""

    def __init__(self, handlers: RegistryHandlers) -> None:
        self._stores = handlers.reads.stores
        self._writer = Writer(dict(self._stores))
        self._offsets: dict[str, int] = {}
        self._fed: set[str] = set()

    async def __call__(self, entry_id: str, events: list[OutgoingEvent]) -> None:
        if entry_id in self._fed:  # an entry whose publish failed stays in the outbox: fed already
            return
        self._fed.add(entry_id)
        for out in events:
            offset = self._offsets[out.topic] = self._offsets.get(out.topic, -1) + 1
            record = RecordRef(topic=out.topic, partition=0, offset=offset)
            for store in self._stores.values():
                if out.topic in store.view.sources:
                    changes = [c for _, c in route(store.view, store.generation, out.envelope, record)]
                    await self._writer.apply(changes)


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
        feed = ViewFeed(handlers)

        async def flush(repo: Repository[Any], doc_id: str) -> None:
            # FastStream's in-memory broker returns no futures for no_confirm publishes, which the kit's
            # publish_many gathers; so here the outbox is relayed one event at a time. Outside a
            # TestKafkaBroker the publish fails (no broker) and the entry stays in the outbox.
            entries = await repo.store.unpublished(doc_id)
            for entry in entries:
                await feed(entry["_id"], [OutgoingEvent.from_doc(doc) for doc in entry["events"]])
            for entry in entries:
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
