"""REG-01: does the evidence meet the region's qualification path?"""

from __future__ import annotations

from anju_contracts.registry import FailedCondition, QualificationEvidence, QualificationPath
from anju_registry.domain.errors import failed
from anju_registry.domain.ranks import GRADE_NAMES_ZH, grade_rank
from anju_registry.domain.rules import RegistryRules


def qualification_failures(evidence: QualificationEvidence, rules: RegistryRules) -> list[FailedCondition]:
    """Every unmet condition of the path the insurer chose (empty list = qualifies)."""
    out: list[FailedCondition] = []
    if evidence.path is QualificationPath.SUPERVISION_LICENCE:
        out += _supervision_licence(evidence, rules)
    elif evidence.path is QualificationPath.INSURER_COMMISSIONED_EXPERIENCE:
        out += _qrm_experience(evidence, rules)
    elif not rules.other_path_available:
        out.append(failed("REG-01", "PATH_NOT_AVAILABLE", f"region {rules.region} has no other qualification path"))
    elif not evidence.description:
        out.append(
            failed("REG-01", "DESCRIPTION_MISSING", "path other needs a description of how the agency qualifies")
        )
    if not evidence.document_keys:
        out.append(
            failed(
                "REG-01",
                "EVIDENCE_DOCUMENTS_MISSING",
                "the nomination carries no evidence documents for the path chosen",
            )
        )
    return out


def _supervision_licence(evidence: QualificationEvidence, rules: RegistryRules) -> list[FailedCondition]:
    minimum = rules.supervision_min_grade
    if minimum is None:
        return [
            failed(
                "REG-01", "PATH_NOT_AVAILABLE", f"region {rules.region} has no supervision-licence qualification path"
            )
        ]
    out: list[FailedCondition] = []
    if evidence.supervision_grade is None:
        out.append(failed("REG-01", "LICENCE_GRADE_MISSING", "no supervision licence grade given"))
    elif grade_rank(evidence.supervision_grade) < grade_rank(minimum):
        out.append(
            failed(
                "REG-01",
                "LICENCE_GRADE_TOO_LOW",
                f"supervision licence {GRADE_NAMES_ZH[evidence.supervision_grade]} is below the "
                f"{GRADE_NAMES_ZH[minimum]} region {rules.region} requires",
            )
        )
    if not evidence.licence_number:
        out.append(failed("REG-01", "LICENCE_NUMBER_MISSING", "no supervision licence number given"))
    return out


def _qrm_experience(evidence: QualificationEvidence, rules: RegistryRules) -> list[FailedCondition]:
    minimum = rules.qrm_min_years
    if minimum is None:
        return [
            failed("REG-01", "PATH_NOT_AVAILABLE", f"region {rules.region} has no insurer-commissioned experience path")
        ]
    out: list[FailedCondition] = []
    years = evidence.qrm_years or 0
    if years < minimum:
        out.append(
            failed(
                "REG-01",
                "QRM_YEARS_TOO_FEW",
                f"{years} years of insurer-commissioned quality risk management; "
                f"region {rules.region} requires at least {minimum}",
            )
        )
    engineers = evidence.registered_engineers or 0
    if engineers < rules.qrm_min_registered_engineers:
        out.append(
            failed(
                "REG-01",
                "REGISTERED_ENGINEERS_MISSING",
                f"{engineers} registered engineers; at least {rules.qrm_min_registered_engineers} required",
            )
        )
    return out
