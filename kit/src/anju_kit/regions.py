"""Region rules (XC-06): one YAML file per city under ``regions/``, validated into ``RegionRules``.

Services read every region-dependent value from here — never ``if region == "shanghai"`` in code. The
models carry no defaults on purpose: each file states every value (SPEC defaults are written into the
file with a comment), so what a deployment enforces is visible in one place.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from anju_contracts.policy import CoverageSection, DeliveryStandard, FloatingComponent, ResidentialType

__all__ = [
    "AgencyChecklist",
    "AgencyPaths",
    "Band",
    "Bounds",
    "ClaimsRules",
    "CreditEscalation",
    "CreditRules",
    "EvidenceRules",
    "LeadCredential",
    "NotifyRules",
    "NotifySchedule",
    "PolicyRules",
    "Pricing",
    "Product",
    "RegionError",
    "RegionRules",
    "RegistryRules",
    "RiskRules",
    "RiskSourceType",
    "SafetyRules",
    "StrikeConsequence",
    "SupervisionGrade",
    "default_regions_dir",
    "known_regions",
    "load_region",
]

_CODE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
PositiveInt = Annotated[int, Field(ge=1)]


class RegionError(Exception):
    """A region cannot be loaded; the message names the file (or lists the known regions)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- vocabularies ----------------------------------------------------------------------------------


class Product(StrEnum):
    IDI = "idi"  # 住宅工程质量潜在缺陷保险
    SAFETY_LIABILITY = "safety_liability"  # 建筑施工安全生产责任保险 (安责险)
    QUALITY_SAFETY = "quality_safety"  # 住宅工程质量安全综合保险 (质安保) = IDI + construction safety


class SupervisionGrade(StrEnum):
    """Construction supervision licence grade (工程监理企业资质), best first."""

    COMPREHENSIVE = "comprehensive"  # 综合资质
    GRADE_A = "grade_a"  # 甲级
    GRADE_B = "grade_b"  # 乙级
    GRADE_C = "grade_c"  # 丙级

    @property
    def rank(self) -> int:
        """Higher is better: comprehensive 4 … grade_c 1."""
        return len(_GRADE_ORDER) - _GRADE_ORDER.index(self)

    def meets(self, required: SupervisionGrade) -> bool:
        """True when this grade is ``required`` or above ("甲级或以上")."""
        return self.rank >= required.rank


_GRADE_ORDER = tuple(SupervisionGrade)


class LeadCredential(StrEnum):
    """What a person must hold (not ordered: a licence and a title are different kinds of proof)."""

    REGISTERED_PRACTISING_LICENCE = "registered_practising_licence"  # 注册执业资格
    SENIOR_ENGINEER = "senior_engineer"  # 高级工程师 (or above)
    ENGINEER = "engineer"  # 工程师 (or above)


class CreditEscalation(StrEnum):
    THREE_STRIKES = "three_strikes"  # REG-08 (shanghai)
    WATCH_LIST = "watch_list"  # REG-07/REG-09: 重点观察企业名单 → removal (hangzhou)
    QUARTERLY_CHECKLIST = "quarterly_checklist"  # SAF-07: authority's quarterly checklist (shaoxing)


class StrikeConsequence(StrEnum):
    CORRECT_AND_YELLOW_CARD = "correct_and_yellow_card"  # 责令限期改正、黄牌警示
    KEY_SUPERVISION_OF_NEW_BUSINESS = "key_supervision_of_new_business"  # 新承接业务重点监管
    NOT_ELIGIBLE_FOR_CONSULTATION = "not_eligible_for_consultation"  # 不再作为征询时符合条件的对象


class ReportPeriod(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


# -- registry (REG-*) ------------------------------------------------------------------------------


class LicencePath(_Section):
    """Path 1: a construction supervision licence of at least this grade."""

    available: bool
    min_supervision_grade: SupervisionGrade | None

    @model_validator(mode="after")
    def _grade_when_available(self) -> Self:
        if self.available and self.min_supervision_grade is None:
            raise ValueError("min_supervision_grade is required when the path is available")
        return self


class ExperiencePath(_Section):
    """Path 2: years of insurer-commissioned quality risk management, with registered engineers."""

    available: bool
    min_years_insurer_commissioned_qrm: PositiveInt | None
    min_registered_engineers: PositiveInt | None

    @model_validator(mode="after")
    def _numbers_when_available(self) -> Self:
        if self.available and None in (self.min_years_insurer_commissioned_qrm, self.min_registered_engineers):
            raise ValueError("years and registered engineers are required when the path is available")
        return self


class OtherPath(_Section):
    """Path 3: other organisations the rules admit case by case (evidence judged by the regulator)."""

    available: bool
    description_zh: str | None


class AgencyPaths(_Section):
    supervision_licence: LicencePath
    insurer_commissioned_experience: ExperiencePath
    other: OtherPath

    @model_validator(mode="after")
    def _some_path(self) -> Self:
        paths = (self.supervision_licence, self.insurer_commissioned_experience, self.other)
        if not any(path.available for path in paths):
            raise ValueError("at least one admission path must be available (REG-01)")
        return self


class ProjectLeadRules(_Section):
    credential: LeadCredential
    min_years_experience: Annotated[int, Field(ge=0)]
    max_concurrent_projects: PositiveInt
    dedicated: bool  # 专职
    dedicated_technical_lead_required: bool  # a separate full-time technical lead (技术负责人)
    change_needs_insurer_confirmation: bool  # REG-05
    change_must_not_lower_qualification: bool  # REG-05 (shanghai)


class StaffRules(_Section):
    technical_staff_min_credential: LeadCredential  # REG-02
    reevaluation_interval_months: PositiveInt  # REG-11


class Violation(_Section):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    text_zh: str


class CreditRules(_Section):
    escalation: CreditEscalation
    watch_list_score_threshold: Annotated[float, Field(ge=0, le=100)]  # REG-07: below → watch list
    strike_consequences: tuple[StrikeConsequence, ...]  # REG-08: consequence of the 1st, 2nd, 3rd …
    responsibility_violations: tuple[Violation, ...]  # REG-08: findings that count as a strike
    serious_accident_removal: bool  # REG-09

    @model_validator(mode="after")
    def _strikes_match_scheme(self) -> Self:
        strikes = self.escalation is CreditEscalation.THREE_STRIKES
        if strikes and not (self.strike_consequences and self.responsibility_violations):
            raise ValueError("three_strikes needs strike_consequences and responsibility_violations")
        if not strikes and self.strike_consequences:
            raise ValueError("strike_consequences only apply to three_strikes")
        _unique([v.id for v in self.responsibility_violations], "responsibility_violations ids")
        return self


class InsurerEligibility(_Section):
    """REG-12: minimums an insurer meets before writing IDI."""

    min_qualified_risk_staff: PositiveInt
    risk_staff_min_years_bachelor: PositiveInt
    risk_staff_min_years_master: PositiveInt
    project_manager_min_years: PositiveInt


class RegistryRules(_Section):
    agency_paths: AgencyPaths
    project_lead: ProjectLeadRules
    staff: StaffRules
    credit: CreditRules
    key_position_ban: bool  # REG-06
    insurer_eligibility: InsurerEligibility | None  # None where the region writes no IDI


# -- policy, claims, risk (POL-*, CLM-*, RSK-*) ----------------------------------------------------


class CoverageYears(_Section):
    """POL-13: years of cover per building part, from the start of the liability period."""

    foundation_structure: PositiveInt
    insulation_waterproofing: PositiveInt
    other: PositiveInt


Factor = Annotated[Decimal, Field(gt=0, le=100)]
Rate = Annotated[Decimal, Field(gt=0, lt=1)]


class Band(_Section):
    """One step of a banded factor: applies from ``at_least`` (inclusive) up to the next band."""

    at_least: Annotated[Decimal, Field(ge=0)]
    factor: Factor


class Bounds(_Section):
    min: Factor
    max: Factor

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise ValueError("min is above max")
        return self


class Pricing(_Section):
    """POL-01 … POL-03: how a quote's insured amount and premium are computed in this region.

    The estimated insured amount (design stage) = true building area × unit cost of the residential
    type × delivery-standard factor × prefabrication-rate band × plot-ratio band. Premium = insured
    amount × the product line's base rate × the floating factor (the product of its components, each
    within its bounds, the product within ``floating_total``); never below ``market_floor_rate`` ×
    insured amount."""

    unit_cost_yuan_per_m2: dict[ResidentialType, Annotated[Decimal, Field(gt=0)]]
    delivery_standard_factor: dict[DeliveryStandard, Factor]
    prefabrication_rate_bands: Annotated[tuple[Band, ...], Field(min_length=1)]
    plot_ratio_bands: Annotated[tuple[Band, ...], Field(min_length=1)]
    base_rates: dict[Product, Rate]  # per product line (POL-12: each line its own ledger)
    floating_components: dict[FloatingComponent, Bounds]
    floating_total: Bounds
    market_floor_rate: Rate  # POL-03: premium / insured amount below this is refused

    @model_validator(mode="after")
    def _complete(self) -> Self:
        for name, table, keys in (
            ("unit_cost_yuan_per_m2", self.unit_cost_yuan_per_m2, ResidentialType),
            ("delivery_standard_factor", self.delivery_standard_factor, DeliveryStandard),
            ("floating_components", self.floating_components, FloatingComponent),
        ):
            missing = sorted(set(keys) - set(table))
            if missing:
                raise ValueError(f"{name} lacks {', '.join(missing)}")
        for name, bands in (
            ("prefabrication_rate_bands", self.prefabrication_rate_bands),
            ("plot_ratio_bands", self.plot_ratio_bands),
        ):
            starts = [b.at_least for b in bands]
            if starts[0] != 0 or starts != sorted(set(starts)):
                raise ValueError(f"{name} must start at 0 and rise")
        return self


class PolicyRules(_Section):
    coverage_years: CoverageYears | None  # None where the region writes no IDI
    contractor_warranty_years: PositiveInt | None  # POL-09 / CLM-10
    joint_inspection_months_before_liability: PositiveInt | None  # POL-09
    owner_announcement_months_before_liability: PositiveInt | None  # POL-09
    upload_deadline_working_days: PositiveInt  # POL-07, POL-10
    pricing: Pricing  # POL-01 … POL-03
    coverage_sections: dict[Product, Annotated[tuple[CoverageSection, ...], Field(min_length=1)]]  # POL-11
    documents: EvidenceRules  # the quotation letter and other underwriting documents (POL-04)


class EvidenceRules(_Section):
    """Photos/videos/documents uploaded straight to object storage (RSK-04, claims, hazards)."""

    presigned_upload_expiry_seconds: Annotated[int, Field(ge=60, le=604_800)]  # S3 caps presigning at 7 days
    max_evidence_bytes: PositiveInt
    allowed_content_types: Annotated[
        tuple[Annotated[str, Field(pattern=r"^[a-z]+/[a-z0-9.+-]+$")], ...], Field(min_length=1)
    ]


class ClaimsRules(_Section):
    payment_due_days: PositiveInt  # CLM-03, natural days
    rejection_notice_days: PositiveInt  # CLM-04, natural days
    repair_warranty_days: PositiveInt  # CLM-06
    evidence: EvidenceRules


class RiskRules(_Section):
    report_upload_working_days: PositiveInt  # RSK-02, RSK-07, RSK-08
    household_acceptance_notice_working_days: PositiveInt  # RSK-08
    agency_testing_min_percent: Annotated[float, Field(gt=0, le=100)]  # RSK-09
    lab_notice_pass_hours: PositiveInt  # RSK-09
    lab_notice_fail_hours: PositiveInt  # RSK-09
    # RSK-11: the seeds say "立即" / "及时" with no number: settings with the defaults shown.
    emergency_plan_hours: PositiveInt = 2  # 启动应急预案
    emergency_site_visit_hours: PositiveInt = 24  # 立即到达现场
    emergency_report_hours: PositiveInt = 24  # 及时上报监督管理部门
    evidence: EvidenceRules


# -- safety (SAF-*) --------------------------------------------------------------------------------


class ChecklistPoint(_Section):
    id: str
    text_zh: str


class ChecklistItem(_Section):
    id: str
    section_zh: str
    title_zh: str
    requirement_zh: str
    points: Annotated[tuple[ChecklistPoint, ...], Field(min_length=1)]


class AdverseFinding(_Section):
    id: str
    text_zh: str
    deduction: Annotated[float, Field(ge=0)]  # SAF-07: points off per occurrence (annex gives no number)


class AgencyChecklist(_Section):
    """SAF-07: the authority's quarterly checklist for risk-control agencies."""

    title_zh: str
    source: str
    items: Annotated[tuple[ChecklistItem, ...], Field(min_length=1)]
    adverse_findings: tuple[AdverseFinding, ...]  # "其他情况": count against the agency
    max_score: Annotated[float, Field(gt=0)]  # SAF-07: spread evenly over the check points
    pass_mark: Annotated[float, Field(ge=0)]  # SAF-07: a quarter below it is a negative credit record

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        if self.pass_mark > self.max_score:
            raise ValueError("pass_mark is above max_score")
        _unique([i.id for i in self.items] + [f.id for f in self.adverse_findings], "checklist item ids")
        _unique([p.id for i in self.items for p in i.points], "checklist point ids")
        return self


class GradeFrequency(_Section):
    """SAF-08: minimum site inspections per quarter by project risk grade."""

    high: PositiveInt
    medium: PositiveInt
    low: PositiveInt

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.high >= self.medium >= self.low:
            raise ValueError("inspection frequency must not fall as the risk grade rises (high ≥ medium ≥ low)")
        return self


class RiskSourceType(_Section):
    """One line of the region's risk-source list (风险源分级, SAF-02): held as data, not code."""

    code: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
    name_zh: str
    level: Annotated[int, Field(ge=1, le=4)]  # 一级 (most severe) … 四级
    high_risk_work: bool = False  # 危险性较大的分部分项工程 (危大工程): targeted checks


class SafetyRules(_Section):
    full_coverage_inspections_per_quarter: PositiveInt  # SAF-02
    level_1_2_source_check_percent: Annotated[float, Field(gt=0, le=100)]  # SAF-02
    inspections_per_quarter_by_grade: GradeFrequency  # SAF-08
    report_periods: Annotated[tuple[ReportPeriod, ...], Field(min_length=1)]  # SAF-04
    records_retention_years_after_completion: PositiveInt  # SAF-05
    training_interval_months: PositiveInt  # SAF-06
    agency_checklist: AgencyChecklist | None  # SAF-07
    evidence: EvidenceRules
    # The seeds say "及时" / "立即" / "季末前" with no number: settings with the defaults shown.
    first_identification_working_days: PositiveInt = 5  # SAF-02: 合同签订后及时开展首次风险识别
    coverage_warning_days: PositiveInt = 15  # SAF-02: days before a quarter's end an uncovered quarter is raised
    report_delivery_working_days: PositiveInt = 5  # SAF-04: a period's reports reach insurer and authority by then
    risk_sources: tuple[RiskSourceType, ...] = ()  # SAF-02: the region's risk-source list

    @model_validator(mode="after")
    def _unique_sources(self) -> Self:
        _unique([s.code for s in self.risk_sources], "risk source codes")
        return self

    @model_validator(mode="after")
    def _grade_floor(self) -> Self:
        if self.inspections_per_quarter_by_grade.low < self.full_coverage_inspections_per_quarter:
            raise ValueError("inspections_per_quarter_by_grade.low is below full_coverage_inspections_per_quarter")
        return self


# -- notify (XC-02) --------------------------------------------------------------------------------


class NotifySchedule(_Section):
    """When one rule's obligations are reminded and escalated (the seeds set the deadlines, not these)."""

    remind_working_days_before: tuple[PositiveInt, ...] = (1,)  # reminders on those working days before the last day
    supervisor_at_deadline: bool = True  # escalate to the debtor's supervisor when due_at passes unmet
    regulator_after_working_days: PositiveInt | None = 2  # then to the regulator after N working days; None: never


class NotifyRules(_Section):
    reminder_hour: Annotated[int, Field(ge=0, le=23)] = 9  # reminders at this hour (Asia/Shanghai) of their day
    default: NotifySchedule = NotifySchedule()
    rules: dict[Annotated[str, Field(pattern=r"^[A-Z]{2,4}-\d{2}$")], NotifySchedule] = {}
    # 监管平台 uploads: obligations of these rules are fulfilled by a filing and counted for the regulator
    filing_rules: tuple[Annotated[str, Field(pattern=r"^[A-Z]{2,4}-\d{2}$")], ...] = ()

    def schedule(self, rule_id: str) -> NotifySchedule:
        return self.rules.get(rule_id, self.default)


# -- the region ------------------------------------------------------------------------------------


class RegionRules(_Section):
    code: Annotated[str, Field(pattern=_CODE.pattern)]
    name_zh: str
    products: Annotated[tuple[Product, ...], Field(min_length=1)]
    registry: RegistryRules
    policy: PolicyRules
    claims: ClaimsRules
    risk: RiskRules | None  # required when a product covers quality (IDI, 质安保)
    safety: SafetyRules | None  # required when a product covers construction safety
    notify: NotifyRules = NotifyRules()  # reminders and escalation per rule (XC-02); defaults when absent

    @property
    def covers_quality(self) -> bool:
        return bool({Product.IDI, Product.QUALITY_SAFETY} & set(self.products))

    @property
    def covers_safety(self) -> bool:
        return bool({Product.SAFETY_LIABILITY, Product.QUALITY_SAFETY} & set(self.products))

    @model_validator(mode="after")
    def _sections_match_products(self) -> Self:
        _unique(list(self.products), "products")
        quality = {
            "risk": self.risk,
            "policy.coverage_years": self.policy.coverage_years,
            "policy.contractor_warranty_years": self.policy.contractor_warranty_years,
            "registry.insurer_eligibility": self.registry.insurer_eligibility,
        }
        for name, value in quality.items():
            if self.covers_quality and value is None:
                raise ValueError(f"{name} is required: a product covers quality (IDI)")
        if self.covers_safety and self.safety is None:
            raise ValueError("safety is required: a product covers construction safety")
        if not self.covers_safety and self.safety is not None:
            raise ValueError("safety is set but no product covers construction safety")
        if not self.covers_quality and self.risk is not None:
            raise ValueError("risk is set but no product covers quality (IDI)")
        for name, table in (
            ("policy.pricing.base_rates", self.policy.pricing.base_rates),
            ("policy.coverage_sections", self.policy.coverage_sections),
        ):
            if set(table) != set(self.products):
                raise ValueError(f"{name} must name exactly the region's products (XC-06)")
        return self


def _unique(values: list[str], what: str) -> None:
    duplicates = sorted({v for v in values if values.count(v) > 1})
    if duplicates:
        raise ValueError(f"duplicate {what}: {', '.join(duplicates)}")


# -- loading ---------------------------------------------------------------------------------------


def default_regions_dir() -> Path:
    """``$ANJU_REGIONS_DIR``, else ``<repo>/regions`` when running from the workspace, else /etc/anju/regions."""
    configured = os.environ.get("ANJU_REGIONS_DIR")
    if configured:
        return Path(configured)
    in_repo = Path(__file__).resolve().parents[3] / "regions"  # kit/src/anju_kit → repo root
    return in_repo if in_repo.is_dir() else Path("/etc/anju/regions")


def known_regions(regions_dir: Path) -> list[str]:
    """Region codes that have a file in ``regions_dir``, sorted."""
    if not regions_dir.is_dir():
        return []
    return sorted(p.stem for p in regions_dir.glob("*.yaml") if _CODE.match(p.stem))


def region_for(service: str, region: str, regions_dir: Path) -> RegionRules:
    """The deployment's region rules for ``service``'s start-up, only ever from its region file (XC-06):
    an unknown region or a broken file raises :class:`RegionError` saying which service cannot start and
    which file it looked for."""
    path = regions_dir / f"{region}.yaml"
    try:
        return load_region(region, regions_dir)
    except RegionError as exc:
        reason = str(exc) if str(path) in str(exc) else f"no region file {path} ({exc})"
        raise RegionError(f"{service} cannot start for region {region!r}: {reason}") from exc


def load_region(code: str, regions_dir: Path) -> RegionRules:
    """Read and validate ``<regions_dir>/<code>.yaml``; any problem raises :class:`RegionError`."""
    known = known_regions(regions_dir)
    if not _CODE.match(code) or code not in known:
        listed = ", ".join(known) or "none"
        raise RegionError(f"unknown region {code!r} in {regions_dir}; known regions: {listed}")
    path = regions_dir / f"{code}.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, ValueError) as err:
        raise RegionError(f"{path}: cannot read region file: {err}") from err
    try:
        rules = RegionRules.model_validate(raw)
    except ValidationError as err:
        raise RegionError(f"{path}: invalid region file: {_describe(err)}") from err
    if rules.code != code:
        raise RegionError(f"{path}: code: {rules.code!r} does not match the file name {code!r}")
    return rules


def _describe(err: ValidationError) -> str:
    problems = []
    for error in err.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        problems.append(f"{where}: {error['msg']}")
    return "; ".join(problems)
