"""Issue #10 against the real Kafka and store: a read model keyed by the question, kept by one writer.

Source events (keyed by aggregate) are re-keyed by the view's router and folded by the writer into
documents read by ``_id``; a redelivered change is skipped by position; a new generation rebuilds the
view from the first retained event."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from anju_contracts import Actor, Envelope, RecordRef, Role
from anju_contracts import registry as r
from anju_contracts.base import Event
from anju_contracts.topics import dlq
from anju_kit.auth import service_actor
from anju_kit.kafka import ensure_topics
from anju_kit.service import ServiceApp
from anju_kit.testing import produce, read_topic, signed_headers
from anju_kit.views import Docs, View, ViewChange, ViewChanges, ViewSet, ViewStore, Writer, bump_generation, route

pytestmark = pytest.mark.integration

REGION = "shanghai"
REGULATOR = Actor(id="reg-1", role=Role.REGULATOR, region=REGION)


def by_admitter(source: str) -> View:
    class ByAdmitter(View):
        """Which agencies each regulator admitted: one document per regulator."""

        name = "test.by_admitter"
        sources = (source,)

        def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
            return [event.admitted_by] if isinstance(event, r.AgencyAdmitted) else []

        async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
            assert isinstance(event, r.AgencyAdmitted)
            doc = await docs.get(key) or {"agencies": {}}
            docs.put(key, {**doc, "agencies": {**doc["agencies"], event.agency_id: event.path.value}})

    return ByAdmitter()


def admitted(agency_id: str, by: str) -> Envelope:
    event = r.AgencyAdmitted(agency_id=agency_id, path=r.QualificationPath.OTHER, admitted_by=by)
    return Envelope.wrap(event, region=REGION, producer="registry", actor=REGULATOR, key=agency_id)


async def _until(check: Any, timeout_s: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "the view did not catch up in time"
        await asyncio.sleep(0.2)


async def test_a_view_answers_by_id_from_its_one_writer_and_rebuilds_in_a_new_generation(
    service_settings: Any, unique: Any
) -> None:
    source = f"anju.registry.events.v1-{unique('src')}"
    views_topic = unique("anju.registry.views.v1")
    settings = service_settings("registry", kafka_group_suffix=f"-{unique('g')}")
    await ensure_topics(settings, [source], partitions=3)
    events = [admitted(f"ag-{n}", f"reg-{n % 2}") for n in range(6)]
    await produce(settings.kafka_bootstrap, source, [e.model_dump_json().encode() for e in events])

    async def run_until_caught_up(expect: dict[str, int]) -> tuple[ViewStore, dict[str, Any]]:
        service = ServiceApp(settings, title="t", description="t")
        views = ViewSet(service, [by_admitter(source)], topic=views_topic)
        await service.start()
        store = views.store("test.by_admitter")
        found: dict[str, Any] = {}
        try:

            async def caught_up() -> bool:
                for key, count in expect.items():
                    found[key] = doc = await store.get(key)
                    if doc is None or len(doc["agencies"]) != count:
                        return False
                return True

            await _until(caught_up)
            if store.generation == 1:  # a rebuild: the next generation, filled again from the first event
                assert await bump_generation(service.db, by_admitter(source)) == 2
        finally:
            await service.stop()
        return store, found

    first, docs = await run_until_caught_up({"reg-0": 3, "reg-1": 3})
    assert first.generation == 1 and set(docs["reg-0"]["agencies"]) == {"ag-0", "ag-2", "ag-4"}
    assert docs["reg-0"]["_as_of"]["event_id"] in {str(e.event_id) for e in events}
    rebuilt, docs = await run_until_caught_up({"reg-0": 3, "reg-1": 3})
    assert rebuilt.generation == 2 and rebuilt.collection.name.endswith("_g2")
    assert set(docs["reg-1"]["agencies"]) == {"ag-1", "ag-3", "ag-5"}
    async with AsyncMongoClient(settings.mongo_url) as client:
        await client.drop_database(settings.mongo_db)


async def test_a_redelivered_change_is_skipped_by_position(service_settings: Any, unique: Any) -> None:
    settings = service_settings("registry")
    service = ServiceApp(settings, title="t", description="t")
    view = by_admitter("anju.registry.events.v1")
    writer = Writer({view.name: ViewStore(service.db, view)})
    changes = [
        change
        for n, envelope in enumerate([admitted("ag-1", "reg-9"), admitted("ag-2", "reg-9")])
        for _, change in route(view, 1, envelope, RecordRef(topic="anju.registry.events.v1", partition=0, offset=n))
    ]
    assert await writer.apply(changes) == 2
    assert await writer.apply(changes) == 0  # Kafka delivered the batch again
    stale = ViewChange.model_validate(changes[0].model_dump() | {"generation": 2})
    assert await writer.apply([stale]) == 0  # another generation's router: not this store's
    doc = await writer.stores[view.name].get("reg-9")
    assert doc is not None and doc["_head"] == {"anju%2Eregistry%2Eevents%2Ev1:0": 1}
    await service.mongo.drop_database(settings.mongo_db)


async def test_the_views_topic_takes_changes_only_from_its_own_service(service_settings: Any, unique: Any) -> None:
    """Tried from outside: bad bytes under a JSON content-type, an empty body, a huge key, a forged
    (unsigned) change and one signed by another service, the same as a group of changes (``ViewChanges``),
    and a group signed by the service itself whose changes are ``null`` land on the views topic; none is folded, none stalls the writer,
    and the next real change is folded."""
    source = f"anju.registry.events.v1-{unique('src')}"
    views_topic = unique("anju.registry.views.v1")
    settings = service_settings("registry", kafka_group_suffix=f"-{unique('g')}")
    await ensure_topics(settings, [source, views_topic], partitions=1)
    view = by_admitter(source)
    (forged_key, forged), *_ = route(
        view, 1, admitted("ag-forged", "reg-x"), RecordRef(topic=source, partition=0, offset=0)
    )
    forged_envelope = Envelope.wrap(forged, region=REGION, producer="registry", actor=REGULATOR, key=forged_key)
    forged_group = Envelope.wrap(
        ViewChanges(changes=[forged]), region=REGION, producer="registry", actor=REGULATOR, key=forged_key
    )
    null_group = json.dumps(forged_group.model_dump(mode="json") | {"data": {"changes": None}}).encode()
    json_header = [("content-type", b"application/json")]
    await produce(settings.kafka_bootstrap, views_topic, [b"{not json"], headers=json_header)
    await produce(settings.kafka_bootstrap, views_topic, [b""], key=b"k" * 5000, headers=json_header)
    await produce(settings.kafka_bootstrap, views_topic, [forged_envelope.model_dump_json().encode()], sign=False)
    await produce(
        settings.kafka_bootstrap, views_topic, [forged_envelope.model_dump_json().encode()]
    )  # signed by its actor, not the service
    await produce(settings.kafka_bootstrap, views_topic, [forged_group.model_dump_json().encode()], sign=False)
    await produce(settings.kafka_bootstrap, views_topic, [forged_group.model_dump_json().encode()])
    as_the_service = signed_headers(views_topic, null_group, sender=service_actor("registry", REGION))
    await produce(settings.kafka_bootstrap, views_topic, [null_group], headers=as_the_service)  # a bad body, signed
    await produce(settings.kafka_bootstrap, source, [admitted("ag-real", "reg-x").model_dump_json().encode()])

    service = ServiceApp(settings, title="t", description="t")
    views = ViewSet(service, [view], topic=views_topic)
    await service.start()
    try:
        store = views.store(view.name)

        async def folded() -> bool:
            doc = await store.get("reg-x")
            return doc is not None and "ag-real" in doc["agencies"]

        await _until(folded)
        doc = await store.get("reg-x")
        assert doc is not None and set(doc["agencies"]) == {"ag-real"}
        dead = await read_topic(settings.kafka_bootstrap, dlq(views_topic), expect=3)
        assert {dict(d.headers)["anju_origin_offset"] for d in dead} == {b"0", b"1", b"6"}  # bad bytes, empty, null
    finally:
        await service.mongo.drop_database(settings.mongo_db)
        await service.stop()
