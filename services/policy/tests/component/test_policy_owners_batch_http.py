"""The sales roster over HTTP (批量导入): ``POST /v1/policy/projects/{project_id}/owners`` on the policy
router over the in-memory ports, through the kit's token check, validation and typed problems. One
commit per batch, all or nothing, the single endpoint's access rule, idempotent on ``Idempotency-Key``;
no answer ever holds a buyer's ID number or name (CLM-01, XC-05, XC-09)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from policy_factories import (
    BUILDER,
    INSURER,
    OTHER_BUILDER,
    OTHER_INSURER,
    REGION,
    REGULATOR,
    contract,
    issue,
    payment,
)
from policy_memory import InMemoryPolicy

from anju_contracts import Actor, Role
from anju_contracts import underwriting as u
from anju_contracts.policy import UnitOwnersChanged
from anju_kit.auth import ActorTokens
from anju_kit.pipeline import CommandPipeline, install_refusal_handler
from anju_kit.problems import install_problem_handlers
from anju_policy.entrypoints.http import build_router

SECRET = "component-token-secret-0123456789abcdef"
OWNER = Actor(id="own-1", role=Role.OWNER, region=REGION)
ID_NUMBERS = ("310101199001011234", "31010119850505432X")
NAMES = ("张三丰", "李四海")
BATCH = "/v1/policy/projects/prj-1/owners"


def sale(unit_id: str, n: int = 0) -> dict[str, Any]:
    buyer = {"name": NAMES[n % 2], "id_number": ID_NUMBERS[n % 2]}
    return {"unit_id": unit_id, "sale_contract_no": f"HT-2028-{n:04d}", "buyers": [buyer], "on": "2028-09-01"}


def batch(*entries: dict[str, Any], project_id: str = "prj-1") -> dict[str, Any]:
    return {"project_id": project_id, "entries": list(entries)}


def single(unit_id: str) -> dict[str, Any]:
    return {"project_id": "prj-1", **sale(unit_id)}


async def issued(policy: InMemoryPolicy) -> None:
    await policy.registered("prj-1", INSURER)
    await policy.agency_assigned("prj-1")
    await policy.send(contract("prj-1"), INSURER)
    loaded = await policy.repo.get("prj-1")
    assert loaded is not None
    await policy.send(payment(loaded.aggregate.premium, project_id="prj-1"), INSURER)
    await policy.send(issue("prj-1", on=date(2026, 3, 25)), INSURER)


@pytest.fixture
async def http(policy: InMemoryPolicy) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.state.tokens = ActorTokens(secret=SECRET, region=REGION)
    install_problem_handlers(app)
    install_refusal_handler(app)
    # The owners routes call their use cases directly (HTTP only, XC-09): no Kafka command pipeline here.
    app.include_router(build_router(policy.handlers, cast(CommandPipeline, None), policy.views.store))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://policy") as client:
        yield client


def auth(actor: Actor, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {ActorTokens(secret=SECRET, region=REGION).issue(actor)}"}
    return headers | ({"Idempotency-Key": key} if key else {})


def no_personal_data(response: httpx.Response) -> None:
    text = json.dumps(response.json(), ensure_ascii=False)
    for value in (*ID_NUMBERS, *NAMES):
        assert value not in text


async def version(policy: InMemoryPolicy) -> int:
    loaded = await policy.repo.get("prj-1")
    assert loaded is not None
    return int(loaded.version)


async def test_clm01_xc09_xc04_the_builder_registers_a_roster_in_one_commit(
    policy: InMemoryPolicy, http: httpx.AsyncClient
) -> None:
    await issued(policy)
    before = await version(policy)
    answer = await http.post(BATCH, json=batch(sale("prj-1-u-1", 0), sale("prj-1-u-2", 1)), headers=auth(BUILDER))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["events"] == ["policy.UnitOwnersChanged", "policy.UnitOwnersChanged"]
    assert body["version"] == before + 1 == await version(policy)  # one commit for the batch
    published = [e for e in policy.published if e.type == UnitOwnersChanged.TYPE]
    assert [e.payload(UnitOwnersChanged).unit_id for e in published] == ["prj-1-u-1", "prj-1-u-2"]
    assert all(v not in e.model_dump_json() for e in published for v in (*ID_NUMBERS, *NAMES))  # masked only
    no_personal_data(answer)
    last = (await policy.repo.history("prj-1"))[-1]  # one history entry, the builder's (XC-04)
    assert (last["action"], last["actor"]["id"]) == ("policy.RegisterUnitOwnersBatch", BUILDER.id)
    assert all(v not in str(last) for v in (*ID_NUMBERS, *NAMES))
    again = await http.post(BATCH, json=batch(sale("prj-1-u-1", 0)), headers=auth(BUILDER))  # unchanged owners
    assert again.status_code == 200 and again.json()["events"] == [] and await version(policy) == before + 1


async def test_xc05_other_roles_are_refused_as_by_the_single_endpoint(
    policy: InMemoryPolicy, http: httpx.AsyncClient
) -> None:
    await issued(policy)
    for actor in (OTHER_BUILDER, OTHER_INSURER, REGULATOR, OWNER):
        many = await http.post(BATCH, json=batch(sale("prj-1-u-1")), headers=auth(actor))
        one = await http.post(
            "/v1/policy/projects/prj-1/units/prj-1-u-1/owners", json=single("prj-1-u-1"), headers=auth(actor)
        )
        assert (many.status_code, many.json()["reason_code"]) == (one.status_code, one.json()["reason_code"]), actor
        assert many.status_code in (403, 404)
        no_personal_data(many)
    assert (await http.post(BATCH, json=batch(sale("prj-1-u-1")))).status_code == 401  # no token
    assert [e for e in policy.published if e.type == UnitOwnersChanged.TYPE] == []
    insurer = await http.post(BATCH, json=batch(sale("prj-1-u-1")), headers=auth(INSURER))
    assert insurer.status_code == 200  # the single endpoint's rule: the builder, or its insurer for it


async def test_clm01_a_body_naming_another_project_is_refused(policy: InMemoryPolicy, http: httpx.AsyncClient) -> None:
    await issued(policy)
    answer = await http.post(BATCH, json=batch(sale("prj-1-u-1"), project_id="prj-2"), headers=auth(BUILDER))
    assert answer.status_code == 422
    assert [p["field"] for p in answer.json()["problems"]] == ["project_id"]
    no_personal_data(answer)


async def test_clm01_xc09_over_the_bound_is_a_422_naming_entries(
    policy: InMemoryPolicy, http: httpx.AsyncClient
) -> None:
    await issued(policy)
    entries = [sale(f"prj-1-u-{k}", k) for k in range(u.MAX_UNIT_SALES_PER_BATCH + 1)]
    answer = await http.post(BATCH, json=batch(*entries), headers=auth(BUILDER))
    assert answer.status_code == 422
    assert [p["field"] for p in answer.json()["problems"]] == ["entries"]
    no_personal_data(answer)
    empty = await http.post(BATCH, json=batch(), headers=auth(BUILDER))
    assert empty.status_code == 422 and [p["field"] for p in empty.json()["problems"]] == ["entries"]
    bad = sale("prj-1-u-1") | {"buyers": [{"name": NAMES[0], "id_number": ID_NUMBERS[0][:-1] + "Y"}]}
    malformed = await http.post(BATCH, json=batch(bad), headers=auth(BUILDER))
    assert malformed.status_code == 422
    # pydantic also reports the tuples left short by the refused item; the first problem is the number
    assert malformed.json()["problems"][0]["field"] == "entries.0.buyers.0.id_number"
    assert ID_NUMBERS[0][:-1] not in malformed.text and NAMES[0] not in malformed.text


async def test_clm01_a_refused_entry_refuses_the_batch_naming_each(
    policy: InMemoryPolicy, http: httpx.AsyncClient
) -> None:
    await issued(policy)
    before = await version(policy)
    unknown = await http.post(
        BATCH, json=batch(sale("prj-1-u-1"), sale("prj-1-u-77"), sale("prj-1-u-78")), headers=auth(BUILDER)
    )
    assert unknown.status_code == 404  # as the single endpoint answers an unknown unit
    problem = unknown.json()
    assert problem["rule_id"] == "CLM-01"
    assert [p["field"] for p in problem["problems"]] == ["entries.1.unit_id", "entries.2.unit_id"]
    assert "prj-1-u-77" not in unknown.text  # named by place, never by the value sent
    twice = await http.post(BATCH, json=batch(sale("prj-1-u-1"), sale("prj-1-u-1", 1)), headers=auth(BUILDER))
    assert twice.status_code == 422 and [p["field"] for p in twice.json()["problems"]] == ["entries.1.unit_id"]
    for answer in (unknown, twice):
        no_personal_data(answer)
    assert await version(policy) == before and not [e for e in policy.published if e.type == UnitOwnersChanged.TYPE]


async def test_clm01_a_replayed_request_answers_the_same_and_stores_nothing_again(
    policy: InMemoryPolicy, http: httpx.AsyncClient
) -> None:
    await issued(policy)
    key = str(uuid.uuid4())
    roster = batch(sale("prj-1-u-1", 0), sale("prj-1-u-2", 1))
    first = await http.post(BATCH, json=roster, headers=auth(BUILDER, key))
    changed = len([e for e in policy.published if e.type == UnitOwnersChanged.TYPE])
    replay = await http.post(BATCH, json=roster, headers=auth(BUILDER, key))
    assert first.status_code == replay.status_code == 200
    assert {k: v for k, v in replay.json().items() if k != "duplicate"} == {
        k: v for k, v in first.json().items() if k != "duplicate"
    }
    assert replay.json()["duplicate"] is True and first.json()["duplicate"] is False
    assert len([e for e in policy.published if e.type == UnitOwnersChanged.TYPE]) == changed == 2
    assert await version(policy) == first.json()["version"]
    refused = await http.post(BATCH, json=roster, headers=auth(OTHER_BUILDER, key))  # a key is no pass (XC-05)
    assert refused.status_code == 404
    loaded = await policy.repo.get("prj-1")
    assert loaded is not None and set(loaded.aggregate.owners) == {"prj-1-u-1", "prj-1-u-2"}
