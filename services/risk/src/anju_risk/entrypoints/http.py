"""HTTP API under /v1/risk (OpenAPI at /docs).

Every command of ``anju.risk.commands.v1`` is also a POST here (through the same pipeline), plus the
presigned upload of a photo, video or document, which never travels on a topic. The actor comes from
the signed bearer token and decides what a GET shows (XC-05); anyone else's project answers 404 like a
missing one. ``Idempotency-Key`` (a UUID) makes a retried POST a no-op; ``If-Match`` (a version)
refuses a change on a file that moved on. Reads are ``_id`` look-ups of the file or its read models.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from anju_contracts import Actor, Envelope, ReasonCode, Role
from anju_contracts import risk as r
from anju_contracts import safety as sf
from anju_contracts.base import Command
from anju_kit.auth import CurrentActor
from anju_kit.listing import PAGE_SIZE
from anju_kit.pipeline import CommandPipeline
from anju_kit.ports import ViewReads
from anju_kit.problems import Problem
from anju_risk import access
from anju_risk.domain import safety_plan
from anju_risk.domain.errors import RiskError, not_found
from anju_risk.handlers import RiskHandlers
from anju_risk.read_models import (
    OPEN_TALLIES,
    UNCOVERED,
    read_agency_issues,
    read_agency_projects,
    read_issue_history,
    read_issues,
    read_safety_coverage,
    read_serious_issues,
)

PRODUCER = "risk-http"
RECENTLY_CLOSED = timedelta(days=7)  # closed issues a project's file still shows (销项 lately) …
RECENTLY_CLOSED_SHOWN = 20  # … the newest this many of them: the rest are counted and listed at /issues
QUARTER = re.compile(r"^20[0-9]{2}Q[1-4]$")
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": text}
    for code, text in ((403, "Forbidden"), (404, "Not found"), (409, "Conflict"), (422, "Refused by a rule"))
}
P = "/projects/{project_id}"
# (path, command, summary)
COMMAND_ROUTES: tuple[tuple[str, type[Command], str], ...] = (
    (f"{P}/plan", r.SubmitRiskPlan, "The agency's risk-management plan, staffed from the team (RSK-01)"),
    (f"{P}/kickoff", r.RecordKickoffBriefing, "The kick-off briefing (交底会) with its minutes (RSK-02)"),
    (f"{P}/reports", r.UploadRiskReport, "A report of the agency, e.g. the initial risk analysis (RSK-02, RSK-03)"),
    (f"{P}/issues", r.RaiseRiskIssue, "A risk issue with its stored evidence (RSK-04)"),
    (f"{P}/issues/{{issue_id}}/rectifications", r.SubmitRectification, "Rectified, with before/after (RSK-05)"),
    (f"{P}/issues/{{issue_id}}/review", r.ReviewRectification, "销项 or sent back by the agency (RSK-05)"),
    (f"{P}/issue-batches", r.RaiseRiskIssues, "An inspection's issues (≤ 50), all or nothing (RSK-04)"),
    (f"{P}/rectification-batches", r.SubmitRectifications, "A unit's rectifications (≤ 50), all or nothing (RSK-05)"),
    (f"{P}/review-batches", r.ReviewRectifications, "A pass of 销项 / sent back (≤ 50), all or nothing (RSK-05)"),
    (f"{P}/part-acceptances", r.RecordPartAcceptance, "The supervisor accepts a part (RSK-05: no open issue)"),
    (f"{P}/processes/{{process_id}}/close", r.CloseProcess, "A critical process closed (RSK-07)"),
    (f"{P}/final-report", r.SealFinalReport, "Seal the final risk assessment report behind the gate (RSK-07)"),
    (f"{P}/final-report/filing", r.RecordReportFiled, "The final report filed with the regulator (RSK-07)"),
    (f"{P}/generated-reports", r.GenerateRiskReport, "A report rendered from the recorded findings (RSK-03)"),
    (f"{P}/generated-reports/{{report_id}}/filing", r.RecordRiskReportFiled, "A report filed (RSK-03)"),
    (f"{P}/design-issues", r.RaiseDesignIssue, "A design quality risk for the designer (RSK-06)"),
    (f"{P}/design-issues/{{design_issue_id}}/answers", r.AnswerDesignIssue, "Revised drawings (RSK-06)"),
    (f"{P}/design-issues/{{design_issue_id}}/review", r.ReviewDesignAnswer, "销项 or sent back (RSK-06)"),
    (f"{P}/drawing-review-certificate", r.RecordDrawingReviewCertificate, "No open serious design issue (RSK-06)"),
    (f"{P}/special-inspections", r.NotifySpecialInspection, "分户验收 / 预看房 notified ahead (RSK-08)"),
    (f"{P}/special-inspections/{{inspection_id}}/completion", r.CompleteSpecialInspection, "Units' results (RSK-08)"),
    (f"{P}/testing/plan", r.ConfirmTestingPlan, "The lab's testing plan confirmed (RSK-09)"),
    (f"{P}/testing/builder-tests", r.RecordBuilderAcceptanceTests, "The builder's acceptance tests (RSK-09)"),
    (f"{P}/testing/tests", r.CommissionTest, "An agency-commissioned test (RSK-09)"),
    (f"{P}/testing/tests/{{test_id}}/result", r.RecordTestResult, "The lab's result: notice due in hours (RSK-09)"),
    (f"{P}/testing/tests/{{test_id}}/notice", r.RecordLabNotice, "The lab's result notice (RSK-09)"),
    (f"{P}/agency-scores", r.ScoreAgencyWork, "The insurer scores the agency's work (RSK-10, REG-07)"),
    (f"{P}/unannounced-inspections", r.RecordUnannouncedInspection, "A flying inspection (RSK-10)"),
    (f"{P}/emergencies", r.DeclareEmergency, "An emergency: plan, site visit, regulator report (RSK-11)"),
    (f"{P}/emergencies/{{emergency_id}}/actions", r.RecordEmergencyAction, "An emergency action done (RSK-11)"),
    (f"{P}/safety/plan", sf.SubmitSafetyPlan, "The one safety service plan with the risk grade (SAF-01, SAF-08)"),
    (f"{P}/safety/risk-sources", sf.IdentifyRiskSources, "Risk sources by level from the region list (SAF-02)"),
    (f"{P}/safety/inspections", sf.RecordSafetyInspection, "A site inspection and the sources checked (SAF-02)"),
    (f"{P}/safety/hazards", sf.RaiseHazard, "A hazard by level with photo evidence (SAF-03)"),
    (f"{P}/safety/hazards/{{hazard_id}}/reports", sf.ReportHazard, "Reported to insurer / authority (SAF-03)"),
    (f"{P}/safety/hazards/{{hazard_id}}/rectifications", sf.SubmitHazardRectification, "Rectified (SAF-03)"),
    (f"{P}/safety/hazards/{{hazard_id}}/review", sf.ReviewHazardRectification, "Closed or sent back (SAF-03)"),
    (f"{P}/safety/hazards/{{hazard_id}}/refusal", sf.ReportRectificationRefused, "A refusal escalated (SAF-03)"),
    (f"{P}/safety/trainings", sf.RecordSafetyTraining, "A training covering everyone (SAF-06)"),
    (f"{P}/safety/drills", sf.RecordEmergencyDrill, "The emergency plan and a drill with its evaluation (SAF-06)"),
    (f"{P}/safety/reports", sf.IssueSafetyReport, "The period's hazard list and risk report as a PDF (SAF-04)"),
    (f"{P}/safety/records/destruction", sf.ApproveRecordsDestruction, "The insurer's approval (SAF-05)"),
)


class Accepted(BaseModel):
    project_id: str
    version: int
    duplicate: bool
    events: list[str]


class Ticket(BaseModel):
    key: str
    url: str
    method: str
    headers: dict[str, str]
    expires_at: datetime


class Listing(BaseModel):
    items: list[dict[str, Any]]
    total: int
    counts: dict[str, int]
    as_of: dict[str, Any] | None


def install(
    app: FastAPI,
    handlers: RiskHandlers,
    commands: CommandPipeline,
    issues: ViewReads,
    agencies: ViewReads,
    units: ViewReads | None = None,
    coverage: ViewReads | None = None,
    hazards: ViewReads | None = None,
    *,
    agency_issues: ViewReads | None = None,
    serious_by_region: ViewReads | None = None,
    serious_by_insurer: ViewReads | None = None,
    issue_history: ViewReads | None = None,
) -> None:
    app.include_router(
        build_router(
            handlers,
            commands,
            issues,
            agencies,
            units,
            coverage,
            hazards,
            agency_issues=agency_issues,
            serious_by_region=serious_by_region,
            serious_by_insurer=serious_by_insurer,
            issue_history=issue_history,
        )
    )


def _envelope(handlers: RiskHandlers, body: Command, actor: Actor, key: str, idem: str | None) -> Envelope:
    event_id = uuid.uuid4()
    if idem:
        try:
            event_id = uuid.UUID(idem)
        except ValueError:
            raise RiskError(
                ReasonCode.VALIDATION_FAILED, "Idempotency-Key must be a UUID", field="Idempotency-Key"
            ) from None
    return Envelope.wrap(body, region=handlers.region, producer=PRODUCER, actor=actor, key=key, event_id=event_id)


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    try:
        return int(if_match.strip('"W/'))
    except ValueError:
        raise RiskError(ReasonCode.VALIDATION_FAILED, "If-Match must be a file version", field="If-Match") from None


def _same_as_path(request: Request, body: Any) -> None:
    """Ids in the path and in the body must agree (the body is what the pipeline decides on)."""
    for name, value in request.path_params.items():
        if getattr(body, name, value) != value:
            raise RiskError(ReasonCode.VALIDATION_FAILED, f"{name} in the body differs from the path", field=name)


def _command_route(
    router: APIRouter, handlers: RiskHandlers, commands: CommandPipeline, path: str, model: type[Command], summary: str
) -> None:
    async def endpoint(
        request: Request,
        body: Any,
        actor: CurrentActor,
        idempotency_key: Annotated[str | None, Header()] = None,
        if_match: Annotated[str | None, Header()] = None,
    ) -> Accepted:
        _same_as_path(request, body)
        key = str(body.project_id)
        envelope = _envelope(handlers, body, actor, key, idempotency_key)
        outcome = await commands.from_http(envelope, body, expected_version=_version(if_match))
        return Accepted(
            project_id=key,
            version=outcome.version,
            duplicate=outcome.duplicate,
            events=[e.TYPE for e in outcome.events],
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


def build_router(
    handlers: RiskHandlers,
    commands: CommandPipeline,
    issues: ViewReads,
    agencies: ViewReads,
    units: ViewReads | None = None,
    coverage: ViewReads | None = None,
    hazards: ViewReads | None = None,
    *,
    agency_issues: ViewReads | None = None,
    serious_by_region: ViewReads | None = None,
    serious_by_insurer: ViewReads | None = None,
    issue_history: ViewReads | None = None,
) -> APIRouter:
    router = APIRouter(prefix="/v1/risk", tags=["risk"], responses=_ERRORS)
    repo = handlers.repo
    serious = {"region": serious_by_region, "insurer": serious_by_insurer}

    @router.post(f"{P}/evidence-uploads", summary="A presigned upload of a photo, video or document (RSK-04)")
    async def evidence_upload(request: Request, body: r.RequestEvidenceUpload, actor: CurrentActor) -> Ticket:
        _same_as_path(request, body)
        envelope = _envelope(handlers, body, actor, body.project_id, None)
        outcome = await commands.from_http(envelope, body)
        assert outcome.ticket is not None
        t = outcome.ticket
        return Ticket(key=t.key, url=t.url, method=t.method, headers=t.headers, expires_at=t.expires_at)

    @router.get(
        P,
        summary="A project's risk file as its insurer, team, participants or the regulator see it (XC-05)",
        response_class=JSONResponse,
    )
    async def get_file(project_id: str, actor: CurrentActor) -> JSONResponse:
        access.check_read(actor, await handlers.project_facts(project_id))
        loaded = await repo.read(project_id)
        if loaded is None:
            raise not_found()
        risk_file = loaded.aggregate
        coverage = risk_file.testing.coverage(handlers.rules, project_id)
        issues = risk_file.issues.values()
        recently = handlers.clock.now() - RECENTLY_CLOSED
        closed_lately = sorted(
            (i for i in issues if i.closed_at is not None and i.closed_at >= recently),
            key=lambda i: i.closed_at or recently,
            reverse=True,
        )[:RECENTLY_CLOSED_SHOWN]
        shown = [i for i in issues if i.is_open] + closed_lately
        # Already JSON, so it is answered as it is: FastAPI's encoder walking a 400 KB answer took ~34 ms.
        return JSONResponse(
            {
                # The file shows the issues that want work (not closed) and the newest closed lately, read
                # with it (read-your-writes for the inspector's page); it counts all, and /issues lists all
                # a bounded page at a time (RSK-04). A file of 250 issues is ~380 KB: answering it whole
                # took 92 / 668 ms p50 / p99 on this machine (issue #10).
                **risk_file.model_dump(mode="json", exclude={"issues"}),
                "issues": {issue.issue_id: issue.model_dump(mode="json") for issue in shown},
                "issue_counts": dict(Counter(issue.status.value for issue in issues)),
                "serious_open": sum(1 for issue in issues if issue.is_serious and issue.is_open),  # RSK-07's gate
                "issues_listed_at": f"/v1/risk/projects/{project_id}/issues",
                # A closed issue is settled in the file (no rounds): its whole history is read there.
                "issue_history_at": f"/v1/risk/projects/{project_id}/issues/{{issue_id}}",
                "testing_coverage": coverage.model_dump(mode="json", exclude={"project_id"}),  # RSK-09 shortfall
                "version": loaded.version,
            }
        )

    @router.get(f"{P}/safety/coverage/{{quarter}}", summary="A quarter's coverage: what is still unchecked (SAF-02)")
    async def safety_coverage(project_id: str, quarter: str, actor: CurrentActor) -> dict[str, Any]:
        access.check_read(actor, await handlers.project_facts(project_id))
        if handlers.rules.safety is None or not QUARTER.fullmatch(quarter):
            raise RiskError(ReasonCode.NOT_FOUND, "no such quarter", field="quarter")
        loaded = await repo.read(project_id)
        if loaded is None:
            raise not_found()
        cov = safety_plan.coverage(loaded.aggregate, handlers.rules.safety, quarter)
        flagged = loaded.aggregate.safety.quarters.get(quarter)
        return {
            **cov.model_dump(mode="json"),
            "covered": cov.covered,
            "inspections_missing": cov.inspections_missing,
            "full_coverage_missing": cov.full_coverage_missing,
            "flagged": bool(flagged and flagged.flagged),
            "version": loaded.version,
        }

    @router.get(f"{P}/safety/hazards", summary="A project's hazards, open ones by default, in bounded pages (SAF-03)")
    async def list_hazards(
        project_id: str,
        actor: CurrentActor,
        status: Annotated[list[sf.HazardStatus] | None, Query()] = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=PAGE_SIZE)] = 50,
    ) -> Listing:
        access.check_read(actor, await handlers.project_facts(project_id))
        if hazards is None:
            raise not_found()
        wanted = [x.value for x in status] if status else [sf.HazardStatus.OPEN.value, sf.HazardStatus.RECTIFIED.value]
        page = await read_issues(hazards, project_id, statuses=wanted, offset=offset, limit=limit)
        return Listing(items=page.items, total=page.total, counts=page.counts, as_of=page.as_of)

    @router.get("/safety/coverage/{quarter}", summary="A quarter's projects by coverage of their sources (SAF-02)")
    async def quarter_coverage(
        quarter: str,
        actor: CurrentActor,
        agency_id: Annotated[str | None, Query(description="an agency's projects; the regulator may omit it")] = None,
        status: Annotated[str, Query(pattern="^(covered|uncovered)$")] = UNCOVERED,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=PAGE_SIZE)] = 50,
    ) -> Listing:
        own = actor.role in (Role.AGENCY, Role.PRACTITIONER) and agency_id is not None and actor.agency_id == agency_id
        if coverage is None or not QUARTER.fullmatch(quarter) or not (own or actor.role is Role.REGULATOR):
            raise RiskError(ReasonCode.NOT_FOUND, "no such listing", field="quarter")
        listing = f"{agency_id}:{quarter}" if agency_id else quarter
        page = await read_safety_coverage(coverage, listing, statuses=[status], offset=offset, limit=limit)
        return Listing(items=page.items, total=page.total, counts=page.counts, as_of=page.as_of)

    @router.get(f"{P}/history", summary="Append-only history with actors (XC-04)")
    async def history(project_id: str, actor: CurrentActor) -> list[dict[str, Any]]:
        access.check_read(actor, await handlers.project_facts(project_id))
        return [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in e.items()}
            for e in await repo.history(project_id)
        ]

    @router.get(f"{P}/issues", summary="A project's issues, open ones by default, in bounded pages (RSK-04)")
    async def list_issues(
        project_id: str,
        actor: CurrentActor,
        status: Annotated[list[r.IssueStatus] | None, Query()] = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=PAGE_SIZE)] = 50,
    ) -> Listing:
        access.check_read(actor, await handlers.project_facts(project_id))
        wanted = [s.value for s in status] if status else None
        page = await (
            read_issues(issues, project_id, statuses=wanted, offset=offset, limit=limit)
            if wanted
            else read_issues(issues, project_id, offset=offset, limit=limit)
        )
        return Listing(items=page.items, total=page.total, counts=page.counts, as_of=page.as_of)

    @router.get(
        f"{P}/issues/{{issue_id}}",
        summary="An issue's whole history: raised evidence, every rectification round with before/after, "
        "reviews (RSK-04, RSK-05)",
    )
    async def get_issue(project_id: str, issue_id: str, actor: CurrentActor) -> dict[str, Any]:
        """Read from ``risk.issue_history`` by one ``_id``: the risk file keeps only a compact record of a
        closed issue, its rounds and their evidence are here. Who may read it: whoever reads the file."""
        access.check_read(actor, await handlers.project_facts(project_id))
        found = await read_issue_history(issue_history, project_id, issue_id) if issue_history is not None else None
        if found is None:  # the id is not echoed (XC-09): the field says which one was not found
            raise RiskError(ReasonCode.NOT_FOUND, "issue not found", field="issue_id")
        return found

    @router.get("/agencies/{agency_id}/projects", summary="An agency's assigned projects (XC-05)")
    async def agency_projects(
        agency_id: str,
        actor: CurrentActor,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=PAGE_SIZE)] = 50,
    ) -> Listing:
        if not access.reads_agency_listing(actor, agency_id):
            raise RiskError(ReasonCode.NOT_FOUND, "agency not found", field="agency_id")
        page = await read_agency_projects(agencies, agency_id, offset=offset, limit=limit)
        return Listing(items=page.items, total=page.total, counts=page.counts, as_of=page.as_of)

    @router.get(
        "/agencies/{agency_id}/issues",
        summary="An agency's risk issues across its projects, open ones by default, in bounded pages (RSK-05, XC-05)",
    )
    async def list_agency_issues(
        agency_id: str,
        actor: CurrentActor,
        status: Annotated[list[r.IssueStatus] | None, Query()] = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=PAGE_SIZE)] = 50,
    ) -> Listing:
        """Read from ``risk.agency_issues`` (a few documents by ``_id``), not from each project's page."""
        if agency_issues is None or not access.reads_agency_listing(actor, agency_id):
            raise RiskError(ReasonCode.NOT_FOUND, "agency not found", field="agency_id")
        wanted = [s.value for s in status] if status else OPEN_TALLIES
        page = await read_agency_issues(agency_issues, agency_id, statuses=wanted, offset=offset, limit=limit)
        return Listing(items=page.items, total=page.total, counts=page.counts, as_of=page.as_of)

    @router.get(
        "/serious-issues",
        summary="Serious risk issues, open ones by default: the regulator's region, an insurer its own (RSK-07, XC-05)",
    )
    async def list_serious_issues(
        actor: CurrentActor,
        status: Annotated[list[r.IssueStatus] | None, Query()] = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=PAGE_SIZE)] = 50,
    ) -> Listing:
        """The open serious issues are what RSK-07 seals no final report over; the listing is decided by
        the actor (XC-05), so no insurer can ask for another's. Anyone else: no such listing."""
        which = access.serious_listing_of(actor, handlers.region)
        store = serious[which[0]] if which else None
        if which is None or store is None:
            raise RiskError(ReasonCode.NOT_FOUND, "no such listing")
        wanted = [s.value for s in status] if status else OPEN_TALLIES
        page = await read_serious_issues(store, which[1], statuses=wanted, offset=offset, limit=limit)
        return Listing(items=page.items, total=page.total, counts=page.counts, as_of=page.as_of)

    @router.get(f"{P}/final-report/download", summary="A short-lived link to the sealed final report (RSK-07)")
    async def final_report(project_id: str, actor: CurrentActor) -> dict[str, Any]:
        access.check_read(actor, await handlers.project_facts(project_id))
        loaded = await repo.read(project_id)
        report = loaded.aggregate.final_report if loaded else None
        if report is None:
            raise RiskError(ReasonCode.NOT_FOUND, "no final report is sealed", field="project_id")
        link = await handlers.evidence.download_link(report.document.key, timedelta(minutes=10))
        return {"key": report.document.key, "sha256": report.document.sha256, "url": link.url}

    @router.get("/units/{unit_id}/inspections", summary="A unit's special inspections (XC-03 一户一档)")
    async def unit_inspections(unit_id: str, actor: CurrentActor) -> dict[str, Any]:
        doc = (await units.get(unit_id) if units is not None else None) or {}
        own_unit = actor.role is Role.OWNER and unit_id in actor.unit_ids
        visible = []
        readable: dict[str, bool] = {}
        for entry in doc.get("inspections", []):
            project_id = entry["project_id"]
            if project_id not in readable:
                readable[project_id] = own_unit or access.can_read(actor, await handlers.project_facts(project_id))
            if readable[project_id]:
                visible.append(entry)
        if not visible:  # none, or none this actor may see: the same answer (XC-05)
            raise RiskError(ReasonCode.NOT_FOUND, "unit not found", field="unit_id")
        return {"unit_id": unit_id, "inspections": visible}

    for path, model, summary in COMMAND_ROUTES:
        _command_route(router, handlers, commands, path, model, summary)
    return router
