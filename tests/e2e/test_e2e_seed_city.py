"""End to end: ``make seed-city`` at a tiny scale keeps working (issue #10).

The seeder starts the registry, policy, risk and claims services as processes on the real infrastructure,
loads a city of one project (250 units with their owners, a risk file of ``ISSUES`` issues, its sealed
final report), 100 claims and four practitioners through their write paths, and what the services then
hold is what the plan says, with the obligations policy, risk and claims opened. A second run re-sends
the risk file, the seal, the project's completion, the owners step and every claim command (those steps
marked undone): the services apply each once, so nothing is duplicated. (The earlier project steps are
not re-sent; the owners step finds every unit recorded and sends nothing, as a resumed seed does.)
``ANJU_E2E_SEED_BASE_PORT`` and ``ANJU_E2E_SEED_DB_PREFIX`` move the four services' ports (default
18451 … 18454) and databases (``t_seed_<run>_…``) off those another worker on the machine uses.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from anju_kit.mongo import connect
from anju_kit.settings import ServiceSettings
from tests.bench.city.drop import drop_city
from tests.bench.city.manifest import CITY
from tests.bench.city.processes import CityNames
from tests.bench.city.seed import Options, seed

# a few minutes on the shared 2 cores (the owners were most of ~6 min one by one; batches take seconds)
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

SCALE = 0.0005
SWEEPS = ("policy.ObligationOverdue", "risk.DeadlineOverdue")  # a service's own change, not a command
ISSUES = 60  # more than one batch of each kind (≤ 50); all 250 take ~9 s (README, "City scale")


@pytest.fixture
async def options(tmp_path: Path) -> AsyncIterator[Options]:
    run = uuid.uuid4().hex[:8]
    prefix = f"{os.environ.get('ANJU_E2E_SEED_DB_PREFIX', 't_seed')}_{run}"
    # ids of its own: another city on the shared topics (a developer's seed) must not fold this one's events
    tag = f"t{run}"
    yield Options(
        scale=SCALE,
        prefix=prefix,
        slice_docs=0,
        log_dir=tmp_path,
        base_port=int(os.environ.get("ANJU_E2E_SEED_BASE_PORT", "18450")),
        issues_per_project=ISSUES,
        tag=tag,
    )
    await drop_city(prefix, "shanghai")


async def test_seed_city_at_a_tiny_scale_holds_what_the_plan_says_and_a_rerun_duplicates_nothing(
    options: Options,
) -> None:
    figures = await seed(options)

    stored, planned = figures["stored"], figures["planned"]
    assert {k: stored.get(k, 0) for k in planned} == planned
    assert planned["claims reported"] > 0 and planned["claims not_covered"] > 0 and planned["claims paid"] > 0
    assert planned["policies issued"] == 1 and planned["units with owners"] == 250
    assert planned["risk issues closed"] > 0 and planned["risk issues open"] > 0
    for service in ("policy", "risk", "claims"):
        assert stored.get(f"obligations opened ({service})", 0) > 0, stored
    answers = figures["answers"]
    assert all(set(counts) <= {"applied", "duplicate"} for counts in answers.values()), answers
    names = CityNames(options.prefix, "shanghai")
    mongo = connect(ServiceSettings())
    try:
        before = await _city_documents(mongo, names, str(options.tag))
        manifest = mongo[names.city_database]["manifest"]
        doc = await manifest.find_one({"_id": CITY})
        assert doc is not None and doc["finished_at"] is not None
        resent = ("risk:", "projects:0000:completed", "owners:", "reports:", "steps:")
        kept = {k: v for k, v in doc["steps"].items() if not k.startswith(resent)}
        await manifest.update_one({"_id": CITY}, {"$set": {"steps": kept, "finished_at": None}})
    finally:
        await mongo.close()

    again = await seed(options)

    assert again["stored"] == figures["stored"]
    mongo = connect(ServiceSettings())
    try:
        assert await _city_documents(mongo, names, str(options.tag)) == before
    finally:
        await mongo.close()


async def _city_documents(mongo: Any, names: CityNames, tag: str) -> dict[str, int]:
    """The city's own commit-log entries and units (others' tests on the shared topics may add theirs).
    The sweepers' own changes are left out: each service's sweeper looks at once when it starts, so the
    second run's fires what fell overdue since (policy's POL-07 upload, dated in the past), once."""
    db, projects = mongo[names.database("claims")], {"_id": {"$gte": f"{tag}-prj-", "$lt": f"{tag}-prj-~"}}
    commands = projects | {"history.action": {"$nin": list(SWEEPS)}}
    return {
        "claims_log": await db["claims_log"].count_documents({"_id": {"$gte": f"{tag}-clm-", "$lt": f"{tag}-clm-~"}}),
        "policy_units": await db["policy_units"].count_documents({"_id": {"$gte": f"{tag}-u-", "$lt": f"{tag}-u-~"}}),
        "projects_log": await mongo[names.database("policy")]["projects_log"].count_documents(commands),
        "risk_files_log": await mongo[names.database("risk")]["risk_files_log"].count_documents(commands),
    }
