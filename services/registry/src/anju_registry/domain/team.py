"""The project team (项目风险管理团队) of one project: assignment and lead change (REG-02..REG-06)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from anju_contracts.registry import (
    AssignmentRefused,
    FailedCondition,
    LeadChanged,
    ParticipatingUnit,
    TeamAssigned,
    TeamStatus,
)
from anju_registry.domain.aggregate import Aggregate
from anju_registry.domain.errors import InvalidState


class LeadChange(BaseModel):
    old_lead_id: str
    new_lead_id: str
    insurer_confirmation_key: str
    reason: str


class Team(Aggregate):
    project_id: str
    agency_id: str
    insurer_id: str
    status: TeamStatus
    lead_id: str | None = None
    technical_lead_id: str | None = None
    member_ids: list[str] = Field(default_factory=list)
    participating_units: list[ParticipatingUnit] = Field(default_factory=list)
    refusals: list[FailedCondition] = Field(default_factory=list)
    lead_changes: list[LeadChange] = Field(default_factory=list)

    @property
    def lead_insurer_id(self) -> str | None:
        """The insurer that leads the project: set by the first accepted assignment only.

        ``insurer_id`` of a refused team names who tried last (kept as information); a refusal never
        makes that insurer the project's, so it cannot lock the rightful lead insurer out.
        """
        return self.insurer_id if self.status is TeamStatus.ACTIVE else None

    @classmethod
    def first_attempt(cls, *, project_id: str, agency_id: str, insurer_id: str) -> Team:
        return cls(project_id=project_id, agency_id=agency_id, insurer_id=insurer_id, status=TeamStatus.REFUSED)

    def assign(
        self,
        *,
        agency_id: str,
        insurer_id: str,
        lead_id: str,
        member_ids: tuple[str, ...],
        technical_lead_id: str | None,
        participating_units: tuple[ParticipatingUnit, ...],
        failures: list[FailedCondition],
    ) -> None:
        """Apply the policy's verdict: a team when nothing failed, else a refusal listing every failure."""
        if self.status is TeamStatus.ACTIVE:
            raise InvalidState(f"project {self.project_id} already has a team; change its lead instead", "REG-05")
        self.agency_id, self.insurer_id = agency_id, insurer_id
        if failures:
            self.refusals = failures
            self._record(
                AssignmentRefused(
                    project_id=self.project_id,
                    agency_id=agency_id,
                    command_type="registry.AssignTeam",
                    failed=tuple(failures),
                )
            )
            return
        self.status, self.refusals = TeamStatus.ACTIVE, []
        self.lead_id, self.technical_lead_id = lead_id, technical_lead_id
        self.member_ids = [m for m in dict.fromkeys(member_ids) if m not in (lead_id, technical_lead_id)]
        self.participating_units = list(participating_units)
        self._record(
            TeamAssigned(
                project_id=self.project_id,
                agency_id=agency_id,
                insurer_id=insurer_id,
                lead_id=lead_id,
                member_ids=tuple(self.member_ids),
                technical_lead_id=technical_lead_id,
            )
        )

    def change_lead(
        self, *, new_lead_id: str, insurer_confirmation_key: str, reason: str, failures: list[FailedCondition]
    ) -> None:
        if self.status is not TeamStatus.ACTIVE or self.lead_id is None:
            raise InvalidState(f"project {self.project_id} has no team yet", "REG-05")
        if failures:
            self._record(
                AssignmentRefused(
                    project_id=self.project_id,
                    agency_id=self.agency_id,
                    command_type="registry.ChangeLead",
                    failed=tuple(failures),
                )
            )
            return
        old = self.lead_id
        self.lead_changes.append(
            LeadChange(
                old_lead_id=old,
                new_lead_id=new_lead_id,
                insurer_confirmation_key=insurer_confirmation_key,
                reason=reason,
            )
        )
        self.lead_id = new_lead_id
        self.member_ids = [m for m in self.member_ids if m != new_lead_id]
        self._record(
            LeadChanged(
                project_id=self.project_id,
                agency_id=self.agency_id,
                old_lead_id=old,
                new_lead_id=new_lead_id,
                insurer_confirmation_key=insurer_confirmation_key,
                reason=reason,
            )
        )

    def people(self) -> list[str]:
        return [p for p in (self.lead_id, self.technical_lead_id, *self.member_ids) if p is not None]
