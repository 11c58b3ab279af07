"""A project as risk learns it in production: policy's ``ProjectRegistered`` and the registry's
``TeamAssigned``, each on its service's events topic signed as that service."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from web_processes import run_async

from anju_contracts import Actor, Envelope, topics
from anju_contracts import registry as reg
from anju_contracts import underwriting as u
from anju_contracts.policy import DeliveryStandard, ProjectStage, ResidentialType
from anju_kit.auth import ActorTokens, service_actor
from anju_kit.settings import ServiceSettings
from tests.bench.city.kafka_io import Sender


def published_project(project_id: str, *, insurer: Actor, lead: Actor, contractor_org: str) -> None:
    region = insurer.region
    registered = u.ProjectRegistered(
        project_id=project_id, insurer_id=str(insurer.insurer_id), product_line="idi",
        residential_type=ResidentialType.COMMERCIAL, delivery_standard=DeliveryStandard.FITTED,
        true_building_area_m2=Decimal("10000.00"), units=2,
        participants=(u.Participant(role=u.ParticipantRole.CONTRACTOR, organisation_id=contractor_org),),
        stage=ProjectStage.CONSTRUCTION, stage_on=date.today(),
    )  # fmt: skip
    team = reg.TeamAssigned(
        project_id=project_id, agency_id=str(lead.agency_id), insurer_id=str(insurer.insurer_id), lead_id=lead.id,
        member_ids=(lead.id,),
    )  # fmt: skip

    def wrap(message: u.ProjectRegistered | reg.TeamAssigned, producer: str) -> Envelope:
        actor = service_actor(producer, region)
        return Envelope.wrap(message, region=region, producer=producer, actor=actor, key=project_id)

    async def send() -> None:
        settings = ServiceSettings()
        sender = Sender(settings.kafka_bootstrap, ActorTokens.from_settings(settings))
        await sender.start()
        try:
            await sender.send(topics.POLICY.events, [wrap(registered, "policy")])
            await sender.send(topics.REGISTRY.events, [wrap(team, "registry")])
        finally:
            await sender.stop()

    run_async(send())
