"""RSK-04 / RSK-05 in batches through the command pipeline, over HTTP and from Kafka, on in-memory ports
(risk_memory) behind the kit's token check and problem handlers as the service composes them: an
inspection's issues raised together (``/issue-batches``), the responsible unit's rectifications
(``/rectification-batches``) and the agency's 销项 pass (``/review-batches``).

A batch is all or nothing: a refused entry refuses it, the answer names every refused entry by its place
and never repeats what was sent (XC-09); a unit rectifies only its own issues (XC-05); a replayed
Idempotency-Key (the command id) answers as the first time and records nothing again."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from risk_factories import CONTRACTOR, ENGINEER, LEAD, PROJECT, REGION, SUPERVISOR, SUPERVISOR_ORG, issue, plan
from risk_memory import InMemoryRisk

from anju_contracts import Actor, Envelope, Refusal, topics
from anju_contracts import risk as r
from anju_contracts.common import EvidenceRef
from anju_contracts.rejection import RecordRef
from anju_kit.auth import ActorTokens, Sender, issue_token
from anju_kit.kafka import Inbound
from anju_kit.pipeline import CommandPipeline, install_refusal_handler
from anju_kit.problems import install_problem_handlers
from anju_kit.rejections import Rejector
from anju_risk.commands import command_table
from anju_risk.entrypoints import http
from anju_risk.read_models import read_issues

SECRET = "component-test-secret-of-the-batch-routes-0123456789"
BASE = f"/v1/risk/projects/{PROJECT}"
SECRET_NOTE = "整改说明-不应回显-4711"  # a submitted value no answer may repeat


@dataclass
class Answers:
    """The rejections topic, as the pipeline answers a refused Kafka command."""

    topic: str = topics.RISK.rejections
    refused: list[tuple[Envelope, Refusal]] = field(default_factory=list)

    async def reject(self, command: Envelope, refusal: Refusal, record: RecordRef | None = None) -> None:
        self.refused.append((command, refusal))


@dataclass
class Running:
    risk: InMemoryRisk
    pipeline: CommandPipeline
    answers: Answers
    client: httpx.AsyncClient
    photo: EvidenceRef
    before: EvidenceRef
    after: EvidenceRef

    async def post(self, path: str, body: Any, actor: Actor, key: uuid.UUID | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {issue_token(actor, SECRET)}"}
        if key is not None:
            headers["Idempotency-Key"] = str(key)
        payload = body.model_dump(mode="json") if hasattr(body, "model_dump") else body
        return await self.client.post(f"{BASE}{path}", json=payload, headers=headers)

    async def from_kafka(self, command: Any, actor: Actor) -> Envelope:
        envelope = Envelope.wrap(command, region=REGION, producer="tests", actor=actor, key=PROJECT)
        record = RecordRef(topic=topics.RISK.commands, partition=0, offset=len(self.answers.refused))
        await self.pipeline.from_kafka(Inbound(envelope, Sender(actor, platform=True), record))
        return envelope

    def found(self, issue_id: str, **over: Any) -> r.IssueFound:
        single = issue(issue_id, severity=r.IssueSeverity.GENERAL, process_id=None, evidence=(self.photo,))
        return r.IssueFound(**(single.model_dump(exclude={"project_id"}) | over))

    def raising(self, *issue_ids: str, **over: Any) -> r.RaiseRiskIssues:
        return r.RaiseRiskIssues(project_id=PROJECT, issues=tuple(self.found(i, **over) for i in issue_ids))

    def rectifying(self, *issue_ids: str) -> r.SubmitRectifications:
        entries = tuple(
            r.RectificationDone(issue_id=i, note=SECRET_NOTE, before=(self.before,), after=(self.after,))
            for i in issue_ids
        )
        return r.SubmitRectifications(project_id=PROJECT, rectifications=entries)

    def closing(self, *issue_ids: str) -> r.ReviewRectifications:
        entries = tuple(
            r.RectificationReview(issue_id=i, decision=r.ReviewDecision.CLOSE, comment="复查合格，销项")
            for i in issue_ids
        )
        return r.ReviewRectifications(project_id=PROJECT, reviews=entries)


@pytest.fixture
async def running(risk: InMemoryRisk) -> AsyncIterator[Running]:
    await risk.send(plan(), LEAD)
    answers = Answers()
    pipeline = CommandPipeline(
        "risk", REGION, topics.RISK.commands, command_table(risk.handlers), cast(Rejector, answers)
    )
    app = FastAPI()
    app.state.tokens = ActorTokens(secret=SECRET, region=REGION)
    install_problem_handlers(app)
    install_refusal_handler(app)
    http.install(app, risk.handlers, pipeline, risk.issues, risk.agencies)
    photo = await risk.upload("问题照片.jpg", ENGINEER)
    before = await risk.upload("整改前.jpg", CONTRACTOR)
    after = await risk.upload("整改后.jpg", CONTRACTOR)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://risk") as client:
        yield Running(risk, pipeline, answers, client, photo, before, after)


async def version(running: Running) -> int:
    loaded = await running.risk.repo.get(PROJECT)
    assert loaded is not None
    return loaded.version


async def test_rsk04_rsk05_an_inspections_issues_rectified_and_closed_in_three_batches_over_http(
    running: Running,
) -> None:
    ids = [f"iss-{n:02d}" for n in range(12)]
    raised = await running.post("/issue-batches", running.raising(*ids), ENGINEER)
    assert raised.status_code == 200, raised.text
    events = raised.json()["events"]
    assert events.count("risk.RiskIssueRaised") == 12 and events.count("risk.RiskIssueStateChanged") == 12
    assert events.count("risk.ObligationOpened") == 12  # each issue on its own clock
    page = await read_issues(running.risk.issues, PROJECT)
    assert page.total == 12 and page.counts == {"open": 12}
    rectified = await running.post("/rectification-batches", running.rectifying(*ids[:10]), CONTRACTOR)
    assert rectified.status_code == 200, rectified.text
    assert rectified.json()["events"].count("risk.RectificationSubmitted") == 10
    closed = await running.post("/review-batches", running.closing(*ids[:8]), LEAD)
    assert closed.status_code == 200, closed.text
    assert closed.json()["events"].count("risk.RiskIssueClosed") == 8
    page = await read_issues(running.risk.issues, PROJECT, statuses=["open", "rectified", "closed"])
    assert page.counts == {"open": 2, "rectified": 2, "closed": 8}
    assert await version(running) == 1 + 3  # the plan, then one commit per batch


async def test_rsk04_fifty_one_entries_are_refused_naming_the_field(running: Running) -> None:
    body = running.raising("iss-00").model_dump(mode="json")
    body["issues"] = body["issues"] * (r.MAX_ISSUES_PER_BATCH + 1)
    answer = await running.post("/issue-batches", body, ENGINEER)
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["reason_code"] == "VALIDATION_FAILED"
    assert [p["field"] for p in problem["problems"]] == ["issues"]
    assert "施工缝" not in answer.text  # the description sent, never repeated


async def test_rsk04_a_batch_with_two_bad_entries_refuses_all_of_them_named_by_place(running: Running) -> None:
    before = await version(running)
    batch = running.raising("iss-00", "iss-01", "iss-02")
    entries = list(batch.issues)
    entries[1] = entries[1].model_copy(update={"responsible_unit_id": "org-nobody-4711"})
    entries[2] = entries[2].model_copy(update={"rectify_by": date(2026, 10, 1)})
    answer = await running.post("/issue-batches", batch.model_copy(update={"issues": tuple(entries)}), ENGINEER)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["reason_code"] == "RULE_VIOLATION" and problem["rule_id"] == "RSK-04"
    assert [(f["subject_id"], f["rule_id"]) for f in problem["failures"]] == [
        ("issues.1.responsible_unit_id", "RSK-04"),
        ("issues.2.rectify_by", "RSK-05"),
    ]
    assert [p["field"] for p in problem["problems"]] == ["issues.1.responsible_unit_id", "issues.2.rectify_by"]
    assert "org-nobody-4711" not in answer.text
    assert await version(running) == before  # nothing stored, not even the good entry
    assert (await read_issues(running.risk.issues, PROJECT)).total == 0


async def test_rsk05_xc05_a_unit_rectifying_another_units_issue_is_forbidden_naming_the_place(
    running: Running,
) -> None:
    own = running.raising("iss-00", "iss-01")
    theirs = running.raising("iss-02", responsible_unit_id=SUPERVISOR_ORG)
    for batch in (own, theirs):
        assert (await running.post("/issue-batches", batch, ENGINEER)).status_code == 200
    before = await version(running)
    answer = await running.post("/rectification-batches", running.rectifying("iss-00", "iss-02"), CONTRACTOR)
    assert answer.status_code == 403, answer.text
    problem = answer.json()
    assert problem["reason_code"] == "FORBIDDEN"
    assert [p["field"] for p in problem["problems"]] == ["rectifications.1.issue_id"]
    assert SECRET_NOTE not in answer.text and "iss-02" not in answer.text and SUPERVISOR_ORG not in answer.text
    unknown = await running.post("/rectification-batches", running.rectifying("iss-00", "iss-99"), CONTRACTOR)
    assert unknown.status_code == 404
    assert [p["field"] for p in unknown.json()["problems"]] == ["rectifications.1.issue_id"]
    assert "iss-99" not in unknown.text
    assert await version(running) == before
    # the supervisor's own issue is its own to rectify; the team does not rectify at all
    done = await running.post("/rectification-batches", running.rectifying("iss-02"), SUPERVISOR)
    assert done.status_code == 200, done.text
    team = await running.post("/rectification-batches", running.rectifying("iss-00"), ENGINEER)
    assert team.status_code == 403


async def test_rsk04_a_replay_with_the_same_idempotency_key_answers_the_same_and_records_nothing(
    running: Running,
) -> None:
    key = uuid.uuid4()
    batch = running.raising("iss-00", "iss-01")
    first = await running.post("/issue-batches", batch, ENGINEER, key)
    assert first.status_code == 200, first.text
    published = len(running.risk.published)
    again = await running.post("/issue-batches", batch, ENGINEER, key)
    assert again.status_code == 200, again.text
    assert (again.json()["project_id"], again.json()["version"]) == (
        first.json()["project_id"],
        first.json()["version"],
    )
    assert again.json()["duplicate"] is True
    assert len(running.risk.published) == published and await version(running) == first.json()["version"]
    # the same batch under a new key repeats facts already recorded: applied, nothing new
    repeat = await running.post("/issue-batches", batch, ENGINEER, uuid.uuid4())
    assert repeat.status_code == 200 and repeat.json()["events"] == []


async def test_rsk04_rsk05_batches_from_kafka_applied_or_answered_with_every_place(running: Running) -> None:
    await running.from_kafka(running.raising("iss-00", "iss-01", "iss-02"), ENGINEER)
    assert not running.answers.refused
    assert (await read_issues(running.risk.issues, PROJECT)).total == 3
    await running.from_kafka(running.rectifying("iss-00", "iss-01"), CONTRACTOR)
    sent = await running.from_kafka(running.closing("iss-00", "iss-01", "iss-02"), LEAD)
    [(envelope, refusal)] = running.answers.refused
    assert envelope.event_id == sent.event_id
    assert refusal.reason_code == "INVALID_STATE"  # 409 over HTTP: iss-02 is not rectified yet
    assert [(f.subject_id, f.rule_id) for f in refusal.failures] == [("reviews.2.issue_id", "RSK-05")]
    page = await read_issues(running.risk.issues, PROJECT, statuses=["open", "rectified", "closed"])
    assert page.counts == {"open": 1, "rectified": 2}  # neither of the good reviews was applied
    await running.from_kafka(running.rectifying("iss-02"), SUPERVISOR)  # not its issue: refused at the door
    assert running.answers.refused[-1][1].reason_code == "FORBIDDEN"
    oversized = Envelope.wrap(running.raising("iss-03"), region=REGION, producer="tests", actor=ENGINEER, key=PROJECT)
    data = dict(oversized.data, issues=oversized.data["issues"] * (r.MAX_ISSUES_PER_BATCH + 1))
    record = RecordRef(topic=topics.RISK.commands, partition=0, offset=99)
    await running.pipeline.from_kafka(
        Inbound(oversized.model_copy(update={"data": data}), Sender(ENGINEER, platform=True), record)
    )
    refusal = running.answers.refused[-1][1]
    assert (refusal.reason_code, refusal.field) == ("VALIDATION_FAILED", "issues")
