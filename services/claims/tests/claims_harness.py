"""Runs real claims instances in-process against the local servers (Kafka, FerretDB, MinIO)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI

from anju_claims.bootstrap import build, create_app
from anju_claims.config import ClaimsSettings
from anju_claims.handlers import ClaimsHandlers
from anju_contracts import Actor, Envelope, Role, topics
from anju_contracts import claims as c
from anju_contracts.base import Message
from anju_contracts.policy import LiabilityPeriodStarted, OwnerRef, PolicyIssued, PolicyUnit
from anju_kit.auth import issue_token
from anju_kit.clock import SHANGHAI, Clock
from anju_kit.kafka import ensure_topics
from anju_kit.service import ServiceApp
from anju_kit.testing import group_at_end, signed_headers
from anju_kit.views import ViewSet

REGION = "shanghai"
CORE = Actor(id="ins-core", role=Role.SYSTEM, region=REGION, insurer_id="ins-a")
INSURER = Actor(id="desk-1", role=Role.INSURER, region=REGION, insurer_id="ins-a")
OTHER_INSURER = Actor(id="desk-9", role=Role.INSURER, region=REGION, insurer_id="ins-b")
REGULATOR = Actor(id="reg-1", role=Role.REGULATOR, region=REGION)


def owner(owner_id: str, *units: str) -> Actor:
    return Actor(id=owner_id, role=Role.OWNER, region=REGION, unit_ids=units)


@dataclass
class Running:
    app: FastAPI
    service: ServiceApp
    handlers: ClaimsHandlers
    settings: ClaimsSettings
    http: httpx.AsyncClient

    def auth(self, actor: Actor, **headers: str) -> dict[str, str]:
        token = issue_token(actor, self.settings.token_secret.get_secret_value())
        return {"Authorization": f"Bearer {token}", **headers}

    async def stop(self) -> None:
        await self.http.aclose()
        await self.service.stop()


def claims_settings(infra: Any, token: str, **overrides: Any) -> ClaimsSettings:
    values: dict[str, Any] = {
        "kafka_bootstrap": infra.kafka_bootstrap,
        "mongo_url": infra.mongo_url,
        "s3_endpoint": infra.s3_endpoint,
        "s3_access_key": infra.s3_access_key,
        "s3_secret_key": infra.s3_secret_key,
        "mongo_db": f"t_claims_{token}",
        "claims_bucket": f"t-claims-{token}",
        "claims_consumer_group": f"t-claims-{token}",
        "kafka_group_suffix": f"-{token}",  # the read models' groups, this run's own
        "claims_sweep_interval_s": 0.5,
    }
    values |= overrides
    return ClaimsSettings.load(**values)


async def prepare_topics(settings: ClaimsSettings, views: ViewSet | None = None) -> None:
    """Every group a claims instance on ``settings`` reads with, put at the end of its topics: the run sees
    only what it produces, not what earlier runs left on the shared topics. The read models' groups too,
    named by ``views`` (the instance's own) or else by a service built here and never started (one
    spawned as a process): at their first start they would read from the beginning, and a process whose
    router and writer are still folding a backlog of other runs' events takes its time to stop."""
    names = [*topics.CLAIMS.all(), *map(topics.dlq, topics.CLAIMS.all()), topics.POLICY.events]
    await ensure_topics(settings, [*names, topics.dlq(topics.POLICY.events)])
    commands, policy = settings.claims_consumer_group, f"{settings.claims_consumer_group}-policy"
    await group_at_end(settings.kafka_bootstrap, settings.consumer_group(commands), [topics.CLAIMS.commands])
    await group_at_end(settings.kafka_bootstrap, settings.consumer_group(policy), [topics.POLICY.events])
    if views is None:
        service = build(settings)[0]  # nothing connects until it starts
        views = service.views
        await service.mongo.close()
    await ensure_topics(settings, [views.topic])
    sources = sorted({source for view in views.views for source in view.sources})
    await group_at_end(settings.kafka_bootstrap, views.router_group(), sources)
    await group_at_end(settings.kafka_bootstrap, views.writer_group, [views.topic])


async def start(settings: ClaimsSettings, *, clock: Clock | None = None, prepare: bool = True) -> Running:
    app = create_app(settings, clock=clock)
    service: ServiceApp = app.state.service
    if prepare:
        await prepare_topics(settings, service.views)
    await service.start()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://claims")
    return Running(app, service, app.state.handlers, settings, client)


def wrap(message: Message, actor: Actor = CORE, *, key: str, event_id: uuid.UUID | None = None) -> Envelope:
    return Envelope.wrap(message, region=REGION, producer="tests", actor=actor, key=key, event_id=event_id)


def policy_events(policy_id: str, project_id: str, units: dict[str, str], insurer_id: str = "ins-a") -> list[Envelope]:
    """A policy in force since 2025-01-01 (contractor warranty ended 2024-12-31) over ``units`` → owners."""
    issued = PolicyIssued(
        policy_id=policy_id,
        project_id=project_id,
        insurer_id=insurer_id,
        issued_on=date(2022, 3, 1),
        units=tuple(
            PolicyUnit(unit_id=u, owners=(OwnerRef(owner_id=o, id_number_masked="310***********1234"),))
            for u, o in units.items()
        ),
    )
    started = LiabilityPeriodStarted(
        policy_id=policy_id,
        project_id=project_id,
        liability_starts_on=date(2025, 1, 1),
        contractor_id="ctr-1",
        contractor_warranty_end=date(2024, 12, 31),
    )
    return [wrap(issued, key=policy_id), wrap(started, key=policy_id)]


async def load_policy(running: Running, envelopes: list[Envelope]) -> None:
    for envelope in envelopes:
        await running.handlers.project_policy_event(envelope, envelope.payload(_policy_type(envelope)))  # type: ignore[arg-type]


def _policy_type(envelope: Envelope) -> type[Message]:
    from anju_contracts.catalog import message_type

    return message_type(envelope.type)


def now() -> datetime:
    return datetime.now(SHANGHAI)


def report_body(claim_id: str, unit_id: str, owner_id: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "claim_id": claim_id,
        "unit_id": unit_id,
        "owner_id": owner_id,
        "part": "waterproofing",
        "item": "卫生间渗漏",
        "location": "主卧卫生间地面",
        "description": "主卧卫生间地面渗水至楼下。",
    }
    return body | extra


async def survey(running: Running, claim_id: str) -> None:
    at = now()
    for segment, body in (
        ("survey-schedule", {"scheduled_at": (at + timedelta(minutes=1)).isoformat(), "surveyor_id": "srv-1"}),
        (
            "survey",
            {"surveyed_at": (at + timedelta(minutes=2)).isoformat(), "surveyor_id": "srv-1", "findings": "防水层破损"},
        ),
    ):
        answer = await running.http.post(
            f"/v1/claims/{claim_id}/{segment}", json={"claim_id": claim_id, **body}, headers=running.auth(INSURER)
        )
        assert answer.status_code == 200, answer.text


async def like_a_missing_claim(
    running: Running, claim_id: str, segment: str, body: dict[str, Any], actor: Actor, **headers: str
) -> httpx.Response:
    """POST ``body`` to ``claim_id``'s ``segment`` as ``actor``, assert the answer is exactly that of a claim
    that does not exist (XC-05: "not yours" and "not there" look alike), and return it."""
    answer = await running.http.post(
        f"/v1/claims/{claim_id}/{segment}", json=body, headers=running.auth(actor, **headers)
    )
    missing = await running.http.post(
        f"/v1/claims/c-none/{segment}", json=body | {"claim_id": "c-none"}, headers=running.auth(actor, **headers)
    )
    assert answer.status_code == missing.status_code == 404, answer.text
    assert answer.json()["reason_code"] == missing.json()["reason_code"]
    return answer


async def wait_for(predicate: Any, timeout_s: float = 20.0) -> Any:
    async with asyncio.timeout(timeout_s):
        while True:
            value = await predicate()
            if value:
                return value
            await asyncio.sleep(0.1)


def command(message: c._ClaimCommand, actor: Actor = CORE, *, event_id: uuid.UUID | None = None) -> Envelope:
    return wrap(message, actor, key=message.claim_id, event_id=event_id)


class Tail:
    """Reads a topic from the offsets it had when the tail was opened (older runs' records are skipped)."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
        self.topic = topic
        self.bootstrap = bootstrap
        self.records: list[Any] = []

    async def __aenter__(self) -> Tail:
        from aiokafka import TopicPartition
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            (described,) = await admin.describe_topics([self.topic])
        finally:
            await admin.close()
        assigned = [TopicPartition(self.topic, p["partition"]) for p in described["partitions"]]
        await self.consumer.start()
        self.consumer.assign(assigned)
        await self.consumer.seek_to_end(*assigned)
        for tp in assigned:
            await self.consumer.position(tp)  # resolve the end offsets now, before the test produces
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.consumer.stop()

    async def envelopes(
        self, predicate: Any, *, expect: int, timeout_s: float = 30.0, distinct: bool = False
    ) -> list[Envelope]:
        """Envelopes matching ``predicate`` until ``expect`` of them arrived (or the timeout); with
        ``distinct``, until ``expect`` different event ids did (a redelivery repeats its event id)."""
        found = [e for e in map(_envelope, self.records) if e is not None and predicate(e)]

        def count() -> int:
            return len({e.event_id for e in found}) if distinct else len(found)

        try:
            async with asyncio.timeout(timeout_s):
                while count() < expect:
                    batch = await self.consumer.getmany(timeout_ms=300)
                    for records in batch.values():
                        for record in records:
                            self.records.append(record)
                            envelope = _envelope(record)
                            if envelope is not None and predicate(envelope):
                                found.append(envelope)
        except TimeoutError:
            pass
        return found


def _envelope(record: Any) -> Envelope | None:
    try:
        return Envelope.model_validate_json(record.value)
    except ValueError:
        return None


async def produce_many(bootstrap: str, topic: str, items: list[tuple[str, bytes]]) -> None:
    """Send records in order with one idempotent producer (key decides the partition)."""
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    await producer.start()
    try:
        futures = [
            await producer.send(topic, value, key=key.encode(), headers=signed_headers(topic, value))
            for key, value in items
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
