"""REG-07 evaluation → watch list → removal, REG-08 three strikes, REG-09 accident, REG-10 credit, REG-13."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from anju_contracts.base import Event
from anju_contracts.registry import (
    AccidentLevel,
    AgencyRemoved,
    AgencyWatchListed,
    CreditKind,
    CreditRecordAdded,
    EscalationApplied,
    EscalationLevel,
    EvaluationCombined,
    ViolationRecorded,
)
from anju_kit.clock import SHANGHAI
from anju_registry.domain.agency import Agency, AgencyStatus
from anju_registry.domain.errors import InvalidState, RegistryError

DUE = datetime(2026, 12, 20, 23, 59, 59, tzinfo=SHANGHAI)


def _violation(
    agency: Agency,
    rules: Any,
    today: date,
    code: str = "evidence_not_uploaded",
    n: int = 1,
    region_code: str = "shanghai",
) -> list[Event]:
    agency.record_violation(
        violation_code=code,
        finding_key=f"findings/{n}.pdf",
        project_id="prj-1",
        practitioner_id=None,
        description="照片未上传",
        rules=rules(region_code),
        today=today,
        correction_due_at=DUE,
    )
    return agency.pull_events()


def test_reg07_association_combines_insurer_means_and_watch_lists_below_standard(agency, rules, today):
    a = agency(region_code="hangzhou")
    for insurer, project, score in [("ins-1", "prj-1", 40), ("ins-1", "prj-2", 60), ("ins-2", "prj-3", 66)]:
        a.submit_evaluation(insurer_id=insurer, project_id=project, period="2026-H2", score=score)
    a.submit_evaluation(insurer_id="ins-2", project_id="prj-3", period="2026-H2", score=64)  # correction replaces
    a.pull_events()
    a.combine_evaluations(period="2026-H2", rules=rules("hangzhou"), today=today)
    events = a.pull_events()
    combined = next(e for e in events if isinstance(e, EvaluationCombined))
    assert [(s.insurer_id, s.score, s.projects) for s in combined.by_insurer] == [
        ("ins-1", 50.0, 2),
        ("ins-2", 64.0, 1),
    ]
    assert combined.combined_score == 57.0 and not combined.passed
    assert any(isinstance(e, AgencyWatchListed) and e.rule_id == "REG-07" for e in events)
    assert a.watch_listed and a.status is AgencyStatus.ADMITTED


def test_reg07_watch_listed_agency_refusing_to_rectify_is_removed(agency, rules, today):
    a = agency(region_code="hangzhou")
    a.submit_evaluation(insurer_id="ins-1", project_id="prj-1", period="2026", score=30)
    a.combine_evaluations(period="2026", rules=rules("hangzhou"), today=today)
    a.pull_events()
    a.refuse_rectification("拒不整改")
    (removed,) = a.pull_events()
    assert isinstance(removed, AgencyRemoved) and removed.rule_id == "REG-07"
    assert a.status is AgencyStatus.REMOVED


def test_reg07_rectification_refusal_only_for_a_watch_listed_agency(agency):
    with pytest.raises(InvalidState):
        agency().refuse_rectification("n/a")


def test_reg07_passing_score_is_a_positive_credit_record(agency, rules, today):
    a = agency()
    a.submit_evaluation(insurer_id="ins-1", project_id="prj-1", period="2026-Q3", score=88)
    a.combine_evaluations(period="2026-Q3", rules=rules("shanghai"), today=today)
    assert not a.watch_listed
    assert a.credit[-1].kind is CreditKind.POSITIVE and a.credit[-1].rule_id == "REG-07"


def test_reg07_nothing_to_combine_is_refused(agency, rules, today):
    with pytest.raises(InvalidState):
        agency().combine_evaluations(period="2025", rules=rules("shanghai"), today=today)


def test_reg08_three_strikes_in_shanghai_yellow_card_key_supervision_ineligible(agency, rules, today):
    a = agency()
    first = _violation(a, rules, today, n=1)
    assert any(isinstance(e, AgencyWatchListed) and e.rule_id == "REG-08" for e in first)
    (esc1,) = [e for e in first if isinstance(e, EscalationApplied)]
    assert (esc1.strike, esc1.level, esc1.correction_due_at) == (1, EscalationLevel.YELLOW_CARD, DUE)

    (esc2,) = [
        e
        for e in _violation(a, rules, today, code="risk_missed_or_mishandled", n=2)
        if isinstance(e, EscalationApplied)
    ]
    assert (esc2.strike, esc2.level, esc2.correction_due_at) == (2, EscalationLevel.KEY_SUPERVISION, None)
    assert a.key_supervision and a.status is AgencyStatus.ADMITTED

    (esc3,) = [e for e in _violation(a, rules, today, code="collusion", n=3) if isinstance(e, EscalationApplied)]
    assert (esc3.strike, esc3.level) == (3, EscalationLevel.INELIGIBLE)
    assert a.status.value == "ineligible"


def test_reg08_no_strikes_in_hangzhou(agency, rules, today):
    a = agency(region_code="hangzhou")
    for n in range(1, 4):
        events = _violation(a, rules, today, code="subcontracting", n=n, region_code="hangzhou")
        assert not any(isinstance(e, EscalationApplied) for e in events)
    assert a.status is AgencyStatus.ADMITTED and a.strikes == 0


def test_reg08_shanghai_lists_the_fourteen_violations_of_seed_001(rules):
    listed = rules("shanghai").listed_violations
    assert len(listed) == 14 and len({v.code for v in listed}) == 14
    assert {"subcontracting", "lending_name", "key_position_conflict", "evidence_not_uploaded"} <= {
        v.code for v in listed
    }


def test_reg08_unknown_violation_code_refused(agency, rules, today):
    with pytest.raises(RegistryError) as err:
        _violation(agency(region_code="hangzhou"), rules, today, code="evidence_not_uploaded", region_code="hangzhou")
    assert err.value.reason_code == "VALIDATION_FAILED"


def test_reg08_same_finding_recorded_twice_counts_once(agency, rules, today):
    a = agency()
    _violation(a, rules, today, n=1)
    assert _violation(a, rules, today, n=1) == []
    assert a.strikes == 1


def test_reg09_serious_accident_unnoticed_removes_in_hangzhou_not_in_shanghai(agency, rules, today):
    hz, sh = agency(region_code="hangzhou"), agency()
    for a, code in ((hz, "hangzhou"), (sh, "shanghai")):
        a.record_serious_accident(
            project_id="prj-1", level=AccidentLevel.LARGER, agency_found_problem=False, rules=rules(code), today=today
        )
    assert hz.status is AgencyStatus.REMOVED
    assert any(isinstance(e, AgencyRemoved) and e.rule_id == "REG-09" for e in hz.pull_events())
    assert sh.status is AgencyStatus.ADMITTED


def test_reg09_general_accident_or_problem_found_does_not_remove(agency, rules, today):
    a = agency(region_code="hangzhou")
    a.record_serious_accident(
        project_id="prj-1",
        level=AccidentLevel.GENERAL,
        agency_found_problem=False,
        rules=rules("hangzhou"),
        today=today,
    )
    a.record_serious_accident(
        project_id="prj-2", level=AccidentLevel.MAJOR, agency_found_problem=True, rules=rules("hangzhou"), today=today
    )
    assert a.status is AgencyStatus.ADMITTED


def test_reg10_findings_and_evaluations_are_kept_as_credit_records(agency, rules, today, person):
    a = agency()
    events = _violation(a, rules, today)
    (record,) = [e for e in events if isinstance(e, CreditRecordAdded)]
    assert (record.subject, record.kind, record.rule_id) == ("agency", CreditKind.NEGATIVE, "REG-08")
    assert a.credit[0].record_id == "ag-1.credit.1"
    p = person("p-1")
    p.add_credit(kind=CreditKind.POSITIVE, rule_id="REG-10", summary="优秀项目负责人", project_id=None, today=today)
    (added,) = p.pull_events()
    assert isinstance(added, CreditRecordAdded) and added.subject == "practitioner"


def test_reg13_subcontracting_and_name_lending_recorded_under_reg13_in_every_region(agency, rules, today):
    for code in ("hangzhou", "shanghai"):
        a = agency(region_code=code)
        for n, violation in enumerate(("subcontracting", "lending_name")):
            events = _violation(a, rules, today, code=violation, n=n, region_code=code)
            (recorded,) = [e for e in events if isinstance(e, ViolationRecorded)]
            assert recorded.rule_id == "REG-13"
