"""Issue #10 on the real local Kafka and MongoDB-wire server: the registry's listings follow its commits
through the real read models (outbox → registry events → the views' routers → the views topic → one
writer → documents read by ``_id``), and no path the registry takes — commands, assignments with their
REG-03 check, real-name checks, listings, the views' writer — filters a growing collection on anything
but an exact ``_id``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
from pymongo import AsyncMongoClient

from anju_contracts import Actor, Role, topics
from anju_kit.auth import issue_token
from anju_kit.kafka import ensure_topics
from anju_kit.testing import Scan, group_at_end, scan_watch
from anju_registry.bootstrap import build, compose
from anju_registry.config import RegistrySettings
from anju_registry.entrypoints import kafka

pytestmark = pytest.mark.integration

REGION = "shanghai"
T = TypeVar("T")


async def _until(read: Callable[[], Awaitable[T]], done: Callable[[T], bool], timeout_s: float = 60.0) -> T:
    """Poll a listing until the read model has caught up (listings are eventually consistent)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not done(got := await read()):
        assert asyncio.get_running_loop().time() < deadline, f"the read model did not catch up: {got}"
        await asyncio.sleep(0.2)
    return got


def _known(scan: Scan) -> bool:
    """The kit's outbox relay reads the small ``_outbox`` collections by ``aggregate_id`` (a flush) and
    ``at`` (the sweep) and deletes published markers by ``_id`` lists: anju_kit.mongo, not this issue."""
    return scan.collection.endswith("_outbox") and set(scan.filter_fields) <= {"aggregate_id", "at", "_id"}


async def test_listings_follow_commits_through_the_real_views_without_scanning_a_growing_collection(
    infra: Any, unique: Any
) -> None:
    watch = scan_watch()  # before the service's client exists: pymongo's listeners are per client
    settings = RegistrySettings.load(
        region=REGION,
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_url=infra.mongo_url,
        mongo_db=unique("t_registry_views").replace("-", "_"),
        kafka_group_suffix=f"-{unique('g')}",
    )
    await ensure_topics(settings, [topics.REGISTRY.commands, topics.REGISTRY.events])
    await group_at_end(infra.kafka_bootstrap, settings.consumer_group(kafka.COMMANDS_GROUP), [topics.REGISTRY.commands])
    service, handlers = build(settings, views_topic=unique("anju.registry.views.v1"))
    # the views' router group (all views at generation 1) reads only what this test commits
    await group_at_end(infra.kafka_bootstrap, service.views.router_group(), [topics.REGISTRY.events])
    secret = settings.token_secret.get_secret_value()
    ag, pa, pb, prj = unique("ag"), unique("p-a"), unique("p-b"), unique("prj")
    insurer = Actor(id="picc-uw-1", role=Role.INSURER, region=REGION, insurer_id="ins-1")
    regulator = Actor(id="zjw-1", role=Role.REGULATOR, region=REGION)
    agency = Actor(id="ag-admin", role=Role.AGENCY, region=REGION, agency_id=ag)

    def auth(actor: Actor) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(actor, secret)}"}

    async def ok(c: httpx.AsyncClient, path: str, body: dict[str, Any], actor: Actor) -> None:
        resp = await c.post(path, json=body, headers=auth(actor))
        assert resp.status_code == 200, resp.text

    def application(pid: str, id_number: str) -> dict[str, Any]:
        return {
            "practitioner_id": pid,
            "agency_id": ag,
            "name": "王建国",
            "id_number": id_number,
            "phone": "13912345678",
            "title": "senior_engineer",
            "career_start": "2005-07-01",
            "registered_licences": [{"kind": "registered_structural_engineer", "level": 1, "number": "S1"}],
            "roles": ["project_lead"],
        }

    await service.start()
    transport = httpx.ASGITransport(app=compose(service, handlers))
    try:
        with watch.watching() as scans:
            async with httpx.AsyncClient(transport=transport, base_url="http://registry") as c:

                async def pool() -> dict[str, Any]:
                    answer: dict[str, Any] = (await c.get("/v1/registry/pool", headers=auth(insurer))).json()
                    return answer

                async def eligible() -> dict[str, Any]:
                    url = f"/v1/registry/projects/{unique('prj-new')}/eligible-practitioners"
                    answer: dict[str, Any] = (await c.get(url, params={"agency_id": ag}, headers=auth(agency))).json()
                    return answer

                def loads(answer: dict[str, Any]) -> dict[str, int]:
                    return {i["practitioner"]["practitioner_id"]: i["lead_active_projects"] for i in answer["items"]}

                nomination = {
                    "agency_id": ag,
                    "name": "上海某风险管理有限公司",
                    "credit_code": "91310000MA1K000001",
                    "insurer_id": "ins-1",
                    "evidence": {
                        "path": "supervision_licence",
                        "supervision_grade": "comprehensive",
                        "licence_number": "E1",
                        "document_keys": [f"shanghai/registry/{ag}/licence.pdf"],
                    },
                }
                await ok(c, "/v1/registry/agencies", nomination, insurer)
                await ok(c, f"/v1/registry/agencies/{ag}/admission", {"agency_id": ag}, regulator)
                listed = await _until(pool, lambda p: ag in [a["agency_id"] for a in p["agencies"]])
                assert listed["as_of"] is not None  # REG-01: the pool, as of the last change folded

                for pid, id_number in ((pa, "330106198502147716"), (pb, "31010419770606551X")):
                    await ok(c, "/v1/registry/practitioners", application(pid, id_number), agency)
                    await ok(c, f"/v1/registry/practitioners/{pid}/approval", {"practitioner_id": pid}, regulator)
                await _until(eligible, lambda e: loads(e) == {pa: 0, pb: 0})  # REG-02: the agency's roster

                # The assignment's REG-03 check reads the lead's view; then the view counts the project.
                team = {"project_id": prj, "agency_id": ag, "insurer_id": "ins-1", "lead_id": pa}
                await ok(c, "/v1/registry/teams", team, insurer)
                await _until(eligible, lambda e: loads(e) == {pa: 1, pb: 0})
                change = {
                    "project_id": prj,
                    "new_lead_id": pb,
                    "insurer_confirmation_key": "c/ok.pdf",
                    "reason": "病休",
                }
                await ok(c, f"/v1/registry/teams/{prj}/lead", change, insurer)
                moved = await _until(eligible, lambda e: loads(e) == {pa: 0, pb: 1})  # REG-05
                assert moved["as_of"] is not None and all(i["lead_load_as_of"] for i in moved["items"])
                nominated = await c.get("/v1/registry/pool", params={"status": "nominated"}, headers=auth(regulator))
                assert ag not in [a["agency_id"] for a in nominated.json()["agencies"]]
    finally:
        await service.stop()
        async with AsyncMongoClient(settings.mongo_url) as client:
            await client.drop_database(settings.mongo_db)
    ours = [s for s in scans if s.database == settings.mongo_db]
    assert ours, "the watch saw nothing of the registry's database"  # it did watch the right client
    assert [(s.collection, s.command, s.filter_fields) for s in ours if not _known(s)] == []
