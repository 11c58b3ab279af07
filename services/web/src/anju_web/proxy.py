"""``/api/<service>/<path>``: the browser's calls to the services, with the user's own token.

The token stays in an HttpOnly cookie (scripts never see it); the service behind the call authenticates,
validates, authorizes and refuses exactly as for any other caller — the web adds nothing and widens
nothing. A state-changing call must carry ``X-Anju-Web: 1``, which a form on another site cannot send,
so the cookie cannot be ridden from elsewhere (CSRF).
"""

from __future__ import annotations

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from anju_kit.auth import ActorTokens
from anju_web.session import session_of
from anju_web.upstream import Upstreams

CSRF_HEADER = "x-anju-web"


def _problem(status: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse({"reason_code": code, "detail": detail}, status_code=status)


def build_proxy(upstreams: Upstreams, tokens: ActorTokens) -> APIRouter:
    router = APIRouter(prefix="/api", include_in_schema=False)

    @router.api_route("/{service}/{path:path}", methods=["GET", "POST"])
    async def forward(service: str, path: str, request: Request) -> Response:
        if service not in upstreams.bases:
            return _problem(404, "NOT_FOUND", "no such service")
        session = session_of(request, tokens)
        if session is None:
            return _problem(401, "TOKEN_MISSING", "请先登录")
        if request.method != "GET" and request.headers.get(CSRF_HEADER) != "1":
            return _problem(403, "FORBIDDEN", f"a change must carry {CSRF_HEADER}: 1")
        try:
            answer = await upstreams.forward(
                request.method,
                service,
                path,
                session.token,
                dict(request.headers),
                await request.body(),
                request.url.query,
            )
        except httpx.HTTPError:
            return _problem(503, "SERVICE_UNAVAILABLE", f"{service} 暂时无法访问，请稍后重试")
        media = answer.headers.get("content-type", "application/json")
        return Response(answer.content, status_code=answer.status_code, media_type=media)

    return router
