"""The questions the city benchmark times against a seeded city (``make seed-city``, then ``make bench``).

Add one :class:`QueryCase` per question a page or an integrator asks (issue #10): a name that says what
is asked and how, and an async callable that asks it once — through a service's HTTP API
(``city.get``) or a read model in a service's database (``city.db``). Use ids that exist
(``city.plan`` derives them; ``city.sample`` picks some, the same every run). Each is timed p50 / p99
and printed beside "the old way" (a field query on a 100,000-claim slice) as a ratio.

Every list is answered from a read model (anju_kit.views): a few documents read by ``_id``.
"""

from __future__ import annotations

from collections.abc import Iterator

from anju_contracts import Actor, Role
from tests.bench.city.context import City
from tests.bench.city.projects import owner_id
from tests.bench.queries import QueryCase


def city_queries(city: City) -> list[QueryCase]:
    plan = city.plan
    claims = city.cycle([plan.claim_id(i) for i in city.sample(500, plan.claims)])
    projects = city.cycle([plan.project_id(p) for p in city.sample(200, plan.projects)])
    people = [x.practitioner_id for a in range(plan.agencies) for x in plan.agency_practitioners(a) if not x.refused]
    practitioners = city.cycle([people[i] for i in city.sample(200, len(people))])
    # units with two claims (every tenth claim is a second defect in the unit of the one before)
    twice = [i for i in city.sample(200, plan.claims) if i % 10 == 9] or [0]
    units = city.cycle([plan.unit_id(*plan.claim_unit(i)) for i in twice])

    async def claim() -> object:
        return await city.get("claims", f"/v1/claims/{next(claims)}")

    async def team() -> object:
        return await city.get("registry", f"/v1/registry/teams/{next(projects)}")

    async def practitioner() -> object:
        return await city.get("registry", f"/v1/registry/practitioners/{next(practitioners)}")

    async def unit_file() -> object:
        return await city.get("claims", f"/v1/claims?unit_id={next(units)}")

    owners = city.cycle([f"{plan.unit_id(*plan.claim_unit(i))}|{owner_id(*plan.claim_unit(i))}" for i in twice])
    region = city.regulator.region

    async def owners_claims() -> object:
        unit, owner = next(owners).split("|")
        actor = Actor(id=owner, role=Role.OWNER, region=region, unit_ids=(unit,))
        return await city.get("claims", "/v1/claims", actor=actor)

    insurers = city.cycle([plan.insurer_id(k) for k in range(plan.insurers)])

    async def insurers_month() -> object:
        insurer = next(insurers)
        actor = Actor(id=f"{insurer}-desk", role=Role.INSURER, region=region, insurer_id=insurer)
        return await city.get("claims", "/v1/claims?status=reported", actor=actor)

    async def regulators_month() -> object:
        return await city.get("claims", "/v1/claims")

    async def regulators_page() -> object:
        return await city.get("claims", "/v1/claims?status=reported&offset=200&limit=50")

    async def pool() -> object:
        return await city.get("registry", "/v1/registry/pool")

    agencies = city.cycle([plan.agency_id(a) for a in city.sample(20, plan.agencies)])

    async def eligible() -> object:
        return await city.get(
            "registry", f"/v1/registry/projects/{next(projects)}/eligible-practitioners?agency_id={next(agencies)}"
        )

    policy_cases, risk_cases = _underwriting(city, projects, agencies)
    return [
        QueryCase("claim by id: GET /v1/claims/{id} (_id look-ups)", claim),
        QueryCase("project team: GET /v1/registry/teams/{project} (_id)", team),
        QueryCase("practitioner: GET /v1/registry/practitioners/{id} (_id)", practitioner),
        QueryCase("a unit's file: GET /v1/claims?unit_id= (read model)", unit_file),
        QueryCase("an owner's claims: GET /v1/claims as owner (read model)", owners_claims),
        QueryCase("an insurer's month, one status (read model)", insurers_month),
        QueryCase("the regulator's month with tallies (read model)", regulators_month),
        QueryCase("the regulator's month, one status, 5th page of 50 (read model)", regulators_page),
        QueryCase("the regional pool: GET /v1/registry/pool (read model)", pool),
        QueryCase("eligible practitioners of an agency (read model + _id)", eligible),
        *policy_cases,
        *risk_cases,
    ]


def _underwriting(
    city: City, projects: Iterator[str], agencies: Iterator[str]
) -> tuple[list[QueryCase], list[QueryCase]]:
    """Policy's and risk's pages: a project's policy and milestones, an insurer's projects by stage, a
    project's risk file and its open issues, an agency's projects, its open issues across them
    (``risk.agency_issues``) and the regulator's open serious issues (``risk.serious_by_region``, RSK-07)."""
    plan, region = city.plan, city.regulator.region
    insurers = city.cycle([plan.insurer_id(k) for k in range(plan.insurers)])

    async def policy_project() -> object:
        return await city.get("policy", f"/v1/policy/projects/{next(projects)}")

    async def insurers_projects() -> object:
        insurer = next(insurers)
        actor = Actor(id=f"{insurer}-desk", role=Role.INSURER, region=region, insurer_id=insurer)
        return await city.get("policy", "/v1/policy/projects?stage=contractor_warranty", actor=actor)

    async def regulators_projects() -> object:
        return await city.get("policy", "/v1/policy/projects?offset=50&limit=50")

    async def risk_file() -> object:
        return await city.get("risk", f"/v1/risk/projects/{next(projects)}")

    async def open_issues() -> object:
        return await city.get("risk", f"/v1/risk/projects/{next(projects)}/issues")

    async def agency_projects() -> object:
        return await city.get("risk", f"/v1/risk/agencies/{next(agencies)}/projects")

    async def agency_open_issues() -> object:
        return await city.get("risk", f"/v1/risk/agencies/{next(agencies)}/issues")

    async def regulators_serious_issues() -> object:
        return await city.get("risk", "/v1/risk/serious-issues")

    async def regulators_closed_serious_issues() -> object:
        """The seeded city closed every serious issue (RSK-07 sealed every final report), so the open
        page reads the head alone: this one times a page the head points to."""
        return await city.get("risk", "/v1/risk/serious-issues?status=closed&offset=50&limit=50")

    return (
        [
            QueryCase("a project's policy and milestones: GET /v1/policy/projects/{id} (_id)", policy_project),
            QueryCase("an insurer's projects in one stage (read model)", insurers_projects),
            QueryCase("the regulator's projects, 2nd page of 50 (read model)", regulators_projects),
        ],
        [
            QueryCase("a project's risk file: GET /v1/risk/projects/{id} (_id)", risk_file),
            QueryCase("a project's open risk issues (read model)", open_issues),
            QueryCase("an agency's projects: GET /v1/risk/agencies/{id}/projects (read model)", agency_projects),
            QueryCase("an agency's open issues: GET /v1/risk/agencies/{id}/issues (read model)", agency_open_issues),
            QueryCase(
                "the regulator's open serious issues, page 1: GET /v1/risk/serious-issues (read model)",
                regulators_serious_issues,
            ),
            QueryCase(
                "the regulator's closed serious issues, 2nd page of 50 (read model)", regulators_closed_serious_issues
            ),
        ],
    )
