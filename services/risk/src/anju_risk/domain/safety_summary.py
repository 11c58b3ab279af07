"""What the platform recorded of a project's quarter (SAF-07's raw material). Pure.

The registry pre-fills the authority's quarterly checklist for each agency from these standings; the
authority confirms or corrects each line. One standing per project and quarter, re-stated after every
safety step of the quarter with the file's version (the highest wins downstream).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from anju_contracts import safety as s
from anju_kit.calendar import shanghai_day
from anju_kit.regions import SafetyRules
from anju_risk.domain import safety_plan
from anju_risk.domain.coverage import quarter_last_day
from anju_risk.domain.hazard import Hazard
from anju_risk.domain.safety_work import TRAINING

if TYPE_CHECKING:
    from anju_risk.domain.risk_file import RiskFile


def quarter_standing(
    risk_file: RiskFile, rules: SafetyRules, quarter: str, version: int, *, at: datetime
) -> s.SafetyQuarterRecorded | None:
    work = risk_file.safety
    if work.plan is None or risk_file.agency_id is None:
        return None
    last = quarter_last_day(quarter)
    first = last.replace(day=1, month=last.month - 2)
    cov = safety_plan.coverage(risk_file, rules, quarter)
    in_quarter = [h for h in work.hazards.values() if first <= shanghai_day(h.found_at) <= last]
    level_1 = [h for h in in_quarter if h.level == 1]
    level_2 = [h for h in in_quarter if h.level == 2 and h.may_cause_accident]

    def same_day(hazard: Hazard) -> bool:
        """Both recipients told by 24:00 of the finding's day (SAF-03)."""
        due = hazard.report_due_at
        return due is not None and len(hazard.reported) == 2 and all(t <= due for t in hazard.reported.values())

    open_training = [d for d in work.deadlines if d.obligation == TRAINING and d.state == "open"]
    training_current = any(t.covers_everyone for t in work.trainings) and not any(d.due_at <= at for d in open_training)
    reports = [
        r
        for r in work.reports.values()
        if r.deadlines and first <= r.deadlines[0].last_day <= last  # owed in the quarter
    ]
    return s.SafetyQuarterRecorded(
        project_id=risk_file.project_id,
        agency_id=risk_file.agency_id,
        quarter=quarter,
        version=version,
        plan=True,
        sources_identified=bool(work.identifications),
        inspections=cov.inspections,
        inspections_required=cov.required_inspections,
        full_coverage=cov.full_coverage,
        full_coverage_required=cov.required_full_coverage,
        level_1_2_unchecked=len(cov.unchecked_source_ids),
        unchecked_source_ids=tuple(cov.unchecked_source_ids),
        high_risk_work_unchecked=len(cov.unchecked_high_risk_work),
        level_1_hazards=len(level_1),
        level_1_reported_same_day=sum(1 for h in level_1 if same_day(h)),
        level_2_accident_risk=len(level_2),
        level_2_reported=sum(1 for h in level_2 if same_day(h)),
        level_3_4_hazards=sum(1 for h in in_quarter if h.level >= 3),
        rectifications_escalated=sum(len(h.escalations) for h in in_quarter),
        training_current=training_current,
        drills=len(work.drills),
        reports_due=len(reports),
        reports_on_time=sum(
            1 for r in reports if r.issued_at is not None and all(r.issued_at <= d.due_at for d in r.deadlines)
        ),
    )
