"""RSK-08 (special inspections: the latest notice day on the PRC calendar, a late notice recorded and
reported, the special report owed within 3 working days of completion) and RSK-09 (testing plan before
any agency test, the 5 % coverage with its shortfall, the lab's notice due in hours) on the pure domain."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from risk_factories import at, commission, completion, facts, lab_plan, notice, pdf, plan, rules

from anju_contracts import Refusal
from anju_contracts import risk as r
from anju_kit.clock import SHANGHAI
from anju_risk.domain import planning, special, testing
from anju_risk.domain.risk_file import RiskFile


def planned() -> RiskFile:
    risk_file = RiskFile.open(facts(), "shanghai")
    planning.submit_plan(risk_file, plan(), facts(), rules(), at=at(2026, 9, 20))
    risk_file.pull_events()
    return risk_file


def test_rsk08_a_notice_one_working_day_late_across_national_day_is_recorded_late_and_reported() -> None:
    # 10 working days back from Fri 2026-10-16: 15,14,13,12, Sat 10 (调休 workday), 9, 8, then the National
    # Day holiday (1-7 Oct) is skipped, 30, 29, 28 Sep — so 28 Sep is the latest day; the 29th is one late.
    assert rules().latest_notice_day(date(2026, 10, 16)) == date(2026, 9, 28)
    risk_file = planned()
    special.notify(risk_file, notice("spi-late"), rules(), at=at(2026, 9, 29), builder_id="org-bld")
    notified, reported = risk_file.pull_events()
    assert isinstance(notified, r.SpecialInspectionNotified) and notified.late
    assert (notified.notified_on, notified.latest_notice_day) == (date(2026, 9, 29), date(2026, 9, 28))
    assert isinstance(reported, r.SpecialNoticeLate) and reported.insurer_id == "ins-a"
    assert risk_file.special_inspections["spi-late"].late


def test_rsk08_a_notice_on_the_latest_day_is_in_time() -> None:
    risk_file = planned()
    special.notify(risk_file, notice(), rules(), at=at(2026, 9, 28, 23), builder_id="org-bld")
    [notified] = risk_file.pull_events()
    assert isinstance(notified, r.SpecialInspectionNotified) and not notified.late
    special.notify(risk_file, notice(), rules(), at=at(2026, 9, 29), builder_id="org-bld")
    assert risk_file.pull_events() == []  # the same notice again records nothing


def test_rsk08_the_special_report_is_owed_within_three_working_days_of_completion() -> None:
    risk_file = planned()
    special.notify(risk_file, notice(), rules(), at=at(2026, 9, 28), builder_id="org-bld")
    with pytest.raises(Refusal) as refused:
        special.complete(risk_file, completion(completed_on=date(2026, 10, 15)), rules(), at=at(2026, 10, 16))
    assert refused.value.failures[0].code == "BEFORE_SCHEDULED_DAY"
    risk_file.pull_events()
    special.complete(risk_file, completion(), rules(), at=at(2026, 10, 16, 18))
    completed, opened = risk_file.pull_events()
    assert isinstance(completed, r.SpecialInspectionCompleted) and completed.report_due_on == date(2026, 10, 21)
    assert isinstance(opened, r.ObligationOpened)
    assert (opened.rule_id, opened.debtor.role.value, opened.creditor.role.value) == ("RSK-08", "agency", "regulator")
    assert [f.unit_id for f in completed.findings] == ["u-101", "u-102"]


def test_rsk09_no_agency_test_before_the_testing_plan_is_confirmed() -> None:
    risk_file = planned()
    with pytest.raises(Refusal) as refused:
        testing.commission(risk_file, commission(), rules(), at=at(2026, 10, 9))
    assert (refused.value.reason_code, refused.value.rule_id) == ("INVALID_STATE", "RSK-09")
    bad_lab = lab_plan().model_copy(update={"lab_id": "org-con"})
    with pytest.raises(Refusal) as refused:
        testing.confirm_plan(risk_file, bad_lab, facts(), at=at(2026, 10, 9))
    assert refused.value.failures[0].code == "NOT_THE_LAB"
    testing.confirm_plan(risk_file, lab_plan(), facts(), at=at(2026, 10, 9))
    testing.commission(risk_file, commission(), rules(), at=at(2026, 10, 9))
    assert "tst-1" in risk_file.testing.tests


def test_rsk09_agency_tests_cover_five_percent_of_the_builders_and_the_shortfall_shows_until_met() -> None:
    risk_file = planned()
    testing.confirm_plan(risk_file, lab_plan(), facts(), at=at(2026, 10, 9))
    testing.record_builder_tests(risk_file, r.RecordBuilderAcceptanceTests(project_id="prj-1", total=61), rules())
    coverage = [e for e in risk_file.pull_events() if isinstance(e, r.TestingCoverageChanged)][-1]
    assert (coverage.required, coverage.shortfall) == (4, 4)  # 5 % of 61 = 3.05 → 4
    for n in range(4):
        testing.commission(risk_file, commission(f"tst-{n}"), rules(), at=at(2026, 10, 9))
    shortfalls = [e.shortfall for e in risk_file.pull_events() if isinstance(e, r.TestingCoverageChanged)]
    assert shortfalls == [3, 2, 1, 0]
    assert rules().required_agency_tests(60) == 3


def test_rsk09_the_labs_notice_is_due_12_hours_after_a_fail_and_24_after_a_pass() -> None:
    risk_file = planned()
    testing.confirm_plan(risk_file, lab_plan(), facts(), at=at(2026, 10, 9))
    for test_id in ("tst-fail", "tst-pass"):
        testing.commission(risk_file, commission(test_id), rules(), at=at(2026, 10, 9))
    risk_file.pull_events()
    concluded = datetime(2026, 10, 9, 20, 30, tzinfo=SHANGHAI)
    result = r.RecordTestResult(project_id="prj-1", test_id="tst-fail", passed=False, concluded_at=concluded)
    testing.record_result(risk_file, result, rules(), at=at(2026, 10, 9, 21))
    recorded, opened = risk_file.pull_events()
    assert isinstance(recorded, r.TestResultRecorded) and isinstance(opened, r.ObligationOpened)
    assert recorded.notice_due_at == concluded + timedelta(hours=12)  # 10-10 08:30, an hour deadline
    assert (opened.rule_id, opened.debtor.id, opened.creditor.role.value) == ("RSK-09", "org-lab", "agency")
    passed = r.RecordTestResult(project_id="prj-1", test_id="tst-pass", passed=True, concluded_at=concluded)
    testing.record_result(risk_file, passed, rules(), at=at(2026, 10, 9, 21))
    assert risk_file.pull_events()[0].notice_due_at == concluded + timedelta(hours=24)  # type: ignore[attr-defined]
    # the fail's notice 13 hours later is late; its deadline is met (late), not left open
    late = datetime(2026, 10, 10, 9, 30, tzinfo=SHANGHAI)
    lab_notice = r.RecordLabNotice(project_id="prj-1", test_id="tst-fail", report=pdf("检测报告.pdf"))
    testing.record_notice(risk_file, lab_notice, at=late)
    notice_event, fulfilled = risk_file.pull_events()
    assert isinstance(notice_event, r.LabNoticeRecorded) and notice_event.late
    assert isinstance(fulfilled, r.ObligationFulfilled)
