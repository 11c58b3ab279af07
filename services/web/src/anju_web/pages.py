"""The pages: server-rendered from the services' answers to the signed-in user's own token.

Rendering on the server keeps the first paint of a phone page to one round trip (no client framework);
the few interactive parts (reporting a claim with photos, recording an issue) are small ES modules that
call the services through ``/api`` (anju_web.proxy). A page for something the services do not show this
user says 未找到, exactly like something that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from anju_contracts import Role
from anju_kit.auth import ActorTokens
from anju_kit.clock import Clock
from anju_web import labels
from anju_web.session import Session, session_of
from anju_web.upstream import Upstreams

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.globals.update(
    status_label=lambda code: labels.label(labels.CLAIM_STATUS, code),
    part_label=lambda code: labels.label(labels.PART, code),
    obligation_label=lambda code: labels.label(labels.OBLIGATION, code),
    stage_label=lambda code: labels.label(labels.STAGE, code),
    severity_label=lambda code: labels.label(labels.SEVERITY, code),
    issue_state_label=lambda code: labels.label(labels.ISSUE_STATE, code),
    agency_status_label=lambda code: labels.label(labels.AGENCY_STATUS, code),
    parts=labels.PART,
    stage_names=labels.STAGE,
    status_names=labels.CLAIM_STATUS,
)

HOME = {
    Role.OWNER: "/household",
    Role.PRACTITIONER: "/inspector",
    Role.AGENCY: "/inspector",
    Role.INSURER: "/queue",
    Role.REGULATOR: "/dashboard",
}


class Pages:
    def __init__(self, upstreams: Upstreams, tokens: ActorTokens, clock: Clock, *, dev_signin: bool) -> None:
        self.upstreams = upstreams
        self.tokens = tokens
        self.clock = clock
        self.dev_signin = dev_signin

    def render(self, request: Request, name: str, session: Session | None, status: int = 200, **data: Any) -> Response:
        context = {"actor": session.actor if session else None, "dev_signin": self.dev_signin, **data}
        return TEMPLATES.TemplateResponse(request, name, context, status_code=status)

    def not_found(self, request: Request, session: Session | None, what: str = "页面") -> Response:
        return self.render(request, "not_found.html", session, status=404, what=what)

    def unavailable(self, request: Request, session: Session | None, service: str) -> Response:
        return self.render(request, "unavailable.html", session, status=503, service=service)

    def signed_in(self, request: Request) -> Session | None:
        return session_of(request, self.tokens)

    def now(self) -> datetime:
        return self.clock.now()


def must_sign_in() -> RedirectResponse:
    return RedirectResponse("/signin", status_code=303)


def build_pages(pages: Pages) -> APIRouter:
    from anju_web import page_household, page_inspector, page_obligations, page_overview

    router = APIRouter(include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    async def home(request: Request) -> Response:
        session = pages.signed_in(request)
        if session is None:
            return must_sign_in()
        target = HOME.get(session.actor.role)
        if target is None:
            return pages.render(request, "home.html", session)
        return RedirectResponse(target, status_code=303)

    page_household.install(router, pages)
    page_inspector.install(router, pages)
    page_overview.install(router, pages)
    page_obligations.install(router, pages)
    return router
