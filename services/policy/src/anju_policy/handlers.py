"""Use cases: each policy command on the kit's unit of work (anju_kit.unit_of_work).

A command names its project, who may act on it (checked before any idempotency shortcut: a replayed
``Idempotency-Key`` is still someone's answer) and what the pure domain does; the unit of work loads,
skips a replay, stores state and events in one write with the actor's history entry (XC-04),
re-decides after a lost compare-and-set and publishes. A refusal stores nothing and is answered:
over HTTP as a 4xx problem, on Kafka as ``Rejected`` on ``anju.policy.rejections.v1``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from anju_contracts import Envelope, ReasonCode
from anju_contracts import underwriting as u
from anju_contracts.base import Command, Event
from anju_kit.clock import Clock
from anju_kit.evidence import UploadTicket
from anju_kit.mongo import OutgoingEvent
from anju_kit.pipeline import CommandRequest
from anju_kit.unit_of_work import UnitOfWork
from anju_policy import access
from anju_policy.adapters.documents import PolicyDocuments
from anju_policy.adapters.repository import LoadedProject, ProjectRepository
from anju_policy.domain.errors import PolicyError
from anju_policy.domain.project import Project
from anju_policy.domain.rules import PolicyRules

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
                project.advance(command.stage, command.on)
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
