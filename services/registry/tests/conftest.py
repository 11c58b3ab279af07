"""Registry test fixtures: real region files, a frozen clock and factories for the aggregates. Builders
shared as modules (``registry_standings``) are made importable here: pytest runs with
--import-mode=importlib, which does not put test directories on sys.path."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from anju_contracts.registry import (
    PractitionerRole,
    QualificationEvidence,
    QualificationPath,
    RegisteredLicence,
    SupervisionGrade,
    TechnicalTitle,
)
from anju_kit.clock import SHANGHAI, FrozenClock, today_in_shanghai
from anju_kit.regions import RegionRules, load_region
from anju_registry.domain.agency import Agency
from anju_registry.domain.assignment import TeamContext
from anju_registry.domain.practitioner import Practitioner, ProtectedIdentity
from anju_registry.domain.rules import RegistryRules, registry_rules

if (_HERE := str(Path(__file__).resolve().parent)) not in sys.path:
    sys.path.insert(0, _HERE)

REGIONS_DIR = Path(__file__).resolve().parents[3] / "regions"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def today(clock: FrozenClock) -> date:
    return today_in_shanghai(clock)


@pytest.fixture(scope="session")
def region() -> Callable[[str], RegionRules]:
    return lambda code: load_region(code, REGIONS_DIR)


@pytest.fixture(scope="session")
def rules() -> Callable[[str], RegistryRules]:
    return lambda code: registry_rules(load_region(code, REGIONS_DIR))


def identity(n: int = 1) -> ProtectedIdentity:
    return ProtectedIdentity(
        name="张三",
        name_masked="张*",
        id_number_hash=f"h-id-{n}",
        id_number_masked="310***********1234",
        phone_hash=f"h-ph-{n}",
        phone_masked="138****5678",
    )


def years_ago(today: date, years: int) -> date:
    return today.replace(year=today.year - years)


@pytest.fixture
def person(today: date, rules: Callable[[str], RegistryRules]) -> Callable[..., Practitioner]:
    """An approved practitioner of agency ``ag-1`` (override anything)."""

    def make(
        pid: str = "p-lead",
        *,
        agency_id: str = "ag-1",
        title: TechnicalTitle = TechnicalTitle.SENIOR_ENGINEER,
        years: int = 20,
        licence: bool = True,
        roles: tuple[PractitionerRole, ...] = (PractitionerRole.PROJECT_LEAD,),
        region_code: str = "shanghai",
        approve: bool = True,
    ) -> Practitioner:
        licences = (
            (RegisteredLicence(kind="registered_structural_engineer", level=1, number=f"S-{pid}"),) if licence else ()
        )
        p = Practitioner.apply(
            practitioner_id=pid,
            agency_id=agency_id,
            identity=identity(),
            title=title,
            registered_licences=licences,
            career_start=years_ago(today, years),
            roles=roles,
        )
        if approve:
            p.approve(rules=rules(region_code), today=today)
        p.pull_events()
        return p

    return make


def evidence(**overrides: Any) -> QualificationEvidence:
    base: dict[str, Any] = {
        "path": QualificationPath.SUPERVISION_LICENCE,
        "supervision_grade": SupervisionGrade.COMPREHENSIVE,
        "licence_number": "E131000001",
        "document_keys": ("evidence/ag-1/licence.pdf",),
    }
    base.update(overrides)
    return QualificationEvidence(**base)


@pytest.fixture
def agency(rules: Callable[[str], RegistryRules]) -> Callable[..., Agency]:
    """An agency admitted to the pool of ``region_code``."""

    def make(agency_id: str = "ag-1", region_code: str = "shanghai", **evidence_overrides: Any) -> Agency:
        r = rules(region_code)
        a = Agency.nominate(
            agency_id=agency_id,
            name="上海某风险管理有限公司",
            credit_code="91310000MA1K000001",
            insurer_id="ins-1",
            evidence=evidence(**evidence_overrides),
            rules=r,
        )
        a.admit(by="reg-1", rules=r)
        a.pull_events()
        return a

    return make


def context(agency: Agency | None, people: list[Practitioner], today: date, load: int = 0) -> TeamContext:
    return TeamContext(
        agency=agency, people={p.practitioner_id: p for p in people}, lead_active_projects=load, today=today
    )


@pytest.fixture
def make_evidence() -> Callable[..., QualificationEvidence]:
    return evidence


@pytest.fixture
def make_context(today: date) -> Callable[..., TeamContext]:
    return lambda agency, people, load=0: context(agency, people, today, load)


@pytest.fixture
def make_identity() -> Callable[[int], ProtectedIdentity]:
    return identity
