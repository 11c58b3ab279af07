"""Issue #10 in one process: the registry's listings and its REG-03 load are answered from the read
models once the commits' state events are folded (here fed at once, see conftest), with the ``as_of``
of what was folded; real-name (REG-02) holds exactly through insert-only claims. Real MongoDB-wire
server; the real routers and writer on Kafka are in tests/integration/test_registry_read_models.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from faststream.exceptions import IncorrectState

from anju_contracts import Actor, Role
from anju_kit.clock import FrozenClock
from anju_registry.adapters.identities import GRACE, IdentityClaims

pytestmark = pytest.mark.integration  # needs the real MongoDB-wire server; Kafka is in memory

REGION = "shanghai"
INSURER = Actor(id="picc-uw-1", role=Role.INSURER, region=REGION, insurer_id="ins-1")
OTHER_INSURER = Actor(id="cpic-uw-7", role=Role.INSURER, region=REGION, insurer_id="ins-9")
REGULATOR = Actor(id="zjw-1", role=Role.REGULATOR, region=REGION)
AGENCY = Actor(id="ag1-admin", role=Role.AGENCY, region=REGION, agency_id="ag-1")
NOMINATION = {
    "agency_id": "ag-1",
    "name": "上海某风险管理有限公司",
    "credit_code": "91310000MA1K000001",
    "insurer_id": "ins-1",
    "evidence": {
        "path": "supervision_licence",
        "supervision_grade": "comprehensive",
        "licence_number": "E1",
        "document_keys": ["shanghai/registry/ag-1/licence.pdf"],
    },
}


def _application(practitioner_id: str, id_number: str) -> dict[str, Any]:
    return {
        "practitioner_id": practitioner_id,
        "agency_id": "ag-1",
        "name": "王建国",
        "id_number": id_number,
        "phone": "13912345678",
        "title": "senior_engineer",
        "career_start": "2005-07-01",
        "registered_licences": [{"kind": "registered_structural_engineer", "level": 1, "number": "S1"}],
        "roles": ["project_lead"],
    }


async def _ok(c: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    resp = await c.post(path, json=body, headers=headers)
    assert resp.status_code == 200, resp.text
    answer: dict[str, Any] = resp.json()
    return answer


async def _pool(c: httpx.AsyncClient, actor: Actor, auth: Any, status: str | None = None) -> dict[str, Any]:
    params = {"status": status} if status else {}
    answer: dict[str, Any] = (await c.get("/v1/registry/pool", params=params, headers=auth(actor))).json()
    return answer


async def _state_event_id(service: Any, log: str, entry: str) -> str:
    """The event id of the state event a commit stored (its last event on the registry's topic)."""
    stored = await service.db[log].find_one({"_id": entry})
    return str(json.loads(stored["events"][-1]["envelope"])["event_id"])


async def test_reg01_pool_is_the_view_as_of_its_last_fold_and_trails_an_unfolded_commit(
    registry: Any, api: Any, auth: Any
) -> None:
    service, handlers = registry
    async with api(registry) as c:
        await _ok(c, "/v1/registry/agencies", NOMINATION, auth(INSURER))
        nominated = await _pool(c, REGULATOR, auth, "nominated")
        assert [a["agency_id"] for a in nominated["agencies"]] == ["ag-1"]
        assert nominated["as_of"]["event_id"] == await _state_event_id(service, "agencies_log", "ag-1@1")

        # The admission commits, but its events wait in the outbox (as while the view's writer lags):
        # the pool answers what was folded, and says as of when.
        flush, handlers.flush = handlers.flush, None
        await _ok(c, "/v1/registry/agencies/ag-1/admission", {"agency_id": "ag-1"}, auth(REGULATOR))
        assert (await _pool(c, INSURER, auth))["agencies"] == []
        assert (await _pool(c, REGULATOR, auth, "nominated"))["as_of"] == nominated["as_of"]

        # The writer catches up (this test flush folds, then cannot publish without a broker: ignored,
        # as the unit of work ignores a failed flush).
        with contextlib.suppress(IncorrectState):
            await flush(handlers.repos.agencies, "ag-1")
        handlers.flush = flush
        pool = {a.id: await _pool(c, a, auth) for a in (REGULATOR, INSURER, OTHER_INSURER)}
        assert pool["zjw-1"]["as_of"]["event_id"] == await _state_event_id(service, "agencies_log", "ag-1@2")
        assert (await _pool(c, REGULATOR, auth, "nominated"))["agencies"] == []
        # A list shows the view's public fields to everyone (one document for the whole pool); the
        # full record is one read by _id away, for those entitled to it.
        assert [
            (a.id, [(v["agency_id"], v["status"], v["version"], v["credit_code"]) for v in pool[a.id]["agencies"]])
            for a in (REGULATOR, INSURER, OTHER_INSURER)
        ] == [
            ("zjw-1", [("ag-1", "admitted", 2, None)]),
            ("picc-uw-1", [("ag-1", "admitted", 2, None)]),
            ("cpic-uw-7", [("ag-1", "admitted", 2, None)]),
        ]
        full = {
            a.id: (await c.get("/v1/registry/agencies/ag-1", headers=auth(a))).json()
            for a in (REGULATOR, OTHER_INSURER)
        }
        assert (full["zjw-1"]["credit_code"], full["cpic-uw-7"]["credit_code"]) == ("91310000MA1K000001", None)


async def test_reg03_eligible_list_and_lead_load_follow_assignments_and_lead_changes(
    registry: Any, api: Any, auth: Any
) -> None:
    _, handlers = registry
    limit = handlers.rules.lead.max_concurrent_projects
    async with api(registry) as c:
        await _ok(c, "/v1/registry/agencies", NOMINATION, auth(INSURER))
        await _ok(c, "/v1/registry/agencies/ag-1/admission", {"agency_id": "ag-1"}, auth(REGULATOR))
        for pid, id_number in (("p-a", "330106198502147716"), ("p-b", "31010419770606551X")):
            await _ok(c, "/v1/registry/practitioners", _application(pid, id_number), auth(AGENCY))
        await _ok(c, "/v1/registry/practitioners/p-a/approval", {"practitioner_id": "p-a"}, auth(REGULATOR))

        async def eligible(project: str = "prj-new") -> dict[str, Any]:
            answer: dict[str, Any] = (
                await c.get(
                    f"/v1/registry/projects/{project}/eligible-practitioners",
                    params={"agency_id": "ag-1"},
                    headers=auth(AGENCY),
                )
            ).json()
            return answer

        def loads(answer: dict[str, Any]) -> dict[str, tuple[int, bool]]:
            return {
                i["practitioner"]["practitioner_id"]: (i["lead_active_projects"], i["eligible_as_lead"])
                for i in answer["items"]
            }

        assert loads(await eligible()) == {"p-a": (0, True)}  # p-b is not in the talent database yet
        await _ok(c, "/v1/registry/practitioners/p-b/approval", {"practitioner_id": "p-b"}, auth(REGULATOR))
        for n in range(limit):
            team = {"project_id": f"prj-{n}", "agency_id": "ag-1", "insurer_id": "ins-1", "lead_id": "p-a"}
            await _ok(c, "/v1/registry/teams", team, auth(INSURER))
        listed = await eligible()
        assert loads(listed) == {"p-a": (limit, False), "p-b": (0, True)} and listed["as_of"] is not None
        assert [f["code"] for f in listed["items"][0]["failures"]] == ["LEAD_TOO_MANY_PROJECTS"]
        assert loads(await eligible("prj-0")) == {"p-a": (limit - 1, True), "p-b": (0, True)}  # its own project
        # A page of the roster: only its practitioners are read (each by _id).
        second = (
            await c.get(
                "/v1/registry/projects/prj-new/eligible-practitioners",
                params={"agency_id": "ag-1", "offset": 1, "limit": 1},
                headers=auth(AGENCY),
            )
        ).json()
        assert (loads(second), second["total"], second["offset"]) == ({"p-b": (0, True)}, 2, 1)

        # REG-03 on the write path reads the same view: the next project is refused.
        team = {"project_id": "prj-over", "agency_id": "ag-1", "insurer_id": "ins-1", "lead_id": "p-a"}
        refused = await c.post("/v1/registry/teams", json=team, headers=auth(INSURER))
        assert refused.status_code == 422
        assert [p["message"].split(":")[0] for p in refused.json()["problems"]] == ["REG-03 LEAD_TOO_MANY_PROJECTS"]

        # REG-05: the project moves to the new lead's load and leaves the old one's.
        change = {"project_id": "prj-0", "new_lead_id": "p-b", "insurer_confirmation_key": "c/ok.pdf", "reason": "病休"}
        await _ok(c, "/v1/registry/teams/prj-0/lead", change, auth(INSURER))
        assert loads(await eligible()) == {"p-a": (limit - 1, True), "p-b": (1, True)}


async def test_reg02_identity_claims_are_exact_and_let_go_only_by_a_holder_that_let_go(
    registry: Any, clock: FrozenClock
) -> None:
    service, _ = registry
    held: dict[str, str] = {}

    async def held_hash(practitioner_id: str) -> str | None:
        return held.get(practitioner_id)

    claims = IdentityClaims(service.db["practitioner_identities"], held_hash)
    now = clock.now()
    assert not await claims.taken("h-1", "p-1", now=now)
    held["p-1"] = "h-1"
    assert not await claims.taken("h-1", "p-1", now=now)  # its own: a re-decision, a re-application
    assert await claims.taken("h-1", "p-2", now=now)

    # p-1 applied again with another ID number: h-1 is free for the next applicant, and only for one.
    held["p-1"] = "h-9"
    racing = await asyncio.gather(*(claims.taken("h-1", f"p-{n}", now=now) for n in range(3, 9)))
    assert sorted(racing) == [False] + [True] * 5
    winner = f"p-{3 + racing.index(False)}"
    assert await claims.taken("h-1", "p-1", now=now)  # p-1 cannot take it back: the winner may be committing
    held[winner] = "h-1"
    assert await claims.taken("h-1", "p-1", now=now + 2 * GRACE)  # nor once the winner is stored

    # A claim whose practitioner never got stored (its commit never came) counts until the grace ends.
    assert not await claims.taken("h-2", "p-ghost", now=now)
    assert await claims.taken("h-2", "p-real", now=now + GRACE - timedelta(seconds=1))
    assert not await claims.taken("h-2", "p-real", now=now + GRACE + timedelta(seconds=1))
    chain = [doc["_id"] async for doc in service.db["practitioner_identities"].find({}).sort("_id", 1)]
    assert chain == ["h-1#1", "h-1#2", "h-2#1", "h-2#2"]
