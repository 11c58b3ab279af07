"""The web on stub services (no server): sign-in only in the local profile, the proxy carries the user's
own token and refuses changes without the page's header, and a unit the services do not show the user is
answered 未找到 (XC-05: scoping stays in the services; the web never widens it)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from anju_contracts import Actor, Role
from anju_kit.auth import ActorTokens
from anju_web.bootstrap import build, compose
from anju_web.config import WebSettings

SEEN: list[dict[str, Any]] = []


def _stub_services() -> FastAPI:
    """Answers like claims and risk do for an owner: their own unit's claims, nothing for another's."""
    stub = FastAPI()
    tokens = ActorTokens.from_settings(WebSettings.load())

    @stub.api_route("/{path:path}", methods=["GET", "POST"])
    async def any_call(path: str, request: Request) -> Any:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        actor = tokens.verify(token).actor
        SEEN.append({"path": path, "actor": actor.id, "method": request.method})
        unit = request.query_params.get("unit_id")
        if path.startswith("v1/claims/units/"):
            asked = path.split("/")[3]
            if asked not in actor.unit_ids:
                return _not_found()  # claims: a unit the actor may not see is a unit without a policy
            parts = [{"part": "waterproofing", "ends_on": "2030-06-30"}]
            return {"unit_id": asked, "policy_id": "pol-1", "project_id": "p-1", "insurer_id": "ins-1",
                    "product_line": "idi", "liability_starts_on": "2025-07-01", "contractor_warranty_end": None,
                    "ended_on": None, "parts": parts}  # fmt: skip
        if path == "v1/claims":
            return {"items": [], "unit_id": unit}  # claims answers a foreign unit with nothing
        if path.startswith("v1/risk/units/"):
            return _not_found()
        return {"ok": True}

    return stub


def _not_found() -> Any:
    from fastapi.responses import JSONResponse

    return JSONResponse({"reason_code": "NOT_FOUND"}, status_code=404)


def _client(profile: str = "local") -> httpx.AsyncClient:
    overrides: dict[str, Any] = {"profile": profile}
    if profile != "local":
        overrides |= {"token_secret": "x" * 40, "s3_secret_key": "y" * 40}
    web = build(WebSettings.load(**overrides))
    web.upstreams.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=_stub_services()), base_url="http://s")
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=compose(web)), base_url="http://web")


OWNER = 0  # the first seeded local actor: owner-demo-1 of demo-unit-1


async def _signed_in(client: httpx.AsyncClient, index: int = OWNER) -> None:
    answer = await client.post("/signin", data={"index": str(index)})
    assert answer.status_code == 303 and "anju_token" in answer.cookies


async def test_dev_signin_exists_in_the_local_profile_only() -> None:
    async with _client() as local:
        page = await local.get("/signin")
        assert page.status_code == 200 and "开发环境登录" in page.text
    async with _client("production") as production:
        assert (await production.get("/signin")).status_code == 404
        assert (await production.post("/signin", data={"index": "0"})).status_code in (404, 405)


async def test_xc05_another_owners_household_file_is_not_found_and_every_call_carries_the_users_token() -> None:
    SEEN.clear()
    async with _client() as client:
        await _signed_in(client)
        own = await client.get("/household/demo-unit-1")
        assert own.status_code == 200 and "一户一档" in own.text and "我要报案" in own.text
        assert "防水工程" in own.text and "2030-06-30" in own.text  # coverage per part with its end date
        other = await client.get("/household/demo-unit-2")
        assert other.status_code == 404 and "未找到" in other.text
    assert SEEN and all(call["actor"] == "owner-demo-1" for call in SEEN)  # the user's own token, every call


async def test_the_proxy_needs_a_session_and_the_pages_header_for_a_change() -> None:
    async with _client() as client:
        assert (await client.get("/api/claims/v1/claims")).status_code == 401
        await _signed_in(client)
        assert (await client.get("/api/claims/v1/claims")).status_code == 200
        refused = await client.post("/api/claims/v1/claims", json={})
        assert refused.status_code == 403  # a form from another site cannot ride the cookie
        sent = await client.post("/api/claims/v1/claims", json={}, headers={"X-Anju-Web": "1"})
        assert sent.status_code == 200
        assert (await client.get("/api/nowhere/x")).status_code == 404


@pytest.mark.parametrize("path", ["/household", "/inspector", "/queue", "/dashboard", "/claims/c-1"])
async def test_pages_ask_to_sign_in_first(path: str) -> None:
    async with _client() as client:
        answer = await client.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/signin"


def test_roles_land_on_their_own_page() -> None:
    from anju_web.pages import HOME

    assert HOME[Role.OWNER] == "/household" and HOME[Role.REGULATOR] == "/dashboard"
    assert Actor(id="x", role=Role.INSURER, region="shanghai").role in HOME
