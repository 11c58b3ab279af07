"""The registry side of the city as HTTP requests to ``/v1/registry`` (the registry's own write path).

The real-name requests (``ApplyPractitioner``, ``RegisterInsurerStaff``) are HTTP only (XC-09); the rest
are sent the same way so each answer (and any refusal, with its rule) is seen at once. Each request
carries a deterministic ``Idempotency-Key``: a re-run is answered ``duplicate`` and changes nothing.

Steps, in order (each needs the one before): insurers' staff (REG-12), agencies nominated by an insurer
and admitted by the regulator with their corporate relations (REG-01, REG-04), practitioners applied by
their agency and approved (or, one in fifty, refused) by the regulator (REG-02), then one team per
project set by the project's insurer (REG-02..REG-06).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from anju_contracts import Actor, Role
from anju_contracts import registry as r
from anju_contracts.base import ContractModel
from tests.bench.city.plan import STAFF_PER_INSURER, CityPlan, Practitioner

REGULATOR_ID = "city-zjw"


@dataclass(frozen=True)
class Request:
    path: str
    body: ContractModel
    actor: Actor
    idempotency_key: uuid.UUID

    def json(self) -> dict[str, Any]:
        return self.body.model_dump(mode="json", exclude_none=True)


def regulator(plan: CityPlan) -> Actor:
    return Actor(id=REGULATOR_ID, role=Role.REGULATOR, region=plan.region)


def insurer_system(plan: CityPlan, insurer_id: str) -> Actor:
    return Actor(id=f"{insurer_id}-core", role=Role.SYSTEM, region=plan.region, insurer_id=insurer_id)


def agency_admin(plan: CityPlan, agency_id: str) -> Actor:
    return Actor(id=f"{agency_id}-admin", role=Role.AGENCY, region=plan.region, agency_id=agency_id)


def _years_before(day: date, years: int) -> date:
    return date(day.year - years, day.month, min(day.day, 28))


def insurer_staff(plan: CityPlan, k: int) -> list[Request]:
    """Ten senior risk-control staff and two assessed project managers: the insurer may write IDI."""
    insurer_id = plan.insurer_id(k)
    out = []
    for s in range(STAFF_PER_INSURER):
        manager = s >= STAFF_PER_INSURER - 2
        n = k * STAFF_PER_INSURER + s
        body = r.RegisterInsurerStaff(
            insurer_id=insurer_id,
            staff_id=f"{insurer_id}-staff-{s:02d}",
            name=f"保险员工{n:04d}",
            id_number=f"310104{n:011d}1",
            phone=f"137{n:08d}",
            function=r.InsurerStaffFunction.PROJECT_MANAGER if manager else r.InsurerStaffFunction.RISK_CONTROL,
            title=r.TechnicalTitle.SENIOR_ENGINEER,
            degree=r.Degree.BACHELOR,
            career_start=_years_before(plan.today, 16),
            passed_insurer_assessment=manager,
        )
        out.append(
            Request(
                f"/insurers/{insurer_id}/staff",
                body,
                insurer_system(plan, insurer_id),
                plan.event_id("registry", "staff", body.staff_id),
            )
        )
    return out


def agency_admission(plan: CityPlan, a: int) -> list[Request]:
    """Nominated by an insurer (supervision licence, REG-01), admitted, relations declared (REG-04)."""
    agency_id = plan.agency_id(a)
    insurer_id = plan.insurer_id(a % plan.insurers)
    nominate = r.NominateAgency(
        agency_id=agency_id,
        name=f"上海城市风险管理第{a + 1}有限公司",
        credit_code=f"91310000MA1K{a:06d}",
        insurer_id=insurer_id,
        evidence=r.QualificationEvidence(
            path=r.QualificationPath.SUPERVISION_LICENCE,
            supervision_grade=r.SupervisionGrade.COMPREHENSIVE,
            licence_number=f"E31{a:06d}",
            document_keys=(f"{plan.region}/registry/{agency_id}/licence.pdf",),
        ),
    )
    relations = r.RecordCorporateRelations(
        agency_id=agency_id,
        group_organisation_ids=(f"{agency_id}-group",),
        subsidiary_organisation_ids=(f"{agency_id}-sub",),
    )
    return [
        Request("/agencies", nominate, insurer_system(plan, insurer_id), plan.event_id("registry", "nominate", a)),
        Request(
            f"/agencies/{agency_id}/admission",
            r.AdmitAgency(agency_id=agency_id, note="材料齐全，准予入库。"),
            regulator(plan),
            plan.event_id("registry", "admit", a),
        ),
        Request(
            f"/agencies/{agency_id}/relations",
            relations,
            agency_admin(plan, agency_id),
            plan.event_id("registry", "relations", a),
        ),
    ]


def application(plan: CityPlan, person: Practitioner) -> Request:
    agency_id = plan.agency_id(person.agency)
    lead = person.role == "project_lead"
    if person.refused:
        title = r.TechnicalTitle.ASSISTANT_ENGINEER
    elif lead or person.role == "technical_lead":
        title = r.TechnicalTitle.SENIOR_ENGINEER
    elif person.role == "assistant":
        title = r.TechnicalTitle.NONE
    else:
        title = r.TechnicalTitle.ENGINEER
    licences = (
        (r.RegisteredLicence(kind="registered_supervision_engineer", level=1, number=f"ZJ{person.index:08d}"),)
        if lead
        else ()
    )
    body = r.ApplyPractitioner(
        practitioner_id=person.practitioner_id,
        agency_id=agency_id,
        name=f"从业人员{person.index:05d}",
        id_number=f"310101{person.index:011d}0",
        phone=f"139{person.index:08d}",
        title=title,
        registered_licences=licences,
        career_start=_years_before(plan.today, 20 if lead else 8),
        roles=(r.PractitionerRole(person.role),),
    )
    return Request(
        "/practitioners",
        body,
        agency_admin(plan, agency_id),
        plan.event_id("registry", "apply", person.practitioner_id),
    )


def approval(plan: CityPlan, person: Practitioner) -> Request:
    return Request(
        f"/practitioners/{person.practitioner_id}/approval",
        r.ApprovePractitioner(practitioner_id=person.practitioner_id),
        regulator(plan),
        plan.event_id("registry", "approve", person.practitioner_id),
    )


def team(plan: CityPlan, p: int) -> Request:
    lead, technical_lead, members = plan.team(p)
    project_id, insurer_id = plan.project_id(p), plan.insurer_of(p)
    body = r.AssignTeam(
        project_id=project_id,
        agency_id=plan.agency_id(plan.agency_of(p)),
        insurer_id=insurer_id,
        lead_id=lead,
        member_ids=members,
        technical_lead_id=technical_lead,
        participating_units=(
            r.ParticipatingUnit(organisation_id=f"city-dev-{p % 97:02d}", role=r.UnitRole.BUILDER),
            r.ParticipatingUnit(organisation_id=f"city-con-{p % 53:02d}", role=r.UnitRole.CONSTRUCTION),
            r.ParticipatingUnit(organisation_id=f"city-sup-{p % 29:02d}", role=r.UnitRole.SUPERVISION),
        ),
    )
    return Request("/teams", body, insurer_system(plan, insurer_id), plan.event_id("registry", "team", project_id))
