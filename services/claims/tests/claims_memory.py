"""The claims use cases on in-memory ports, for component tests: the real ``ClaimsHandlers`` and
``ClaimRepository`` over the kit's in-memory doubles (anju_kit.memory), the claims' read models (the due
index the sweeper reads among them) folded in memory by their own code, an in-memory policy read model and
repair hints, and a renderer that records what it was asked for. No Kafka, MongoDB or MinIO: what those
add is tested against the real servers in tests/integration; the kit's shared behaviour suites hold the
doubles to the real stores' answers.

Wired like ``bootstrap.build`` wires production: a flush that "publishes" right after each commit (here:
into :attr:`InMemoryClaims.published` and the read models) and marks the outbox entry published, as the
service does.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from anju_claims.adapters.coverage_cache import CoverageCache
from anju_claims.adapters.evidence import EvidenceStore
from anju_claims.adapters.repository import CLAIM_SCHEMA, QUERIED_FIELDS, ClaimRepository
from anju_claims.domain.claim import Claim
from anju_claims.domain.coverage import PolicyCoverage
from anju_claims.domain.rules import ClaimsRules, rules_from_region
from anju_claims.handlers import ClaimsHandlers, Outcome
from anju_claims.read_models import DUE, VIEWS
from anju_claims.safety_incidents import SAFETY_CLAIM_SCHEMA, SafetyClaimRepository, SafetyIncidents
from anju_contracts import Actor, Envelope, Role
from anju_contracts import claims as c
from anju_contracts.base import Command, Message
from anju_contracts.policy import BuildingPart, LiabilityPeriodStarted, OwnerRef, PolicyIssued, PolicyUnit
from anju_kit.calendar import PrcCalendar
from anju_kit.clock import SHANGHAI, FrozenClock
from anju_kit.due import DueHoursEntries
from anju_kit.memory import MemoryAggregateStore, MemoryInbox, MemoryObjects, MemoryViews
from anju_kit.mongo import CreatedBatch, HistoryEntry, NewAggregate, OutgoingEvent, VersionConflict
from anju_kit.regions import default_regions_dir, load_region

REGION = "shanghai"
BUCKET = "anju-claims-shanghai"
CORE = Actor(id="ins-core", role=Role.SYSTEM, region=REGION, insurer_id="ins-a")
INSURER = Actor(id="desk-1", role=Role.INSURER, region=REGION, insurer_id="ins-a")
OTHER_INSURER = Actor(id="desk-9", role=Role.INSURER, region=REGION, insurer_id="ins-b")
REGULATOR = Actor(id="reg-1", role=Role.REGULATOR, region=REGION)


def owner(owner_id: str = "o-1", *units: str) -> Actor:
    return Actor(id=owner_id, role=Role.OWNER, region=REGION, unit_ids=units or ("u-1",))


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


class MemoryCoverage:
    """The policy read model (``CoverageStore``) in memory: the fold per policy, units to their policy."""

    def __init__(self) -> None:
        self.policies: dict[str, PolicyCoverage] = {}
        self.units: dict[str, str] = {}
        self.token: str | None = None

    async def get(self, policy_id: str) -> PolicyCoverage | None:
        found = self.policies.get(policy_id)
        return None if found is None else found.model_copy(deep=True)

    async def put(self, coverage: PolicyCoverage, *, previous: PolicyCoverage | None, seq: int) -> None:
        self.units.update(dict.fromkeys(coverage.units, coverage.policy_id))
        self.policies[coverage.policy_id] = coverage.model_copy(deep=True)
        await self.bump_generation()

    async def for_unit(self, unit_id: str) -> PolicyCoverage | None:
        policy_id = self.units.get(unit_id)
        policy = self.policies.get(policy_id) if policy_id is not None else None
        if policy is None:
            return None
        return policy.model_copy(update={"units": {unit_id: policy.units[unit_id]}}, deep=True)

    async def policy_of(self, unit_id: str) -> str | None:
        return self.units.get(unit_id)

    async def generation(self) -> str | None:
        return self.token

    async def bump_generation(self) -> None:
        self.token = uuid.uuid4().hex


class MemoryRepairHints:
    """CLM-06 repair links (``MongoRepairHints``) in memory."""

    def __init__(self) -> None:
        self.unit_claims: dict[str, list[str]] = {}
        self.policy_units: dict[str, set[str]] = {}

    async def note(self, unit_id: str, claim_id: str, policy_id: str | None) -> None:
        if policy_id is not None:
            self.policy_units.setdefault(policy_id, set()).add(unit_id)
        claims = self.unit_claims.setdefault(unit_id, [])
        if claim_id not in claims:
            claims.append(claim_id)

    async def claims_of_unit(self, unit_id: str) -> list[str]:
        return list(self.unit_claims.get(unit_id, []))

    async def units_of_policy(self, policy_id: str) -> frozenset[str]:
        return frozenset(self.policy_units.get(policy_id, ()))


@dataclass
class FakeRenderer:
    """Stands in for the PDF renderer (its own tests render real Chinese PDFs): deterministic bytes per
    document and claim, and a record of every document asked for."""

    rendered: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def rejection_notice(self, claim: Claim, *, issued_at: datetime) -> bytes:
        self.rendered.append(("rejection_notice", claim.claim_id, {"issued_at": issued_at}))
        return f"%PDF-fake 不予赔偿通知书 {claim.claim_id} {issued_at.isoformat()}".encode()

    def repair_warranty_statement(
        self, claim: Claim, *, issued_at: datetime, warranty_last_day: date, warranty_days: int
    ) -> bytes:
        details = {"issued_at": issued_at, "warranty_last_day": warranty_last_day, "warranty_days": warranty_days}
        self.rendered.append(("repair_warranty_statement", claim.claim_id, details))
        return f"%PDF-fake 维修完成及保修说明 {claim.claim_id} {warranty_last_day}".encode()


class RacingStore(MemoryAggregateStore):
    """The in-memory claims store with a hook for races: :attr:`cut_in`, when set, runs once just before the
    next update, so another writer commits between a use case's read and its write (a lost
    compare-and-set); :attr:`conflicts` counts the compare-and-sets lost."""

    def __init__(self) -> None:
        super().__init__("claims", queried=QUERIED_FIELDS, schema=CLAIM_SCHEMA)
        self.cut_in: Callable[[], Awaitable[object]] | None = None
        self.conflicts = 0

    async def update(
        self,
        doc_id: str,
        expected_version: int,
        state: Mapping[str, Any],
        events: Sequence[OutgoingEvent] = (),
        *,
        applied_id: str | None = None,
        history: HistoryEntry | None = None,
    ) -> int:
        if self.cut_in is not None:
            cut_in, self.cut_in = self.cut_in, None
            await cut_in()
        try:
            return await super().update(doc_id, expected_version, state, events, applied_id=applied_id, history=history)
        except VersionConflict:
            self.conflicts += 1
            raise


@dataclass
class InMemoryClaims:
    """One claims deployment on in-memory ports; :meth:`instance` adds another process of it."""

    clock: FrozenClock
    rules: ClaimsRules
    evidence: EvidenceStore
    store: RacingStore = field(default_factory=RacingStore)
    views: MemoryViews = field(default_factory=lambda: MemoryViews(VIEWS))
    hints: MemoryRepairHints = field(default_factory=MemoryRepairHints)
    coverage: MemoryCoverage = field(default_factory=MemoryCoverage)
    inbox: MemoryInbox = field(default_factory=MemoryInbox)
    renderer: FakeRenderer = field(default_factory=FakeRenderer)
    published: list[Envelope] = field(default_factory=list)
    safety_store: MemoryAggregateStore = field(
        default_factory=lambda: MemoryAggregateStore("safety_claims", schema=SAFETY_CLAIM_SCHEMA)
    )

    def __post_init__(self) -> None:
        self.repo = ClaimRepository(self.store, repairs=self.hints)
        self.handlers = self.instance()

    @classmethod
    async def start(cls, clock: FrozenClock) -> InMemoryClaims:
        region = load_region(REGION, default_regions_dir())
        rules = rules_from_region(region, PrcCalendar(default_regions_dir() / "holidays"))
        evidence = EvidenceStore(MemoryObjects(), BUCKET, REGION, region.claims.evidence)
        await evidence.ensure_bucket()
        return cls(clock, rules, evidence)

    @property
    def objects(self) -> MemoryObjects:
        objects = self.evidence.objects
        assert isinstance(objects, MemoryObjects)
        return objects

    def instance(self) -> ClaimsHandlers:
        """Handlers over the same ports: one more instance of the service (e.g. a second sweeper)."""
        handlers = ClaimsHandlers(
            repo=self.repo,
            coverage=self.coverage,
            inbox=self.inbox,
            evidence=self.evidence,
            renderer=self.renderer,
            rules=self.rules,
            clock=self.clock,
            region=REGION,
            flush=self._flush,
            flush_created=self._flush_created,
            coverage_cache=CoverageCache(self.coverage, self.repo.repaired_units, max_age_s=30),
            # Each instance its own reader of the due view, as each process has (it remembers what it looked at).
            due=DueHoursEntries(self.views.store(DUE.name)),
        )
        handlers.safety = SafetyIncidents(
            SafetyClaimRepository(self.safety_store), self.coverage, self.clock, flush=self._flush_safety
        )
        return handlers

    async def _flush_safety(self, claim_id: str, version: int | None, outgoing: Sequence[OutgoingEvent]) -> None:
        if version is not None:
            await self._publish(outgoing)
            await self.safety_store.mark_published(f"{claim_id}@{version}")

    async def _flush(self, claim_id: str, version: int, outgoing: list[OutgoingEvent]) -> None:
        await self._publish(outgoing)
        await self.store.mark_published(f"{claim_id}@{version}")

    async def _flush_created(self, items: list[NewAggregate], batch: CreatedBatch) -> None:
        await self._publish([e for item in items if item.doc_id in batch.ids for e in item.events])
        if batch.marker is not None:
            await self.store.mark_published(batch.marker)

    async def _publish(self, outgoing: Sequence[OutgoingEvent]) -> None:
        for event in outgoing:
            self.published.append(event.envelope)
            await self.views.publish(event.topic, event.envelope)

    # -- driving the use cases ------------------------------------------------------------------

    async def send(
        self,
        message: Command,
        actor: Actor = INSURER,
        *,
        event_id: uuid.UUID | None = None,
        expected_version: int | None = None,
        via: ClaimsHandlers | None = None,
    ) -> Outcome:
        envelope = wrap(message, actor, key=str(message.claim_id), event_id=event_id)  # type: ignore[attr-defined]
        return await (via or self.handlers).execute(envelope, message, expected_version=expected_version)

    async def load_policy(
        self, policy_id: str = "pol-1", units: Mapping[str, str] | None = None, *, insurer_id: str = "ins-a"
    ) -> None:
        """A policy in force since 2025-01-01 (contractor warranty ended 2024-12-31) over ``units`` → owners."""
        issued = PolicyIssued(
            policy_id=policy_id,
            project_id=f"prj-{policy_id}",
            insurer_id=insurer_id,
            issued_on=date(2022, 3, 1),
            units=tuple(
                PolicyUnit(unit_id=u, owners=(OwnerRef(owner_id=o, id_number_masked="310***********1234"),))
                for u, o in (units or {"u-1": "o-1"}).items()
            ),
        )
        started = LiabilityPeriodStarted(
            policy_id=policy_id,
            project_id=f"prj-{policy_id}",
            liability_starts_on=date(2025, 1, 1),
            contractor_id="ctr-1",
            contractor_warranty_end=date(2024, 12, 31),
        )
        for event in (issued, started):
            await self.handlers.project_policy_event(wrap(event, CORE, key=policy_id), event)

    def upload(self, claim: Claim, name: str, data: bytes, content_type: str = "image/jpeg") -> c.EvidenceRef:
        """A photo uploaded under the claim's prefix, as the owner's phone would with its ticket."""
        assert claim.project_id is not None
        key = f"{self.evidence.prefix(claim.project_id, claim.unit_id, claim.claim_id)}{name}"
        self.objects.upload(BUCKET, key, data, content_type)
        return c.EvidenceRef(
            key=key, sha256=hashlib.sha256(data).hexdigest(), size=len(data), content_type=content_type
        )

    def events(self, claim_id: str, *types: type[Message]) -> list[Envelope]:
        """What was published for ``claim_id`` (of ``types``, when given), in order."""
        names = {t.TYPE for t in types}
        return [e for e in self.published if e.key == claim_id and (not names or e.type in names)]

    async def version(self, claim_id: str) -> int | None:
        loaded = await self.repo.get(claim_id)
        return None if loaded is None else loaded.version

    async def claim(self, claim_id: str) -> Claim:
        loaded = await self.repo.get(claim_id)
        assert loaded is not None, claim_id
        return loaded.claim


def wrap(message: Message, actor: Actor, *, key: str, event_id: uuid.UUID | None = None) -> Envelope:
    return Envelope.wrap(message, region=REGION, producer="tests", actor=actor, key=key, event_id=event_id)


# -- steps of a claim's life, each at its own time on the frozen clock ---------------------------------


def report(claim_id: str, unit: str = "u-1", owner_id: str = "o-1", **extra: object) -> c.ReportClaim:
    values: dict[str, object] = {
        "claim_id": claim_id,
        "unit_id": unit,
        "owner_id": owner_id,
        "part": BuildingPart.WATERPROOFING,
        "item": "卫生间渗漏",
        "location": "主卧卫生间地面",
        "description": "主卧卫生间地面渗水至楼下。",
        "channel": c.ReportChannel.HOTLINE_24H,
    }
    return c.ReportClaim.model_validate(values | extra)


def moment(claims: InMemoryClaims, when: datetime) -> datetime:
    """Move the frozen clock to ``when`` (each step happens at its own time, as it would)."""
    claims.clock.advance(when - claims.clock.now())
    return when


async def reported_and_surveyed(claims: InMemoryClaims, claim_id: str, unit: str = "u-1", who: str = "o-1") -> None:
    """Reported now, surveyed the next day (from 2026-09-01 10:00: scheduled for 09-02 14:00, surveyed
    15:00, recorded 16:00)."""
    start = claims.clock.now()
    outcome = await claims.send(report(claim_id, unit, who), owner(who, unit))
    assert outcome.claim.status is c.ClaimStatus.REPORTED and outcome.version == 1
    moment(claims, start + timedelta(hours=1))
    scheduled = start + timedelta(days=1, hours=4)
    await claims.send(c.ScheduleSurvey(claim_id=claim_id, scheduled_at=scheduled, surveyor_id="srv-1"))
    moment(claims, start + timedelta(days=1, hours=6))
    surveyed = start + timedelta(days=1, hours=5)
    survey = c.RecordSurvey(claim_id=claim_id, surveyed_at=surveyed, surveyor_id="srv-1", findings="防水层破损。")
    assert (await claims.send(survey)).claim.status is c.ClaimStatus.SURVEYED


async def covered(claims: InMemoryClaims, claim_id: str) -> None:
    """:func:`reported_and_surveyed`, then decided covered two days after the report (2026-09-03 10:00)."""
    start = claims.clock.now()
    await reported_and_surveyed(claims, claim_id)
    decided = moment(claims, start + timedelta(days=2))
    await claims.send(c.DecideClaim(claim_id=claim_id, decision=c.Decision.COVERED, decided_at=decided))
