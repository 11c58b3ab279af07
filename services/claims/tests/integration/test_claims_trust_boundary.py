"""The trust boundary of the claims service on the real servers (issue #8).

Each test reproduces a defect found by trying the running platform as an attacker or a careless
integrator would; each failed on the code before the kit's command pipeline and passes after it.
"""

from __future__ import annotations

import json
import uuid

import pytest
from aiokafka import AIOKafkaProducer
from claims_harness import (
    CORE,
    OTHER_INSURER,
    Running,
    Tail,
    claims_settings,
    command,
    like_a_missing_claim,
    load_policy,
    owner,
    policy_events,
    report_body,
    start,
    wait_for,
)

from anju_contracts import claims as c
from anju_contracts import topics
from anju_kit.kafka import encode
from anju_kit.testing import signed_headers

pytestmark = pytest.mark.integration

MAX_BYTES = 32 * 1024


@pytest.fixture
async def claims(infra, unique):
    token = unique("tb").replace("-", "")
    running = await start(claims_settings(infra, token, kafka_max_message_bytes=MAX_BYTES))
    await load_policy(running, policy_events("pol-t", "prj-t", {"u-1": "o-1", "u-2": "o-2"}))
    yield running
    await running.stop()


def _report(claim_id: str, unit: str = "u-1", who: str = "o-1") -> c.ReportClaim:
    return c.ReportClaim.model_validate(report_body(claim_id, unit, who))


async def test_xc07_defect1_no_record_stalls_the_partition_each_is_answered_once(claims: Running, infra) -> None:
    """Bytes that are not JSON under a JSON content-type, JSON nested 10,000 deep, a key far longer than an
    answer may carry, a record over the size limit, an unsigned and a forged command: each is answered
    (and the unreadable ones dead-lettered) once, and the valid command after them on the same partition
    is applied."""
    bootstrap = infra.kafka_bootstrap
    json_header = [("content-type", b"application/json")]
    unsigned = command(_report("c-unsigned"))
    forged = command(_report("c-forged"))
    forged_headers = signed_headers(topics.CLAIMS.commands, encode(forged), sender=OTHER_INSURER)
    good = command(_report("c-good"))
    records: list[tuple[bytes, bytes, list[tuple[str, bytes]]]] = [
        (b"c-door", b"\x00not json{", json_header),
        (b"c-door", b"[" * 10_000 + b"]" * 10_000, json_header),
        (b"k" * 5000, json.dumps({"event_id": str(uuid.uuid4())}).encode(), json_header),
        (b"c-door", b"{" + b" " * MAX_BYTES + b"}", json_header),
        (b"c-door", encode(unsigned), json_header),
        (b"c-door", encode(forged), forged_headers),
        (b"c-door", encode(good), signed_headers(topics.CLAIMS.commands, encode(good))),
    ]
    async with (
        Tail(bootstrap, topics.CLAIMS.rejections) as rejections,
        Tail(bootstrap, topics.dlq(topics.CLAIMS.commands)) as dead,
    ):
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
        await producer.start()
        try:
            for key, value, headers in records:  # all on partition 0: one stall would hold the good one back
                await producer.send_and_wait(topics.CLAIMS.commands, value, key=key, headers=headers, partition=0)
        finally:
            await producer.stop()
        stored = await wait_for(lambda: claims.handlers.repo.get("c-good"))
        answers = await rejections.envelopes(lambda e: (e.data.get("record") or {}).get("partition") == 0, expect=6)
        await dead.envelopes(lambda e: False, expect=1, timeout_s=3)  # collects the dead letters' records
    origins = [dict(r.headers) for r in dead.records]
    dead_here = [h for h in origins if h.get("anju_origin_partition") == b"0"]

    assert stored is not None
    answers.sort(key=lambda a: a.data["record"]["offset"])  # answers are keyed like their records
    codes = [a.data["reason_code"] for a in answers]
    assert codes == [
        "MALFORMED_MESSAGE",
        "MALFORMED_MESSAGE",
        "MALFORMED_MESSAGE",
        "PAYLOAD_TOO_LARGE",
        "UNAUTHENTICATED",
        "UNAUTHENTICATED",
    ]
    assert answers[2].key is None  # the 5,000-byte key is not repeated (it broke the answer before)
    assert len(dead_here) == 4  # the four unreadable records, once each (no flood)
    assert await claims.handlers.repo.get("c-unsigned") is None and await claims.handlers.repo.get("c-forged") is None


async def test_xc05_defect4_policy_facts_only_from_the_policy_service(claims: Running, infra) -> None:
    """An insurer's system re-issuing another insurer's policy in its own name is refused: events on the
    policy topic are taken from the policy service alone."""
    hijack = policy_events("pol-t", "prj-t", {"u-1": "o-1"}, insurer_id="ins-b")[0]
    value = encode(hijack)
    async with Tail(infra.kafka_bootstrap, topics.CLAIMS.rejections) as rejections:
        producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all", enable_idempotence=True)
        await producer.start()
        try:
            headers = signed_headers(
                topics.POLICY.events, value, sender=CORE.model_copy(update={"insurer_id": "ins-b"})
            )
            await producer.send_and_wait(topics.POLICY.events, value, key=b"pol-t", headers=headers)
        finally:
            await producer.stop()
        [answer] = await rejections.envelopes(lambda e: e.data["command_event_id"] == str(hijack.event_id), expect=1)
    assert answer.data["reason_code"] == "FORBIDDEN"
    coverage = await claims.handlers.coverage.get("pol-t")
    assert coverage is not None and coverage.insurer_id == "ins-a"


async def test_xc05_defect2_a_replayed_idempotency_key_does_not_skip_the_access_check(claims: Running) -> None:
    """The owner's Idempotency-Key is readable by anyone on the events topic (as causation_id); replaying it
    as another owner or another insurer must answer exactly as for a claim that does not exist."""
    key = str(uuid.uuid4())
    mine = owner("o-1", "u-1")
    body = report_body("c-idem", "u-1", "o-1")
    first = await claims.http.post("/v1/claims", json=body, headers=claims.auth(mine, **{"Idempotency-Key": key}))
    assert first.status_code == 201, first.text
    withdraw = {"claim_id": "c-idem", "reason": "重复报案"}
    for stranger in (owner("o-2", "u-2"), OTHER_INSURER):
        answer = await like_a_missing_claim(
            claims, "c-idem", "withdrawal", withdraw, stranger, **{"Idempotency-Key": key}
        )
        assert "o-1" not in answer.text and "u-1" not in answer.text


async def test_xc07_defect9_http_bodies_over_the_limit_empty_null_or_not_json_get_a_typed_answer(
    claims: Running,
) -> None:
    """Every bad body answers a typed 4xx problem without echoing it; an oversized one is refused unread
    (413), whether its size is declared or it arrives in chunks."""
    headers = claims.auth(owner("o-1", "u-1"), **{"content-type": "application/json"})
    huge = b'{"description": "' + b"x" * MAX_BYTES + b'"}'

    async def chunks():  # no Content-Length: the limit must hold while reading
        for at in range(0, len(huge), 4096):
            yield huge[at : at + 4096]

    declared = await claims.http.post("/v1/claims", content=huge, headers=headers)
    chunked = await claims.http.post("/v1/claims", content=chunks(), headers=headers)
    for answer in (declared, chunked):
        assert answer.status_code == 413 and answer.json()["reason_code"] == "PAYLOAD_TOO_LARGE"
    phone = b'{"claim_id": "13812345678", "unit_id": "u-1"'  # not JSON, with a phone number in it
    for body in (b"", b"null", b"\x00not json{", phone):
        answer = await claims.http.post("/v1/claims", content=body, headers=headers)
        assert answer.status_code == 422 and answer.json()["reason_code"] == "VALIDATION_FAILED", body
        assert "13812345678" not in answer.text
    good = await claims.http.post("/v1/claims", json=report_body("c-after", "u-1", "o-1"), headers=headers)
    assert good.status_code == 201, good.text
