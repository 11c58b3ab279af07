"""The development sign-in (local profile only): the seeded local actors, each issued a platform token.

Production has no such page: there people sign in at the identity provider, which issues the same kind
of actor token. The actors come from ``ANJU_WEB_DEV_ACTORS_FILE`` (tests name their own) or the local
defaults below, which ``make demo`` data uses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from anju_contracts import Actor, Role
from anju_web.pages import Pages
from anju_web.session import COOKIE


@dataclass(frozen=True)
class DevActor:
    label: str
    actor: Actor


def _defaults(region: str) -> list[DevActor]:
    def a(label: str, **fields: object) -> DevActor:
        return DevActor(label, Actor.model_validate({"region": region, **fields}))

    return [
        a("业主 王先生（1号楼101室）", id="owner-demo-1", role=Role.OWNER, unit_ids=["demo-unit-1"]),
        a("业主 李女士（1号楼102室）", id="owner-demo-2", role=Role.OWNER, unit_ids=["demo-unit-2"]),
        a("风控工程师 张工（示范风险管理机构）", id="pr-demo-1", role=Role.PRACTITIONER, agency_id="ag-demo"),
        a("保险公司 理赔岗（示范保险）", id="desk-demo", role=Role.INSURER, insurer_id="ins-demo"),
        a("监管部门 住建委", id="reg-demo", role=Role.REGULATOR),
    ]


def _read(region: str, file: Path) -> list[DevActor]:
    entries = json.loads(file.read_text(encoding="utf-8"))
    return [DevActor(str(e.pop("label")), Actor.model_validate({"region": region, **e})) for e in entries]


def dev_actors(region: str, file: Path | None, demo_dir: Path | None = None) -> Callable[[], list[DevActor]]:
    """The actors offered, read at each sign-in: a demo seeded after the web started (``make demo``
    writes ``<demo_dir>/<region>-actors.json``) is offered at once, after the defaults."""

    def now() -> list[DevActor]:
        actors = _defaults(region) if file is None else _read(region, file)
        demo = demo_dir / f"{region}-actors.json" if demo_dir else None
        if demo is not None and demo.is_file():
            actors += _read(region, demo)
        return actors

    return now


def build_signin(pages: Pages, offered: Callable[[], list[DevActor]], *, secure_cookie: bool) -> APIRouter:
    """``/signin`` (local profile only: bootstrap never mounts it elsewhere) and ``/signout``."""
    router = APIRouter(include_in_schema=False)

    @router.get("/signin", response_class=HTMLResponse)
    async def signin_page(request: Request) -> Response:
        return pages.render(request, "signin.html", pages.signed_in(request), actors=offered())

    @router.post("/signin")
    async def signin(index: Annotated[int, Form(ge=0)]) -> Response:
        actors = offered()
        if index >= len(actors):
            return RedirectResponse("/signin", status_code=303)
        token = pages.tokens.issue(actors[index].actor, ttl=timedelta(hours=8))
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            COOKIE, token, httponly=True, samesite="strict", secure=secure_cookie, max_age=8 * 3600, path="/"
        )
        return response

    return router


def build_signout() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.post("/signout")
    async def signout() -> Response:
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    return router
