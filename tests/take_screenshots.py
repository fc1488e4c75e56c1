"""Screenshots for docs/: each page at projector size (1280x720) in Debian's Chromium.

Run: PYTHONPATH=. .venv/bin/python tests/take_screenshots.py   (needs the heart-failure file in NNLAB_DATA_DIR
or ~/.cache/nnlab, as the app does)
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import sync_playwright

from browser_support import CHROMIUM, CHROMIUM_ARGS, ROOT, Server, settle
from nnlab.tables import data_dir

OUT = ROOT / "docs" / "screenshots"


def visit(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(url)
    page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for(timeout=90_000)
    settle(page)
    return page


def train(page, button: str, done_text: str) -> None:
    page.get_by_role("button", name=button).first.click()
    page.get_by_text(done_text).first.wait_for(timeout=300_000)
    settle(page)


def scroll_to(page, selector: str) -> None:
    page.locator(selector).first.scroll_into_view_if_needed()
    page.wait_for_timeout(600)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    server = Server(Path(os.environ.get("NNLAB_DATA_DIR") or data_dir()))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            visit(browser, f"{server.url}/?lesson=bump-twenty-neurons").screenshot(path=OUT / "lessons.png")

            page = visit(browser, f"{server.url}/Train?lesson=bump-twenty-neurons")
            train(page, "Train", "Final train loss")
            scroll_to(page, '[data-testid="stVegaLiteChart"]')
            page.screenshot(path=OUT / "train-bump.png")

            page = visit(browser, f"{server.url}/Train?lesson=tabular-relu")
            train(page, "Train", "Final train loss")
            scroll_to(page, '[data-testid="stMetric"]')
            page.screenshot(path=OUT / "train-heart.png")

            page = visit(browser, f"{server.url}/Data_explorer?lesson=tabular-relu")
            page.get_by_label("Dataset").click()
            page.get_by_role("option", name="Spiral (2-D)").click()
            settle(page)
            page.screenshot(path=OUT / "data-spiral.png")

            page = visit(browser, f"{server.url}/Build_model?lesson=bump-two-layers")
            page.screenshot(path=OUT / "build-model.png")

            page = visit(browser, f"{server.url}/Compare_activations?lesson=bump-twenty-neurons")
            train(page, "Compare", "Final metrics")
            scroll_to(page, '[data-testid="stVegaLiteChart"]')
            page.screenshot(path=OUT / "compare.png")
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
