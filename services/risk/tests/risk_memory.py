"""The risk use cases on in-memory ports, for component tests: the real ``RiskHandlers`` and
``RiskFileRepository`` over the kit's in-memory doubles (anju_kit.memory), the read models folded in
memory by their own code. Wired like ``bootstrap.build``: a flush that "publishes" each commit (into
:attr:`InMemoryRisk.published` and the read models) and marks its outbox entry published; policy's and
registry's events are "published" into the read models as those services would."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from risk_factories import (
    AGENCY_ID,
    ENGINEER_ID,
    INSURER_ID,
    LEAD_ID,
    PARTICIPANTS,
    PROJECT,
    REGION,
    content,
    rules,
)

from anju_contracts import Actor, Envelope, topics
from anju_contracts import registry as reg
from anju_contracts import risk as r
from anju_contracts import underwriting as u
from anju_contracts.base import Command, Event
from anju_contracts.common import EvidenceRef
from anju_contracts.policy import DeliveryStandard, ProjectStage, ResidentialType
from anju_kit.auth import service_actor
from anju_kit.clock import FrozenClock
from anju_kit.due import DueHoursEntries
from anju_kit.memory import MemoryAggregateStore, MemoryObjects, MemoryViews, MemoryViewStore
from anju_kit.mongo import OutgoingEvent
from anju_kit.regions import default_regions_dir, load_region
from anju_risk.adapters.documents import ReportRenderer
from anju_risk.adapters.evidence import RiskEvidence
from anju_risk.adapters.repository import RISK_FILE_SCHEMA, RiskFileRepository
from anju_risk.handlers import Outcome, RiskHandlers
from anju_risk.read_models import BY_AGENCY, DUE, FACTS, ISSUES, VIEWS

BUCKET = f"anju-risk-{REGION}"


def project_registered(project_id: str = PROJECT, insurer_id: str = INSURER_ID) -> u.ProjectRegistered:
    return u.ProjectRegistered(
        project_id=project_id,
        insurer_id=insurer_id,
        product_line="idi",
        residential_type=ResidentialType.COMMERCIAL,
        delivery_standard=DeliveryStandard.FITTED,
        true_building_area_m2=Decimal("10000.00"),
        units=120,
        participants=tuple(u.Participant(role=role, organisation_id=org) for org, role in PARTICIPANTS.items()),
        stage=ProjectStage.CONSTRUCTION_DRAWING_DESIGN,
        stage_on=date(2026, 9, 1),
    )


def team_assigned(project_id: str = PROJECT, insurer_id: str = INSURER_ID) -> reg.TeamAssigned:
    return reg.TeamAssigned(
        project_id=project_id,
        agency_id=AGENCY_ID,
        insurer_id=insurer_id,
        lead_id=LEAD_ID,
        member_ids=(LEAD_ID, ENGINEER_ID),
    )


@dataclass
class InMemoryRisk:
    clock: FrozenClock
    region: str = REGION
    store: MemoryAggregateStore = field(
        default_factory=lambda: MemoryAggregateStore("risk_files", schema=RISK_FILE_SCHEMA)
    )
    objects: MemoryObjects = field(default_factory=MemoryObjects)
    views: MemoryViews = field(default_factory=lambda: MemoryViews(VIEWS))
    published: list[Envelope] = field(default_factory=list)

    def __post_init__(self) -> None:
        region = load_region(self.region, default_regions_dir())
        part = region.risk or region.safety
        assert part is not None
        self.evidence = RiskEvidence(self.objects, BUCKET, self.region, part.evidence)
        self.repo = RiskFileRepository(self.store)
        self.handlers = RiskHandlers(
            repo=self.repo,
            facts=self.views.store(FACTS.name),
            evidence=self.evidence,
            renderer=ReportRenderer(),
            rules=rules(self.region),
            clock=self.clock,
            region=self.region,
        )
        self.handlers.flush = self._flush
        self.handlers.due = DueHoursEntries(self.views.store(DUE.name))

    @property
    def issues(self) -> MemoryViewStore:
        return self.views.store(ISSUES.name)

    @property
    def agencies(self) -> MemoryViewStore:
        return self.views.store(BY_AGENCY.name)

    async def _flush(self, project_id: str, version: int | None, outgoing: Sequence[OutgoingEvent]) -> None:
        if version is None:
            return
        for out in outgoing:
            self.published.append(out.envelope)
            await self.views.publish(out.topic, out.envelope)
        await self.store.mark_published(f"{project_id}@{version}")

    async def foreign(self, event: Event, service: str) -> None:
        """An event of policy or registry, as its service publishes it."""
        key = str(event.project_id)  # type: ignore[attr-defined]
        envelope = Envelope.wrap(
            event, region=self.region, producer=service, actor=service_actor(service, self.region), key=key
        )
        await self.views.publish(topics.BY_SERVICE[service].events, envelope)

    async def insured(self, project_id: str = PROJECT, *, team: bool = True) -> None:
        await self.foreign(project_registered(project_id), "policy")
        if team:
            await self.foreign(team_assigned(project_id), "registry")

    async def send(self, command: Command, actor: Actor) -> Outcome:
        key = str(command.project_id)  # type: ignore[attr-defined]
        envelope = Envelope.wrap(command, region=self.region, producer="tests", actor=actor, key=key)
        return await self.handlers.execute(envelope, command)

    async def upload(
        self,
        name: str,
        actor: Actor,
        project_id: str = PROJECT,
        *,
        content_type: str = "image/jpeg",
        data: bytes | None = None,
    ) -> EvidenceRef:
        """A photo through a ticket, then PUT as the phone would."""
        data = data if data is not None else content(name)
        digest = hashlib.sha256(data).hexdigest()
        ask = r.RequestEvidenceUpload(
            project_id=project_id, file_name=name, content_type=content_type, size=len(data), sha256=digest
        )
        outcome = await self.send(ask, actor)
        assert outcome.ticket is not None
        self.objects.upload(BUCKET, outcome.ticket.key, data, content_type)
        return EvidenceRef(key=outcome.ticket.key, sha256=digest, size=len(data), content_type=content_type)
