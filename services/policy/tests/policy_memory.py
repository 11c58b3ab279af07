"""The policy use cases on in-memory ports, for component tests: the real ``PolicyHandlers`` and
``ProjectRepository`` over the kit's in-memory doubles (anju_kit.memory), the ledger read model folded
in memory by its own code. Wired like ``bootstrap.build``: a flush that "publishes" each commit (into
:attr:`InMemoryPolicy.published` and the read models) and marks its outbox entry published."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from policy_factories import INSURER, REGION, letter_ref, register, rules, select_agency, team_assigned

from anju_contracts import Actor, Envelope, Role
from anju_contracts import underwriting as u
from anju_contracts.base import Command, Event
from anju_contracts.common import EvidenceRef
from anju_kit.clock import FrozenClock
from anju_kit.due import DueHoursEntries
from anju_kit.memory import MemoryAggregateStore, MemoryObjects, MemoryViews
from anju_kit.mongo import OutgoingEvent
from anju_kit.regions import default_regions_dir, load_region
from anju_policy.adapters.documents import PolicyDocuments
from anju_policy.adapters.repository import PROJECT_SCHEMA, ProjectRepository
from anju_policy.handlers import Outcome, PolicyHandlers
from anju_policy.read_models import DUE, VIEWS, Ledger

BUCKET = f"anju-policy-{REGION}"
LETTER = "%PDF-1.7 报价函 — 业务部门负责人签字，公司盖章".encode()


@dataclass
class InMemoryPolicy:
    clock: FrozenClock
    region: str = REGION
    store: MemoryAggregateStore = field(default_factory=lambda: MemoryAggregateStore("projects", schema=PROJECT_SCHEMA))
    objects: MemoryObjects = field(default_factory=MemoryObjects)
    views: MemoryViews = field(default_factory=lambda: MemoryViews(VIEWS))
    published: list[Envelope] = field(default_factory=list)

    def __post_init__(self) -> None:
        region = load_region(self.region, default_regions_dir())
        self.documents = PolicyDocuments(self.objects, BUCKET, self.region, region.policy.documents)
        self.repo = ProjectRepository(self.store)
        self.handlers = PolicyHandlers(
            repo=self.repo, documents=self.documents, rules=rules(self.region), clock=self.clock, region=self.region
        )
        self.handlers.flush = self._flush
        self.handlers.due = DueHoursEntries(self.views.store(DUE.name))

    @property
    def ledger(self) -> object:
        return self.views.store(Ledger.name)

    async def _flush(self, project_id: str, version: int | None, outgoing: Sequence[OutgoingEvent]) -> None:
        if version is None:
            return
        for out in outgoing:
            self.published.append(out.envelope)
            await self.views.publish(out.topic, out.envelope)
        await self.store.mark_published(f"{project_id}@{version}")

    async def send(self, command: Command, actor: Actor) -> Outcome:
        key = str(command.project_id)  # type: ignore[attr-defined]
        envelope = Envelope.wrap(command, region=self.region, producer="tests", actor=actor, key=key)
        return await self.handlers.execute(envelope, command)

    async def deliver(self, event: Event, producer: str) -> Outcome | None:
        """An event of another service (registry, risk) as its Kafka subscriber hands it over."""
        key = str(event.project_id)  # type: ignore[attr-defined]
        actor = Actor(id=f"anju-{producer}", role=Role.SYSTEM, region=self.region)
        envelope = Envelope.wrap(event, region=self.region, producer=producer, actor=actor, key=key)
        return await self.handlers.on_event(envelope, event)

    async def agency_assigned(self, project_id: str, actor: Actor = INSURER) -> None:
        """POL-08: select the agency, then the registry's TeamAssigned answer."""
        await self.send(select_agency(project_id), actor)
        await self.deliver(team_assigned(project_id), "registry")

    async def upload_letter(self, project_id: str, actor: Actor) -> EvidenceRef:
        """The insurer's letter through a ticket, then PUT as the client would."""
        digest = hashlib.sha256(LETTER).hexdigest()
        ask = u.RequestDocumentUpload(
            project_id=project_id,
            file_name="报价函.pdf",
            content_type="application/pdf",
            size=len(LETTER),
            sha256=digest,
        )
        outcome = await self.send(ask, actor)
        assert outcome.ticket is not None
        self.objects.upload(BUCKET, outcome.ticket.key, LETTER, "application/pdf")
        return letter_ref(project_id, key=outcome.ticket.key, sha256=digest, size=len(LETTER))

    async def registered(self, project_id: str, actor: Actor, **over: object) -> Outcome:
        ref = await self.upload_letter(project_id, actor)
        base = register(project_id, **over)  # type: ignore[arg-type]
        letter = u.QuotationLetter(document=ref, signed_by_business_head=True, sealed=True)
        quotation = base.quotation.model_copy(update={"letter": letter})
        return await self.send(base.model_copy(update={"quotation": quotation}), actor)
