"""Many units' owners in one change from the builder's sales roster (批量导入), on the pure domain: all or
nothing, each refused entry named by its place and never by what it holds (CLM-01, XC-09)."""

from __future__ import annotations

from datetime import date

import pytest
from policy_factories import at, contract, issue, payment, register, rules, select_agency, team_assigned

from anju_contracts import ReasonCode
from anju_contracts.policy import UnitOwnersChanged
from anju_policy.domain import agency, milestones
from anju_policy.domain.errors import PolicyError
from anju_policy.domain.milestones import UnitSale
from anju_policy.domain.owners import UnitOwner, protect
from anju_policy.domain.project import Project

ON = date(2028, 9, 1)
ZHANG = protect("张三", "310101199001011234", "secret")
LI = protect("李四", "31010119850505432X", "secret")


def issued() -> Project:
    project = Project.register(register(), rules())
    agency.select_agency(project, select_agency())
    agency.team_assigned(project, team_assigned())
    project.sign_insurance_contract(contract())
    project.record_payment(payment(project.premium))
    project.issue(issue(on=date(2026, 3, 25)), rules(), at=at(2026, 3, 25))
    project.pull_events()
    return project


def sale(unit_id: str, *owners: UnitOwner) -> UnitSale:
    return UnitSale(unit_id, list(owners) or [ZHANG], ON)


def test_clm01_xc09_a_batch_registers_every_unit_in_one_change() -> None:
    project = issued()
    milestones.set_owners_of_units(project, [sale("prj-1-u-1", ZHANG), sale("prj-1-u-2", ZHANG, LI)])
    events = project.pull_events()
    assert [(type(e), e.unit_id) for e in events] == [  # type: ignore[attr-defined]
        (UnitOwnersChanged, "prj-1-u-1"),
        (UnitOwnersChanged, "prj-1-u-2"),
    ]
    assert project.owner_refs("prj-1-u-2") == (ZHANG.ref(), LI.ref())
    assert "310101199001011234" not in "".join(e.model_dump_json() for e in events) + str(project.state())


def test_clm01_one_unknown_unit_refuses_the_batch_names_its_entry_and_applies_nothing() -> None:
    project = issued()
    with pytest.raises(PolicyError) as refused:
        milestones.set_owners_of_units(project, [sale("prj-1-u-1"), sale("prj-1-u-99"), sale("prj-1-u-98")])
    error = refused.value
    assert error.reason_code == ReasonCode.NOT_FOUND  # as the single command answers an unknown unit
    assert error.field == "entries" and error.rule_id == "CLM-01"
    assert [(f.subject_id, f.code) for f in error.failures] == [
        ("entries.1.unit_id", "NOT_FOUND"),
        ("entries.2.unit_id", "NOT_FOUND"),
    ]
    assert [p.field for p in error.problems] == ["entries.1.unit_id", "entries.2.unit_id"]
    assert "prj-1-u-99" not in str(error) + "".join(p.message for p in error.problems)  # never the value
    assert project.pull_events() == [] and project.owners == {}  # the good entry was not applied either


def test_clm01_before_the_policy_is_issued_every_changed_entry_is_refused() -> None:
    project = Project.register(register(), rules())
    project.pull_events()
    with pytest.raises(PolicyError) as refused:
        milestones.set_owners_of_units(project, [sale("prj-1-u-1"), sale("prj-1-u-2")])
    assert refused.value.reason_code == "INVALID_STATE"  # 409, as the single command
    assert [f.subject_id for f in refused.value.failures] == ["entries.0.unit_id", "entries.1.unit_id"]


def test_clm01_a_mix_of_refusals_is_one_rule_violation_listing_each() -> None:
    project = Project.register(register(), rules())
    project.pull_events()
    with pytest.raises(PolicyError) as refused:
        milestones.set_owners_of_units(project, [sale("prj-1-u-9"), sale("prj-1-u-2")])
    assert refused.value.reason_code == ReasonCode.RULE_VIOLATION
    assert [(f.subject_id, f.code) for f in refused.value.failures] == [
        ("entries.0.unit_id", "NOT_FOUND"),
        ("entries.1.unit_id", "INVALID_STATE"),
    ]


def test_clm01_xc09_a_unit_named_twice_is_refused_naming_the_second_entry() -> None:
    project = issued()
    with pytest.raises(PolicyError) as refused:
        milestones.set_owners_of_units(project, [sale("prj-1-u-1", ZHANG), sale("prj-1-u-2"), sale("prj-1-u-1", LI)])
    error = refused.value
    assert error.reason_code == ReasonCode.RULE_VIOLATION  # 422: which buyers win is the sender's to say
    assert [(f.subject_id, f.code) for f in error.failures] == [("entries.2.unit_id", "DUPLICATE_UNIT")]
    assert "prj-1-u-1" not in error.detail + error.failures[0].message
    assert project.pull_events() == [] and project.owners == {}


def test_clm01_units_whose_owners_are_unchanged_record_nothing() -> None:
    project = issued()
    milestones.set_owners(project, "prj-1-u-1", [ZHANG], ON)
    project.pull_events()
    milestones.set_owners_of_units(project, [sale("prj-1-u-1", ZHANG), sale("prj-1-u-2", LI)])
    assert [e.unit_id for e in project.pull_events()] == ["prj-1-u-2"]  # type: ignore[attr-defined]
    milestones.set_owners_of_units(project, [sale("prj-1-u-1", ZHANG), sale("prj-1-u-2", LI)])
    assert project.pull_events() == []  # the same roster again: no change to store
