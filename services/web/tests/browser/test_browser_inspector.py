"""In a real browser against real risk and web processes (issue #15, "must show"): the inspector — a
practitioner on the project's team — opens today's assigned projects on a phone, records a serious risk
issue with a photo (uploaded straight to MinIO through risk's presigned URL), location and severity
(RSK-04); the contractor rectifies (over risk's API); the inspector sees it waiting for review and closes
it, 销项 (RSK-05).

Risk learns the project as in production, from policy's ``ProjectRegistered`` and the registry's
``TeamAssigned`` on their events topics, signed as those services.
"""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from risk_helpers import published_project
from web_processes import platform
from web_screens import listed, shoot

from anju_contracts import Actor, Role
from anju_contracts import risk as r
from anju_kit.clock import SHANGHAI
from tests.e2e.risk_steps import RiskDesk, _ok, _until

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

RUN = uuid.uuid4().hex[:8]
REGION = "shanghai"
PROJECT = f"prj-webr-{RUN}"
AGENCY_ID = f"ag-webr-{RUN}"
CONTRACTOR_ORG = f"org-con-webr-{RUN}"
INSURER = Actor(id=f"desk-webr-{RUN}", role=Role.INSURER, region=REGION, insurer_id=f"ins-webr-{RUN}")
LEAD = Actor(id=f"pr-webr-{RUN}", role=Role.PRACTITIONER, region=REGION, agency_id=AGENCY_ID, display_name="张工")
CONTRACTOR = Actor(id=f"con-webr-{RUN}", role=Role.CONTRACTOR, region=REGION, organisation_id=CONTRACTOR_ORG)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory):
    logs = tmp_path_factory.mktemp("web-inspector")
    with platform(RUN, ("risk",), [("风控工程师 张工", LEAD)], logs) as up:
        published_project(PROJECT, insurer=INSURER, lead=LEAD, contractor_org=CONTRACTOR_ORG)
        desk = RiskDesk(up["urls"]["risk"], PROJECT)
        _until(lambda: desk.get("/issues", LEAD).status_code == 200, "risk to know the project and its team", 120)
        _plan_and_kickoff(desk)
        yield up["urls"], desk


def _plan_and_kickoff(desk: RiskDesk) -> None:
    """RSK-01/02 over the API: the lead's plan from the registry's team, the insurer's kick-off."""
    today = datetime.now(SHANGHAI).date()
    plan = r.SubmitRiskPlan(
        project_id=PROJECT, lead_id=LEAD.id, staff_ids=(LEAD.id,), scope="主体结构、防水工程的质量风险管理",
        objects=("1号楼",), key_nodes=("主体封顶",),
        schedule=(r.ScheduleItem(name="主体施工阶段", starts_on=today, ends_on=today + timedelta(days=300)),),
        critical_processes=(r.CriticalProcess(process_id="proc-wp", name="卫生间防水施工", part="防水工程"),),
    )  # fmt: skip
    _ok(desk.post("/plan", plan, LEAD))
    minutes = desk.upload("交底会纪要.pdf", "%PDF-1.7 交底会纪要".encode(), INSURER, "application/pdf")
    _ok(desk.post("/kickoff", r.RecordKickoffBriefing(project_id=PROJECT, held_on=today, minutes=minutes), INSURER))


def _photo(tmp: Path, name: str) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 160)).save(buffer, "JPEG")
    path = tmp / name
    path.write_bytes(buffer.getvalue())
    return path


def test_rsk04_rsk05_inspector_records_an_issue_with_a_photo_and_closes_it(running, browser, tmp_path) -> None:
    urls, desk = running
    web = urls["web"]
    page = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    page.goto(f"{web}/signin")
    page.click(f"button[data-actor='{LEAD.id}']")
    page.wait_for_load_state()
    assert page.url.endswith("/inspector")
    listed(page, f"{web}/inspector", f"a[href='/inspector/projects/{PROJECT}']")  # the agency's projects (read model)
    shoot(page, "inspector")

    page.click(f"a[href='/inspector/projects/{PROJECT}']")
    page.select_option("select[name=severity]", "serious")
    page.fill("#raise-issue input[name=location]", "1号楼 3层 301室 卫生间地面")
    page.fill("#raise-issue input[name=part]", "防水工程")
    page.fill("#raise-issue input[name=responsible_unit_id]", CONTRACTOR_ORG)
    page.fill("#raise-issue textarea[name=description]", "卫生间地面防水层破损，楼下顶板渗水")
    page.fill("#raise-issue input[name=rectify_by]", (date.today() + timedelta(days=7)).isoformat())
    page.set_input_files("#raise-issue input[name=photos]", str(_photo(tmp_path, "渗漏.jpg")))
    page.click("#raise-issue button[type=submit]")
    page.wait_for_selector("#issues .issue.open", timeout=60_000)
    assert "待整改" in page.inner_text("#issues") and "严重" in page.inner_text("#issues")
    shoot(page, "inspector-project-open")

    # RSK-05: the contractor rectifies with before/after photos (risk's API, the contractor's own token)
    issue_id = page.get_attribute("#issues .issue.open", "data-issue")
    before = desk.upload("整改前.jpg", _photo(tmp_path, "b.jpg").read_bytes(), CONTRACTOR)
    after = desk.upload("整改后.jpg", _photo(tmp_path, "a.jpg").read_bytes(), CONTRACTOR)
    rectified = r.SubmitRectification(
        project_id=PROJECT, issue_id=str(issue_id), note="凿除后重做并闭水试验", before=(before,), after=(after,)
    )
    _ok(desk.post(f"/issues/{issue_id}/rectifications", rectified, CONTRACTOR))

    page.reload()
    assert "已整改待复核" in page.inner_text(f"[data-issue='{issue_id}']")
    shoot(page, "inspector-review")
    page.click(f"form.review[data-issue='{issue_id}'] button[value=close]")
    page.wait_for_selector(f"#issues .issue.closed[data-issue='{issue_id}']", timeout=60_000)
    assert "已销项" in page.inner_text(f"[data-issue='{issue_id}']")
    shoot(page, "inspector-closed")
    page.context.close()
