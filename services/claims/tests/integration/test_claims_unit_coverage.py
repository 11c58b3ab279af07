"""XC-03 一户一档: a unit's policy and coverage per building part with end dates (POL-13), for the household
file of the web — its owner, the policy's insurer and the regulator see it; another owner or insurer gets
the answer of a unit with no policy (XC-05)."""

from __future__ import annotations

import pytest
from claims_harness import INSURER, OTHER_INSURER, REGULATOR, claims_settings, load_policy, owner, policy_events, start

pytestmark = pytest.mark.integration


@pytest.fixture
async def claims(infra, unique):
    running = await start(claims_settings(infra, unique("cov").replace("-", "")))
    await load_policy(running, policy_events("pol-c", "prj-c", {"u-1": "o-1", "u-2": "o-2"}))
    yield running
    await running.stop()


async def test_xc03_pol13_a_units_coverage_per_part_for_its_owner_insurer_and_regulator_only(claims) -> None:
    for actor in (owner("o-1", "u-1"), INSURER, REGULATOR):
        answer = await claims.http.get("/v1/claims/units/u-1/coverage", headers=claims.auth(actor))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert (body["policy_id"], body["liability_starts_on"]) == ("pol-c", "2025-01-01")
        ends = {p["part"]: p["ends_on"] for p in body["parts"]}
        assert set(ends) == {"foundation_main_structure", "insulation", "waterproofing", "other"}
        assert all(e is not None and e > "2025-01-01" for e in ends.values()), ends
        assert ends["foundation_main_structure"] > ends["waterproofing"]  # the structure's period is the longest
    for stranger in (owner("o-2", "u-2"), owner("o-2", "u-1"), OTHER_INSURER):
        refused = await claims.http.get("/v1/claims/units/u-1/coverage", headers=claims.auth(stranger))
        missing = await claims.http.get("/v1/claims/units/u-none/coverage", headers=claims.auth(stranger))
        assert refused.status_code == missing.status_code == 404
        assert refused.json()["reason_code"] == missing.json()["reason_code"]
