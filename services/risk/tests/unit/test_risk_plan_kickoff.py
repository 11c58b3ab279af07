"""RSK-01 (the plan, staffed from the registry's team) and RSK-02 (the kick-off and the reports due
three working days after it), on the pure domain."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from risk_factories import ENGINEER_ID, LEAD_ID, at, facts, kickoff, plan, ref, rules

from anju_contracts import Refusal, Role
from anju_contracts import risk as r
from anju_kit.clock import SHANGHAI
from anju_risk.domain import planning
from anju_risk.domain.planning import INITIAL_ANALYSIS, PLAN_UPLOAD
from anju_risk.domain.risk_file import RiskFile

NOW = at(2026, 9, 30)


def new_file() -> RiskFile:
    return RiskFile.open(facts(), "shanghai")


def test_rsk01_plan_records_staff_lead_scope_schedule_and_critical_processes() -> None:
    risk_file = new_file()
    planning.submit_plan(risk_file, plan(), facts(), rules(), at=NOW)
    [event] = risk_file.pull_events()
    assert isinstance(event, r.RiskPlanSubmitted)
    assert (event.revision, event.agency_id, event.lead_id) == (1, "agy-1", LEAD_ID)
    assert event.staff_ids == (LEAD_ID, ENGINEER_ID)
    assert event.process_ids == ("proc-wp", "proc-st")
    assert risk_file.plan is not None and risk_file.plan.key_nodes == ["基础验收", "主体封顶"]


def test_rsk01_plan_staff_only_from_the_team_and_led_by_its_lead_every_failure_listed() -> None:
    risk_file = new_file()
    bad = plan(lead_id=ENGINEER_ID, staff_ids=(ENGINEER_ID, "prc-other", "prc-x"))
    with pytest.raises(Refusal) as refused:
        planning.submit_plan(risk_file, bad, facts(), rules(), at=NOW)
    codes = [(f.rule_id, f.code, f.subject_id) for f in refused.value.failures]
    assert codes == [
        ("RSK-01", "LEAD_NOT_TEAM_LEAD", "lead_id"),
        ("RSK-01", "STAFF_NOT_ON_TEAM", "prc-other"),
        ("RSK-01", "STAFF_NOT_ON_TEAM", "prc-x"),
    ]
    assert risk_file.plan is None and risk_file.pull_events() == []


def test_rsk01_a_revised_plan_is_a_new_revision_and_the_same_plan_again_records_nothing() -> None:
    risk_file = new_file()
    planning.submit_plan(risk_file, plan(), facts(), rules(), at=NOW)
    risk_file.pull_events()
    planning.submit_plan(risk_file, plan(), facts(), rules(), at=NOW)
    assert risk_file.pull_events() == []
    planning.submit_plan(risk_file, plan(key_nodes=("基础验收",)), facts(), rules(), at=NOW)
    [event] = risk_file.pull_events()
    assert isinstance(event, r.RiskPlanSubmitted) and event.revision == 2


def test_rsk02_kickoff_opens_the_initial_analysis_and_plan_uploads_due_three_working_days_after() -> None:
    risk_file = new_file()
    planning.record_kickoff(risk_file, kickoff(held_on=date(2026, 9, 30)), facts(), rules(), at=NOW)
    events = risk_file.pull_events()
    assert isinstance(events[0], r.KickoffBriefingRecorded)
    opened = [e for e in events if isinstance(e, r.ObligationOpened)]
    assert [o.obligation for o in opened] == [INITIAL_ANALYSIS, PLAN_UPLOAD]
    # SPEC "Time": 3 working days from 2026-09-30 are 10-08, 10-09 and 10-10 (an adjusted Saturday workday).
    due = datetime(2026, 10, 11, tzinfo=SHANGHAI)
    assert all(o.due_at == due and o.last_day == date(2026, 10, 10) and o.rule_id == "RSK-02" for o in opened)
    assert all(o.debtor.role is Role.AGENCY and o.debtor.id == "agy-1" for o in opened)
    assert all(o.creditor.role is Role.INSURER and o.creditor.id == "ins-a" for o in opened)


def test_rsk02_kickoff_needs_an_assigned_team_to_owe_the_reports() -> None:
    with pytest.raises(Refusal, match="no agency team"):
        planning.record_kickoff(
            RiskFile.open(facts(team_active=False, agency_id=None), "shanghai"),
            kickoff(),
            facts(team_active=False, agency_id=None),
            rules(),
            at=NOW,
        )


def test_rsk02_the_initial_analysis_and_the_plan_document_meet_their_obligations() -> None:
    risk_file = new_file()
    planning.record_kickoff(risk_file, kickoff(), facts(), rules(), at=NOW)
    risk_file.pull_events()
    pdf = ref("initial.pdf", content_type="application/pdf")
    planning.upload_report(
        risk_file,
        r.UploadRiskReport(
            project_id="prj-1", report_id="rpt-1", kind=r.RiskReportKind.INITIAL_RISK_ANALYSIS, document=pdf
        ),
        at=at(2026, 10, 8),
    )
    planning.submit_plan(
        risk_file, plan(document=ref("plan.pdf", content_type="application/pdf")), facts(), rules(), at=NOW
    )
    met = [e for e in risk_file.pull_events() if isinstance(e, r.ObligationFulfilled)]
    assert [m.obligation for m in met] == [INITIAL_ANALYSIS, PLAN_UPLOAD]
    assert all(d.state == "met" for d in risk_file.deadlines)
