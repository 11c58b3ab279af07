"""RSK-04 (a risk issue: severity, location, responsible unit, deadline, stored evidence) and RSK-05
(rectified with before/after evidence, closed 销项 or sent back by the agency, the part's acceptance
refused while open, overdue rectifications escalated once), on the pure domain."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from risk_factories import (
    CONTRACTOR,
    CONTRACTOR_ORG,
    SUPERVISOR_ORG,
    at,
    facts,
    issue,
    plan,
    rectification,
    review,
    rules,
)

from anju_contracts import Refusal, Role
from anju_contracts import risk as r
from anju_kit.clock import SHANGHAI
from anju_risk.adapters.repository import RISK_FILE_SCHEMA
from anju_risk.domain import issue as risk_issue
from anju_risk.domain import overdue, planning
from anju_risk.domain.risk_file import RiskFile

NOW = at(2026, 10, 9)


def planned() -> RiskFile:
    risk_file = RiskFile.open(facts(), "shanghai")
    planning.submit_plan(risk_file, plan(), facts(), rules(), at=NOW)
    risk_file.pull_events()
    return risk_file


def raised(*issues: r.RaiseRiskIssue) -> RiskFile:
    risk_file = planned()
    for cmd in issues or (issue(),):
        risk_issue.raise_issue(risk_file, cmd, facts(), at=NOW, by="prc-eng")
    risk_file.pull_events()
    return risk_file


def acceptance(part: str = "地下室防水") -> r.RecordPartAcceptance:
    return r.RecordPartAcceptance(project_id="prj-1", part=part, accepted_on=date(2026, 10, 20))


def test_rsk04_an_issue_keeps_severity_location_unit_deadline_and_evidence_and_owes_a_rectification() -> None:
    risk_file = planned()
    risk_issue.raise_issue(risk_file, issue(), facts(), at=NOW, by="prc-eng")
    risk_file.record_issue_states(2)
    raised_, opened, state = risk_file.pull_events()
    assert isinstance(raised_, r.RiskIssueRaised)
    assert (raised_.severity, raised_.location, raised_.responsible_unit_id) == (
        r.IssueSeverity.SERIOUS,
        "1号楼 地下室 B2 北侧外墙",
        CONTRACTOR_ORG,
    )
    assert len(raised_.evidence) == 1 and raised_.evidence[0].sha256
    assert isinstance(opened, r.ObligationOpened)
    assert (opened.rule_id, opened.obligation, opened.debtor.role, opened.debtor.id) == (
        "RSK-05",
        "rectification",
        Role.CONTRACTOR,
        CONTRACTOR_ORG,
    )
    assert opened.due_at == datetime(2026, 10, 16, tzinfo=SHANGHAI)  # 24:00 of the day the agency set
    assert opened.subject.kind == "risk_issue" and opened.subject.id == "prj-1.iss-1"
    assert isinstance(state, r.RiskIssueStateChanged) and state.version == 2 and state.status is r.IssueStatus.OPEN


def test_rsk04_the_responsible_unit_is_a_participant_and_the_process_is_in_the_plan() -> None:
    bad = issue(process_id="proc-none").model_copy(update={"responsible_unit_id": "org-unknown"})
    with pytest.raises(Refusal) as refused:
        risk_issue.raise_issue(planned(), bad, facts(), at=NOW, by="prc-eng")
    assert [f.code for f in refused.value.failures] == ["NOT_A_PARTICIPANT", "UNKNOWN_PROCESS"]


def test_rsk05_rectified_with_before_and_after_evidence_then_closed_online() -> None:
    risk_file = raised()
    risk_issue.submit_rectification(risk_file, rectification(), facts(), at=at(2026, 10, 14), by=CONTRACTOR.id)
    events = risk_file.pull_events()
    assert [type(e) for e in events] == [r.RectificationSubmitted, r.ObligationFulfilled]
    assert risk_file.issues["iss-1"].status is r.IssueStatus.RECTIFIED
    risk_issue.review_rectification(risk_file, review(), facts(), at=at(2026, 10, 15))
    [closed] = risk_file.pull_events()
    assert isinstance(closed, r.RiskIssueClosed)
    assert not risk_file.issues["iss-1"].is_open


def test_rsk05_only_a_rectified_issue_is_reviewed() -> None:
    with pytest.raises(Refusal, match="before/after") as refused:
        risk_issue.review_rectification(raised(), review(), facts(), at=NOW)
    assert refused.value.rule_id == "RSK-05"


def test_rsk05_sent_back_the_issue_is_open_again_with_a_new_deadline_owed() -> None:
    risk_file = raised()
    risk_issue.submit_rectification(risk_file, rectification(), facts(), at=at(2026, 10, 14), by=CONTRACTOR.id)
    risk_file.pull_events()
    risk_issue.review_rectification(
        risk_file,
        review(decision=r.ReviewDecision.SEND_BACK, rectify_by=date(2026, 10, 22)),
        facts(),
        at=at(2026, 10, 15),
    )
    back, opened = risk_file.pull_events()
    assert isinstance(back, r.RectificationSentBack) and back.rectify_by == date(2026, 10, 22)
    assert isinstance(opened, r.ObligationOpened) and opened.obligation_id.endswith("rectification.2")
    assert risk_file.issues["iss-1"].status is r.IssueStatus.OPEN


def closed_after_two_rounds() -> RiskFile:
    risk_file = raised()
    send_back = review(decision=r.ReviewDecision.SEND_BACK, rectify_by=date(2026, 10, 22))
    risk_issue.submit_rectification(risk_file, rectification(), facts(), at=at(2026, 10, 14), by=CONTRACTOR.id)
    risk_issue.review_rectification(risk_file, send_back, facts(), at=at(2026, 10, 15))
    risk_issue.submit_rectification(risk_file, rectification(), facts(), at=at(2026, 10, 20), by=CONTRACTOR.id)
    risk_issue.review_rectification(risk_file, review(), facts(), at=at(2026, 10, 21))
    risk_file.pull_events()
    return risk_file


def test_rsk05_a_closed_issue_is_settled_keeping_what_the_gates_listings_and_final_report_read() -> None:
    """Issue #10: a closed issue's rounds and met deadlines leave the file (its events keep them for
    ``risk.issue_history``); what is still decided on or shown of it stays."""
    settled = closed_after_two_rounds().issues["iss-1"]
    assert (settled.status, settled.rounds, settled.rectifications, settled.deadlines) == (
        r.IssueStatus.CLOSED,
        2,
        [],
        [],
    )
    assert (settled.severity, settled.part, settled.process_id, settled.description) == (
        r.IssueSeverity.SERIOUS,
        "地下室防水",
        "proc-wp",
        issue().description,
    )
    assert settled.evidence == list(issue().evidence or ())  # a retry of the raise is still seen as the same
    replayed = raised()  # closed in one round, so its deadline is still the one it was raised with
    risk_issue.submit_rectification(replayed, rectification(), facts(), at=at(2026, 10, 14), by=CONTRACTOR.id)
    risk_issue.review_rectification(replayed, review(), facts(), at=at(2026, 10, 15))
    replayed.pull_events()
    risk_issue.raise_issue(replayed, issue(), facts(), at=at(2026, 10, 15), by="prc-eng")
    risk_issue.review_rectification(replayed, review(), facts(), at=at(2026, 10, 15))
    assert replayed.pull_events() == []  # the same issue again, a close of a closed one: nothing new


def test_xc08_a_v1_file_is_upcast_with_its_closed_issues_settled_and_its_open_ones_whole() -> None:
    """XC-08: files stored before issues were settled are read in the current shape."""
    risk_file = closed_after_two_rounds()
    second = issue("iss-2", rectify_by=date(2026, 10, 30))
    risk_issue.raise_issue(risk_file, second, facts(), at=at(2026, 10, 22), by="prc-eng")
    risk_issue.submit_rectification(risk_file, rectification("iss-2"), facts(), at=at(2026, 10, 22), by=CONTRACTOR.id)
    v1 = risk_file.state()
    open_rounds = v1["issues"]["iss-2"]["rectifications"]
    v1["issues"]["iss-1"]["rectifications"] = open_rounds * 2  # as v1 kept a closed issue's rounds
    v1["issues"]["iss-1"]["deadlines"] = v1["issues"]["iss-2"]["deadlines"]
    for stored in v1["issues"].values():
        del stored["rounds"]
    upcast = RiskFile.model_validate(RISK_FILE_SCHEMA.upcast(v1, 1))
    closed, still_open = upcast.issues["iss-1"], upcast.issues["iss-2"]
    assert (closed.rounds, closed.rectifications, closed.deadlines) == (2, [], [])
    assert still_open.rounds == 1 and still_open.rectifications == risk_file.issues["iss-2"].rectifications
    assert still_open.deadlines == risk_file.issues["iss-2"].deadlines


def test_rsk05_part_acceptance_refused_while_any_issue_of_the_part_is_open_each_listed() -> None:
    risk_file = raised(issue("iss-1"), issue("iss-2", severity=r.IssueSeverity.GENERAL, location="2号楼 地下室"))
    with pytest.raises(Refusal) as refused:
        risk_issue.record_part_acceptance(risk_file, acceptance(), SUPERVISOR_ORG)
    assert [(f.rule_id, f.subject_id) for f in refused.value.failures] == [("RSK-05", "iss-1"), ("RSK-05", "iss-2")]
    assert "2号楼 地下室" in refused.value.failures[1].message
    risk_issue.record_part_acceptance(risk_file, acceptance("主体结构"), SUPERVISOR_ORG)  # another part is not held
    assert isinstance(risk_file.pull_events()[0], r.PartAccepted)


def test_rsk05_part_accepted_once_its_issues_are_closed() -> None:
    risk_file = raised()
    risk_issue.submit_rectification(risk_file, rectification(), facts(), at=NOW, by=CONTRACTOR.id)
    risk_issue.review_rectification(risk_file, review(), facts(), at=NOW)
    risk_file.pull_events()
    risk_issue.record_part_acceptance(risk_file, acceptance(), SUPERVISOR_ORG)
    [accepted] = risk_file.pull_events()
    assert isinstance(accepted, r.PartAccepted) and accepted.supervisor_id == SUPERVISOR_ORG


def test_rsk05_an_overdue_rectification_escalates_exactly_once() -> None:
    risk_file = raised()
    assert risk_file.next_due_at == datetime(2026, 10, 16, tzinfo=SHANGHAI)
    assert overdue.fire_overdue(risk_file, at(2026, 10, 15, 23)) == []
    [fired] = overdue.fire_overdue(risk_file, at(2026, 10, 16, 1))
    assert fired.issue_id == "iss-1" and fired.deadline.rule_id == "RSK-05"
    assert overdue.fire_overdue(risk_file, at(2026, 10, 17)) == []
    assert risk_file.next_due_at is None
