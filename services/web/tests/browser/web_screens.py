"""Where the browser is and where its screenshots go (``.artifacts/screenshots``, git-ignored)."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = os.environ.get("ANJU_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[4] / ".artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def shoot(page: object, name: str) -> None:
    """The page at phone and desktop width, as the issue asks (never committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)  # type: ignore[attr-defined]
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)  # type: ignore[attr-defined]


def listed(page: object, url: str, selector: str, timeout_s: float = 60) -> None:
    """Open ``url`` until ``selector`` shows: listings are read models, a moment behind the write."""
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        page.goto(url)  # type: ignore[attr-defined]
        if page.locator(selector).count():  # type: ignore[attr-defined]
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{selector} not on {url} after {timeout_s} s")
        time.sleep(1)


def first_render(page: object, url: str, *, name: str, repeats: int) -> dict[str, float]:
    """First contentful paint of ``url`` loaded ``repeats`` times (ms): p50 and p99, kept under .artifacts."""
    import json
    import statistics

    paints: list[float] = []
    for _ in range(repeats):
        page.goto(url)  # type: ignore[attr-defined]
        paint = page.evaluate(  # type: ignore[attr-defined]
            "() => new Promise(done => { const read = () => { const p = performance.getEntriesByName("
            "'first-contentful-paint')[0]; p ? done(p.startTime) : setTimeout(read, 20); }; read(); })"
        )
        paints.append(float(paint))
    paints.sort()
    result = {
        "p50_ms": round(statistics.median(paints), 1),
        "p99_ms": round(paints[min(len(paints) - 1, int(len(paints) * 0.99))], 1),
        "n": len(paints),
    }
    out = SCREENSHOTS.parent / "web-first-render.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    known = json.loads(out.read_text()) if out.exists() else {}
    known[name] = result
    out.write_text(json.dumps(known, ensure_ascii=False, indent=2))
    return result
