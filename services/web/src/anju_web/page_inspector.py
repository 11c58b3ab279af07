"""The inspector's page (mobile-first): the agency's assigned projects; per project, record a risk issue
with photos, location and severity, and review rectifications — close (销项) or send back (RSK-04/05).
The risk service decides who may do what; this page only shows its answers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from anju_web.pages import Pages, must_sign_in


def install(router: APIRouter, pages: Pages) -> None:
    @router.get("/inspector", response_class=HTMLResponse)
    async def assigned(request: Request) -> Response:
        session = pages.signed_in(request)
        if session is None:
            return must_sign_in()
        agency_id = session.actor.agency_id
        projects: list[dict[str, Any]] = []
        if agency_id:
            answer = await pages.upstreams.get("risk", f"/v1/risk/agencies/{agency_id}/projects", session.token)
            if answer.status == 503:
                return pages.unavailable(request, session, "风控服务")
            projects = (answer.body or {}).get("items", []) if answer.ok else []
        return pages.render(request, "inspector.html", session, projects=projects)

    @router.get("/inspector/projects/{project_id}", response_class=HTMLResponse)
    async def project(request: Request, project_id: str) -> Response:
        session = pages.signed_in(request)
        if session is None:
            return must_sign_in()
        answer = await pages.upstreams.get("risk", f"/v1/risk/projects/{project_id}", session.token)
        if answer.status == 503:
            return pages.unavailable(request, session, "风控服务")
        if not answer.ok:
            return pages.not_found(request, session, "该项目")
        issues: list[dict[str, Any]] = sorted(
            (answer.body.get("issues") or {}).values(), key=lambda i: (i["status"] == "closed", i["rectify_by"])
        )
        return pages.render(
            request,
            "inspector_project.html",
            session,
            project_id=project_id,
            file=answer.body,
            issues=issues,
            today=pages.now().date(),
        )
