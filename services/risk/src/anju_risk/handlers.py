"""Use cases: each risk command on the kit's unit of work (anju_kit.unit_of_work).

A command names its project. The project's facts (insurer, participants, the registry's team) are
read by ``_id`` from the ``risk.project_facts`` read model; who may act (XC-05) is checked on them
before any idempotency shortcut; evidence cited is verified in the object store before the one write;
the pure domain decides; state, events and the actor's history entry (XC-04) are stored in one
commit; a lost compare-and-set re-decides on the fresh file. A refusal stores nothing and is answered:
over HTTP as a 4xx problem, on Kafka as ``Rejected`` on ``anju.risk.rejections.v1``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from anju_contracts import Actor, Envelope, ReasonCode
from anju_contracts import risk as r
from anju_contracts import safety as sf
from anju_contracts.base import Command, Event
from anju_contracts.common import EvidenceRef
from anju_kit.auth import service_actor
from anju_kit.clock import Clock
from anju_kit.due import DueEntries, sweep_overdue
from anju_kit.evidence import UploadTicket
from anju_kit.logging import get_logger
from anju_kit.mongo import OutgoingEvent
from anju_kit.pipeline import CommandRequest
from anju_kit.ports import ViewReads
from anju_kit.unit_of_work import UnitOfWork
from anju_risk import access
from anju_risk.adapters.documents import FINAL_REPORT, ReportRenderer
from anju_risk.adapters.evidence import RiskEvidence
from anju_risk.adapters.repository import LoadedFile, RiskFileRepository
from anju_risk.domain import (
    design,
    final_report,
    hazard,
    issue,
    overdue,
    oversight,
    planning,
    records,
    reports,
    safety_plan,
    safety_reports,
    safety_summary,
    safety_work,
    special,
    testing,
    training,
)
from anju_risk.domain.coverage import current_quarter
from anju_risk.domain.errors import RiskError
from anju_risk.domain.facts import ProjectFacts
from anju_risk.domain.risk_file import RiskFile
from anju_risk.domain.rules import RiskRules

log = get_logger(__name__)
Flush = Callable[[str, int | None, Sequence[OutgoingEvent]], Awaitable[None]]


@dataclass(frozen=True)
class Outcome:
    risk_file: RiskFile | None  # None: an upload ticket before the file exists
    version: int
    events: tuple[Event, ...] = ()
    duplicate: bool = False
    ticket: UploadTicket | None = None


def evidence_cited(command: Command) -> list[tuple[str, EvidenceRef]]:
    """Every object a command cites, with the field naming it in a refusal."""
    match command:
        case r.SubmitRiskPlan() if command.document is not None:
            return [("document", command.document)]
        case r.RecordKickoffBriefing():
            return [("minutes", command.minutes)]
        case r.UploadRiskReport():
            return [("document", command.document)]
        case r.RaiseRiskIssue():
            return [(f"evidence.{n}", ref) for n, ref in enumerate(command.evidence)]
        case r.SubmitRectification():
            return [(f"before.{n}", ref) for n, ref in enumerate(command.before)] + [
                (f"after.{n}", ref) for n, ref in enumerate(command.after)
            ]
        case r.RaiseRiskIssues():
            return [
                (f"issues.{i}.evidence.{n}", ref)
                for i, entry in enumerate(command.issues)
                for n, ref in enumerate(entry.evidence)
            ]
        case r.SubmitRectifications():
            return [
                (f"rectifications.{i}.{side}.{n}", ref)
                for i, entry in enumerate(command.rectifications)
                for side, refs in (("before", entry.before), ("after", entry.after))
                for n, ref in enumerate(refs)
            ]
        case r.RaiseDesignIssue() | r.RecordUnannouncedInspection() | r.RecordEmergencyAction():
            return [(f"evidence.{n}", ref) for n, ref in enumerate(command.evidence)]
        case r.AnswerDesignIssue():
            return [(f"revised_drawings.{n}", ref) for n, ref in enumerate(command.revised_drawings)]
        case r.RecordDrawingReviewCertificate():
            return [("certificate", command.certificate)]
        case r.ConfirmTestingPlan():
            return [("document", command.document)]
        case r.RecordLabNotice():
            return [("report", command.report)]
        case sf.SubmitSafetyPlan() if command.document is not None:
            return [("document", command.document)]
        case sf.RaiseHazard() | sf.RecordSafetyTraining() | sf.RecordSafetyInspection():
            return [(f"evidence.{n}", ref) for n, ref in enumerate(command.evidence)]
        case sf.SubmitHazardRectification():
            return [(f"before.{n}", ref) for n, ref in enumerate(command.before)] + [
                (f"after.{n}", ref) for n, ref in enumerate(command.after)
            ]
        case sf.RecordEmergencyDrill():
            return [("plan", command.plan)] + [(f"evidence.{n}", ref) for n, ref in enumerate(command.evidence)]
    return []


def first_citations(cited: Sequence[tuple[str, EvidenceRef]]) -> list[tuple[str, EvidenceRef]]:
    """Each reference once, at its first place: a batch's issues often cite the same photo (one object,
    verified once); the same key declared otherwise is still checked where it is."""
    seen: set[EvidenceRef] = set()
    out: list[tuple[str, EvidenceRef]] = []
    for place, ref in cited:
        if ref not in seen:
            seen.add(ref)
            out.append((place, ref))
    return out


SAFETY_COMMANDS: frozenset[type[Command]] = frozenset(sf.COMMANDS)
QUALITY_COMMANDS: frozenset[type[Command]] = frozenset(r.COMMANDS) - {r.RequestEvidenceUpload}


def check_offered(rules: RiskRules, command: Command) -> None:
    """XC-06: each part of the service runs only where the region sells its product (IDI / 安责险 / 质安保)."""
    kind = type(command)
    if kind in SAFETY_COMMANDS and rules.safety is None:
        raise RiskError(
            "PRODUCT_NOT_OFFERED", f"region {rules.region} offers no construction-safety product", rule_id="XC-06"
        )
    if kind in QUALITY_COMMANDS and not rules.quality_offered:
        raise RiskError("PRODUCT_NOT_OFFERED", f"region {rules.region} offers no quality product", rule_id="XC-06")


@dataclass
class RiskHandlers:
    """The risk use cases on their ports: Mongo / MinIO in production, in-memory doubles in component
    tests; ``bootstrap.build`` wires them."""

    repo: RiskFileRepository
    facts: ViewReads  # the risk.project_facts read model
    evidence: RiskEvidence
    renderer: ReportRenderer
    rules: RiskRules
    clock: Clock
    region: str
    producer: str = "risk"
    flush: Flush | None = None
    due: DueEntries | None = None  # the legal clock's due index (the risk.due read model)
    _work: UnitOfWork = field(init=False)

    def __post_init__(self) -> None:
        self._work = UnitOfWork(self.producer, self.clock)
        self._system: Actor = service_actor(self.producer, self.region)

    async def project_facts(self, project_id: str) -> ProjectFacts:
        return ProjectFacts.from_doc(project_id, await self.facts.get(project_id))

    async def execute(self, envelope: Envelope, command: Command, *, expected_version: int | None = None) -> Outcome:
        if envelope.region != self.region or envelope.actor.region != self.region:
            raise RiskError(ReasonCode.WRONG_REGION, f"this deployment serves region {self.region}")
        check_offered(self.rules, command)
        project_id: str = command.project_id  # type: ignore[attr-defined]  # every risk command names it
        actor = envelope.actor
        facts = await self.project_facts(project_id)
        if isinstance(command, r.RequestEvidenceUpload):
            loaded = await self.repo.get(project_id)
            access.check_command(actor, facts, loaded.aggregate if loaded else None, command)
            ticket = await self.evidence.upload_ticket(command)
            return Outcome(loaded.aggregate if loaded else None, loaded.version if loaded else 0, ticket=ticket)

        def authorize(loaded: LoadedFile | None) -> None:
            access.check_command(actor, facts, loaded.aggregate if loaded else None, command)

        async def mutate(loaded: LoadedFile | None) -> RiskFile:
            risk_file = loaded.aggregate if loaded else RiskFile.open(facts, self.region)
            await self.evidence.verify_to_attach(
                project_id, first_citations(evidence_cited(command)), attached=risk_file.evidence_keys()
            )
            await self._step(risk_file, facts, command, actor)
            version = (loaded.version if loaded else 0) + 1
            risk_file.record_issue_states(version)
            if type(command) in SAFETY_COMMANDS and risk_file.changed:
                self._record_standing(risk_file, version)
            return risk_file

        done = await self._work.apply(
            self.repo,
            project_id,
            CommandRequest(envelope, command, expected_version=expected_version),
            mutate,
            authorize=authorize,
            flush=self.flush,
        )
        return Outcome(done.aggregate, done.version, done.events, duplicate=done.duplicate)

    async def _step(self, risk_file: RiskFile, facts: ProjectFacts, command: Command, actor: Actor) -> None:
        now = self.clock.now()
        match command:
            case r.SubmitRiskPlan():
                planning.submit_plan(risk_file, command, facts, self.rules, at=now)
            case r.RecordKickoffBriefing():
                planning.record_kickoff(risk_file, command, facts, self.rules, at=now)
            case r.UploadRiskReport():
                planning.upload_report(risk_file, command, at=now)
            case r.RaiseRiskIssue():
                issue.raise_issue(risk_file, command, facts, at=now, by=actor.id)
            case r.SubmitRectification():
                issue.submit_rectification(risk_file, command, facts, at=now, by=actor.id)
            case r.ReviewRectification():
                issue.review_rectification(risk_file, command, facts, at=now)
            case r.RaiseRiskIssues():
                issue.raise_issues(risk_file, command, facts, at=now, by=actor.id)
            case r.SubmitRectifications():
                issue.submit_rectifications(risk_file, command, facts, at=now, by=actor.id)
            case r.ReviewRectifications():
                issue.review_rectifications(risk_file, command, facts, at=now)
            case r.RecordPartAcceptance():
                assert actor.organisation_id is not None  # access: a supervisor participant
                issue.record_part_acceptance(risk_file, command, actor.organisation_id)
            case r.CloseProcess():
                final_report.close_process(risk_file, command)
            case r.SealFinalReport():
                await self._seal(risk_file, command, now)
            case r.RecordReportFiled():
                final_report.record_filed(risk_file, command, at=now)
            case r.GenerateRiskReport():
                await self._generate(risk_file, command, now)
            case r.RecordRiskReportFiled():
                reports.record_filed(risk_file, command, at=now)
            case r.RaiseDesignIssue():
                design.raise_issue(risk_file, command, facts, at=now)
            case r.AnswerDesignIssue():
                design.answer(risk_file, command, at=now)
            case r.ReviewDesignAnswer():
                design.review_answer(risk_file, command)
            case r.RecordDrawingReviewCertificate():
                design.record_certificate(risk_file, command)
            case r.NotifySpecialInspection():
                special.notify(risk_file, command, self.rules, at=now, builder_id=actor.organisation_id or actor.id)
            case r.CompleteSpecialInspection():
                special.complete(risk_file, command, self.rules, at=now)
            case r.ConfirmTestingPlan():
                testing.confirm_plan(risk_file, command, facts, at=now)
            case r.RecordBuilderAcceptanceTests():
                testing.record_builder_tests(risk_file, command, self.rules)
            case r.CommissionTest():
                testing.commission(risk_file, command, self.rules, at=now)
            case r.RecordTestResult():
                testing.record_result(risk_file, command, self.rules, at=now)
            case r.RecordLabNotice():
                testing.record_notice(risk_file, command, at=now)
            case r.ScoreAgencyWork():
                oversight.score(risk_file, command, at=now)
            case r.RecordUnannouncedInspection():
                oversight.record_flying_inspection(risk_file, command, at=now)
            case r.DeclareEmergency():
                oversight.declare(risk_file, command, self.rules, at=now)
            case r.RecordEmergencyAction():
                oversight.record_action(risk_file, command, at=now)
            case sf.IssueSafetyReport():
                await self._issue_safety_report(risk_file, command, now)
                self._safety_step(risk_file, facts, command, actor, now)
            case _ if type(command) in SAFETY_COMMANDS:
                self._safety_step(risk_file, facts, command, actor, now)
            case _:
                raise RiskError(ReasonCode.UNKNOWN_TYPE, f"{command.TYPE} is not a risk command")

    def _safety_step(
        self, risk_file: RiskFile, facts: ProjectFacts, command: Command, actor: Actor, now: datetime
    ) -> None:
        rules = safety_work.safety_rules(self.rules)
        match command:
            case sf.SubmitSafetyPlan():
                safety_plan.submit_plan(risk_file, command, facts, self.rules, at=now)
            case sf.IdentifyRiskSources():
                safety_plan.identify_sources(risk_file, command, rules, at=now)
            case sf.RecordSafetyInspection():
                safety_plan.record_inspection(risk_file, command, rules, at=now)
            case sf.RaiseHazard():
                safety_work.check_open(risk_file)
                hazard.raise_hazard(risk_file, command, facts, at=now, by=actor.id)
            case sf.ReportHazard():
                hazard.report_hazard(risk_file, command, at=now)
            case sf.SubmitHazardRectification():
                hazard.check_submitter(hazard.hazard_of(risk_file, command.hazard_id), facts, actor.organisation_id)
                hazard.submit_rectification(risk_file, command, facts, at=now, by=actor.id)
            case sf.ReviewHazardRectification():
                hazard.review_rectification(risk_file, command, facts, at=now)
            case sf.ReportRectificationRefused():
                hazard.report_refused(risk_file, command)
            case sf.RecordSafetyTraining():
                training.record_training(risk_file, command, rules, at=now)
            case sf.RecordEmergencyDrill():
                training.record_drill(risk_file, command, at=now)
            case sf.ApproveRecordsDestruction():
                records.approve_destruction(risk_file, command, facts, rules, at=now, by=actor.id)
        safety_plan.ensure_quarter(risk_file, rules, now)  # the current quarter is always on the clock
        safety_reports.ensure_periods(risk_file, rules, self.rules.calendar, now)  # and each report period

    def _record_standing(self, risk_file: RiskFile, version: int, also: Sequence[str] = ()) -> None:
        """SAF-07: the quarter's standing of the project, for the registry's checklist of its agency (and of
        ``also``: a quarter that just ended on the sweeper's watch keeps its final word)."""
        if self.rules.safety is None:
            return
        now = self.clock.now()
        for quarter in dict.fromkeys([*also, current_quarter(now)]):
            standing = safety_summary.quarter_standing(risk_file, self.rules.safety, quarter, version, at=now)
            if standing is not None:
                risk_file.record(standing)

    async def _issue_safety_report(self, risk_file: RiskFile, command: sf.IssueSafetyReport, now: datetime) -> None:
        """SAF-04: refusals first (nothing rendered), then the PDF from the recorded findings is stored with
        its checksum before the one write that issues it."""
        rules = safety_work.safety_rules(self.rules)
        if not safety_reports.check_can_issue(risk_file, command, rules, at=now):
            return
        data = await asyncio.to_thread(self.renderer.safety_report, risk_file, command, issued_at=now)
        name = f"safety-{command.period_key}-{command.report_id}.pdf"
        document = await self.evidence.put_document(risk_file.project_id, name, data)
        safety_reports.issue(risk_file, command, document, self.rules.calendar, rules, at=now)

    async def _seal(self, risk_file: RiskFile, command: r.SealFinalReport, now: datetime) -> None:
        """RSK-07: the gate first (nothing is rendered for a refused report), then the PDF from the
        recorded findings is stored with its checksum before the one write that seals it."""
        if risk_file.final_report is not None:
            return
        final_report.check_gate(risk_file)
        data = await asyncio.to_thread(
            self.renderer.final_report, risk_file, conclusion=command.conclusion, sealed_at=now
        )
        document = await self.evidence.put_document(risk_file.project_id, FINAL_REPORT, data)
        final_report.seal(risk_file, command, document, self.rules, at=now)

    async def _generate(self, risk_file: RiskFile, command: r.GenerateRiskReport, now: datetime) -> None:
        """RSK-03: refusals first (nothing rendered), then the PDF from the recorded findings is stored
        with its checksum before the one write that issues it."""
        if not reports.check_can_generate(risk_file, command):
            return
        data = await asyncio.to_thread(self.renderer.risk_report, risk_file, command, issued_at=now)
        name = f"{command.kind.value}-{command.report_id}.pdf"
        document = await self.evidence.put_document(risk_file.project_id, name, data)
        reports.issue(risk_file, command, document, self.rules, at=now)

    # -- the legal clock ----------------------------------------------------------------------

    async def sweep_overdue(self, *, grace: timedelta, limit: int = 100) -> int:
        """Fire DeadlineOverdue for the risk files the due index says are due (any number of instances
        may sweep: the file's compare-and-set lets one of them record each deadline, once)."""
        if self.due is None:
            return 0
        return await sweep_overdue(
            self.due, load=self.repo.get, fire=self._fire_overdue, now=self.clock.now(), grace=grace, limit=limit
        )

    async def _fire_overdue(self, loaded: LoadedFile, now: datetime) -> int:
        risk_file = loaded.aggregate
        fired = overdue.fire_overdue(risk_file, now, self.rules)
        if not fired:
            return 0
        ended = [f.subject_id for f in fired if f.subject_id in risk_file.safety.quarters]
        self._record_standing(risk_file, loaded.version + 1, also=[q for q in ended if q is not None])
        # VersionConflict: another sweeper was first; the kit looks again later
        await self._work.record_own_change(
            self.repo,
            risk_file.project_id,
            loaded,
            risk_file,
            region=self.region,
            action="risk.DeadlineOverdue",
            flush=self.flush,
        )
        return len(fired)
