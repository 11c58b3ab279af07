"""SAF-07 fed by real data: the risk service's per-project quarter standings (``risk.SafetyQuarterRecorded``
on ``anju.risk.events.v1``) folded per agency and quarter into ``registry.safety_quarters`` (one document
per ``<agency>:<quarter>``, read by ``_id``), and the pre-filled checklist the authority confirms or
corrects line by line before it submits ``registry.SubmitSafetyChecklistScore``.

A foreign-event read model like the registry's own views: its router consumes the risk events topic under
the views' own consumer group (suffixed per deployment), one writer folds; a project's standing carries
the risk file's version and an older one arriving late changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from anju_contracts import Envelope, ReasonCode, Role, topics
from anju_contracts import safety as sf
from anju_contracts.base import IDENTIFIER_PATTERN, Event
from anju_kit.auth import CurrentActor
from anju_kit.ports import ViewReads
from anju_kit.regions import AgencyChecklist
from anju_kit.views import AS_OF, Docs, View, field_name
from anju_registry import access
from anju_registry.adapters.repository import Repositories
from anju_registry.domain.checklist_prefill import prefill
from anju_registry.domain.errors import RegistryError

# The contracts' shapes of an agency id and a registry quarter, checked before anything is read: the draft
# names both in its answer, and a refusal names the field and the rule, never the value (XC-09).
AgencyId = Annotated[str, Path(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN)]
Quarter = Annotated[str, Path(pattern=r"^\d{4}-Q[1-4]$")]


def registry_quarter(risk_quarter: str) -> str:
    """risk names a quarter 2026Q3; the registry's checklist 2026-Q3."""
    return risk_quarter.replace("Q", "-Q")


class SafetyQuarters(View):
    name = "registry.safety_quarters"
    sources = (topics.RISK.events,)

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        if isinstance(event, sf.SafetyQuarterRecorded):
            return [f"{event.agency_id}:{registry_quarter(event.quarter)}"]
        return []

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, sf.SafetyQuarterRecorded)
        doc = dict(await docs.get(key) or {"projects": {}})
        projects = dict(doc["projects"])
        # A project id may hold '.', which the store refuses in a field name: a valid standing was
        # dead-lettered and never reached the checklist. Ids without '.' keep their name as before.
        name = field_name(event.project_id)
        kept = projects.get(name)
        if kept is not None and int(kept["version"]) >= event.version:
            return  # a redelivery or an older standing arriving late
        projects[name] = event.model_dump(mode="json", exclude={"project_id", "agency_id", "quarter"})
        docs.put(key, {**doc, "projects": projects})


SAFETY_QUARTERS = SafetyQuarters()


class DraftLineView(BaseModel):
    point_id: str
    text_zh: str
    suggested: bool | None
    basis: str


class ChecklistDraft(BaseModel):
    agency_id: str
    quarter: str
    projects: int
    lines: list[DraftLineView]
    adverse_findings: list[dict[str, Any]]
    confirmed_score: float | None  # the authority's score once it submitted the confirmed answers
    as_of: dict[str, Any] | None


def router(store: ViewReads, repos: Repositories, checklist: AgencyChecklist | None) -> APIRouter:
    api = APIRouter(prefix="/v1/registry", tags=["registry"])

    @api.get(
        "/agencies/{agency_id}/safety-checklists/{quarter}/draft",
        summary="The quarter's checklist pre-filled from recorded data, beside the authority's score (SAF-07)",
    )
    async def draft(agency_id: AgencyId, quarter: Quarter, actor: CurrentActor) -> ChecklistDraft:
        own = actor.role is Role.AGENCY and actor.agency_id == agency_id
        if checklist is None or not (access.is_regulator(actor) or own):
            raise RegistryError(ReasonCode.NOT_FOUND, "no such checklist", field="agency_id")
        doc = await store.get(f"{agency_id}:{quarter}") or {}
        projects = list(doc.get("projects", {}).values())
        loaded = await repos.agencies.get(agency_id)
        return ChecklistDraft(
            agency_id=agency_id,
            quarter=quarter,
            projects=len(projects),
            lines=[DraftLineView(**vars(line)) for line in prefill(checklist, projects)],
            adverse_findings=[
                {"finding_id": f.id, "text_zh": f.text_zh, "suggested_count": None, "basis": "由主管部门核实"}
                for f in checklist.adverse_findings
            ],
            confirmed_score=loaded.aggregate.checklist_scores.get(quarter) if loaded else None,
            as_of=doc.get(AS_OF),
        )

    return api
