"""The notify service on the real local servers (Kafka, FerretDB): policy's POL-07 obligation from the
policy events topic into the ledger, the reminder fired by the sweeper on a frozen clock and read from
the insurer's inbox over HTTP, the filing that fulfils it (leaving on the outbound supervision topic),
the regulator's report — and nothing but ``_id`` look-ups on the notify database (XC-02, XC-05)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

import httpx
import pytest
from notify_memory import DEBTOR, INSURER, OTHER_INSURER, REGULATOR, RecordingOutbox, at, filing, pol07_opened

from anju_contracts import Actor, Envelope, Role, topics
from anju_contracts import notify as n
from anju_kit.auth import issue_token
from anju_kit.clock import FrozenClock
from anju_kit.kafka import ensure_topics
from anju_kit.mongo import connect
from anju_kit.testing import group_at_end, produce, read_topic, scan_watch
from anju_notify.bootstrap import build, compose
from anju_notify.config import NotifySettings

pytestmark = pytest.mark.integration
T = TypeVar("T")


class Running:
    def __init__(self, settings: NotifySettings, clock: FrozenClock) -> None:
        self.settings, self.clock = settings, clock
        self.outbox = RecordingOutbox()  # the channels' dispatcher's double
        self.service, self.handlers = build(settings, clock=clock, outbox=self.outbox)
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=compose(self.service, self.handlers)), base_url="http://notify"
        )

    def auth(self, actor: Actor) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(actor, self.settings.token_secret.get_secret_value())}"}

    async def get(self, path: str, actor: Actor) -> httpx.Response:
        return await self.http.get(f"/v1/notify{path}", headers=self.auth(actor))


@pytest.fixture
async def notify(infra: Any, unique: Callable[[str], str]) -> AsyncIterator[Running]:
    token = unique("hntf").replace("-", "")
    settings = NotifySettings.load(
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_url=infra.mongo_url,
        s3_endpoint=infra.s3_endpoint,
        s3_access_key=infra.s3_access_key,
        s3_secret_key=infra.s3_secret_key,
        mongo_db=f"hntf_{token}",
        kafka_group_suffix=f"-{token}",
        notify_sweep_interval_s=3600.0,  # the test sweeps itself, on its frozen clock
    )
    scan_watch()  # registered before the service's client exists: pymongo's listeners are per client
    running = Running(settings, FrozenClock(at(2026, 9, 30)))
    views = running.service.views
    await ensure_topics(
        settings,
        [
            *topics.NOTIFY.all(),
            *map(topics.dlq, topics.NOTIFY.all()),
            views.topic,
            topics.POLICY.events,
            topics.CLAIMS.events,
            topics.RISK.events,
            topics.SUPERVISION_FILINGS,
        ],
    )
    await group_at_end(
        settings.kafka_bootstrap, settings.consumer_group(settings.notify_consumer_group), [topics.NOTIFY.commands]
    )
    for owner in ("claims", "policy", "risk"):
        group = settings.consumer_group(f"{settings.notify_consumer_group}-{owner}")
        await group_at_end(settings.kafka_bootstrap, group, [topics.BY_SERVICE[owner].events])
    outbox_group = settings.consumer_group(f"{settings.notify_consumer_group}-outbox")
    await group_at_end(settings.kafka_bootstrap, outbox_group, [topics.NOTIFY.events])
    await group_at_end(settings.kafka_bootstrap, views.router_group(), [topics.NOTIFY.events])
    await group_at_end(settings.kafka_bootstrap, views.writer_group, [views.topic])
    await running.service.start()
    yield running
    await running.http.aclose()
    await running.service.stop()  # first: a writer still running would recreate what the drop removed
    client = connect(settings)
    await client.drop_database(settings.mongo_db)  # hntf_* only: this run's own
    await client.close()


async def wait_for(probe: Callable[[], Awaitable[T | None]], timeout_s: float = 60.0) -> T:
    async with asyncio.timeout(timeout_s):
        while True:
            found = await probe()
            if found is not None:
                return found
            await asyncio.sleep(0.3)


async def test_xc02_pol07_over_real_servers_tracked_reminded_once_filed_and_reported_by_id_only(
    notify: Running, unique: Callable[[str], str]
) -> None:
    project_id = unique("prj")
    opened = pol07_opened(project_id)
    oid = opened.obligation_id
    policy_actor = Actor(id="anju-policy", role=Role.SYSTEM, region="shanghai")
    envelope = Envelope.wrap(opened, region="shanghai", producer="policy", actor=policy_actor, key=project_id)
    bootstrap = notify.settings.kafka_bootstrap
    with scan_watch().watching() as scans:
        # the same event twice (a redelivery): one record
        value = envelope.model_dump_json().encode()
        await produce(bootstrap, topics.POLICY.events, [value, value], key=project_id.encode())

        async def tracked() -> dict[str, Any] | None:
            answer = await notify.get(f"/obligations/{oid}", REGULATOR)
            return answer.json() if answer.status_code == 200 else None

        record = await wait_for(tracked)
        assert record["ledger_state"] == "open" and record["version"] == 1
        assert (await notify.get(f"/obligations/{oid}", OTHER_INSURER)).status_code == 404  # XC-05

        contact = n.RegisterContact(
            party=DEBTOR, audience=n.ContactAudience.STAFF, display_name="承保部", email="uw@picc.example.com"
        )
        registered = await notify.http.post(
            "/v1/notify/contacts",
            content=contact.model_dump_json(),
            headers={**notify.auth(INSURER), "Content-Type": "application/json"},
        )
        assert registered.status_code == 200, registered.text

        # the reminder, once, from two sweeping instances, when the due view has the step
        notify.clock.set(at(2026, 10, 9, 9, 30))
        second = build(notify.settings, clock=notify.clock)[1]  # another process on the same database
        second.flush = notify.handlers.flush  # publishes through the started instance's relay

        async def reminded() -> int | None:
            fired = await notify.handlers.sweep(grace=timedelta(seconds=60))
            fired += await second.sweep(grace=timedelta(seconds=60))
            return fired or None

        assert await wait_for(reminded) == 1
        assert await notify.handlers.sweep(grace=timedelta(seconds=60)) == 0

        async def inbox() -> list[dict[str, Any]] | None:
            answer = await notify.get("/inbox?month=2026-10", INSURER)
            items: list[dict[str, Any]] = answer.json()["items"]
            return items if any(i["obligation_id"] == oid for i in items) else None

        [item] = [i for i in await wait_for(inbox) if i["obligation_id"] == oid]
        assert item["kind"] == "reminder" and "到期" in item["subject_zh"]
        assert (await notify.get("/inbox?month=2026-10", OTHER_INSURER)).json()["items"] == []
        marked = await notify.http.post(
            "/v1/notify/inbox/read",
            content=n.MarkInboxRead(item_ids=(f"{oid}|reminder-1",)).model_dump_json(),
            headers={**notify.auth(INSURER), "Content-Type": "application/json"},
        )
        assert marked.status_code == 200, marked.text

        async def read() -> bool | None:
            answer = (await notify.get("/inbox?month=2026-10", INSURER)).json()
            mine = [i for i in answer["items"] if i["obligation_id"] == oid]
            return True if mine and mine[0].get("read_at") else None

        assert await wait_for(read)

        async def mailed() -> list[str] | None:  # read back from notify's own events topic, after the commit
            ids = [i for i in notify.outbox.messages if i.startswith(oid)]
            return ids or None

        assert await wait_for(mailed) == [f"{oid}|reminder-1|insurer:{INSURER.insurer_id}|email"]

        # the filing fulfils it and leaves on the outbound topic
        notify.clock.set(at(2026, 10, 9, 15))
        filed = await notify.http.post(
            "/v1/notify/filings",
            content=filing(oid, unique("flg")).model_dump_json(),
            headers={**notify.auth(INSURER), "Content-Type": "application/json"},
        )
        assert filed.status_code == 200, filed.text
        assert filed.json()["state"] == "fulfilled"
        notify.clock.set(at(2026, 10, 12))
        assert await notify.handlers.sweep(grace=timedelta(seconds=60)) == 0  # never escalated

        async def reported() -> dict[str, Any] | None:
            answer = await notify.get(f"/debtors/insurer/{INSURER.insurer_id}/report", REGULATOR)
            by_rule: dict[str, Any] = answer.json()["by_rule"]
            return by_rule if by_rule.get("POL-07", {}).get("fulfilled_on_time") else None

        assert (await wait_for(reported))["POL-07"] == {"fulfilled_on_time": 1}
    growing = [s for s in scans if s.database == notify.settings.mongo_db and not s.collection.endswith("_outbox")]
    assert growing == []  # every read of the ledger, its views and the sweeper is an _id look-up
    records = await read_topic(
        bootstrap,
        topics.SUPERVISION_FILINGS,
        expect=10_000,
        timeout_s=20,
        until=lambda r: r.key == oid.encode(),
    )
    mine = [json.loads(r.value) for r in records if r.key == oid.encode()]
    assert [m["type"] for m in mine] == ["supervision.DocumentFiled"] and mine[0]["data"]["on_time"] is True


async def test_xc07_the_obligation_doors_tried_from_outside_apply_only_the_owner_s_own(
    notify: Running, unique: Callable[[str], str]
) -> None:
    """Policy's events topic read by notify: bad bytes, an empty and a null body, and an ObligationOpened
    signed by an insurer instead of the policy service — none is applied, none stalls the partition (the
    policy service's own behind them is tracked); a FileDocument on notify's commands topic for an
    obligation not the sender's is answered NOT_FOUND on the rejections topic, naming no value."""
    from anju_kit.testing import signed_headers

    bootstrap, door, key = notify.settings.kafka_bootstrap, topics.POLICY.events, b"outside"
    forged = pol07_opened(unique("prj-forged"))
    real = pol07_opened(unique("prj-real"))
    policy_actor = Actor(id="anju-policy", role=Role.SYSTEM, region="shanghai")
    forged_value = Envelope.wrap(forged, region="shanghai", producer="policy", actor=INSURER).model_dump_json().encode()
    await produce(bootstrap, door, [b'{"type": "policy.ObligationOpened", \xff', b"", b"null"], key=key)
    await produce(bootstrap, door, [forged_value], key=key, headers=signed_headers(door, forged_value, sender=INSURER))
    real_env = Envelope.wrap(real, region="shanghai", producer="policy", actor=policy_actor)
    await produce(bootstrap, door, [real_env.model_dump_json().encode()], key=key)

    async def real_tracked() -> bool | None:
        return True if (await notify.get(f"/obligations/{real.obligation_id}", REGULATOR)).status_code == 200 else None

    assert await wait_for(real_tracked)
    assert (await notify.get(f"/obligations/{forged.obligation_id}", REGULATOR)).status_code == 404

    command = Envelope.wrap(
        filing(real.obligation_id), region="shanghai", producer="core", actor=OTHER_INSURER, key=real.obligation_id
    )
    await produce(
        bootstrap, topics.NOTIFY.commands, [command.model_dump_json().encode()], key=real.obligation_id.encode()
    )
    records = await read_topic(
        bootstrap,
        topics.NOTIFY.rejections,
        expect=10_000,
        timeout_s=45,
        until=lambda r: str(command.event_id) in r.value.decode(errors="replace"),
    )
    # at least once: a redelivery (a rebalance) is answered again, the same way
    answers = [json.loads(r.value) for r in records if str(command.event_id) in r.value.decode(errors="replace")]
    assert answers and {a["data"]["reason_code"] for a in answers} == {"NOT_FOUND"}
    assert {a["data"]["problems"][0]["field"] for a in answers} == {"obligation_id"}
    state = (await notify.get(f"/obligations/{real.obligation_id}", REGULATOR)).json()["ledger_state"]
    assert state == "open"
