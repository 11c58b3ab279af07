"""The agency (风险管理机构 / 风控机构): admission to the pool, relations, evaluations and credit.

Rules: REG-01 admission, REG-04 corporate relations, REG-07 evaluation / watch list / removal,
REG-08 three strikes, REG-09 serious accident, REG-10 credit records, REG-13, SAF-07.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from anju_contracts.registry import (
    AccidentLevel,
    AdverseFindingCount,
    AgencyAdmitted,
    AgencyNominated,
    AgencyRefused,
    AgencyRemoved,
    AgencyStatus,
    AgencyWatchListed,
    ChecklistAnswer,
    CorporateRelationsRecorded,
    CreditKind,
    CreditSubject,
    EscalationApplied,
    EscalationLevel,
    EvaluationCombined,
    EvaluationSubmitted,
    FailedCondition,
    ProjectInvolvement,
    QualificationEvidence,
    SafetyChecklistScored,
    SeriousAccidentRecorded,
    ViolationRecorded,
)
from anju_kit.regions import AgencyChecklist
from anju_registry.domain.aggregate import Aggregate
from anju_registry.domain.credit import CreditRecord, new_credit_record
from anju_registry.domain.errors import InvalidState, RegistryError, failed
from anju_registry.domain.evaluation import EvaluationEntry, combine
from anju_registry.domain.qualification import qualification_failures
from anju_registry.domain.ranks import accident_rank
from anju_registry.domain.rules import RegistryRules
from anju_registry.domain.safety_checklist import checklist_problems, score_checklist
from anju_registry.domain.violations import find_violation, rule_for

# REG-09: "较大及以上事故" (seed 000 §18 (二)) — the grade is the rule's own wording, not a region setting.
REMOVAL_ACCIDENT_LEVEL = AccidentLevel.LARGER


class ViolationEntry(BaseModel):
    violation_code: str
    rule_id: str
    finding_key: str
    project_id: str | None = None
    practitioner_id: str | None = None
    recorded_on: date


class Agency(Aggregate):
    agency_id: str
    name: str
    credit_code: str
    nominated_by: str
    evidence: QualificationEvidence
    status: AgencyStatus
    refusals: list[FailedCondition] = Field(default_factory=list)
    group_organisation_ids: list[str] = Field(default_factory=list)
    subsidiary_organisation_ids: list[str] = Field(default_factory=list)
    related_organisation_ids: list[str] = Field(default_factory=list)
    project_involvements: list[ProjectInvolvement] = Field(default_factory=list)
    watch_listed: bool = False
    key_supervision: bool = False
    evaluations: list[EvaluationEntry] = Field(default_factory=list)
    combined_scores: dict[str, float] = Field(default_factory=dict)
    violations: list[ViolationEntry] = Field(default_factory=list)
    strikes: int = 0
    checklist_scores: dict[str, float] = Field(default_factory=dict)
    credit: list[CreditRecord] = Field(default_factory=list)

    # ------------------------------------------------------------------ REG-01 admission

    @classmethod
    def nominate(
        cls,
        *,
        agency_id: str,
        name: str,
        credit_code: str,
        insurer_id: str,
        evidence: QualificationEvidence,
        rules: RegistryRules,
    ) -> Agency:
        """An insurer's nomination; refused at once, with every unmet condition, if the evidence falls short."""
        agency = cls(
            agency_id=agency_id,
            name=name,
            credit_code=credit_code,
            nominated_by=insurer_id,
            evidence=evidence,
            status=AgencyStatus.NOMINATED,
        )
        agency._nominated(rules)
        return agency

    def renominate(
        self, *, name: str, credit_code: str, insurer_id: str, evidence: QualificationEvidence, rules: RegistryRules
    ) -> None:
        """A refused agency may be nominated again with new evidence."""
        if self.status is not AgencyStatus.REFUSED:
            raise InvalidState(
                f"agency {self.agency_id} is {self.status}; only a refused agency is renominated", "REG-01"
            )
        self.name, self.credit_code, self.nominated_by, self.evidence = name, credit_code, insurer_id, evidence
        self.status = AgencyStatus.NOMINATED
        self._nominated(rules)

    def _nominated(self, rules: RegistryRules) -> None:
        problems = qualification_failures(self.evidence, rules)
        self._record(
            AgencyNominated(
                agency_id=self.agency_id, name=self.name, insurer_id=self.nominated_by, evidence=self.evidence
            )
        )
        if problems:
            self._refuse(problems)

    def admit(self, *, by: str, rules: RegistryRules) -> None:
        """The regulator admits the agency; the evidence is checked again against today's region rules."""
        self._require(AgencyStatus.NOMINATED, "admitted")
        problems = qualification_failures(self.evidence, rules)
        if problems:
            self._refuse(problems)
            return
        self.status = AgencyStatus.ADMITTED
        self._record(AgencyAdmitted(agency_id=self.agency_id, path=self.evidence.path, admitted_by=by))

    def refuse(self, reasons: tuple[str, ...]) -> None:
        self._require(AgencyStatus.NOMINATED, "refused")
        self._refuse([failed("REG-01", "REFUSED_BY_REGULATOR", reason) for reason in reasons])

    def _refuse(self, problems: list[FailedCondition]) -> None:
        self.status = AgencyStatus.REFUSED
        self.refusals = problems
        self._record(AgencyRefused(agency_id=self.agency_id, failed=tuple(problems)))

    def _require(self, status: AgencyStatus, action: str) -> None:
        if self.status is not status:
            raise InvalidState(f"agency {self.agency_id} is {self.status} and cannot be {action}", "REG-01")

    @property
    def in_pool(self) -> bool:
        return self.status is AgencyStatus.ADMITTED

    # ------------------------------------------------------------------ REG-04 relations

    def record_relations(
        self,
        *,
        group: tuple[str, ...],
        subsidiaries: tuple[str, ...],
        related: tuple[str, ...],
        involvements: tuple[ProjectInvolvement, ...],
    ) -> None:
        self.group_organisation_ids = sorted(set(group))
        self.subsidiary_organisation_ids = sorted(set(subsidiaries))
        self.related_organisation_ids = sorted(set(related))
        self.project_involvements = list(dict.fromkeys(involvements))
        self._record(
            CorporateRelationsRecorded(
                agency_id=self.agency_id,
                group_organisation_ids=tuple(self.group_organisation_ids),
                subsidiary_organisation_ids=tuple(self.subsidiary_organisation_ids),
                related_organisation_ids=tuple(self.related_organisation_ids),
                project_involvements=tuple(self.project_involvements),
            )
        )

    def family(self) -> set[str]:
        """The agency with its group companies and subsidiaries (集团公司及下级公司)."""
        return {self.agency_id, *self.group_organisation_ids, *self.subsidiary_organisation_ids}

    # ------------------------------------------------------------------ REG-07 evaluation

    def submit_evaluation(self, *, insurer_id: str, project_id: str, period: str, score: float) -> None:
        self._require_known_to_pool()
        # A corrected score for the same insurer, project and period replaces the earlier one.
        self.evaluations = [
            e for e in self.evaluations if (e.insurer_id, e.project_id, e.period) != (insurer_id, project_id, period)
        ]
        self.evaluations.append(
            EvaluationEntry(insurer_id=insurer_id, project_id=project_id, period=period, score=score)
        )
        self._record(
            EvaluationSubmitted(
                agency_id=self.agency_id, insurer_id=insurer_id, project_id=project_id, period=period, score=score
            )
        )

    def combine_evaluations(self, *, period: str, rules: RegistryRules, today: date) -> None:
        self._require_known_to_pool()
        result = combine(self.evaluations, period)
        if result is None:
            raise InvalidState(f"no insurer has scored agency {self.agency_id} for {period}", "REG-07")
        by_insurer, combined = result
        passed = combined >= rules.evaluation_pass_mark
        self.combined_scores[period] = combined
        self._record(
            EvaluationCombined(
                agency_id=self.agency_id,
                period=period,
                by_insurer=by_insurer,
                combined_score=combined,
                pass_mark=rules.evaluation_pass_mark,
                passed=passed,
            )
        )
        kind = CreditKind.POSITIVE if passed else CreditKind.NEGATIVE
        verdict = "达标" if passed else "未达标"
        self._add_credit(kind, "REG-07", f"{period} 综合评价 {combined} 分，{verdict}", None, today)
        if not passed:
            self._watch_list(
                "REG-07", f"{period} combined score {combined} below pass mark {rules.evaluation_pass_mark}"
            )

    def refuse_rectification(self, note: str) -> None:
        """A watch-listed agency that refuses to rectify is removed from the pool (REG-07)."""
        if not self.watch_listed or self.status not in (AgencyStatus.ADMITTED, AgencyStatus.INELIGIBLE):
            raise InvalidState(f"agency {self.agency_id} is not on the watch list of the pool", "REG-07")
        self._remove("REG-07", f"refused to rectify while on the watch list: {note}")

    def _watch_list(self, rule_id: str, reason: str) -> None:
        if self.watch_listed or self.status in (AgencyStatus.REMOVED, AgencyStatus.REFUSED):
            return
        self.watch_listed = True
        self._record(AgencyWatchListed(agency_id=self.agency_id, rule_id=rule_id, reason=reason))

    def _remove(self, rule_id: str, reason: str) -> None:
        if self.status is AgencyStatus.REMOVED:
            return
        self.status = AgencyStatus.REMOVED
        self._record(AgencyRemoved(agency_id=self.agency_id, rule_id=rule_id, reason=reason))

    def _require_known_to_pool(self) -> None:
        if self.status in (AgencyStatus.NOMINATED, AgencyStatus.REFUSED):
            raise InvalidState(f"agency {self.agency_id} has never been admitted to the pool", "REG-01")

    # ------------------------------------------------------------------ REG-08 / REG-13 findings

    def record_violation(
        self,
        *,
        violation_code: str,
        finding_key: str,
        project_id: str | None,
        practitioner_id: str | None,
        description: str,
        rules: RegistryRules,
        today: date,
        correction_due_at: datetime | None,
    ) -> None:
        """A responsibility finding (REG-13 anywhere); Shanghai escalates by count of findings (REG-08)."""
        listed = find_violation(violation_code, rules)
        if listed is None:
            raise RegistryError(
                "VALIDATION_FAILED", f"{violation_code} is not a listed violation in region {rules.region}", "REG-08"
            )
        self._require_known_to_pool()
        if any(v.finding_key == finding_key for v in self.violations):
            return  # the same finding document recorded again: nothing new happened
        rule_id = rule_for(violation_code, rules)
        self.violations.append(
            ViolationEntry(
                violation_code=violation_code,
                rule_id=rule_id,
                finding_key=finding_key,
                project_id=project_id,
                practitioner_id=practitioner_id,
                recorded_on=today,
            )
        )
        strike: int | None = None
        if rules.three_strikes:
            self.strikes += 1
            strike = self.strikes
        self._record(
            ViolationRecorded(
                agency_id=self.agency_id,
                violation_code=violation_code,
                rule_id=rule_id,
                project_id=project_id,
                practitioner_id=practitioner_id,
                finding_key=finding_key,
                strike=strike,
            )
        )
        self._add_credit(
            CreditKind.NEGATIVE, rule_id, f"责任认定（{listed.text_zh}）：{description}", project_id, today
        )
        if strike is not None:
            self._escalate(strike, rules, correction_due_at)

    def _escalate(self, strike: int, rules: RegistryRules, correction_due_at: datetime | None) -> None:
        # seed 001 §12: recorded and verified → watch list; then the region's consequence of the n-th finding.
        self._watch_list("REG-08", "responsibility finding reported by an insurer (seed 001 §12)")
        if not rules.strike_levels:
            return
        level = rules.strike_levels[min(strike, len(rules.strike_levels)) - 1]
        if level in (EscalationLevel.KEY_SUPERVISION, EscalationLevel.INELIGIBLE):
            self.key_supervision = True
        if level is EscalationLevel.INELIGIBLE and self.status is AgencyStatus.ADMITTED:
            self.status = AgencyStatus.INELIGIBLE
        due = correction_due_at if level is EscalationLevel.YELLOW_CARD else None
        self._record(EscalationApplied(agency_id=self.agency_id, strike=strike, level=level, correction_due_at=due))

    # ------------------------------------------------------------------ REG-09 serious accident

    def record_serious_accident(
        self, *, project_id: str, level: AccidentLevel, agency_found_problem: bool, rules: RegistryRules, today: date
    ) -> None:
        self._require_known_to_pool()
        self._record(
            SeriousAccidentRecorded(
                agency_id=self.agency_id, project_id=project_id, level=level, agency_found_problem=agency_found_problem
            )
        )
        if agency_found_problem:
            return
        self._add_credit(
            CreditKind.NEGATIVE, "REG-09", f"质量事故（{level}），风险管理机构未发现相关质量问题", project_id, today
        )
        if rules.serious_accident_removal and accident_rank(level) >= accident_rank(REMOVAL_ACCIDENT_LEVEL):
            self._remove("REG-09", f"{level} quality accident on {project_id}; the agency had not found the problem")

    # ------------------------------------------------------------------ SAF-07 checklist

    def score_safety_checklist(
        self,
        *,
        quarter: str,
        answers: tuple[ChecklistAnswer, ...],
        findings: tuple[AdverseFindingCount, ...],
        checklist: AgencyChecklist | None,
        today: date,
    ) -> list[FailedCondition]:
        """Score the quarter; returns the problems instead when the answers don't fit the checklist."""
        if checklist is None:
            return [failed("SAF-07", "NO_CHECKLIST", "this region keeps no quarterly agency checklist")]
        self._require_known_to_pool()
        problems = checklist_problems(answers, findings, checklist)
        if problems:
            return problems
        result = score_checklist(answers, findings, checklist)
        self.checklist_scores[quarter] = result.score
        self._record(
            SafetyChecklistScored(
                agency_id=self.agency_id,
                quarter=quarter,
                score=result.score,
                max_score=result.max_score,
                pass_mark=result.pass_mark,
                passed=result.passed,
                unmet_point_ids=result.unmet_point_ids,
                deducted=result.deducted,
            )
        )
        kind = CreditKind.POSITIVE if result.passed else CreditKind.NEGATIVE
        self._add_credit(kind, "SAF-07", f"{quarter} 季度考核 {result.score}/{result.max_score} 分", None, today)
        return []

    # ------------------------------------------------------------------ REG-10 credit

    def _add_credit(self, kind: CreditKind, rule_id: str, summary: str, project_id: str | None, today: date) -> None:
        record, event = new_credit_record(
            CreditSubject.AGENCY,
            self.agency_id,
            len(self.credit),
            kind=kind,
            rule_id=rule_id,
            summary=summary,
            project_id=project_id,
            today=today,
        )
        self.credit.append(record)
        self._record(event)
