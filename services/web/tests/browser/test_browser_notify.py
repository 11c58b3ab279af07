"""In a real browser against real notify and web processes on the real Kafka and FerretDB (issue #15,
"must show"): the regulator's dashboard shows the late filing created by the test (XC-02, POL-07).

The POL-07 upload obligation reaches notify as in production — ``policy.ObligationOpened`` on
``anju.policy.events.v1`` signed as the policy service — past-dated (issued days ago, its deadline
passed), so the filing the insurer then makes through the web's ``/api`` proxy with its own token is late.
The regulator's dashboard counts it late for that insurer, the figure opens the list behind it, the
insurer's queue no longer holds it, and another party's filings report stays the regulator's (XC-05).
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from web_processes import platform, run_async
from web_screens import listed, shoot

from anju_contracts import Actor, Envelope, Role, topics
from anju_contracts.common import ObligationKind, PartyRef, SubjectRef
from anju_contracts.underwriting import ObligationOpened
from anju_kit.auth import issue_token, service_actor
from anju_kit.clock import SHANGHAI
from anju_kit.settings import ServiceSettings
from anju_kit.testing import produce

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

RUN = uuid.uuid4().hex[:8]
REGION = "shanghai"
INSURER_ID = f"ins-ntf-{RUN}"
INSURER = Actor(id=f"desk-ntf-{RUN}", role=Role.INSURER, region=REGION, insurer_id=INSURER_ID)
REGULATOR = Actor(id=f"reg-ntf-{RUN}", role=Role.REGULATOR, region=REGION)
POLICY_ID = f"pol-ntf-{RUN}"
OBLIGATION_ID = f"policy.{POLICY_ID}.upload_contract_to_regulator.1"


def _opened_days_ago() -> Envelope:
    """POL-07 as policy opens it at issue (见费出单), its last day two days ago."""
    last_day = date.today() - timedelta(days=2)
    due_at = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), SHANGHAI)  # 24:00 of the last day
    opened = ObligationOpened(
        obligation_id=OBLIGATION_ID,
        obligation="upload_contract_to_regulator",
        kind=ObligationKind.OBLIGATION,
        debtor=PartyRef(role=Role.INSURER, id=INSURER_ID),
        creditor=PartyRef(role=Role.REGULATOR, id=REGION),
        subject=SubjectRef(kind="policy", id=POLICY_ID),
        rule_id="POL-07",
        due_at=due_at,
        last_day=last_day,
        calendar_estimated=False,
    )
    actor = service_actor("policy", REGION)
    return Envelope.wrap(opened, region=REGION, producer="policy", actor=actor, key=f"prj-ntf-{RUN}")


def _tracked(notify: str) -> dict[str, Any]:
    """Notify's ledger record once it has taken the event from Kafka."""
    import time

    token = issue_token(REGULATOR, ServiceSettings().token_secret.get_secret_value())
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        answer = httpx.get(
            f"{notify}/v1/notify/obligations/{OBLIGATION_ID}", headers={"Authorization": f"Bearer {token}"}
        )
        if answer.status_code == 200:
            return dict(answer.json())
        time.sleep(0.5)
    raise AssertionError(f"{OBLIGATION_ID} never reached notify")


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory):
    logs = tmp_path_factory.mktemp("web-notify")
    actors = [("保险公司合规岗", INSURER), ("住建委", REGULATOR)]
    with platform(RUN, ("notify",), actors, logs) as up:
        envelope = _opened_days_ago()
        bootstrap = ServiceSettings().kafka_bootstrap
        run_async(produce(bootstrap, topics.POLICY.events, [envelope.model_dump_json().encode()], key=b"prj"))
        record = _tracked(up["urls"]["notify"])
        assert record["rule_id"] == "POL-07" and record["ledger_state"] in ("open", "overdue", "escalated"), record
        yield up["urls"]


def _sign_in(page, web: str, actor_id: str) -> None:
    page.goto(f"{web}/signin")
    page.click(f"button[data-actor='{actor_id}']")
    page.wait_for_load_state()


def test_xc02_pol07_regulators_dashboard_shows_the_late_filing_created_by_the_test(running, browser) -> None:
    web = running["web"]
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()

    _sign_in(page, web, INSURER.id)  # the insurer's queue: the overdue upload on top, its inbox one click away
    listed(page, f"{web}/queue", f"tr[data-obligation='{OBLIGATION_ID}']")
    row = page.inner_text(f"tr[data-obligation='{OBLIGATION_ID}']")
    assert "保险合同上传监管平台" in row and "已逾期" in row and "POL-07" in row, row
    assert page.locator("a[href='/inbox']").count() >= 1
    shoot(page, "queue-overdue-obligation")

    document = {"key": f"{REGION}/filings/{POLICY_ID}.pdf", "sha256": "c" * 64, "size": 2048,
                "content_type": "application/pdf"}  # fmt: skip
    body = {"filing_id": f"flg-ntf-{RUN}", "obligation_id": OBLIGATION_ID, "document": document}
    filed = page.request.post(  # through the web's proxy, with the insurer's own token (the cookie)
        f"{web}/api/notify/v1/notify/filings",
        data=json.dumps(body),
        headers={"Content-Type": "application/json", "X-Anju-Web": "1"},
    )
    assert filed.status == 200 and filed.json()["state"] == "fulfilled", filed.text()
    report = page.request.get(f"{web}/api/notify/v1/notify/filings/report")
    assert report.status == 403  # the region's filings report is the regulator's (XC-05): the web widens nothing
    context.clear_cookies()

    _sign_in(page, web, REGULATOR.id)
    late = f"tr[data-debtor='insurer:{INSURER_ID}'] td.late a"
    listed(page, f"{web}/dashboard", f"{late}:text-is('1')")  # the read model folds a moment after the filing
    assert page.inner_text(f"tr[data-debtor='insurer:{INSURER_ID}'] td.not_filed") == "0"
    assert page.locator("#chart-filings-insurers svg").count() == 1  # drawn by the pinned ECharts
    shoot(page, "dashboard-late-filing")
    page.click(late)
    page.wait_for_url("**/obligations?*")
    listing = page.inner_text(f"tr[data-obligation='{OBLIGATION_ID}']")
    assert "逾期履行" in listing and INSURER_ID in listing, listing
    shoot(page, "obligations-late")
    context.close()
