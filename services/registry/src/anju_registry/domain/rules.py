"""The region settings the registry rules read (XC-06), as the domain sees them.

Nothing here has a default: :func:`registry_rules` and :func:`checklist_rules` build these views from
the region file (``anju_kit.regions.RegionRules``), so a city's rules never hide in code.
"""

from __future__ import annotations

from dataclasses import dataclass

from anju_contracts.registry import EscalationLevel, SupervisionGrade
from anju_kit.regions import CreditEscalation, LeadCredential, RegionRules, StrikeConsequence


@dataclass(frozen=True)
class LeadQualification:
    """What a project lead (项目风险管理负责人) must meet (REG-03, REG-05)."""

    credential: LeadCredential  # hangzhou: senior engineer (seed 000 §15); shanghai: 注册执业资格 (seed 001 §4)
    min_years: int  # hangzhou 10, shanghai 15
    max_concurrent_projects: int  # shanghai: no more than 10 (seed 001 §4)
    dedicated: bool  # 专职: hangzhou (seed 000 §15), shaoxing (seed 003 annex 1.2); not shanghai
    requires_technical_lead: bool  # shaoxing: dedicated technical lead + project lead (seed 003 annex 1)
    change_needs_confirmation: bool  # REG-05: insurer's written confirmation
    change_not_less_qualified: bool  # REG-05 (shanghai): 不低于原项目负责人条件


@dataclass(frozen=True)
class InsurerStaffRules:
    """REG-12 (seed 002 §4)."""

    min_risk_control_staff: int
    bachelor_min_years: int
    master_min_years: int
    project_manager_min_years: int


@dataclass(frozen=True)
class ListedViolation:
    code: str
    text_zh: str


@dataclass(frozen=True)
class RegistryRules:
    region: str
    supervision_min_grade: SupervisionGrade | None  # path 1; None = path not offered (REG-01)
    qrm_min_years: int | None  # path 2; None = path not offered (REG-01)
    qrm_min_registered_engineers: int
    other_path_available: bool  # path 3: judged case by case by the regulator
    technical_staff_min_credential: LeadCredential  # REG-02
    lead: LeadQualification  # REG-03, REG-05
    key_position_ban: bool  # REG-06 (shanghai)
    reevaluation_valid_months: int  # REG-11
    evaluation_pass_mark: float  # REG-07: below → watch list
    three_strikes: bool  # REG-08 (shanghai)
    strike_levels: tuple[EscalationLevel, ...]  # REG-08: consequence of the 1st, 2nd, 3rd finding
    listed_violations: tuple[ListedViolation, ...]  # REG-08: findings that count as a strike
    serious_accident_removal: bool  # REG-09 (hangzhou)
    insurer_staff: InsurerStaffRules | None  # REG-12; None where the region writes no IDI


_STRIKE_LEVELS = {
    StrikeConsequence.CORRECT_AND_YELLOW_CARD: EscalationLevel.YELLOW_CARD,
    StrikeConsequence.KEY_SUPERVISION_OF_NEW_BUSINESS: EscalationLevel.KEY_SUPERVISION,
    StrikeConsequence.NOT_ELIGIBLE_FOR_CONSULTATION: EscalationLevel.INELIGIBLE,
}


def registry_rules(region: RegionRules) -> RegistryRules:
    reg = region.registry
    paths = reg.agency_paths
    licence, experience = paths.supervision_licence, paths.insurer_commissioned_experience
    lead = reg.project_lead
    credit = reg.credit
    insurer = reg.insurer_eligibility
    return RegistryRules(
        region=region.code,
        supervision_min_grade=(
            SupervisionGrade(licence.min_supervision_grade.value)
            if licence.available and licence.min_supervision_grade is not None
            else None
        ),
        qrm_min_years=experience.min_years_insurer_commissioned_qrm if experience.available else None,
        qrm_min_registered_engineers=experience.min_registered_engineers or 0,
        other_path_available=paths.other.available,
        technical_staff_min_credential=reg.staff.technical_staff_min_credential,
        lead=LeadQualification(
            credential=lead.credential,
            min_years=lead.min_years_experience,
            max_concurrent_projects=lead.max_concurrent_projects,
            dedicated=lead.dedicated,
            requires_technical_lead=lead.dedicated_technical_lead_required,
            change_needs_confirmation=lead.change_needs_insurer_confirmation,
            change_not_less_qualified=lead.change_must_not_lower_qualification,
        ),
        key_position_ban=reg.key_position_ban,
        reevaluation_valid_months=reg.staff.reevaluation_interval_months,
        evaluation_pass_mark=credit.watch_list_score_threshold,
        three_strikes=credit.escalation is CreditEscalation.THREE_STRIKES,
        strike_levels=tuple(_STRIKE_LEVELS[c] for c in credit.strike_consequences),
        listed_violations=tuple(ListedViolation(v.id, v.text_zh) for v in credit.responsibility_violations),
        serious_accident_removal=credit.serious_accident_removal,
        insurer_staff=None
        if insurer is None
        else InsurerStaffRules(
            min_risk_control_staff=insurer.min_qualified_risk_staff,
            bachelor_min_years=insurer.risk_staff_min_years_bachelor,
            master_min_years=insurer.risk_staff_min_years_master,
            project_manager_min_years=insurer.project_manager_min_years,
        ),
    )
