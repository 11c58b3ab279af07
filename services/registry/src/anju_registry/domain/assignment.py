"""The team assignment policy: one pure function per command that checks ALL conditions and returns
every failure with its rule ID (REG-01/08 agency standing, REG-02 talent database, REG-03 lead,
REG-04 independence, REG-05 lead change, REG-06 key positions, REG-11 re-evaluation, REG-13 own staff).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from anju_contracts.registry import AgencyStatus, FailedCondition, KeyPosition, ParticipatingUnit, PractitionerRole
from anju_registry.domain.agency import Agency
from anju_registry.domain.credentials import CREDENTIAL_NAMES_ZH
from anju_registry.domain.errors import failed
from anju_registry.domain.practitioner import Practitioner
from anju_registry.domain.ranks import title_rank
from anju_registry.domain.rules import RegistryRules

# REG-06 concerns the project risk manager and the risk engineers (seed 001 §12 (十二)).
_KEY_POSITION_ROLES = frozenset({PractitionerRole.PROJECT_LEAD, PractitionerRole.RISK_ENGINEER})


@dataclass(frozen=True)
class TeamContext:
    """What the policy needs to know besides the command, loaded by the handler."""

    agency: Agency | None
    people: Mapping[str, Practitioner]  # every practitioner named in the command that exists
    lead_active_projects: int  # projects the (new) lead runs now, this project excluded
    today: date


def assignment_failures(
    *,
    project_id: str,
    agency_id: str,
    lead_id: str,
    member_ids: Sequence[str],
    technical_lead_id: str | None,
    participating_units: Sequence[ParticipatingUnit],
    key_positions: Sequence[KeyPosition],
    ctx: TeamContext,
    rules: RegistryRules,
) -> list[FailedCondition]:
    out = _agency_standing(agency_id, ctx.agency)
    team = list(dict.fromkeys([lead_id, *([technical_lead_id] if technical_lead_id else []), *member_ids]))
    for person_id in team:
        out += _person_failures(person_id, agency_id, ctx, rules)
    out += _lead_failures(lead_id, ctx, rules)
    if rules.lead.dedicated:
        full_time = [
            lead_id,
            *([technical_lead_id] if technical_lead_id and rules.lead.requires_technical_lead else []),
        ]
        out += _not_dedicated_failures(full_time, key_positions)
    if rules.lead.requires_technical_lead:
        if technical_lead_id is None:
            out.append(
                failed(
                    "REG-03",
                    "TECHNICAL_LEAD_MISSING",
                    "the region requires a dedicated technical lead (专职技术负责人) besides the lead",
                )
            )
        elif technical_lead_id == lead_id:
            out.append(
                failed(
                    "REG-03",
                    "TECHNICAL_LEAD_NOT_SEPARATE",
                    "the technical lead and the project lead must be two people",
                    technical_lead_id,
                )
            )
    if ctx.agency is not None:
        out += independence_failures(project_id, ctx.agency, participating_units)
    if rules.key_position_ban:
        bound = [p for p in team if p == lead_id or _holds_key_role(ctx.people.get(p))]
        out += _key_position_failures(bound, key_positions)
    return out


def lead_change_failures(
    *,
    agency_id: str,
    old_lead_id: str,
    new_lead_id: str,
    confirmation_key: str,
    key_positions: Sequence[KeyPosition],
    ctx: TeamContext,
    rules: RegistryRules,
) -> list[FailedCondition]:
    out: list[FailedCondition] = []
    if rules.lead.change_needs_confirmation and not confirmation_key.strip():
        out.append(
            failed("REG-05", "CONFIRMATION_MISSING", "changing the lead needs the insurer's written confirmation")
        )
    if new_lead_id == old_lead_id:
        out.append(failed("REG-05", "SAME_LEAD", f"{new_lead_id} already leads the project", new_lead_id))
    out += _person_failures(new_lead_id, agency_id, ctx, rules)
    out += _lead_failures(new_lead_id, ctx, rules)
    if rules.lead.dedicated:
        out += _not_dedicated_failures([new_lead_id], key_positions)
    if rules.key_position_ban:
        out += _key_position_failures([new_lead_id], key_positions)
    old, new = ctx.people.get(old_lead_id), ctx.people.get(new_lead_id)
    if rules.lead.change_not_less_qualified and old is not None and new is not None:
        out += _not_less_qualified(old, new, ctx.today)
    return out


def independence_failures(
    project_id: str, agency: Agency, participating_units: Sequence[ParticipatingUnit]
) -> list[FailedCondition]:
    """REG-04: no relation between the agency's family and any unit's family, no part in the project."""
    out: list[FailedCondition] = []
    family, related = agency.family(), set(agency.related_organisation_ids)
    for unit in participating_units:
        unit_family = {unit.organisation_id, *unit.group_organisation_ids}
        if unit_family & family:
            out.append(
                failed(
                    "REG-04",
                    "SAME_GROUP_AS_PARTICIPATING_UNIT",
                    f"the {unit.role} unit {unit.organisation_id} belongs to the agency's group (集团公司及下级公司)",
                    unit.organisation_id,
                )
            )
        elif unit_family & related:
            out.append(
                failed(
                    "REG-04",
                    "RELATED_TO_PARTICIPATING_UNIT",
                    f"the agency has a recorded interest relation with the {unit.role} unit {unit.organisation_id}",
                    unit.organisation_id,
                )
            )
    for involvement in agency.project_involvements:
        if involvement.project_id == project_id:
            out.append(
                failed(
                    "REG-04",
                    "TAKES_PART_IN_PROJECT",
                    f"the agency's group takes part in the project's {involvement.role} work",
                )
            )
    return out


def _agency_standing(agency_id: str, agency: Agency | None) -> list[FailedCondition]:
    if agency is None:
        return [failed("REG-01", "AGENCY_NOT_IN_POOL", f"agency {agency_id} is not known to the pool")]
    if agency.status is AgencyStatus.INELIGIBLE:
        return [
            failed(
                "REG-08",
                "AGENCY_INELIGIBLE",
                f"agency {agency_id} is no longer eligible after its third responsibility finding",
            )
        ]
    if agency.status is not AgencyStatus.ADMITTED:
        return [failed("REG-01", "AGENCY_NOT_IN_POOL", f"agency {agency_id} is {agency.status}, not in the pool")]
    return []


def _person_failures(person_id: str, agency_id: str, ctx: TeamContext, rules: RegistryRules) -> list[FailedCondition]:
    person = ctx.people.get(person_id)
    if person is None or not person.in_database:
        return [
            failed(
                "REG-02",
                "NOT_IN_TALENT_DATABASE",
                f"{person_id} is not an approved practitioner of the talent database",
                person_id,
            )
        ]
    out: list[FailedCondition] = []
    if person.agency_id != agency_id:
        out.append(
            failed(
                "REG-13",
                "NOT_AGENCY_STAFF",
                f"{person_id} belongs to agency {person.agency_id}; an agency may not let others work in its name",
                person_id,
            )
        )
    minimum = rules.technical_staff_min_credential
    if person.is_technical and not person.holds(minimum):
        out.append(
            failed("REG-02", "TITLE_BELOW_MINIMUM", f"{person_id} lacks {CREDENTIAL_NAMES_ZH[minimum]}", person_id)
        )
    if not person.evaluation_current(ctx.today):
        out.append(
            failed(
                "REG-11",
                "REEVALUATION_LAPSED",
                f"{person_id}'s periodic re-evaluation has lapsed (valid until {person.evaluation_valid_until})",
                person_id,
            )
        )
    return out


def _lead_failures(lead_id: str, ctx: TeamContext, rules: RegistryRules) -> list[FailedCondition]:
    lead = ctx.people.get(lead_id)
    if lead is None:
        return []  # already reported as not in the talent database
    required = rules.lead
    out: list[FailedCondition] = []
    if PractitionerRole.PROJECT_LEAD not in lead.roles:
        out.append(failed("REG-03", "NOT_A_PROJECT_LEAD", f"{lead_id} is not listed as a project lead", lead_id))
    if not lead.holds(required.credential):
        out.append(
            failed(
                "REG-03",
                "LEAD_CREDENTIAL_MISSING",
                f"a project lead in region {rules.region} holds {CREDENTIAL_NAMES_ZH[required.credential]}",
                lead_id,
            )
        )
    years = lead.years(ctx.today)
    if years < required.min_years:
        out.append(
            failed(
                "REG-03",
                "LEAD_YEARS_TOO_FEW",
                f"{lead_id} has {years} years of experience; region {rules.region} requires {required.min_years}",
                lead_id,
            )
        )
    if ctx.lead_active_projects >= required.max_concurrent_projects:
        out.append(
            failed(
                "REG-03",
                "LEAD_TOO_MANY_PROJECTS",
                f"{lead_id} already leads {ctx.lead_active_projects} projects; at most "
                f"{required.max_concurrent_projects} at once",
                lead_id,
            )
        )
    return out


def _not_dedicated_failures(people: Sequence[str], key_positions: Sequence[KeyPosition]) -> list[FailedCondition]:
    """REG-03 where the region file sets ``project_lead.dedicated`` (专职): the lead — and in a region
    that requires one, the technical lead — does the project's risk management full-time.

    Seed 000 §15 (hangzhou: 设置专职的风险管理项目负责人) and seed 003 annex 1.2 (shaoxing) say no more
    than 专职. Of that, the registry can check what it is told: a person declared (``key_positions``)
    as chief supervising engineer, its representative, a supervising engineer or a contractor's
    project manager holds a post with another unit, so is not full-time on risk management (兼职).
    What it cannot check is the employment itself (labour contract, social insurance with the
    agency): no seed gives the registry that data. The nearest record it keeps — one real-name
    listing per person, under one agency — holds in every region (REG-02, REG-13). 专职 does not
    mean one project at a time: ``max_concurrent_projects`` bounds that (hangzhou: 10).
    """
    return [
        failed(
            "REG-03",
            "LEAD_NOT_DEDICATED",
            f"{kp.practitioner_id} must lead risk management full-time (专职) but is {kp.position} on project "
            f"{kp.project_id}",
            kp.practitioner_id,
        )
        for kp in key_positions
        if kp.practitioner_id in people
    ]


def _holds_key_role(person: Practitioner | None) -> bool:
    return person is not None and bool(_KEY_POSITION_ROLES & set(person.roles))


def _key_position_failures(people: Sequence[str], key_positions: Sequence[KeyPosition]) -> list[FailedCondition]:
    return [
        failed(
            "REG-06",
            "HOLDS_KEY_POSITION",
            f"{kp.practitioner_id} is {kp.position} on project {kp.project_id}",
            kp.practitioner_id,
        )
        for kp in key_positions
        if kp.practitioner_id in people
    ]


def _not_less_qualified(old: Practitioner, new: Practitioner, today: date) -> list[FailedCondition]:
    """REG-05 (shanghai): 更换的项目负责人不低于原项目负责人条件."""
    out: list[FailedCondition] = []
    if old.has_registered_licence and not new.has_registered_licence:
        out.append(
            failed(
                "REG-05",
                "LESS_QUALIFIED_LICENCE",
                f"{new.practitioner_id} holds no registered licence; {old.practitioner_id} did",
                new.practitioner_id,
            )
        )
    if title_rank(new.title) < title_rank(old.title):
        out.append(
            failed(
                "REG-05",
                "LESS_QUALIFIED_TITLE",
                f"{new.practitioner_id}'s title {new.title} is below {old.title}",
                new.practitioner_id,
            )
        )
    if new.years(today) < old.years(today):
        out.append(
            failed(
                "REG-05",
                "LESS_QUALIFIED_EXPERIENCE",
                f"{new.practitioner_id} has {new.years(today)} years; the lead replaced had {old.years(today)}",
                new.practitioner_id,
            )
        )
    return out
