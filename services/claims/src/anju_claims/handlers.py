"""Use cases: each claims command on the kit's unit of work (anju_kit.unit_of_work).

A command names its claim, who may act on it (checked before any idempotency shortcut: a replayed
``Idempotency-Key`` is still someone's answer) and what the pure domain does; the unit of work loads,
skips a replay, stores state and events in one write, re-decides after a lost compare-and-set (the
domain re-checks every rule; with HTTP ``If-Match`` the caller gets CONFLICT instead) and publishes. A
replay of the same business fact under a new id is a no-op in the domain.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from anju_claims import access
from anju_claims.adapters.coverage_cache import CoverageCache, UnitCoverage
from anju_claims.adapters.repository import to_state
from anju_claims.domain.claim import CLM04_NOTICE, CLM06_WARRANTY, Claim
from anju_claims.domain.coverage import PolicyCoverage
from anju_claims.domain.errors import ClaimError
from anju_claims.domain.projection import apply_policy_event
from anju_claims.domain.rules import ClaimsRules
from anju_claims.ports import ClaimStore, CoverageReadModel, Documents, Evidence, LoadedClaim
from anju_claims.safety_incidents import SafetyIncidents, SafetyOutcome
from anju_contracts import Actor, Envelope, ReasonCode, Role
from anju_contracts import claims as c
from anju_contracts.base import Command, Event
from anju_contracts.underwriting import StageAdvanced
from anju_kit.clock import Clock
from anju_kit.due import DueEntries, sweep_overdue
from anju_kit.evidence import UploadTicket
from anju_kit.logging import get_logger
from anju_kit.mongo import (
    CreatedBatch,
    HistoryEntry,
    NewAggregate,
    OutgoingEvent,
)
from anju_kit.pipeline import CommandRequest
from anju_kit.ports import MessageInbox
from anju_kit.unit_of_work import UnitOfWork

log = get_logger(__name__)

Flush = Callable[[str, int, list[OutgoingEvent]], Awaitable[None]]
FlushCreated = Callable[[list[NewAggregate], CreatedBatch], Awaitable[None]]


@dataclass(frozen=True)
class BatchItem:
    envelope: Envelope
    command: Command

    @property
    def claim_id(self) -> str:
        return str(self.command.claim_id)  # type: ignore[attr-defined]  # every claims command has one


@dataclass(frozen=True)
class Outcome:
    claim: Claim
    version: int
    duplicate: bool = False
    ticket: UploadTicket | None = None


@dataclass
class ClaimsHandlers:
    """The claims use cases, on their ports (anju_claims.ports): Mongo / MinIO / PDF adapters in production,
    in-memory doubles in component tests; ``bootstrap.build`` wires them."""

    repo: ClaimStore
    coverage: CoverageReadModel
    inbox: MessageInbox
    evidence: Evidence
    renderer: Documents
    rules: ClaimsRules
    clock: Clock
    region: str
    producer: str = "claims"
    flush: Flush | None = None
    flush_created: FlushCreated | None = None
    coverage_cache: CoverageCache | None = None
    batch_concurrency: int = 8  # claims applied at once; FerretDB gains little beyond a few
    due: DueEntries | None = None  # the legal clock's due index (the claims.due read model)
    safety: SafetyIncidents | None = None  # POL-11: construction safety incident claims
    _system: Actor = field(init=False)
    _work: UnitOfWork = field(init=False)

    def __post_init__(self) -> None:
        self._system = Actor(id=f"anju-{self.producer}", role=Role.SYSTEM, region=self.region)
        self._work = UnitOfWork(self.producer, self.clock)

    # -- commands -----------------------------------------------------------------------------

    async def execute(self, envelope: Envelope, command: Command, *, expected_version: int | None = None) -> Outcome:
        if envelope.region != self.region or envelope.actor.region != self.region:
            raise ClaimError(ReasonCode.WRONG_REGION, f"this deployment serves region {self.region}")
        request = CommandRequest(envelope, command, expected_version=expected_version)
        if isinstance(command, c.ReportClaim):
            return await self._report(request, command)
        if isinstance(command, c.RequestEvidenceUpload):
            return await self._upload_ticket(envelope, command)
        claim_id: str = command.claim_id  # type: ignore[attr-defined]  # every claims command has one

        def authorize(loaded: LoadedClaim | None) -> None:
            if loaded is None:
                raise access.not_found(claim_id)
            access.check_command(envelope.actor, loaded.claim, command)

        async def mutate(loaded: LoadedClaim | None) -> Claim:
            assert loaded is not None  # authorize refused a missing claim
            claim = loaded.claim
            await self._verify_evidence(claim, command)
            self._apply(claim, command)
            await self._issue_documents(claim)
            if isinstance(command, c.CompleteRepair) and claim.pending_events:
                # a hint, written before the commit; then every instance's intake cache is told
                await self.repo.note_warranty(claim.unit_id, claim_id, claim.policy_id)
                await self.coverage.bump_generation()
                if self.coverage_cache is not None:
                    self.coverage_cache.invalidate(claim.policy_id)
            return claim

        done = await self._work.apply(
            self.repo,
            claim_id,
            request,
            mutate,
            authorize=authorize,
            flush=self._flush,
            state_event=Claim.state_changed,
        )
        return Outcome(done.aggregate, done.version, duplicate=done.duplicate)

    async def report_safety(self, envelope: Envelope, command: c.ReportSafetyIncident) -> SafetyOutcome:
        """POL-11: a construction safety incident claim (anju_claims.safety_incidents)."""
        if envelope.region != self.region or envelope.actor.region != self.region:
            raise ClaimError(ReasonCode.WRONG_REGION, f"this deployment serves region {self.region}")
        if self.safety is None:
            raise ClaimError("NOT_SUPPORTED", "safety incident claims are not wired in this deployment")
        return await self.safety.report(envelope, command)

    # -- batches (Kafka) -----------------------------------------------------------------------

    async def execute_batch(self, items: list[BatchItem]) -> list[tuple[Envelope, ClaimError]]:
        """Apply a batch of commands; returns the refused ones with why (the caller answers them).

        Commands are grouped by claim and applied in order within a claim; different claims run
        concurrently (at most ``batch_concurrency`` at a time). A claim whose first command in the
        batch is its report is created through the bulk path (:meth:`report_many`): cached coverage,
        one ``create_many``, one publish. Any other error escapes after every claim finished, and the
        caller replays the batch one message at a time (every command is idempotent).
        """
        groups: dict[str, list[BatchItem]] = {}
        for item in items:
            groups.setdefault(item.claim_id, []).append(item)
        refused: list[tuple[Envelope, ClaimError]] = []
        firsts = [g[0] for g in groups.values() if isinstance(g[0].command, c.ReportClaim)]
        bulk = await self.report_many(firsts) if firsts else {}
        pending: list[list[BatchItem]] = []
        for group in groups.values():
            outcome = bulk.get(id(group[0]))
            if isinstance(outcome, ClaimError):
                refused.append((group[0].envelope, outcome))
            if outcome is not None and outcome is not False:
                group = group[1:]  # created (or refused) in bulk
            if group:
                pending.append(group)
        limit = asyncio.Semaphore(max(1, self.batch_concurrency))

        async def run(group: list[BatchItem]) -> None:
            async with limit:
                for item in group:
                    try:
                        if isinstance(item.command, c.ReportSafetyIncident):
                            await self.report_safety(item.envelope, item.command)
                            continue
                        await self.execute(item.envelope, item.command)
                    except ClaimError as exc:
                        refused.append((item.envelope, exc))

        results = await asyncio.gather(*(run(g) for g in pending), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return refused

    async def report_many(self, items: list[BatchItem]) -> dict[int, ClaimError | bool]:
        """Reports of claims not seen in this batch before, keyed by ``id(item)``: ``True`` when created
        now, a ``ClaimError`` when refused, ``False`` when the claim id exists already (the caller runs
        :meth:`execute`, which tells a replay from a clash)."""
        outcome: dict[int, ClaimError | bool] = {}
        reports = [(item, item.command) for item in items if isinstance(item.command, c.ReportClaim)]
        if self.coverage_cache is not None:
            coverages = await self.coverage_cache.for_units(cmd.unit_id for _, cmd in reports)
        else:
            coverages = {}
            for _, cmd in reports:
                found = await self.coverage.for_unit(cmd.unit_id)
                coverages[cmd.unit_id] = None if found is None else _exact(found)
        new: list[tuple[BatchItem, NewAggregate]] = []
        born: list[Claim] = []
        for item, cmd in reports:
            envelope = item.envelope
            try:
                if envelope.region != self.region or envelope.actor.region != self.region:
                    raise ClaimError(ReasonCode.WRONG_REGION, f"this deployment serves region {self.region}")
                unit = coverages.get(cmd.unit_id)
                coverage = unit.coverage if unit is not None else None
                access.check_report(envelope.actor, cmd, coverage)
                if coverage is not None:
                    prefix = self.evidence.prefix(coverage.project_id, cmd.unit_id, cmd.claim_id)
                    for n, ref in enumerate(cmd.evidence):
                        await self.evidence.verify(ref, prefix=prefix, field=f"evidence.{n}")
                has_repairs = unit is not None and unit.has_repairs
                warranties = await self.repo.warranties(cmd.unit_id, cmd.part) if has_repairs else []
                # CLM-01: our receipt time decides, not the sender's reported_at nor its envelope time.
                claim = Claim.report(
                    cmd, coverage=coverage, warranties=warranties, rules=self.rules, received_at=self.clock.now()
                )
            except ClaimError as exc:
                outcome[id(item)] = exc
                continue
            events = [*claim.pull_events(), claim.state_changed(1)]
            born.append(claim)
            new.append(
                (
                    item,
                    NewAggregate(
                        claim.claim_id,
                        to_state(claim),
                        self._outgoing(envelope, events, claim.claim_id),
                        applied_id=str(envelope.event_id),
                        history=self._history(envelope, cmd.TYPE, events),
                    ),
                )
            )
        aggregates = [aggregate for _, aggregate in new]

        async def publish(batch: CreatedBatch) -> None:
            await self._flush_created(aggregates, batch)

        batch = await self.repo.add_many(aggregates, after_commit=publish)
        for item, aggregate in new:
            outcome[id(item)] = aggregate.doc_id in batch.ids
        return outcome

    async def _flush_created(self, items: list[NewAggregate], batch: CreatedBatch) -> None:
        if self.flush_created is None or not batch.ids:
            return
        try:
            await self.flush_created(items, batch)
        except Exception as exc:  # stored already; the relay's sweep publishes them later
            log.warning("claims.flush_failed", claims=len(batch.ids), error=type(exc).__name__)

    def _apply(self, claim: Claim, command: Command) -> None:
        now = self.clock.now()
        match command:
            case c.ScheduleSurvey():
                claim.schedule_survey(command)
            case c.RecordSurvey():
                claim.record_survey(command)
            case c.DecideClaim():
                claim.decide(command, self.rules)
            case c.RecordAgreement():
                claim.record_agreement(command, self.rules)
            case c.AssignRepair():
                claim.assign_repair(command)
            case c.CompleteRepair():
                claim.complete_repair(command, self.rules, now)
            case c.RecordPayment():
                claim.record_payment(command, now)
            case c.OpenDispute():
                claim.open_dispute(command)
            case c.RecordAppraisal():
                claim.record_appraisal(command, self.rules)
            case c.RecordSubrogation():
                claim.record_subrogation(command)
            case c.WithdrawClaim():
                claim.withdraw(command, now)
            case c.AttachEvidence():
                claim.attach_evidence(command)
            case _:
                raise ClaimError(ReasonCode.UNKNOWN_TYPE, f"{command.TYPE} is not a claims command")

    async def _report(self, request: CommandRequest, cmd: c.ReportClaim) -> Outcome:
        actor = request.envelope.actor
        # Authorize before the taken-id shortcut (XC-05): someone who may not report for this unit
        # gets the same answer whether or not the claim id is in use.
        coverage = await self.coverage.for_unit(cmd.unit_id)
        access.check_report(actor, cmd, coverage)

        def authorize(existing: LoadedClaim | None) -> None:
            # Only someone who may read the claim hears about it, replay or clash (XC-05).
            if existing is not None and not access.can_read(actor, existing.claim):
                raise access.taken_claim_id(actor, existing.claim)

        async def report(existing: LoadedClaim | None) -> Claim:
            if existing is not None:  # the same report again under a new id is a replay; else a clash
                if existing.claim.same_report(cmd):
                    return existing.claim
                raise access.taken_claim_id(actor, existing.claim)
            if coverage is not None:
                prefix = self.evidence.prefix(coverage.project_id, cmd.unit_id, cmd.claim_id)
                for n, ref in enumerate(cmd.evidence):
                    await self.evidence.verify(ref, prefix=prefix, field=f"evidence.{n}")
            warranties = await self.repo.warranties(cmd.unit_id, cmd.part)
            # CLM-01: our receipt time decides, not the sender's reported_at nor its envelope time.
            return Claim.report(
                cmd, coverage=coverage, warranties=warranties, rules=self.rules, received_at=self.clock.now()
            )

        done = await self._work.apply(
            self.repo,
            cmd.claim_id,
            request,
            report,
            authorize=authorize,
            flush=self._flush,
            state_event=Claim.state_changed,
        )
        return Outcome(done.aggregate, done.version, duplicate=done.duplicate)

    async def _upload_ticket(self, envelope: Envelope, cmd: c.RequestEvidenceUpload) -> Outcome:
        loaded = await self._load(cmd.claim_id)
        access.check_command(envelope.actor, loaded.claim, cmd)
        claim = loaded.claim
        if claim.project_id is None:
            raise ClaimError("INVALID_STATE", "a refused claim takes no evidence", field="claim_id")
        ticket = await self.evidence.upload_ticket(claim.project_id, claim.unit_id, cmd)
        return Outcome(claim, loaded.version, ticket=ticket)

    async def _verify_evidence(self, claim: Claim, command: Command) -> None:
        refs: list[tuple[str, c.EvidenceRef]] = []
        match command:
            case c.RecordSurvey() | c.CompleteRepair():
                refs = [(f"evidence.{n}", ref) for n, ref in enumerate(command.evidence)]
            case c.DecideClaim():
                refs = [(f"exclusion_evidence.{n}", ref) for n, ref in enumerate(command.exclusion_evidence)]
            case c.AttachEvidence():
                refs = [("evidence", command.evidence)]
            case c.RecordAppraisal() if command.report is not None:
                refs = [("report", command.report)]
            case c.OpenDispute() if command.written_request is not None:
                refs = [("written_request", command.written_request)]
            case c.RecordAgreement() if command.document is not None:
                refs = [("document", command.document)]
        if not refs:
            return
        if claim.project_id is None:
            raise ClaimError("INVALID_STATE", "a refused claim takes no evidence", field=refs[0][0])
        prefix = self.evidence.prefix(claim.project_id, claim.unit_id, claim.claim_id)
        await self.evidence.verify_to_attach(refs, prefix=prefix, attached=claim.evidence_keys())

    async def _issue_documents(self, claim: Claim) -> None:
        """Generate the owner's documents the step calls for, before the one write that records them."""
        if claim.project_id is None:
            return
        prefix = self.evidence.prefix(claim.project_id, claim.unit_id, claim.claim_id)
        now = self.clock.now()
        open_notice = [d for d in claim.deadlines if d.obligation == CLM04_NOTICE]
        if open_notice and open_notice[-1].state == "open" and claim.status is c.ClaimStatus.NOT_COVERED:
            data = await asyncio.to_thread(self.renderer.rejection_notice, claim, issued_at=now)
            ref = await self.evidence.put_document(f"{prefix}documents/rejection-notice-{len(open_notice)}.pdf", data)
            claim.issue_rejection_notice(ref, now)
        warranty = [d for d in claim.deadlines if d.obligation == CLM06_WARRANTY]
        if warranty and claim.status is c.ClaimStatus.REPAIRED and claim.warranty_statement is None:
            data = await asyncio.to_thread(
                self.renderer.repair_warranty_statement,
                claim,
                issued_at=now,
                warranty_last_day=warranty[-1].last_day,
                warranty_days=self.rules.repair_warranty_days,
            )
            ref = await self.evidence.put_document(f"{prefix}documents/repair-warranty-statement.pdf", data)
            claim.issue_warranty_statement(ref, now)

    # -- the legal clock ----------------------------------------------------------------------

    async def sweep_overdue(self, *, grace: timedelta, limit: int = 100) -> int:
        """Fire DeadlineOverdue for the claims the due index says are due; returns how many fired.

        Any number of instances may sweep at once (the kit's sweeper): the compare-and-set on the
        claim's version lets exactly one of them record a deadline as overdue, and the domain never
        fires one twice.
        """
        if self.due is None:
            return 0  # no due index wired (a test of something else)
        return await sweep_overdue(
            self.due, load=self.repo.get, fire=self._fire_overdue, now=self.clock.now(), grace=grace, limit=limit
        )

    async def _fire_overdue(self, loaded: LoadedClaim, now: datetime) -> int:
        claim_id = loaded.claim.claim_id
        overdue: list[Event] = list(loaded.claim.fire_overdue(now))
        if not overdue:
            return 0
        events = [*overdue, loaded.claim.state_changed(loaded.version + 1)]
        outgoing = [self._wrap_system(e, claim_id) for e in events]
        version = await self.repo.save(  # VersionConflict: another sweeper was first, the kit retries later
            claim_id,
            loaded.claim,
            loaded,
            outgoing,
            applied_id=f"overdue:{claim_id}:{loaded.version}",
            history=HistoryEntry("claims.DeadlineOverdue", self._system, now, {"events": len(overdue)}),
        )
        await self._flush(claim_id, version, outgoing)
        return len(overdue)

    # -- policy read model --------------------------------------------------------------------

    async def project_policy_event(self, envelope: Envelope, event: Event) -> None:
        """Fold one policy event into the read model: a batch of one (:meth:`project_policy_events`)."""
        await self.project_policy_events([(envelope, event)])

    async def project_policy_events(self, batch: Sequence[tuple[Envelope, Event]]) -> None:
        """Fold a batch of policy events, in order: consecutive events of one policy (a project's owners
        registered by the hundred) with one read and one write of its fold, not one each (the fold of a
        250-unit policy is ~65 KB: one at a time, claims took in ~66 owners a second, issue #10). The
        inbox records them after the write: a crash in between re-applies them, which changes nothing."""
        fresh = [(envelope, event) for envelope, event in batch if not await self.inbox.seen(str(envelope.event_id))]
        for policy_id, run in itertools.groupby(fresh, key=lambda pair: pair[1].policy_id):  # type: ignore[attr-defined]
            events = list(run)
            if policy_id is None:
                continue  # a stage of a project without a policy yet: claims have nothing to follow
            current = updated = await self.coverage.get(policy_id)
            for _, event in events:
                if not (updated is None and isinstance(event, StageAdvanced)):  # a policy claims never saw
                    updated = apply_policy_event(updated, event)
            if updated is not None and updated is not current:
                await self.coverage.put(
                    updated, previous=current, seq=int(events[-1][0].occurred_at.timestamp() * 1000)
                )
                if self.coverage_cache is not None:
                    self.coverage_cache.invalidate(policy_id)
            for envelope, _ in events:
                await self.inbox.record(str(envelope.event_id), type=envelope.type)

    # -- helpers ------------------------------------------------------------------------------

    async def _load(self, claim_id: str) -> LoadedClaim:
        loaded = await self.repo.get(claim_id)
        if loaded is None:
            raise access.not_found(claim_id)
        return loaded

    def _outgoing(self, envelope: Envelope, events: list[Event], key: str) -> list[OutgoingEvent]:
        return [OutgoingEvent(e.TOPIC or "", envelope.follow_up(e, producer=self.producer, key=key)) for e in events]

    def _wrap_system(self, event: Event, key: str) -> OutgoingEvent:
        wrapped = Envelope.wrap(event, region=self.region, producer=self.producer, actor=self._system, key=key)
        return OutgoingEvent(event.TOPIC or "", wrapped)

    def _history(self, envelope: Envelope, action: str, events: list[Event]) -> HistoryEntry:
        details: dict[str, Any] = {"events": [e.TYPE for e in events]}
        return HistoryEntry(action, envelope.actor, self.clock.now(), details, caused_by=str(envelope.event_id))

    async def _flush(self, claim_id: str, version: int | None, outgoing: Sequence[OutgoingEvent]) -> None:
        # A replay (version None) leaves what its first delivery did not publish to the relay's sweep.
        if self.flush is None or version is None:
            return
        try:
            await self.flush(claim_id, version, list(outgoing))
        except Exception as exc:  # stored already; the relay's sweep publishes it later
            log.warning("claims.flush_failed", claim_id=claim_id, error=type(exc).__name__)


def _exact(coverage: PolicyCoverage) -> UnitCoverage:
    return UnitCoverage(coverage, has_repairs=True)  # uncached path: always look the warranties up
