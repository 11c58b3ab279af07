"""Personal data in claims (XC-09): accepted only masked, never shown or logged in full."""

from __future__ import annotations

import pytest
from claims_harness import (
    INSURER,
    REGULATOR,
    Running,
    claims_settings,
    load_policy,
    owner,
    policy_events,
    report_body,
    start,
)

pytestmark = pytest.mark.integration

FULL_PHONE = "13912345678"


@pytest.fixture
async def claims(infra, unique):
    running = await start(claims_settings(infra, unique("p").replace("-", "")))
    await load_policy(running, policy_events("pol-p", "prj-p", {"u-1": "o-1"}))
    yield running
    await running.stop()


async def test_xc09_a_phone_sent_in_full_is_refused_and_nothing_is_stored(claims: Running, capsys) -> None:
    body = report_body("c-full", "u-1", "o-1") | {"contact_phone_masked": FULL_PHONE}
    answer = await claims.http.post("/v1/claims", json=body, headers=claims.auth(owner("o-1", "u-1")))
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["reason_code"] == "VALIDATION_FAILED"
    assert any(p["field"].endswith("contact_phone_masked") for p in problem["problems"])
    assert FULL_PHONE not in answer.text  # the refusal does not echo the number back
    missing = await claims.http.get("/v1/claims/c-full", headers=claims.auth(REGULATOR))
    assert missing.status_code == 404
    assert FULL_PHONE not in capsys.readouterr().out


async def test_xc09_masked_contact_is_shown_masked_to_every_role(claims: Running, capsys) -> None:
    body = report_body("c-masked", "u-1", "o-1") | {"contact_phone_masked": "139****5678"}
    created = await claims.http.post("/v1/claims", json=body, headers=claims.auth(owner("o-1", "u-1")))
    assert created.status_code == 201, created.text
    for actor in (owner("o-1", "u-1"), INSURER, REGULATOR):
        view = await claims.http.get("/v1/claims/c-masked", headers=claims.auth(actor))
        assert view.status_code == 200
        assert FULL_PHONE not in view.text
    assert FULL_PHONE not in capsys.readouterr().out
