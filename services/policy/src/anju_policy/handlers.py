"""Use cases: each policy command on the kit's unit of work (anju_kit.unit_of_work).

A command names its project, who may act on it (checked before any idempotency shortcut: a replayed
``Idempotency-Key`` is still someone's answer) and what the pure domain does; the unit of work loads,
skips a replay, stores state and events in one write with the actor's history entry (XC-04),
re-decides after a lost compare-and-set and publishes. A refusal stores nothing and is answered:
over HTTP as a 4xx problem, on Kafka as ``Rejected`` on ``anju.policy.rejections.v1``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from anju_contracts import Actor, Envelope, ReasonCode
from anju_contracts import registry as r
from anju_contracts import underwriting as u
from anju_contracts.base import Command, Event
from anju_contracts.risk import FinalReportSealed
from anju_kit.clock import Clock
from anju_kit.due import DueEntries, sweep_overdue
from anju_kit.evidence import UploadTicket
from anju_kit.mongo import OutgoingEvent
from anju_kit.pipeline import CommandRequest
from anju_kit.unit_of_work import UnitOfWork
from anju_policy import access
from anju_policy.adapters import user_documents
from anju_policy.adapters.documents import PolicyDocuments
from anju_policy.adapters.repository import LoadedProject, ProjectRepository
from anju_policy.domain import agency, milestones
from anju_policy.domain.errors import PolicyError
from anju_policy.domain.owners import protect
from anju_policy.domain.project import Project
from anju_policy.domain.rules import PolicyRules

FOREIGN_EVENTS = (r.TeamAssigned, r.AssignmentRefused, FinalReportSealed)


class OwnersRegistered(Command):
    """The protected form of ``RegisterUnitOwners`` (HTTP only, never published): what the unit of work
    records as the action; the full ID numbers were hashed and masked before it was made (XC-09)."""

    TYPE = "policy.RegisterUnitOwners"

    project_id: str
    unit_id: str


class OwnersBatchRegistered(Command):
    """The protected form of ``RegisterUnitOwnersBatch`` (HTTP only, never published): how many units it
    named; the buyers are in the events of the units that changed, masked (XC-09)."""

    TYPE = "policy.RegisterUnitOwnersBatch"

    project_id: str
    units: int


Flush = Callable[[str, int | None, Sequence[OutgoingEvent]], Awaitable[None]]


@dataclass(frozen=True)
class Outcome:
    project: Project | None  # None: an upload ticket for a project not registered yet
    version: int
    events: tuple[Event, ...] = ()
    duplicate: bool = False
    ticket: UploadTicket | None = None


@dataclass
class PolicyHandlers:
    """The policy use cases on their ports: Mongo / MinIO in production, in-memory doubles in component
    tests; ``bootstrap.build`` wires them."""

    repo: ProjectRepository
    documents: PolicyDocuments
    rules: PolicyRules
    clock: Clock
    region: str
    producer: str = "policy"
    flush: Flush | None = None
    identity_secret: str = "anju-dev-identity-secret-change-me"
    due: DueEntries | None = None  # the legal clock's due index (the policy.due read model)
    _work: UnitOfWork = field(init=False)

    def __post_init__(self) -> None:
        self._work = UnitOfWork(self.producer, self.clock)

    async def execute(self, envelope: Envelope, command: Command, *, expected_version: int | None = None) -> Outcome:
        if envelope.region != self.region or envelope.actor.region != self.region:
            raise PolicyError(ReasonCode.WRONG_REGION, f"this deployment serves region {self.region}")
        if isinstance(command, u.RequestDocumentUpload):
            return await self._upload_ticket(envelope, command)
        project_id: str = command.project_id  # type: ignore[attr-defined]  # every policy command names it
        actor = envelope.actor

        def authorize(loaded: LoadedProject | None) -> None:
            access.check_command(actor, loaded.aggregate if loaded else None, command)

        async def mutate(loaded: LoadedProject | None) -> Project:
            if isinstance(command, u.RegisterProject):
                if loaded is not None:
                    raise PolicyError(ReasonCode.CONFLICT, "this project id is registered already", field="project_id")
                await self._verify_letter(command.project_id, command.quotation, "quotation.letter.document")
                return Project.register(command, self.rules)
            assert loaded is not None  # authorize refused a missing project
            project = loaded.aggregate
            await self._step(project, command)
            return project

        done = await self._work.apply(
            self.repo,
            project_id,
            CommandRequest(envelope, command, expected_version=expected_version),
            mutate,
            authorize=authorize,
            flush=self.flush,
        )
        return Outcome(done.aggregate, done.version, done.events, duplicate=done.duplicate)

    async def _step(self, project: Project, command: Command) -> None:
        now = self.clock.now()
        match command:
            case u.SubmitQuotation():
                await self._verify_letter(project.project_id, command.quotation, "quotation.letter.document")
                project.submit_quotation(command.quotation, self.rules)
            case u.AdvanceStage():
                milestones.advance(project, command, self.rules, at=now)
            case u.SelectAgency():
                agency.select_agency(project, command)
            case u.RecordMilestone():
                await self._milestone(project, command, now)
            case u.AdjustInsuredAmount():
                project.adjust_insured_amount(command, self.rules)
            case u.RecordRiskManagementContract():
                project.record_risk_management_contract(command)
            case u.SignInsuranceContract():
                project.sign_insurance_contract(command)
            case u.RecordPremiumPayment():
                project.record_payment(command)
            case u.IssuePolicy():
                project.issue(command, self.rules, at=now)
            case u.RecordRegulatorUpload():
                project.record_regulator_upload(command, at=now)
            case _:
                raise PolicyError(ReasonCode.UNKNOWN_TYPE, f"{command.TYPE} is not a policy command")

    async def _milestone(self, project: Project, cmd: u.RecordMilestone, now: datetime) -> None:
        if cmd.document is not None:
            await self.documents.verify(project.project_id, cmd.document, field="document")
        key = None
        ready = project.milestones.completion_filed_on is not None and cmd.step not in project.milestones.steps
        if cmd.step is u.MilestoneStep.USER_DOCUMENTS_DELIVERED and ready and self.rules.coverage_years:
            # POL-10: the platform makes both documents the builder receives (Chinese PDFs).
            notice = await asyncio.to_thread(user_documents.user_notice, project)
            statement = await asyncio.to_thread(
                user_documents.coverage_statement, project, dict(self.rules.coverage_years)
            )
            ref = await self.documents.put_document(project.project_id, "user-notice.pdf", notice)
            await self.documents.put_document(project.project_id, "coverage-statement.pdf", statement)
            key = ref.key
        milestones.record_step(project, cmd, at=now, document_key=key)

    # -- events of other services: the registry's answer (POL-08), the sealed final report (RSK-07) ----

    async def on_event(self, envelope: Envelope, event: Event) -> Outcome | None:
        """Fold a registry or risk event into its project; None when the project is not ours."""
        project_id: str = event.project_id  # type: ignore[attr-defined]  # each of FOREIGN_EVENTS names it
        if await self.repo.get(project_id) is None:
            return None

        async def mutate(loaded: LoadedProject | None) -> Project:
            assert loaded is not None
            project = loaded.aggregate
            match event:
                case r.TeamAssigned():
                    agency.team_assigned(project, event)
                case r.AssignmentRefused():
                    agency.assignment_refused(project, event)
                case FinalReportSealed():
                    milestones.final_report_sealed(project, event)
            return project

        request = CommandRequest(envelope, cast(Command, event))  # applied once per event id
        done = await self._work.apply(self.repo, project_id, request, mutate, flush=self.flush)
        return Outcome(done.aggregate, done.version, done.events, duplicate=done.duplicate)

    # -- owners (CLM-01, XC-09) --------------------------------------------------------------------------

    async def register_owners(self, actor: Actor, cmd: u.RegisterUnitOwners, *, event_id: str) -> Outcome:
        sale = self._protected(cmd)
        marker = OwnersRegistered(project_id=cmd.project_id, unit_id=cmd.unit_id)

        def mutate(project: Project) -> None:
            milestones.set_owners(project, sale.unit_id, sale.owners, sale.on)

        return await self._owners(actor, cmd.project_id, marker, mutate, event_id=event_id)

    async def register_owners_batch(self, actor: Actor, cmd: u.RegisterUnitOwnersBatch, *, event_id: str) -> Outcome:
        """A sales roster's units in one commit (one project version), all or nothing (CLM-01, XC-09)."""
        sales = [self._protected(entry) for entry in cmd.entries]
        marker = OwnersBatchRegistered(project_id=cmd.project_id, units=len(sales))

        def mutate(project: Project) -> None:
            milestones.set_owners_of_units(project, sales)

        return await self._owners(actor, cmd.project_id, marker, mutate, event_id=event_id)

    def _protected(self, sale: u.UnitSale) -> milestones.UnitSale:
        """The buyers as kept: keyed hash and masked values, before anything else sees them (XC-09)."""
        owners = [protect(b.name, b.id_number, self.identity_secret) for b in sale.buyers]
        return milestones.UnitSale(sale.unit_id, owners, sale.on)

    async def _owners(
        self, actor: Actor, project_id: str, marker: Command, change: Callable[[Project], None], *, event_id: str
    ) -> Outcome:
        envelope = Envelope.wrap(marker, region=self.region, producer=self.producer, actor=actor, key=project_id)

        def authorize(loaded: LoadedProject | None) -> None:
            project = access.check_read(actor, loaded.aggregate if loaded else None, project_id)
            if not (access.acts_for_builder(actor, project) or access.acts_for_insurer(actor, project.insurer_id)):
                raise PolicyError(ReasonCode.FORBIDDEN, "the builder registers its units' buyers")

        async def mutate(loaded: LoadedProject | None) -> Project:
            assert loaded is not None  # authorize refused a project not there
            change(loaded.aggregate)
            return loaded.aggregate

        done = await self._work.apply(
            self.repo,
            project_id,
            CommandRequest(envelope, marker),
            mutate,
            authorize=authorize,
            applied_id=event_id,
            flush=self.flush,
        )
        return Outcome(done.aggregate, done.version, done.events, duplicate=done.duplicate)

    # -- overdue (XC-02) -----------------------------------------------------------------------------

    async def sweep_overdue(self, *, grace: timedelta, limit: int = 100) -> int:
        """Fire ObligationOverdue for the projects the due index names; safe with many instances."""
        if self.due is None:
            return 0
        return await sweep_overdue(
            self.due, load=self.repo.get, fire=self._fire_overdue, now=self.clock.now(), grace=grace, limit=limit
        )

    async def _fire_overdue(self, loaded: LoadedProject, now: datetime) -> int:
        project = loaded.aggregate
        overdue = milestones.fire_overdue(project, now)
        if not overdue:
            return 0
        # VersionConflict: another sweeper was first
        await self._work.record_own_change(
            self.repo,
            project.project_id,
            loaded,
            project,
            region=self.region,
            action="policy.ObligationOverdue",
            flush=self.flush,
        )
        return len(overdue)

    async def _verify_letter(self, project_id: str, quotation: u.Quotation, field: str) -> None:
        """POL-04: the letter cited is in the object store, under the project, as declared."""
        if quotation.channel is u.QuoteChannel.FORMAL_LETTER and quotation.letter is not None:
            await self.documents.verify(project_id, quotation.letter.document, field=field)

    async def _upload_ticket(self, envelope: Envelope, cmd: u.RequestDocumentUpload) -> Outcome:
        """A presigned PUT for an underwriting document; before registration the insurer's letter comes
        first (POL-04: it is uploaded at the first information entry)."""
        loaded = await self.repo.get(cmd.project_id)
        project = loaded.aggregate if loaded else None
        actor = envelope.actor
        if project is None:
            if actor.insurer_id is None or not access.acts_for_insurer(actor, actor.insurer_id):
                raise PolicyError(ReasonCode.FORBIDDEN, "an insurer uploads its quotation letters", field="project_id")
        else:
            access.check_command(actor, project, cmd)
        ticket = await self.documents.upload_ticket(cmd)
        return Outcome(project, loaded.version if loaded else 0, ticket=ticket)
