"""The cross-cutting rules on the whole registry service: append-only history with actor (XC-04), role
scoping (XC-05), region rules from the region file (XC-06), validated input answered with a reason code
and never lost (XC-07), personal data never in full (XC-09).

Real MongoDB-wire server (deploy/local), FastStream's in-memory Kafka broker, the composed HTTP app."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from faststream.kafka import TestKafkaBroker

from anju_contracts import Actor, Envelope, ReasonCode, Role, topics
from anju_contracts import registry as r
from anju_kit.testing import signed_headers
from anju_registry.domain.errors import RegistryError

pytestmark = pytest.mark.integration  # needs the real MongoDB-wire server; Kafka is in memory

REGION = "shanghai"
REGIONS_DIR = Path(__file__).resolve().parents[4] / "regions"
INSURER = Actor(id="picc-uw-1", role=Role.INSURER, region=REGION, insurer_id="ins-1")
INSURER_CORE = Actor(id="picc-core", role=Role.SYSTEM, region=REGION, insurer_id="ins-1")
OTHER_INSURER = Actor(id="cpic-uw-7", role=Role.INSURER, region=REGION, insurer_id="ins-9")
REGULATOR = Actor(id="zjw-1", role=Role.REGULATOR, region=REGION)
AGENCY = Actor(id="ag1-admin", role=Role.AGENCY, region=REGION, agency_id="ag-1")
OTHER_AGENCY = Actor(id="ag2-admin", role=Role.AGENCY, region=REGION, agency_id="ag-2")
OWNER = Actor(id="owner-1", role=Role.OWNER, region=REGION)
BUILDER = Actor(id="builder-1", role=Role.BUILDER, region=REGION)
STATE = "registry.AgencyStateChanged"

AGENCY_NAME = "上海某风险管理有限公司"
CREDIT_CODE = "91310000MA1K000001"
ID_NUMBER = "330106198502147716"
PHONE = "13912345678"
STAFF_ID_NUMBER = "31010419770606551X"
STAFF_PHONE = "13698765432"


def _nomination(agency_id: str = "ag-1", insurer_id: str = "ins-1") -> dict[str, Any]:
    return {
        "agency_id": agency_id,
        "name": AGENCY_NAME,
        "credit_code": CREDIT_CODE,
        "insurer_id": insurer_id,
        "evidence": {
            "path": "supervision_licence",
            "supervision_grade": "comprehensive",
            "licence_number": "E1",
            "document_keys": [f"shanghai/registry/{agency_id}/licence.pdf"],
        },
    }


def _application(practitioner_id: str = "p-lead", **overrides: Any) -> dict[str, Any]:
    return {
        "practitioner_id": practitioner_id,
        "agency_id": "ag-1",
        "name": "王建国",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "title": "senior_engineer",
        "career_start": "2005-07-01",
        "registered_licences": [{"kind": "registered_structural_engineer", "level": 1, "number": "S1"}],
        "roles": ["project_lead"],
    } | overrides


async def _ok(c: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    resp = await c.post(path, json=body, headers=headers)
    assert resp.status_code == 200, resp.text
    answer: dict[str, Any] = resp.json()
    return answer


async def _seed(c: httpx.AsyncClient, auth: Any, *, team: bool = True) -> None:
    """Agency ag-1 in the pool (nominated by ins-1), p-lead in the talent database, prj-1's team set."""
    await _ok(c, "/v1/registry/agencies", _nomination(), auth(INSURER))
    await _ok(c, "/v1/registry/agencies/ag-1/admission", {"agency_id": "ag-1"}, auth(REGULATOR))
    await _ok(c, "/v1/registry/practitioners", _application(), auth(AGENCY))
    await _ok(c, "/v1/registry/practitioners/p-lead/approval", {"practitioner_id": "p-lead"}, auth(REGULATOR))
    if team:
        await _ok(
            c,
            "/v1/registry/teams",
            {"project_id": "prj-1", "agency_id": "ag-1", "insurer_id": "ins-1", "lead_id": "p-lead"},
            auth(INSURER),
        )


# -- XC-04 -------------------------------------------------------------------------------------------


async def test_xc04_every_change_kept_in_append_only_history_with_its_actor(registry: Any, api: Any, auth: Any) -> None:
    service, _ = registry
    history_url = "/v1/registry/agencies/ag-1/history"
    async with api(registry) as c:
        await _ok(c, "/v1/registry/agencies", _nomination(), auth(INSURER))
        await _ok(c, "/v1/registry/agencies/ag-1/admission", {"agency_id": "ag-1"}, auth(REGULATOR))

        history = (await c.get(history_url, headers=auth(REGULATOR))).json()
        assert [
            (h["version"], h["action"], h["actor"]["id"], h["actor"]["role"], h["details"]["events"]) for h in history
        ] == [  # each commit's events: the domain's, then the state event read models fold (issue #10)
            (1, "registry.NominateAgency", "picc-uw-1", "insurer", ["registry.AgencyNominated", STATE]),
            (2, "registry.AdmitAgency", "zjw-1", "regulator", ["registry.AgencyAdmitted", STATE]),
        ]
        assert history[0]["actor"]["insurer_id"] == "ins-1" and all(h["caused_by"] for h in history)
        assert (await c.get(history_url, headers=auth(AGENCY))).json() == history  # the agency reads its own

        # No route writes the history: only GET is routed there, and nothing under /v1/registry
        # replaces or deletes anything.
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            resp = await c.request(method, history_url, json=history[0], headers=auth(REGULATOR))
            assert resp.status_code == 405, method
        paths = (await c.get("/openapi.json")).json()["paths"]
        assert {m for path, ops in paths.items() if "history" in path for m in ops} == {"get"}
        assert not {m for ops in paths.values() for m in ops} & {"put", "patch", "delete"}

        # Refused writes (in another insurer's name; re-nominating an admitted agency) add nothing.
        forbidden = await c.post("/v1/registry/agencies", json=_nomination(), headers=auth(OTHER_INSURER))
        conflict = await c.post(
            "/v1/registry/agencies", json=_nomination(insurer_id="ins-9"), headers=auth(OTHER_INSURER)
        )
        assert (forbidden.status_code, conflict.status_code) == (403, 409)
        assert (await c.get(history_url, headers=auth(REGULATOR))).json() == history

    # Underneath: the insert-only commit log, one entry per version.
    assert [doc["_id"] async for doc in service.db["agencies_log"].find({}).sort("version", 1)] == ["ag-1@1", "ag-1@2"]


# -- XC-05 -------------------------------------------------------------------------------------------


async def test_xc05_reads_scoped_insurer_own_business_agency_own_records_regulator_whole_region(
    registry: Any, api: Any, auth: Any
) -> None:
    async with api(registry) as c:
        await _seed(c, auth)
        await _ok(c, "/v1/registry/agencies", _nomination("ag-2", "ins-9"), auth(OTHER_INSURER))  # not admitted

        team = "/v1/registry/teams/prj-1"
        assert {
            a.id: (await c.get(team, headers=auth(a))).status_code
            for a in (INSURER, AGENCY, REGULATOR, OTHER_INSURER, OTHER_AGENCY, OWNER)
        } == {"picc-uw-1": 200, "ag1-admin": 200, "zjw-1": 200, "cpic-uw-7": 404, "ag2-admin": 404, "owner-1": 404}

        private = ("credit_code", "nominated_by", "evidence", "refusals", "group_organisation_ids")
        for actor, full in (
            (REGULATOR, True),
            (INSURER, True),
            (AGENCY, True),
            (OTHER_INSURER, False),
            (OTHER_AGENCY, False),
            (OWNER, False),
        ):
            view = (await c.get("/v1/registry/agencies/ag-1", headers=auth(actor))).json()
            assert all((view[k] is not None) == full for k in private), actor.id
            assert (view["credit_code"] == CREDIT_CODE) == full and view["name"] == AGENCY_NAME

        assert (await c.get("/v1/registry/agencies/ag-1/history", headers=auth(OTHER_AGENCY))).status_code == 403
        eligible = await c.get(
            "/v1/registry/projects/prj-2/eligible-practitioners",
            params={"agency_id": "ag-1"},
            headers=auth(OTHER_AGENCY),
        )
        assert (eligible.status_code, eligible.json()["reason_code"]) == (403, "FORBIDDEN")
        findings = {
            a.id: (await c.get("/v1/registry/agencies/ag-1/credit", headers=auth(a))).json()["findings"]
            for a in (REGULATOR, AGENCY, INSURER, OTHER_AGENCY)
        }
        assert findings == {"zjw-1": [], "ag1-admin": [], "picc-uw-1": None, "ag2-admin": None}

        # The regulator sees the whole region, nominations included; anyone else sees the pool.
        pending = {
            a.id: [
                x["agency_id"]
                for x in (await c.get("/v1/registry/pool", params={"status": "nominated"}, headers=auth(a))).json()[
                    "agencies"
                ]
            ]
            for a in (REGULATOR, OTHER_INSURER, INSURER)
        }
        assert pending == {"zjw-1": ["ag-2"], "cpic-uw-7": ["ag-1"], "picc-uw-1": ["ag-1"]}


async def test_xc05_owner_and_builder_cannot_use_regulator_routes(registry: Any, api: Any, auth: Any) -> None:
    _, handlers = registry
    async with api(registry) as c:
        await _seed(c, auth, team=False)
        await _ok(c, "/v1/registry/agencies", _nomination("ag-2"), auth(INSURER))
        attempts = [
            (OWNER, "/v1/registry/agencies/ag-2/admission", {"agency_id": "ag-2"}),
            (BUILDER, "/v1/registry/agencies/ag-2/refusal", {"agency_id": "ag-2", "reasons": ["不符合条件"]}),
            (
                BUILDER,
                "/v1/registry/agencies/ag-1/violations",
                {"agency_id": "ag-1", "violation_code": "subcontracting", "finding_key": "f/1.pdf", "description": "x"},
            ),
            (
                OWNER,
                "/v1/registry/practitioners/p-lead/reevaluations",
                {"practitioner_id": "p-lead", "evaluated_on": "2026-11-01", "passed": False},
            ),
        ]
        for actor, path, body in attempts:
            resp = await c.post(path, json=body, headers=auth(actor))
            assert (resp.status_code, resp.json()["reason_code"]) == (403, "FORBIDDEN"), path
        for path in ("/v1/registry/agencies/ag-1/history", "/v1/registry/projects/prj-1/eligible-practitioners"):
            resp = await c.get(path, params={"agency_id": "ag-1"}, headers=auth(BUILDER))
            assert resp.status_code == 403, path
        pool = (await c.get("/v1/registry/pool", params={"status": "nominated"}, headers=auth(OWNER))).json()
        assert [a["agency_id"] for a in pool["agencies"]] == ["ag-1"]  # the status filter is the regulator's
    ag2 = await handlers.repos.agencies.get("ag-2")
    assert ag2 is not None and ag2.version == 1 and ag2.aggregate.status == "nominated"


async def test_xc05_cross_tenant_write_refused_without_leaking_the_other_tenants_data(
    registry: Any, api: Any, auth: Any
) -> None:
    _, handlers = registry
    async with api(registry) as c:
        await _seed(c, auth)
        before = await handlers.repos.teams.get("prj-1")
        attempts = [
            (
                OTHER_INSURER,
                "/v1/registry/teams/prj-1/lead",
                {"project_id": "prj-1", "new_lead_id": "p-mine", "insurer_confirmation_key": "c/ok.pdf", "reason": "x"},
            ),
            (
                OTHER_INSURER,
                "/v1/registry/teams",
                {"project_id": "prj-1", "agency_id": "ag-1", "insurer_id": "ins-9", "lead_id": "p-mine"},
            ),
            (
                OTHER_AGENCY,
                "/v1/registry/teams/prj-1/lead",
                {"project_id": "prj-1", "new_lead_id": "p-mine", "insurer_confirmation_key": "c/ok.pdf", "reason": "x"},
            ),
            (
                OTHER_INSURER,
                "/v1/registry/agencies/ag-1/evaluations",
                {"agency_id": "ag-1", "insurer_id": "ins-1", "project_id": "prj-1", "period": "2026-Q3", "score": 10},
            ),
            (
                OTHER_AGENCY,
                "/v1/registry/agencies/ag-1/relations",
                {"agency_id": "ag-1", "group_organisation_ids": ["grp-x"]},
            ),
            (OTHER_AGENCY, "/v1/registry/practitioners", _application("p-mine", id_number="110101199003077777")),
            (
                OTHER_INSURER,
                "/v1/registry/insurers/ins-1/staff",
                {
                    "insurer_id": "ins-1",
                    "staff_id": "s-1",
                    "name": "李四",
                    "id_number": "110101199003077777",
                    "phone": "13700000000",
                    "function": "risk_control",
                    "career_start": "2010-01-01",
                },
            ),
        ]
        # What the other tenant owns and did not send: its insurer, its lead, the agency's name and codes.
        theirs = ("ins-1", "p-lead", "picc", AGENCY_NAME, CREDIT_CODE, "王", ID_NUMBER, PHONE)
        # The other insurer's team writes on prj-1 answer like a missing project (XC-05): 404, not 403.
        not_found = {0, 1}
        for n, (actor, path, body) in enumerate(attempts):
            resp = await c.post(path, json=body, headers=auth(actor))
            expected = (404, "NOT_FOUND") if n in not_found else (403, "FORBIDDEN")
            assert (resp.status_code, resp.json()["reason_code"]) == expected, path
            sent = json.dumps(body, ensure_ascii=False)
            assert [x for x in theirs if x in resp.text and x not in sent] == [], path
        after = await handlers.repos.teams.get("prj-1")
        assert before is not None and after is not None and after.version == before.version
        assert after.aggregate.lead_id == "p-lead"
        assert len(await handlers.repos.agencies.history("ag-1")) == 2
        assert await handlers.repos.practitioners.get("p-mine") is None


async def test_xc05_token_or_message_for_another_region_refused(registry: Any, api: Any, auth: Any) -> None:
    _, handlers = registry
    elsewhere = Actor(id="hz-reg", role=Role.REGULATOR, region="hangzhou")
    async with api(registry) as c:
        await _ok(c, "/v1/registry/agencies", _nomination(), auth(INSURER))
        for resp in (
            await c.get("/v1/registry/pool", headers=auth(elsewhere)),
            await c.post("/v1/registry/agencies/ag-1/admission", json={"agency_id": "ag-1"}, headers=auth(elsewhere)),
        ):
            assert (resp.status_code, resp.json()["reason_code"]) == (403, "WRONG_REGION")
    command = r.AdmitAgency(agency_id="ag-1")
    with pytest.raises(RegistryError) as refused:
        await handlers.execute(
            Envelope.wrap(command, region="hangzhou", producer="t", actor=elsewhere, key="ag-1"), command
        )
    assert refused.value.reason_code == ReasonCode.WRONG_REGION
    loaded = await handlers.repos.agencies.get("ag-1")
    assert loaded is not None and loaded.aggregate.status == "nominated"


# -- XC-06 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("limit", "second_team"), [(None, 200), (1, 422)])
async def test_xc06_same_assignment_refused_with_reg03_only_under_the_modified_region_file(
    make_registry: Any, api: Any, auth: Any, tmp_path: Path, limit: int | None, second_team: int
) -> None:
    regions_dir = REGIONS_DIR
    if limit is not None:  # a copy of regions/shanghai.yaml allowing one project per lead; no code change
        text = (REGIONS_DIR / "shanghai.yaml").read_text(encoding="utf-8")
        (tmp_path / "shanghai.yaml").write_text(
            text.replace("max_concurrent_projects: 10", f"max_concurrent_projects: {limit}"), encoding="utf-8"
        )
        regions_dir = tmp_path
    registry = make_registry(regions_dir=regions_dir)
    async with api(registry) as c:
        await _seed(c, auth)  # p-lead now leads prj-1
        resp = await c.post(
            "/v1/registry/teams",
            json={"project_id": "prj-2", "agency_id": "ag-1", "insurer_id": "ins-1", "lead_id": "p-lead"},
            headers=auth(INSURER),
        )
    assert resp.status_code == second_team
    if second_team == 422:
        body = resp.json()
        assert (body["reason_code"], body["rule_id"]) == ("RULE_VIOLATION", "REG-03")
        assert [p["message"].split(":")[0] for p in body["problems"]] == ["REG-03 LEAD_TOO_MANY_PROJECTS"]


# -- XC-07 -------------------------------------------------------------------------------------------


async def test_xc07_http_bad_body_answers_422_validation_failed_naming_the_field_and_stores_nothing(
    registry: Any, api: Any, auth: Any
) -> None:
    service, _ = registry
    async with api(registry) as c:
        cases = [
            ("/v1/registry/practitioners", _application(id_number="33010619850214771"), AGENCY, "id_number"),
            (
                "/v1/registry/teams",
                {"project_id": "prj-1", "agency_id": "ag-1", "insurer_id": "ins-1"},
                INSURER,
                "lead_id",
            ),
            (
                "/v1/registry/agencies",
                _nomination() | {"evidence": {"path": "by_acquaintance"}},
                INSURER,
                "evidence.path",
            ),
            (
                "/v1/registry/agencies/ag-1/evaluations",
                {"agency_id": "ag-1", "insurer_id": "ins-1", "project_id": "prj-1", "period": "2026-Q3", "score": 101},
                INSURER,
                "score",
            ),
        ]
        for path, body, actor, field in cases:
            resp = await c.post(path, json=body, headers=auth(actor))
            answer = resp.json()
            assert (resp.status_code, answer["reason_code"]) == (422, "VALIDATION_FAILED"), path
            assert field in [p["field"] for p in answer["problems"]], answer
        mismatch = await c.post(
            "/v1/registry/agencies/ag-1/admission", json={"agency_id": "ag-2"}, headers=auth(REGULATOR)
        )
        assert (mismatch.status_code, mismatch.json()["reason_code"]) == (422, "VALIDATION_FAILED")
    for name in await service.db.list_collection_names():
        assert await service.db[name].count_documents({}) == 0, name


async def test_xc07_http_retry_of_a_refused_request_is_refused_again(registry: Any, api: Any, auth: Any) -> None:
    async with api(registry) as c:
        await _seed(c, auth, team=False)
        key = {"Idempotency-Key": str(uuid.uuid4())}
        team = {
            "project_id": "prj-1",
            "agency_id": "ag-1",
            "insurer_id": "ins-1",
            "lead_id": "p-lead",
            "member_ids": ["p-ghost"],
        }
        first = await c.post("/v1/registry/teams", json=team, headers=auth(INSURER) | key)
        again = await c.post("/v1/registry/teams", json=team, headers=auth(INSURER) | key)
    assert first.status_code == again.status_code == 422
    assert first.json() == again.json() and first.json()["rule_id"] == "REG-02"


async def test_xc07_refused_command_redelivered_after_a_crash_is_still_answered(registry: Any) -> None:
    service, handlers = registry
    broker = service.broker
    events: list[dict[str, Any]] = []
    rejections: list[dict[str, Any]] = []

    @broker.subscriber(topics.REGISTRY.events)  # type: ignore[untyped-decorator]
    async def on_event(body: dict[str, Any]) -> None:
        events.append(body)

    @broker.subscriber(topics.REGISTRY.rejections)  # type: ignore[untyped-decorator]
    async def on_rejection(body: dict[str, Any]) -> None:
        rejections.append(body)

    assign = r.AssignTeam(project_id="prj-1", agency_id="ag-1", insurer_id="ins-1", lead_id="p-ghost")
    envelope = Envelope.wrap(assign, region=REGION, producer="picc-core", actor=INSURER_CORE, key="prj-1")

    # First delivery: the refusal is stored — its answer in the same write — and the process dies
    # before publishing anything (no flush), so the offset is never committed.
    flush, handlers.flush = handlers.flush, None
    first = await handlers.execute(envelope, assign, answer_to=topics.REGISTRY.rejections)
    handlers.flush = flush
    assert [f.rule_id for f in first.refused] == ["REG-01", "REG-02"]
    stored = await handlers.repos.teams.store.pending_outbox("prj-1")
    assert [(o.topic, o.envelope.type) for o in stored] == [
        (topics.REGISTRY.events, "registry.AssignmentRefused"),
        (topics.REGISTRY.events, "registry.TeamStateChanged"),
        (topics.REGISTRY.rejections, "common.Rejected"),
    ]

    # Kafka redelivers the command (twice, for good measure): it is a duplicate now, and answered.
    async with TestKafkaBroker(broker) as test_broker:
        for _ in range(2):
            value = envelope.model_dump_json().encode()
            headers = {name: token.decode() for name, token in signed_headers(topics.REGISTRY.commands, value)}
            await test_broker.publish(value, topics.REGISTRY.commands, headers=headers)

    assert [e["type"] for e in events] == ["registry.AssignmentRefused", "registry.TeamStateChanged"]
    assert len(rejections) == 1
    answer = rejections[0]
    assert answer["event_id"] == str(stored[2].envelope.event_id)  # the stored answer, not a new one
    assert (
        answer["key"],
        answer["data"]["command_event_id"],
        answer["data"]["reason_code"],
        answer["data"]["rule_id"],
    ) == ("prj-1", str(envelope.event_id), "RULE_VIOLATION", "REG-01")
    assert [p["message"].split(":")[0] for p in answer["data"]["problems"]] == [
        "REG-01 AGENCY_NOT_IN_POOL",
        "REG-02 NOT_IN_TALENT_DATABASE",
    ]
    assert await handlers.repos.teams.store.pending_outbox("prj-1") == []
    loaded = await handlers.repos.teams.get("prj-1")
    assert loaded is not None and loaded.version == 1  # applied once


# -- XC-09 -------------------------------------------------------------------------------------------


@pytest.fixture
def production_logs() -> Iterator[None]:
    """The service's JSON log format, written to the (captured) stdout; the previous set-up restored."""
    saved = structlog.get_config()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG),
        logger_factory=structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=False,  # each line goes to the sys.stdout of the moment (capsys)
    )
    try:
        yield
    finally:
        structlog.configure(**saved)


async def test_xc09_id_number_and_phone_never_in_full_in_responses_topics_storage_or_logs(
    registry: Any,
    api: Any,
    auth: Any,
    production_logs: None,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    service, _ = registry
    caplog.set_level(logging.DEBUG)
    published: list[dict[str, Any]] = []

    @service.broker.subscriber(topics.REGISTRY.events)  # type: ignore[untyped-decorator]
    async def on_event(body: dict[str, Any]) -> None:
        published.append(body)

    @service.broker.subscriber(topics.REGISTRY.rejections)  # type: ignore[untyped-decorator]
    async def on_rejection(body: dict[str, Any]) -> None:
        published.append(body)

    answers: list[httpx.Response] = []
    staff = {
        "insurer_id": "ins-1",
        "staff_id": "s-1",
        "name": "李四",
        "id_number": STAFF_ID_NUMBER,
        "phone": STAFF_PHONE,
        "function": "risk_control",
        "title": "senior_engineer",
        "career_start": "2008-03-01",
    }
    async with TestKafkaBroker(service.broker), api(registry) as c:
        await _ok(c, "/v1/registry/agencies", _nomination(), auth(INSURER))
        await _ok(c, "/v1/registry/agencies/ag-1/admission", {"agency_id": "ag-1"}, auth(REGULATOR))
        answers += [
            await c.post("/v1/registry/practitioners", json=_application(), headers=auth(AGENCY)),
            await c.post("/v1/registry/practitioners", json=_application("p-twin"), headers=auth(AGENCY)),  # 200
            await c.post(
                "/v1/registry/practitioners", json=_application("p-bad", phone="2391234567"), headers=auth(AGENCY)
            ),  # 422, the valid id number beside the bad phone
            await c.post(
                "/v1/registry/practitioners/p-lead/approval",
                json={"practitioner_id": "p-lead"},
                headers=auth(REGULATOR),
            ),
            await c.post("/v1/registry/insurers/ins-1/staff", json=staff, headers=auth(INSURER)),
            await c.post(
                "/v1/registry/teams",
                json={
                    "project_id": "prj-1",
                    "agency_id": "ag-1",
                    "insurer_id": "ins-1",
                    "lead_id": "p-lead",
                    "member_ids": ["p-twin"],
                },
                headers=auth(INSURER),
            ),
        ]
        for actor in (OWNER, INSURER, AGENCY, REGULATOR):  # public and regulator views alike
            answers += [
                await c.get("/v1/registry/practitioners/p-lead", headers=auth(actor)),
                await c.get("/v1/registry/practitioners/p-lead/credit", headers=auth(actor)),
                await c.get("/v1/registry/insurers/ins-1", headers=auth(actor)),
            ]
        for actor in (AGENCY, REGULATOR):
            answers.append(
                await c.get(
                    "/v1/registry/projects/prj-9/eligible-practitioners",
                    params={"agency_id": "ag-1"},
                    headers=auth(actor),
                )
            )
        answers.append(await c.get("/v1/registry/agencies/ag-1/history", headers=auth(REGULATOR)))
        shown = (await c.get("/v1/registry/practitioners/p-lead", headers=auth(REGULATOR))).json()

    assert [a.status_code for a in answers[:6]] == [200, 200, 422, 200, 200, 422]  # the twin: REG-02 review
    assert shown["identity"] == {
        "name": "王**",
        "id_number_masked": "330***********7716",
        "phone_masked": "139****5678",
    }
    secrets = (ID_NUMBER, PHONE, STAFF_ID_NUMBER, STAFF_PHONE)

    def leaked(text: str) -> list[str]:
        return [s for s in secrets if s in text or s.lower() in text]

    assert [(a.request.url.path, leaked(a.text)) for a in answers if leaked(a.text)] == []

    types = {m["type"] for m in published}
    assert {"registry.PractitionerApplied", "registry.InsurerStaffRegistered", "registry.AssignmentRefused"} <= types
    assert leaked(json.dumps(published)) == []
    for name in await service.db.list_collection_names():  # the outbox rides in the *_log collections
        async for doc in service.db[name].find({}):
            assert leaked(str(doc)) == [], name

    out, err = capsys.readouterr()
    logs = out + err + caplog.text
    assert '"registry.applied"' in out and "p-lead" in out  # the apply was logged, so the check means something
    assert leaked(logs) == []


async def test_xc05_change_lead_on_another_insurers_project_answers_like_a_missing_project(
    registry: Any, api: Any, auth: Any
) -> None:
    async with api(registry) as c:
        await _seed(c, auth)
        change = {"new_lead_id": "p-lead", "insurer_confirmation_key": "c/ok.pdf", "reason": "调岗"}
        theirs = await c.post(
            "/v1/registry/teams/prj-1/lead", json=change | {"project_id": "prj-1"}, headers=auth(OTHER_INSURER)
        )
        missing = await c.post(
            "/v1/registry/teams/prj-404/lead", json=change | {"project_id": "prj-404"}, headers=auth(OTHER_INSURER)
        )
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json()["reason_code"] == missing.json()["reason_code"] == "NOT_FOUND"
        assert theirs.json()["detail"].replace("prj-1", "X") == missing.json()["detail"].replace("prj-404", "X")


async def test_reg04_an_agency_cannot_assign_itself_to_an_insurers_project(registry: Any, api: Any, auth: Any) -> None:
    _, handlers = registry
    async with api(registry) as c:
        await _seed(c, auth, team=False)
        team = {"project_id": "prj-1", "agency_id": "ag-1", "insurer_id": "ins-1", "lead_id": "p-lead"}
        resp = await c.post("/v1/registry/teams", json=team, headers=auth(AGENCY))
        assert (resp.status_code, resp.json()["reason_code"]) == (403, "FORBIDDEN")
        change = {"project_id": "prj-1", "new_lead_id": "p-lead", "insurer_confirmation_key": "c/ok.pdf", "reason": "x"}
        resp = await c.post("/v1/registry/teams/prj-1/lead", json=change, headers=auth(AGENCY))
        assert (resp.status_code, resp.json()["reason_code"]) == (403, "FORBIDDEN")
    assert await handlers.repos.teams.get("prj-1") is None


async def test_reg04_a_refused_assignment_by_another_insurer_does_not_lock_the_lead_insurer_out(
    registry: Any, api: Any, auth: Any
) -> None:
    _, handlers = registry
    async with api(registry) as c:
        await _seed(c, auth, team=False)
        squat = {"project_id": "prj-1", "agency_id": "ag-1", "insurer_id": "ins-9", "lead_id": "p-ghost"}
        refused = await c.post("/v1/registry/teams", json=squat, headers=auth(OTHER_INSURER))
        assert (refused.status_code, refused.json()["rule_id"]) == (422, "REG-02")  # its refusal is recorded
        team = {"project_id": "prj-1", "agency_id": "ag-1", "insurer_id": "ins-1", "lead_id": "p-lead"}
        assigned = await c.post("/v1/registry/teams", json=team, headers=auth(INSURER))
        assert assigned.status_code == 200 and assigned.json()["events"] == ["registry.TeamAssigned"]
        again = await c.post("/v1/registry/teams", json=squat | {"lead_id": "p-lead"}, headers=auth(OTHER_INSURER))
        assert (again.status_code, again.json()["reason_code"]) == (404, "NOT_FOUND")
    loaded = await handlers.repos.teams.get("prj-1")
    assert loaded is not None and loaded.aggregate.lead_insurer_id == "ins-1"


async def test_xc05_unlisted_practitioners_and_unadmitted_agencies_answer_strangers_like_missing_ones(
    registry: Any, api: Any, auth: Any
) -> None:
    async with api(registry) as c:
        await _seed(c, auth, team=False)  # ag-1 admitted, p-lead listed
        await _ok(c, "/v1/registry/practitioners", _application("p-new", id_number="110101199003077777"), auth(AGENCY))
        await _ok(c, "/v1/registry/agencies", _nomination("ag-2", "ins-9"), auth(OTHER_INSURER))  # not admitted

        async def status(path: str, actor: Actor) -> int:
            return (await c.get(path, headers=auth(actor))).status_code

        everyone = (AGENCY, REGULATOR, INSURER, OTHER_INSURER, OTHER_AGENCY, OWNER)
        for path in ("/v1/registry/practitioners/p-new", "/v1/registry/practitioners/p-new/credit"):
            assert {a.id: await status(path, a) for a in everyone} == {
                "ag1-admin": 200,
                "zjw-1": 200,
                "picc-uw-1": 404,
                "cpic-uw-7": 404,
                "ag2-admin": 404,
                "owner-1": 404,
            }, path
        assert await status("/v1/registry/practitioners/p-lead", OTHER_AGENCY) == 200  # listed: shown masked
        for path in ("/v1/registry/agencies/ag-2", "/v1/registry/agencies/ag-2/credit"):
            assert {a.id: await status(path, a) for a in everyone} == {
                "ag1-admin": 404,
                "zjw-1": 200,
                "picc-uw-1": 404,
                "cpic-uw-7": 200,  # its nominator
                "ag2-admin": 200,  # the agency itself
                "owner-1": 404,
            }, path
        theirs = await c.get("/v1/registry/practitioners/p-new", headers=auth(OTHER_AGENCY))
        missing = await c.get("/v1/registry/practitioners/p-404", headers=auth(OTHER_AGENCY))
        assert theirs.json()["reason_code"] == missing.json()["reason_code"] == "NOT_FOUND"
        # Applying under another agency's practitioner id answers like a missing practitioner, takes nothing over.
        grab = await c.post(
            "/v1/registry/practitioners",
            json=_application("p-new", agency_id="ag-2", id_number="110101199003077777"),
            headers=auth(OTHER_AGENCY),
        )
        assert (grab.status_code, grab.json()["reason_code"]) == (404, "NOT_FOUND")


async def test_xc05_another_insurer_replaying_an_assignments_command_id_learns_nothing(
    registry: Any, api: Any, auth: Any
) -> None:
    """The lead insurer's command id is readable by anyone as its events' causation_id; replayed by
    another insurer it is authorized first and answered like a missing project, not with the team."""
    _, handlers = registry
    async with api(registry) as c:
        await _seed(c, auth, team=False)
    assign = r.AssignTeam(project_id="prj-1", agency_id="ag-1", insurer_id="ins-1", lead_id="p-lead")
    envelope = Envelope.wrap(assign, region=REGION, producer="picc-core", actor=INSURER, key="prj-1")
    first = await handlers.execute(envelope, assign)
    assert [e.TYPE for e in first.events] == ["registry.TeamAssigned"]
    theirs = assign.model_copy(update={"insurer_id": "ins-9"})
    replay = envelope.model_copy(update={"actor": OTHER_INSURER, "data": theirs.model_dump(mode="json")})
    with pytest.raises(RegistryError) as refused:
        await handlers.execute(replay, theirs)
    assert refused.value.reason_code == ReasonCode.NOT_FOUND
    again = await handlers.execute(envelope, assign)  # the lead insurer's own replay is answered alike
    assert again.duplicate and [e.TYPE for e in again.events] == ["registry.TeamAssigned"]
