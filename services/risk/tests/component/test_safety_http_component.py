"""SAF-04 per agency over HTTP, tried from outside as an attacker and an insurer's integrator would: the
routes ``/v1/risk/safety/agencies/{agency_id}/hazards/{period}`` and ``…/reports/{period}.pdf`` on the
risk use cases' in-memory ports (risk_memory), behind the kit's token check and problem handlers as the
service composes them. Two projects of agency agy-1 on shaoxing, insured by ins-a and ins-b, each with a
hazard found in July 2026.

Every refusal is a typed problem (reason code, field) that never repeats what was sent (XC-09); "not
yours" reads like "not there" (XC-05); an insurer's copy — list and PDF — holds its own projects only."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pypdf import PdfReader
from risk_factories import (
    AGENCY,
    CONTRACTOR,
    ENGINEER,
    INSURER,
    LEAD,
    OTHER_AGENCY,
    OTHER_INSURER,
    OWNER,
    PROJECT,
    REGULATOR,
    SUPERVISOR,
)
from risk_memory import InMemoryRisk, project_registered, team_assigned
from safety_factories import hazard, safety_plan, sources

from anju_contracts import Actor, Role
from anju_kit.auth import ActorTokens, issue_token
from anju_kit.clock import SHANGHAI, FrozenClock
from anju_kit.pipeline import install_refusal_handler
from anju_kit.problems import install_problem_handlers
from anju_risk.entrypoints import safety_http
from anju_risk.read_models import AGENCY_HAZARDS

REGION = "shaoxing"
SECRET = "a-test-s-own-secret-of-the-safety-routes-32+"  # the tokens here are signed with a key of the test
OTHER_PROJECT = "prj-2"  # agy-1's project insured by ins-b
FOUND = datetime(2026, 7, 20, 15, 0, tzinfo=SHANGHAI)
BASE = "/v1/risk/safety/agencies"


def here(actor: Actor) -> Actor:
    return actor.model_copy(update={"region": REGION})


def bearer(actor: Actor) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(here(actor), SECRET)}"}


def app_of(risk: InMemoryRisk) -> FastAPI:
    """The safety routes as ``bootstrap.compose`` installs them, with the kit's token check and handlers."""
    app = FastAPI()
    app.state.tokens = ActorTokens(SECRET, REGION)
    install_problem_handlers(app)
    install_refusal_handler(app)
    safety_http.install(app, risk.views.store(AGENCY_HAZARDS.name), risk.handlers.renderer, risk.clock)
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    risk = InMemoryRisk(FrozenClock(FOUND), region=REGION)
    await risk.evidence.ensure_bucket()
    await risk.insured()  # PROJECT, insured by ins-a, agy-1's team
    await risk.foreign(project_registered(OTHER_PROJECT, "ins-b"), "policy")
    await risk.foreign(team_assigned(OTHER_PROJECT, "ins-b"), "registry")
    for project_id in (PROJECT, OTHER_PROJECT):
        await risk.send(safety_plan(project_id), here(LEAD))
        await risk.send(sources(project_id), here(ENGINEER))
        photo = await risk.upload("临边.jpg", here(ENGINEER), project_id)
        found = hazard(3, FOUND, project_id=project_id, evidence=(photo,), rectify_by=date(2026, 7, 30))
        await risk.send(found, here(ENGINEER))
    transport = httpx.ASGITransport(app=app_of(risk))
    async with httpx.AsyncClient(transport=transport, base_url="http://risk") as c:
        yield c


def pdf_text(data: bytes) -> str:
    return "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace("\x00", "").split())


def problem(response: httpx.Response, status: int, reason_code: str, field: str) -> dict[str, Any]:
    """The response is the typed problem ``reason_code`` naming ``field`` (as in path.<name>, query.<name>.0)."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["reason_code"] == reason_code, body
    assert any(field in p["field"].split(".") for p in body["problems"]), body
    return body


def routes(agency_id: str, period: str) -> list[str]:
    return [f"{BASE}/{agency_id}/hazards/{period}", f"{BASE}/{agency_id}/reports/{period}.pdf"]


async def test_saf04_no_token_or_a_forged_one_is_401_typed(client: httpx.AsyncClient) -> None:
    forged = issue_token(here(AGENCY), "not-the-deployment-secret-but-as-long-as-one")
    for path in routes("agy-1", "2026Q3"):
        problem(await client.get(path), 401, "TOKEN_MISSING", "Authorization")
        refused = await client.get(path, headers={"Authorization": f"Bearer {forged}"})
        problem(refused, 401, "TOKEN_INVALID", "Authorization")
        assert forged not in refused.text


@pytest.mark.parametrize(
    "actor",
    [OTHER_AGENCY, CONTRACTOR, SUPERVISOR, OWNER, Actor(id="anju-claims", role=Role.SYSTEM, region=REGION)],
    ids=["other-agency", "contractor", "supervisor", "owner", "a-service"],
)
async def test_xc05_saf04_anyone_but_the_agency_its_insurers_and_the_regulator_is_told_not_found(
    client: httpx.AsyncClient, actor: Actor
) -> None:
    for path in routes("agy-1", "2026Q3"):
        refused = problem(await client.get(path, headers=bearer(actor)), 404, "NOT_FOUND", "agency_id")
        assert "agy-1" not in str(refused)  # not yours reads like not there, naming no value
    unknown = await client.get(f"{BASE}/agy-404/hazards/2026Q3", headers=bearer(OTHER_AGENCY))
    assert unknown.json() == (await client.get(f"{BASE}/agy-1/hazards/2026Q3", headers=bearer(OTHER_AGENCY))).json()


@pytest.mark.parametrize("period", ["2026-13", "2026Q5", "abc", "2026-7", "1999", "2026Q3x", "9" * 10_000])
async def test_saf04_a_malformed_period_is_refused_typed_naming_the_field_not_the_value(
    client: httpx.AsyncClient, period: str
) -> None:
    for path in routes("agy-1", period):
        refused = problem(await client.get(path, headers=bearer(AGENCY)), 422, "VALIDATION_FAILED", "period_key")
        assert period not in str(refused)


async def test_saf04_an_empty_period_or_a_path_no_route_serves_is_a_typed_404(client: httpx.AsyncClient) -> None:
    for path in (f"{BASE}/agy-1/hazards/", f"{BASE}/agy-1/reports/.pdf", f"{BASE}/agy-1/reports/2026Q3"):
        refused = await client.get(path, headers=bearer(AGENCY))
        assert refused.status_code in (404, 422), refused.text
        body = refused.json()
        assert body["reason_code"] in ("NOT_FOUND", "VALIDATION_FAILED") and "detail" in body and "problems" in body
    wrong_method = await client.post(f"{BASE}/agy-1/hazards/2026Q3", headers=bearer(AGENCY))
    assert wrong_method.status_code == 405 and wrong_method.json()["reason_code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize(
    "agency_id",
    ["a" * 10_000, "风控机构一", "..", "%2E%2E%2Fetc", "agy-1%2F..%2Fagy-2", "agy-1%00", "%E2%80%AEfdp.exe", "a:b"],
    ids=["10000-chars", "unicode", "dotdot", "dotdot-slash", "encoded-slash", "nul", "rtl-override", "colon"],
)
async def test_saf04_an_odd_agency_id_is_refused_typed_and_never_rendered(
    client: httpx.AsyncClient, agency_id: str
) -> None:
    """Even the regulator, who reads any agency whole: an id that cannot be an agency's never reaches the
    read model or the PDF (a 10,000-character title, a right-to-left override in an insurer's file)."""
    for path in routes(agency_id, "2026Q3"):
        refused = await client.get(path, headers=bearer(REGULATOR))
        assert refused.status_code in (404, 422), refused.text
        body = refused.json()
        assert body["reason_code"] in ("VALIDATION_FAILED", "NOT_FOUND") and body["problems"], body
        assert agency_id[:40] not in refused.text and "风控机构一" not in refused.text


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=101", "limit=-1", "offset=-1", "limit=abc", "offset=1e3", "status=burnt", "limit=" + "9" * 5000],
)
async def test_saf04_paging_out_of_range_is_refused_typed(client: httpx.AsyncClient, query: str) -> None:
    refused = await client.get(f"{BASE}/agy-1/hazards/2026Q3?{query}", headers=bearer(AGENCY))
    field = query.split("=")[0]
    body = problem(refused, 422, "VALIDATION_FAILED", field)
    assert query.split("=")[1] not in str(body["problems"]) or query.split("=")[1] in ("0", "-1")


async def test_saf04_an_offset_past_the_end_is_an_empty_page_not_an_error(client: httpx.AsyncClient) -> None:
    page = await client.get(f"{BASE}/agy-1/hazards/2026Q3?offset={10**30}", headers=bearer(AGENCY))
    assert page.status_code == 200 and page.json()["items"] == [] and page.json()["total"] == 2


@pytest.mark.parametrize("actor", [AGENCY, LEAD, REGULATOR], ids=["agency", "practitioner", "regulator"])
async def test_saf04_the_agency_and_the_regulator_read_the_period_whole(
    client: httpx.AsyncClient, actor: Actor
) -> None:
    listed = await client.get(f"{BASE}/agy-1/hazards/2026Q3", headers=bearer(actor))
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert sorted(i["project_id"] for i in body["items"]) == [PROJECT, OTHER_PROJECT] and body["total"] == 2
    assert body["counts"] == {"open": 2}
    report = await client.get(f"{BASE}/agy-1/reports/2026-07.pdf", headers=bearer(actor))
    assert report.status_code == 200 and report.headers["content-type"] == "application/pdf"
    text = pdf_text(report.content)
    assert PROJECT in text and OTHER_PROJECT in text and "全部" in text


@pytest.mark.parametrize(
    ("actor", "own", "theirs"),
    [
        (INSURER, PROJECT, OTHER_PROJECT),
        (OTHER_INSURER.model_copy(update={"insurer_id": "ins-b"}), OTHER_PROJECT, PROJECT),
        (Actor(id="core-a", role=Role.SYSTEM, region=REGION, insurer_id="ins-a"), PROJECT, OTHER_PROJECT),
    ],
    ids=["ins-a-desk", "ins-b-desk", "ins-a-core-system"],
)
async def test_xc05_saf04_an_insurer_sees_only_its_own_projects_hazards_in_the_list_and_the_pdf(
    client: httpx.AsyncClient, actor: Actor, own: str, theirs: str
) -> None:
    listed = await client.get(f"{BASE}/agy-1/hazards/2026Q3", headers=bearer(actor))
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert [i["project_id"] for i in body["items"]] == [own]
    assert body["total"] == 1 and body["counts"] == {"open": 1}  # the other insurer's hazards are not counted
    assert {i["insurer_id"] for i in body["items"]} == {actor.insurer_id}
    assert theirs not in listed.text
    for period in ("2026-07", "2026Q3", "2026"):
        report = await client.get(f"{BASE}/agy-1/reports/{period}.pdf", headers=bearer(actor))
        assert report.status_code == 200, report.text
        text = pdf_text(report.content)
        assert own in text and theirs not in text and str(actor.insurer_id) in text
        assert "隐患总数：1项" in text
    nothing = await client.get(f"{BASE}/agy-1/hazards/2026-08", headers=bearer(actor))
    assert nothing.status_code == 200 and nothing.json()["total"] == 0


async def test_saf04_a_period_past_one_report_s_bound_says_so_instead_of_passing_for_the_whole(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(safety_http, "PDF_MOST", 1)  # two hazards in the period, one report holds one
    report = await client.get(f"{BASE}/agy-1/reports/2026Q3.pdf", headers=bearer(REGULATOR))
    assert report.status_code == 200, report.text
    text = pdf_text(report.content)
    assert "隐患总数：2项" in text and "超过单份报告上限" in text and "仅含前1项" in text
    whole = pdf_text((await client.get(f"{BASE}/agy-1/reports/2026Q3.pdf", headers=bearer(INSURER))).content)
    assert "超过单份报告上限" not in whole  # ins-a's copy holds its one hazard whole
