"""HTTP API under /v1/policy (OpenAPI at /docs).

Every command of ``anju.policy.commands.v1`` is also a POST here (through the same pipeline), plus the
presigned upload of an underwriting document, which never travels on a topic. The actor comes from
the signed bearer token and decides what a GET shows (XC-05): an insurer its own projects, a builder
the projects it builds, the regulator the whole region; anyone else's project answers 404 like a
missing one. ``Idempotency-Key`` (a UUID) makes a retried POST a no-op; ``If-Match`` (a version)
refuses a change on a project that moved on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, Query, Request
from pydantic import BaseModel

from anju_contracts import Actor, Envelope, ReasonCode, Role
from anju_contracts import underwriting as u
from anju_contracts.base import Command
from anju_contracts.policy import ProjectStage
from anju_kit.auth import CurrentActor
from anju_kit.pipeline import CommandPipeline
from anju_kit.ports import ViewReads
from anju_kit.problems import Problem
from anju_policy import access
from anju_policy.domain.errors import PolicyError
from anju_policy.handlers import PolicyHandlers
from anju_policy.listings import listing_of, read_projects
from anju_policy.read_models import Ledger, read_ledger

PRODUCER = "policy-http"
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": text}
    for code, text in ((403, "Forbidden"), (404, "Not found"), (409, "Conflict"), (422, "Refused by a rule"))
}

# (path, command, summary)
COMMAND_ROUTES: tuple[tuple[str, type[Command], str], ...] = (
    ("/projects", u.RegisterProject, "First information entry of a project, with the quotation letter (POL-01…POL-04)"),
    ("/projects/{project_id}/quotations", u.SubmitQuotation, "A new formal quote before the contract (POL-02…POL-04)"),
    ("/projects/{project_id}/stage", u.AdvanceStage, "The project entered a later stage (POL-09)"),
    ("/projects/{project_id}/adjustments", u.AdjustInsuredAmount, "Adjust the insured amount to actual cost (POL-01)"),
    (
        "/projects/{project_id}/risk-management-contract",
        u.RecordRiskManagementContract,
        "The risk-management contract with an admitted agency (POL-08)",
    ),
    (
        "/projects/{project_id}/agency",
        u.SelectAgency,
        "Select an admitted agency and its team; the registry assigns it or refuses with rule ids (POL-08)",
    ),
    ("/projects/{project_id}/milestones", u.RecordMilestone, "A milestone step after completion (POL-09, POL-10)"),
    ("/projects/{project_id}/insurance-contract", u.SignInsuranceContract, "Sign the insurance contract (POL-05)"),
    ("/projects/{project_id}/payments", u.RecordPremiumPayment, "A premium payment received (POL-06)"),
    ("/projects/{project_id}/policy", u.IssuePolicy, "Issue the policy: 见费出单 (POL-06, POL-07)"),
    ("/projects/{project_id}/regulator-upload", u.RecordRegulatorUpload, "Contract uploaded to the regulator (POL-07)"),
)


class Accepted(BaseModel):
    project_id: str
    version: int
    duplicate: bool
    events: list[str]
    premium_yuan: Decimal | None = None
    outstanding_yuan: Decimal | None = None


class Ticket(BaseModel):
    key: str
    url: str
    method: str
    headers: dict[str, str]
    expires_at: datetime


class LedgerView(BaseModel):
    region: str
    line: str
    month: str | None
    entries: list[dict[str, Any]]
    totals: dict[str, Any]
    as_of: dict[str, Any] | None


Stores = Callable[[str], ViewReads]


def install(app: FastAPI, handlers: PolicyHandlers, commands: CommandPipeline, stores: Stores) -> None:
    app.include_router(build_router(handlers, commands, stores))


def _event_id(idem: str | None) -> uuid.UUID:
    if not idem:
        return uuid.uuid4()
    try:
        return uuid.UUID(idem)
    except ValueError:
        raise PolicyError(
            ReasonCode.VALIDATION_FAILED, "Idempotency-Key must be a UUID", field="Idempotency-Key"
        ) from None


def _envelope(handlers: PolicyHandlers, body: Command, actor: Actor, key: str, idem: str | None) -> Envelope:
    return Envelope.wrap(
        body, region=handlers.region, producer=PRODUCER, actor=actor, key=key, event_id=_event_id(idem)
    )


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    try:
        return int(if_match.strip('"W/'))
    except ValueError:
        raise PolicyError(
            ReasonCode.VALIDATION_FAILED, "If-Match must be a project version", field="If-Match"
        ) from None


def _command_route(
    router: APIRouter,
    handlers: PolicyHandlers,
    commands: CommandPipeline,
    path: str,
    model: type[Command],
    summary: str,
) -> None:
    async def endpoint(
        request: Request,
        body: Any,
        actor: CurrentActor,
        idempotency_key: Annotated[str | None, Header()] = None,
        if_match: Annotated[str | None, Header()] = None,
    ) -> Accepted:
        key = str(body.project_id)
        if "{project_id}" in path and request.path_params.get("project_id") != key:
            raise PolicyError(
                ReasonCode.VALIDATION_FAILED, "project_id in the body differs from the path", field="project_id"
            )
        envelope = _envelope(handlers, body, actor, key, idempotency_key)
        outcome = await commands.from_http(envelope, body, expected_version=_version(if_match))
        project = outcome.project
        return Accepted(
            project_id=key,
            version=outcome.version,
            duplicate=outcome.duplicate,
            events=[e.TYPE for e in outcome.events],
            premium_yuan=project.premium if project else None,
            outstanding_yuan=project.outstanding if project else None,
        )

    endpoint.__annotations__["body"] = model
    endpoint.__name__ = "post_" + path.strip("/").replace("/", "_").replace("{", "").replace("}", "").replace("-", "_")
    router.add_api_route(
        path,
        endpoint,
        methods=["POST"],
        summary=summary,
        response_model=Accepted,
        description=(model.__doc__ or "").strip(),
    )


class ProjectList(BaseModel):
    items: list[dict[str, Any]]
    total: int
    by_stage: dict[str, int]
    as_of: dict[str, Any] | None


def build_router(handlers: PolicyHandlers, commands: CommandPipeline, stores: Stores) -> APIRouter:
    router = APIRouter(prefix="/v1/policy", tags=["policy"], responses=_ERRORS)
    repo = handlers.repo
    ledger = stores(Ledger.name)

    @router.get("/projects", summary="Projects the actor may list, by stage, in bounded pages (XC-05)")
    async def list_projects(
        actor: CurrentActor,
        stage: ProjectStage | None = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
    ) -> ProjectList:
        """An insurer its own projects, a builder those it builds, the regulator the region's; read from
        the listings (a few documents by ``_id``), as of the change ``as_of`` names."""
        which = listing_of(actor, handlers.region)
        if which is None:
            return ProjectList(items=[], total=0, by_stage={}, as_of=None)
        page = await read_projects(stores(which[0]), which[1], stage=stage, offset=offset, limit=limit)
        return ProjectList(items=page.items, total=page.total, by_stage=page.by_stage, as_of=page.as_of)

    @router.post("/projects/{project_id}/document-uploads", summary="A presigned upload of a document (POL-04)")
    async def document_upload(project_id: str, body: u.RequestDocumentUpload, actor: CurrentActor) -> Ticket:
        if body.project_id != project_id:
            raise PolicyError(
                ReasonCode.VALIDATION_FAILED, "project_id in the body differs from the path", field="project_id"
            )
        envelope = _envelope(handlers, body, actor, project_id, None)
        outcome = await commands.from_http(envelope, body)
        assert outcome.ticket is not None
        t = outcome.ticket
        return Ticket(key=t.key, url=t.url, method=t.method, headers=t.headers, expires_at=t.expires_at)

    @router.get(
        "/projects/{project_id}", summary="One project as its insurer, builder or the regulator sees it (XC-05)"
    )
    async def get_project(project_id: str, actor: CurrentActor) -> dict[str, Any]:
        loaded = await repo.read(project_id)
        project = access.check_read(actor, loaded.aggregate if loaded else None, project_id)
        assert loaded is not None
        state = project.state()
        state["owners"] = {  # masked only (XC-09): the keyed hash stays inside the service
            unit: [{k: v for k, v in o.items() if k != "id_number_hash"} for o in owners]
            for unit, owners in state["owners"].items()  # type: ignore[attr-defined]
        }
        return {
            **state,
            "version": loaded.version,
            "premium_yuan": str(project.premium),
            "paid_yuan": str(project.paid),
            "outstanding_yuan": str(project.outstanding),
        }

    @router.post(
        "/projects/{project_id}/units/{unit_id}/owners",
        summary="The builder registers a unit's buyers from the sale contract (CLM-01; HTTP only, XC-09)",
    )
    async def register_owners(
        project_id: str,
        unit_id: str,
        body: u.RegisterUnitOwners,
        actor: CurrentActor,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> Accepted:
        if (body.project_id, body.unit_id) != (project_id, unit_id):
            raise PolicyError(ReasonCode.VALIDATION_FAILED, "the body names another project or unit", field="unit_id")
        outcome = await handlers.register_owners(actor, body, event_id=str(_event_id(idempotency_key)))
        return Accepted(
            project_id=project_id,
            version=outcome.version,
            duplicate=outcome.duplicate,
            events=[e.TYPE for e in outcome.events],
        )

    @router.post(
        "/projects/{project_id}/owners",
        summary="The builder registers many units' buyers from its sales roster, all or nothing (CLM-01; XC-09)",
    )
    async def register_owners_batch(
        project_id: str,
        body: u.RegisterUnitOwnersBatch,
        actor: CurrentActor,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> Accepted:
        """Up to 100 units of one project in one commit; a refused entry refuses them all, and the
        answer names every refused entry by its place (``entries.3.unit_id``)."""
        if body.project_id != project_id:
            raise PolicyError(ReasonCode.VALIDATION_FAILED, "the body names another project", field="project_id")
        outcome = await handlers.register_owners_batch(actor, body, event_id=str(_event_id(idempotency_key)))
        return Accepted(
            project_id=project_id,
            version=outcome.version,
            duplicate=outcome.duplicate,
            events=[e.TYPE for e in outcome.events],
        )

    @router.get("/projects/{project_id}/history", summary="Append-only history with actors (XC-04)")
    async def history(project_id: str, actor: CurrentActor) -> list[dict[str, Any]]:
        loaded = await repo.read(project_id)
        access.check_read(actor, loaded.aggregate if loaded else None, project_id)
        return [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in e.items()}
            for e in await repo.history(project_id)
        ]

    @router.get("/ledgers/{line}", summary="A product line's own ledger (POL-12): regulator all, insurer its share")
    async def get_ledger(
        line: str,
        actor: CurrentActor,
        month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    ) -> LedgerView:
        if handlers.rules.line(line) is None:
            raise PolicyError(ReasonCode.NOT_FOUND, "the region writes no such product line", field="line")
        if actor.role is Role.REGULATOR:
            insurer_id = None
        elif actor.role in (Role.INSURER, Role.SYSTEM) and actor.insurer_id is not None:
            insurer_id = actor.insurer_id
        else:
            raise PolicyError(ReasonCode.FORBIDDEN, "ledgers are the insurers' and the regulator's")
        page = await read_ledger(ledger, handlers.region, line, month, insurer_id=insurer_id)
        return LedgerView(
            region=page.region,
            line=page.line,
            month=page.month,
            entries=page.entries,
            totals=page.totals,
            as_of=page.as_of,
        )

    for path, model, summary in COMMAND_ROUTES:
        _command_route(router, handlers, commands, path, model, summary)
    return router
