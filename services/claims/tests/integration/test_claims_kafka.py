"""Claims over Kafka on the real servers: rejections, replays, the legal clock, scale-out."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from claims_harness import (
    Tail,
    claims_settings,
    command,
    load_policy,
    now,
    policy_events,
    start,
    wait_for,
)

from anju_claims.adapters.repository import ClaimRepository
from anju_contracts import claims as c
from anju_contracts import topics
from anju_contracts.policy import BuildingPart
from anju_kit.clock import FrozenClock
from anju_kit.kafka import encode
from anju_kit.testing import produce

pytestmark = pytest.mark.integration


def report(claim_id: str, unit: str = "u-1", owner_id: str = "o-1") -> c.ReportClaim:
    return c.ReportClaim(
        claim_id=claim_id,
        unit_id=unit,
        owner_id=owner_id,
        part=BuildingPart.WATERPROOFING,
        item="卫生间渗漏",
        location="主卧卫生间",
        description="渗水",
        reported_at=now(),
        channel=c.ReportChannel.HOTLINE_24H,
    )


def steps_to_covered(claim_id: str) -> list[c._ClaimCommand]:
    at = now()
    return [
        c.ScheduleSurvey(claim_id=claim_id, scheduled_at=at + timedelta(minutes=1), surveyor_id="s-1"),
        c.RecordSurvey(claim_id=claim_id, surveyed_at=at + timedelta(minutes=2), surveyor_id="s-1", findings="渗漏"),
        c.DecideClaim(claim_id=claim_id, decision=c.Decision.COVERED, decided_at=at + timedelta(minutes=3)),
    ]


def money_agreement(claim_id: str) -> c.RecordAgreement:
    return c.RecordAgreement(
        claim_id=claim_id,
        mode=c.CompensationMode.MONEY,
        amount_fen=80_000,
        agreed_on=now().date(),
        money_agreed_by_owner=True,
    )


async def _send(bootstrap: str, *messages: c._ClaimCommand) -> list[uuid.UUID]:
    envelopes = [command(m) for m in messages]
    for envelope in envelopes:
        await produce(bootstrap, topics.CLAIMS.commands, [encode(envelope)], key=(envelope.key or "").encode())
    return [e.event_id for e in envelopes]


@pytest.fixture
async def claims(infra, unique):
    running = await start(claims_settings(infra, unique("k").replace("-", "")))
    await load_policy(running, policy_events("pol-k", "prj-k", {"u-1": "o-1", "u-2": "o-2"}))
    yield running
    await running.stop()


async def test_xc07_bad_commands_are_answered_on_the_rejections_topic(claims, infra) -> None:
    bootstrap = infra.kafka_bootstrap
    async with Tail(bootstrap, topics.CLAIMS.rejections) as rejections:
        await produce(
            bootstrap, topics.CLAIMS.commands, [b'{"key": "c-malformed", "type": "claims.ReportClaim"}'], key=b"c-m"
        )
        invalid = command(report("c-invalid")).model_copy(update={"data": {"claim_id": "c-invalid", "unit_id": "u-1"}})
        unknown = invalid.model_copy(update={"type": "claims.Nope", "event_id": uuid.uuid4()})
        for envelope in (invalid, unknown):
            await produce(bootstrap, topics.CLAIMS.commands, [encode(envelope)], key=b"c-invalid")
        for message in (report("c-rule"), *steps_to_covered("c-rule")):
            await claims.handlers.execute(command(message), message)
        (rule_event_id,) = await _send(
            bootstrap, money_agreement("c-rule").model_copy(update={"money_agreed_by_owner": False})
        )
        wanted = {str(invalid.event_id), str(unknown.event_id), str(rule_event_id)}
        found = await rejections.envelopes(
            lambda e: e.data.get("command_event_id") in wanted or e.key == "c-m", expect=4
        )
    by_code = {e.data["reason_code"]: e.data for e in found}
    assert set(by_code) == {"MALFORMED_MESSAGE", "VALIDATION_FAILED", "UNKNOWN_TYPE", "RULE_VIOLATION"}
    assert {"owner_id", "part"} <= {p["field"] for p in by_code["VALIDATION_FAILED"]["problems"]}
    assert by_code["RULE_VIOLATION"]["rule_id"] == "CLM-05"
    assert by_code["RULE_VIOLATION"]["problems"][0]["field"] == "money_agreed_by_owner"
    loaded = await claims.handlers.repo.get("c-rule")
    assert loaded is not None and loaded.claim.agreement is None  # never half-applied


async def test_clm03_same_agreement_replayed_100_times_is_one_payment_obligation(claims, infra) -> None:
    for message in (report("c-100"), *steps_to_covered("c-100")):
        await claims.handlers.execute(command(message), message)
    agreement = money_agreement("c-100")
    first = command(agreement)
    async with (
        Tail(infra.kafka_bootstrap, topics.CLAIMS.events) as events,
        Tail(infra.kafka_bootstrap, topics.CLAIMS.rejections) as rejections,
    ):
        same_id = [encode(first)] * 50
        new_ids = [encode(command(agreement)) for _ in range(50)]
        await produce(infra.kafka_bootstrap, topics.CLAIMS.commands, same_id + new_ids, key=b"c-100")
        marker = command(c.ScheduleSurvey(claim_id="c-100", scheduled_at=now(), surveyor_id="s"))  # refused: too late
        await produce(infra.kafka_bootstrap, topics.CLAIMS.commands, [encode(marker)], key=b"c-100")
        await rejections.envelopes(lambda e: e.data.get("command_event_id") == str(marker.event_id), expect=1)
        agreed = await events.envelopes(
            lambda e: e.key == "c-100" and e.type == c.AgreementRecorded.TYPE, expect=2, timeout_s=3
        )
    assert len({e.event_id for e in agreed}) == 1
    loaded = await claims.handlers.repo.get("c-100")
    assert loaded is not None
    assert [d.rule_id for d in loaded.claim.deadlines] == ["CLM-03"]
    assert loaded.version == 5  # report, schedule, survey, decision, one agreement


async def test_xc02_overdue_fires_exactly_once_with_two_instances(infra, unique) -> None:
    token = unique("o").replace("-", "")
    later = FrozenClock(now() + timedelta(days=40))  # past the CLM-03 deadline of an agreement made today
    # The sweepers read the due index 45 days back: the obligation fell due at real time + 10 days.
    first = await start(claims_settings(infra, token, instance_id="a", claims_due_lookback_h=45 * 24), clock=later)
    second = await start(
        claims_settings(infra, token, instance_id="b", claims_due_lookback_h=45 * 24), clock=later, prepare=False
    )
    try:
        await load_policy(first, policy_events("pol-o", "prj-o", {"u-1": "o-1"}))
        async with Tail(infra.kafka_bootstrap, topics.CLAIMS.events) as events:
            for message in (report("c-due"), *steps_to_covered("c-due"), money_agreement("c-due")):
                await first.handlers.execute(command(message), message)

            async def overdue_recorded() -> bool:
                loaded = await first.handlers.repo.get("c-due")
                return loaded is not None and loaded.claim.deadlines[0].overdue_reported

            await wait_for(overdue_recorded)
            fired = await events.envelopes(
                lambda e: e.key == "c-due" and e.type == c.DeadlineOverdue.TYPE, expect=2, timeout_s=4
            )
        assert len({e.event_id for e in fired}) == 1
        assert fired[0].data["deadline"]["rule_id"] == "CLM-03"
        history = await first.handlers.repo.history("c-due")
        assert [h["action"] for h in history].count("claims.DeadlineOverdue") == 1

        async def looked_at() -> bool:  # each sweeper has looked at the claim; nothing is left to look at
            for instance in (first, second):
                assert instance.handlers.due is not None
                if any(e.aggregate_id == "c-due" for e in await instance.handlers.due.due(later.now())):
                    return False
            return True

        await wait_for(looked_at)
    finally:
        await second.stop()
        await first.stop()


async def test_scale_out_two_instances_share_the_stream_each_claim_once_in_order(infra, unique) -> None:
    token = unique("s").replace("-", "")
    one = await start(claims_settings(infra, token, instance_id="1"))
    two = await start(claims_settings(infra, token, instance_id="2"), prepare=False)
    try:
        await load_policy(one, policy_events("pol-s", "prj-s", {f"u-{i}": f"o-{i}" for i in range(30)}))
        ids = [f"c-s{i}-{token}" for i in range(30)]  # the events topic is shared with other runs
        flows = {
            cid: [
                report(cid, f"u-{i}", f"o-{i}"),
                *steps_to_covered(cid),
                money_agreement(cid),
                c.RecordPayment(claim_id=cid, amount_fen=80_000, paid_on=date.today(), payment_reference=f"p-{cid}"),
            ]
            for i, cid in enumerate(ids)
        }
        async with Tail(infra.kafka_bootstrap, topics.CLAIMS.events) as events:
            for step in range(6):  # interleaved: step k of every claim, then step k+1
                for cid in ids:
                    envelope = command(flows[cid][step])
                    await produce(infra.kafka_bootstrap, topics.CLAIMS.commands, [encode(envelope)], key=cid.encode())

            async def all_paid() -> bool:
                return all([await _paid(one.handlers.repo, cid) for cid in ids])

            await wait_for(all_paid, timeout_s=60)
            seen = await events.envelopes(lambda e: e.key in flows, expect=14 * len(ids), distinct=True)
        state = c.ClaimStateChanged.TYPE  # the claim as it stands, closing each change's write
        order = [
            c.ClaimReported.TYPE,
            state,
            c.SurveyScheduled.TYPE,
            state,
            c.SurveyRecorded.TYPE,
            state,
            c.ClaimDecided.TYPE,
            state,
            c.ObligationOpened.TYPE,  # CLM-03, in the agreement's write (XC-02)
            c.AgreementRecorded.TYPE,
            state,
            c.ObligationFulfilled.TYPE,  # met by the full payment
            c.PaymentRecorded.TYPE,
            state,
        ]
        for cid in ids:
            unique_events = list(dict.fromkeys((e.event_id, e.type) for e in seen if e.key == cid))
            assert [t for _, t in unique_events] == order, cid
            loaded = await one.handlers.repo.get(cid)
            assert loaded is not None and loaded.version == 6
    finally:
        await two.stop()
        await one.stop()


def test_xc07_rejection_payload_is_json() -> None:
    # The rejection contract an insurer's system parses: reason code, rule, field.
    data = json.loads(
        (__import__("pathlib").Path(__file__).parents[4] / "contracts/examples/claims.ClaimRefused.v1.json").read_text()
    )
    assert data["data"]["rule_id"] == "CLM-10" and data["data"]["routed_to"] == "contractor"


async def test_xc05_rejection_for_another_insurers_unit_reads_like_one_for_an_uninsured_unit(claims, infra) -> None:
    await load_policy(claims, policy_events("pol-kb", "prj-kb", {"u-9": "o-9"}, insurer_id="ins-b"))
    async with Tail(infra.kafka_bootstrap, topics.CLAIMS.rejections) as rejections:
        ids = await _send(infra.kafka_bootstrap, report("c-k9", "u-9", "o-9"), report("c-k404", "u-404", "o-404"))
        wanted = {str(i) for i in ids}
        # Other claims instances on the shared local Kafka may answer these commands too (their own
        # consumer groups); only the answer this test expects is taken.
        found = await rejections.envelopes(
            lambda e: e.data.get("command_event_id") in wanted and e.data.get("reason_code") == "NOT_FOUND", expect=2
        )
    theirs, nobodys = sorted(found, key=lambda e: e.data["command_event_id"] != str(ids[0]))
    same = ("reason_code", "rule_id", "detail", "problems")
    assert [theirs.data[k] for k in same] == [nobodys.data[k] for k in same]
    assert theirs.data["reason_code"] == "NOT_FOUND"
    for claim_id in ("c-k9", "c-k404"):
        assert await claims.handlers.repo.get(claim_id) is None


async def _paid(repo: ClaimRepository, claim_id: str) -> bool:
    loaded = await repo.get(claim_id)
    return loaded is not None and loaded.claim.status is c.ClaimStatus.PAID
