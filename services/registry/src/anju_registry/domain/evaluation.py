"""REG-07: the association combines insurers' scores of one agency for one period.

Each insurer's scores are averaged over its projects first, so an insurer with many projects does
not outweigh the others (质量保险分会综合各主承保公司评价成绩, seed 000 §18).
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel

from anju_contracts.registry import InsurerScore


class EvaluationEntry(BaseModel):
    insurer_id: str
    project_id: str
    period: str
    score: float


def combine(entries: list[EvaluationEntry], period: str) -> tuple[tuple[InsurerScore, ...], float] | None:
    """Per-insurer means and their mean for ``period``; None when no insurer scored the agency."""
    by_insurer: dict[str, list[float]] = defaultdict(list)
    for entry in entries:
        if entry.period == period:
            by_insurer[entry.insurer_id].append(entry.score)
    if not by_insurer:
        return None
    scores = tuple(
        InsurerScore(insurer_id=insurer, score=round(sum(s) / len(s), 2), projects=len(s))
        for insurer, s in sorted(by_insurer.items())
    )
    return scores, round(sum(s.score for s in scores) / len(scores), 2)
