"""An issue's whole history (RSK-04, RSK-05) from ``risk.issue_history``: raised with its evidence, each
rectification round with the unit's note and before/after evidence, each review with the agency's comment
(sent back with a new deadline, then closed) — folded from the risk events on in-memory ports and read
over HTTP as the service serves it, by whoever reads the project's file. The risk file keeps only a
compact record of a closed issue, so this is where its rounds stay readable."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from risk_factories import (
    CONTRACTOR,
    ENGINEER,
    INSURER,
    LEAD,
    OTHER_INSURER,
    PROJECT,
    REGION,
    REGULATOR,
    issue,
    plan,
)
from risk_memory import InMemoryRisk

from anju_contracts import Actor, Envelope, topics
from anju_contracts import risk as r
from anju_contracts.common import EvidenceRef
from anju_kit.auth import ActorTokens, issue_token
from anju_kit.memory import MemoryViews
from anju_kit.pipeline import CommandPipeline, install_refusal_handler
from anju_kit.problems import install_problem_handlers
from anju_kit.views import AS_OF
from anju_risk.entrypoints import http
from anju_risk.read_models import HISTORY_EVENTS, ISSUE_HISTORY, IssueHistory, issue_key, read_issue_history

SECRET = "component-test-secret-of-enough-length-0123456789"
SENT_BACK_BY = date(2026, 10, 20)
HISTORY_TYPES = {event.TYPE for event in HISTORY_EVENTS}


def json_refs(*refs: EvidenceRef) -> list[dict[str, Any]]:
    return [ref.model_dump(mode="json") for ref in refs]


async def rectify(risk: InMemoryRisk, note: str, tag: str) -> tuple[EvidenceRef, EvidenceRef]:
    before = await risk.upload(f"iss-1-before-{tag}.jpg", CONTRACTOR)
    after = await risk.upload(f"iss-1-after-{tag}.jpg", CONTRACTOR)
    cmd = r.SubmitRectification(project_id=PROJECT, issue_id="iss-1", note=note, before=(before,), after=(after,))
    await risk.send(cmd, CONTRACTOR)
    return before, after


async def decide(risk: InMemoryRisk, decision: r.ReviewDecision, comment: str, rectify_by: date | None = None) -> None:
    cmd = r.ReviewRectification(
        project_id=PROJECT, issue_id="iss-1", decision=decision, comment=comment, rectify_by=rectify_by
    )
    await risk.send(cmd, ENGINEER)


@dataclass(frozen=True)
class Story:
    """What the issue went through, to compare the history with: the raise's photo, each round's
    before and after."""

    photo: EvidenceRef
    rounds: list[tuple[EvidenceRef, EvidenceRef]]


@pytest.fixture
async def story(risk: InMemoryRisk) -> Story:
    """Raised, rectified, sent back with a new deadline, rectified again, closed (RSK-04, RSK-05)."""
    await risk.send(plan(), LEAD)
    photo = await risk.upload("iss-1.jpg", ENGINEER)
    await risk.send(issue("iss-1", evidence=(photo,)), ENGINEER)
    first = await rectify(risk, "凿除后重新设置止水钢板", "1")
    await decide(risk, r.ReviewDecision.SEND_BACK, "止水钢板搭接仍不足，重新整改", SENT_BACK_BY)
    second = await rectify(risk, "止水钢板加长搭接并注浆", "2")
    await decide(risk, r.ReviewDecision.CLOSE, "复查合格，同意销项")
    return Story(photo, [first, second])


def history_events(risk: InMemoryRisk) -> list[Envelope]:
    return [e for e in risk.published if e.type in HISTORY_TYPES and e.data["issue_id"] == "iss-1"]


async def test_rsk04_rsk05_the_history_shows_every_round_with_its_evidence_note_and_review(
    risk: InMemoryRisk, story: Story
) -> None:
    found = await read_issue_history(risk.views.store(ISSUE_HISTORY.name), PROJECT, "iss-1")
    assert found is not None
    assert found["project_id"] == PROJECT and found["issue_id"] == "iss-1"
    assert found["status"] == "closed" and found["severity"] == "serious" and found["description"]
    assert found["raised"]["evidence"] == json_refs(story.photo) and found["raised"]["by"] == ENGINEER.id
    assert found["raised"]["rectify_by"] == issue().rectify_by.isoformat()
    assert found["rectify_by"] == SENT_BACK_BY.isoformat()  # the state's: the deadline it was sent back with
    first, second = found["rounds"]
    assert (first["round"], first["note"], first["submitted_by"]) == (1, "凿除后重新设置止水钢板", CONTRACTOR.id)
    assert (first["before"], first["after"]) == (json_refs(story.rounds[0][0]), json_refs(story.rounds[0][1]))
    assert {k: first["review"][k] for k in ("decision", "comment", "rectify_by", "by")} == {
        "decision": "send_back",
        "comment": "止水钢板搭接仍不足，重新整改",
        "rectify_by": SENT_BACK_BY.isoformat(),
        "by": ENGINEER.id,
    }
    assert (second["round"], second["note"]) == (2, "止水钢板加长搭接并注浆")
    assert (second["before"], second["after"]) == (json_refs(story.rounds[1][0]), json_refs(story.rounds[1][1]))
    assert second["review"] == {
        "decision": "close",
        "comment": "复查合格，同意销项",
        "at": found["closed_at"],
        "by": ENGINEER.id,
    }
    assert found["as_of"] is not None and not any(k.startswith("_") for k in found)


async def test_rsk05_an_issue_history_event_delivered_again_changes_nothing(risk: InMemoryRisk, story: Story) -> None:
    """Every event of the issue published again (the relay after a crash: a new record of the same
    event): rounds are kept by number, the raise and the close are set, an older state is ignored."""
    store = risk.views.store(ISSUE_HISTORY.name)
    key = issue_key(PROJECT, "iss-1")
    before = {k: v for k, v in store.docs[key].items() if k != AS_OF}
    published = history_events(risk)
    assert len(published) == 10  # raised, 2 rounds, sent back, closed, and a state after each
    for envelope in published:
        await risk.views.publish(topics.RISK.events, envelope.model_copy(update={"event_id": uuid.uuid4()}))
    assert {k: v for k, v in store.docs[key].items() if k != AS_OF} == before


async def test_rsk05_an_issue_history_folded_out_of_order_is_the_same(risk: InMemoryRisk, story: Story) -> None:
    """A rebuild reading the events in another order (the close before its round, a review before its
    submission, the newest state first) ends with the same history."""
    reversed_views = MemoryViews([IssueHistory()])
    for envelope in reversed(history_events(risk)):
        await reversed_views.publish(topics.RISK.events, envelope)
    in_order = await read_issue_history(risk.views.store(ISSUE_HISTORY.name), PROJECT, "iss-1")
    out_of_order = await read_issue_history(reversed_views.store(ISSUE_HISTORY.name), PROJECT, "iss-1")
    assert in_order is not None and out_of_order is not None
    assert {**out_of_order, "as_of": None} == {**in_order, "as_of": None}


async def test_rsk05_an_older_event_without_note_or_comment_is_still_folded(risk: InMemoryRisk) -> None:
    """Events recorded before the note and the comment were carried validate and fold with them empty."""
    photo = await risk.upload("x.jpg", CONTRACTOR)
    views = MemoryViews([IssueHistory()])
    old = [
        r.RectificationSubmitted(project_id=PROJECT, issue_id="iss-9", round=1, before=(photo,), after=(photo,)),
        r.RectificationSentBack(project_id=PROJECT, issue_id="iss-9", round=1, rectify_by=SENT_BACK_BY),
    ]
    for event in old:
        envelope = Envelope.wrap(event, region=REGION, producer="risk", actor=CONTRACTOR, key=PROJECT)
        await views.publish(topics.RISK.events, envelope)
    found = await read_issue_history(views.store(ISSUE_HISTORY.name), PROJECT, "iss-9")
    assert found is not None
    [only] = found["rounds"]
    assert only["note"] is None and only["review"]["comment"] is None and only["review"]["decision"] == "send_back"


# -- over HTTP, as the service serves it ------------------------------------------------------------


@pytest.fixture
async def client(risk: InMemoryRisk, story: Story) -> AsyncIterator[httpx.AsyncClient]:
    """The service's router over the in-memory read models, behind the real token check and refusals."""
    app = FastAPI()
    app.state.tokens = ActorTokens(secret=SECRET, region=REGION)
    install_problem_handlers(app)
    install_refusal_handler(app)
    http.install(
        app,
        risk.handlers,
        cast(CommandPipeline, None),  # the GETs never send a command
        risk.issues,
        risk.agencies,
        issue_history=risk.views.store(ISSUE_HISTORY.name),
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://risk") as running:
        yield running


async def get(client: httpx.AsyncClient, path: str, actor: Actor) -> httpx.Response:
    return await client.get(f"/v1/risk{path}", headers={"Authorization": f"Bearer {issue_token(actor, SECRET)}"})


@pytest.mark.parametrize("reader", [INSURER, LEAD, ENGINEER, CONTRACTOR, REGULATOR])
async def test_rsk04_rsk05_an_issues_history_over_http_for_those_who_read_the_file(
    client: httpx.AsyncClient, story: Story, reader: Actor
) -> None:
    answer = await get(client, f"/projects/{PROJECT}/issues/iss-1", reader)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "closed" and body["as_of"]["event_id"]
    assert [(x["round"], x["review"]["decision"]) for x in body["rounds"]] == [(1, "send_back"), (2, "close")]
    assert body["rounds"][1]["after"] == json_refs(story.rounds[1][1])


async def test_rsk05_xc05_another_insurer_reads_an_issues_history_like_a_missing_project(
    client: httpx.AsyncClient,
) -> None:
    hidden = await get(client, f"/projects/{PROJECT}/issues/iss-1", OTHER_INSURER)
    missing = await get(client, "/projects/prj-none/issues/iss-1", OTHER_INSURER)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["reason_code"] == missing.json()["reason_code"] == "NOT_FOUND"


async def test_rsk05_xc09_an_unknown_issue_is_404_without_its_id(client: httpx.AsyncClient) -> None:
    answer = await get(client, f"/projects/{PROJECT}/issues/iss-nowhere", INSURER)
    assert answer.status_code == 404 and answer.json()["reason_code"] == "NOT_FOUND"
    assert "iss-nowhere" not in answer.text
