"""End to end, issue #14 (XC-02): deadlines of claims and policy tracked, escalated and filed in notify,
across the real claims, policy and notify services (in one process each on its own database, as the
claims harness runs them) on the real Kafka, FerretDB and MinIO (shanghai, IDI).

* claims: a covered claim's money agreement opens the CLM-03 performance obligation (10 days) → notify
  tracks it from ``anju.claims.events.v1`` → notify's clock passes the deadline → the escalation reaches
  the insurer's inbox;
* policy: the policy issued (见费出单) opens the POL-07 upload to the regulator → notify tracks it from
  ``anju.policy.events.v1`` → the insurer files the contract (监管平台 upload) → fulfilled, out on
  ``anju.supervision.events.v1``, and the regulator's report counts it filed on time.

Claims and policy keep their own (system) clocks; notify runs on a frozen clock the test moves.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

_ROOT = Path(__file__).resolve().parents[2]
for helpers in ("services/claims/tests", "services/policy/tests"):
    if str(_ROOT / helpers) not in sys.path:
        sys.path.insert(0, str(_ROOT / helpers))

from claims_harness import claims_settings, command, load_policy, policy_events, start  # noqa: E402
from policy_factories import contract, issue, payment, register, select_agency, team_assigned  # noqa: E402

from anju_contracts import Actor, Envelope, Role, topics  # noqa: E402
from anju_contracts import claims as c  # noqa: E402
from anju_contracts import underwriting as u  # noqa: E402
from anju_contracts.base import Command  # noqa: E402
from anju_contracts.common import EvidenceRef  # noqa: E402
from anju_contracts.notify import FileDocument  # noqa: E402
from anju_contracts.policy import BuildingPart  # noqa: E402
from anju_kit.auth import issue_token  # noqa: E402
from anju_kit.clock import SHANGHAI, FrozenClock  # noqa: E402
from anju_kit.kafka import ensure_topics  # noqa: E402
from anju_kit.mongo import connect  # noqa: E402
from anju_kit.testing import group_at_end, produce, read_topic  # noqa: E402
from anju_notify.bootstrap import build as build_notify  # noqa: E402
from anju_notify.bootstrap import compose as compose_notify  # noqa: E402
from anju_notify.config import NotifySettings  # noqa: E402
from anju_policy.bootstrap import build as build_policy  # noqa: E402
from anju_policy.bootstrap import compose as compose_policy  # noqa: E402
from anju_policy.config import PolicySettings  # noqa: E402

pytestmark = pytest.mark.e2e
T = TypeVar("T")
REGION = "shanghai"
INSURER = Actor(id="desk-1", role=Role.INSURER, region=REGION, insurer_id="ins-a")  # claims' and policy's
REGULATOR = Actor(id="reg-1", role=Role.REGULATOR, region=REGION)
LETTER = "%PDF-1.7 报价函 签字盖章".encode()


class Http:
    def __init__(self, app: Any, secret: str, base: str) -> None:
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{base}")
        self.secret, self.base = secret, base

    def auth(self, actor: Actor) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(actor, self.secret)}", "Content-Type": "application/json"}

    async def post(self, path: str, body: Command, actor: Actor = INSURER) -> httpx.Response:
        return await self.client.post(
            f"/v1/{self.base}{path}", content=body.model_dump_json(), headers=self.auth(actor)
        )

    async def get(self, path: str, actor: Actor) -> httpx.Response:
        return await self.client.get(f"/v1/{self.base}{path}", headers=self.auth(actor))


async def wait_for(probe: Callable[[], Awaitable[T | None]], timeout_s: float = 90.0) -> T:
    async with asyncio.timeout(timeout_s):
        while True:
            found = await probe()
            if found is not None:
                return found
            await asyncio.sleep(0.5)


async def _at_end(settings: Any, group: str, names: list[str]) -> None:
    await ensure_topics(settings, names)
    await group_at_end(settings.kafka_bootstrap, group, names)


@pytest.fixture
async def stack(infra: Any, unique: Callable[[str], str]) -> AsyncIterator[dict[str, Any]]:
    token = unique("e2entf").replace("-", "")
    common = {
        "kafka_bootstrap": infra.kafka_bootstrap,
        "mongo_url": infra.mongo_url,
        "s3_endpoint": infra.s3_endpoint,
        "s3_access_key": infra.s3_access_key,
        "s3_secret_key": infra.s3_secret_key,
        "kafka_group_suffix": f"-{token}",
    }
    clock = FrozenClock(datetime.now(SHANGHAI))
    notify_settings = NotifySettings.load(**common, mongo_db=f"e2entf_n_{token}", notify_sweep_interval_s=3600.0)
    notify_service, notify_handlers = build_notify(notify_settings, clock=clock)
    for owner in ("claims", "policy", "risk", "outbox"):
        group = notify_settings.consumer_group(f"{notify_settings.notify_consumer_group}-{owner}")
        await _at_end(notify_settings, group, [topics.BY_SERVICE[owner if owner != "outbox" else "notify"].events])
    views = notify_service.views
    await _at_end(
        notify_settings, notify_settings.consumer_group(notify_settings.notify_consumer_group), [topics.NOTIFY.commands]
    )
    await _at_end(notify_settings, views.router_group(), [topics.NOTIFY.events])
    await _at_end(notify_settings, views.writer_group, [views.topic])
    await ensure_topics(notify_settings, [topics.SUPERVISION_FILINGS])

    policy_settings = PolicySettings.load(**common, mongo_db=f"e2entf_p_{token}", policy_bucket=f"e2entf-p-{token}")
    policy_service, policy_handlers = build_policy(policy_settings)
    await _at_end(
        policy_settings, policy_settings.consumer_group(policy_settings.policy_consumer_group), [topics.POLICY.commands]
    )
    for owner, topic in (("registry", topics.REGISTRY.events), ("risk", topics.RISK.events)):
        await _at_end(
            policy_settings, policy_settings.consumer_group(f"{policy_settings.policy_consumer_group}-{owner}"), [topic]
        )
    await _at_end(policy_settings, policy_service.views.router_group(), [topics.POLICY.events])
    await _at_end(policy_settings, policy_service.views.writer_group, [policy_service.views.topic])

    claims = await start(claims_settings(infra, token))
    await notify_service.start()
    await policy_service.start()
    secret = notify_settings.token_secret.get_secret_value()
    yield {
        "clock": clock,
        "notify": notify_handlers,
        "notify_http": Http(compose_notify(notify_service, notify_handlers), secret, "notify"),
        "policy_http": Http(compose_policy(policy_service, policy_handlers), secret, "policy"),
        "claims": claims,
        "settings": notify_settings,
    }
    await claims.stop()
    for service, settings in ((notify_service, notify_settings), (policy_service, policy_settings)):
        await service.stop()  # first: a writer still running would recreate what the drop removed
        client = connect(settings)
        await client.drop_database(settings.mongo_db)  # this run's own
        await client.close()


async def tracked(stack: dict[str, Any], obligation_id: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        answer = await stack["notify_http"].get(f"/obligations/{obligation_id}", REGULATOR)
        return answer.json() if answer.status_code == 200 else None

    return await wait_for(probe)


async def test_xc02_clm03_claim_agreement_payment_obligation_overdue_escalated_to_the_insurer(
    stack: dict[str, Any], unique: Callable[[str], str]
) -> None:
    claims = stack["claims"]
    claim_id, unit, owner_id = unique("clm"), unique("u"), unique("o")
    await load_policy(claims, policy_events(unique("pol"), unique("prj"), {unit: owner_id}))
    now = datetime.now(SHANGHAI)
    steps: list[c._ClaimCommand] = [
        c.ReportClaim(
            claim_id=claim_id,
            unit_id=unit,
            owner_id=owner_id,
            part=BuildingPart.WATERPROOFING,
            item="卫生间渗漏",
            location="主卧卫生间",
            description="渗水",
            reported_at=now,
            channel=c.ReportChannel.HOTLINE_24H,
        ),
        c.ScheduleSurvey(claim_id=claim_id, scheduled_at=now + timedelta(minutes=1), surveyor_id="s-1"),
        c.RecordSurvey(claim_id=claim_id, surveyed_at=now + timedelta(minutes=2), surveyor_id="s-1", findings="渗漏"),
        c.DecideClaim(claim_id=claim_id, decision=c.Decision.COVERED, decided_at=now + timedelta(minutes=3)),
        c.RecordAgreement(
            claim_id=claim_id,
            mode=c.CompensationMode.MONEY,
            amount_fen=80_000,
            agreed_on=now.date(),
            money_agreed_by_owner=True,
        ),
    ]
    for step in steps:
        await claims.handlers.execute(command(step), step)
    oid = f"claim.{claim_id}.perform_compensation.1"
    record = await tracked(stack, oid)  # from claims' own events topic, through Kafka
    assert record["rule_id"] == "CLM-03" and record["ledger_state"] == "open" and record["source"] == "claims"

    stack["clock"].set(datetime.fromisoformat(record["due_at"]) + timedelta(minutes=1))

    async def escalated() -> int | None:
        return await stack["notify"].sweep(grace=timedelta(seconds=60)) or None

    await wait_for(escalated)  # the due view folded the steps; the sweeper fired what is due

    async def in_inbox() -> list[dict[str, Any]] | None:
        month = stack["clock"].now().astimezone(SHANGHAI).strftime("%Y-%m")
        items = (await stack["notify_http"].get(f"/inbox?month={month}", INSURER)).json()["items"]
        mine = [i for i in items if i["obligation_id"] == oid and i["kind"] == "supervisor"]
        return mine or None

    [message] = await wait_for(in_inbox)
    assert "逾期" in message["subject_zh"] and "CLM-03" in message["body_zh"]
    assert (await stack["notify_http"].get(f"/obligations/{oid}", REGULATOR)).json()["ledger_state"] == "overdue"


async def test_xc02_pol07_policy_issued_filing_obligation_filed_and_seen_by_the_regulator(
    stack: dict[str, Any], unique: Callable[[str], str]
) -> None:
    policy, notify = stack["policy_http"], stack["notify_http"]
    project_id, policy_id = unique("prj"), unique("pol")
    digest = hashlib.sha256(LETTER).hexdigest()
    ask = u.RequestDocumentUpload(
        project_id=project_id, file_name="报价函.pdf", content_type="application/pdf", size=len(LETTER), sha256=digest
    )
    ticket = (await policy.post(f"/projects/{project_id}/document-uploads", ask)).json()
    async with httpx.AsyncClient() as s3:
        assert (await s3.put(ticket["url"], content=LETTER, headers=ticket["headers"])).status_code == 200
    ref = {"key": ticket["key"], "sha256": digest, "size": len(LETTER), "content_type": "application/pdf"}
    letter = u.QuotationLetter.model_validate({"document": ref, "signed_by_business_head": True, "sealed": True})
    cmd = register(project_id)
    cmd = cmd.model_copy(update={"quotation": cmd.quotation.model_copy(update={"letter": letter})})
    registered = await policy.post("/projects", cmd)
    assert registered.status_code == 200, registered.text
    premium = registered.json()["premium_yuan"]
    assert (await policy.post(f"/projects/{project_id}/agency", select_agency(project_id))).status_code == 200
    answer = Envelope.wrap(team_assigned(project_id), region=REGION, producer="registry", actor=INSURER, key=project_id)
    bootstrap = stack["settings"].kafka_bootstrap
    await produce(bootstrap, topics.REGISTRY.events, [answer.model_dump_json().encode()], key=project_id.encode())

    async def contracted() -> bool | None:
        seen = (await policy.get(f"/projects/{project_id}", INSURER)).json()
        return True if seen.get("risk_contract") else None

    await wait_for(contracted)
    for path, body in (
        ("insurance-contract", contract(project_id)),
        ("payments", payment(premium, "pay-1", project_id)),
        ("policy", issue(project_id, policy_id=policy_id)),
    ):
        done = await policy.post(f"/projects/{project_id}/{path}", body)
        assert done.status_code == 200, (path, done.text)

    oid = f"policy.{policy_id}.upload_contract_to_regulator.1"
    record = await tracked(stack, oid)  # from policy's own events topic, through Kafka
    assert record["rule_id"] == "POL-07" and record["debtor"] == {"role": "insurer", "id": "ins-a"}
    stack["clock"].set(datetime.fromisoformat(record["due_at"]) - timedelta(hours=20))  # in time
    document = EvidenceRef(
        key=f"{REGION}/filings/{policy_id}.pdf", sha256="b" * 64, size=2048, content_type="application/pdf"
    )
    filed = await notify.post("/filings", FileDocument(filing_id=unique("flg"), obligation_id=oid, document=document))
    assert filed.status_code == 200 and filed.json()["state"] == "fulfilled", filed.text

    async def reported() -> dict[str, Any] | None:
        report = (await notify.get("/debtors/insurer/ins-a/report", REGULATOR)).json()["by_rule"]
        return report if report.get("POL-07", {}).get("fulfilled_on_time") else None

    assert (await wait_for(reported))["POL-07"]["fulfilled_on_time"] >= 1
    region = (await notify.get("/filings/report", REGULATOR)).json()
    assert (
        "POL-07" in region["filing_rules"] and region["by_debtor"]["insurer:ins-a"]["POL-07"]["fulfilled_on_time"] >= 1
    )
    assert (await notify.get("/filings/report", INSURER)).status_code == 403  # the regulator's view (XC-05)
    records = await read_topic(
        bootstrap, topics.SUPERVISION_FILINGS, expect=10_000, timeout_s=30, until=lambda r: r.key == oid.encode()
    )
    assert any(r.key == oid.encode() for r in records)
