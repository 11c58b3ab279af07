"""The composition helper every service's ``bootstrap`` uses.

``ServiceApp`` owns the process-wide resources (Kafka broker, Mongo client, object store), builds
the FastAPI application with health, readiness and metrics routes, and starts/stops the broker, the
outbox relay and any background loops in the application's lifespan. Services add their own routes,
subscribers and start-up steps; nothing here knows about claims or agencies.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Coroutine, Sequence
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError
from pymongo import AsyncMongoClient

from anju_contracts import Envelope, ReasonCode, Refusal
from anju_contracts.base import Event
from anju_contracts.topics import BY_SERVICE, ServiceTopics, dlq
from anju_kit.auth import ActorTokens
from anju_kit.consumer_health import ConsumerWatch
from anju_kit.kafka import (
    Inbound,
    ensure_topics,
    make_broker,
    publish_many,
    reliable_batch_subscriber,
    reliable_subscriber,
)
from anju_kit.logging import configure_logging, get_logger
from anju_kit.mongo import AggregateStore, Doc, OutboxRelay, connect
from anju_kit.pipeline import (
    BatchHandle,
    CommandPipeline,
    CommandTable,
    command_sender,
    contract_message,
    event_sender,
    install_refusal_handler,
    subscribe_commands,
)
from anju_kit.problems import Problem, install_problem_handlers
from anju_kit.rejections import Rejector
from anju_kit.settings import ServiceSettings
from anju_kit.views import View, ViewSet

log = get_logger(__name__)

Hook = Callable[[], Awaitable[None]]
Loop = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


class ServiceApp:
    def __init__(
        self,
        settings: ServiceSettings,
        *,
        title: str,
        description: str,
        version: str = "0.1.0",
        broker: KafkaBroker | None = None,
    ) -> None:
        self.settings = settings
        self.title = title
        self.description = description
        self.version = version
        self.topics: ServiceTopics = BY_SERVICE[settings.service]
        self.tokens = ActorTokens.from_settings(settings)
        self.broker = broker or make_broker(settings)
        self.rejector = Rejector(self.broker, self.topics, region=settings.region, producer=settings.service)
        # A consumer making no progress on a partition with records waiting shows in /readyz and metrics.
        self.consumer_watch = ConsumerWatch(
            self.broker,
            bootstrap_servers=settings.kafka_bootstrap,
            interval_s=settings.consumer_check_interval_s,
            stall_after_s=settings.consumer_stall_after_s,
        )
        self.mongo: AsyncMongoClient[Doc] = connect(settings)
        self.db = self.mongo[settings.mongo_db]
        self._objects: Any = None
        self._startup: list[Hook] = []
        self._loops: list[Loop] = [self.consumer_watch.run]
        self._commands: CommandPipeline | None = None
        self._views: ViewSet | None = None
        self._outbox_stores: list[AggregateStore] = []
        self.relay = OutboxRelay(self._outbox_stores, self.publish_many)
        self.extra_topics: list[str] = []
        # Declared for the AsyncAPI document: what this service publishes, and where.
        self.broker.publisher(
            self.topics.events,
            title=f"{self.topics.events}:Publish",
            description=f"Events of the {settings.service} service, keyed by aggregate id.",
        )
        self.broker.publisher(
            self.topics.rejections,
            title=f"{self.topics.rejections}:Publish",
            description="Answers to refused commands (common.Rejected), keyed like the command.",
        )

    # -- wiring ---------------------------------------------------------------------------------
    @property
    def objects(self) -> Any:
        """The object store, created on first use (services without evidence never connect)."""
        if self._objects is None:
            from anju_kit.objectstore import ObjectStore

            self._objects = ObjectStore.from_settings(self.settings)
        return self._objects

    def on_startup(self, hook: Hook) -> Hook:
        self._startup.append(hook)
        return hook

    def background(self, loop: Loop) -> Loop:
        """A loop ``async def loop(stopping: asyncio.Event)`` run while the service is up."""
        self._loops.append(loop)
        return loop

    def every(self, interval_s: float, name: str, work: Callable[[], Awaitable[object]]) -> None:
        """Run ``work`` every ``interval_s`` seconds while the service is up (e.g. the overdue sweeper).
        A failure (an outage) is logged as ``<service>.<name>_failed`` and the next round tries again:
        it never ends the loop."""
        service = self.settings.service

        async def loop(stopping: asyncio.Event) -> None:
            while not stopping.is_set():
                try:
                    await work()
                except Exception as exc:
                    log.warning(f"{service}.{name}_failed", error=type(exc).__name__)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), interval_s)

        self.background(loop)

    def answer_commands_not_yet_supported(self) -> None:
        """For a service whose commands arrive in a later release: every command on its topic is
        answered on the rejection topic (``NOT_SUPPORTED``) instead of waiting unanswered."""

        @reliable_subscriber(
            self.broker,
            self.topics.commands,
            group_id=self.settings.consumer_group(),
            service=self.settings.service,
            authenticate=command_sender(self.tokens),
            answer=self.rejector,
            max_bytes=self.settings.kafka_max_message_bytes,
        )
        async def refuse(inbound: Inbound) -> None:
            """Commands for this service (none supported yet: each is answered with NOT_SUPPORTED)."""
            refusal = Refusal("NOT_SUPPORTED", f"{self.settings.service} takes no commands yet")
            await self.rejector.reject(inbound.envelope, refusal, inbound.record)

    def subscribe_events(
        self,
        owner: str,
        topic: str,
        *,
        types: Collection[str],
        handle: Callable[[Envelope, Event], Awaitable[object]],
        group_id: str,
        description: str,
        attempts: int = 3,
        batch_max_records: int = 500,
        handle_batch: Callable[[list[tuple[Envelope, Event]]], Awaitable[object]] | None = None,
    ) -> None:
        """``owner``'s events on ``topic`` whose type is in ``types`` to ``handle``, through the kit's door
        (signed by ``owner``'s service, validated against its contract); another type of that service is
        not addressed to us and passes unverified (nothing is done with it); a :class:`Refusal` is
        answered on the rejections topic.

        Read in batches of up to ``batch_max_records``, handled one by one in order, the offsets committed
        once a batch: most of another service's events are not for us (policy wants one of risk's ~1,000
        events a project), and committing each record capped a consumer at ~80 records/s on this machine,
        behind what risk publishes while a city is seeded (issue #10). ``handle`` must be idempotent, as
        at-least-once delivery always asked: a batch failing on an outage comes again whole.

        With ``handle_batch`` the batch's events of our types go to it at once, in order (a consumer that
        folds several events of one subject with one read and one write); should it fail, the batch is
        replayed one event at a time through ``handle``."""

        async def admitted(inbound: Inbound) -> Event | None:
            """The event if valid; None otherwise (a refusal answered). The door passed only our types."""
            envelope = inbound.envelope
            try:
                event = contract_message(envelope, topic)
            except Refusal as refusal:
                await self.rejector.reject(envelope, refusal, inbound.record)
                return None
            return event if isinstance(event, Event) else None

        async def on_one(inbound: Inbound) -> None:
            event = await admitted(inbound)
            if event is None:
                return
            try:
                await handle(inbound.envelope, event)
            except Refusal as refusal:
                await self.rejector.reject(inbound.envelope, refusal, inbound.record)

        @reliable_batch_subscriber(
            self.broker,
            topic,
            group_id=group_id,
            service=self.settings.service,
            authenticate=event_sender(self.tokens, owner),
            answer=self.rejector,
            max_bytes=self.settings.kafka_max_message_bytes,
            handle_one=on_one,
            max_records=batch_max_records,
            attempts=attempts,
            description=description,
            addressed=lambda envelope: envelope.type in types,
        )
        async def on_event(batch: list[Inbound]) -> None:
            if handle_batch is None:
                for inbound in batch:
                    await on_one(inbound)
                return
            wanted = [(inbound.envelope, event) for inbound in batch if (event := await admitted(inbound)) is not None]
            if wanted:
                await handle_batch(wanted)

    def command_pipeline(self, table: CommandTable, *, batch: BatchHandle | None = None) -> CommandPipeline:
        """The service's one way from a command to its handler (anju_kit.pipeline), for Kafka and HTTP;
        kept as :attr:`commands` so both entrypoints share it."""
        self._commands = CommandPipeline(
            service=self.settings.service,
            region=self.settings.region,
            topic=self.topics.commands,
            table=table,
            rejector=self.rejector,
            batch=batch,
        )
        return self._commands

    @property
    def commands(self) -> CommandPipeline:
        if self._commands is None:
            raise RuntimeError(f"{self.settings.service} has no command pipeline: call command_pipeline() first")
        return self._commands

    def subscribe_commands(self, commands: CommandPipeline, *, group_id: str, **options: Any) -> None:
        """The commands topic through ``commands`` (``batch_max_records`` etc. as in subscribe_commands)."""
        subscribe_commands(
            self.broker,
            commands,
            tokens=self.tokens,
            group_id=group_id,
            max_bytes=self.settings.kafka_max_message_bytes,
            **options,
        )

    def read_models(self, views: Sequence[View], **options: Any) -> ViewSet:
        """The service's read models (anju_kit.views): routed, written and read here; kept as :attr:`views`."""
        self._views = ViewSet(self, views, **options)
        return self._views

    @property
    def views(self) -> ViewSet:
        if self._views is None:
            raise RuntimeError(f"{self.settings.service} has no read models: call read_models() first")
        return self._views

    def relay_outbox_of(self, store: AggregateStore) -> None:
        self._outbox_stores.append(store)

    async def publish_many(self, items: Any) -> None:
        await publish_many(self.broker, items)

    def asyncapi(self) -> AsyncAPI:
        return AsyncAPI(self.broker, title=f"{self.title} (Kafka)", version=self.version, description=self.description)

    # -- readiness ------------------------------------------------------------------------------
    async def readiness(self, *, with_objects: bool = True) -> dict[str, str]:
        checks: dict[str, str] = {}

        async def kafka() -> None:
            if not await self.broker.ping(timeout=2.0):
                raise ConnectionError("no answer from Kafka")

        async def mongo() -> None:
            await asyncio.wait_for(self.mongo.admin.command("ping"), 3.0)

        async def objects() -> None:
            await asyncio.wait_for(self.objects.ping(), 3.0)

        probes: dict[str, Callable[[], Awaitable[None]]] = {"kafka": kafka, "mongo": mongo}
        if with_objects:
            probes["object_store"] = objects
        for name, probe in probes.items():
            try:
                await probe()
                checks[name] = "ok"
            except Exception as exc:
                checks[name] = f"unavailable: {type(exc).__name__}: {exc}"[:300]
        consumers = await self.consumer_watch.readiness()
        # Only a stall makes the instance unready; offsets that cannot be read are the kafka probe's concern.
        checks["consumers"] = consumers if consumers.startswith("stalled") else "ok"
        return checks

    # -- application ----------------------------------------------------------------------------
    def build(self) -> FastAPI:
        @contextlib.asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            await self.start()
            try:
                yield
            finally:
                await self.stop()

        # docs_url=None: FastAPI's own /docs loads Swagger UI from a CDN, blank on a closed network (ours below)
        app = FastAPI(
            title=self.title,
            description=self.description,
            version=self.version,
            lifespan=lifespan,
            docs_url=None,
            redoc_url=None,
        )
        app.state.settings = self.settings
        app.state.service = self
        app.state.tokens = self.tokens
        install_problem_handlers(app)
        install_refusal_handler(app)
        app.add_middleware(BodyLimit, max_bytes=self.settings.kafka_max_message_bytes)

        @app.get("/healthz", tags=["ops"], summary="The process is alive")
        async def healthz() -> dict[str, str]:
            return {"status": "ok", "service": self.settings.service, "region": self.settings.region}

        @app.get("/readyz", tags=["ops"], summary="Kafka, the database and the object store are reachable")
        async def readyz() -> JSONResponse:
            checks = await self.readiness()
            ready = all(v == "ok" for v in checks.values())
            return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

        @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", response_class=PlainTextResponse)
        async def metrics() -> PlainTextResponse:
            return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)

        serve_docs_locally(app, self.settings.web_assets_dir, title=self.title)

        @app.get("/asyncapi.json", tags=["ops"], summary="AsyncAPI document of this service's topics")
        async def asyncapi() -> JSONResponse:
            return JSONResponse(self.asyncapi().to_specification().to_jsonable())

        return app

    async def start(self) -> None:
        names = [*self.topics.all(), *map(dlq, self.topics.all()), *self.extra_topics]
        await ensure_topics(self.settings, names)
        for hook in self._startup:
            await hook()
        await self.broker.start()
        self._stopping = asyncio.Event()
        self._tasks = [asyncio.create_task(self.relay.run(), name="outbox-relay")]
        self._tasks += [asyncio.create_task(loop(self._stopping), name=loop.__name__) for loop in self._loops]
        log.info(
            "service.started",
            http=f"http://{self.settings.http_host}:{self.settings.http_port}",
            kafka=self.settings.kafka_bootstrap,
            db=self.settings.mongo_db,
        )

    async def stop(self) -> None:
        self._stopping.set()
        self.relay.stop()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 10)
        await self.broker.stop()
        await self.mongo.close()
        log.info("service.stopped")


SWAGGER_UI_PATH = "/static/swagger-ui"


def serve_docs_locally(app: FastAPI, assets_dir: Path, *, title: str) -> None:
    """``/docs`` with Swagger UI served by the service itself from the pinned ``swagger-ui-dist``
    (deploy/local/web-assets.sh): government and insurer networks often have no way out to a CDN."""
    app.mount(
        SWAGGER_UI_PATH,
        StaticFiles(directory=assets_dir / "swagger-ui-dist", check_dir=False),
        name="swagger-ui",
    )

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{title} — API",
            swagger_js_url=f"{SWAGGER_UI_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_UI_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_UI_PATH}/favicon-32x32.png",
        )


class BodyLimit:
    """Refuses a request body over ``max_bytes`` with 413 before anything parses it (ASGI middleware).

    The body is read here, up to the limit, and handed on whole: FastAPI reads it whole anyway, and an
    error raised while FastAPI reads would come out as its generic 400. A declared Content-Length over
    the limit is refused before a byte is read."""

    def __init__(self, app: Any, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._too_large(scope, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Any:
            nonlocal delivered
            if delivered:
                return await receive()  # after the body: the client's disconnect, when it comes
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Any, send: Any) -> None:
        problem = Problem(
            reason_code=ReasonCode.PAYLOAD_TOO_LARGE, detail=f"a request body may have at most {self.max_bytes} bytes"
        )
        await JSONResponse(problem.model_dump(mode="json"), status_code=413)(scope, _nothing, send)


async def _nothing() -> Any:
    return {"type": "http.disconnect"}


def run(app_factory: Callable[[ServiceSettings], FastAPI], service: str) -> None:
    """Console entry point: read settings, configure logs, serve HTTP (and Kafka via the lifespan)."""
    try:
        settings = ServiceSettings.for_service(service)
        configure_logging(service, settings.log_level, region=settings.region)
        check_region(settings)
        app = app_factory(settings)  # a service's own settings class validates its own secrets here
    except ValidationError as exc:  # a bad or insecure setting, named with the variable to set
        raise SystemExit(f"anju-{service}: cannot start: {exc}") from None
    tune_gc()
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False, lifespan="on")


GC_THRESHOLDS = (50_000, 20, 20)  # CPython's default is (700, 10, 10)


def tune_gc() -> None:
    """Fewer cyclic-GC passes for a long-running service. Validating a large aggregate (a risk file of 250
    issues is ~100,000 objects) set off a full collection every ~10 reads, each walking every live object:
    reading 100 files over and over went from p99 181 ms to 60 ms with these thresholds (issue #10).
    Our objects are freed by reference counting (pydantic models are not cyclic); the collector still runs
    for the rare cycle. What the start-up built is frozen out of every collection."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def check_region(settings: ServiceSettings) -> Any:
    """Load this deployment's region file; an unknown region or a bad file stops start-up (XC-06)."""
    from anju_kit.regions import RegionError, load_region

    try:
        return load_region(settings.region, settings.regions_dir)
    except RegionError as exc:
        log.error("service.bad_region", region=settings.region, regions_dir=str(settings.regions_dir), error=str(exc))
        raise SystemExit(f"anju-{settings.service}: cannot start: {exc}") from exc
