"""Screenshots for docs/: each page at projector size (1280x720) in Debian's Chromium.

Run: PYTHONPATH=. .venv/bin/python tests/take_screenshots.py   (needs the heart-failure file in NNLAB_DATA_DIR
or ~/.cache/nnlab, as the app does)
"""

from __future__ import annotations

import os
from pathlib import Path

from browser_support import CHROMIUM, CHROMIUM_ARGS, ROOT, Server, press_key, settle
from playwright.sync_api import sync_playwright

from nnlab.tables import data_dir

OUT = ROOT / "docs" / "screenshots"
SPIRAL = ("lesson=bump-twenty-neurons&data=spiral&noise=0.1&fraction=0.7&crosses=x1%5E2,sin(x1)&hidden=8,8&act=tanh,tanh"
          "&epochs=300&batch=16")


def visit(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(url)
    page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for(timeout=90_000)
    settle(page)
    return page


def train(page, button: str, done_text: str) -> None:
    page.get_by_role("button", name=button, exact=True).first.click()
    page.get_by_text(done_text, exact=True).first.wait_for(timeout=300_000)
    settle(page)


def scroll_to(page, selector: str) -> None:
    page.locator(selector).first.scroll_into_view_if_needed()
    page.wait_for_timeout(600)


def scroll_to_text(page, text: str, exact: bool = True) -> None:
    """Put the heading or label with this text at the top of the window."""
    page.get_by_text(text, exact=exact).first.evaluate("node => node.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(800)


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
            scroll_to_text(page, "Inside the network: each hidden unit's share")
            page.screenshot(path=OUT / "inside-bump-units.png")

            page = visit(browser, f"{server.url}/Train?lesson=tabular-relu")
            train(page, "Train", "Final train loss")
            scroll_to(page, '[data-testid="stMetric"]')
            page.screenshot(path=OUT / "train-heart.png")
            scroll_to_text(page, "Inside the network: first-layer weights")
            page.screenshot(path=OUT / "inside-heart-weights.png")

            page = visit(browser, f"{server.url}/Train?{SPIRAL}")
            train(page, "Train", "Final train loss")
            page.get_by_text("Discretize output").first.click()
            settle(page)
            scroll_to_text(page, "Show the fit after epoch")
            page.screenshot(path=OUT / "train-spiral-discretized.png")
            scroll_to(page, '[data-testid="stVegaLiteChart"] >> nth=2')
            page.screenshot(path=OUT / "inside-spiral-units.png")

            page = visit(browser, f"{server.url}/Train?lesson=bump-twenty-neurons")
            page.get_by_text("Play / pause / step").first.click()
            page.get_by_role("button", name="Play").wait_for(timeout=60_000)
            settle(page)
            press_key(page, "p")  # the Play key
            page.wait_for_timeout(5000)
            page.screenshot(path=OUT / "train-playing.png")
            press_key(page, "p")

            page = visit(browser, f"{server.url}/Data_explorer?{SPIRAL}")
            page.screenshot(path=OUT / "data-spiral.png")

            page = visit(browser, f"{server.url}/Build_model?lesson=bump-two-layers")
            page.screenshot(path=OUT / "build-model.png")
            page.get_by_text("The whole training script").first.click()
            scroll_to_text(page, "Download the script")
            page.screenshot(path=OUT / "build-script.png")

            page = visit(browser, f"{server.url}/Train?lesson=tabular-relu&hide=lesson,seed&lock=optimizer,rate")
            page.get_by_text("Share these settings").first.click()
            scroll_to(page, '[data-testid="stSidebar"] [data-testid="stCode"]')
            page.screenshot(path=OUT / "instructor-link.png")

            page = visit(browser, f"{server.url}/Compare_activations?lesson=bump-twenty-neurons")
            train(page, "Compare 20 runs", "Final metrics (mean and spread over seeds)")
            scroll_to(page, '[data-testid="stVegaLiteChart"]')
            page.screenshot(path=OUT / "compare.png")
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
