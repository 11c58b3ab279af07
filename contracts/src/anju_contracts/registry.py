"""Registry messages: agencies (风险管理机构 / 风控机构), practitioners (从业人员), insurers' staff,
project teams, evaluations and credit records (SPEC REG-01..REG-13, SAF-07).

Personal data (XC-09): the requests that carry a full ID number or phone number (``ApplyPractitioner``,
``RegisterInsurerStaff``) are HTTP request bodies, not topic messages; every event carries masked
values only.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field, StringConstraints

from anju_contracts import topics
from anju_contracts.base import (
    Command,
    ContractModel,
    Event,
    Identifier,
    LongText,
    MaskedIdNumber,
    MaskedPhone,
    Message,
    ShortText,
)

# Re-exported: they moved to anju_contracts.common (every service refuses with them); insurers import them here.
from anju_contracts.common import FailedCondition as FailedCondition
from anju_contracts.common import RuleId as RuleId

ObjectKey = Annotated[str, StringConstraints(min_length=1, max_length=512, strip_whitespace=True)]
"""Key of a document in the object store (evidence, written confirmation, finding…)."""

Period = Annotated[str, StringConstraints(pattern=r"^\d{4}(-(H[12]|Q[1-4]|(0[1-9]|1[0-2])))?$")]
"""An evaluation period: ``2026``, ``2026-H1``, ``2026-Q3`` or ``2026-07``."""

Quarter = Annotated[str, StringConstraints(pattern=r"^\d{4}-Q[1-4]$")]

# --------------------------------------------------------------------------- value objects


class QualificationPath(StrEnum):
    """How an agency qualifies for the regional pool (REG-01; seed 000 §5, seed 001 §3)."""

    SUPERVISION_LICENCE = "supervision_licence"  # 建设工程监理资质 (path 1)
    INSURER_COMMISSIONED_EXPERIENCE = "insurer_commissioned_experience"  # 受保险公司委托的质量风险管理经验 (path 2)
    OTHER = "other"  # 其他符合条件的工程管理、咨询机构 — judged case by case by the regulator (path 3)


class SupervisionGrade(StrEnum):
    """Construction-supervision licence grades (监理资质), lowest to highest."""

    GRADE_C = "grade_c"  # 丙级
    GRADE_B = "grade_b"  # 乙级
    GRADE_A = "grade_a"  # 甲级
    COMPREHENSIVE = "comprehensive"  # 综合级


class TechnicalTitle(StrEnum):
    """Professional title (技术职称), lowest to highest."""

    NONE = "none"
    ASSISTANT_ENGINEER = "assistant_engineer"  # 助理工程师
    ENGINEER = "engineer"  # 工程师
    SENIOR_ENGINEER = "senior_engineer"  # 高级工程师
    PROFESSOR_SENIOR_ENGINEER = "professor_senior_engineer"  # 正高级工程师


class Degree(StrEnum):
    NONE = "none"
    ASSOCIATE = "associate"  # 大专
    BACHELOR = "bachelor"  # 本科
    MASTER = "master"  # 硕士
    DOCTORATE = "doctorate"  # 博士


class PractitionerRole(StrEnum):
    TECHNICAL_LEAD = "technical_lead"  # 机构技术负责人
    PROJECT_LEAD = "project_lead"  # 项目风险管理负责人
    RISK_ENGINEER = "risk_engineer"  # 风险管理工程师
    EXPERT = "expert"  # 风险管理专家
    ASSISTANT = "assistant"  # 辅助人员 (not technical staff)


class UnitRole(StrEnum):
    """What a participating unit (参建单位) does on the project (REG-04)."""

    BUILDER = "builder"  # 建设单位
    SURVEY = "survey"  # 勘察
    DESIGN = "design"  # 设计
    CONSTRUCTION = "construction"  # 施工
    SUPERVISION = "supervision"  # 监理
    MATERIAL_SUPPLY = "material_supply"  # 材料供应
    TESTING = "testing"  # 检测


class KeyPositionKind(StrEnum):
    """Key positions a risk manager or risk engineer may not hold at the same time (REG-06)."""

    CHIEF_SUPERVISING_ENGINEER = "chief_supervising_engineer"  # 总监理工程师
    CHIEF_SUPERVISOR_REPRESENTATIVE = "chief_supervisor_representative"  # 总监代表
    SUPERVISING_ENGINEER = "supervising_engineer"  # 监理工程师
    CONTRACTOR_PROJECT_MANAGER = "contractor_project_manager"  # 施工单位项目经理


class InsurerStaffFunction(StrEnum):
    RISK_CONTROL = "risk_control"  # 风控人员
    PROJECT_MANAGER = "project_manager"  # 项目经理


class AccidentLevel(StrEnum):
    """Quality accident grade after 建质〔2010〕111号, lowest to highest."""

    GENERAL = "general"  # 一般
    LARGER = "larger"  # 较大
    MAJOR = "major"  # 重大
    EXTRAORDINARY = "extraordinary"  # 特别重大


class EscalationLevel(StrEnum):
    """Shanghai three strikes (REG-08; seed 001 §12)."""

    YELLOW_CARD = "yellow_card"  # 限期改正、黄牌警示
    KEY_SUPERVISION = "key_supervision"  # 新承接业务重点监管
    INELIGIBLE = "ineligible"  # 不再作为保险公司征询时符合条件的对象


class CreditKind(StrEnum):
    POSITIVE = "positive"  # 守信 — may earn incentives
    NEGATIVE = "negative"  # 失信


class CreditSubject(StrEnum):
    AGENCY = "agency"
    PRACTITIONER = "practitioner"


class AgencyStatus(StrEnum):
    """Where an agency stands with the regional pool (REG-01, REG-07..REG-09)."""

    NOMINATED = "nominated"  # nominated by an insurer, waiting for the regulator
    ADMITTED = "admitted"  # in the regional pool (入库)
    REFUSED = "refused"  # the nomination or admission was refused
    REMOVED = "removed"  # 移除出库 (REG-07, REG-09)
    INELIGIBLE = "ineligible"  # shanghai third strike: not eligible when insurers consult (REG-08)


class PractitionerStatus(StrEnum):
    """Where a practitioner stands with the talent database (人才数据库, REG-02)."""

    APPLIED = "applied"  # waiting for the regulator's approval
    APPROVED = "approved"  # in the talent database
    REFUSED = "refused"


class TeamStatus(StrEnum):
    """Whether a project has a team (项目风险管理团队, REG-02..REG-06)."""

    REFUSED = "refused"  # the last assignment attempt was refused; no team yet
    ACTIVE = "active"  # the team is set and works the project


class RegisteredLicence(ContractModel):
    """A registered practising qualification (注册执业资格), e.g. 一级注册结构工程师."""

    kind: ShortText = Field(description="Qualification, e.g. registered_structural_engineer.")
    level: int = Field(ge=1, le=2, description="1 = first class (一级), 2 = second class (二级).")
    number: ShortText = Field(description="Certificate number.")


class QualificationEvidence(ContractModel):
    """Evidence for the one qualification path chosen (REG-01)."""

    path: QualificationPath
    supervision_grade: SupervisionGrade | None = Field(
        default=None, description="Licence grade, for path supervision_licence."
    )
    licence_number: ShortText | None = Field(default=None, description="Supervision licence number.")
    qrm_years: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description="Years of insurer-commissioned quality risk management, for path 2.",
    )
    registered_engineers: int | None = Field(
        default=None, ge=0, le=100000, description="Registered engineers on staff (注册工程师)."
    )
    description: LongText | None = Field(default=None, description="How the agency qualifies, for path other.")
    document_keys: tuple[ObjectKey, ...] = Field(
        default=(), max_length=50, description="Object-store keys of the supporting documents."
    )


class ParticipatingUnit(ContractModel):
    """A participating unit (参建单位) of the project, with its group companies (REG-04)."""

    organisation_id: Identifier
    role: UnitRole
    group_organisation_ids: tuple[Identifier, ...] = Field(
        default=(), max_length=200, description="Its group company, parents and subsidiaries."
    )


class ProjectInvolvement(ContractModel):
    """The agency (or a group company) takes part in a project's survey, design, construction… (REG-04)."""

    project_id: Identifier
    role: UnitRole


class KeyPosition(ContractModel):
    """A key position a practitioner holds on some project (REG-06)."""

    practitioner_id: Identifier
    position: KeyPositionKind
    project_id: Identifier = Field(description="Project on which the position is held.")


class MaskedIdentity(ContractModel):
    """Real-name identity as events carry it (XC-09): masked, never in full."""

    name: ShortText
    id_number_masked: MaskedIdNumber = Field(description="e.g. 110***********1234")
    phone_masked: MaskedPhone = Field(description="e.g. 138****5678")


class ChecklistAnswer(ContractModel):
    point_id: ShortText = Field(description="Check point id (检查要点) from the region file, e.g. 2.4 (SAF-07).")
    met: bool = Field(description="The point is satisfied (for 'complaints during service?': none occurred).")


class AdverseFindingCount(ContractModel):
    finding_id: ShortText = Field(description="Adverse finding id (其他情况) from the region file, e.g. 8a.")
    count: int = Field(ge=0, le=1000)


# --------------------------------------------------------------------------- commands


class RegistryCommand(Command):
    TOPIC: ClassVar[str | None] = topics.REGISTRY.commands


class NominateAgency(RegistryCommand):
    """An insurer nominates an agency for the regional pool with evidence for one path (REG-01)."""

    TYPE = "registry.NominateAgency"

    agency_id: Identifier
    name: ShortText = Field(description="Registered name of the agency.")
    credit_code: ShortText = Field(description="Unified social credit code (统一社会信用代码).")
    insurer_id: Identifier = Field(description="Nominating insurer.")
    evidence: QualificationEvidence


class AdmitAgency(RegistryCommand):
    """The regulator or association admits a nominated agency (入库) (REG-01)."""

    TYPE = "registry.AdmitAgency"

    agency_id: Identifier
    note: LongText | None = None


class RefuseAgency(RegistryCommand):
    """The regulator or association refuses a nominated agency (REG-01)."""

    TYPE = "registry.RefuseAgency"

    agency_id: Identifier
    reasons: tuple[LongText, ...] = Field(min_length=1, max_length=20)


class RecordCorporateRelations(RegistryCommand):
    """The agency's group companies, subsidiaries, related parties and project involvements (REG-04)."""

    TYPE = "registry.RecordCorporateRelations"

    agency_id: Identifier
    group_organisation_ids: tuple[Identifier, ...] = Field(default=(), max_length=500)
    subsidiary_organisation_ids: tuple[Identifier, ...] = Field(default=(), max_length=500)
    related_organisation_ids: tuple[Identifier, ...] = Field(
        default=(), max_length=500, description="Organisations with an interest relation (利害关系)."
    )
    project_involvements: tuple[ProjectInvolvement, ...] = Field(default=(), max_length=500)


class ApplyPractitioner(ContractModel):
    """An agency applies to list a practitioner in the talent database (REG-02).

    An HTTP request body (``POST /v1/registry/practitioners``), not a topic message: it carries the full
    ID number and phone, which never travel on a topic (XC-09).
    """

    practitioner_id: Identifier
    agency_id: Identifier
    name: ShortText
    id_number: Annotated[str, StringConstraints(pattern=r"^\d{17}[\dXx]$")] = Field(
        description="Resident ID number (18 characters); stored protected, never published."
    )
    phone: Annotated[str, StringConstraints(pattern=r"^1\d{10}$")] = Field(
        description="Mobile number; stored protected, never published."
    )
    title: TechnicalTitle
    registered_licences: tuple[RegisteredLicence, ...] = Field(default=(), max_length=20)
    career_start: dt.date = Field(description="Start of engineering-construction work (years of experience).")
    roles: tuple[PractitionerRole, ...] = Field(min_length=1, max_length=5)


class ApprovePractitioner(RegistryCommand):
    """The association approves a practitioner into the talent database (REG-02)."""

    TYPE = "registry.ApprovePractitioner"

    practitioner_id: Identifier


class RecordTraining(RegistryCommand):
    """A practitioner completed training (REG-11)."""

    TYPE = "registry.RecordTraining"

    practitioner_id: Identifier
    course: ShortText
    completed_on: dt.date


class RecordReEvaluation(RegistryCommand):
    """A practitioner's periodic re-evaluation (再评估) (REG-11)."""

    TYPE = "registry.RecordReEvaluation"

    practitioner_id: Identifier
    evaluated_on: dt.date
    passed: bool


class RegisterInsurerStaff(ContractModel):
    """An insurer registers a risk-control staff member or project manager, real-name (REG-12).

    An HTTP request body (``POST /v1/registry/insurers/{insurer_id}/staff``); never on a topic (XC-09).
    """

    insurer_id: Identifier
    staff_id: Identifier
    name: ShortText
    id_number: Annotated[str, StringConstraints(pattern=r"^\d{17}[\dXx]$")]
    phone: Annotated[str, StringConstraints(pattern=r"^1\d{10}$")]
    function: InsurerStaffFunction
    title: TechnicalTitle = TechnicalTitle.NONE
    first_class_licence: bool = Field(default=False, description="Holds a first-class practising licence.")
    degree: Degree = Degree.NONE
    career_start: dt.date = Field(description="Start of engineering (or finance/insurance, for PMs) work.")
    passed_insurer_assessment: bool = Field(default=False, description="Project manager passed 考核.")


class AssignTeam(RegistryCommand):
    """The insurer's agency sets the project team (REG-02..REG-06, REG-11, REG-13)."""

    TYPE = "registry.AssignTeam"

    project_id: Identifier
    agency_id: Identifier
    insurer_id: Identifier
    lead_id: Identifier = Field(description="Project risk manager (项目风险管理负责人).")
    member_ids: tuple[Identifier, ...] = Field(default=(), max_length=100)
    technical_lead_id: Identifier | None = Field(
        default=None, description="Dedicated technical lead (专职技术负责人), if any."
    )
    participating_units: tuple[ParticipatingUnit, ...] = Field(default=(), max_length=200)
    key_positions: tuple[KeyPosition, ...] = Field(
        default=(), max_length=500, description="Key positions team members hold elsewhere (REG-06)."
    )


class ChangeLead(RegistryCommand):
    """Replace a project's lead, with the insurer's written confirmation (REG-05)."""

    TYPE = "registry.ChangeLead"

    project_id: Identifier
    new_lead_id: Identifier
    insurer_confirmation_key: ObjectKey = Field(
        description="Object key of the insurer's written confirmation (书面确认)."
    )
    reason: LongText
    key_positions: tuple[KeyPosition, ...] = Field(default=(), max_length=100)


class SubmitEvaluation(RegistryCommand):
    """An insurer scores an agency's work on one project for one period (REG-07)."""

    TYPE = "registry.SubmitEvaluation"

    agency_id: Identifier
    insurer_id: Identifier
    project_id: Identifier
    period: Period
    score: float = Field(ge=0, le=100)


class CombineEvaluations(RegistryCommand):
    """The association combines the insurers' scores of one agency for a period (REG-07)."""

    TYPE = "registry.CombineEvaluations"

    agency_id: Identifier
    period: Period


class RecordViolation(RegistryCommand):
    """A responsibility finding (责任认定) against an agency (REG-08 listed violation, REG-13)."""

    TYPE = "registry.RecordViolation"

    agency_id: Identifier
    violation_code: ShortText = Field(
        description="Violation id from the region's list (e.g. subcontracting, lending_name)."
    )
    project_id: Identifier | None = None
    practitioner_id: Identifier | None = None
    finding_key: ObjectKey = Field(description="Object key of the finding document.")
    description: LongText
    correction_due_on: dt.date | None = Field(
        default=None, description="Last day to correct (限期改正) the regulator set, with a first finding."
    )


class RecordSeriousAccident(RegistryCommand):
    """A quality accident on a project the agency managed (REG-09)."""

    TYPE = "registry.RecordSeriousAccident"

    agency_id: Identifier
    project_id: Identifier
    level: AccidentLevel
    agency_found_problem: bool = Field(description="Whether the agency had found the problem beforehand.")
    report_key: ObjectKey


class SubmitSafetyChecklistScore(RegistryCommand):
    """The authority's quarterly checklist for a safety risk-control agency (SAF-07; seed 003 annex)."""

    TYPE = "registry.SubmitSafetyChecklistScore"

    agency_id: Identifier
    quarter: Quarter
    answers: tuple[ChecklistAnswer, ...] = Field(min_length=1, max_length=200)
    adverse_findings: tuple[AdverseFindingCount, ...] = Field(
        default=(), max_length=50, description="Missed major hazards, accidents… (annex 其他情况) that count against."
    )


class RectificationRefused(RegistryCommand):
    """A watch-listed agency refused to rectify (REG-07)."""

    TYPE = "registry.RectificationRefused"

    agency_id: Identifier
    note: LongText


# --------------------------------------------------------------------------- events


class RegistryEvent(Event):
    TOPIC: ClassVar[str | None] = topics.REGISTRY.events


class AgencyNominated(RegistryEvent):
    TYPE = "registry.AgencyNominated"

    agency_id: Identifier
    name: ShortText
    insurer_id: Identifier
    evidence: QualificationEvidence


class AgencyAdmitted(RegistryEvent):
    TYPE = "registry.AgencyAdmitted"

    agency_id: Identifier
    path: QualificationPath
    admitted_by: Identifier


class AgencyRefused(RegistryEvent):
    """Nomination or admission refused, with every unmet condition."""

    TYPE = "registry.AgencyRefused"

    agency_id: Identifier
    failed: tuple[FailedCondition, ...]


class CorporateRelationsRecorded(RegistryEvent):
    TYPE = "registry.CorporateRelationsRecorded"

    agency_id: Identifier
    group_organisation_ids: tuple[Identifier, ...] = ()
    subsidiary_organisation_ids: tuple[Identifier, ...] = ()
    related_organisation_ids: tuple[Identifier, ...] = ()
    project_involvements: tuple[ProjectInvolvement, ...] = ()


class PractitionerApplied(RegistryEvent):
    TYPE = "registry.PractitionerApplied"

    practitioner_id: Identifier
    agency_id: Identifier
    identity: MaskedIdentity
    title: TechnicalTitle
    roles: tuple[PractitionerRole, ...]


class PractitionerApproved(RegistryEvent):
    TYPE = "registry.PractitionerApproved"

    practitioner_id: Identifier
    agency_id: Identifier
    identity: MaskedIdentity
    evaluation_valid_until: dt.date = Field(description="Re-evaluation due by this day (REG-11).")


class PractitionerRefused(RegistryEvent):
    TYPE = "registry.PractitionerRefused"

    practitioner_id: Identifier
    failed: tuple[FailedCondition, ...]


class TrainingRecorded(RegistryEvent):
    TYPE = "registry.TrainingRecorded"

    practitioner_id: Identifier
    course: ShortText
    completed_on: dt.date


class ReEvaluationRecorded(RegistryEvent):
    TYPE = "registry.ReEvaluationRecorded"

    practitioner_id: Identifier
    evaluated_on: dt.date
    passed: bool
    evaluation_valid_until: dt.date | None = Field(description="None when the re-evaluation failed.")


class InsurerStaffRegistered(RegistryEvent):
    TYPE = "registry.InsurerStaffRegistered"

    insurer_id: Identifier
    staff_id: Identifier
    identity: MaskedIdentity
    function: InsurerStaffFunction
    qualified: bool
    unmet: tuple[FailedCondition, ...] = ()


class InsurerEligibilityChanged(RegistryEvent):
    """Whether the insurer may write IDI (REG-12)."""

    TYPE = "registry.InsurerEligibilityChanged"

    insurer_id: Identifier
    eligible: bool
    qualified_risk_control_staff: int
    qualified_project_managers: int
    required_risk_control_staff: int


class TeamAssigned(RegistryEvent):
    TYPE = "registry.TeamAssigned"

    project_id: Identifier
    agency_id: Identifier
    insurer_id: Identifier
    lead_id: Identifier
    member_ids: tuple[Identifier, ...]
    technical_lead_id: Identifier | None = None


class AssignmentRefused(RegistryEvent):
    """A team assignment or lead change refused, listing every failed condition."""

    TYPE = "registry.AssignmentRefused"

    project_id: Identifier
    agency_id: Identifier
    command_type: ShortText = Field(description="registry.AssignTeam or registry.ChangeLead.")
    failed: tuple[FailedCondition, ...]


class LeadChanged(RegistryEvent):
    TYPE = "registry.LeadChanged"

    project_id: Identifier
    agency_id: Identifier
    old_lead_id: Identifier
    new_lead_id: Identifier
    insurer_confirmation_key: ObjectKey
    reason: LongText


class EvaluationSubmitted(RegistryEvent):
    TYPE = "registry.EvaluationSubmitted"

    agency_id: Identifier
    insurer_id: Identifier
    project_id: Identifier
    period: Period
    score: float


class InsurerScore(ContractModel):
    insurer_id: Identifier
    score: float = Field(description="The insurer's mean over its projects.")
    projects: int


class EvaluationCombined(RegistryEvent):
    TYPE = "registry.EvaluationCombined"

    agency_id: Identifier
    period: Period
    by_insurer: tuple[InsurerScore, ...]
    combined_score: float
    pass_mark: float
    passed: bool


class AgencyWatchListed(RegistryEvent):
    """Put on the watch list (重点观察企业名单) (REG-07, REG-08)."""

    TYPE = "registry.AgencyWatchListed"

    agency_id: Identifier
    rule_id: RuleId
    reason: LongText


class AgencyRemoved(RegistryEvent):
    """Removed from the pool (移除出库) (REG-07, REG-09)."""

    TYPE = "registry.AgencyRemoved"

    agency_id: Identifier
    rule_id: RuleId
    reason: LongText


class ViolationRecorded(RegistryEvent):
    TYPE = "registry.ViolationRecorded"

    agency_id: Identifier
    violation_code: ShortText
    rule_id: RuleId
    project_id: Identifier | None = None
    practitioner_id: Identifier | None = None
    finding_key: ObjectKey
    strike: int | None = Field(default=None, description="Count of findings so far, where strikes apply.")


class SeriousAccidentRecorded(RegistryEvent):
    TYPE = "registry.SeriousAccidentRecorded"

    agency_id: Identifier
    project_id: Identifier
    level: AccidentLevel
    agency_found_problem: bool


class EscalationApplied(RegistryEvent):
    """Shanghai three strikes (REG-08)."""

    TYPE = "registry.EscalationApplied"

    agency_id: Identifier
    strike: int = Field(ge=1)
    level: EscalationLevel
    correction_due_at: dt.datetime | None = Field(
        default=None, description="Deadline to correct (限期改正), with the yellow card."
    )


class CreditRecordAdded(RegistryEvent):
    """A credit record of an agency or practitioner, published to the regulator (REG-10)."""

    TYPE = "registry.CreditRecordAdded"

    record_id: Identifier
    subject: CreditSubject
    subject_id: Identifier
    kind: CreditKind
    rule_id: RuleId
    summary: LongText
    project_id: Identifier | None = None
    recorded_on: dt.date


class SafetyChecklistScored(RegistryEvent):
    TYPE = "registry.SafetyChecklistScored"

    agency_id: Identifier
    quarter: Quarter
    score: float
    max_score: float
    pass_mark: float
    passed: bool
    unmet_point_ids: tuple[ShortText, ...] = ()
    deducted: float = Field(default=0, description="Points taken off for adverse findings.")


# -- state: one event after every change of an agency, practitioner or team, carrying what it is now.
# Event-carried state transfer: a consumer that keeps a copy (Anju's own read models do) takes the
# latest version of each aggregate and needs neither the domain events above nor a read of the
# registry. Each comes in the same write as the change's domain events, after them, with the same key.

StateVersion = Annotated[
    int,
    Field(
        ge=1,
        description=(
            "The aggregate's version after the change (1, 2, 3…, one per change). Keep the highest you "
            "have seen: a lower or equal one is a redelivery or a replay, never newer news."
        ),
    ),
]


class AgencyStateChanged(RegistryEvent):
    """An agency's public standing after a change to it (REG-01, REG-07..REG-09).

    Published with every change of the agency, including a refused nomination. It carries what the
    regional pool shows to anyone; the evidence, refusals, findings and corporate relations stay with
    the registry (XC-05): ``GET /v1/registry/agencies/{agency_id}`` shows them to those entitled."""

    TYPE = "registry.AgencyStateChanged"

    agency_id: Identifier
    version: StateVersion
    status: AgencyStatus
    name: ShortText
    path: QualificationPath = Field(description="The qualification path it was nominated under (REG-01).")
    nominated_by: Identifier = Field(description="The insurer that nominated it.")
    watch_listed: bool = Field(description="On the watch list (重点观察企业名单, REG-07, REG-08).")
    key_supervision: bool = Field(description="New business under key supervision (REG-08 second strike).")
    strikes: int = Field(ge=0, description="Responsibility findings so far, where strikes apply (REG-08).")


class PractitionerStateChanged(RegistryEvent):
    """A practitioner's standing after a change to them (REG-02).

    No identity at all, not even masked (XC-09): the masked identity travels once, in
    ``PractitionerApplied`` and ``PractitionerApproved``."""

    TYPE = "registry.PractitionerStateChanged"

    practitioner_id: Identifier
    version: StateVersion
    agency_id: Identifier = Field(description="The agency the practitioner works for (REG-13).")
    status: PractitionerStatus


class TeamStateChanged(RegistryEvent):
    """A project team's standing after a change to it (REG-03, REG-05).

    ``lead_id`` leads the project while ``status`` is ``active``; every lead it had before is in
    ``former_lead_ids`` (REG-05 lead changes), so this one event says for each of them whether they
    still lead the project."""

    TYPE = "registry.TeamStateChanged"

    project_id: Identifier
    version: StateVersion
    status: TeamStatus
    agency_id: Identifier | None = Field(
        default=None,
        description="The agency whose practitioners staff the team (absent from events published before it was "
        "added; an active team's agency never changes).",
    )
    lead_id: Identifier | None = Field(default=None, description="None while the project has no team.")
    former_lead_ids: tuple[Identifier, ...] = Field(default=(), description="Leads replaced before, oldest first.")


COMMANDS: tuple[type[Command], ...] = (
    NominateAgency,
    AdmitAgency,
    RefuseAgency,
    RecordCorporateRelations,
    ApprovePractitioner,
    RecordTraining,
    RecordReEvaluation,
    AssignTeam,
    ChangeLead,
    SubmitEvaluation,
    CombineEvaluations,
    RecordViolation,
    RecordSeriousAccident,
    SubmitSafetyChecklistScore,
    RectificationRefused,
)
EVENTS: tuple[type[Event], ...] = (
    AgencyNominated,
    AgencyAdmitted,
    AgencyRefused,
    CorporateRelationsRecorded,
    PractitionerApplied,
    PractitionerApproved,
    PractitionerRefused,
    TrainingRecorded,
    ReEvaluationRecorded,
    InsurerStaffRegistered,
    InsurerEligibilityChanged,
    TeamAssigned,
    AssignmentRefused,
    LeadChanged,
    EvaluationSubmitted,
    EvaluationCombined,
    AgencyWatchListed,
    AgencyRemoved,
    ViolationRecorded,
    SeriousAccidentRecorded,
    EscalationApplied,
    CreditRecordAdded,
    SafetyChecklistScored,
    AgencyStateChanged,
    PractitionerStateChanged,
    TeamStateChanged,
)
BY_TYPE: dict[str, type[Message]] = {m.TYPE: m for m in (*COMMANDS, *EVENTS)}
