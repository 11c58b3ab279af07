"""Use case of the construction safety section (POL-11): report a safety incident claim on a policy.

Its own aggregate in its own collection (``safety_claims``), on the kit's aggregate store and unit of work:
an insert-only commit log read by ``_id``, events stored with the state in one write, a redelivered report
answered as a duplicate. Only the insurer of the policy (or its core system) reports one; anyone else
hears "not found", as for a policy that does not exist (XC-05).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from anju_claims.domain.errors import ClaimError
from anju_claims.domain.safety import SafetyClaim
from anju_claims.ports import CoverageReadModel
from anju_contracts import Envelope, ReasonCode, Role
from anju_contracts import claims as c
from anju_contracts.base import Event
from anju_kit.clock import Clock
from anju_kit.mongo import HistoryEntry, OutgoingEvent
from anju_kit.pipeline import CommandRequest
from anju_kit.ports import AggregateStorage
from anju_kit.unit_of_work import Flush, UnitOfWork
from anju_kit.upcasting import StateSchema

SAFETY_CLAIM_SCHEMA = StateSchema("safety_claim", version=1)


@dataclass(frozen=True)
class LoadedSafetyClaim:
    aggregate: SafetyClaim
    version: int
    applied: frozenset[str]


class SafetyClaimRepository:
    def __init__(self, store: AggregateStorage) -> None:
        self.store = store

    async def get(self, doc_id: str) -> LoadedSafetyClaim | None:
        stored = await self.store.get(doc_id)
        if stored is None:
            return None
        return LoadedSafetyClaim(SafetyClaim.model_validate(stored.state), stored.version, stored.applied)

    async def add(
        self,
        doc_id: str,
        aggregate: SafetyClaim,
        events: Sequence[OutgoingEvent],
        *,
        applied_id: str,
        history: HistoryEntry,
    ) -> int:
        return await self.store.create(doc_id, aggregate.state(), events, applied_id=applied_id, history=history)

    async def save(
        self,
        doc_id: str,
        aggregate: SafetyClaim,
        loaded: LoadedSafetyClaim,
        events: Sequence[OutgoingEvent],
        *,
        applied_id: str,
        history: HistoryEntry,
    ) -> int:
        return await self.store.update(
            doc_id, loaded.version, aggregate.state(), events, applied_id=applied_id, history=history
        )

    async def applied_events(self, doc_id: str, applied_id: str) -> tuple[Event, ...]:
        return await self.store.applied_events(doc_id, applied_id)


@dataclass(frozen=True)
class SafetyOutcome:
    claim: SafetyClaim
    version: int
    duplicate: bool = False


@dataclass
class SafetyIncidents:
    repo: SafetyClaimRepository
    coverage: CoverageReadModel
    clock: Clock
    producer: str = "claims"
    flush: Flush | None = None
    _work: UnitOfWork = field(init=False)

    def __post_init__(self) -> None:
        self._work = UnitOfWork(self.producer, self.clock)

    async def report(self, envelope: Envelope, cmd: c.ReportSafetyIncident) -> SafetyOutcome:
        coverage = await self.coverage.get(cmd.policy_id)
        actor = envelope.actor
        mine = (
            coverage is not None
            and actor.role in (Role.INSURER, Role.SYSTEM)
            and actor.insurer_id == coverage.insurer_id
        )

        def authorize(loaded: LoadedSafetyClaim | None) -> None:
            if not mine or (loaded is not None and loaded.aggregate.policy_id != cmd.policy_id):
                raise ClaimError(ReasonCode.NOT_FOUND, f"policy {cmd.policy_id} not found", field="policy_id")

        async def mutate(loaded: LoadedSafetyClaim | None) -> SafetyClaim:
            if loaded is not None:
                held = loaded.aggregate
                if (held.kind, held.occurred_at, held.persons) == (cmd.kind, cmd.occurred_at, cmd.persons):
                    return held  # the same report again (a retry with a new message id): nothing to store
                raise ClaimError(ReasonCode.CONFLICT, "this claim id is taken", field="claim_id")
            return SafetyClaim.report(cmd, coverage, received_at=self.clock.now())

        done = await self._work.apply(
            self.repo, cmd.claim_id, CommandRequest(envelope, cmd), mutate, authorize=authorize, flush=self.flush
        )
        return SafetyOutcome(done.aggregate, done.version, duplicate=done.duplicate)
