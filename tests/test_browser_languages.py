"""English and Chinese in real Chromium, with Debian's fonts-noto-cjk: a student opens a Chinese link
on a projector and on a phone, trains, and switches to English without losing the result.
Screenshots go to test-artifacts/ (docs/screenshots' Chinese ones: `take_screenshots.py chinese`),
to be looked at for clipped or overlapping text."""

from __future__ import annotations

import subprocess

import pytest
from browser_support import CHINESE_PAGES, PHONE, PROJECTOR, ROOT, open_at, require_chromium, settle
from requirements_support import missing, need_module

SHOTS = ROOT / "test-artifacts"

need_module("playwright.sync_api")
require_chromium("the browser tests")


def test_the_machine_has_a_font_that_draws_chinese():
    """Debian's fonts-noto-cjk, which the charts' font stack names first among the CJK families (CI
    installs it; elsewhere the screenshots would show boxes, so the test says what to install)."""
    listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False).stdout
    if "Noto Sans CJK SC" not in listed:
        missing("fonts-noto-cjk", "Debian's fonts-noto-cjk is not installed (apt-get install fonts-noto-cjk)")


@pytest.mark.parametrize(("size", "name"), [(PROJECTOR, "zh-train"), (PHONE, "phone-zh-train")])
def test_a_chinese_link_trains_in_chinese_and_the_switch_keeps_the_result(browser, server, size, name):
    SHOTS.mkdir(exist_ok=True)
    page = open_at(browser, f"{server.url}/Train?lesson=bump-twenty-neurons&lang=zh-CN", size)
    page.get_by_role("button", name="训练", exact=True).click()
    page.get_by_text("最终训练损失", exact=True).wait_for(timeout=120_000)
    settle(page)
    assert page.locator("h1").first.inner_text().strip() == "训练"
    page.screenshot(path=SHOTS / f"{name}.png")
    if size == PHONE:  # the sidebar, with the language switch, is closed on a phone
        return
    page.get_by_text("English", exact=True).click()
    settle(page)
    page.get_by_text("Final train loss", exact=True).wait_for(timeout=30_000)  # the same result, not trained again
    assert page.get_by_role("button", name="Train", exact=True).is_disabled()
    # every widget shows what it holds in English: the mode radio, the schedule's select box
    assert page.get_by_role("radio", name="Whole run").is_checked()
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.locator('[role="combobox"][value="Constant"]').count() == 1 and "恒定" not in sidebar.inner_html()
    assert "lang=" not in page.url  # English from an English browser: the link needs no lang=
    page.screenshot(path=SHOTS / f"{name.replace('zh', 'en')}.png")  # the same page in English, beside it


@pytest.mark.parametrize(("path", "size", "name"), CHINESE_PAGES)
def test_the_pages_in_chinese_on_a_projector_and_a_phone(browser, server, path, size, name):
    SHOTS.mkdir(exist_ok=True)
    page = open_at(browser, f"{server.url}{path}&lang=zh-CN", size)
    assert page.locator("h1").first.inner_text().strip() and page.get_by_text("Language · 语言").count() <= 1
    assert not page.get_by_text("Something went wrong").count()
    page.screenshot(path=SHOTS / f"{name}.png", full_page=size == PHONE)
