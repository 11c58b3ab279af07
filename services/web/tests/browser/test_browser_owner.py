"""In a real browser (Debian's Chromium driven by Playwright) against real claims and web processes on the
real Kafka, FerretDB and MinIO (issue #15, "must show"):

* the owner signs in, opens the household file (一户一档, XC-03), reports a claim with a photo taken on the
  phone — uploaded straight to MinIO through claims' presigned URL with progress — and sees the claim's
  legal deadline (CLM-02/03 clock started at the report, XC-01);
* a second owner opening the first owner's file gets the page 未找到 (XC-05: the services decide; the web
  adds nothing).

Claims learns the policy as it does in production, from ``PolicyIssued`` and ``LiabilityPeriodStarted`` on
``anju.policy.events.v1`` signed as the policy service.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image
from web_processes import platform, run_async
from web_screens import first_render, listed, shoot

from anju_contracts import Actor, Envelope, Role, topics
from anju_contracts import claims as c
from anju_contracts.base import ContractModel
from anju_contracts.policy import LiabilityPeriodStarted, OwnerRef, PolicyIssued, PolicyUnit
from anju_kit.auth import ActorTokens, issue_token, service_actor
from anju_kit.clock import SHANGHAI
from anju_kit.settings import ServiceSettings
from tests.bench.city.kafka_io import Sender, wait_drained

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

RUN = uuid.uuid4().hex[:8]
REGION = "shanghai"
UNIT_1, UNIT_2 = f"u-web-{RUN}-101", f"u-web-{RUN}-102"
OWNER_1 = Actor(id=f"own-web-{RUN}-1", role=Role.OWNER, region=REGION, unit_ids=(UNIT_1,))
OWNER_2 = Actor(id=f"own-web-{RUN}-2", role=Role.OWNER, region=REGION, unit_ids=(UNIT_2,))
INSURER = Actor(id=f"desk-web-{RUN}", role=Role.INSURER, region=REGION, insurer_id=f"ins-web-{RUN}")
REGULATOR = Actor(id=f"reg-web-{RUN}", role=Role.REGULATOR, region=REGION)


def _policy_events() -> list[Envelope]:
    policy_id, project_id = f"pol-web-{RUN}", f"prj-web-{RUN}"
    starts = date.today() - timedelta(days=400)  # in the liability period today; the contractor's warranty over
    units = (
        PolicyUnit(unit_id=UNIT_1, address="1号楼101室", owners=(OwnerRef(owner_id=OWNER_1.id),)),
        PolicyUnit(unit_id=UNIT_2, address="1号楼102室", owners=(OwnerRef(owner_id=OWNER_2.id),)),
    )
    issued = PolicyIssued(
        policy_id=policy_id, project_id=project_id, insurer_id=f"ins-web-{RUN}", issued_on=starts - timedelta(days=900),
        units=units,
    )  # fmt: skip
    started = LiabilityPeriodStarted(
        policy_id=policy_id, project_id=project_id, liability_starts_on=starts, contractor_id=f"con-web-{RUN}",
        contractor_warranty_end=starts - timedelta(days=1),
    )  # fmt: skip
    actor = service_actor("policy", REGION)
    return [Envelope.wrap(m, region=REGION, producer="policy", actor=actor, key=policy_id) for m in (issued, started)]


async def _publish_policy(suffix: str, alive) -> None:
    settings = ServiceSettings()
    sender = Sender(settings.kafka_bootstrap, ActorTokens.from_settings(settings))
    await sender.start()
    try:
        ends = await sender.send(topics.POLICY.events, _policy_events())
    finally:
        await sender.stop()
    await wait_drained(settings.kafka_bootstrap, f"anju-claims-policy{suffix}", ends, alive=alive, stall_s=120)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory):
    logs = tmp_path_factory.mktemp("web-owner")
    actors = [
        ("业主一（101室）", OWNER_1),
        ("业主二（102室）", OWNER_2),
        ("保险公司理赔岗", INSURER),
        ("住建委", REGULATOR),
    ]
    with platform(RUN, ("claims",), actors, logs) as up:
        claims_proc = up["procs"]["claims"]
        run_async(_publish_policy(up["suffix"], lambda: claims_proc.poll() is None))
        yield up["urls"]


def _photo(tmp: Path) -> Path:
    path = tmp / "卫生间渗漏.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 150, 120)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def _insurer_agrees(claims: str, claim_id: str) -> date:
    token = issue_token(INSURER, ServiceSettings().token_secret.get_secret_value())
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    now = datetime.now(UTC)
    today = now.astimezone(SHANGHAI).date()  # CLM-03 counts Shanghai days: from 16:00 UTC that is tomorrow
    steps: list[tuple[str, ContractModel]] = [
        ("survey-schedule", c.ScheduleSurvey(claim_id=claim_id, scheduled_at=now, surveyor_id="sv-1")),
        ("survey", c.RecordSurvey(claim_id=claim_id, surveyed_at=now, surveyor_id="sv-1", findings="防水层破损，属实")),
        ("decision", c.DecideClaim(claim_id=claim_id, decision=c.Decision.COVERED, decided_at=now)),
        ("agreement", c.RecordAgreement(claim_id=claim_id, amount_fen=500_000, agreed_on=today)),
    ]
    for segment, body in steps:
        answer = httpx.post(f"{claims}/v1/claims/{claim_id}/{segment}", content=body.model_dump_json(),
                            headers=headers, timeout=30)  # fmt: skip
        assert answer.status_code == 200, (segment, answer.text)
    return today


def _sign_in(page, web: str, actor_id: str) -> None:
    page.goto(f"{web}/signin")
    page.click(f"button[data-actor='{actor_id}']")
    page.wait_for_load_state()


def test_owner_reports_a_claim_with_a_photo_and_sees_its_deadline_xc03_clm02(running, browser, tmp_path) -> None:
    web = running["web"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, web, OWNER_1.id)
    assert page.url.endswith(f"/household/{UNIT_1}")  # an owner of one unit lands on its file
    assert "一户一档" in page.inner_text("h1")
    coverage = page.inner_text("#coverage")  # POL-13: each part's last covered day, from claims' policy read model
    assert "防水工程" in coverage and "地基基础和主体结构" in coverage and "保障中" in coverage, coverage
    shoot(page, "household-empty")

    page.select_option("select[name=part]", "waterproofing")
    page.fill("input[name=item]", "卫生间渗漏")
    page.fill("input[name=location]", "主卧卫生间地面")
    page.fill("textarea[name=description]", "楼下天花板出现水渍，面积约一平方米")
    page.set_input_files("input[name=photos]", str(_photo(tmp_path)))
    page.click("#report-claim button[type=submit]")
    page.wait_for_url("**/claims/clm-*", timeout=60_000)

    assert "已报案" in page.inner_text("#claim-status")
    assert "CLM-03" in page.inner_text("#deadlines-pending")  # no legal deadline runs before the agreement
    assert "KB" in page.inner_text("#evidence")  # the photo, stored and attached
    shoot(page, "claim-reported")

    # The insurer surveys, decides covered and agrees a repair: CLM-03's 10 days start (via claims' API)
    claim_id = page.url.rsplit("/", 1)[-1]
    agreed = _insurer_agrees(running["claims"], claim_id)
    page.reload()
    deadlines = page.inner_text("#deadlines")
    assert "CLM-03" in deadlines and (agreed + timedelta(days=10)).isoformat()[:7] in deadlines, deadlines
    shoot(page, "claim")

    listed(page, f"{web}/household/{UNIT_1}", f"a[href='/claims/{claim_id}']")  # the file lists it (read model)
    shoot(page, "household")
    context.close()

    # The insurer's work queue lists it, by legal deadline (overdue first)
    desk = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
    _sign_in(desk, web, INSURER.id)
    assert desk.url.endswith("/queue")
    listed(desk, f"{web}/queue", f"#queue a[href='/claims/{claim_id}']")
    shoot(desk, "queue")
    desk.context.close()


def test_xc05_a_second_owner_cannot_open_the_first_owners_file(running, browser) -> None:
    web = running["web"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, web, OWNER_2.id)
    answer = page.goto(f"{web}/household/{UNIT_1}")
    assert answer is not None and answer.status == 404
    assert "未找到" in page.inner_text("h1")
    shoot(page, "not-found")
    # and the services themselves, asked straight with the second owner's token, show nothing either
    token = page.context.cookies()[0]["value"]
    listed = httpx.get(f"{running['claims']}/v1/claims", params={"unit_id": UNIT_1},
                       headers={"Authorization": f"Bearer {token}"}, timeout=10)  # fmt: skip
    assert listed.status_code == 200 and listed.json()["items"] == []
    context.close()


def test_a_failed_photo_upload_is_shown_and_retried_never_silently_lost(running, browser, tmp_path) -> None:
    """The object store unreachable for the first attempts: the row says so and offers 重试; the claim waits
    for the photo instead of moving on without it, and the retried upload is stored and attached."""
    web = running["web"]
    page = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    _sign_in(page, web, OWNER_1.id)
    failures = {"left": 3}  # the page's own automatic retries all fail

    def flaky(route) -> None:
        if route.request.method == "PUT" and failures["left"] > 0:
            failures["left"] -= 1
            route.abort("connectionfailed")
        else:
            route.continue_()

    page.route(f"**/web-claims-{RUN}/**", flaky)
    page.select_option("select[name=part]", "other")
    page.fill("input[name=item]", "墙面开裂")
    page.fill("input[name=location]", "客厅东墙")
    page.fill("textarea[name=description]", "墙面出现斜向裂缝，长约半米")
    page.set_input_files("input[name=photos]", str(_photo(tmp_path)))
    page.click("#report-claim button[type=submit]")
    retry = page.wait_for_selector(".upload.failed button.retry", timeout=60_000)
    assert "上传失败" in page.inner_text(".upload.failed")
    assert "/household/" in page.url  # still here: the claim is not shown as done without its photo
    shoot(page, "upload-failed")
    retry.click()
    page.wait_for_url("**/claims/clm-*", timeout=60_000)
    assert "KB" in page.inner_text("#evidence") and failures["left"] == 0
    page.context.close()


def test_regulators_dashboard_draws_its_charts_from_the_services_and_links_each_figure(running, browser) -> None:
    """The regulator's 监管驾驶舱: ECharts (served by the platform, no CDN) draws the claims by month and the
    CLM-03/04 deadlines per insurer from claims' own regional listing; a click on a chart opens the list
    behind it. Policy and the registry are not running here: the page says which figures are missing."""
    web = running["web"]
    page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
    external: list[str] = []
    page.on(
        "request",
        lambda req: external.append(req.url) if not req.url.startswith(("http://127.0.0.1", "data:")) else None,
    )
    _sign_in(page, web, REGULATOR.id)
    assert page.url.endswith("/dashboard")
    listed(page, f"{web}/dashboard", "#claims-list a[href^='/claims/clm-']")
    page.wait_for_selector("#chart-claims svg", timeout=30_000)
    page.wait_for_selector("#chart-insurers svg", timeout=30_000)
    assert f"ins-web-{RUN}" in page.inner_text("#claims-list")
    assert "承保" in page.inner_text(".warn-box") and "机构库" in page.inner_text(".warn-box")
    assert external == [], external  # every script and style from the platform itself
    shoot(page, "dashboard")
    page.click("#chart-claims svg path[fill]:not([fill='none'])", position={"x": 2, "y": 2}, force=True)
    page.wait_for_function("location.hash === '#claims'", timeout=10_000)
    page.context.close()


def test_first_render_of_the_household_file_and_the_dashboard_is_measured(running, browser) -> None:
    """p50 / p99 of the first render on this machine (small data; the city-scale figures wait for notify's
    data set): written to .artifacts/web-first-render.json and printed."""
    web = running["web"]
    results = {}
    for actor, path, name in ((OWNER_1, f"/household/{UNIT_1}", "household"), (REGULATOR, "/dashboard", "dashboard")):
        page = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
        _sign_in(page, web, actor.id)
        results[name] = first_render(page, f"{web}{path}", name=name, repeats=30)
        page.context.close()
    print(results)
    assert all(r["p50_ms"] < 5_000 for r in results.values()), results
