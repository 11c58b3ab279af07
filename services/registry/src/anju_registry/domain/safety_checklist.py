"""SAF-07: the authority's quarterly checklist score for a safety risk-control agency (seed 003 annex).

The check points, the score they share and the deductions for adverse findings (missed major
hazards, accidents) all come from the region file. The score never drops below zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from anju_contracts.registry import AdverseFindingCount, ChecklistAnswer, FailedCondition
from anju_kit.regions import AgencyChecklist
from anju_registry.domain.errors import failed


@dataclass(frozen=True)
class ChecklistScore:
    score: float
    max_score: float
    pass_mark: float
    passed: bool
    unmet_point_ids: tuple[str, ...]
    deducted: float


def point_ids(checklist: AgencyChecklist) -> list[str]:
    return [point.id for item in checklist.items for point in item.points]


def checklist_problems(
    answers: tuple[ChecklistAnswer, ...], findings: tuple[AdverseFindingCount, ...], checklist: AgencyChecklist
) -> list[FailedCondition]:
    """Every answer that does not fit the region's checklist: unknown, duplicated or missing points."""
    known = point_ids(checklist)
    seen: set[str] = set()
    out: list[FailedCondition] = []
    for answer in answers:
        if answer.point_id not in known:
            out.append(
                failed("SAF-07", "UNKNOWN_CHECK_POINT", f"{answer.point_id} is not on the checklist", answer.point_id)
            )
        elif answer.point_id in seen:
            out.append(failed("SAF-07", "DUPLICATE_CHECK_POINT", f"{answer.point_id} answered twice", answer.point_id))
        seen.add(answer.point_id)
    out += [
        failed("SAF-07", "CHECK_POINT_UNANSWERED", f"check point {pid} not answered", pid)
        for pid in known
        if pid not in seen
    ]
    finding_ids = {f.id for f in checklist.adverse_findings}
    out += [
        failed(
            "SAF-07",
            "UNKNOWN_ADVERSE_FINDING",
            f"{f.finding_id} is not an adverse finding of the checklist",
            f.finding_id,
        )
        for f in findings
        if f.finding_id not in finding_ids
    ]
    return out


def score_checklist(
    answers: tuple[ChecklistAnswer, ...], findings: tuple[AdverseFindingCount, ...], checklist: AgencyChecklist
) -> ChecklistScore:
    points = point_ids(checklist)
    met = {a.point_id for a in answers if a.met}
    per_point = checklist.max_score / len(points)
    earned = per_point * sum(1 for pid in points if pid in met)
    deduction_of = {f.id: f.deduction for f in checklist.adverse_findings}
    deducted = sum(deduction_of[f.finding_id] * f.count for f in findings)
    score = round(max(earned - deducted, 0.0), 2)
    return ChecklistScore(
        score=score,
        max_score=checklist.max_score,
        pass_mark=checklist.pass_mark,
        passed=score >= checklist.pass_mark,
        unmet_point_ids=tuple(pid for pid in points if pid not in met),
        deducted=deducted,
    )
