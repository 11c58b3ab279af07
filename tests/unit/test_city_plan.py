"""The seeded city's plan (tests/bench/city/plan.py) is a pure function of its scale and as_of: the same
commands every run, teams the registry's rules accept, and stages the claims service can reach."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest

from anju_contracts import claims as c
from anju_contracts import risk as r
from anju_contracts.common import EvidenceRef
from anju_kit.clock import SHANGHAI
from tests.bench.city import projects as pj
from tests.bench.city import risk_work as rw
from tests.bench.city.claim_commands import claim_commands
from tests.bench.city.plan import PROJECTS_PER_LEAD, UNITS_PER_PROJECT, CityPlan, Stage, add_years

AS_OF = datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)


def plan(scale: float) -> CityPlan:
    return CityPlan.at(scale, region="shanghai", as_of=AS_OF)


def test_scale_one_is_the_city_of_issue_10() -> None:
    city = plan(1.0)
    assert (city.projects, city.units, city.claims, city.agencies, city.practitioners) == (
        2_000,
        500_000,
        200_000,
        40,
        3_000,
    )


@pytest.mark.parametrize("scale", [0.0005, 0.01, 0.1])
def test_the_same_plan_sends_the_same_commands_with_the_same_event_ids(scale: float) -> None:
    first, second = plan(scale), plan(scale)
    for i in range(min(first.claims, 300)):
        assert [e.model_dump() | {"occurred_at": None, "correlation_id": None} for e in claim_commands(first, i)] == [
            e.model_dump() | {"occurred_at": None, "correlation_id": None} for e in claim_commands(second, i)
        ]
    for city in (first, second):
        assert [e.event_id for e in pj.envelopes(city, 0, "completed", pj.completed(city, 0))] == [
            e.event_id for e in pj.envelopes(first, 0, "completed", pj.completed(first, 0))
        ]
    sent = [e.event_id for i in range(min(first.claims, 2_000)) for e in claim_commands(first, i)]
    assert len(set(sent)) == len(sent)


@pytest.mark.parametrize("scale", [0.0005, 0.01, 0.1])
def test_teams_are_led_within_reg03_by_approved_people_of_the_projects_agency(scale: float) -> None:
    city = plan(scale)
    leads: Counter[str] = Counter()
    for p in range(city.projects):
        lead, technical, members = city.team(p)
        people = {x.practitioner_id: x for x in city.agency_practitioners(city.agency_of(p))}
        assert people[lead].role == "project_lead" and people[technical].role == "technical_lead"
        assert len(members) == 2 and all(people[m].role == "risk_engineer" and not people[m].refused for m in members)
        leads[lead] += 1
    assert max(leads.values()) <= PROJECTS_PER_LEAD  # shanghai allows 10 at once


def test_claims_land_on_covered_units_and_reach_every_stage_within_the_documents_budget() -> None:
    city = plan(0.1)
    stages = Counter(city.stage_of(i) for i in range(city.claims))
    assert set(stages) == set(Stage)
    assert stages[Stage.NOT_COVERED] + stages[Stage.REPAIRED] <= city.documents
    for i in range(0, city.claims, 97):
        p, u = city.claim_unit(i)
        assert 0 <= p < city.projects and 0 <= u < UNITS_PER_PROJECT
        report = claim_commands(city, i)[0].data
        assert report["unit_id"] == city.unit_id(p, u) and report["owner_id"] == pj.owner_id(p, u)
        refused = city.claim_part(i) not in city.covered_parts(p, city.today)
        assert refused == (city.stage_of(i) is Stage.REFUSED)


def test_a_refused_report_is_sent_alone_and_a_paid_claim_follows_its_agreement() -> None:
    city = plan(0.1)
    refused = next(i for i in range(city.claims) if city.stage_of(i) is Stage.REFUSED)
    paid = next(i for i in range(city.claims) if city.stage_of(i) is Stage.PAID)
    assert [e.type for e in claim_commands(city, refused)] == [c.ReportClaim.TYPE]
    assert [e.type for e in claim_commands(city, paid)] == [
        c.ReportClaim.TYPE,
        c.RecordSurvey.TYPE,
        c.DecideClaim.TYPE,
        c.RecordAgreement.TYPE,
        c.RecordPayment.TYPE,
    ]


def test_policy_dates_run_forward_and_filing_starts_the_plans_liability_period() -> None:
    city = plan(0.1)
    for p in range(0, city.projects, 7):
        issued = [command for command, _ in pj.issued(city, p, pj.AREA_PER_UNIT_M2)]
        fields = ("signed_on", "paid_on", "issued_on", "on")
        days = [pj.registered_on(city, p), *(next(getattr(x, f) for f in fields if hasattr(x, f)) for x in issued)]
        accepted, filed = (command.on for command, _ in pj.completed(city, p))  # type: ignore[attr-defined]
        assert days == sorted(days) and days[-1] < accepted < filed < city.today
        assert add_years(filed, pj.CONTRACTOR_WARRANTY_YEARS) == city.liability_starts_on(p)


def test_buyers_have_valid_distinct_id_numbers_and_owner_ids() -> None:
    numbers = {pj.buyer(p, k).id_number for p in range(3) for k in range(UNITS_PER_PROJECT)}
    assert len(numbers) == 3 * UNITS_PER_PROJECT
    assert len({pj.owner_id(p, k) for p in range(2) for k in range(UNITS_PER_PROJECT)}) == 2 * UNITS_PER_PROJECT


def test_a_risk_file_of_250_issues_keeps_serious_ones_closed_for_the_final_report() -> None:
    city = plan(1.0)
    assert rw.expected_issues(city) == {
        "risk issues closed": 430_000,
        "risk issues open": 50_000,
        "risk issues rectified": 20_000,
    }
    assert all(rw.fate(j) is rw.IssueFate.CLOSED for j in range(250) if rw.serious(j))


def test_a_risk_file_of_250_issues_goes_in_batches_of_50_raised_then_rectified_then_reviewed() -> None:
    """RSK-04/RSK-05 batches: 15 writes for 250 issues, not ~700; each issue raised before it is rectified,
    rectified (by its responsible unit) before it is reviewed, and the processes closed after."""
    city = plan(1.0)
    ref = EvidenceRef(key="shanghai/risk/project/p/evidence/x.jpg", sha256="0" * 64, size=1, content_type="image/jpeg")
    evidence = rw.Evidence(minutes=ref, photo=ref, before=ref, after=ref)
    commands = rw.file_commands(city, 0, evidence, date(2026, 11, 30))
    kinds = [type(cmd).__name__ for cmd, _ in commands]
    assert kinds == [
        "SubmitRiskPlan",
        "RecordKickoffBriefing",
        "RecordUnannouncedInspection",
        *["RaiseRiskIssues"] * 5,
        *["SubmitRectifications"] * 5,
        *["ReviewRectifications"] * 5,
        "CloseProcess",
        "CloseProcess",
    ]
    raised = [e.issue_id for cmd, _ in commands if isinstance(cmd, r.RaiseRiskIssues) for e in cmd.issues]
    rectified = [
        e.issue_id for cmd, _ in commands if isinstance(cmd, r.SubmitRectifications) for e in cmd.rectifications
    ]
    closed = [e.issue_id for cmd, _ in commands if isinstance(cmd, r.ReviewRectifications) for e in cmd.reviews]
    assert raised == [f"iss-{j:03d}" for j in range(250)]
    assert rectified == [f"iss-{j:03d}" for j in range(250) if rw.fate(j) is not rw.IssueFate.OPEN]
    assert closed == [f"iss-{j:03d}" for j in range(250) if rw.fate(j) is rw.IssueFate.CLOSED]
    assert all(len(batch) <= r.MAX_ISSUES_PER_BATCH for batch in (raised[:50], rectified[200:], closed[200:]))
    units = {actor.organisation_id for cmd, actor in commands if isinstance(cmd, r.SubmitRectifications)}
    assert units == {pj.contractor_org(0)}
    again = rw.envelopes(city, 0, "files", rw.file_commands(city, 0, evidence, date(2026, 11, 30)))
    assert [e.event_id for e in again] == [
        e.event_id for e in rw.envelopes(city, 0, "files", commands)
    ]  # a resumed seed re-sends the same command ids
