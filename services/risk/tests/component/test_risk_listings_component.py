"""Risk issues listed across projects (issue #10: every question a page asks is a read model read by
``_id``): an agency's open issues over all its projects (RSK-05, XC-05), the region's open serious issues
for the regulator and an insurer's own (RSK-07, XC-05) — folded from ``risk.RiskIssueStateChanged`` on
in-memory ports and read over HTTP as the service serves them, with who may read them and bounded pages."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from risk_factories import (
    AGENCY,
    AGENCY_ID,
    CONTRACTOR,
    CONTRACTOR_ORG,
    ENGINEER,
    INSURER,
    INSURER_ID,
    LEAD,
    NOT_ON_TEAM,
    OTHER_AGENCY,
    OTHER_INSURER,
    OWNER,
    PROJECT,
    REGION,
    REGULATOR,
    issue,
    plan,
    review,
)
from risk_memory import InMemoryRisk, project_registered, team_assigned

from anju_contracts import Actor, Envelope, Role, topics
from anju_contracts import risk as r
from anju_kit.auth import ActorTokens, issue_token
from anju_kit.pipeline import CommandPipeline, install_refusal_handler
from anju_kit.problems import install_problem_handlers
from anju_risk import access
from anju_risk.entrypoints import http
from anju_risk.read_models import (
    AGENCY_ISSUES,
    ISSUE_HISTORY,
    SERIOUS_BY_INSURER,
    SERIOUS_BY_REGION,
    read_agency_issues,
    read_issues,
    read_serious_issues,
)

SECRET = "component-test-secret-of-enough-length-0123456789"
OTHER_PROJECT = "prj-2"  # the same agency's, insured by ins-b
SYSTEM = Actor(id="anju-claims", role=Role.SYSTEM, region=REGION)


async def raise_issue(risk: InMemoryRisk, issue_id: str, project_id: str = PROJECT, **over: Any) -> r.RaiseRiskIssue:
    photo = await risk.upload(f"{issue_id}.jpg", ENGINEER, project_id)
    cmd = issue(issue_id, project_id=project_id, evidence=(photo,), **over)
    await risk.send(cmd, ENGINEER)
    return cmd


async def close(risk: InMemoryRisk, issue_id: str, project_id: str = PROJECT) -> None:
    before = await risk.upload(f"{issue_id}-before.jpg", CONTRACTOR, project_id)
    after = await risk.upload(f"{issue_id}-after.jpg", CONTRACTOR, project_id)
    rect = r.SubmitRectification(
        project_id=project_id, issue_id=issue_id, note="已整改", before=(before,), after=(after,)
    )
    await risk.send(rect, CONTRACTOR)
    await risk.send(review(issue_id, project_id=project_id), ENGINEER)


async def second_project(risk: InMemoryRisk) -> None:
    """The same agency's second project, insured by another insurer."""
    await risk.foreign(project_registered(OTHER_PROJECT, insurer_id="ins-b"), "policy")
    await risk.foreign(team_assigned(OTHER_PROJECT, insurer_id="ins-b"), "registry")
    await risk.send(plan(OTHER_PROJECT), LEAD)


def ids(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((i["project_id"], i["issue_id"]) for i in items)


async def test_rsk05_xc05_an_agencys_open_issues_across_its_projects_closing_drops_one(risk: InMemoryRisk) -> None:
    await risk.send(plan(), LEAD)
    await second_project(risk)
    await raise_issue(risk, "iss-1")
    await raise_issue(risk, "iss-2", severity=r.IssueSeverity.GENERAL, process_id=None)
    await raise_issue(risk, "iss-1", OTHER_PROJECT)  # the same issue id on another project: another item
    store = risk.views.store(AGENCY_ISSUES.name)
    page = await read_agency_issues(store, AGENCY_ID)
    assert ids(page.items) == [(PROJECT, "iss-1"), (PROJECT, "iss-2"), (OTHER_PROJECT, "iss-1")]
    assert page.total == 3 and page.counts == {"open": 3} and page.as_of is not None
    await close(risk, "iss-1")
    page = await read_agency_issues(store, AGENCY_ID)
    assert ids(page.items) == [(PROJECT, "iss-2"), (OTHER_PROJECT, "iss-1")]
    assert page.total == 2 and page.counts == {"open": 2, "closed": 1}
    closed = await read_agency_issues(store, AGENCY_ID, statuses=["closed"])
    assert ids(closed.items) == [(PROJECT, "iss-1")] and closed.items[0]["status"] == "closed"
    # the same answer the projects' own pages give, without reading them one by one
    per_project = [i for p in (PROJECT, OTHER_PROJECT) for i in (await read_issues(risk.issues, p)).items]
    assert ids(per_project) == ids(page.items)
    assert (await read_agency_issues(store, "agy-9")).total == 0


async def test_rsk05_an_agencys_issues_are_read_in_bounded_pages(risk: InMemoryRisk) -> None:
    await risk.send(plan(), LEAD)
    for n in range(5):
        await raise_issue(risk, f"iss-{n}", severity=r.IssueSeverity.GENERAL, process_id=None)
    store = risk.views.store(AGENCY_ISSUES.name)
    pages = [await read_agency_issues(store, AGENCY_ID, offset=offset, limit=2) for offset in (0, 2, 4)]
    assert [len(p.items) for p in pages] == [2, 2, 1] and {p.total for p in pages} == {5}
    assert sorted(i["issue_id"] for p in pages for i in p.items) == [f"iss-{n}" for n in range(5)]


async def test_rsk07_the_regulator_sees_open_serious_issues_of_the_region_an_insurer_its_own(
    risk: InMemoryRisk,
) -> None:
    await risk.send(plan(), LEAD)
    await second_project(risk)
    await raise_issue(risk, "iss-1")  # serious, ins-a's
    await raise_issue(risk, "iss-2", severity=r.IssueSeverity.GENERAL, process_id=None)  # never listed
    await raise_issue(risk, "iss-3", OTHER_PROJECT)  # serious, ins-b's
    region = risk.views.store(SERIOUS_BY_REGION.name)
    insurers = risk.views.store(SERIOUS_BY_INSURER.name)
    page = await read_serious_issues(region, REGION)
    assert ids(page.items) == [(PROJECT, "iss-1"), (OTHER_PROJECT, "iss-3")] and page.counts == {"open": 2}
    assert {i["severity"] for i in page.items} == {"serious"}
    assert ids((await read_serious_issues(insurers, INSURER_ID)).items) == [(PROJECT, "iss-1")]
    assert ids((await read_serious_issues(insurers, "ins-b")).items) == [(OTHER_PROJECT, "iss-3")]
    await close(risk, "iss-1")
    page = await read_serious_issues(region, REGION)
    assert ids(page.items) == [(OTHER_PROJECT, "iss-3")] and page.counts == {"open": 1, "closed": 1}
    assert (await read_serious_issues(insurers, INSURER_ID)).total == 0


async def test_rsk07_a_rectified_serious_issue_stays_open_until_closed(risk: InMemoryRisk) -> None:
    """Awaiting review (rectified) still holds the final report (RSK-07): the default page lists it."""
    await risk.send(plan(), LEAD)
    await raise_issue(risk, "iss-1")
    before = await risk.upload("b.jpg", CONTRACTOR)
    after = await risk.upload("a.jpg", CONTRACTOR)
    await risk.send(
        r.SubmitRectification(project_id=PROJECT, issue_id="iss-1", note="已整改", before=(before,), after=(after,)),
        CONTRACTOR,
    )
    page = await read_serious_issues(risk.views.store(SERIOUS_BY_REGION.name), REGION)
    assert [(i["issue_id"], i["status"]) for i in page.items] == [("iss-1", "rectified")]


async def test_xc05_an_issue_without_an_agency_is_listed_under_none(risk: InMemoryRisk) -> None:
    """A state recorded before any team was known names no agency: no agency's listing holds it (the
    region's does, it is serious)."""
    state = r.RiskIssueStateChanged(
        project_id="prj-early",
        issue_id="iss-1",
        version=1,
        status=r.IssueStatus.OPEN,
        severity=r.IssueSeverity.SERIOUS,
        location="1号楼",
        part="主体结构",
        responsible_unit_id=CONTRACTOR_ORG,
        rectify_by=issue().rectify_by,
        insurer_id=INSURER_ID,
        agency_id=None,
    )
    assert list(AGENCY_ISSUES.keys(wrap(state), state)) == []
    await risk.views.publish(topics.RISK.events, wrap(state))
    assert risk.views.store(AGENCY_ISSUES.name).docs == {}
    assert (await read_serious_issues(risk.views.store(SERIOUS_BY_REGION.name), REGION)).total == 1


async def test_rsk05_xc05_a_project_that_changes_agency_takes_its_issues_off_the_old_agencys_listing(
    risk: InMemoryRisk,
) -> None:
    """The registry staffs the project with another agency, whose lead submits the plan: the file states
    every issue again naming the agency before, so the new agency lists them and the old one's open page
    drops them (counted as ``reassigned``); a late older state does not list one back."""
    await risk.send(plan(), LEAD)
    await raise_issue(risk, "iss-1")
    await raise_issue(risk, "iss-2", severity=r.IssueSeverity.GENERAL, process_id=None)
    await close(risk, "iss-2")
    [early] = [e for e in risk.published if e.type == "risk.RiskIssueStateChanged" and e.data["issue_id"] == "iss-1"]
    store = risk.views.store(AGENCY_ISSUES.name)
    assert ids((await read_agency_issues(store, AGENCY_ID)).items) == [(PROJECT, "iss-1")]

    new_lead = Actor(id="prc-lead2", role=Role.PRACTITIONER, region=REGION, agency_id="agy-2")
    team = team_assigned().model_copy(
        update={"agency_id": "agy-2", "lead_id": new_lead.id, "member_ids": (new_lead.id, "prc-eng2")}
    )
    await risk.foreign(team, "registry")
    done = await risk.send(plan(lead_id=new_lead.id, staff_ids=(new_lead.id, "prc-eng2")), new_lead)
    restated = [e for e in done.events if isinstance(e, r.RiskIssueStateChanged)]
    assert sorted((e.issue_id, e.agency_id, e.previous_agency_id) for e in restated) == [
        ("iss-1", "agy-2", AGENCY_ID),
        ("iss-2", "agy-2", AGENCY_ID),
    ]
    old = await read_agency_issues(store, AGENCY_ID)
    assert old.total == 0 and old.counts == {"reassigned": 2}
    new = await read_agency_issues(store, "agy-2")
    assert ids(new.items) == [(PROJECT, "iss-1")] and new.counts == {"open": 1, "closed": 1}
    late = early.model_copy(update={"event_id": uuid.uuid4()})  # the first state, delivered again late
    await risk.views.publish(topics.RISK.events, late)
    assert (await read_agency_issues(store, AGENCY_ID)).counts == {"reassigned": 2}
    # the next change names no agency before: the old listing is not touched again
    photo = await risk.upload("iss-3.jpg", new_lead)
    await risk.send(issue("iss-3", evidence=(photo,), severity=r.IssueSeverity.GENERAL, process_id=None), new_lead)
    assert (await read_agency_issues(store, "agy-2")).total == 2
    assert (await read_agency_issues(store, AGENCY_ID)).counts == {"reassigned": 2}


def wrap(event: r.RiskIssueStateChanged) -> Envelope:
    return Envelope.wrap(event, region=REGION, producer="risk", actor=SYSTEM, key=event.project_id)


# -- over HTTP, as the service serves them ---------------------------------------------------------


@pytest.fixture
async def client(risk: InMemoryRisk) -> AsyncIterator[httpx.AsyncClient]:
    """The service's router over the in-memory read models, behind the real token check and refusals."""
    await risk.send(plan(), LEAD)
    await second_project(risk)
    await raise_issue(risk, "iss-1")
    await raise_issue(risk, "iss-2", severity=r.IssueSeverity.GENERAL, process_id=None)
    await raise_issue(risk, "iss-3", OTHER_PROJECT)
    app = FastAPI()
    app.state.tokens = ActorTokens(secret=SECRET, region=REGION)
    install_problem_handlers(app)
    install_refusal_handler(app)
    views = risk.views
    http.install(
        app,
        risk.handlers,
        cast(CommandPipeline, None),  # the GETs never send a command
        risk.issues,
        risk.agencies,
        agency_issues=views.store(AGENCY_ISSUES.name),
        serious_by_region=views.store(SERIOUS_BY_REGION.name),
        serious_by_insurer=views.store(SERIOUS_BY_INSURER.name),
        issue_history=views.store(ISSUE_HISTORY.name),
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://risk") as running:
        yield running


async def get(client: httpx.AsyncClient, path: str, actor: Actor) -> httpx.Response:
    return await client.get(f"/v1/risk{path}", headers={"Authorization": f"Bearer {issue_token(actor, SECRET)}"})


@pytest.mark.parametrize("reader", [AGENCY, LEAD, NOT_ON_TEAM, REGULATOR, SYSTEM])
async def test_xc05_an_agencys_open_issues_over_http_for_the_agency_and_the_regulator(
    client: httpx.AsyncClient, reader: Actor
) -> None:
    """Read as ``/agencies/{id}/projects`` is: the agency (its account, its practitioners), the regulator."""
    answer = await get(client, f"/agencies/{AGENCY_ID}/issues", reader)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert ids(body["items"]) == [(PROJECT, "iss-1"), (PROJECT, "iss-2"), (OTHER_PROJECT, "iss-3")]
    assert body["total"] == 3 and body["counts"] == {"open": 3} and body["as_of"] is not None
    closed = await get(client, f"/agencies/{AGENCY_ID}/issues?status=closed", reader)
    assert closed.status_code == 200 and closed.json()["total"] == 0


@pytest.mark.parametrize("outsider", [OTHER_AGENCY, INSURER, OTHER_INSURER, OWNER, CONTRACTOR])
async def test_xc05_an_agencys_issues_answer_outsiders_like_a_missing_agency(
    client: httpx.AsyncClient, outsider: Actor
) -> None:
    """Another agency, an insurer (the listing holds other insurers' projects), an owner, a unit: the
    same 404 as an agency that does not exist (no leak)."""
    hidden = await get(client, f"/agencies/{AGENCY_ID}/issues", outsider)
    missing = await get(client, "/agencies/agy-none/issues", outsider)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() and hidden.json()["reason_code"] == "NOT_FOUND"
    assert not access.reads_agency_listing(outsider, AGENCY_ID)


async def test_rsk07_xc05_the_regulator_sees_open_serious_issues_over_http(client: httpx.AsyncClient) -> None:
    answer = await get(client, "/serious-issues", REGULATOR)
    assert answer.status_code == 200, answer.text
    assert ids(answer.json()["items"]) == [(PROJECT, "iss-1"), (OTHER_PROJECT, "iss-3")]
    page = await get(client, "/serious-issues?offset=1&limit=1", REGULATOR)
    assert page.json()["total"] == 2 and len(page.json()["items"]) == 1


@pytest.mark.parametrize(("insurer", "own"), [(INSURER, (PROJECT, "iss-1")), (OTHER_INSURER, (OTHER_PROJECT, "iss-3"))])
async def test_xc05_an_insurer_sees_only_its_own_open_serious_issues(
    client: httpx.AsyncClient, insurer: Actor, own: tuple[str, str]
) -> None:
    answer = await get(client, "/serious-issues", insurer)
    assert answer.status_code == 200 and ids(answer.json()["items"]) == [own]
    assert answer.json()["counts"] == {"open": 1}  # the tallies are its own too


@pytest.mark.parametrize("outsider", [AGENCY, LEAD, OWNER, CONTRACTOR])
async def test_xc05_the_serious_issues_page_is_no_one_elses(client: httpx.AsyncClient, outsider: Actor) -> None:
    answer = await get(client, "/serious-issues", outsider)
    assert answer.status_code == 404 and answer.json()["reason_code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "offset=-1", "limit=x", "status=reopened", "status=open&limit=1000"]
)
@pytest.mark.parametrize("path", [f"/agencies/{AGENCY_ID}/issues", "/serious-issues"])
async def test_rsk05_rsk07_bad_paging_or_status_is_refused_with_the_field_named(
    client: httpx.AsyncClient, path: str, query: str
) -> None:
    answer = await get(client, f"{path}?{query}", REGULATOR)
    assert answer.status_code == 422 and answer.json()["reason_code"] == "VALIDATION_FAILED"
    named = query.split("&")[-1].split("=")[0]
    assert [p["field"].split(".")[:2] for p in answer.json()["problems"]] == [["query", named]], answer.text


async def test_rsk04_issue10_the_file_shows_the_issues_wanting_work_and_counts_all(
    client: httpx.AsyncClient, risk: InMemoryRisk
) -> None:
    """A file of hundreds of issues is hundreds of KB: it shows those not closed and those closed lately
    (read with the file: the inspector sees its own change at once), counts all (and the open serious
    ones RSK-07's gate waits on), and the bounded listing has every one, with its description."""
    await close(risk, "iss-2")
    answer = await get(client, f"/projects/{PROJECT}", INSURER)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {k: v["status"] for k, v in body["issues"].items()} == {"iss-1": "open", "iss-2": "closed"}
    assert body["issue_counts"] == {"open": 1, "closed": 1} and body["serious_open"] == 1
    assert body["issues_listed_at"] == f"/v1/risk/projects/{PROJECT}/issues"
    assert body["issues"]["iss-2"]["rounds"] == 1 and body["issues"]["iss-2"]["rectifications"] == []  # settled
    history = body["issue_history_at"].removeprefix("/v1/risk").format(issue_id="iss-2")
    settled = await get(client, history, INSURER)  # its round is the history's
    assert settled.status_code == 200 and [n["round"] for n in settled.json()["rounds"]] == [1], settled.text

    risk.clock.advance(timedelta(days=8))  # closed a week ago: counted and listed, no longer shown
    later = (await get(client, f"/projects/{PROJECT}", INSURER)).json()
    assert list(later["issues"]) == ["iss-1"] and later["issue_counts"] == {"open": 1, "closed": 1}
    listed = await get(client, f"{body['issues_listed_at'].removeprefix('/v1/risk')}?status=closed", INSURER)
    assert [(i["issue_id"], bool(i["description"])) for i in listed.json()["items"]] == [("iss-2", True)]


async def test_rsk04_issue10_the_file_shows_only_the_newest_closed_lately(
    client: httpx.AsyncClient, risk: InMemoryRisk
) -> None:
    """A busy week's 销项 does not make the file long again: of the issues closed lately it shows the newest
    ``RECENTLY_CLOSED_SHOWN``, still counting every one (the listing pages them all)."""
    extra = [f"iss-c{n:02d}" for n in range(http.RECENTLY_CLOSED_SHOWN + 1)]
    for issue_id in ["iss-2", *extra]:
        if issue_id != "iss-2":
            await raise_issue(risk, issue_id, severity=r.IssueSeverity.GENERAL, process_id=None)
        await close(risk, issue_id)
        risk.clock.advance(timedelta(minutes=1))
    body = (await get(client, f"/projects/{PROJECT}", INSURER)).json()
    closed = [k for k, v in body["issues"].items() if v["status"] == "closed"]
    assert sorted(closed) == extra[1:]  # iss-2 and the first extra closed earliest: counted, not shown
    assert "iss-1" in body["issues"] and body["issue_counts"] == {"open": 1, "closed": len(extra) + 1}
