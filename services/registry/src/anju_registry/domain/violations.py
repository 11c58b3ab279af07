"""Violations the registry records as responsibility findings (责任认定).

REG-13 holds in every region (seed 000 §11, §17 (1) and (3); seed 001 §12 (一), (三)); its ids match
the region files' ``responsibility_violations`` so a Shanghai finding also counts as a strike (REG-08).
The rest of the list (Shanghai's 14 items) is data in the region file.
"""

from __future__ import annotations

from anju_registry.domain.rules import ListedViolation, RegistryRules

REG13_VIOLATIONS: tuple[ListedViolation, ...] = (
    ListedViolation("subcontracting", "转包、分包质量风险管理业务"),
    ListedViolation("lending_name", "以任何形式允许其他单位和个人以本机构名义承接质量风险管理业务"),
)
REG13_CODES: frozenset[str] = frozenset(v.code for v in REG13_VIOLATIONS)


def find_violation(code: str, rules: RegistryRules) -> ListedViolation | None:
    """The region's listed violation, else the REG-13 one; None when the code is unknown here."""
    for violation in (*rules.listed_violations, *REG13_VIOLATIONS):
        if violation.code == code:
            return violation
    return None


def rule_for(code: str, rules: RegistryRules) -> str:
    """REG-13 for subcontracting / name-lending; REG-08 for the other strikes; REG-10 (a credit record) else."""
    if code in REG13_CODES:
        return "REG-13"
    return "REG-08" if rules.three_strikes else "REG-10"
