"""What the HTTP API answers. Personal data is masked in every view (XC-09); the public view of an
agency or practitioner leaves out evidence, findings and anything only the regulator needs (XC-05)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from anju_contracts import registry as r
from anju_registry.domain.agency import Agency
from anju_registry.domain.credit import CreditRecord
from anju_registry.domain.practitioner import Practitioner
from anju_registry.domain.team import Team


class AsOf(BaseModel):
    """How fresh a listing is: the last change its read model had folded when it was read.

    Listings are read models (issue #10): they trail the registry's commits by the view writer's lag,
    usually well under a second. A single agency, practitioner or team read by its id is always current.
    """

    event_id: str
    occurred_at: datetime

    @classmethod
    def of(cls, as_of: Mapping[str, Any] | None) -> AsOf | None:
        return cls.model_validate(as_of) if as_of else None


class CreditView(BaseModel):
    record_id: str
    kind: r.CreditKind
    rule_id: str
    summary: str
    project_id: str | None
    recorded_on: date

    @classmethod
    def of(cls, record: CreditRecord) -> CreditView:
        return cls.model_validate(record.model_dump())


class AgencyView(BaseModel):
    agency_id: str
    name: str
    status: str
    path: r.QualificationPath
    watch_listed: bool
    key_supervision: bool
    strikes: int
    version: int | None = None
    # Only for the regulator, the nominating insurer and the agency itself:
    credit_code: str | None = None
    nominated_by: str | None = None
    evidence: r.QualificationEvidence | None = None
    refusals: list[r.FailedCondition] | None = None
    group_organisation_ids: list[str] | None = None
    subsidiary_organisation_ids: list[str] | None = None
    related_organisation_ids: list[str] | None = None
    combined_scores: dict[str, float] | None = None
    checklist_scores: dict[str, float] | None = None

    @classmethod
    def of(cls, agency: Agency, *, full: bool, version: int | None = None) -> AgencyView:
        view = cls(
            agency_id=agency.agency_id,
            name=agency.name,
            status=agency.status,
            path=agency.evidence.path,
            watch_listed=agency.watch_listed,
            key_supervision=agency.key_supervision,
            strikes=agency.strikes,
            version=version,
        )
        if full:
            view = view.model_copy(
                update={
                    "credit_code": agency.credit_code,
                    "nominated_by": agency.nominated_by,
                    "evidence": agency.evidence,
                    "refusals": agency.refusals,
                    "group_organisation_ids": agency.group_organisation_ids,
                    "subsidiary_organisation_ids": agency.subsidiary_organisation_ids,
                    "related_organisation_ids": agency.related_organisation_ids,
                    "combined_scores": agency.combined_scores,
                    "checklist_scores": agency.checklist_scores,
                }
            )
        return view

    @classmethod
    def public(cls, agency_id: str, item: Mapping[str, Any]) -> AgencyView:
        """The public view from an item of the pool read model (the fields of ``AgencyStateChanged``)."""
        public = ("name", "status", "path", "watch_listed", "key_supervision", "strikes", "version")
        return cls.model_validate({"agency_id": agency_id} | {name: item[name] for name in public})


class PoolView(BaseModel):
    region: str
    agencies: list[AgencyView] = Field(
        description="Each agency's public fields; the full record (to those entitled) is GET /agencies/{agency_id}."
    )
    as_of: AsOf | None = Field(default=None, description="The read model's last change (None: none yet).")


class AgencyCreditView(BaseModel):
    agency_id: str
    name: str
    status: str
    watch_listed: bool
    strikes: int
    records: list[CreditView]
    findings: list[dict[str, object]] | None = None  # regulator and the agency itself only


class PractitionerView(BaseModel):
    practitioner_id: str
    agency_id: str
    identity: r.MaskedIdentity
    title: r.TechnicalTitle
    roles: list[r.PractitionerRole]
    status: str
    registered_licence: bool
    years_of_experience: int
    evaluation_valid_until: date | None
    version: int | None = None
    identity_review: bool | None = Field(
        default=None, description="Regulator only: the ID number matched another practitioner's (REG-02)."
    )

    @classmethod
    def of(
        cls, p: Practitioner, today: date, version: int | None = None, *, regulator: bool = False
    ) -> PractitionerView:
        return cls(
            identity_review=p.identity_review if regulator else None,
            practitioner_id=p.practitioner_id,
            agency_id=p.agency_id,
            identity=p.identity.masked(),
            title=p.title,
            roles=list(p.roles),
            status=p.status,
            registered_licence=p.has_registered_licence,
            years_of_experience=p.years(today),
            evaluation_valid_until=p.evaluation_valid_until,
            version=version,
        )


class PractitionerCreditView(BaseModel):
    practitioner: PractitionerView
    records: list[CreditView]


class EligiblePractitioner(BaseModel):
    practitioner: PractitionerView
    eligible_as_member: bool
    eligible_as_lead: bool
    lead_active_projects: int
    lead_load_as_of: AsOf | None = Field(default=None, description="Freshness of lead_active_projects.")
    failures: list[r.FailedCondition]


class EligibleList(BaseModel):
    project_id: str
    agency_id: str
    items: list[EligiblePractitioner] = Field(
        description="One page of the agency's roster, by practitioner id (one who left the talent database "
        "since the roster's as_of is left out, so a page may hold fewer than asked)."
    )
    total: int = Field(default=0, description="How many practitioners the agency's roster holds.")
    offset: int = Field(default=0, description="The roster position of this page's first practitioner.")
    as_of: AsOf | None = Field(default=None, description="Freshness of the agency's roster read model.")


class TeamView(BaseModel):
    project_id: str
    agency_id: str
    insurer_id: str
    status: str
    lead_id: str | None
    technical_lead_id: str | None
    member_ids: list[str]
    refusals: list[r.FailedCondition]
    version: int | None = None

    @classmethod
    def of(cls, team: Team, version: int | None = None) -> TeamView:
        return cls(
            project_id=team.project_id,
            agency_id=team.agency_id,
            insurer_id=team.insurer_id,
            status=team.status,
            lead_id=team.lead_id,
            technical_lead_id=team.technical_lead_id,
            member_ids=team.member_ids,
            refusals=team.refusals,
            version=version,
        )


class InsurerView(BaseModel):
    insurer_id: str
    eligible: bool
    staff: int
    version: int | None = None


class Accepted(BaseModel):
    """Answer to a command: what it changed (or that it had been applied before)."""

    id: str
    version: int
    duplicate: bool
    events: list[str]
