"""The insurer's IDI staff and its eligibility to write IDI (REG-12; seed 002 §4)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from anju_contracts.registry import (
    Degree,
    FailedCondition,
    InsurerEligibilityChanged,
    InsurerStaffFunction,
    InsurerStaffRegistered,
    TechnicalTitle,
)
from anju_registry.domain.aggregate import Aggregate
from anju_registry.domain.errors import RegistryError, failed
from anju_registry.domain.experience import full_years
from anju_registry.domain.practitioner import ProtectedIdentity
from anju_registry.domain.ranks import degree_rank, title_rank
from anju_registry.domain.rules import InsurerStaffRules, RegistryRules


class InsurerStaff(BaseModel):
    staff_id: str
    identity: ProtectedIdentity
    function: InsurerStaffFunction
    title: TechnicalTitle
    first_class_licence: bool
    degree: Degree
    career_start: date
    passed_insurer_assessment: bool


def staff_failures(staff: InsurerStaff, rules: InsurerStaffRules, today: date) -> list[FailedCondition]:
    """Every REG-12 condition the staff member does not meet (empty = qualified)."""
    years = full_years(staff.career_start, today)
    out: list[FailedCondition] = []
    if staff.function is InsurerStaffFunction.PROJECT_MANAGER:
        if years < rules.project_manager_min_years:
            out.append(
                failed(
                    "REG-12",
                    "PM_YEARS_TOO_FEW",
                    f"{years} years; project managers need {rules.project_manager_min_years}",
                    staff.staff_id,
                )
            )
        if not staff.passed_insurer_assessment:
            out.append(
                failed("REG-12", "PM_NOT_ASSESSED", "project manager has not passed the insurer's 考核", staff.staff_id)
            )
        return out
    senior = title_rank(staff.title) >= title_rank(TechnicalTitle.SENIOR_ENGINEER)
    if not (staff.first_class_licence or senior):
        out.append(
            failed(
                "REG-12",
                "RISK_STAFF_CREDENTIAL_MISSING",
                "risk-control staff hold a first-class practising licence or a senior title",
                staff.staff_id,
            )
        )
    master = degree_rank(staff.degree) >= degree_rank(Degree.MASTER)
    bachelor = degree_rank(staff.degree) >= degree_rank(Degree.BACHELOR)
    if not ((master and years >= rules.master_min_years) or (bachelor and years >= rules.bachelor_min_years)):
        out.append(
            failed(
                "REG-12",
                "RISK_STAFF_EXPERIENCE_TOO_SHORT",
                f"{staff.degree} with {years} years; needs bachelor + {rules.bachelor_min_years} or "
                f"master + {rules.master_min_years} years of engineering-construction work",
                staff.staff_id,
            )
        )
    return out


class Insurer(Aggregate):
    insurer_id: str
    staff: list[InsurerStaff] = Field(default_factory=list)
    eligible: bool = False

    def register_staff(self, staff: InsurerStaff, *, rules: RegistryRules, today: date) -> None:
        staff_rules = _staff_rules(rules)
        self.staff = [s for s in self.staff if s.staff_id != staff.staff_id] + [staff]
        problems = staff_failures(staff, staff_rules, today)
        self._record(
            InsurerStaffRegistered(
                insurer_id=self.insurer_id,
                staff_id=staff.staff_id,
                identity=staff.identity.masked(),
                function=staff.function,
                qualified=not problems,
                unmet=tuple(problems),
            )
        )
        self.reassess(rules=rules, today=today)

    def counts(self, staff_rules: InsurerStaffRules, today: date) -> tuple[int, int]:
        qualified = [s for s in self.staff if not staff_failures(s, staff_rules, today)]
        risk = sum(1 for s in qualified if s.function is InsurerStaffFunction.RISK_CONTROL)
        return risk, len(qualified) - risk

    def reassess(self, *, rules: RegistryRules, today: date) -> None:
        """Eligible with ≥ N qualified risk-control staff and at least one qualified project manager."""
        staff_rules = _staff_rules(rules)
        risk, managers = self.counts(staff_rules, today)
        eligible = risk >= staff_rules.min_risk_control_staff and managers >= 1
        if eligible != self.eligible:
            self.eligible = eligible
            self._record(
                InsurerEligibilityChanged(
                    insurer_id=self.insurer_id,
                    eligible=eligible,
                    qualified_risk_control_staff=risk,
                    qualified_project_managers=managers,
                    required_risk_control_staff=staff_rules.min_risk_control_staff,
                )
            )


def _staff_rules(rules: RegistryRules) -> InsurerStaffRules:
    if rules.insurer_staff is None:
        raise RegistryError(
            "RULE_VIOLATION", f"region {rules.region} writes no IDI; no insurer staff register", "REG-12"
        )
    return rules.insurer_staff
