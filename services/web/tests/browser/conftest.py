"""Playwright on Debian's Chromium (deploy/local/system-deps.sh installs /usr/bin/chromium).

Playwright's own browser download is never used: networks without a way out cannot fetch it, and the
machine already has a maintained Chromium from the distribution. Screenshots go under
``.artifacts/screenshots`` (git-ignored) at phone and desktop width.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# --import-mode=importlib puts no test directory on sys.path: the helper modules here are imported by name,
# and the repository's own tests package (tests.e2e, tests.bench) from the root
for _path in (Path(__file__).resolve().parent, Path(__file__).resolve().parents[4]):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from web_screens import CHROMIUM  # noqa: E402

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


# Module scope, not session: while Playwright's sync API is open its event loop counts as running on this
# thread, and every asyncio test collected after it (pytest-asyncio) would fail to start its own.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(f"no Chromium at {CHROMIUM}: run deploy/local/system-deps.sh (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # --no-sandbox: tests and CI run as root, where Chromium's sandbox refuses to start
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--lang=zh-CN"])
        try:
            yield launched
        finally:
            launched.close()
