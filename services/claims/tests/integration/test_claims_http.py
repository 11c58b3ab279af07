"""The claims HTTP API on the real servers: documents, evidence, access, history, concurrency."""

from __future__ import annotations

import asyncio
import hashlib
import io
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pypdf
import pytest
from claims_harness import (
    INSURER,
    OTHER_INSURER,
    REGULATOR,
    Running,
    claims_settings,
    like_a_missing_claim,
    load_policy,
    now,
    owner,
    policy_events,
    report_body,
    start,
    survey,
    wait_for,
    wrap,
)

from anju_contracts import Actor
from anju_contracts.policy import PolicyEnded
from anju_kit.clock import SHANGHAI, FrozenClock
from anju_kit.testing import scan_watch

pytestmark = pytest.mark.integration


@pytest.fixture
async def claims(infra, unique):
    token = unique("h").replace("-", "")
    running = await start(claims_settings(infra, token))
    await load_policy(running, policy_events("pol-h", "prj-h", {"u-1": "o-1", "u-2": "o-2"}))
    await load_policy(running, policy_events("pol-b", "prj-b", {"u-9": "o-9"}, insurer_id="ins-b"))
    yield running
    await running.stop()


async def _report(claims: Running, claim_id: str, unit: str = "u-1", who: str = "o-1") -> dict[str, Any]:
    answer = await claims.http.post(
        "/v1/claims", json=report_body(claim_id, unit, who), headers=claims.auth(owner(who, unit))
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _pdf_text(data: bytes) -> str:
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    return "".join(text.replace("\x00", "").split())  # pypdf spaces CJK glyphs apart


async def test_clm04_rejection_notice_in_chinese_is_stored_and_referenced(claims: Running) -> None:
    await _report(claims, "c-rej")
    await survey(claims, "c-rej")
    answer = await claims.http.post(
        "/v1/claims/c-rej/decision",
        json={
            "claim_id": "c-rej",
            "decision": "not_covered",
            "decided_at": now().isoformat(),
            "reasons": [{"code": "NOT_A_DEFECT", "text": "经查勘，渗水系空调冷凝水管脱落所致，不属于质量缺陷。"}],
        },
        headers=claims.auth(INSURER),
    )
    assert answer.status_code == 200, answer.text
    view = answer.json()
    assert view["status"] == "not_covered"
    notice = next(d for d in view["deadlines"] if d["rule_id"] == "CLM-04")
    assert notice["state"] == "met"  # issued at once, well within the 3 days
    ref = view["rejection_notice"]
    data = await claims.handlers.evidence.read(ref["key"])
    assert hashlib.sha256(data).hexdigest() == ref["sha256"]
    text = _pdf_text(data)
    assert "不予赔偿通知书" in text and "空调冷凝水管脱落" in text and "第三方鉴定机构" in text
    link = await claims.http.get(
        "/v1/claims/c-rej/documents/rejection-notice", headers=claims.auth(owner("o-1", "u-1"))
    )
    assert link.status_code == 200 and "X-Amz-Signature" in link.json()["url"]


async def test_clm06_repair_warranty_statement_in_chinese(claims: Running) -> None:
    await _report(claims, "c-rep")
    await survey(claims, "c-rep")
    today = now().date().isoformat()
    steps = [
        ("decision", {"decision": "covered", "decided_at": now().isoformat()}),
        ("agreement", {"mode": "repair", "amount_fen": 500000, "agreed_on": today}),
        (
            "repair-assignment",
            {"repairer_id": "rep-1", "repairer_name": "某防水公司", "qualification": "防水二级", "assigned_on": today},
        ),
        ("repair-completion", {"completed_on": today, "summary": "重做卫生间防水层，闭水试验合格。"}),
    ]
    for segment, body in steps:
        answer = await claims.http.post(
            f"/v1/claims/c-rep/{segment}", json={"claim_id": "c-rep", **body}, headers=claims.auth(INSURER)
        )
        assert answer.status_code == 200, (segment, answer.text)
    view = answer.json()
    assert view["status"] == "repaired"
    text = _pdf_text(await claims.handlers.evidence.read(view["warranty_statement"]["key"]))
    assert "维修完成及保修说明" in text and "180天的保修期" in text and "不受保单到期终止的影响" in text
    again = await _report(claims, "c-rep-again")  # same unit, part, item and location: CLM-06 link
    assert again["status"] == "reported" and again["linked_claim_id"] == "c-rep"


async def test_xc08_evidence_goes_straight_to_object_storage_and_is_checked(claims: Running) -> None:
    await _report(claims, "c-ev")
    photo = b"\xff\xd8\xff" + b"photo-bytes" * 500
    sha = hashlib.sha256(photo).hexdigest()
    owner_headers = claims.auth(owner("o-1", "u-1"))
    request = {
        "claim_id": "c-ev",
        "file_name": "leak.jpg",
        "content_type": "image/jpeg",
        "size": len(photo),
        "sha256": sha,
    }
    refused = await claims.http.post(
        "/v1/claims/c-ev/evidence-uploads", json=request | {"content_type": "text/html"}, headers=owner_headers
    )
    assert refused.status_code == 422 and refused.json()["reason_code"] == "CONTENT_TYPE_NOT_ALLOWED"
    ticket = (await claims.http.post("/v1/claims/c-ev/evidence-uploads", json=request, headers=owner_headers)).json()
    assert ticket["key"].startswith("shanghai/prj-h/u-1/c-ev/")
    async with httpx.AsyncClient() as s3:
        wrong = await s3.put(ticket["url"], content=photo, headers=ticket["headers"] | {"Content-Type": "image/png"})
        assert wrong.status_code == 403  # the content type is part of the signature
        put = await s3.put(ticket["url"], content=photo, headers=ticket["headers"])
        assert put.status_code == 200, put.text
    ref = {"key": ticket["key"], "sha256": sha, "size": len(photo), "content_type": "image/jpeg"}
    bad = await claims.http.post(
        "/v1/claims/c-ev/evidence",
        json={"claim_id": "c-ev", "evidence": ref | {"sha256": "0" * 64}},
        headers=owner_headers,
    )
    assert bad.status_code == 422 and bad.json()["reason_code"] == "CHECKSUM_MISMATCH"
    assert bad.json()["problems"][0]["field"] == "evidence.sha256"
    missing = ref | {"key": "shanghai/prj-h/u-1/c-ev/nothing.jpg"}
    gone = await claims.http.post(
        "/v1/claims/c-ev/evidence", json={"claim_id": "c-ev", "evidence": missing}, headers=owner_headers
    )
    assert gone.json()["reason_code"] == "EVIDENCE_MISSING"
    ok = await claims.http.post(
        "/v1/claims/c-ev/evidence", json={"claim_id": "c-ev", "evidence": ref, "stage": "report"}, headers=owner_headers
    )
    assert ok.status_code == 200 and ok.json()["evidence"][0]["ref"]["key"] == ticket["key"]


async def test_xc05_each_actor_sees_only_its_claims_without_leaks(claims: Running) -> None:
    await _report(claims, "c-a1")
    await _report(claims, "c-a2", "u-2", "o-2")
    await _report(claims, "c-b9", "u-9", "o-9")
    mine = await claims.http.get("/v1/claims/c-a1", headers=claims.auth(owner("o-1", "u-1")))
    assert mine.status_code == 200
    theirs = await claims.http.get("/v1/claims/c-a2", headers=claims.auth(owner("o-1", "u-1")))
    nothing = await claims.http.get("/v1/claims/does-not-exist", headers=claims.auth(owner("o-1", "u-1")))
    assert (
        theirs.status_code == nothing.status_code == 404
        and theirs.json()["reason_code"] == nothing.json()["reason_code"]
    )
    assert "u-2" not in theirs.text
    other = await claims.http.get("/v1/claims/c-a1", headers=claims.auth(OTHER_INSURER))
    assert other.status_code == 404
    write = await claims.http.post(
        "/v1/claims/c-a1/withdrawal", json={"claim_id": "c-a1", "reason": "x"}, headers=claims.auth(OTHER_INSURER)
    )
    assert write.status_code == 404
    # Listings come from read models: they catch up with the claims within the read model's lag.
    insurer_list = await listed(claims, INSURER, {"c-a1", "c-a2"})
    assert {i["claim_id"] for i in insurer_list["items"]} == {"c-a1", "c-a2"}
    assert insurer_list["months"] and insurer_list["as_of"] is not None
    regulator_list = await listed(claims, REGULATOR, {"c-a1", "c-a2", "c-b9"})
    assert {"c-a1", "c-a2", "c-b9"} <= {i["claim_id"] for i in regulator_list["items"]}
    unauthenticated = await claims.http.get("/v1/claims/c-a1")
    assert unauthenticated.status_code == 401


async def test_xc03_one_household_one_file(claims: Running) -> None:
    await _report(claims, "c-f1")
    await _report(claims, "c-f2")
    await _report(claims, "c-f3", "u-2", "o-2")
    answer = await listed(claims, INSURER, {"c-f1", "c-f2"}, unit_id="u-1")
    assert [i["claim_id"] for i in answer["items"]] == ["c-f1", "c-f2"]
    as_owner = await claims.http.get("/v1/claims", params={"unit_id": "u-2"}, headers=claims.auth(owner("o-1", "u-1")))
    assert as_owner.json()["items"] == []


async def test_xc04_history_names_the_actor_of_every_change(claims: Running) -> None:
    await _report(claims, "c-hist")
    await survey(claims, "c-hist")
    history = (await claims.http.get("/v1/claims/c-hist/history", headers=claims.auth(REGULATOR))).json()
    assert [h["action"] for h in history] == ["claims.ReportClaim", "claims.ScheduleSurvey", "claims.RecordSurvey"]
    assert [h["actor"]["id"] for h in history] == ["o-1", "desk-1", "desk-1"]


async def test_xc04_two_concurrent_updates_one_conflict_no_lost_update(claims: Running) -> None:
    body = await _report(claims, "c-cas")
    at = now().isoformat()
    headers = claims.auth(INSURER, **{"If-Match": str(body["version"])})
    first, second = await asyncio.gather(
        claims.http.post(
            "/v1/claims/c-cas/survey-schedule",
            json={"claim_id": "c-cas", "scheduled_at": at, "surveyor_id": "s-1"},
            headers=headers,
        ),
        claims.http.post("/v1/claims/c-cas/withdrawal", json={"claim_id": "c-cas", "reason": "撤案"}, headers=headers),
    )
    codes = sorted([first.status_code, second.status_code])
    assert codes == [200, 409], (first.text, second.text)
    winner = first if first.status_code == 200 else second
    view = (await claims.http.get("/v1/claims/c-cas", headers=claims.auth(INSURER))).json()
    assert view["version"] == body["version"] + 1 and view["status"] == winner.json()["status"]


async def test_xc07_http_refusals_carry_reason_code_and_field(claims: Running) -> None:
    invalid = await claims.http.post("/v1/claims", json={"claim_id": "c-x"}, headers=claims.auth(owner("o-1", "u-1")))
    assert invalid.status_code == 422 and invalid.json()["reason_code"] == "VALIDATION_FAILED"
    assert {"unit_id", "part"} <= {p["field"] for p in invalid.json()["problems"]}
    await _report(claims, "c-rule")
    await survey(claims, "c-rule")
    refused = await claims.http.post(
        "/v1/claims/c-rule/decision",
        json={"claim_id": "c-rule", "decision": "not_covered", "decided_at": now().isoformat()},
        headers=claims.auth(INSURER),
    )
    body = refused.json()
    assert (refused.status_code, body["reason_code"], body["rule_id"]) == (422, "RULE_VIOLATION", "CLM-04")
    assert body["problems"][0]["field"] == "reasons"
    replay_key = str(uuid.uuid4())
    for _ in range(2):
        again = await claims.http.post(
            "/v1/claims",
            json=report_body("c-idem", "u-1", "o-1"),
            headers=claims.auth(owner("o-1", "u-1"), **{"Idempotency-Key": replay_key}),
        )
    assert again.status_code == 200 and again.json()["version"] == 1


async def test_clm01_refused_report_is_stored_with_reason(claims: Running) -> None:
    answer = await claims.http.post(
        "/v1/claims", json=report_body("c-not-owner", "u-1", "o-2"), headers=claims.auth(INSURER)
    )
    assert answer.status_code == 201
    assert answer.json()["status"] == "refused" and answer.json()["refusal"]["reason_code"] == "NOT_OWNER"


def _answer(response: httpx.Response) -> tuple[int, str, str, list[Any]]:
    body = response.json()
    return response.status_code, body["reason_code"], body["detail"], body["problems"]


async def test_xc05_taken_claim_id_tells_a_stranger_nothing_about_the_claim(claims: Running) -> None:
    await _report(claims, "c-taken")  # o-1 on u-1
    stranger = claims.auth(owner("o-2", "u-2"))
    # On a unit not theirs: refused alike whether the id is free or taken (authorized before the id is looked up).
    copy = await claims.http.post("/v1/claims", json=report_body("c-taken", "u-1", "o-1"), headers=stranger)
    free = await claims.http.post("/v1/claims", json=report_body("c-free", "u-1", "o-1"), headers=stranger)
    assert _answer(copy) == _answer(free) and copy.status_code == 403
    # On their own unit: the taken id answers exactly as reading someone else's claim does, never 409.
    clash = await claims.http.post("/v1/claims", json=report_body("c-taken", "u-2", "o-2"), headers=stranger)
    read = await claims.http.get("/v1/claims/c-taken", headers=stranger)
    assert _answer(clash) == _answer(read) and clash.status_code == 404
    assert "u-1" not in clash.text and "o-1" not in clash.text
    # The reporter itself: a replay stays idempotent, a different report on the same id is a conflict.
    mine = claims.auth(owner("o-1", "u-1"))
    replay = await claims.http.post("/v1/claims", json=report_body("c-taken", "u-1", "o-1"), headers=mine)
    assert replay.status_code == 200 and replay.json()["version"] == 1
    other = report_body("c-taken", "u-1", "o-1", location="客厅")
    assert (await claims.http.post("/v1/claims", json=other, headers=mine)).status_code == 409


async def test_xc05_insurer_report_on_another_insurers_unit_answers_like_an_uninsured_unit(claims: Running) -> None:
    theirs = await claims.http.post(
        "/v1/claims", json=report_body("c-u9", "u-9", "o-9"), headers=claims.auth(INSURER)
    )  # u-9 is ins-b's
    nobodys = await claims.http.post(
        "/v1/claims", json=report_body("c-u404", "u-404", "o-404"), headers=claims.auth(INSURER)
    )
    assert _answer(theirs) == _answer(nobodys) and theirs.status_code == 404
    for claim_id in ("c-u9", "c-u404"):  # nothing stored in either household's file
        assert (await claims.http.get(f"/v1/claims/{claim_id}", headers=claims.auth(REGULATOR))).status_code == 404


async def test_xc05_a_replayed_idempotency_key_shows_a_stranger_nothing(claims: Running) -> None:
    await _report(claims, "c-key")
    key = str(uuid.uuid4())
    body = {"claim_id": "c-key", "scheduled_at": now().isoformat(), "surveyor_id": "srv-1"}
    mine = await claims.http.post(
        "/v1/claims/c-key/survey-schedule", json=body, headers=claims.auth(INSURER, **{"Idempotency-Key": key})
    )
    assert mine.status_code == 200
    theirs = await like_a_missing_claim(
        claims, "c-key", "survey-schedule", body, OTHER_INSURER, **{"Idempotency-Key": key}
    )
    assert "u-1" not in theirs.text


async def test_clm01_platform_receipt_time_decides_a_back_dated_report_is_refused(infra, unique) -> None:
    received = datetime(2026, 9, 2, 10, tzinfo=SHANGHAI)
    running = await start(claims_settings(infra, unique("t").replace("-", "")), clock=FrozenClock(received))
    try:
        await load_policy(running, policy_events("pol-t", "prj-t", {"u-1": "o-1"}))
        await load_policy(running, [wrap(PolicyEnded(policy_id="pol-t", ended_on=date(2026, 9, 1)), key="pol-t")])
        claimed = datetime(2026, 8, 31, 10, tzinfo=SHANGHAI)
        body = report_body("c-late", "u-1", "o-1", reported_at=claimed.isoformat())
        answer = await running.http.post("/v1/claims", json=body, headers=running.auth(owner("o-1", "u-1")))
        assert answer.status_code == 201, answer.text
        view = answer.json()
        assert view["status"] == "refused" and view["refusal"]["reason_code"] == "POLICY_ENDED"
        assert datetime.fromisoformat(view["reported_at"]) == received
        assert datetime.fromisoformat(view["claimed_reported_at"]) == claimed  # shown, not deciding
    finally:
        await running.stop()


async def listed(claims: Running, actor: Actor, expected: set[str], **params: str) -> dict[str, Any]:
    """GET /v1/claims as ``actor`` once its read model lists every claim in ``expected``."""

    async def answer() -> dict[str, Any] | None:
        found = (await claims.http.get("/v1/claims", params=params, headers=claims.auth(actor))).json()
        return found if expected <= {i["claim_id"] for i in found["items"]} else None

    result: dict[str, Any] = await wait_for(answer)
    return result


async def test_city_scale_nothing_reads_a_whole_collection(claims: Running) -> None:
    """Issue #10: every question — report, steps, one claim, its history, the listings of an owner, a
    unit, an insurer and the regulator, the overdue sweep — is answered by ``_id`` look-ups. The one
    exception is the outbox relay's sweep of ``*_outbox``: markers of events not yet acknowledged by
    Kafka, dropped once they are, so it holds what is in flight, not what the city accumulates."""
    with scan_watch().watching() as scans:
        await _report(claims, "c-city")
        await survey(claims, "c-city")
        decided = await claims.http.post(
            "/v1/claims/c-city/decision",
            json={
                "claim_id": "c-city",
                "decision": "not_covered",
                "decided_at": now().isoformat(),
                "reasons": [{"code": "NOT_A_DEFECT", "text": "属正常使用损耗。"}],
            },
            headers=claims.auth(INSURER),
        )
        assert decided.status_code == 200, decided.text
        for path, actor in (("/v1/claims/c-city", INSURER), ("/v1/claims/c-city/history", REGULATOR)):
            assert (await claims.http.get(path, headers=claims.auth(actor))).status_code == 200
        await listed(claims, owner("o-1", "u-1"), {"c-city"})
        await listed(claims, INSURER, {"c-city"}, unit_id="u-1")
        await listed(claims, INSURER, {"c-city"})
        await listed(claims, REGULATOR, {"c-city"})
        await claims.handlers.sweep_overdue(grace=timedelta(minutes=1))
    growing = [s for s in scans if s.database == claims.settings.mongo_db and not s.collection.endswith("_outbox")]
    assert growing == []
