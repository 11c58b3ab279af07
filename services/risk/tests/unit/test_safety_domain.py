"""Construction safety on the pure domain, on shaoxing's region file (安责险): SAF-01 (one service plan),
SAF-08 (grade and frequency), SAF-02 (risk sources by level, first identification, the quarter's
coverage raised before it ends), SAF-03 (hazards by level, the same-day report), SAF-06 (training and
drills) and SAF-05 (records kept five years after completion, destruction only by the insurer's approval)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from risk_factories import CONTRACTOR_ORG, SUPERVISOR_ORG, at, facts, rules
from safety_factories import SAFETY_REGION, hazard, hazard_fix, inspection, safety_plan, sources, sref, training

from anju_contracts import Refusal, Role
from anju_contracts import risk as r
from anju_contracts import safety as s
from anju_contracts.base import Event
from anju_kit.clock import SHANGHAI
from anju_kit.regions import SafetyRules
from anju_risk.domain import hazard as hz
from anju_risk.domain import overdue
from anju_risk.domain import records as rec
from anju_risk.domain import safety_plan as sp
from anju_risk.domain import safety_reports as srep
from anju_risk.domain import safety_work as sw
from anju_risk.domain import training as trn
from anju_risk.domain.risk_file import RiskFile
from anju_risk.domain.rules import RiskRules

PLANNED_AT = at(2026, 7, 1)


def shaoxing() -> RiskRules:
    return rules(SAFETY_REGION)


def new_file() -> RiskFile:
    return RiskFile.open(facts(), SAFETY_REGION)


def planned(grade: s.RiskGrade = s.RiskGrade.MEDIUM) -> RiskFile:
    risk_file = new_file()
    sp.submit_plan(risk_file, safety_plan(grade=grade), facts(), shaoxing(), at=PLANNED_AT)
    sp.identify_sources(risk_file, sources(), safety(), at=at(2026, 7, 3))
    risk_file.pull_events()
    return risk_file


def safety() -> SafetyRules:
    found = shaoxing().safety
    assert found is not None
    return found


def of(events: list[Event], kind: type[Event]) -> list[Event]:
    return [e for e in events if isinstance(e, kind)]


def opened(events: list[Event], obligation: str) -> list[r.ObligationOpened]:
    return [e for e in events if isinstance(e, r.ObligationOpened) and e.obligation == obligation]


def test_saf01_one_service_plan_per_project_a_second_refused_the_same_one_again_is_a_duplicate() -> None:
    risk_file = planned()
    sp.submit_plan(risk_file, safety_plan(), facts(), shaoxing(), at=PLANNED_AT)  # a retry
    assert risk_file.pull_events() == []
    with pytest.raises(Refusal) as refused:
        sp.submit_plan(risk_file, safety_plan(plan_id="spl-2"), facts(), shaoxing(), at=PLANNED_AT)
    assert (refused.value.reason_code, refused.value.rule_id, refused.value.field) == ("CONFLICT", "SAF-01", "plan_id")


def test_saf01_the_plan_is_the_teams_lead_and_nothing_is_recorded_before_a_plan() -> None:
    with pytest.raises(Refusal) as refused:
        sp.submit_plan(new_file(), safety_plan(lead_id="prc-eng"), facts(), shaoxing(), at=PLANNED_AT)
    assert refused.value.failures[0].code == "NOT_THE_LEAD"
    with pytest.raises(Refusal) as no_plan:
        sp.identify_sources(new_file(), sources(), safety(), at=PLANNED_AT)
    assert no_plan.value.rule_id == "SAF-01"


@pytest.mark.parametrize(
    ("grade", "per_quarter"), [(s.RiskGrade.HIGH, 3), (s.RiskGrade.MEDIUM, 2), (s.RiskGrade.LOW, 1)]
)
def test_saf08_the_grade_sets_the_quarters_inspections_from_the_region_file(
    grade: s.RiskGrade, per_quarter: int
) -> None:
    risk_file = new_file()
    sp.submit_plan(risk_file, safety_plan(grade=grade), facts(), shaoxing(), at=PLANNED_AT)
    (submitted,) = of(risk_file.pull_events(), s.SafetyPlanSubmitted)
    assert isinstance(submitted, s.SafetyPlanSubmitted) and submitted.inspections_per_quarter == per_quarter
    assert sp.coverage(risk_file, safety(), "2026Q3").required_inspections == per_quarter


def test_saf02_levels_and_high_risk_works_come_from_the_regions_list_an_unknown_type_refused() -> None:
    risk_file = new_file()
    sp.submit_plan(risk_file, safety_plan(), facts(), shaoxing(), at=PLANNED_AT)
    events = risk_file.pull_events()
    (first,) = opened(events, sw.FIRST_IDENTIFICATION)  # right after the contract: owed from the plan on
    assert first.rule_id == "SAF-02" and first.debtor.role is Role.AGENCY
    sp.identify_sources(risk_file, sources(), safety(), at=at(2026, 7, 3))
    events = risk_file.pull_events()
    (identified,) = of(events, s.RiskSourcesIdentified)
    assert isinstance(identified, s.RiskSourcesIdentified)
    assert {(x.source_id, x.level, x.high_risk_work) for x in identified.sources} == {
        ("src-pit", 1, True),
        ("src-hoist", 2, False),
        ("src-power", 3, False),
    }
    assert [e.obligation for e in of(events, r.ObligationFulfilled)] == [sw.FIRST_IDENTIFICATION]  # type: ignore[attr-defined]
    bad = sources().model_copy(
        update={
            "identification_id": "idf-2",
            "sources": (s.IdentifiedSource(source_id="x", type_code="not-listed", location="?"),),
        }
    )
    with pytest.raises(Refusal) as refused:
        sp.identify_sources(risk_file, bad, safety(), at=at(2026, 7, 3))
    assert refused.value.failures[0].subject_id == "sources.0.type_code"


def test_saf02_a_quarter_with_one_unchecked_level2_source_is_flagged_before_its_end() -> None:
    risk_file = planned()
    sp.record_inspection(
        risk_file, inspection("ins-1", date(2026, 7, 10), "src-pit", full=True), safety(), at=at(2026, 7, 10)
    )
    sp.record_inspection(
        risk_file, inspection("ins-2", date(2026, 8, 20), "src-pit", "src-power"), safety(), at=at(2026, 8, 20)
    )
    risk_file.pull_events()
    cov = sp.coverage(risk_file, safety(), "2026Q3")
    assert (cov.inspections_missing, cov.full_coverage_missing, cov.unchecked_source_ids) == (0, 0, ["src-hoist"])
    assert cov.unchecked_high_risk_work == []  # the pit (危大工程) was checked

    # 15 days before the quarter's end (shaoxing coverage_warning_days), the sweeper raises it
    sweep_at = datetime(2026, 9, 16, 0, 5, tzinfo=SHANGHAI)
    fired = overdue.fire_overdue(risk_file, sweep_at, shaoxing())
    assert [f.deadline.obligation for f in fired] == ["coverage_checkpoint"]
    (flag,) = of(risk_file.pull_events(), s.SafetyCoverageFlagged)
    assert isinstance(flag, s.SafetyCoverageFlagged)
    assert flag.unchecked_source_ids == ("src-hoist",) and flag.quarter == "2026Q3"
    assert flag.quarter_ends_at == datetime(2026, 10, 1, tzinfo=SHANGHAI) > sweep_at  # before the end

    # the level-2 source checked in time: the quarter is met, the next one goes on the clock
    sp.record_inspection(risk_file, inspection("ins-3", date(2026, 9, 20), "src-hoist"), safety(), at=at(2026, 9, 20))
    events = risk_file.pull_events()
    fulfilled = {e.obligation for e in of(events, r.ObligationFulfilled)}  # type: ignore[attr-defined]
    assert fulfilled == {"quarter_coverage", "coverage_checkpoint"}  # the checkpoint met late
    (following,) = opened(events, "quarter_coverage")
    assert following.subject.id == "prj-1.2026Q4" and following.due_at == datetime(2027, 1, 1, tzinfo=SHANGHAI)


def test_saf02_a_quarter_ending_uncovered_is_overdue_and_the_next_quarter_is_opened() -> None:
    risk_file = planned()
    fired = overdue.fire_overdue(risk_file, datetime(2026, 10, 1, 0, 10, tzinfo=SHANGHAI), shaoxing())
    assert {f.deadline.obligation for f in fired} == {"coverage_checkpoint", "quarter_coverage"}
    events = risk_file.pull_events()
    assert [o.subject.id for o in opened(events, "quarter_coverage")] == ["prj-1.2026Q4"]


def test_saf03_a_level1_hazard_found_at_2300_is_reported_the_same_day_by_2400_shanghai() -> None:
    risk_file = planned()
    found = datetime(2026, 7, 20, 23, 0, tzinfo=SHANGHAI)
    hz.raise_hazard(risk_file, hazard(1, found), facts(), at=found, by="prc-eng")
    events = risk_file.pull_events()
    (raised,) = of(events, s.HazardRaised)
    assert isinstance(raised, s.HazardRaised) and raised.stop_work is s.StopWork.PARTIAL
    midnight = datetime(2026, 7, 21, 0, 0, tzinfo=SHANGHAI)  # 24:00 of the finding's day
    assert raised.report_due_at == midnight
    reports = opened(events, "hazard_report_insurer") + opened(events, "hazard_report_authority")
    assert {(o.creditor.role, o.due_at, o.rule_id) for o in reports} == {
        (Role.INSURER, midnight, "SAF-03"),
        (Role.REGULATOR, midnight, "SAF-03"),
    }
    hz.report_hazard(
        risk_file,
        s.ReportHazard(project_id="prj-1", hazard_id="hz-1", recipients=(s.Recipient.INSURER, s.Recipient.AUTHORITY)),
        at=datetime(2026, 7, 20, 23, 40, tzinfo=SHANGHAI),
    )
    events = risk_file.pull_events()
    (reported,) = of(events, s.HazardReported)
    assert isinstance(reported, s.HazardReported) and reported.on_time
    assert len(of(events, r.ObligationFulfilled)) == 2


def test_saf03_a_level1_hazard_not_reported_by_midnight_is_overdue_and_needs_a_stop_work_recommendation() -> None:
    risk_file = planned()
    found = datetime(2026, 7, 20, 23, 0, tzinfo=SHANGHAI)
    with pytest.raises(Refusal) as refused:
        hz.raise_hazard(risk_file, hazard(1, found, stop_work=None), facts(), at=found, by="prc-eng")
    assert refused.value.failures[0].code == "STOP_WORK_REQUIRED"
    hz.raise_hazard(risk_file, hazard(1, found, rectify_by=date(2026, 7, 25)), facts(), at=found, by="prc-eng")
    fired = overdue.fire_overdue(risk_file, datetime(2026, 7, 21, 0, 1, tzinfo=SHANGHAI), shaoxing())
    assert {f.deadline.obligation for f in fired} == {"hazard_report_insurer", "hazard_report_authority"}


def test_saf03_a_level2_hazard_is_reported_only_when_it_may_cause_an_accident() -> None:
    risk_file = planned()
    now = at(2026, 7, 20)
    hz.raise_hazard(risk_file, hazard(2, now, hazard_id="hz-a"), facts(), at=now, by="prc-eng")
    quiet = risk_file.pull_events()
    assert not opened(quiet, "hazard_report_insurer")
    assert [o.obligation for o in of(quiet, r.ObligationOpened)] == ["hazard_rectification"]  # type: ignore[attr-defined]
    hz.raise_hazard(risk_file, hazard(2, now, hazard_id="hz-b", may_cause_accident=True), facts(), at=now, by="e")
    assert len(opened(risk_file.pull_events(), "hazard_report_authority")) == 1


def test_saf03_levels_3_4_the_supervisor_submits_the_closure_back_and_the_agency_closes() -> None:
    risk_file = planned()
    now = at(2026, 7, 20)
    hz.raise_hazard(risk_file, hazard(3, now, rectify_by=date(2026, 7, 24)), facts(), at=now, by="prc-eng")
    risk_file.record_issue_states(2)
    found = risk_file.safety.hazards["hz-1"]
    with pytest.raises(Refusal):
        hz.check_submitter(found, facts(), CONTRACTOR_ORG)  # the responsible unit does not close it itself
    hz.check_submitter(found, facts(), SUPERVISOR_ORG)
    hz.submit_rectification(risk_file, hazard_fix(), facts(), at=at(2026, 7, 22), by="sup-user")
    risk_file.record_issue_states(3)
    hz.review_rectification(
        risk_file,
        s.ReviewHazardRectification(project_id="prj-1", hazard_id="hz-1", decision=s.HazardDecision.CLOSE),
        facts(),
        at=at(2026, 7, 23),
    )
    risk_file.record_issue_states(4)
    states = [e.status for e in of(risk_file.pull_events(), s.HazardStateChanged)]  # type: ignore[attr-defined]
    assert states == [s.HazardStatus.OPEN, s.HazardStatus.RECTIFIED, s.HazardStatus.CLOSED]


def test_saf03_a_delayed_or_refused_rectification_is_escalated_to_insurer_and_authority() -> None:
    risk_file = planned()
    now = at(2026, 7, 20)
    hz.raise_hazard(risk_file, hazard(2, now, rectify_by=date(2026, 7, 22)), facts(), at=now, by="prc-eng")
    hz.raise_hazard(risk_file, hazard(4, now, hazard_id="hz-2", rectify_by=date(2026, 8, 30)), facts(), at=now, by="e")
    risk_file.pull_events()
    overdue.fire_overdue(risk_file, datetime(2026, 7, 23, 0, 5, tzinfo=SHANGHAI), shaoxing())
    hz.report_refused(
        risk_file, s.ReportRectificationRefused(project_id="prj-1", hazard_id="hz-2", detail="施工单位拒绝")
    )
    escalated = of(risk_file.pull_events(), s.RectificationEscalated)
    assert [(e.hazard_id, e.reason, e.insurer_id, e.authority) for e in escalated] == [  # type: ignore[attr-defined]
        ("hz-1", s.EscalationReason.DELAYED, "ins-a", SAFETY_REGION),
        ("hz-2", s.EscalationReason.REFUSED, "ins-a", SAFETY_REGION),
    ]


def test_saf06_training_every_half_year_covering_everyone_and_a_lapse_is_on_the_clock_before_it_happens() -> None:
    risk_file = new_file()
    sp.submit_plan(risk_file, safety_plan(), facts(), shaoxing(), at=PLANNED_AT)
    (due,) = opened(risk_file.pull_events(), sw.TRAINING)
    assert due.due_at == datetime(2027, 1, 2, tzinfo=SHANGHAI) and due.rule_id == "SAF-06"  # 2027-01-01 24:00
    trn.record_training(
        risk_file, training("trn-1", date(2026, 9, 1), workers_trained=100), safety(), at=at(2026, 9, 1)
    )
    events = risk_file.pull_events()
    assert not of(events, r.ObligationFulfilled)  # 20 workers missed: it does not count
    trn.record_training(risk_file, training("trn-2", date(2026, 9, 8)), safety(), at=at(2026, 9, 8))
    events = risk_file.pull_events()
    (recorded,) = of(events, s.SafetyTrainingRecorded)
    assert isinstance(recorded, s.SafetyTrainingRecorded) and recorded.next_due_on == date(2027, 3, 8)
    assert [o.due_at for o in opened(events, sw.TRAINING)] == [datetime(2027, 3, 9, tzinfo=SHANGHAI)]


def test_saf06_the_emergency_plan_and_a_drill_with_its_evaluation_are_recorded() -> None:
    risk_file = planned()
    drill = s.RecordEmergencyDrill(
        project_id="prj-1",
        drill_id="drl-1",
        held_on=date(2026, 8, 5),
        plan=sref("emergency-plan.pdf"),
        evaluation="疏散用时 6 分钟，通讯组响应偏慢，已补充对讲机",
        evidence=(sref("drill.jpg"),),
    )
    trn.record_drill(risk_file, drill, at=at(2026, 8, 5))
    assert [type(e) for e in risk_file.pull_events()] == [s.EmergencyDrillRecorded]
    assert risk_file.safety.drills[0].evaluation.startswith("疏散")


def test_saf05_a_deletion_before_the_five_year_date_is_refused_after_it_only_a_mark() -> None:
    risk_file = planned()
    completed = facts(completed_on=date(2027, 6, 30))
    approve = s.ApproveRecordsDestruction(project_id="prj-1", reason="保管期满")
    with pytest.raises(Refusal) as early:
        rec.approve_destruction(risk_file, approve, completed, safety(), at=at(2032, 6, 30), by="desk-1")
    assert (early.value.reason_code, early.value.rule_id) == ("RETENTION_PERIOD", "SAF-05")
    with pytest.raises(Refusal) as open_project:
        rec.approve_destruction(risk_file, approve, facts(), safety(), at=at(2040, 1, 1), by="desk-1")
    assert open_project.value.rule_id == "SAF-05"
    still_open = [
        d
        for deadlines in (risk_file.safety.deadlines, *(q.deadlines for q in risk_file.safety.quarters.values()))
        for d in deadlines
        if d.state == "open"
    ]
    assert still_open
    rec.approve_destruction(risk_file, approve, completed, safety(), at=at(2032, 7, 1), by="desk-1")
    events = risk_file.pull_events()
    # XC-02: each deadline still open ends as cancelled, under the id it was opened with, for notify
    cancelled = of(events, r.ObligationFulfilled)
    assert len(cancelled) == len(still_open)
    assert {e.outcome for e in cancelled} == {"cancelled"}  # type: ignore[attr-defined]
    (marked,) = of(events, s.SafetyRecordsDestroyed)
    assert isinstance(marked, s.SafetyRecordsDestroyed) and marked.retained_until == date(2032, 6, 30)
    assert risk_file.safety.sources  # nothing is deleted (XC-08): the records are only marked
    with pytest.raises(Refusal):
        sw.check_open(risk_file)  # no new hazard on destroyed records


def test_saf04_each_period_owes_its_report_to_insurer_and_authority_after_it_ends() -> None:
    risk_file = new_file()
    sp.submit_plan(risk_file, safety_plan(), facts(), shaoxing(), at=PLANNED_AT)
    srep.ensure_periods(risk_file, safety(), shaoxing().calendar, PLANNED_AT)
    events = risk_file.pull_events()
    owed = {
        (o.subject.id, o.creditor.role, o.last_day)
        for o in of(events, r.ObligationOpened)
        if o.obligation.startswith("safety_report")  # type: ignore[attr-defined]
    }
    # 5 working days after each period's end (shaoxing report_delivery_working_days); 2026-10-01..07 is
    # the National Day holiday, so July's report is due 2026-08-07 and Q3's 2026-10-13
    assert owed == {
        (f"prj-1.{key}", role, last_day)
        for key, last_day in (("2026-07", date(2026, 8, 7)), ("2026Q3", date(2026, 10, 13)), ("2026", date(2027, 1, 8)))
        for role in (Role.INSURER, Role.REGULATOR)
    }
    early = s.IssueSafetyReport(
        project_id="prj-1", report_id="rpt-1", period=s.ReportPeriod.MONTHLY, period_key="2026-07", summary="..."
    )
    with pytest.raises(Refusal) as refused:
        srep.check_can_issue(risk_file, early, safety(), at=at(2026, 7, 31))
    assert refused.value.rule_id == "SAF-04"  # the month has not ended
    assert srep.check_can_issue(risk_file, early, safety(), at=at(2026, 8, 3))
