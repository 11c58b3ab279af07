"""Use cases: the registry's commands on the kit's unit of work (anju_kit.unit_of_work).

Each command names its aggregate, who may act on it (checked before any idempotency shortcut) and what
the pure domain does; the unit of work loads, skips a replay (answered with what the first delivery
recorded), stores state and events in one write, re-decides after a lost compare-and-set, and publishes.
A command the rules refuse still leaves its refusal event (AgencyRefused, AssignmentRefused…) in the
aggregate's outbox; a Kafka sender's ``Rejected`` answer goes into that same write, so no crash can keep
the refusal and lose the answer. HTTP answers 422 itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from anju_contracts import Actor, Envelope, ReasonCode, RecordRef, Role
from anju_contracts import registry as r
from anju_contracts.base import ContractModel, Event
from anju_kit.calendar import end_of_day
from anju_kit.clock import Clock, today_in_shanghai
from anju_kit.logging import get_logger
from anju_kit.mongo import OutgoingEvent
from anju_kit.pipeline import CommandRequest
from anju_kit.privacy import mask_id_number, mask_name, mask_phone, protected_hash
from anju_kit.regions import AgencyChecklist
from anju_kit.repository import Loaded
from anju_kit.unit_of_work import UnitOfWork, anyone
from anju_registry import access
from anju_registry.adapters.repository import Repositories, Repository
from anju_registry.domain.agency import Agency
from anju_registry.domain.aggregate import Aggregate
from anju_registry.domain.assignment import TeamContext, assignment_failures, lead_change_failures
from anju_registry.domain.errors import NotFound, RegistryError
from anju_registry.domain.insurer import Insurer, InsurerStaff
from anju_registry.domain.practitioner import Practitioner, ProtectedIdentity
from anju_registry.domain.rules import RegistryRules
from anju_registry.domain.team import Team
from anju_registry.read_models import ReadModels
from anju_registry.refusals import refusal, refused_conditions
from anju_registry.state_events import business_events, state_event

log = get_logger(__name__)

A = TypeVar("A", bound=Aggregate)
Flush = Callable[[Repository[Any], str], Awaitable[None]]
Mutate = Callable[[A | None], Awaitable[A]]


@dataclass(frozen=True)
class Outcome:
    aggregate: Aggregate
    version: int
    events: tuple[Event, ...] = ()  # the domain events (the state event published with them is left out)
    duplicate: bool = False

    @property
    def refused(self) -> tuple[r.FailedCondition, ...]:
        """Every failed condition of a refusal this command caused (empty when it was applied)."""
        return refused_conditions(self.events)


@dataclass
class RegistryHandlers:
    repos: Repositories
    reads: ReadModels
    rules: RegistryRules
    checklist: AgencyChecklist | None
    clock: Clock
    region: str
    identity_secret: str
    producer: str = "registry"
    flush: Flush | None = None
    _system: Actor = field(init=False)
    _work: UnitOfWork = field(init=False)

    def __post_init__(self) -> None:
        self._system = Actor(id=f"anju-{self.producer}", role=Role.SYSTEM, region=self.region)
        self._work = UnitOfWork(self.producer, self.clock)

    @property
    def today(self) -> date:
        return today_in_shanghai(self.clock)

    # -- dispatch -----------------------------------------------------------------------------

    async def execute(
        self,
        envelope: Envelope,
        command: ContractModel,
        *,
        answer_to: str | None = None,
        record: RecordRef | None = None,
    ) -> Outcome:
        """Apply ``command``; with ``answer_to`` a refusal's ``Rejected`` answer is stored with it (Kafka)."""
        if envelope.region != self.region or envelope.actor.region != self.region:
            raise RegistryError(ReasonCode.WRONG_REGION, f"this deployment serves region {self.region}")
        actor = envelope.actor
        request = CommandRequest(envelope, command, record=record, answer_to=answer_to)  # type: ignore[arg-type]
        match command:
            case r.NominateAgency():
                access.check(actor, command)
                return await self._change(self.repos.agencies, command.agency_id, request, self._nominate(command))
            case r.AssignTeam():
                access.check(actor, command)
                return await self._change(
                    self.repos.teams,
                    command.project_id,
                    request,
                    self._assign(command),
                    authorize=lambda team: access.check_assignable(actor, team, command.project_id),
                )
            case r.ChangeLead():
                access.check(actor, command)  # before the look-up's answer: a role refusal tells nothing
                return await self._change(
                    self.repos.teams,
                    command.project_id,
                    request,
                    self._change_lead(command, actor),
                    authorize=lambda team: access.check_lead(actor, team, command.project_id),
                )
            case r.ApplyPractitioner():
                access.check(actor, command)
                return await self._change(
                    self.repos.practitioners, command.practitioner_id, request, self._apply_practitioner(command)
                )
            case r.RegisterInsurerStaff():
                access.check(actor, command)
                return await self._change(
                    self.repos.insurers, command.insurer_id, request, self._register_staff(command)
                )
            case r.ApprovePractitioner() | r.RecordTraining() | r.RecordReEvaluation():
                access.check(actor, command)
                return await self._change(
                    self.repos.practitioners,
                    command.practitioner_id,
                    request,
                    self._existing(self._practitioner_step(command), "practitioner", command.practitioner_id),
                )
            case r.RecordViolation():
                access.check(actor, command)
                return await self._record_violation(request, command)
            case (
                r.AdmitAgency()
                | r.RefuseAgency()
                | r.RecordCorporateRelations()
                | r.SubmitEvaluation()
                | r.CombineEvaluations()
                | r.RecordSeriousAccident()
                | r.SubmitSafetyChecklistScore()
                | r.RectificationRefused()
            ):
                access.check(actor, command)
                agency_id: str = command.agency_id
                return await self._change(
                    self.repos.agencies,
                    agency_id,
                    request,
                    self._existing(self._agency_step(command, actor), "agency", agency_id),
                )
        raise RegistryError(ReasonCode.UNKNOWN_TYPE, f"{type(command).__name__} is not a registry command")

    # -- agencies -----------------------------------------------------------------------------

    def _nominate(self, cmd: r.NominateAgency) -> Mutate[Agency]:
        async def mutate(agency: Agency | None) -> Agency:
            if agency is None:
                return Agency.nominate(
                    agency_id=cmd.agency_id,
                    name=cmd.name,
                    credit_code=cmd.credit_code,
                    insurer_id=cmd.insurer_id,
                    evidence=cmd.evidence,
                    rules=self.rules,
                )
            agency.renominate(
                name=cmd.name,
                credit_code=cmd.credit_code,
                insurer_id=cmd.insurer_id,
                evidence=cmd.evidence,
                rules=self.rules,
            )
            return agency

        return mutate

    def _agency_step(self, cmd: ContractModel, actor: Actor) -> Callable[[Agency], None]:
        rules, today = self.rules, self.today

        def step(agency: Agency) -> None:
            match cmd:
                case r.AdmitAgency():
                    agency.admit(by=actor.id, rules=rules)
                case r.RefuseAgency():
                    agency.refuse(cmd.reasons)
                case r.RecordCorporateRelations():
                    agency.record_relations(
                        group=cmd.group_organisation_ids,
                        subsidiaries=cmd.subsidiary_organisation_ids,
                        related=cmd.related_organisation_ids,
                        involvements=cmd.project_involvements,
                    )
                case r.SubmitEvaluation():
                    agency.submit_evaluation(
                        insurer_id=cmd.insurer_id, project_id=cmd.project_id, period=cmd.period, score=cmd.score
                    )
                case r.CombineEvaluations():
                    agency.combine_evaluations(period=cmd.period, rules=rules, today=today)
                case r.RecordSeriousAccident():
                    agency.record_serious_accident(
                        project_id=cmd.project_id,
                        level=cmd.level,
                        agency_found_problem=cmd.agency_found_problem,
                        rules=rules,
                        today=today,
                    )
                case r.SubmitSafetyChecklistScore():
                    problems = agency.score_safety_checklist(
                        quarter=cmd.quarter,
                        answers=cmd.answers,
                        findings=cmd.adverse_findings,
                        checklist=self.checklist,
                        today=today,
                    )
                    if problems:
                        raise RegistryError(
                            ReasonCode.RULE_VIOLATION,
                            "the answers do not fit the region's checklist",
                            "SAF-07",
                            tuple(problems),
                        )
                case r.RectificationRefused():
                    agency.refuse_rectification(cmd.note)

        return step

    async def _record_violation(self, request: CommandRequest, cmd: r.RecordViolation) -> Outcome:
        due = end_of_day(cmd.correction_due_on) if cmd.correction_due_on else None

        def step(agency: Agency) -> None:
            agency.record_violation(
                violation_code=cmd.violation_code,
                finding_key=cmd.finding_key,
                project_id=cmd.project_id,
                practitioner_id=cmd.practitioner_id,
                description=cmd.description,
                rules=self.rules,
                today=self.today,
                correction_due_at=due,
            )

        outcome = await self._change(
            self.repos.agencies, cmd.agency_id, request, self._existing(step, "agency", cmd.agency_id)
        )
        recorded = [e for e in outcome.events if isinstance(e, r.ViolationRecorded)]
        if cmd.practitioner_id is not None and (recorded or outcome.duplicate):
            # The practitioner named in the finding gets a credit record too (REG-10); its own
            # applied id makes a redelivery that stopped between the two writes finish the job.
            rule_id = recorded[0].rule_id if recorded else "REG-10"

            def credit(p: Practitioner) -> None:
                p.add_credit(
                    kind=r.CreditKind.NEGATIVE,
                    rule_id=rule_id,
                    summary=f"责任认定：{cmd.description}",
                    project_id=cmd.project_id,
                    today=self.today,
                )

            await self._change(
                self.repos.practitioners,
                cmd.practitioner_id,
                request,
                self._existing(credit, "practitioner", cmd.practitioner_id),
                applied_id=f"{request.envelope.event_id}:practitioner",
            )
        return outcome

    # -- practitioners and insurer staff ------------------------------------------------------

    def _protect(self, name: str, id_number: str, phone: str) -> ProtectedIdentity:
        return ProtectedIdentity(
            name=name,
            name_masked=mask_name(name),
            id_number_hash=protected_hash(id_number.upper(), self.identity_secret),
            id_number_masked=mask_id_number(id_number.upper()),
            phone_hash=protected_hash(phone, self.identity_secret),
            phone_masked=mask_phone(phone),
        )

    def _apply_practitioner(self, cmd: r.ApplyPractitioner) -> Mutate[Practitioner]:
        identity = self._protect(cmd.name, cmd.id_number, cmd.phone)

        async def mutate(p: Practitioner | None) -> Practitioner:
            if p is not None and p.agency_id != cmd.agency_id:
                # Another agency's practitioner: answered like a missing one, never taken over (XC-05).
                raise NotFound("practitioner", cmd.practitioner_id)
            # One person is listed once (实名制, REG-02), but refusing here would tell any agency
            # whether an ID number is listed (XC-05). So a taken ID number is accepted like any
            # application, flagged for the regulator, and refused at its approval review.
            review = await self.repos.identity_taken(identity.id_number_hash, cmd.practitioner_id, now=self.clock.now())
            fields: dict[str, Any] = {
                "identity_review": review,
                "agency_id": cmd.agency_id,
                "identity": identity,
                "title": cmd.title,
                "registered_licences": cmd.registered_licences,
                "career_start": cmd.career_start,
                "roles": cmd.roles,
            }
            if p is None:
                return Practitioner.apply(practitioner_id=cmd.practitioner_id, **fields)
            p.reapply(**fields)
            return p

        return mutate

    def _practitioner_step(self, cmd: ContractModel) -> Callable[[Practitioner], None]:
        def step(p: Practitioner) -> None:
            match cmd:
                case r.ApprovePractitioner():
                    p.approve(rules=self.rules, today=self.today)
                case r.RecordTraining():
                    p.record_training(course=cmd.course, completed_on=cmd.completed_on)
                case r.RecordReEvaluation():
                    p.record_reevaluation(evaluated_on=cmd.evaluated_on, passed=cmd.passed, rules=self.rules)

        return step

    def _register_staff(self, cmd: r.RegisterInsurerStaff) -> Mutate[Insurer]:
        staff = InsurerStaff(
            staff_id=cmd.staff_id,
            identity=self._protect(cmd.name, cmd.id_number, cmd.phone),
            function=cmd.function,
            title=cmd.title,
            first_class_licence=cmd.first_class_licence,
            degree=cmd.degree,
            career_start=cmd.career_start,
            passed_insurer_assessment=cmd.passed_insurer_assessment,
        )

        async def mutate(insurer: Insurer | None) -> Insurer:
            insurer = insurer or Insurer(insurer_id=cmd.insurer_id)
            insurer.register_staff(staff, rules=self.rules, today=self.today)
            return insurer

        return mutate

    # -- teams --------------------------------------------------------------------------------

    async def _context(self, agency_id: str, people_ids: list[str], lead_id: str, project_id: str) -> TeamContext:
        agency = await self.repos.agencies.get(agency_id)
        people: dict[str, Practitioner] = {}
        for pid in dict.fromkeys(people_ids):
            loaded = await self.repos.practitioners.get(pid)
            if loaded is not None:
                people[pid] = loaded.aggregate
        load = await self.lead_load(lead_id, except_project=project_id)
        return TeamContext(
            agency=agency.aggregate if agency else None, people=people, lead_active_projects=load, today=self.today
        )

    async def lead_load(self, lead_id: str, *, except_project: str) -> int:
        """Projects the lead runs at once now, ``except_project`` excluded (REG-03), from the read model.

        Staleness: the view trails the commits by its writer's lag, so an assignment does not count the
        projects given to the same lead within that lag: a lead near the region's limit can be given
        more. The count over the teams this replaces was no more exact (two assignments of one lead are
        two team aggregates, each counted before the other committed); the view widens that window from
        milliseconds to the writer's lag, and to the length of an outage while the writer is down.

        Decision: no stricter guard. An exact limit needs a per-lead document with its own
        compare-and-set (the commit log's insert) written before the team's commit, and its repair when
        that commit never comes: a second write and a recovery path on every assignment. Assignments are
        deliberate and rare (an operator's decision per project), and an excess is visible: the view
        counts every project, so the eligible list shows the lead's true load and refuses them as lead.
        """
        return (await self.reads.lead_projects(lead_id)).count(except_id=except_project)

    def _assign(self, cmd: r.AssignTeam) -> Mutate[Team]:
        async def mutate(team: Team | None) -> Team:
            team = team or Team.first_attempt(
                project_id=cmd.project_id, agency_id=cmd.agency_id, insurer_id=cmd.insurer_id
            )
            named = [cmd.lead_id, *([cmd.technical_lead_id] if cmd.technical_lead_id else []), *cmd.member_ids]
            ctx = await self._context(cmd.agency_id, named, cmd.lead_id, cmd.project_id)
            failures = assignment_failures(
                project_id=cmd.project_id,
                agency_id=cmd.agency_id,
                lead_id=cmd.lead_id,
                member_ids=cmd.member_ids,
                technical_lead_id=cmd.technical_lead_id,
                participating_units=cmd.participating_units,
                key_positions=cmd.key_positions,
                ctx=ctx,
                rules=self.rules,
            )
            team.assign(
                agency_id=cmd.agency_id,
                insurer_id=cmd.insurer_id,
                lead_id=cmd.lead_id,
                member_ids=cmd.member_ids,
                technical_lead_id=cmd.technical_lead_id,
                participating_units=cmd.participating_units,
                failures=failures,
            )
            return team

        return mutate

    def _change_lead(self, cmd: r.ChangeLead, actor: Actor) -> Mutate[Team]:
        async def mutate(team: Team | None) -> Team:
            team = access.led_team(actor, team, cmd.project_id)
            old = team.lead_id or ""
            ctx = await self._context(team.agency_id, [old, cmd.new_lead_id], cmd.new_lead_id, cmd.project_id)
            failures = lead_change_failures(
                agency_id=team.agency_id,
                old_lead_id=old,
                new_lead_id=cmd.new_lead_id,
                confirmation_key=cmd.insurer_confirmation_key,
                key_positions=cmd.key_positions,
                ctx=ctx,
                rules=self.rules,
            )
            team.change_lead(
                new_lead_id=cmd.new_lead_id,
                insurer_confirmation_key=cmd.insurer_confirmation_key,
                reason=cmd.reason,
                failures=failures,
            )
            return team

        return mutate

    # -- the one write ------------------------------------------------------------------------

    @staticmethod
    def _existing(step: Callable[[A], None], what: str, ident: str) -> Mutate[A]:
        async def mutate(aggregate: A | None) -> A:
            if aggregate is None:
                raise NotFound(what, ident)
            step(aggregate)
            return aggregate

        return mutate

    async def _change(
        self,
        repo: Repository[A],
        doc_id: str,
        request: CommandRequest,
        mutate: Mutate[A],
        *,
        authorize: Callable[[A | None], None] = anyone,
        applied_id: str | None = None,
    ) -> Outcome:
        async def flush(doc_id: str, version: int | None, outgoing: Sequence[OutgoingEvent]) -> None:
            if self.flush is not None:  # the relay publishes the aggregate's pending entries
                await self.flush(repo, doc_id)

        async def change(loaded: Loaded[A] | None) -> A:
            return await mutate(loaded.aggregate if loaded else None)

        done = await self._work.apply(
            repo,
            doc_id,
            request,
            change,
            authorize=lambda loaded: authorize(loaded.aggregate if loaded else None),
            refusal_of=lambda events: refusal(refused_conditions(events)),
            applied_id=applied_id,
            flush=flush,
            state_event=state_event,  # every commit carries the state the read models fold
        )
        return Outcome(done.aggregate, done.version, business_events(done.events), duplicate=done.duplicate)
