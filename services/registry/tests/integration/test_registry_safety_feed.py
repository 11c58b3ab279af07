"""SAF-07 fed by real data on the real local Kafka and MongoDB-wire server: the risk service's quarter
standings, published on ``anju.risk.events.v1`` as the risk service publishes them, folded by the registry's
``registry.safety_quarters`` view (the real router and writer) into the shaoxing checklist pre-filled for the
authority — read by ``_id`` only, and not shown to an insurer."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import registry_standings

from anju_contracts import Actor, Envelope, Role, topics
from anju_contracts import safety as sf
from anju_kit.auth import issue_token, service_actor
from anju_kit.kafka import ensure_topics
from anju_kit.testing import group_at_end, produce, scan_watch
from anju_registry.bootstrap import build, compose
from anju_registry.config import RegistrySettings

pytestmark = pytest.mark.integration

REGION = "shaoxing"


def standing(project_id: str, agency_id: str, version: int, unchecked: int) -> sf.SafetyQuarterRecorded:
    return registry_standings.standing(
        project_id, version, agency_id=agency_id, level_1_2_unchecked=unchecked, level_3_4_hazards=0
    )


async def test_saf07_the_registry_prefills_the_checklist_from_risks_events_on_the_real_servers(
    infra: Any, unique: Any
) -> None:
    watch = scan_watch()
    settings = RegistrySettings.load(
        region=REGION,
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_url=infra.mongo_url,
        mongo_db=unique("t_registry_saf07").replace("-", "_"),
        kafka_group_suffix=f"-{unique('g')}",
    )
    await ensure_topics(settings, [topics.REGISTRY.commands, topics.REGISTRY.events, topics.RISK.events])
    service, handlers = build(settings, views_topic=unique("anju.registry.views.v1"))
    await group_at_end(
        infra.kafka_bootstrap, service.views.router_group(), [topics.REGISTRY.events, topics.RISK.events]
    )
    secret = settings.token_secret.get_secret_value()
    agency_id, prj_a, prj_b = unique("ag"), unique("prj-a"), unique("prj-b")
    regulator = Actor(id="jsj-1", role=Role.REGULATOR, region=REGION)
    insurer = Actor(id="uw-1", role=Role.INSURER, region=REGION, insurer_id="ins-1")
    path = f"/v1/registry/agencies/{agency_id}/safety-checklists/2026-Q3/draft"
    await service.start()
    try:
        for event in (
            standing(prj_a, agency_id, 3, 0),
            standing(prj_b, agency_id, 9, 1),
            standing(prj_b, agency_id, 8, 0),
        ):
            envelope = Envelope.wrap(
                event, region=REGION, producer="risk", actor=service_actor("risk", REGION), key=event.project_id
            )
            await produce(
                infra.kafka_bootstrap,
                topics.RISK.events,
                [envelope.model_dump_json().encode()],
                key=event.project_id.encode(),
            )
        app = compose(service, handlers)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registry") as c:
            headers = {"Authorization": f"Bearer {issue_token(regulator, secret)}"}
            with watch.watching() as scans:
                async with asyncio.timeout(60):
                    while True:
                        draft = (await c.get(path, headers=headers)).json()
                        if draft["projects"] == 2:
                            break
                        await asyncio.sleep(0.3)
            lines = {line["point_id"]: line for line in draft["lines"]}
            assert lines["2.4"]["suggested"] is False  # project b's newest standing (v9) left a source unchecked
            assert lines["6.1"]["suggested"] is True and lines["1.1"]["suggested"] is None
            assert draft["confirmed_score"] is None  # the authority has not confirmed yet
            hidden = await c.get(path, headers={"Authorization": f"Bearer {issue_token(insurer, secret)}"})
            assert hidden.status_code == 404
        growing = [s for s in scans if s.database == settings.mongo_db and not s.collection.endswith("_outbox")]
        assert growing == []  # the draft is one _id look-up of the view and one of the agency
    finally:
        await service.mongo.drop_database(settings.mongo_db)
        await service.stop()
