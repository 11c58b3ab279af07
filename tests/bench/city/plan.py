"""The shape of the seeded city, as pure functions of a plan: counts, ids, dates, lifecycle stages.

Scale 1.0 is one region after ten years (issue #10): 2,000 projects of 250 units (500,000 units, one IDI
policy each project), 200,000 claims, 6 insurers, 40 agencies with 3,000 practitioners, a team per
project. Everything a message carries is derived from the plan, whose one moving part, ``as_of``, is
fixed at the first run and kept in the manifest: a re-run sends the very same commands with the very
same event ids, which the services apply once.

Dates: liability periods started over the last ten years (about 5 % of projects are still in the
contractor's two-year warranty, CLM-10); a claim's building part is mostly one still covered (POL-13),
about 3 % one whose period is over. Claims are reported "now" (the claims service stamps its receipt
time, CLM-01), with the sender's report time a few days before ``as_of``; later steps follow it.

Documents: a not-covered decision (CLM-04 rejection notice) and a completed repair (CLM-06 warranty
statement) each make the claims service render a Chinese PDF, about 1.3 s of one core apiece here. The
stage shares would ask for ~13,000 of them at scale 1 (hours), so only ``documents`` claims (default
200 × scale, at least 2) are taken to those two stages; the others stop one step before (surveyed,
repair assigned).
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from anju_contracts.policy import BuildingPart

NAMESPACE = uuid.UUID("6f1c1d1e-5b0a-4e55-9a57-2c1d0a7c1710")  # event ids: uuid5(NAMESPACE, name)
TAG = "city"  # every id starts with the plan's tag, by default this (rejections of the seed are told by key)
UNITS_PER_PROJECT = 250
DOCUMENTS_AT_FULL_SCALE = 200  # claims taken to a stage that renders a PDF (see above)
STAFF_PER_INSURER = 12  # 10 risk-control staff + 2 project managers: eligible (REG-12, shanghai)
PROJECTS_PER_LEAD = 4  # shanghai allows 10 at once (REG-03)
ISSUES_PER_PROJECT = 250  # scale 1.0: 500,000 risk issues (issue #10); see README on what one costs

FULL = {"projects": 2_000, "claims": 200_000, "insurers": 6, "agencies": 40, "practitioners": 3_000}


class Stage(StrEnum):
    """How far a claim is taken through its lifecycle (``stage_of``)."""

    REFUSED = "refused"  # refused at intake by the service (contractor warranty, part period over)
    REPORTED = "reported"
    SURVEY_SCHEDULED = "survey_scheduled"
    SURVEYED = "surveyed"
    COVERED = "covered"
    NOT_COVERED = "not_covered"  # CLM-04: the rejection notice is issued with the decision
    AGREED = "agreed"  # CLM-03: performance due in 10 days, an open obligation
    REPAIR_ASSIGNED = "repair_assigned"
    PAID = "paid"  # CLM-03 met by payment
    REPAIRED = "repaired"  # CLM-06: a 180-day repair warranty
    WITHDRAWN = "withdrawn"


# Share of the reported (not refused) claims per stage, in percent; sums to 100.
STAGE_SHARES: tuple[tuple[Stage, int], ...] = (
    (Stage.REPORTED, 45),
    (Stage.SURVEY_SCHEDULED, 10),
    (Stage.SURVEYED, 12),
    (Stage.COVERED, 8),
    (Stage.NOT_COVERED, 4),
    (Stage.AGREED, 10),
    (Stage.REPAIR_ASSIGNED, 3),
    (Stage.PAID, 3),
    (Stage.REPAIRED, 2),
    (Stage.WITHDRAWN, 3),
)

# A stage that makes the service render a PDF, and where a claim over the documents budget stops instead.
_DOCUMENT_STAGES = {Stage.NOT_COVERED: Stage.SURVEYED, Stage.REPAIRED: Stage.REPAIR_ASSIGNED}

# The parts defects are reported for, most common first (water gets in everywhere).
PART_WEIGHTS: tuple[tuple[BuildingPart, int], ...] = (
    (BuildingPart.WATERPROOFING, 45),
    (BuildingPart.INSULATION, 20),
    (BuildingPart.FOUNDATION_MAIN_STRUCTURE, 20),
    (BuildingPart.OTHER, 15),
)
COVERAGE_YEARS = {
    BuildingPart.FOUNDATION_MAIN_STRUCTURE: 10,
    BuildingPart.INSULATION: 5,
    BuildingPart.WATERPROOFING: 5,
    BuildingPart.OTHER: 2,
}  # regions/shanghai.yaml (POL-13); only used to predict which reports are refused


@dataclass(frozen=True)
class Practitioner:
    practitioner_id: str
    agency: int
    index: int  # global, for unique identity numbers
    role: str  # technical_lead | project_lead | risk_engineer | assistant
    refused: bool  # applies below the minimum title: refused at approval (REG-02)


@dataclass(frozen=True)
class CityPlan:
    region: str
    scale: float
    as_of: datetime  # aware; the first run's start
    projects: int
    claims: int
    insurers: int
    agencies: int
    practitioners: int
    documents: int  # at most this many claims reach a stage that renders a PDF (budget, see above)
    issues_per_project: int = ISSUES_PER_PROJECT  # risk issues of each project's risk file
    tag: str = TAG  # the ids' prefix: two cities on the shared topics must not share ids (their events mix)

    @classmethod
    def at(
        cls,
        scale: float,
        *,
        region: str,
        as_of: datetime,
        documents: int | None = None,
        issues_per_project: int | None = None,
        tag: str | None = None,
    ) -> CityPlan:
        if scale <= 0:
            raise ValueError("the scale must be positive")
        if tag is not None and not re.fullmatch(r"[a-z][a-z0-9]{0,11}", tag):
            raise ValueError("the tag is 1-12 lowercase letters and digits, starting with a letter")
        projects = max(1, round(FULL["projects"] * scale))
        agencies = max(1, round(FULL["agencies"] * scale))
        # every agency needs a technical lead, its project leads and two engineers per team
        per_agency = 1 + math.ceil(math.ceil(projects / agencies) / PROJECTS_PER_LEAD) + 2
        return cls(
            region=region,
            scale=scale,
            as_of=as_of,
            projects=projects,
            claims=max(1, round(FULL["claims"] * scale)),
            insurers=max(1, min(FULL["insurers"], round(FULL["insurers"] * scale))),
            agencies=agencies,
            practitioners=max(per_agency * agencies, round(FULL["practitioners"] * scale)),
            documents=max(2, round(DOCUMENTS_AT_FULL_SCALE * scale)) if documents is None else documents,
            issues_per_project=ISSUES_PER_PROJECT if issues_per_project is None else issues_per_project,
            tag=TAG if tag is None else tag,
        )

    @property
    def units(self) -> int:
        return self.projects * UNITS_PER_PROJECT

    @property
    def today(self) -> date:
        return self.as_of.date()

    # -- ids -----------------------------------------------------------------------------------

    def event_id(self, *parts: object) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, "/".join([self.region, *map(str, parts)]))

    def project_id(self, p: int) -> str:
        return f"{self.tag}-prj-{p:05d}"

    def policy_id(self, p: int) -> str:
        return f"{self.tag}-pol-{p:05d}"

    def unit_id(self, p: int, u: int) -> str:
        return f"{self.tag}-u-{p:05d}-{u:03d}"

    def claim_id(self, i: int) -> str:
        return f"{self.tag}-clm-{i:07d}"

    def agency_id(self, a: int) -> str:
        return f"{self.tag}-ag-{a:03d}"

    def insurer_id(self, k: int) -> str:
        return f"{self.tag}-ins-{k:02d}"

    def insurer_of(self, p: int) -> str:
        return self.insurer_id(p % self.insurers)

    def agency_of(self, p: int) -> int:
        return p % self.agencies

    # -- projects ------------------------------------------------------------------------------

    def liability_starts_on(self, p: int) -> date:
        """Spread over the last ~9.4 years; about 5 % start within the next half year."""
        return self.today + timedelta(days=180 - (p * 1237 + 720) % 3600)

    def covered_parts(self, p: int, on: date) -> list[BuildingPart]:
        start = self.liability_starts_on(p)
        if on < start:
            return []
        return [part for part, _ in PART_WEIGHTS if on < add_years(start, COVERAGE_YEARS[part])]

    # -- claims --------------------------------------------------------------------------------

    def claim_unit(self, i: int) -> tuple[int, int]:
        """(project, unit) of claim ``i``: spread over the city; every tenth claim is a second defect
        in the unit of the claim before (one household, one file: XC-03)."""
        base = i - 1 if i % 10 == 9 else i
        stride = 7919 if self.units % 7919 else 7907  # primes: consecutive claims land far apart
        return divmod((base * stride) % self.units, UNITS_PER_PROJECT)

    def claim_part(self, i: int) -> BuildingPart:
        p, _ = self.claim_unit(i)
        covered = self.covered_parts(p, self.today)
        if not covered:
            return BuildingPart.WATERPROOFING  # in the contractor's warranty: routed there (CLM-10)
        over = [part for part, _ in PART_WEIGHTS if part not in covered]
        pick = (i * 31 + 7) % 100
        if over and pick < 3:
            return over[i % len(over)]  # its period is over: refused (POL-13)
        weights = [(part, w) for part, w in PART_WEIGHTS if part in covered]
        point = pick * sum(w for _, w in weights) // 100
        for part, weight in weights:
            if point < weight:
                return part
            point -= weight
        return weights[-1][0]

    def stage_of(self, i: int) -> Stage:
        p, _ = self.claim_unit(i)
        if self.claim_part(i) not in self.covered_parts(p, self.today):
            return Stage.REFUSED
        stage = _stage_of_bucket((i * 37 + 11) % 100)  # each block of 100 claims takes every bucket once
        if stage in _DOCUMENT_STAGES and (i // 100) % self._document_stride != 0:
            return _DOCUMENT_STAGES[stage]
        return stage

    @property
    def _document_stride(self) -> int:
        """Every how many blocks of 100 claims one may reach a document stage (to stay in the budget)."""
        per_block = sum(share for stage, share in STAGE_SHARES if stage in _DOCUMENT_STAGES)
        wanted = per_block * self.claims / 100
        return max(1, math.ceil(wanted / self.documents)) if self.documents > 0 else 1 << 62

    def reported_at(self, i: int) -> datetime:
        """When the insurer's 24-hour line took the report (before the seed ran; never deciding)."""
        return self.as_of - timedelta(days=3, minutes=i % 2880)

    # -- registry ------------------------------------------------------------------------------

    def agency_practitioners(self, a: int) -> list[Practitioner]:
        """Practitioners of agency ``a``: a technical lead, its project leads, risk engineers, a few
        assistants; one in fifty applies below the minimum title and is refused (REG-02)."""
        base, extra = divmod(self.practitioners, self.agencies)
        count = base + (1 if a < extra else 0)
        first = a * base + min(a, extra)
        leads = self.leads_needed(a)
        people = []
        for j in range(count):
            if j == 0:
                role = "technical_lead"
            elif j <= leads:
                role = "project_lead"
            elif j >= count - count // 20 and j > leads + 2:
                role = "assistant"
            else:
                role = "risk_engineer"
            refused = role == "risk_engineer" and j % 50 == 49
            people.append(Practitioner(f"{self.tag}-pr-{a:03d}-{j:04d}", a, first + j, role, refused))
        return people

    def projects_of(self, a: int) -> list[int]:
        return list(range(a, self.projects, self.agencies))

    def leads_needed(self, a: int) -> int:
        return max(1, math.ceil(len(self.projects_of(a)) / PROJECTS_PER_LEAD))

    def team(self, p: int) -> tuple[str, str, tuple[str, ...]]:
        """(lead, technical lead, members) of project ``p``, all approved people of its agency."""
        a = self.agency_of(p)
        people = self.agency_practitioners(a)
        leads = [x.practitioner_id for x in people if x.role == "project_lead"]
        engineers = [x.practitioner_id for x in people if x.role == "risk_engineer" and not x.refused]
        nth = p // self.agencies
        members = tuple(dict.fromkeys(engineers[(2 * nth + k) % len(engineers)] for k in range(2)))
        return leads[nth % len(leads)], people[0].practitioner_id, members

    def expected(self) -> dict[str, int]:
        """What the services should hold afterwards (claims by stage, registry counts)."""
        stages: dict[str, int] = {}
        for i in range(self.claims):
            stage = self.stage_of(i).value
            stages[stage] = stages.get(stage, 0) + 1
        refused = sum(x.refused for a in range(self.agencies) for x in self.agency_practitioners(a))
        return {
            **{f"claims {k}": v for k, v in sorted(stages.items())},
            "practitioners approved": self.practitioners - refused,
            "practitioners refused": refused,
            "teams active": self.projects,
        }


def unit_address(u: int) -> str:
    """Unit ``u`` of a project: 20 floors of two rooms per building."""
    building, rest = divmod(u, 40)
    floor, room = divmod(rest, 2)
    return f"{building + 1}号楼{floor + 1}0{room + 1}室"


def _stage_of_bucket(bucket: int) -> Stage:
    for stage, share in STAGE_SHARES:
        if bucket < share:
            return stage
        bucket -= share
    return STAGE_SHARES[-1][0]


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
