"""The agency through the registry (POL-08), completion milestones (POL-09, POL-10), the liability period
per building part (POL-13) and overdue obligations (XC-02) on the pure domain."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from policy_factories import (
    assignment_refused,
    at,
    contract,
    issue,
    payment,
    register,
    rules,
    select_agency,
    team_assigned,
)

from anju_contracts import Role
from anju_contracts import registry as r
from anju_contracts import underwriting as u
from anju_contracts.common import EvidenceRef
from anju_contracts.policy import BuildingPart, LiabilityPeriodStarted, ProjectStage, UnitOwnersChanged
from anju_contracts.risk import FinalReportSealed
from anju_kit.clock import SHANGHAI
from anju_policy.domain import agency, milestones
from anju_policy.domain.errors import PolicyError
from anju_policy.domain.owners import protect
from anju_policy.domain.project import Project

FULL = Decimal("752456.25")
MINUTES = EvidenceRef(
    key="shanghai/policy/project/prj-1/evidence/0001-纪要.pdf", sha256="d" * 64, size=10, content_type="application/pdf"
)


def stage(project: Project, s: ProjectStage, on: date) -> None:
    milestones.advance(
        project, u.AdvanceStage(project_id=project.project_id, stage=s, on=on), rules(), at=at(2026, 1, 1)
    )


def issued(region: str = "shanghai", line: str = "idi") -> Project:
    project = Project.register(register(line=line), rules(region))
    agency.select_agency(project, select_agency())
    agency.team_assigned(project, team_assigned())
    project.sign_insurance_contract(contract())
    project.record_payment(payment(project.premium))
    project.issue(issue(on=date(2026, 3, 25)), rules(region), at=at(2026, 3, 25))
    project.pull_events()
    return project


def sealed(project: Project) -> None:
    milestones.final_report_sealed(
        project,
        FinalReportSealed(
            project_id=project.project_id,
            report_key="shanghai/risk/project/prj-1/documents/final.pdf",
            report_sha256="c" * 64,
            sealed_at=datetime(2028, 5, 20, 15, tzinfo=SHANGHAI),
        ),
    )


def filed(on: date = date(2028, 6, 30)) -> Project:
    project = issued()
    stage(project, ProjectStage.CONSTRUCTION, date(2026, 4, 1))
    sealed(project)
    stage(project, ProjectStage.COMPLETION_ACCEPTANCE, on - timedelta(days=20))
    project.pull_events()
    milestones.file_completion(project, on, rules(), at=datetime.combine(on, datetime.min.time(), tzinfo=SHANGHAI))
    return project


def test_pol08_selecting_an_agency_asks_the_registry_for_the_team_in_the_same_write() -> None:
    project = Project.register(register(), rules())
    project.pull_events()
    agency.select_agency(project, select_agency())
    selected, command = project.pull_events()
    assert isinstance(selected, u.AgencySelected) and selected.first_period_fee_yuan == Decimal("30000.00")
    assert isinstance(command, r.AssignTeam) and command.TOPIC == "anju.registry.commands.v1"
    assert (command.insurer_id, command.agency_id, command.lead_id) == ("ins-a", "ag-1", "pr-lead-1")
    roles = {x.organisation_id: x.role for x in command.participating_units}
    assert roles["org-con-1"] is r.UnitRole.CONSTRUCTION and roles["org-bld-1"] is r.UnitRole.BUILDER
    assert project.risk_contract is None  # in force only once the registry assigns the team


def test_pol08_a_registry_refusal_is_kept_with_its_rule_ids_and_blocks_the_insurance_contract() -> None:
    project = Project.register(register(), rules())
    agency.select_agency(project, select_agency())
    agency.assignment_refused(project, assignment_refused())
    assert project.assignment is not None and project.assignment.status == "refused"
    shown = project.state()["assignment"]
    assert [f["rule_id"] for f in shown["failed"]] == ["REG-04", "REG-03"]  # GET /projects/{id} shows this
    with pytest.raises(PolicyError) as error:
        project.sign_insurance_contract(contract())
    assert [(f.rule_id, f.code) for f in error.value.failures] == [("POL-08", "TEAM_NOT_ASSIGNED")]
    agency.select_agency(project, select_agency(agency_id="ag-2"))  # another agency after a refusal
    agency.team_assigned(project, team_assigned(agency_id="ag-2"))
    project.sign_insurance_contract(contract())
    assert project.risk_contract is not None and project.risk_contract.agency_id == "ag-2"


def test_pol08_another_insurers_assignment_is_not_taken_as_the_answer() -> None:
    project = Project.register(register(), rules())
    agency.select_agency(project, select_agency())
    agency.team_assigned(project, team_assigned().model_copy(update={"insurer_id": "ins-b"}))
    assert project.risk_contract is None


def test_pol09_completion_acceptance_refused_without_the_sealed_final_report() -> None:
    project = issued()
    stage(project, ProjectStage.CONSTRUCTION, date(2026, 9, 1))
    with pytest.raises(PolicyError) as error:
        stage(project, ProjectStage.COMPLETION_ACCEPTANCE, date(2028, 6, 1))
    assert [(f.rule_id, f.code) for f in error.value.failures] == [("RSK-07", "NO_SEALED_FINAL_REPORT")]
    sealed(project)
    stage(project, ProjectStage.COMPLETION_ACCEPTANCE, date(2028, 6, 1))
    assert project.stage is ProjectStage.COMPLETION_ACCEPTANCE


def test_pol09_completion_filing_starts_the_contractor_warranty_and_fixes_the_liability_start() -> None:
    project = filed(date(2028, 6, 30))
    events = project.pull_events()
    started = next(e for e in events if isinstance(e, LiabilityPeriodStarted))
    assert started.contractor_warranty_end == date(2030, 6, 29)  # CLM-10: two years from filing
    assert started.liability_starts_on == date(2030, 6, 30)
    assert started.contractor_id == "org-con-1" and started.policy_id == "pol-1"
    assert project.stage is ProjectStage.CONTRACTOR_WARRANTY
    opened = {e.obligation: e for e in events if isinstance(e, u.ObligationOpened)}
    assert opened["joint_inspection_and_claims_briefing"].last_day == date(2030, 4, 30)  # ≥ 2 months before
    assert opened["announce_to_all_owners"].last_day == date(2030, 5, 30)  # ≥ 1 month before
    assert all(e.rule_id == "POL-09" for k, e in opened.items() if k != "deliver_user_documents")


def test_pol13_coverage_per_building_part_from_the_region_defaults() -> None:
    started = next(e for e in filed(date(2028, 6, 30)).pull_events() if isinstance(e, LiabilityPeriodStarted))
    ends = {c.part: c.ends_on for c in started.coverage}
    assert ends[BuildingPart.FOUNDATION_MAIN_STRUCTURE] == date(2040, 6, 29)  # 10 years
    assert ends[BuildingPart.INSULATION] == ends[BuildingPart.WATERPROOFING] == date(2035, 6, 29)  # 5 years
    assert ends[BuildingPart.OTHER] == date(2032, 6, 29)  # 2 years
    assert {c.starts_on for c in started.coverage} == {date(2030, 6, 30)}


def test_pol10_user_documents_due_within_three_working_days_to_the_builder() -> None:
    events = filed(date(2026, 9, 30)).pull_events()
    opened = next(e for e in events if isinstance(e, u.ObligationOpened) and e.obligation == "deliver_user_documents")
    assert opened.rule_id == "POL-10" and opened.last_day == date(2026, 10, 10)  # 调休 Saturday counts
    assert (opened.creditor.role, opened.creditor.id) == (Role.BUILDER, "org-bld-1")


def test_pol10_the_revisit_notice_is_signed_by_builder_contractor_and_property_manager() -> None:
    project = filed()
    cmd = u.RecordMilestone(
        project_id="prj-1",
        step=u.MilestoneStep.REVISIT_NOTICE_SIGNED,
        on=date(2028, 9, 1),
        document=MINUTES,
        signed_by=(u.RevisitSigner.BUILDER, u.RevisitSigner.CONTRACTOR),
    )
    with pytest.raises(PolicyError) as error:
        milestones.record_step(project, cmd, at=at(2028, 9, 1))
    assert [f.code for f in error.value.failures] == ["NOT_SIGNED_BY_ALL"] and error.value.rule_id == "POL-10"
    milestones.record_step(project, cmd.model_copy(update={"signed_by": tuple(u.RevisitSigner)}), at=at(2028, 9, 1))
    assert u.MilestoneStep.REVISIT_NOTICE_SIGNED in project.milestones.steps


def test_pol09_the_joint_inspection_needs_its_minutes_and_meets_its_obligation() -> None:
    project = filed()
    project.pull_events()
    step = u.RecordMilestone(project_id="prj-1", step=u.MilestoneStep.JOINT_INSPECTION_HELD, on=date(2030, 3, 1))
    with pytest.raises(PolicyError):
        milestones.record_step(project, step, at=at(2030, 3, 1))
    milestones.record_step(project, step.model_copy(update={"document": MINUTES}), at=at(2030, 3, 1))
    types = [e.TYPE for e in project.pull_events()]
    assert types == ["policy.MilestoneRecorded", "policy.ObligationFulfilled"]


def test_pol09_milestone_steps_before_completion_filing_are_refused() -> None:
    project = issued()
    step = u.RecordMilestone(
        project_id="prj-1", step=u.MilestoneStep.OWNERS_ANNOUNCED, on=date(2027, 1, 4), document=MINUTES
    )
    with pytest.raises(PolicyError) as error:
        milestones.record_step(project, step, at=at(2027, 1, 4))
    assert error.value.rule_id == "POL-09"


def test_xc02_an_unmet_obligation_is_reported_overdue_once() -> None:
    project = filed(date(2026, 9, 30))
    project.pull_events()
    late = datetime(2026, 10, 11, 0, 1, tzinfo=SHANGHAI)
    fired = milestones.fire_overdue(project, late)
    assert [(e.obligation, e.rule_id) for e in fired] == [  # type: ignore[attr-defined]
        ("upload_contract_to_regulator", "POL-07"),  # never uploaded since the issue
        ("deliver_user_documents", "POL-10"),
    ]
    assert milestones.fire_overdue(project, late + timedelta(days=1)) == []
    assert milestones.fire_overdue(project, datetime(2028, 1, 1, tzinfo=UTC)) == []  # the others are months away


def test_xc09_owners_are_published_as_opaque_ids_and_masked_numbers_only() -> None:
    project = issued()
    owner = protect("张三", "310101199001011234", "secret")
    milestones.set_owners(project, "prj-1-u-1", [owner], date(2028, 9, 1))
    (changed,) = project.pull_events()
    assert isinstance(changed, UnitOwnersChanged)
    assert changed.owners[0].owner_id == owner.owner_id and owner.owner_id.startswith("own-")
    assert changed.owners[0].id_number_masked == "310***********1234"
    assert "310101199001011234" not in changed.model_dump_json() + str(project.state())
    assert protect("张三", "310101199001011234", "secret").owner_id == owner.owner_id  # one person, one owner id
