"""HTTP API under /v1/registry (OpenAPI at /docs).

Every command of the registry commands topic is also a POST here, plus the two real-name requests that
never travel on a topic (XC-09). The actor comes from the signed bearer token and decides what a GET
shows (XC-05). ``Idempotency-Key`` (a UUID) makes a retried POST a no-op. A command the rules refuse
answers 422 with every failed condition (each with its rule ID) — the refusal is recorded too.

A GET by id reads the aggregate (current). A listing reads the read models (anju_registry.read_models)
by ``_id`` and answers their ``as_of``: it trails the commits by the view writer's lag (issue #10).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, FastAPI, Header, Query, Request

from anju_contracts import Actor, Envelope, ReasonCode, Role
from anju_contracts import registry as r
from anju_contracts.base import ContractModel, Message
from anju_kit.auth import CurrentActor
from anju_kit.pipeline import CommandPipeline
from anju_kit.problems import Problem
from anju_registry import access
from anju_registry.adapters.repository import Repository
from anju_registry.domain.agency import Agency
from anju_registry.domain.aggregate import Aggregate
from anju_registry.domain.assignment import TeamContext, assignment_failures
from anju_registry.domain.errors import NotFound, RegistryError
from anju_registry.domain.practitioner import Practitioner
from anju_registry.entrypoints.views import (
    Accepted,
    AgencyCreditView,
    AgencyView,
    AsOf,
    CreditView,
    EligibleList,
    EligiblePractitioner,
    InsurerView,
    PoolView,
    PractitionerCreditView,
    PractitionerView,
    TeamView,
)
from anju_registry.handlers import RegistryHandlers

PRODUCER = "registry-http"
LOAD_CONCURRENCY = 16  # aggregates a listing reads by _id at once
A = TypeVar("A", bound=Aggregate)
_STATUS: dict[str, int] = {
    ReasonCode.NOT_FOUND: 404,
    ReasonCode.FORBIDDEN: 403,
    ReasonCode.WRONG_REGION: 403,
    ReasonCode.CONFLICT: 409,
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": text}
    for code, text in ((403, "Forbidden"), (404, "Not found"), (409, "Conflict"), (422, "Refused by a rule"))
}

# (path, request model, field that names the aggregate, summary)
COMMAND_ROUTES: tuple[tuple[str, type[ContractModel], str, str], ...] = (
    ("/agencies", r.NominateAgency, "agency_id", "An insurer nominates an agency for the pool (REG-01)"),
    ("/agencies/{agency_id}/admission", r.AdmitAgency, "agency_id", "Admit a nominated agency 入库 (REG-01)"),
    ("/agencies/{agency_id}/refusal", r.RefuseAgency, "agency_id", "Refuse a nominated agency (REG-01)"),
    (
        "/agencies/{agency_id}/relations",
        r.RecordCorporateRelations,
        "agency_id",
        "Group companies, subsidiaries, related parties (REG-04)",
    ),
    ("/agencies/{agency_id}/evaluations", r.SubmitEvaluation, "agency_id", "An insurer scores the agency (REG-07)"),
    (
        "/agencies/{agency_id}/combined-evaluations",
        r.CombineEvaluations,
        "agency_id",
        "The association combines the period's scores (REG-07)",
    ),
    (
        "/agencies/{agency_id}/rectification-refusal",
        r.RectificationRefused,
        "agency_id",
        "A watch-listed agency refused to rectify → removal (REG-07)",
    ),
    ("/agencies/{agency_id}/violations", r.RecordViolation, "agency_id", "A responsibility finding (REG-08, REG-13)"),
    ("/agencies/{agency_id}/accidents", r.RecordSeriousAccident, "agency_id", "A quality accident (REG-09)"),
    (
        "/agencies/{agency_id}/safety-checklists",
        r.SubmitSafetyChecklistScore,
        "agency_id",
        "The authority's quarterly checklist (SAF-07)",
    ),
    (
        "/practitioners",
        r.ApplyPractitioner,
        "practitioner_id",
        "Apply for the talent database, real-name (REG-02; HTTP only, XC-09)",
    ),
    (
        "/practitioners/{practitioner_id}/approval",
        r.ApprovePractitioner,
        "practitioner_id",
        "Approve into the talent database (REG-02)",
    ),
    ("/practitioners/{practitioner_id}/trainings", r.RecordTraining, "practitioner_id", "Record training (REG-11)"),
    (
        "/practitioners/{practitioner_id}/reevaluations",
        r.RecordReEvaluation,
        "practitioner_id",
        "Record a periodic re-evaluation (REG-11)",
    ),
    (
        "/insurers/{insurer_id}/staff",
        r.RegisterInsurerStaff,
        "insurer_id",
        "Register IDI staff, real-name (REG-12; HTTP only, XC-09)",
    ),
    ("/teams", r.AssignTeam, "project_id", "Set a project's team (REG-02..REG-06, REG-11, REG-13)"),
    ("/teams/{project_id}/lead", r.ChangeLead, "project_id", "Change the project lead (REG-05)"),
)


def install(app: FastAPI, handlers: RegistryHandlers, commands: CommandPipeline) -> None:
    app.include_router(build_router(handlers, commands))


def _envelope(handlers: RegistryHandlers, body: ContractModel, actor: Actor, key: str, idem: str | None) -> Envelope:
    event_id = uuid.uuid4()
    if idem:
        try:
            event_id = uuid.UUID(idem)
        except ValueError:
            raise RegistryError(ReasonCode.VALIDATION_FAILED, "Idempotency-Key must be a UUID") from None
    if isinstance(body, Message):
        return Envelope.wrap(body, region=handlers.region, producer=PRODUCER, actor=actor, key=key, event_id=event_id)
    # Real-name requests: the envelope only names the request; the personal data stays out of it (XC-09).
    return Envelope(
        event_id=event_id,
        type=f"registry.{type(body).__name__}",
        schema_version=1,
        region=handlers.region,
        producer=PRODUCER,
        actor=actor,
        key=key,
        data={},
        correlation_id=uuid.uuid4(),
        occurred_at=handlers.clock.now(),
    )


def _command_route(
    router: APIRouter,
    handlers: RegistryHandlers,
    commands: CommandPipeline,
    path: str,
    model: type[ContractModel],
    id_field: str,
    summary: str,
) -> None:
    path_param = path.split("{")[1].split("}")[0] if "{" in path else None

    async def endpoint(
        request: Request, body: Any, actor: CurrentActor, idempotency_key: Annotated[str | None, Header()] = None
    ) -> Accepted:
        key = str(getattr(body, id_field))
        if path_param is not None and request.path_params.get(path_param) != key:
            raise RegistryError(ReasonCode.VALIDATION_FAILED, f"{id_field} in the body differs from the path")
        outcome = await commands.from_http(_envelope(handlers, body, actor, key, idempotency_key), body)
        return Accepted(
            id=key, version=outcome.version, duplicate=outcome.duplicate, events=[e.TYPE for e in outcome.events]
        )

    endpoint.__annotations__["body"] = model
    endpoint.__name__ = "post_" + path.strip("/").replace("/", "_").replace("{", "").replace("}", "").replace("-", "_")
    router.add_api_route(
        path,
        endpoint,
        methods=["POST"],
        summary=summary,
        response_model=Accepted,
        status_code=200,
        description=(model.__doc__ or "").strip(),
    )


def _sees_agency_in_full(actor: Actor, agency_id: str, nominated_by: str) -> bool:
    return (
        access.is_regulator(actor)
        or access.acts_for_agency(actor, agency_id)
        or access.acts_for_insurer(actor, nominated_by)
    )


async def _load_many(repo: Repository[A], ids: Iterable[str]) -> dict[str, tuple[A, int]]:
    """The aggregates of ``ids`` that exist, with their versions, each read by ``_id`` as projected
    (a listing: it says as of when, and a commit in flight may not show yet)."""
    limit = asyncio.Semaphore(LOAD_CONCURRENCY)

    async def one(doc_id: str) -> tuple[str, tuple[A, int] | None]:
        async with limit:
            loaded = await repo.get_listed(doc_id)
        return doc_id, (loaded.aggregate, loaded.version) if loaded else None

    found = await asyncio.gather(*(one(doc_id) for doc_id in dict.fromkeys(ids)))
    return {doc_id: got for doc_id, got in found if got is not None}


# Outcomes the regulator publishes (the pool, removal, ineligibility); a nomination that never entered
# the pool is the nominating insurer's, the agency's and the regulator's business only.
_PUBLIC_AGENCY_STATUSES = frozenset({r.AgencyStatus.ADMITTED, r.AgencyStatus.REMOVED, r.AgencyStatus.INELIGIBLE})


def _visible_agency(actor: Actor, agency: Agency | None, agency_id: str) -> Agency:
    """The agency, or the NOT_FOUND a missing one gets when ``actor`` may not see it (XC-05)."""
    if agency is None or not (
        agency.status in _PUBLIC_AGENCY_STATUSES or _sees_agency_in_full(actor, agency.agency_id, agency.nominated_by)
    ):
        raise NotFound("agency", agency_id)
    return agency


def _visible_practitioner(actor: Actor, p: Practitioner | None, practitioner_id: str) -> Practitioner:
    """Listed practitioners (the talent database) are shown masked to anyone; an application that is
    not listed only to the regulator and its agency; anyone else hears NOT_FOUND (XC-05)."""
    if p is None or not (p.in_database or access.is_regulator(actor) or access.acts_for_agency(actor, p.agency_id)):
        raise NotFound("practitioner", practitioner_id)
    return p


def build_router(handlers: RegistryHandlers, commands: CommandPipeline) -> APIRouter:
    router = APIRouter(prefix="/v1/registry", tags=["registry"], responses=_ERRORS)
    repos, reads = handlers.repos, handlers.reads

    @router.get("/pool", summary="The regional pool of admitted agencies (REG-01)")
    async def pool(
        actor: CurrentActor, status: Annotated[r.AgencyStatus | None, Query(description="regulator only")] = None
    ) -> PoolView:
        wanted = status if status is not None and access.is_regulator(actor) else r.AgencyStatus.ADMITTED
        listed = await reads.pool(wanted)
        # A list shows what the read model holds (the public fields), one document for the whole pool;
        # whoever may see an agency in full reads it by _id at /agencies/{agency_id}.
        views = [AgencyView.public(i["id"], i) for i in listed.items]
        return PoolView(region=handlers.region, agencies=views, as_of=AsOf.of(listed.as_of))

    @router.get("/agencies/{agency_id}", summary="One agency; public view unless it is yours (XC-05)")
    async def get_agency(agency_id: str, actor: CurrentActor) -> AgencyView:
        loaded = await repos.agencies.get(agency_id)
        agency = _visible_agency(actor, loaded.aggregate if loaded else None, agency_id)
        return AgencyView.of(
            agency,
            full=_sees_agency_in_full(actor, agency.agency_id, agency.nominated_by),
            version=loaded.version if loaded else None,
        )

    @router.get("/agencies/{agency_id}/credit", summary="An agency's credit record (REG-10); findings: regulator only")
    async def agency_credit(agency_id: str, actor: CurrentActor) -> AgencyCreditView:
        loaded = await repos.agencies.get(agency_id)
        a = _visible_agency(actor, loaded.aggregate if loaded else None, agency_id)
        full = access.is_regulator(actor) or access.acts_for_agency(actor, agency_id)
        findings = [v.model_dump(mode="json") for v in a.violations] if full else None
        return AgencyCreditView(
            agency_id=a.agency_id,
            name=a.name,
            status=a.status,
            watch_listed=a.watch_listed,
            strikes=a.strikes,
            records=[CreditView.of(c) for c in a.credit],
            findings=findings,
        )

    @router.get("/agencies/{agency_id}/history", summary="Append-only history with actors (XC-04)")
    async def agency_history(agency_id: str, actor: CurrentActor) -> list[dict[str, Any]]:
        if not (access.is_regulator(actor) or access.acts_for_agency(actor, agency_id)):
            raise RegistryError(ReasonCode.FORBIDDEN, "only the regulator and the agency read its history")
        return [_jsonable(entry) for entry in await repos.agencies.history(agency_id)]

    @router.get("/practitioners/{practitioner_id}", summary="One practitioner, identity masked (XC-09)")
    async def get_practitioner(practitioner_id: str, actor: CurrentActor) -> PractitionerView:
        loaded = await repos.practitioners.get(practitioner_id)
        p = _visible_practitioner(actor, loaded.aggregate if loaded else None, practitioner_id)
        version = loaded.version if loaded else None
        return PractitionerView.of(p, handlers.today, version, regulator=access.is_regulator(actor))

    @router.get("/practitioners/{practitioner_id}/credit", summary="A practitioner's credit record (REG-10)")
    async def practitioner_credit(practitioner_id: str, actor: CurrentActor) -> PractitionerCreditView:
        loaded = await repos.practitioners.get(practitioner_id)
        p = _visible_practitioner(actor, loaded.aggregate if loaded else None, practitioner_id)
        return PractitionerCreditView(
            practitioner=PractitionerView.of(p, handlers.today), records=[CreditView.of(c) for c in p.credit]
        )

    @router.get(
        "/projects/{project_id}/eligible-practitioners",
        summary="Practitioners of an agency who may staff (or lead) the project now (REG-02, -03, -06, -11)",
    )
    async def eligible(
        project_id: str,
        agency_id: Annotated[str, Query(max_length=128)],
        actor: CurrentActor,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=100, description="A page of the roster (each one read by _id)")] = 20,
    ) -> EligibleList:
        if actor.role is Role.AGENCY and actor.agency_id != agency_id:
            raise RegistryError(ReasonCode.FORBIDDEN, "an agency sees its own practitioners only")
        if actor.role not in (Role.REGULATOR, Role.INSURER, Role.AGENCY, Role.SYSTEM):
            raise RegistryError(ReasonCode.FORBIDDEN, "not visible to this role")
        # A few documents by _id: the agency, its roster, its leads' loads, then each practitioner at once.
        agency, roster, leads = await asyncio.gather(
            repos.agencies.get(agency_id), reads.roster(agency_id), reads.agency_leads(agency_id)
        )
        page = roster.ids[offset : offset + limit]
        loaded = await _load_many(repos.practitioners, page)
        # One who left the talent database since the roster's as_of is left out.
        people = [loaded[pid][0] for pid in page if pid in loaded and loaded[pid][0].in_database]
        led: dict[str, int] = {}
        for item in leads.items:
            lead, _, project = str(item["id"]).partition("|")
            if project != project_id:
                led[lead] = led.get(lead, 0) + 1
        items: list[EligiblePractitioner] = []
        for p in people:
            load = led.get(p.practitioner_id, 0)
            ctx = TeamContext(
                agency=agency.aggregate if agency else None,
                people={p.practitioner_id: p},
                lead_active_projects=load,
                today=handlers.today,
            )
            as_lead = assignment_failures(
                project_id=project_id,
                agency_id=agency_id,
                lead_id=p.practitioner_id,
                member_ids=(),
                technical_lead_id=None,
                participating_units=(),
                key_positions=(),
                ctx=ctx,
                rules=handlers.rules,
            )
            lead_only = {"REG-03"}
            as_member = [f for f in as_lead if f.rule_id not in lead_only]
            items.append(
                EligiblePractitioner(
                    practitioner=PractitionerView.of(p, handlers.today),
                    eligible_as_member=not as_member,
                    eligible_as_lead=not as_lead,
                    lead_active_projects=load,
                    lead_load_as_of=AsOf.of(leads.as_of),
                    failures=as_lead,
                )
            )
        return EligibleList(
            project_id=project_id,
            agency_id=agency_id,
            items=items,
            total=len(roster.ids),
            offset=offset,
            as_of=AsOf.of(roster.as_of),
        )

    @router.get("/teams/{project_id}", summary="A project's team (its insurer, its agency, the regulator)")
    async def get_team(project_id: str, actor: CurrentActor) -> TeamView:
        loaded = await repos.teams.get(project_id)
        team = loaded.aggregate if loaded else None
        if team is None or not (
            access.is_regulator(actor)
            or access.acts_for_insurer(actor, team.insurer_id)
            or access.acts_for_agency(actor, team.agency_id)
        ):
            raise NotFound("project team", project_id)  # not yours answers like not there (XC-05)
        return TeamView.of(team, loaded.version if loaded else None)

    @router.get("/insurers/{insurer_id}", summary="Whether the insurer may write IDI (REG-12)")
    async def get_insurer(insurer_id: str, actor: CurrentActor) -> InsurerView:
        loaded = await repos.insurers.get(insurer_id)
        if loaded is None:
            raise NotFound("insurer", insurer_id)
        return InsurerView(
            insurer_id=insurer_id,
            eligible=loaded.aggregate.eligible,
            staff=len(loaded.aggregate.staff),
            version=loaded.version,
        )

    for path, model, id_field, summary in COMMAND_ROUTES:
        _command_route(router, handlers, commands, path, model, id_field, summary)
    return router


def _jsonable(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in entry.items()}
