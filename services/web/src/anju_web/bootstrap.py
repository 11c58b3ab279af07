"""Composition root of the web service: the one place where its parts are wired.

Like every service, ``build(settings, *, clock)`` builds and ``create_app`` serves. The web owns no
topic, no database and no bucket: it is pages over the services' HTTP APIs. So it does not use
``ServiceApp`` (which starts a Kafka broker and a Mongo client) but the same kit pieces for the rest —
settings, actor tokens, problem answers, the body limit, and /docs served locally.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from anju_kit.auth import ActorTokens
from anju_kit.clock import Clock, SystemClock
from anju_kit.problems import install_problem_handlers
from anju_kit.regions import region_for
from anju_kit.service import BodyLimit, serve_docs_locally
from anju_web.config import WebSettings
from anju_web.devsignin import build_signin, build_signout, dev_actors
from anju_web.pages import Pages, build_pages
from anju_web.proxy import build_proxy
from anju_web.upstream import Upstreams

TITLE = "Anju Web (安居 页面)"
DESCRIPTION = (
    "Pages for the people in the rules — the regulator's dashboard, the owner's household file, the "
    "inspector's phone page, the insurer's work queue — over the services' own APIs with the user's token."
)
STATIC = Path(__file__).parent / "static"


@dataclass
class Web:
    settings: WebSettings
    upstreams: Upstreams
    tokens: ActorTokens
    pages: Pages


def build(settings: WebSettings, *, clock: Clock | None = None) -> Web:
    """The web with its parts; nothing connects until a page is asked for."""
    region_for("web", settings.region, settings.regions_dir)  # an unknown region stops start-up (XC-06)
    tokens = ActorTokens.from_settings(settings)
    upstreams = Upstreams(settings.upstreams(), timeout_s=settings.web_upstream_timeout_s)
    pages = Pages(upstreams, tokens, clock or SystemClock(), dev_signin=settings.profile == "local")
    return Web(settings, upstreams, tokens, pages)


def compose(web: Web) -> FastAPI:
    settings = web.settings

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await web.upstreams.close()

    app = FastAPI(title=TITLE, description=DESCRIPTION, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.tokens = web.tokens
    install_problem_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.kafka_max_message_bytes)
    serve_docs_locally(app, settings.web_assets_dir, title=TITLE)
    app.mount("/static/app", StaticFiles(directory=STATIC), name="app")
    # The pinned ECharts of deploy/local/web-assets.sh, served by the platform itself (no CDN).
    app.mount("/static/echarts", StaticFiles(directory=settings.web_assets_dir / "echarts" / "dist", check_dir=False))

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": settings.service, "region": settings.region}

    @app.get("/readyz", tags=["ops"])
    async def readyz() -> JSONResponse:
        """Ready when the pinned browser files are there; a service that is down is said on its pages."""
        assets = (settings.web_assets_dir / "echarts" / "dist" / "echarts.min.js").is_file()
        checks = {"assets": "ok" if assets else f"missing: run make env ({settings.web_assets_dir})"}
        return JSONResponse({"ready": assets, "checks": checks}, status_code=200 if assets else 503)

    @app.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)

    if settings.profile == "local":  # never in production: there the identity provider signs people in
        actors = dev_actors(settings.region, settings.web_dev_actors_file, settings.web_demo_dir)
        app.include_router(build_signin(web.pages, actors, secure_cookie=False))
    app.include_router(build_signout())
    app.include_router(build_proxy(web.upstreams, web.tokens))
    app.include_router(build_pages(web.pages))
    return app


def create_app(settings: WebSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    return compose(build(settings or WebSettings.load(), clock=clock))
