"""HTTP API under /v1/claims (OpenAPI at /docs). Every command of the commands topic is also a POST here.

The actor comes from the signed bearer token (XC-05); a claim the actor may not see answers 404 exactly
like a claim that does not exist. ``Idempotency-Key`` (a UUID) makes a retried POST a no-op;
``If-Match: <version>`` refuses a change when someone else changed the claim first (409).
"""

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, Query, Response

from anju_claims import access
from anju_claims.domain.errors import ClaimError
from anju_claims.entrypoints import listings
from anju_claims.entrypoints.views import (
    ClaimList,
    ClaimView,
    DocumentLink,
    HistoryView,
    UnitCoverageView,
    UploadTicketView,
)
from anju_claims.handlers import ClaimsHandlers, Outcome
from anju_contracts import Actor, Envelope, ReasonCode
from anju_contracts import claims as c
from anju_contracts.base import Command
from anju_kit.auth import CurrentActor
from anju_kit.pipeline import CommandPipeline
from anju_kit.problems import Problem
from anju_kit.views import ViewSet

PRODUCER = "claims-http"
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": text}
    for code, text in ((403, "Forbidden"), (404, "Not found (or not yours)"), (409, "Conflict"), (422, "Refused"))
}

# path segment → command type, for the POST /v1/claims/{claim_id}/<segment> routes
COMMAND_ROUTES: tuple[tuple[str, type[Command], str], ...] = (
    ("survey-schedule", c.ScheduleSurvey, "Schedule the site survey 查勘 (CLM-02)"),
    ("survey", c.RecordSurvey, "Record the site survey findings and evidence (CLM-02)"),
    ("decision", c.DecideClaim, "Decide covered / not covered (CLM-04, CLM-07)"),
    ("agreement", c.RecordAgreement, "Record the compensation agreement (CLM-03, CLM-05)"),
    ("repair-assignment", c.AssignRepair, "Assign a qualified repairer (CLM-05)"),
    ("repair-completion", c.CompleteRepair, "Complete the repair; starts the 180-day warranty (CLM-06)"),
    ("payments", c.RecordPayment, "Record a payment (CLM-03)"),
    ("disputes", c.OpenDispute, "Open a dispute in writing (CLM-08)"),
    ("appraisal", c.RecordAppraisal, "Record the third-party appraisal result (CLM-08)"),
    ("subrogation", c.RecordSubrogation, "Record subrogation facts (CLM-09)"),
    ("withdrawal", c.WithdrawClaim, "Withdraw the claim"),
    ("evidence", c.AttachEvidence, "Attach uploaded evidence after checking it (XC-08)"),
)


def install(app: FastAPI, handlers: ClaimsHandlers, commands: CommandPipeline, views: ViewSet) -> None:
    app.include_router(build_router(handlers, commands, views))


def _envelope(handlers: ClaimsHandlers, command: Command, actor: Actor, key: str, idem: str | None) -> Envelope:
    event_id = _uuid(idem, "Idempotency-Key") if idem else None
    return Envelope.wrap(command, region=handlers.region, producer=PRODUCER, actor=actor, key=key, event_id=event_id)


def _uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ClaimError(ReasonCode.VALIDATION_FAILED, f"{field} must be a UUID", field=field) from None


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    try:
        return int(if_match.strip().strip("W/").strip('"'))
    except ValueError:
        raise ClaimError(ReasonCode.VALIDATION_FAILED, "If-Match must be a claim version", field="If-Match") from None


def _answer(outcome: Outcome, response: Response) -> ClaimView:
    response.headers["ETag"] = f'"{outcome.version}"'
    return ClaimView.of(outcome.claim, outcome.version)


def build_router(handlers: ClaimsHandlers, commands: CommandPipeline, views: ViewSet) -> APIRouter:
    router = APIRouter(prefix="/v1/claims", tags=["claims"], responses=_ERRORS)

    @router.post("", status_code=201, summary="Report a claim 报案 (CLM-01, CLM-02)")
    async def report(
        body: c.ReportClaim,
        actor: CurrentActor,
        response: Response,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> ClaimView:
        """A refused report (outside coverage, contractor warranty) is still stored and answered with
        status ``refused`` and the reason; a replay answers 200 with the stored claim."""
        outcome = await commands.from_http(_envelope(handlers, body, actor, body.claim_id, idempotency_key), body)
        if outcome.duplicate:
            response.status_code = 200
        return _answer(outcome, response)

    @router.post(
        "/safety-incidents", status_code=201, summary="A construction safety incident claim on 质安保 (POL-11)"
    )
    async def report_safety_incident(
        body: c.ReportSafetyIncident,
        actor: CurrentActor,
        response: Response,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        """Accepted only on a policy whose line covers the section while the project is in construction;
        refused (422) with the rule otherwise, e.g. on an IDI policy."""
        outcome = await commands.from_http(_envelope(handlers, body, actor, body.claim_id, idempotency_key), body)
        if outcome.duplicate:
            response.status_code = 200
        return {**outcome.claim.state(), "version": outcome.version, "duplicate": outcome.duplicate}

    @router.get("", summary="Claims visible to the actor; with unit_id, one household's file (XC-03)")
    async def list_claims(
        actor: CurrentActor,
        unit_id: Annotated[str | None, Query(max_length=128)] = None,
        status: c.ClaimStatus | None = None,
        month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="Report month (YYYY-MM)")] = None,
        offset: Annotated[int, Query(ge=0, le=1_000_000, description="A month's page: skip this many")] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> ClaimList:
        """An owner's claims; an insurer's or the regulator's one report month at a time (newest by
        default; ``months`` tallies every month by status), a page of ``limit`` from ``offset`` (``total``
        says how many). Answered from read models, each page a few documents read by ``_id``, ``as_of``."""
        return await listings.list_claims(
            views,
            actor,
            region=handlers.region,
            unit_id=unit_id,
            status=status,
            month=month,
            offset=offset,
            limit=limit,
        )

    @router.get(
        "/units/{unit_id}/coverage",
        summary="A unit's policy and coverage per building part with end dates (XC-03 一户一档, POL-13)",
    )
    async def unit_coverage(unit_id: str, actor: CurrentActor) -> UnitCoverageView:
        """One read by ``_id`` of the policy read model; a unit the actor may not see is answered like a
        unit without a policy (404)."""
        coverage = await handlers.coverage.for_unit(unit_id)
        if coverage is None or not access.can_read_unit_coverage(actor, coverage, unit_id):
            raise ClaimError(ReasonCode.NOT_FOUND, f"unit {unit_id} not found", field="unit_id")
        return UnitCoverageView.of(coverage, unit_id, handlers.rules)

    @router.get("/{claim_id}", summary="One claim with its deadlines, evidence and documents")
    async def get_claim(claim_id: str, actor: CurrentActor, response: Response) -> ClaimView:
        loaded = await handlers.repo.get(claim_id)
        if loaded is None or not access.can_read(actor, loaded.claim):
            raise access.not_found(claim_id)
        response.headers["ETag"] = f'"{loaded.version}"'
        return ClaimView.of(loaded.claim, loaded.version)

    @router.get("/{claim_id}/history", summary="Append-only history of every change with its actor (XC-04)")
    async def history(claim_id: str, actor: CurrentActor) -> list[HistoryView]:
        loaded = await handlers.repo.get(claim_id)
        if loaded is None or not access.can_read(actor, loaded.claim):
            raise access.not_found(claim_id)
        return [HistoryView.model_validate(entry) for entry in await handlers.repo.history(claim_id)]

    @router.get("/{claim_id}/documents/{kind}", summary="A short-lived download link for a generated document")
    async def document(claim_id: str, kind: str, actor: CurrentActor) -> DocumentLink:
        loaded = await handlers.repo.get(claim_id)
        if loaded is None or not access.can_read(actor, loaded.claim):
            raise access.not_found(claim_id)
        ref = {
            "rejection-notice": loaded.claim.rejection_notice,
            "repair-warranty-statement": loaded.claim.warranty_statement,
        }
        found = ref.get(kind)
        if found is None:
            raise ClaimError(ReasonCode.NOT_FOUND, f"no {kind} for this claim", field="kind")
        link = await handlers.evidence.download_link(found.key, timedelta(minutes=10))
        return DocumentLink(key=found.key, url=link.url, expires_at=link.expires_at)

    @router.post("/{claim_id}/evidence-uploads", status_code=201, summary="Presigned PUT for one photo or video")
    async def evidence_upload(claim_id: str, body: c.RequestEvidenceUpload, actor: CurrentActor) -> UploadTicketView:
        _same_claim(claim_id, body)
        outcome = await commands.from_http(_envelope(handlers, body, actor, claim_id, None), body)
        assert outcome.ticket is not None
        ticket = outcome.ticket
        return UploadTicketView(
            key=ticket.key, url=ticket.url, method=ticket.method, headers=ticket.headers, expires_at=ticket.expires_at
        )

    for segment, model, summary in COMMAND_ROUTES:
        _command_route(router, handlers, commands, segment, model, summary)
    return router


def _same_claim(claim_id: str, body: Command) -> None:
    if getattr(body, "claim_id", None) != claim_id:
        raise ClaimError(ReasonCode.VALIDATION_FAILED, "claim_id in the body differs from the path", field="claim_id")


def _command_route(
    router: APIRouter,
    handlers: ClaimsHandlers,
    commands: CommandPipeline,
    segment: str,
    model: type[Command],
    summary: str,
) -> None:
    async def endpoint(
        claim_id: str,
        body: Any,
        actor: CurrentActor,
        response: Response,
        idempotency_key: Annotated[str | None, Header()] = None,
        if_match: Annotated[str | None, Header()] = None,
    ) -> ClaimView:
        _same_claim(claim_id, body)
        envelope = _envelope(handlers, body, actor, claim_id, idempotency_key)
        outcome = await commands.from_http(envelope, body, expected_version=_version(if_match))
        return _answer(outcome, response)

    # FastAPI reads the body model from the annotation; it differs per route.
    endpoint.__annotations__["body"] = model
    endpoint.__name__ = f"post_{segment.replace('-', '_')}"
    router.add_api_route(
        f"/{{claim_id}}/{segment}",
        endpoint,
        methods=["POST"],
        summary=summary,
        response_model=ClaimView,
        description=(model.__doc__ or "").strip(),
    )
