"""RSK-04 / RSK-05 in batches, on the pure domain: an inspection's issues raised together
(``RaiseRiskIssues``), a unit's rectifications (``SubmitRectifications``) and a pass of reviews
(``ReviewRectifications``). Each entry follows the single command's rule and records exactly its events;
the batch is all or nothing, every refused entry named by its place, never by what it holds (XC-09)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from risk_factories import (
    CONTRACTOR,
    ENGINEER,
    LEAD,
    SUPERVISOR_ORG,
    at,
    facts,
    issue,
    plan,
    rectification,
    ref,
    review,
    rules,
    seal,
)

from anju_contracts import Refusal, Role
from anju_contracts import risk as r
from anju_risk import access
from anju_risk.domain import final_report, planning
from anju_risk.domain import issue as risk_issue
from anju_risk.domain.risk_file import RiskFile

NOW = at(2026, 10, 9)
LATER = at(2026, 10, 14)
PROJECT = "prj-1"


def planned() -> RiskFile:
    risk_file = RiskFile.open(facts(), "shanghai")
    planning.submit_plan(risk_file, plan(), facts(), rules(), at=NOW)
    risk_file.pull_events()
    return risk_file


def found(issue_id: str, **over: Any) -> r.IssueFound:
    single = issue(issue_id, severity=r.IssueSeverity.GENERAL, process_id=None)
    values = single.model_dump(exclude={"project_id"}) | over
    return r.IssueFound(**values)


def raising(*entries: r.IssueFound) -> r.RaiseRiskIssues:
    return r.RaiseRiskIssues(project_id=PROJECT, issues=entries)


def rectifying(*issue_ids: str) -> r.SubmitRectifications:
    entries = [r.RectificationDone(**rectification(i).model_dump(exclude={"project_id"})) for i in issue_ids]
    return r.SubmitRectifications(project_id=PROJECT, rectifications=tuple(entries))


def reviewing(*entries: r.RectificationReview) -> r.ReviewRectifications:
    return r.ReviewRectifications(project_id=PROJECT, reviews=entries)


def closing(issue_id: str) -> r.RectificationReview:
    return r.RectificationReview(**review(issue_id).model_dump(exclude={"project_id"}))


def raised(*issue_ids: str) -> RiskFile:
    risk_file = planned()
    risk_issue.raise_issues(risk_file, raising(*(found(i) for i in issue_ids)), facts(), at=NOW, by="prc-eng")
    risk_file.pull_events()
    risk_file.pull_changed_issues()
    return risk_file


def snapshot(risk_file: RiskFile) -> dict[str, object]:
    return risk_file.state()


def test_rsk04_batch_records_for_each_issue_what_the_single_command_records() -> None:
    alone, batched = planned(), planned()
    for i in ("iss-1", "iss-2"):
        single = r.RaiseRiskIssue(project_id=PROJECT, **found(i).model_dump())
        risk_issue.raise_issue(alone, single, facts(), at=NOW, by="prc-eng")
    alone.record_issue_states(2)
    risk_issue.raise_issues(batched, raising(found("iss-1"), found("iss-2")), facts(), at=NOW, by="prc-eng")
    batched.record_issue_states(2)
    events = batched.pull_events()
    assert [e.model_dump() for e in events] == [e.model_dump() for e in alone.pull_events()]
    assert [type(e) for e in events] == [
        r.RiskIssueRaised,
        r.ObligationOpened,
        r.RiskIssueRaised,
        r.ObligationOpened,
        r.RiskIssueStateChanged,
        r.RiskIssueStateChanged,
    ]
    opened = [e for e in events if isinstance(e, r.ObligationOpened)]
    assert [e.subject.id for e in opened] == ["prj-1.iss-1", "prj-1.iss-2"]  # each issue on its own clock
    assert {e.debtor.role for e in opened} == {Role.CONTRACTOR}
    assert snapshot(batched) == snapshot(alone)


def test_rsk04_rsk05_batch_all_or_nothing_two_bad_entries_named_by_place() -> None:
    risk_file = planned()
    before = snapshot(risk_file)
    batch = raising(
        found("iss-1"),
        found("iss-2", responsible_unit_id="org-unknown"),
        found("iss-3"),
        found("iss-4", rectify_by=date(2026, 10, 1)),
    )
    with pytest.raises(Refusal) as refused:
        risk_issue.raise_issues(risk_file, batch, facts(), at=NOW, by="prc-eng")
    assert refused.value.reason_code == "RULE_VIOLATION" and refused.value.field == "issues"
    assert [(f.subject_id, f.rule_id, f.code) for f in refused.value.failures] == [
        ("issues.1.responsible_unit_id", "RSK-04", "NOT_A_PARTICIPANT"),
        ("issues.3.rectify_by", "RSK-05", "DEADLINE_PASSED"),
    ]
    assert "2 of 4 entries refused" in refused.value.detail
    assert "org-unknown" not in str(refused.value.failures) + refused.value.detail  # never what was sent
    assert not risk_file.changed and snapshot(risk_file) == before  # nothing of it, not even the good entries
    assert risk_file.pull_changed_issues() == []


def test_rsk04_batch_naming_an_issue_twice_is_refused() -> None:
    risk_file = planned()
    with pytest.raises(Refusal) as refused:
        risk_issue.raise_issues(
            risk_file, raising(found("iss-1"), found("iss-2"), found("iss-1")), facts(), at=NOW, by="prc-eng"
        )
    [twice] = refused.value.failures
    assert (twice.subject_id, twice.code, twice.rule_id) == ("issues.2.issue_id", "DUPLICATE_ISSUE", "RSK-04")
    assert twice.message == "the same issue as issues.0"
    assert refused.value.reason_code == "RULE_VIOLATION" and not risk_file.issues


def test_rsk05_rectification_batch_naming_an_issue_twice_is_refused() -> None:
    risk_file = raised("iss-1", "iss-2")
    with pytest.raises(Refusal) as refused:
        risk_issue.submit_rectifications(risk_file, rectifying("iss-2", "iss-2"), facts(), at=LATER, by=CONTRACTOR.id)
    assert [f.subject_id for f in refused.value.failures] == ["rectifications.1.issue_id"]
    assert all(i.status is r.IssueStatus.OPEN for i in risk_file.issues.values())


def test_rsk04_a_repeated_batch_records_nothing_and_a_taken_id_is_a_conflict() -> None:
    risk_file = raised("iss-1", "iss-2")
    risk_issue.raise_issues(risk_file, raising(found("iss-1"), found("iss-2")), facts(), at=NOW, by="prc-eng")
    assert not risk_file.changed and risk_file.pull_changed_issues() == []
    # a repeat beside a new issue: only the new one is recorded
    risk_issue.raise_issues(risk_file, raising(found("iss-1"), found("iss-3")), facts(), at=NOW, by="prc-eng")
    assert [e.issue_id for e in risk_file.pull_events() if isinstance(e, r.RiskIssueRaised)] == ["iss-3"]
    with pytest.raises(Refusal) as refused:
        risk_issue.raise_issues(
            risk_file, raising(found("iss-4"), found("iss-2", location="别处")), facts(), at=NOW, by="prc-eng"
        )
    assert refused.value.reason_code == "CONFLICT"  # every refused entry the same way: answered as one would be
    assert [f.subject_id for f in refused.value.failures] == ["issues.1.issue_id"]
    assert "iss-4" not in risk_file.issues


def test_rsk05_a_repeated_rectification_and_review_batch_records_nothing() -> None:
    risk_file = raised("iss-1", "iss-2")
    risk_issue.submit_rectifications(risk_file, rectifying("iss-1", "iss-2"), facts(), at=LATER, by=CONTRACTOR.id)
    risk_file.record_issue_states(3)
    events = risk_file.pull_events()
    assert [type(e) for e in events] == [
        r.RectificationSubmitted,
        r.ObligationFulfilled,
        r.RectificationSubmitted,
        r.ObligationFulfilled,
        r.RiskIssueStateChanged,
        r.RiskIssueStateChanged,
    ]
    risk_issue.submit_rectifications(risk_file, rectifying("iss-1", "iss-2"), facts(), at=LATER, by=CONTRACTOR.id)
    assert not risk_file.changed and risk_file.pull_changed_issues() == []
    risk_issue.review_rectifications(risk_file, reviewing(closing("iss-1"), closing("iss-2")), facts(), at=LATER)
    risk_file.record_issue_states(4)
    assert [type(e) for e in risk_file.pull_events()] == [
        r.RiskIssueClosed,
        r.RiskIssueClosed,
        r.RiskIssueStateChanged,
        r.RiskIssueStateChanged,
    ]
    risk_issue.review_rectifications(risk_file, reviewing(closing("iss-1"), closing("iss-2")), facts(), at=LATER)
    assert not risk_file.changed


def test_rsk05_review_batch_refused_whole_naming_the_unrectified_and_the_missing_deadline() -> None:
    risk_file = raised("iss-1", "iss-2", "iss-3")
    risk_issue.submit_rectifications(risk_file, rectifying("iss-1", "iss-3"), facts(), at=LATER, by=CONTRACTOR.id)
    risk_file.pull_events()
    before = snapshot(risk_file)
    back = r.RectificationReview(issue_id="iss-3", decision=r.ReviewDecision.SEND_BACK, comment="退回", rectify_by=None)
    with pytest.raises(Refusal) as refused:
        risk_issue.review_rectifications(
            risk_file, reviewing(closing("iss-1"), closing("iss-2"), back), facts(), at=LATER
        )
    assert [(f.subject_id, f.rule_id, f.code) for f in refused.value.failures] == [
        ("reviews.1.issue_id", "RSK-05", "INVALID_STATE"),
        ("reviews.2.rectify_by", "RSK-05", "VALIDATION_FAILED"),
    ]
    assert refused.value.reason_code == "RULE_VIOLATION"
    assert snapshot(risk_file) == before  # iss-1 not closed, nor its last round marked reviewed
    unknown = reviewing(closing("iss-1"), closing("iss-9"))
    with pytest.raises(Refusal) as refused:
        risk_issue.review_rectifications(risk_file, unknown, facts(), at=LATER)
    assert refused.value.reason_code == "NOT_FOUND"
    assert [f.subject_id for f in refused.value.failures] == ["reviews.1.issue_id"]


def test_rsk05_sent_back_in_a_batch_each_issue_owes_its_new_deadline_on_its_own_clock() -> None:
    risk_file = raised("iss-1", "iss-2")
    risk_issue.submit_rectifications(risk_file, rectifying("iss-1", "iss-2"), facts(), at=LATER, by=CONTRACTOR.id)
    risk_file.pull_events()
    back = r.RectificationReview(
        issue_id="iss-2", decision=r.ReviewDecision.SEND_BACK, comment="退回", rectify_by=date(2026, 10, 22)
    )
    risk_issue.review_rectifications(risk_file, reviewing(closing("iss-1"), back), facts(), at=LATER)
    closed, sent_back, opened = risk_file.pull_events()
    assert isinstance(closed, r.RiskIssueClosed) and closed.issue_id == "iss-1"
    assert isinstance(sent_back, r.RectificationSentBack) and sent_back.rectify_by == date(2026, 10, 22)
    assert isinstance(opened, r.ObligationOpened) and opened.subject.id == "prj-1.iss-2"
    assert opened.obligation_id.endswith("rectification.2")


def test_rsk07_a_sealed_file_refuses_a_batch_of_new_issues() -> None:
    risk_file = planned()
    for process_id in risk_file.processes:
        final_report.close_process(
            risk_file, r.CloseProcess(project_id=PROJECT, process_id=process_id, closed_on=date(2026, 10, 9))
        )
    final_report.seal(risk_file, seal(), ref("final.pdf", content_type="application/pdf"), rules(), at=NOW)
    risk_file.pull_events()
    with pytest.raises(Refusal) as refused:
        risk_issue.raise_issues(risk_file, raising(found("iss-1"), found("iss-2")), facts(), at=NOW, by="prc-eng")
    assert refused.value.reason_code == "INVALID_STATE"  # 409, as a single issue on a sealed file
    assert [(f.subject_id, f.rule_id) for f in refused.value.failures] == [
        ("issues.0.issue_id", "RSK-07"),
        ("issues.1.issue_id", "RSK-07"),
    ]
    assert not risk_file.issues and not risk_file.changed


def test_rsk05_part_acceptance_refused_while_a_batch_raised_issue_is_open() -> None:
    risk_file = raised("iss-1", "iss-2")
    accept = r.RecordPartAcceptance(project_id=PROJECT, part="地下室防水", accepted_on=date(2026, 10, 20))
    with pytest.raises(Refusal) as refused:
        risk_issue.record_part_acceptance(risk_file, accept, SUPERVISOR_ORG)
    assert [(f.rule_id, f.subject_id) for f in refused.value.failures] == [("RSK-05", "iss-1"), ("RSK-05", "iss-2")]
    risk_issue.submit_rectifications(risk_file, rectifying("iss-1", "iss-2"), facts(), at=LATER, by=CONTRACTOR.id)
    risk_issue.review_rectifications(risk_file, reviewing(closing("iss-1")), facts(), at=LATER)
    with pytest.raises(Refusal) as refused:  # rectified is still open until the agency closes it (销项)
        risk_issue.record_part_acceptance(risk_file, accept, SUPERVISOR_ORG)
    assert [f.subject_id for f in refused.value.failures] == ["iss-2"]
    risk_issue.review_rectifications(risk_file, reviewing(closing("iss-2")), facts(), at=LATER)
    risk_file.pull_events()
    risk_issue.record_part_acceptance(risk_file, accept, SUPERVISOR_ORG)
    assert isinstance(risk_file.pull_events()[0], r.PartAccepted)


def test_rsk04_a_batch_holds_at_most_fifty_entries() -> None:
    entries = tuple(found(f"iss-{n}") for n in range(r.MAX_ISSUES_PER_BATCH + 1))
    with pytest.raises(ValueError, match="issues"):
        raising(*entries)
    with pytest.raises(ValueError, match="issues"):
        raising()
    assert len(raising(*entries[:50]).issues) == 50


def test_rsk05_xc05_a_rectification_batch_only_by_the_responsible_unit_of_every_issue_named_by_place() -> None:
    risk_file = raised("iss-1", "iss-2")
    risk_file.issues["iss-2"].responsible_unit_id = SUPERVISOR_ORG  # another unit's issue
    access.check_command(CONTRACTOR, facts(), risk_file, rectifying("iss-1"))
    with pytest.raises(Refusal) as refused:
        access.check_command(CONTRACTOR, facts(), risk_file, rectifying("iss-1", "iss-2"))
    assert (refused.value.reason_code, refused.value.field) == ("FORBIDDEN", "rectifications.1.issue_id")
    with pytest.raises(Refusal) as refused:
        access.check_command(CONTRACTOR, facts(), risk_file, rectifying("iss-9", "iss-1"))
    assert (refused.value.reason_code, refused.value.field) == ("NOT_FOUND", "rectifications.0.issue_id")
    with pytest.raises(Refusal) as refused:  # the team reviews, it does not rectify
        access.check_command(ENGINEER, facts(), risk_file, rectifying("iss-1"))
    assert refused.value.reason_code == "FORBIDDEN"
    for batch in (raising(found("iss-3")), reviewing(closing("iss-1"))):
        access.check_command(LEAD, facts(), risk_file, batch)  # the team raises and reviews
        with pytest.raises(Refusal) as refused:
            access.check_command(CONTRACTOR, facts(), risk_file, batch)
        assert refused.value.reason_code == "FORBIDDEN"
