"""The owner's household file (一户一档, XC-03): the unit's claims with their deadlines and documents,
special inspections, and reporting a new claim with photos (static/report-claim.js)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from anju_contracts import Role
from anju_web.pages import Pages, must_sign_in

# document kind (claims' URL) → (the claim's field holding it, its Chinese name)
DOCUMENT_KINDS = {
    "rejection-notice": ("rejection_notice", "不予赔偿通知书"),
    "repair-warranty-statement": ("warranty_statement", "维修保修说明"),
}


def install(router: APIRouter, pages: Pages) -> None:
    @router.get("/household", response_class=HTMLResponse)
    async def my_units(request: Request) -> Response:
        session = pages.signed_in(request)
        if session is None:
            return must_sign_in()
        units = list(session.actor.unit_ids)
        if len(units) == 1:
            return RedirectResponse(f"/household/{units[0]}", status_code=303)
        return pages.render(request, "household_index.html", session, units=units)

    @router.get("/household/{unit_id}", response_class=HTMLResponse)
    async def household(request: Request, unit_id: str) -> Response:
        session = pages.signed_in(request)
        if session is None:
            return must_sign_in()
        token = session.token
        coverage, claims, inspections = await asyncio.gather(
            pages.upstreams.get("claims", f"/v1/claims/units/{unit_id}/coverage", token),
            pages.upstreams.get("claims", "/v1/claims", token, unit_id=unit_id, limit=200),
            pages.upstreams.get("risk", f"/v1/risk/units/{unit_id}/inspections", token),
        )
        if coverage.status == 503 or claims.status == 503:
            return pages.unavailable(request, session, "理赔服务")
        items: list[dict[str, Any]] = (claims.body or {}).get("items", []) if claims.ok else []
        found_inspections = (inspections.body or {}).get("inspections", []) if inspections.ok else []
        # What the user may see of the unit is the services' answer to the user's own token: a unit none
        # of them shows is 未找到, exactly like a unit that does not exist (XC-05) — never "forbidden".
        if not coverage.ok and not items and not found_inspections:
            return pages.not_found(request, session, "该户档案")
        return pages.render(
            request,
            "household.html",
            session,
            unit_id=unit_id,
            coverage=coverage.body if coverage.ok else None,
            claims=items,
            inspections=found_inspections,
            can_report=coverage.ok and session.actor.role is Role.OWNER,
            today=pages.now().date().isoformat(),
        )

    @router.get("/claims/{claim_id}", response_class=HTMLResponse)
    async def claim(request: Request, claim_id: str) -> Response:
        session = pages.signed_in(request)
        if session is None:
            return must_sign_in()
        answer = await pages.upstreams.get("claims", f"/v1/claims/{claim_id}", session.token)
        if answer.status == 503:
            return pages.unavailable(request, session, "理赔服务")
        if not answer.ok:
            return pages.not_found(request, session, "该理赔案件")
        body: dict[str, Any] = answer.body
        documents = {kind: name for kind, (field, name) in DOCUMENT_KINDS.items() if body.get(field)}
        return pages.render(request, "claim.html", session, claim=body, documents=documents, now=pages.now())

    @router.get("/claims/{claim_id}/documents/{kind}")
    async def document(request: Request, claim_id: str, kind: str) -> Response:
        """The claims service's short-lived link to its generated PDF, followed by the browser."""
        session = pages.signed_in(request)
        if session is None:
            return must_sign_in()
        answer = await pages.upstreams.get("claims", f"/v1/claims/{claim_id}/documents/{kind}", session.token)
        if not answer.ok or not isinstance(answer.body, dict) or "url" not in answer.body:
            return pages.not_found(request, session, "该文书")
        return RedirectResponse(str(answer.body["url"]), status_code=303)
