"""The web on stub services (no server): sign-in only in the local profile, the proxy carries the user's
own token and refuses changes without the page's header, and a unit the services do not show the user is
answered 未找到 (XC-05: scoping stays in the services; the web never widens it)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from anju_contracts import Actor, Role
from anju_kit.auth import ActorTokens
from anju_web.bootstrap import build, compose
from anju_web.config import WebSettings

SEEN: list[dict[str, Any]] = []
DUE = {"rule_id": "CLM-03", "obligation": "perform_compensation", "last_day": "2026-11-20"}
CLAIMS = [
    {"claim_id": "c-late", "status": "agreed", "insurer_id": "ins-1",
     "next_due": {**DUE, "due_at": "2026-11-20T16:00:00+00:00"}},
    {"claim_id": "c-soon", "status": "agreed", "insurer_id": "ins-1",
     "next_due": {**DUE, "last_day": "2099-01-01", "due_at": "2099-01-01T16:00:00+00:00"}},
    {"claim_id": "c-none", "status": "reported", "insurer_id": "ins-2", "next_due": None},
]  # fmt: skip
AGENCIES = [
    {"agency_id": "ag-1", "name": "甲风险管理公司", "status": "admitted", "watch_listed": True, "key_supervision": False,
     "strikes": 2},
    {"agency_id": "ag-2", "name": "乙风险管理公司", "status": "admitted", "watch_listed": False, "key_supervision": True,
     "strikes": 0},
]  # fmt: skip


REPORT = {
    "filing_rules": ["POL-07", "RSK-07"],
    "by_debtor": {
        "insurer:ins-demo": {"POL-07": {"fulfilled_on_time": 3, "fulfilled_late": 1, "open": 1, "overdue": 1}},
        "agency:ag-1": {"RSK-07": {"fulfilled_on_time": 2}},
    },
}
OWED = [
    {"obligation_id": "o-soon", "obligation": "upload_contract_to_regulator", "rule_id": "POL-07", "state": "open",
     "debtor": "insurer:ins-demo", "subject": "policy:pol-2", "due_at": "2099-01-01T16:00:00+00:00"},
    {"obligation_id": "o-late", "obligation": "upload_contract_to_regulator", "rule_id": "POL-07",
     "state": "overdue", "debtor": "insurer:ins-demo", "subject": "policy:pol-1",
     "due_at": "2026-01-01T16:00:00+00:00"},
]  # fmt: skip


def _notify(path: str, request: Request) -> Any:
    """Notify's answers: the regulator's report, an insurer's own obligations, an inbox."""
    if path == "v1/notify/filings/report":
        return REPORT
    if path == "v1/notify/debtors/insurer/ins-demo/report":
        return {"by_rule": {"POL-07": {"open": 1, "overdue": 1, "fulfilled_late": 1}}, "as_of": None}
    if path.endswith("/obligations"):
        SEEN.append({"path": path, "states": request.query_params.getlist("state"), "actor": "", "method": "GET"})
        return {"items": OWED, "total": 2, "counts": {}, "as_of": None}
    if path == "v1/notify/inbox":
        item = {"kind": "supervisor", "obligation_id": "o-late", "rule_id": "POL-07", "subject": "policy:pol-1",
                "subject_zh": "逾期提醒：保险合同上传监管平台", "body_zh": "POL-07 已逾期", "due_at": "2026-01-01T16:00:00+00:00",
                "sent_at": "2026-01-02T01:00:00+00:00"}  # fmt: skip
        return {"items": [item], "total": 1, "counts": {"unread": 1}, "as_of": None}
    return _not_found()


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
        if path == "v1/claims" and unit is None:
            return {"items": CLAIMS, "months": {"2026-11": {"reported": 1, "agreed": 1}}}
        if path == "v1/claims":
            return {"items": [], "unit_id": unit}  # claims answers a foreign unit with nothing
        if path == "v1/risk/projects/p-1":  # the file counts its issues (one serious open, one closed)
            counts = {"open": 1, "closed": 1}
            return {"project_id": "p-1", "issue_counts": counts, "serious_open": 1, "final_report": None}
        if path == "v1/registry/pool":
            return {"region": "shanghai", "agencies": AGENCIES}
        if path == "v1/policy/projects":
            return {"items": [{"project_id": "p-1", "name": "某某花园", "stage": "construction"}], "total": 1,
                    "by_stage": {"construction": 1}}  # fmt: skip
        if path.startswith("v1/risk/units/"):
            return _not_found()
        if path.startswith("v1/notify/"):
            return _notify(path, request)
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


async def test_regulators_dashboard_shows_each_services_figures_and_links_them_to_their_lists() -> None:
    async with _client() as client:
        await _signed_in(client, index=4)  # the seeded regulator
        page = await client.get("/dashboard")
        assert page.status_code == 200 and "监管驾驶舱" in page.text
        assert "1</a> 家观察名单" in page.text and "1</a> 家重点监管" in page.text  # REG-07 watch list
        assert page.text.index("c-late") < page.text.index("c-soon") < page.text.index("c-none")  # overdue first
        assert 'href="#claims"' in page.text and 'href="#agencies"' in page.text and 'href="#projects"' in page.text
        assert "/static/echarts/echarts.min.js" in page.text and "暂时无法获取" not in page.text
        assert "不得出具：1 个严重问题未销项" in page.text  # RSK-07 as risk's file shows it: one serious issue open


async def test_insurers_queue_puts_what_is_overdue_first() -> None:
    async with _client() as client:
        await _signed_in(client, index=3)  # the seeded insurer
        page = await client.get("/queue")
        assert page.status_code == 200
        assert page.text.index("c-late") < page.text.index("c-soon") < page.text.index("c-none")
        assert "已逾期" in page.text


async def test_xc02_dashboard_shows_filings_on_time_late_not_filed_per_insurer_and_agency_linked_to_lists() -> None:
    async with _client() as client:
        await _signed_in(client, index=4)  # the seeded regulator
        page = await client.get("/dashboard")
        assert page.status_code == 200 and "监管报送履约" in page.text and "暂时无法获取" not in page.text
        row = page.text.split('data-debtor="insurer:ins-demo"')[1].split("</tr>")[0]
        # on time 3, late 1, not filed 2 (open + overdue), of which overdue 1: each a link to its list
        assert ">3</a>" in row and ">1</a>" in row and ">2</a>" in row
        late = "/obligations?rule=POL-07&amp;debtor=insurer%3Ains-demo&amp;state=fulfilled_late"
        assert late in row and 'data-debtor="agency:ag-1"' in page.text
        SEEN.clear()
        listed = await client.get("/obligations?rule=POL-07&debtor=insurer:ins-demo&state=open&state=overdue")
        assert listed.status_code == 200 and listed.text.index("o-late") < listed.text.index("o-soon")
        [call] = [c for c in SEEN if "states" in c]
        assert call["path"] == "v1/notify/debtors/insurer/ins-demo/obligations" and call["states"] == [
            "open",
            "overdue",
        ]


async def test_xc02_insurers_queue_shows_its_open_obligations_overdue_first_and_its_inbox() -> None:
    async with _client() as client:
        await _signed_in(client, index=3)  # the seeded insurer ins-demo
        page = await client.get("/queue")
        assert page.status_code == 200 and "履约义务" in page.text and "保险合同上传监管平台" in page.text
        assert page.text.index("o-late") < page.text.index("o-soon")  # overdue first, then by legal deadline
        assert 'href="/inbox"' in page.text
        inbox = await client.get("/inbox")
        assert inbox.status_code == 200 and "逾期提醒" in inbox.text and "未读 1" in inbox.text


@pytest.mark.parametrize("path", ["/household", "/inspector", "/queue", "/dashboard", "/claims/c-1", "/inbox"])
async def test_pages_ask_to_sign_in_first(path: str) -> None:
    async with _client() as client:
        answer = await client.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/signin"


def test_roles_land_on_their_own_page() -> None:
    from anju_web.pages import HOME

    assert HOME[Role.OWNER] == "/household" and HOME[Role.REGULATOR] == "/dashboard"
    assert Actor(id="x", role=Role.INSURER, region="shanghai").role in HOME


async def test_make_demos_people_are_offered_at_the_sign_in_beside_the_defaults(tmp_path) -> None:
    web = build(WebSettings.load(web_demo_dir=tmp_path))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=compose(web)), base_url="http://web") as client:
        before = (await client.get("/signin")).text
        assert "owner-demo-1" in before and "own-demo-x" not in before
        demo_owner = {"label": "示范业主 1", "id": "own-demo-x", "role": "owner", "unit_ids": ["prj-demo-x-1-u-1"]}
        (tmp_path / "shanghai-actors.json").write_text(json.dumps([demo_owner]), encoding="utf-8")
        after = (await client.get("/signin")).text  # read at each sign-in: a demo seeded after the start counts
        assert "owner-demo-1" in after and 'data-actor="own-demo-x"' in after and "示范业主 1" in after
        index = after.count("data-actor=") - 1  # the demo's come after the defaults
        signed = await client.post("/signin", data={"index": str(index)})
        assert signed.status_code == 303 and signed.headers["location"] == "/"
