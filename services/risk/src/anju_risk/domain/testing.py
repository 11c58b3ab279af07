"""Agency-commissioned testing (RSK-09): the lab's testing plan confirmed by the agency before any test;
agency tests cover at least the region's percentage of the builder's acceptance tests (the shortfall is
shown until met); the lab notifies the result within hours of obtaining it — 24 after a pass, 12 after a
fail — an hour deadline the lab owes the agency. Pure; the risk file holds the testing record.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from anju_contracts import ReasonCode, Role
from anju_contracts import risk as r
from anju_contracts.common import EvidenceRef, PartyRef, SubjectRef
from anju_contracts.underwriting import ParticipantRole
from anju_kit.deadlines import ObligationParties, TrackedDeadline, latest
from anju_risk.domain.errors import RiskError, failed, invalid_state, refuse_if
from anju_risk.domain.facts import ProjectFacts
from anju_risk.domain.rules import RiskRules

if TYPE_CHECKING:
    from anju_risk.domain.risk_file import RiskFile

LAB_NOTICE = "lab_result_notice"  # RSK-09


class TestingPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lab_id: str
    scope: str
    planned_tests: int
    document: EvidenceRef
    confirmed_at: datetime


class AgencyTest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    test_id: str
    lab_id: str
    item: str
    location: str
    commissioned_at: datetime
    passed: bool | None = None
    concluded_at: datetime | None = None
    notified_at: datetime | None = None
    report: EvidenceRef | None = None
    deadlines: list[TrackedDeadline] = Field(default_factory=list)


class Testing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: TestingPlan | None = None
    builder_tests: int = 0
    tests: dict[str, AgencyTest] = Field(default_factory=dict)

    def coverage(self, rules: RiskRules, project_id: str) -> r.TestingCoverageChanged:
        required = rules.required_agency_tests(self.builder_tests)
        done = len(self.tests)
        return r.TestingCoverageChanged(
            project_id=project_id,
            builder_tests=self.builder_tests,
            agency_tests=done,
            required=required,
            shortfall=max(0, required - done),
            min_percent=rules.agency_testing_min_percent,
        )

    def test(self, test_id: str) -> AgencyTest:
        found = self.tests.get(test_id)
        if found is None:
            raise RiskError(ReasonCode.NOT_FOUND, "no such test on this project", field="test_id")
        return found


def _lab_owes(risk_file: RiskFile, test: AgencyTest) -> ObligationParties | None:
    if risk_file.agency_id is None:
        return None
    return ObligationParties(
        debtor=PartyRef(role=Role.CONTRACTOR, id=test.lab_id),
        creditor=PartyRef(role=Role.AGENCY, id=risk_file.agency_id),
        subject=SubjectRef(kind="risk_test", id=f"{risk_file.project_id}.{test.test_id}"),
    )


def confirm_plan(risk_file: RiskFile, cmd: r.ConfirmTestingPlan, facts: ProjectFacts, *, at: datetime) -> None:
    testing = risk_file.testing
    if testing.plan is not None and (testing.plan.lab_id, testing.plan.document) == (cmd.lab_id, cmd.document):
        return
    refuse_if(
        []
        if facts.role_of(cmd.lab_id) is ParticipantRole.TESTING_LAB
        else [failed("RSK-09", "NOT_THE_LAB", "the lab is not a testing lab of the project", "lab_id")],
        field="lab_id",
    )
    testing.plan = TestingPlan(
        lab_id=cmd.lab_id, scope=cmd.scope, planned_tests=cmd.planned_tests, document=cmd.document, confirmed_at=at
    )
    risk_file.record(
        r.TestingPlanConfirmed(
            project_id=risk_file.project_id, lab_id=cmd.lab_id, planned_tests=cmd.planned_tests, document=cmd.document
        )
    )


def record_builder_tests(risk_file: RiskFile, cmd: r.RecordBuilderAcceptanceTests, rules: RiskRules) -> None:
    if risk_file.testing.builder_tests == cmd.total:
        return
    risk_file.testing.builder_tests = cmd.total
    risk_file.record(risk_file.testing.coverage(rules, risk_file.project_id))


def commission(risk_file: RiskFile, cmd: r.CommissionTest, rules: RiskRules, *, at: datetime) -> None:
    """No agency test before the plan is confirmed (RSK-09)."""
    testing = risk_file.testing
    existing = testing.tests.get(cmd.test_id)
    if existing is not None:
        if (existing.item, existing.location) == (cmd.item, cmd.location):
            return
        raise RiskError(ReasonCode.CONFLICT, "this test id names another test", field="test_id")
    if testing.plan is None:
        raise invalid_state("no testing plan is confirmed: no agency test before it", rule_id="RSK-09", field="test_id")
    testing.tests[cmd.test_id] = AgencyTest(
        test_id=cmd.test_id, lab_id=testing.plan.lab_id, item=cmd.item, location=cmd.location, commissioned_at=at
    )
    risk_file.record(
        r.TestCommissioned(
            project_id=risk_file.project_id, test_id=cmd.test_id, lab_id=testing.plan.lab_id, item=cmd.item
        )
    )
    risk_file.record(testing.coverage(rules, risk_file.project_id))


def record_result(risk_file: RiskFile, cmd: r.RecordTestResult, rules: RiskRules, *, at: datetime) -> None:
    """The notice is due ``concluded_at`` + 24 h (pass) or + 12 h (fail): an hour deadline (RSK-09)."""
    test = risk_file.testing.test(cmd.test_id)
    if test.passed is not None:
        if (test.passed, test.concluded_at) == (cmd.passed, cmd.concluded_at):
            return
        raise invalid_state("the test's result is recorded already", rule_id="RSK-09", field="test_id")
    refuse_if(
        [failed("RSK-09", "IN_THE_FUTURE", "the result cannot be obtained in the future", "concluded_at")]
        if cmd.concluded_at > at
        else [],
        field="concluded_at",
    )
    test.passed, test.concluded_at = cmd.passed, cmd.concluded_at
    due = rules.lab_notice_deadline(cmd.concluded_at, passed=cmd.passed)
    risk_file.record(
        r.TestResultRecorded(
            project_id=risk_file.project_id,
            test_id=test.test_id,
            passed=cmd.passed,
            concluded_at=cmd.concluded_at,
            notice_due_at=due.due_at,
        )
    )
    risk_file.clock_of(test.deadlines, at, _lab_owes(risk_file, test)).open(due, LAB_NOTICE)


def record_notice(risk_file: RiskFile, cmd: r.RecordLabNotice, *, at: datetime) -> None:
    test = risk_file.testing.test(cmd.test_id)
    if test.notified_at is not None:
        return
    if test.passed is None:
        raise invalid_state("no result is recorded for this test yet", rule_id="RSK-09", field="test_id")
    test.notified_at, test.report = at, cmd.report
    deadline = latest(test.deadlines, LAB_NOTICE, "open")
    late = deadline is not None and at >= deadline.due_at
    risk_file.record(
        r.LabNoticeRecorded(
            project_id=risk_file.project_id, test_id=test.test_id, notified_at=at, late=late, report=cmd.report
        )
    )
    if deadline is not None:
        risk_file.clock_of(test.deadlines, at, _lab_owes(risk_file, test)).meet(deadline, on=at.date())


def lab_of(risk_file: RiskFile | None, test_id: str) -> str | None:
    """The lab a test was commissioned from (access: only that lab reports on it)."""
    if risk_file is None:
        return None
    test = risk_file.testing.tests.get(test_id)
    return test.lab_id if test else None
