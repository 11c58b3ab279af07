"""Reliability on the real servers: kill -9 mid-stream, poison messages (issue #3, item 9)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from claims_harness import (
    Tail,
    claims_settings,
    command,
    load_policy,
    now,
    policy_events,
    prepare_topics,
    produce_many,
    start,
    wait_for,
)

from anju_claims.adapters.repository import ClaimRepository
from anju_contracts import claims as c
from anju_contracts import topics
from anju_contracts.policy import BuildingPart
from anju_kit.kafka import encode
from anju_kit.mongo import connect

pytestmark = pytest.mark.integration


def flow(claim_id: str, unit: str, owner_id: str) -> list[c._ClaimCommand]:
    at = now()
    return [
        c.ReportClaim(
            claim_id=claim_id,
            unit_id=unit,
            owner_id=owner_id,
            part=BuildingPart.OTHER,
            item="墙面开裂",
            location="客厅",
            description="客厅墙面开裂",
            reported_at=at,
        ),
        c.ScheduleSurvey(claim_id=claim_id, scheduled_at=at + timedelta(minutes=1), surveyor_id="s-1"),
        c.RecordSurvey(claim_id=claim_id, surveyed_at=at + timedelta(minutes=2), surveyor_id="s-1", findings="开裂"),
        c.DecideClaim(claim_id=claim_id, decision=c.Decision.COVERED, decided_at=at + timedelta(minutes=3)),
        c.RecordAgreement(
            claim_id=claim_id,
            mode=c.CompensationMode.MONEY,
            amount_fen=30_000,
            agreed_on=at.date(),
            money_agreed_by_owner=True,
        ),
        c.RecordPayment(claim_id=claim_id, amount_fen=30_000, paid_on=date.today(), payment_reference=f"p-{claim_id}"),
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _spawn(settings, log: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "ANJU_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "ANJU_MONGO_URL": settings.mongo_url,
        "ANJU_MONGO_DB": settings.mongo_db,
        "ANJU_S3_ENDPOINT": settings.s3_endpoint,
        "ANJU_CLAIMS_BUCKET": settings.claims_bucket,
        "ANJU_CLAIMS_CONSUMER_GROUP": settings.claims_consumer_group,
        "ANJU_KAFKA_GROUP_SUFFIX": settings.kafka_group_suffix,  # the groups prepare_topics put at the end
        "ANJU_HTTP_PORT": str(_free_port()),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "anju_claims"], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


async def test_kill_9_mid_stream_and_restart_applies_every_command_exactly_once(infra, unique, tmp_path) -> None:
    token = unique("r").replace("-", "")
    settings = claims_settings(infra, token)
    await prepare_topics(settings)
    repo = ClaimRepository.in_mongo(connect(settings)[settings.mongo_db]["claims"])
    commit_log = connect(settings)[settings.mongo_db]["claims_log"]  # the Mongo store's log, one entry a command
    ids = [f"c-k{i}-{token}" for i in range(40)]  # the events topic is shared with other runs
    policy = policy_events("pol-r", "prj-r", {f"u-{i}": f"o-{i}" for i in range(40)})
    await produce_many(settings.kafka_bootstrap, topics.POLICY.events, [("pol-r", encode(e)) for e in policy])
    coverage = connect(settings)[settings.mongo_db]["policy_facts"]
    flows = {cid: flow(cid, f"u-{i}", f"o-{i}") for i, cid in enumerate(ids)}
    records = [(cid, encode(command(flows[cid][step]))) for step in range(6) for cid in ids]
    log = tmp_path / "claims.log"
    process = _spawn(settings, log)
    try:

        async def policy_known() -> bool:  # the read model first, or every report is refused (CLM-01)
            doc = await coverage.find_one({"_id": "pol-r"})
            return doc is not None and doc["facts"]["liability_starts_on"] is not None

        await wait_for(policy_known, timeout_s=60)
        async with Tail(settings.kafka_bootstrap, topics.CLAIMS.events) as events:
            await produce_many(settings.kafka_bootstrap, topics.CLAIMS.commands, records)

            async def some_applied() -> bool:
                return await commit_log.count_documents({}) >= 60

            await wait_for(some_applied, timeout_s=60)
            process.send_signal(signal.SIGKILL)  # kill -9: no shutdown, offsets of in-flight work not committed
            process.wait(10)
            process = _spawn(settings, log)

            async def all_paid() -> bool:
                return all([await _paid(repo, cid) for cid in ids])

            await wait_for(all_paid, timeout_s=90)
            seen = await events.envelopes(lambda e: e.key in flows, expect=14 * len(ids), timeout_s=30, distinct=True)
    finally:
        process.terminate()
        # A graceful stop (consumers leave their groups, the read models' router and writer flush) takes
        # 1-7 s on a loaded 2-core machine shared with other runs; 60 s leaves room for a slow one, and
        # a process that still has not stopped is killed, not left behind, before the test fails on it.
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
            raise
    for cid in ids:
        loaded = await repo.get(cid)
        assert loaded is not None and loaded.version == 6, (cid, loaded and loaded.version, log.read_text()[-2000:])
        kinds = sorted({(e.event_id, e.type) for e in seen if e.key == cid}, key=lambda x: x[1])
        # 6 steps, each with the claim's state, and the CLM-03 obligation opened and met; redelivered
        # events keep their event_id
        assert len(kinds) == 14, cid


async def test_poison_goes_to_the_dlq_while_the_partition_flows(infra, unique) -> None:
    # A not-covered decision needs the CJK font for the rejection notice; without it the command
    # fails every attempt: it must go to the DLQ, and the next command of the same claim must flow.
    settings = claims_settings(infra, unique("p").replace("-", ""), claims_font_path="/nonexistent/font.ttc")
    running = await start(settings)
    try:
        await load_policy(running, policy_events("pol-p", "prj-p", {"u-1": "o-1"}))
        for message in flow("c-poison", "u-1", "o-1")[:3]:
            await running.handlers.execute(command(message), message)
        poison = command(
            c.DecideClaim(
                claim_id="c-poison",
                decision=c.Decision.NOT_COVERED,
                decided_at=now(),
                reasons=(c.Reason(code="NOT_A_DEFECT", text="不属于质量缺陷"),),
            )
        )
        after = command(c.WithdrawClaim(claim_id="c-poison", reason="撤案"))
        async with Tail(infra.kafka_bootstrap, topics.dlq(topics.CLAIMS.commands)) as dead:
            await produce_many(
                infra.kafka_bootstrap,
                topics.CLAIMS.commands,
                [("c-poison", encode(poison)), ("c-poison", encode(after))],
            )

            async def withdrawn() -> bool:
                loaded = await running.handlers.repo.get("c-poison")
                return loaded is not None and loaded.claim.status is c.ClaimStatus.WITHDRAWN

            await wait_for(withdrawn, timeout_s=30)
            (letter,) = await dead.envelopes(lambda e: e.event_id == poison.event_id, expect=1)
            record = dead.records[-1]
        headers = {k: v.decode() for k, v in record.headers}
        assert headers["anju_origin_topic"] == topics.CLAIMS.commands
        assert "FileNotFoundError" in headers["anju_error_type"] + headers["anju_error"]
        loaded = await running.handlers.repo.get("c-poison")
        assert loaded is not None and loaded.claim.decision is None  # never half-applied
        assert letter.type == c.DecideClaim.TYPE
    finally:
        await running.stop()
    await asyncio.sleep(0)


async def _paid(repo: ClaimRepository, claim_id: str) -> bool:
    loaded = await repo.get(claim_id)
    return loaded is not None and loaded.claim.status is c.ClaimStatus.PAID
