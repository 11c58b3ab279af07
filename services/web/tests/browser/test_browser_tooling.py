"""The browser tooling itself: Playwright drives the distribution's Chromium, with no browser download."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_playwright_drives_debian_chromium(browser) -> None:
    page = browser.new_page()
    page.set_content("<html lang='zh-CN'><body><h1>安居</h1></body></html>")
    assert page.locator("h1").inner_text() == "安居"
    assert browser.browser_type.name == "chromium" and browser.version  # the system build, launched by path
    page.close()
