"""SAF-07's feed tried from outside on the real local Kafka and MongoDB-wire server: what can land on the
risk events topic the registry's ``registry.safety_quarters`` view reads — bytes that are not JSON, a JSON
``null``, an empty record, an envelope whose data is null, a ``risk.SafetyQuarterRecorded`` signed by risk
whose body breaks its contract, one signed by another service, by an insurer, by nobody or with risk's token
lifted from another record, the same standing
delivered twice and an older one late — then risk's own standings behind them; and the checklist draft
asked of an agency id or a quarter that cannot be one.

None of the bad ones is folded and none stalls the partition: the malformed are dead-lettered once (with
their origin, the error naming no value), the unauthenticated answered and logged (kit's door), the one
that breaks its contract dead-lettered after its bounded retries; a standing is folded once. The source
topic is this test's own ``anju.risk.events.v1-hout-…`` (its owner is still risk by name), so what an
attacker would send never reaches the shared topic other runs read."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import registry_standings

from anju_contracts import Actor, Envelope, Role, topics
from anju_contracts import safety as sf
from anju_kit.auth import issue_token, service_actor
from anju_kit.kafka import ensure_topics
from anju_kit.metrics import HANDLED
from anju_kit.testing import group_at_end, produce, read_topic, signed_headers
from anju_kit.views import field_name
from anju_registry.bootstrap import build, compose
from anju_registry.config import RegistrySettings
from anju_registry.entrypoints.kafka import COMMANDS_GROUP
from anju_registry.safety_feed import SAFETY_QUARTERS

pytestmark = pytest.mark.integration

REGION = "shaoxing"
PHONE = "13812345678"  # what a bad field held must not come back in a DLQ header (XC-09)


def standing(project_id: str, agency_id: str, version: int, unchecked: int) -> sf.SafetyQuarterRecorded:
    return registry_standings.standing(
        project_id, version, agency_id=agency_id, level_1_2_unchecked=unchecked, level_3_4_hazards=0
    )


def as_risk(event: sf.SafetyQuarterRecorded) -> bytes:
    envelope = Envelope.wrap(
        event, region=REGION, producer="risk", actor=service_actor("risk", REGION), key=event.project_id
    )
    return envelope.model_dump_json().encode()


def counted(topic: str, outcome: str) -> float:
    return float(HANDLED.labels(topic=topic, outcome=outcome)._value.get())


async def test_saf07_the_safety_feed_tried_from_outside_folds_only_risk_s_own_standings_once(
    infra: Any, unique: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = unique("anju.risk.events.v1-hout")
    monkeypatch.setattr(SAFETY_QUARTERS, "sources", (source,))
    settings = RegistrySettings.load(
        region=REGION,
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_url=infra.mongo_url,
        mongo_db=unique("hout_registry_saf07_door").replace("-", "_"),
        kafka_group_suffix=f"-{unique('hout')}",
    )
    await ensure_topics(settings, [source, f"{source}.dlq"], partitions=1)
    await ensure_topics(settings, [topics.REGISTRY.commands, topics.REGISTRY.events])
    service, handlers = build(settings, views_topic=unique("anju.registry.views.v1-hout"))
    # A fresh deployment's groups start where the shared topics end now: earlier runs' records are not ours.
    await group_at_end(infra.kafka_bootstrap, service.views.router_group(), [topics.REGISTRY.events])
    await group_at_end(infra.kafka_bootstrap, settings.consumer_group(COMMANDS_GROUP), [topics.REGISTRY.commands])

    agency_id = unique("ag")
    real, dotted, forged = unique("prj-a"), unique("prj.b"), unique("prj-forged")  # "prj.b-…": a valid id
    bootstrap, key = infra.kafka_bootstrap, b"outside"  # one partition: everything waits behind everything
    json_header = [("content-type", b"application/json")]
    nothing = json.loads(as_risk(standing(real, agency_id, 1, 0))) | {"data": None}
    broken = json.loads(as_risk(standing(real, agency_id, 7, 0)))
    broken["data"] |= {"version": 0, "inspections": -1, "agency_id": f"{PHONE}:x", "extra": PHONE}
    broken_value = json.dumps(broken).encode()
    forged_value = as_risk(standing(forged, agency_id, 99, 0))
    claims = service_actor("claims", REGION)
    insurer = Actor(id="uw-1", role=Role.INSURER, region=REGION, insurer_id="ins-1")

    await produce(bootstrap, source, [b"\x00not json{", b"null", b""], key=key, headers=json_header)  # offsets 0-2
    await produce(bootstrap, source, [json.dumps(nothing).encode()], key=key)  # 3: an envelope with no data
    await produce(bootstrap, source, [broken_value], key=key)  # 4: signed by risk, breaks the contract
    await produce(
        bootstrap, source, [forged_value], key=key, headers=signed_headers(source, forged_value, sender=claims)
    )
    await produce(
        bootstrap, source, [forged_value], key=key, headers=signed_headers(source, forged_value, sender=insurer)
    )
    await produce(bootstrap, source, [forged_value], key=key, sign=False)  # 7: nobody's
    first = as_risk(standing(real, agency_id, 3, 1))
    lifted = signed_headers(source, first)  # risk's token of another record (its jti is that event's id)
    await produce(bootstrap, source, [forged_value], key=key, headers=lifted)  # 8
    await produce(bootstrap, source, [first, first], key=key)  # 9, 10: delivered twice
    await produce(bootstrap, source, [as_risk(standing(real, agency_id, 2, 0))], key=key)  # 11: older, late
    await produce(bootstrap, source, [as_risk(standing(dotted, agency_id, 1, 0))], key=key)  # 12

    store = service.views.store(SAFETY_QUARTERS.name)
    secret = settings.token_secret.get_secret_value()
    regulator = {
        "Authorization": f"Bearer {issue_token(Actor(id='jsj-1', role=Role.REGULATOR, region=REGION), secret)}"
    }
    await service.start()
    try:
        async with asyncio.timeout(90):
            while True:  # the last record folded: nothing before it stalled the partition
                doc = await store.get(f"{agency_id}:2026-Q3") or {}
                if len(doc.get("projects", {})) == 2:
                    break
                await asyncio.sleep(0.3)
        assert sorted(doc["projects"]) == sorted([real, field_name(dotted)]) and forged not in json.dumps(doc)
        kept = next(p for p in doc["projects"].values() if p["version"] == 3)
        assert kept["level_1_2_unchecked"] == 1  # v3 folded once; v3 again and v2 late changed nothing
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=compose(service, handlers)), base_url="http://registry"
        ) as c:
            path = f"/v1/registry/agencies/{agency_id}/safety-checklists/2026-Q3/draft"
            draft = (await c.get(path, headers=regulator)).json()
            for odd_agency, odd_quarter in (("a" * 10_000, "2026-Q3"), ("风控机构", "2026-Q3"), (agency_id, "2026Q3")):
                odd = await c.get(
                    f"/v1/registry/agencies/{odd_agency}/safety-checklists/{odd_quarter}/draft", headers=regulator
                )
                assert odd.status_code == 422 and odd.json()["reason_code"] == "VALIDATION_FAILED", odd.text
                assert odd.json()["problems"] and odd_agency[:20] not in odd.text and odd_quarter not in odd.text
        assert draft["projects"] == 2

        dead = await read_topic(bootstrap, f"{source}.dlq", expect=5, timeout_s=30)
        origins = sorted(int(dict(r.headers)["anju_origin_offset"]) for r in dead)
        assert origins == [0, 1, 2, 3, 4]  # each bad record once, the standings none
        for record in dead:
            headers = {name: value.decode() for name, value in record.headers}
            assert headers["anju_origin_topic"] == source and PHONE not in headers["anju_error"]
        assert counted(source, "malformed") == 4
        assert counted(source, "unauthenticated") == 4  # answered on the rejections topic and logged
    finally:
        await service.mongo.drop_database(settings.mongo_db)
        await service.stop()
