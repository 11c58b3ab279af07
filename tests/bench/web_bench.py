"""W1/W2 (issue #15): first render of the owner's household file and of the regulator's dashboard, p50 and
p99 of the first contentful paint in Debian's Chromium (Playwright), against the five services and the
web started here on this run's own ports, databases, buckets and consumer groups.

The data is the small data set ``make demo`` seeds through the public APIs (3 projects, 5 units, 2 owners,
1 claim, 1 filing). A city seeded by ``make seed-city`` lives in its own databases, which these services
are not pointed at: the figures say so. ``ANJU_BENCH_WEB_RENDERS`` loads per page (default 30).
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from anju_kit.settings import ServiceSettings

BROWSER_HELPERS = Path(__file__).resolve().parents[2] / "services" / "web" / "tests" / "browser"
SERVICES = ("registry", "policy", "risk", "claims", "notify")


def _measure(repeats: int) -> list[str]:
    chromium = os.environ.get("ANJU_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        return [f"web first render: not measured (no Chromium at {chromium}; deploy/local/system-deps.sh)"]
    if str(BROWSER_HELPERS) not in sys.path:
        sys.path.insert(0, str(BROWSER_HELPERS))
    import tempfile

    from playwright.sync_api import sync_playwright
    from web_processes import platform  # the browser tests' own start-up of the services (own ports, DBs, groups)
    from web_screens import CHROMIUM, first_render

    from anju_contracts import Actor, Role
    from anju_web import demo

    run = uuid.uuid4().hex[:8]
    region = ServiceSettings().region
    regulator = Actor(id="reg-demo", role=Role.REGULATOR, region=region)
    with tempfile.TemporaryDirectory(prefix="anju-web-bench-") as tmp:
        logs = Path(tmp)
        with platform(run, SERVICES, [("住建委", regulator)], logs, region=region) as up:
            urls = [arg for s in SERVICES for arg in (f"--{s}", up["urls"][s])]
            if demo.main(["--tag", run[:6], "--region", region, "--out", str(logs / "demo"), *urls]) != 0:
                return ["W1/W2 web first render: not measured (the demo data could not be seeded; see above)"]
            import json

            left: dict[str, Any] = json.loads((logs / "demo" / f"{region}-{run[:6]}.json").read_text("utf-8"))
            owner = left["projects"][f"prj-demo-{run[:6]}-1"]["owners"][0]
            unit = f"prj-demo-{run[:6]}-1-u-1"
            web = up["urls"]["web"]
            results: dict[str, dict[str, float]] = {}
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--lang=zh-CN"])
                try:
                    for actor_id, path, name in ((owner, f"/household/{unit}", "household"), ("reg-demo", "/dashboard", "dashboard")):  # fmt: skip
                        page = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
                        page.goto(f"{web}/signin")
                        page.click(f"button[data-actor='{actor_id}']")
                        page.wait_for_load_state()
                        results[name] = first_render(page, f"{web}{path}", name=f"bench-{name}", repeats=repeats)
                        page.context.close()
                finally:
                    browser.close()
    held = (
        f"{len(left['projects'])} projects, {sum(len(p.get('owners', [])) for p in left['projects'].values())} owners, "
        f"{len(left.get('claims', []))} claim, {len(left.get('filings', []))} filing ({region}, make demo's small "
        "data set; a seeded city is in its own databases, not read here)"
    )
    lines = [f"web first render (Chromium FCP, phone width, {repeats} loads each; services held: {held})"]
    for name, label in (("household", "W1 household file (一户一档)"), ("dashboard", "W2 regulator's dashboard")):
        r = results[name]
        lines.append(f"  {label:<34} p50 {r['p50_ms']:>7.1f} ms   p99 {r['p99_ms']:>7.1f} ms")
    return lines


async def run_web_benchmarks(settings: ServiceSettings) -> list[str]:
    """Lines for ``make bench``; one line saying why when the browser is not there."""
    del settings  # the processes read the same ANJU_* environment
    repeats = int(os.environ.get("ANJU_BENCH_WEB_RENDERS", "30"))
    # Playwright's sync API and the services' start-up run their own loops: on a thread of their own
    return await asyncio.to_thread(_measure, repeats)


if __name__ == "__main__":
    for line in asyncio.run(run_web_benchmarks(ServiceSettings())):
        print(line)
