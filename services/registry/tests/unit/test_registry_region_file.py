"""XC-06: a region's rules come from its region file alone — change the file, the verdict changes; an
unknown region or a broken file stops the service before it serves anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from anju_contracts.registry import FailedCondition, KeyPosition, KeyPositionKind
from anju_kit.regions import RegionError, load_region
from anju_registry.bootstrap import create_app
from anju_registry.config import RegistrySettings
from anju_registry.domain.assignment import TeamContext, assignment_failures
from anju_registry.domain.rules import RegistryRules, registry_rules

REGIONS_DIR = Path(__file__).resolve().parents[4] / "regions"


def _copy(tmp_path: Path, code: str, old: str, new: str) -> Path:
    """``regions/<code>.yaml`` copied into ``tmp_path`` with one line changed."""
    text = (REGIONS_DIR / f"{code}.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {code}.yaml"
    (tmp_path / f"{code}.yaml").write_text(text.replace(old, new), encoding="utf-8")
    return tmp_path


def _rules(code: str, regions_dir: Path) -> RegistryRules:
    return registry_rules(load_region(code, regions_dir))


def _assign(
    rules: RegistryRules, ctx: TeamContext, key_positions: tuple[KeyPosition, ...] = ()
) -> list[FailedCondition]:
    return assignment_failures(
        project_id="prj-2",
        agency_id="ag-1",
        lead_id="p-lead",
        member_ids=(),
        technical_lead_id=None,
        participating_units=(),
        key_positions=key_positions,
        ctx=ctx,
        rules=rules,
    )


def test_xc06_lead_limit_comes_from_the_region_file_alone(
    tmp_path: Path, person: Any, agency: Any, make_context: Any
) -> None:
    one_project = _copy(tmp_path, "shanghai", "max_concurrent_projects: 10", "max_concurrent_projects: 1")
    ctx = make_context(agency(), [person("p-lead")], load=1)  # the lead already runs one project
    assert _assign(_rules("shanghai", REGIONS_DIR), ctx) == []
    refused = _assign(_rules("shanghai", one_project), ctx)
    assert [(f.rule_id, f.code) for f in refused] == [("REG-03", "LEAD_TOO_MANY_PROJECTS")]
    assert "at most 1 at once" in refused[0].message


def test_xc06_dedicated_lead_flag_comes_from_the_region_file_alone(
    tmp_path: Path, person: Any, agency: Any, make_context: Any
) -> None:
    not_dedicated = _copy(tmp_path, "hangzhou", "    dedicated: true ", "    dedicated: false ")
    ctx = make_context(agency(region_code="hangzhou"), [person("p-lead")])
    elsewhere = (
        KeyPosition(practitioner_id="p-lead", position=KeyPositionKind.SUPERVISING_ENGINEER, project_id="prj-9"),
    )
    assert [f.code for f in _assign(_rules("hangzhou", REGIONS_DIR), ctx, elsewhere)] == ["LEAD_NOT_DEDICATED"]
    assert _assign(_rules("hangzhou", not_dedicated), ctx, elsewhere) == []


def test_xc06_unknown_region_stops_create_app_naming_the_file(tmp_path: Path) -> None:
    _copy(tmp_path, "shanghai", "code: shanghai", "code: shanghai")
    with pytest.raises(RegionError) as stopped:
        create_app(RegistrySettings.load(region="atlantis", regions_dir=tmp_path))
    message = str(stopped.value)
    assert str(tmp_path / "atlantis.yaml") in message and "known regions: shanghai" in message


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("max_concurrent_projects: 10", "max_concurrent_projects: 0", "registry.project_lead.max_concurrent_projects"),
        ("    dedicated: false ", "    dedicated: [oops ", "cannot read region file"),
        ("code: shanghai", "code: hangzhou", "does not match the file name"),
    ],
)
def test_xc06_broken_region_file_stops_create_app_naming_the_file(
    tmp_path: Path, old: str, new: str, says: str
) -> None:
    broken = _copy(tmp_path, "shanghai", old, new)
    with pytest.raises(RegionError) as stopped:
        create_app(RegistrySettings.load(region="shanghai", regions_dir=broken))
    message = str(stopped.value)
    assert str(broken / "shanghai.yaml") in message and says in message
