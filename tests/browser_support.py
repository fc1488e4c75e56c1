"""Chromium settings and page helpers, shared by the browser tests and the docs screenshots; the real
streamlit server they drive is bench.serving's."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.serving import ROOT, Server, free_port  # noqa: F401  (the tests import them from here)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# No sandbox as root; no background networking, which this closed network would refuse.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]


def require_chromium(what: str) -> None:
    """Skip the calling test module without Debian's chromium; in CI its absence is a failure."""
    __tracebackhide__ = True
    from requirements_support import missing  # pytest's: not for take_screenshots.py, which imports this module

    if not Path(CHROMIUM).exists():
        missing(f"Debian's chromium for {what}", "Debian's chromium is not installed (apt-get install chromium)")


PROJECTOR, PHONE = (1280, 720), (390, 844)  # the room's screen, a student's
# The pages looked at in Chinese beside Train with a result, as (path, screen, screenshot name): by the
# browser test (test-artifacts/) and by take_screenshots.py (docs/screenshots/)
CHINESE_PAGES = (("/?lesson=bump-twenty-neurons", PROJECTOR, "zh-lessons"),
                 ("/?lesson=bump-twenty-neurons", PHONE, "phone-zh-lessons"),
                 ("/Inside_one_step?lesson=step-two-neurons", PROJECTOR, "zh-inside-step"),
                 ("/Optimizer_race?lesson=bump-twenty-neurons", PROJECTOR, "zh-race"),
                 ("/Data_explorer?lesson=bump-twenty-neurons&dataset=drawn_curve", PHONE, "phone-zh-draw"))


def open_at(browser, url: str, size: tuple[int, int]):
    """`url` in a new tab of `size` (a phone's is a touch screen), once its page has drawn."""
    page = browser.new_page(viewport={"width": size[0], "height": size[1]}, is_mobile=size == PHONE,
                            has_touch=size == PHONE)
    page.goto(url)
    page.locator('[data-testid="stApp"]').wait_for(timeout=90_000)
    settle(page)
    return page


def settle(page) -> None:
    """Wait until the page script has finished and every element has drawn: no grey placeholder
    (an element whose code the browser is still loading) and a picture in every chart."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=120_000)
    page.wait_for_function("""() => !document.querySelector('[data-testid^="stSkeleton"], [data-testid="stAppSkeleton"]')
                                    && [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
                                       .every(chart => chart.querySelector('canvas, svg'))""", timeout=60_000)
    page.wait_for_timeout(500)


def press_key(page, key: str) -> None:
    """A keyboard shortcut as a user presses it: with no input focused (the app ignores keys typed into one)."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press(key)
