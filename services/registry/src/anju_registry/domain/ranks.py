"""Orderings of the graded enums (titles, licence grades, accident levels)."""

from __future__ import annotations

from anju_contracts.registry import AccidentLevel, Degree, SupervisionGrade, TechnicalTitle

_TITLES = list(TechnicalTitle)
_GRADES = list(SupervisionGrade)
_ACCIDENTS = list(AccidentLevel)
_DEGREES = list(Degree)


def title_rank(title: TechnicalTitle) -> int:
    return _TITLES.index(title)


def grade_rank(grade: SupervisionGrade) -> int:
    return _GRADES.index(grade)


def accident_rank(level: AccidentLevel) -> int:
    return _ACCIDENTS.index(level)


def degree_rank(degree: Degree) -> int:
    return _DEGREES.index(degree)


TITLE_NAMES_ZH: dict[TechnicalTitle, str] = {
    TechnicalTitle.NONE: "无职称",
    TechnicalTitle.ASSISTANT_ENGINEER: "助理工程师",
    TechnicalTitle.ENGINEER: "工程师",
    TechnicalTitle.SENIOR_ENGINEER: "高级工程师",
    TechnicalTitle.PROFESSOR_SENIOR_ENGINEER: "正高级工程师",
}
GRADE_NAMES_ZH: dict[SupervisionGrade, str] = {
    SupervisionGrade.GRADE_C: "丙级",
    SupervisionGrade.GRADE_B: "乙级",
    SupervisionGrade.GRADE_A: "甲级",
    SupervisionGrade.COMPREHENSIVE: "综合级",
}
