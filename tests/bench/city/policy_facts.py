"""The policy facts of the city, as the policy service publishes them on ``anju.policy.events.v1``.

The policy service does not run yet; its events are what the claims read model folds (units, owners,
liability period). Each project has one IDI policy covering its 250 units: ``PolicyIssued`` then
``LiabilityPeriodStarted`` (coverage per part from the region file, POL-13), keyed by policy id.
"""

from __future__ import annotations

from datetime import timedelta

from anju_contracts import Envelope
from anju_contracts.policy import LiabilityPeriodStarted, OwnerRef, PolicyIssued, PolicyUnit
from anju_kit.auth import service_actor
from tests.bench.city.plan import UNITS_PER_PROJECT, CityPlan


def address(u: int) -> str:
    building, rest = divmod(u, 40)
    floor, room = divmod(rest, 2)
    return f"{building + 1}号楼{floor + 1}0{room + 1}室"


def policy_events(plan: CityPlan, p: int) -> list[Envelope]:
    actor = service_actor("policy", plan.region)
    policy_id, project_id = plan.policy_id(p), plan.project_id(p)
    starts = plan.liability_starts_on(p)
    units = tuple(
        PolicyUnit(
            unit_id=plan.unit_id(p, u),
            address=address(u),
            owners=(OwnerRef(owner_id=plan.owner_id(p, u), id_number_masked=f"310101********{(p + u) % 10_000:04d}"),),
        )
        for u in range(UNITS_PER_PROJECT)
    )
    issued = PolicyIssued(
        policy_id=policy_id,
        project_id=project_id,
        insurer_id=plan.insurer_of(p),
        issued_on=starts - timedelta(days=2 * 365 + 90),
        units=units,
    )
    started = LiabilityPeriodStarted(
        policy_id=policy_id,
        project_id=project_id,
        liability_starts_on=starts,
        contractor_id=f"{plan.project_id(p)}-contractor",
        contractor_warranty_end=starts - timedelta(days=1),
    )
    return [
        Envelope.wrap(
            message,
            region=plan.region,
            producer="policy",
            actor=actor,
            key=policy_id,
            event_id=plan.event_id("policy", policy_id, message.TYPE),
        )
        for message in (issued, started)
    ]
