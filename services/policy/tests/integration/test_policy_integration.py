"""The policy service on the real local servers (Kafka, FerretDB, MinIO): the letter uploaded through a
presigned PUT, 见费出单 over HTTP, PolicyIssued on the events topic, the ledger from the real views, a
Kafka command refused on the rejections topic, and nothing but ``_id`` look-ups on the policy database."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

import httpx
import pytest
from policy_factories import INSURER, REGULATOR, contract, issue, payment, register, select_agency, team_assigned

from anju_contracts import Actor, Envelope, topics
from anju_contracts import underwriting as u
from anju_contracts.base import Command, Event
from anju_kit.auth import issue_token
from anju_kit.kafka import ensure_topics
from anju_kit.testing import group_at_end, produce, read_topic, scan_watch, signed_headers
from anju_policy.bootstrap import build, compose
from anju_policy.config import PolicySettings

pytestmark = pytest.mark.integration
T = TypeVar("T")
LETTER = "%PDF-1.7 报价函 签字盖章".encode()


class Running:
    def __init__(self, settings: PolicySettings) -> None:
        self.settings = settings
        self.service, self.handlers = build(settings)
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=compose(self.service, self.handlers)), base_url="http://policy"
        )

    def auth(self, actor: Actor) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(actor, self.settings.token_secret.get_secret_value())}"}

    async def post(self, path: str, body: Command, actor: Actor = INSURER) -> httpx.Response:
        headers = {**self.auth(actor), "Content-Type": "application/json"}
        return await self.http.post(f"/v1/policy{path}", content=body.model_dump_json(), headers=headers)


@pytest.fixture
async def policy(infra: Any, unique: Callable[[str], str]) -> AsyncIterator[Running]:
    token = unique("hpol").replace("-", "")
    settings = PolicySettings.load(
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_url=infra.mongo_url,
        s3_endpoint=infra.s3_endpoint,
        s3_access_key=infra.s3_access_key,
        s3_secret_key=infra.s3_secret_key,
        mongo_db=f"hpol_{token}",
        policy_bucket=f"hpol-{token}",
        kafka_group_suffix=f"-{token}",
    )
    scan_watch()  # registered before the service's client exists: pymongo's listeners are per client
    running = Running(settings)
    views = running.service.views
    await ensure_topics(
        settings,
        [
            *topics.POLICY.all(),
            *map(topics.dlq, topics.POLICY.all()),
            views.topic,
            topics.REGISTRY.events,
            topics.RISK.events,
        ],
    )
    # This run's groups start where the shared topics end now (earlier runs are not its business).
    await group_at_end(
        settings.kafka_bootstrap, settings.consumer_group(settings.policy_consumer_group), [topics.POLICY.commands]
    )
    for owner, topic in (("registry", topics.REGISTRY.events), ("risk", topics.RISK.events)):
        group = settings.consumer_group(f"{settings.policy_consumer_group}-{owner}")
        await group_at_end(settings.kafka_bootstrap, group, [topic])
    await group_at_end(settings.kafka_bootstrap, views.router_group(), [topics.POLICY.events])
    await group_at_end(settings.kafka_bootstrap, views.writer_group, [views.topic])
    await running.service.start()
    yield running
    await running.http.aclose()
    await running.service.mongo.drop_database(settings.mongo_db)  # hpol_* only: this run's own
    await running.service.stop()


async def wait_for(probe: Callable[[], Awaitable[T | None]], timeout_s: float = 45.0) -> T:
    async with asyncio.timeout(timeout_s):
        while True:
            found = await probe()
            if found is not None:
                return found
            await asyncio.sleep(0.3)


async def registry_answers(policy: Running, event: Event) -> None:
    """The registry's answer on its events topic (signed as anju-registry), in the insurer's name."""
    key = str(event.project_id)  # type: ignore[attr-defined]
    envelope = Envelope.wrap(event, region="shanghai", producer="registry", actor=INSURER, key=key)
    await produce(
        policy.settings.kafka_bootstrap, topics.REGISTRY.events, [envelope.model_dump_json().encode()], key=key.encode()
    )


async def contracted_risk(policy: Running, project_id: str) -> dict[str, Any] | None:
    seen = await policy.http.get(f"/v1/policy/projects/{project_id}", headers=policy.auth(INSURER))
    body: dict[str, Any] = seen.json()
    return body if body.get("risk_contract") else None


async def upload_letter(policy: Running, project_id: str) -> u.QuotationLetter:
    digest = hashlib.sha256(LETTER).hexdigest()
    ask = u.RequestDocumentUpload(
        project_id=project_id, file_name="报价函.pdf", content_type="application/pdf", size=len(LETTER), sha256=digest
    )
    answer = await policy.post(f"/projects/{project_id}/document-uploads", ask)
    assert answer.status_code == 200, answer.text
    ticket = answer.json()
    async with httpx.AsyncClient() as s3:
        put = await s3.put(ticket["url"], content=LETTER, headers=ticket["headers"])
    assert put.status_code == 200, put.text
    ref = {"key": ticket["key"], "sha256": digest, "size": len(LETTER), "content_type": "application/pdf"}
    return u.QuotationLetter.model_validate({"document": ref, "signed_by_business_head": True, "sealed": True})


async def test_pol06_issue_over_real_servers_refused_one_yuan_short_then_issued_and_published(
    policy: Running, unique: Callable[[str], str]
) -> None:
    project_id = unique("prj")
    full = Decimal("752456.25")
    with scan_watch().watching() as scans:
        letter = await upload_letter(policy, project_id)
        cmd = register(project_id)
        cmd = cmd.model_copy(update={"quotation": cmd.quotation.model_copy(update={"letter": letter})})
        registered = await policy.post("/projects", cmd)
        assert registered.status_code == 200, registered.text
        assert Decimal(registered.json()["premium_yuan"]) == full
        selected = await policy.post(f"/projects/{project_id}/agency", select_agency(project_id))
        assert selected.status_code == 200, selected.text
        assert selected.json()["events"] == ["policy.AgencySelected", "registry.AssignTeam"]
        await registry_answers(policy, team_assigned(project_id))
        await wait_for(lambda: contracted_risk(policy, project_id))
        for path, body in (
            ("insurance-contract", contract(project_id)),
            ("payments", payment(full - 1, "pay-1", project_id)),
        ):
            answer = await policy.post(f"/projects/{project_id}/{path}", body)
            assert answer.status_code == 200, (path, answer.text)
        refused = await policy.post(f"/projects/{project_id}/policy", issue(project_id))
        assert refused.status_code == 422 and refused.json()["rule_id"] == "POL-06"
        assert (
            await policy.post(f"/projects/{project_id}/payments", payment("1.00", "pay-2", project_id))
        ).status_code == 200
        issued = await policy.post(f"/projects/{project_id}/policy", issue(project_id))
        assert issued.status_code == 200, issued.text
        assert issued.json()["events"] == ["policy.PolicyIssued", "policy.ObligationOpened"]
        seen = await policy.http.get(f"/v1/policy/projects/{project_id}", headers=policy.auth(REGULATOR))
        assert seen.status_code == 200 and seen.json()["outstanding_yuan"] == "0.00"
        history = await policy.http.get(f"/v1/policy/projects/{project_id}/history", headers=policy.auth(REGULATOR))
        assert [e["actor"]["id"] for e in history.json()] == [INSURER.id] * 7

        async def ledger() -> dict[str, Any] | None:
            answer = await policy.http.get("/v1/policy/ledgers/idi", headers=policy.auth(REGULATOR))
            months = answer.json()["totals"]
            return months if any(m.get("payment") == str(full) for m in months.values()) else None

        months = await wait_for(ledger)  # the real router and writer on Kafka folded it

        async def listed() -> list[dict[str, Any]] | None:  # the regulator's projects by stage
            answer = await policy.http.get("/v1/policy/projects?stage=design", headers=policy.auth(REGULATOR))
            items: list[dict[str, Any]] = answer.json()["items"]
            return items if any(i["project_id"] == project_id for i in items) else None

        await wait_for(listed)
        assert months["2026-03"]["outstanding"] == "0.00"
    growing = [s for s in scans if s.database == policy.settings.mongo_db and not s.collection.endswith("_outbox")]
    assert growing == []  # issue #10: every read is an _id look-up
    records = await read_topic(
        policy.settings.kafka_bootstrap,
        topics.POLICY.events,
        expect=10_000,
        timeout_s=20,
        until=lambda r: r.key == project_id.encode() and json.loads(r.value)["type"] == "policy.PolicyIssued",
    )
    mine = [json.loads(r.value) for r in records if r.key == project_id.encode()]
    assert "policy.PolicyIssued" in [m["type"] for m in mine]


async def test_xc07_a_kafka_command_for_a_project_not_yours_is_answered_on_the_rejections_topic(
    policy: Running, unique: Callable[[str], str]
) -> None:
    project_id = unique("prj")
    envelope = Envelope.wrap(
        issue(project_id), region="shanghai", producer="ins-core", actor=INSURER, key=project_id, event_id=uuid.uuid4()
    )
    await produce(
        policy.settings.kafka_bootstrap,
        topics.POLICY.commands,
        [envelope.model_dump_json().encode()],
        key=project_id.encode(),
    )
    records = await read_topic(
        policy.settings.kafka_bootstrap,
        topics.POLICY.rejections,
        expect=10_000,
        timeout_s=45,
        until=lambda r: str(envelope.event_id) in r.value.decode(errors="replace"),
    )
    answers = [json.loads(r.value) for r in records if str(envelope.event_id) in r.value.decode(errors="replace")]
    assert answers and answers[-1]["data"]["reason_code"] == "NOT_FOUND"


async def test_xc07_the_registry_events_door_tried_from_outside_applies_only_the_registry_s_own(
    policy: Running, unique: Callable[[str], str]
) -> None:
    """Policy's consumer of the registry's events (POL-08 answers), on the real Kafka: bad bytes under a
    JSON value, an empty and a null body, a huge key, and a TeamAssigned signed by an insurer instead of
    the registry — none is applied and none stalls the partition: the registry's own answer behind them is."""
    forged_project, real_project = unique("prj-forged"), unique("prj-real")
    for project_id in (forged_project, real_project):
        letter = await upload_letter(policy, project_id)
        cmd = register(project_id)
        cmd = cmd.model_copy(update={"quotation": cmd.quotation.model_copy(update={"letter": letter})})
        registered = await policy.post("/projects", cmd)
        assert registered.status_code == 200, registered.text
        assert (await policy.post(f"/projects/{project_id}/agency", select_agency(project_id))).status_code == 200
    bootstrap, door, key = policy.settings.kafka_bootstrap, topics.REGISTRY.events, b"outside"  # one partition
    forged = Envelope.wrap(team_assigned(forged_project), region="shanghai", producer="registry", actor=INSURER)
    forged_value = forged.model_dump_json().encode()
    await produce(bootstrap, door, [b'{"type": "registry.TeamAssigned", \xff\xfe', b"", b"null"], key=key)
    await produce(bootstrap, door, [b"{}"], key=b"k" * 100_000)
    await produce(bootstrap, door, [forged_value], key=key, headers=signed_headers(door, forged_value, sender=INSURER))
    real = Envelope.wrap(team_assigned(real_project), region="shanghai", producer="registry", actor=INSURER)
    await produce(bootstrap, door, [real.model_dump_json().encode()], key=key)

    assert await wait_for(lambda: contracted_risk(policy, real_project))  # nothing before it stalled the door
    assert await contracted_risk(policy, forged_project) is None  # the forged answer changed nothing
