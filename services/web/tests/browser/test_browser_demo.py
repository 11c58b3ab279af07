"""``make demo`` (issue #15): the demo seeds through the services' public APIs against registry, policy,
risk, claims and notify processes started on this run's own ports, databases and groups, and leaves what
it says — three projects (one walked to an owner's claim, one in construction with a serious issue open,
one quoted), the POL-07 filing in notify, and its people at the web's development sign-in, where the
demo's owner sees the claim in the household file (XC-03) and the regulator the projects."""

from __future__ import annotations

import json
import os
import uuid

import pytest
from web_processes import platform
from web_screens import listed, shoot

from anju_contracts import Actor, Role
from anju_web import demo

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

RUN = uuid.uuid4().hex[:8]
# One region by default (the run takes ~2 minutes on 2 cores); ANJU_WEB_DEMO_REGION=shaoxing etc. for another
REGION = os.environ.get("ANJU_WEB_DEMO_REGION", "shanghai")
QUALITY = REGION != "shaoxing"  # 安责险 alone: no quality risk file, no owners' claims (risk, claims do not start)
SERVICES = ("registry", "policy", "risk", "claims", "notify") if QUALITY else ("registry", "policy", "notify")
REGULATOR = Actor(id="reg-demo", role=Role.REGULATOR, region=REGION)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory):
    logs = tmp_path_factory.mktemp("web-demo")
    with platform(RUN, SERVICES, [("住建委", REGULATOR)], logs, region=REGION) as up:
        urls = [arg for s in SERVICES for arg in (f"--{s}", up["urls"][s])]
        urls += [] if QUALITY else ["--risk", "http://127.0.0.1:9", "--claims", "http://127.0.0.1:9"]  # not called
        assert demo.main(["--tag", RUN[:6], "--region", REGION, "--out", str(logs / "demo"), *urls]) == 0
        left = json.loads((logs / "demo" / f"{REGION}-{RUN[:6]}.json").read_text(encoding="utf-8"))
        yield up["urls"], left


def test_demo_leaves_projects_owners_a_claim_and_its_people_at_the_sign_in(seeded, browser) -> None:
    urls, left = seeded
    projects = left["projects"]
    assert [p["name"] for p in projects.values()] == ["示范花园", "示范公寓", "示范新城"]
    lived, building, quoted = projects.values()
    if not QUALITY:
        assert lived["stage"] == building["stage"] == "construction" and quoted["stage"] == "design" and left["filings"]
        return
    assert lived["stage"] == "contractor_warranty" and len(lived["owners"]) == 2 and left["claims"]
    assert building["stage"] == "construction" and quoted["stage"] == "design" and left["filings"]

    web = urls["web"]
    page = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    owner_id = lived["owners"][0]
    page.goto(f"{web}/signin")
    page.click(f"button[data-actor='{owner_id}']")  # the demo's owner, offered beside the test's actors
    page.wait_for_load_state()
    listed(page, page.url, f"#claims a[href='/claims/{left['claims'][0]}']")  # the household file lists it (XC-03)
    shoot(page, "demo-household")
    page.context.clear_cookies()

    page.goto(f"{web}/signin")
    page.click("button[data-actor='reg-demo']")
    page.wait_for_load_state()
    listed(page, f"{web}/dashboard", "#project-list >> text=示范公寓")
    assert "示范花园" in page.inner_text("#project-list")
    shoot(page, "demo-dashboard")
