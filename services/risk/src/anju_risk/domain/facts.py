"""What the risk service knows of a project from the other services (a read model by ``_id``):

* policy's ``ProjectRegistered`` — the insurer and the participating units (builder, contractor,
  supervisor …) with their roles;
* registry's ``TeamAssigned`` / ``LeadChanged`` / ``TeamStateChanged`` — which agency staffs the
  project and which practitioners are its team (RSK-01, XC-05).

Pure value object: ``anju_risk.read_models`` keeps the document, the handlers read it and pass it in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from anju_contracts.underwriting import ParticipantRole


@dataclass(frozen=True)
class ProjectFacts:
    project_id: str
    insurer_id: str | None = None
    participants: Mapping[str, ParticipantRole] = field(default_factory=dict)  # organisation id -> role
    agency_id: str | None = None
    lead_id: str | None = None
    member_ids: frozenset[str] = frozenset()
    team_active: bool = False
    completed_on: date | None = None  # policy's completion acceptance (竣工验收): SAF-05's retention starts

    @property
    def known(self) -> bool:
        """The project is insured here (an insurer is known for it)."""
        return self.insurer_id is not None

    @property
    def team(self) -> frozenset[str]:
        """The practitioners who act for the agency on this project: the members and the current lead."""
        if not self.team_active:
            return frozenset()
        return self.member_ids | ({self.lead_id} if self.lead_id else set())

    def role_of(self, organisation_id: str | None) -> ParticipantRole | None:
        return self.participants.get(organisation_id) if organisation_id else None

    @classmethod
    def from_doc(cls, project_id: str, doc: Mapping[str, Any] | None) -> ProjectFacts:
        if not doc:
            return cls(project_id)
        return cls(
            project_id=project_id,
            insurer_id=doc.get("insurer_id"),
            participants={org: ParticipantRole(role) for org, role in doc.get("participants", {}).items()},
            agency_id=doc.get("agency_id"),
            lead_id=doc.get("lead_id"),
            member_ids=frozenset(doc.get("member_ids", [])),
            team_active=doc.get("team_status") == "active",
            completed_on=date.fromisoformat(doc["completed_on"]) if doc.get("completed_on") else None,
        )
