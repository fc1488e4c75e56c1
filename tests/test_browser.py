"""Real Chromium against a real server: every page opened by deep link as the first request on a
freshly started server, with no exception box. Screenshots land in test-artifacts/."""

from __future__ import annotations

import re
import time

import pytest
from browser_support import ROOT, Server, press_key, require_chromium, settle
from requirements_support import need_module

ARTIFACTS = ROOT / "test-artifacts"
PAGES = {"": "nnlab", "Data_explorer": "Data explorer", "Build_model": "Build model", "Train": "Train",
         "Compare_activations": "Compare activations", "Class": "Class challenge", "Sweep": "Sweep learning rate × width",
         "Inside_one_step": "Inside one step", "Optimizer_race": "Optimizer race"}

need_module("playwright.sync_api")
require_chromium("the browser tests")


def open_page(browser, url: str, heading: str, name: str):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(url)
    page.get_by_role("heading", name=heading, exact=True).first.wait_for(timeout=90_000)
    settle(page)
    shoot(page, name)
    return page


def shoot(page, name: str) -> None:
    """The projector's view (1280x720), and the whole page for the docs."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size({"width": 1280, "height": 2600})
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / f"{name}-whole.png"))
    page.set_viewport_size({"width": 1280, "height": 720})


@pytest.mark.parametrize("path", list(PAGES))
def test_deep_link_is_the_first_request_on_a_fresh_server(browser, data_dir, path):
    server = Server(data_dir)
    try:
        page = open_page(browser, f"{server.url}/{path}?lesson=tabular-relu", PAGES[path], path or "Lessons")
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0
        assert "lesson=tabular-relu" in page.url
    finally:
        server.stop()


def test_train_in_the_browser_draws_charts_and_keeps_them_across_pages(browser, data_dir):
    server = Server(data_dir)
    try:
        page = open_page(browser, f"{server.url}/Train?lesson=tabular-linear", "Train", "Train-before")
        page.get_by_role("button", name="Train", exact=True).click()
        page.get_by_text("Final train loss", exact=True).wait_for(timeout=120_000)
        settle(page)
        assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 3
        shoot(page, "Train-after")
        page.get_by_role("link", name="Build model").click()
        page.get_by_role("heading", name="Build model", exact=True).wait_for(timeout=60_000)
        page.get_by_role("link", name="Train").click()
        page.get_by_text("Final train loss", exact=True).wait_for(timeout=60_000)  # same session: result kept
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        server.stop()


def test_csv_upload_loads_a_good_table_and_refuses_a_bad_one(browser, data_dir, tmp_path):
    good = tmp_path / "patients.csv"
    good.write_text("age;score;sick\n" + "\n".join(f"{40 + i};{i % 7},5;{'yes' if i % 3 else 'no'}" for i in range(30)))
    bad = tmp_path / "broken.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    server = Server(data_dir)
    try:
        page = open_page(browser, f"{server.url}/Data_explorer?lesson=bump-twenty-neurons", "Data explorer", "Upload-before")
        page.get_by_text("Upload your own CSV").click()
        page.locator('input[type="file"]').set_input_files(str(bad))
        page.get_by_text("binary data").wait_for(timeout=30_000)
        assert page.get_by_text("The previous dataset is kept").count() == 1
        page.locator('input[type="file"]').set_input_files(str(good))
        page.get_by_role("button", name="Use this table").click()
        page.get_by_role("heading", name="Your CSV file").wait_for(timeout=60_000)
        settle(page)
        assert page.get_by_text("Training rows: 30").count() == 0  # 80/20 split of 30 rows
        assert page.get_by_text("Training rows: 24").count() == 1
        assert page.get_by_text("yes/no").count() >= 1 and page.get_by_text("decimal comma").count() >= 1
        assert page.locator('[data-testid="stException"]').count() == 0
        shoot(page, "Upload-after")
    finally:
        server.stop()


def test_a_shared_link_survives_page_switches_and_play_trains_in_the_browser(browser, data_dir):
    server = Server(data_dir)
    try:
        page = open_page(browser, f"{server.url}/Build_model?lesson=tabular-relu&hidden=7&lr=0.1&lock=rate",
                         "Build model", "Link-build")
        assert page.get_by_text("nn.Linear(12, 7)").count() >= 1
        page.get_by_role("link", name="Train").click()
        page.get_by_role("heading", name="Train", exact=True).wait_for(timeout=60_000)
        settle(page)
        # each page writes the link back, with today's names for a link written with the earlier ones
        for part in ("lesson=tabular-relu", "units=7", "rate=0.1", "lock=rate"):
            assert part in page.url
        page.get_by_text("Play / pause / step").click()
        page.get_by_role("button", name="Play").wait_for(timeout=60_000)  # the shortcut exists once its button does
        settle(page)
        press_key(page, "p")  # the Play key
        page.get_by_role("button", name="Pause").wait_for(timeout=60_000)
        progress = page.get_by_text(re.compile(r"^Epoch [1-9][\d,]* of [\d,]+$"))
        progress.first.wait_for(timeout=60_000)  # epochs go by while it plays
        press_key(page, "p")
        page.get_by_role("button", name="Play", exact=False).first.wait_for(timeout=60_000)
        settle(page)
        shoot(page, "Play-paused")
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        server.stop()


def test_play_runs_the_whole_bump_lesson_at_the_picked_speed(browser, data_dir):
    """Smoothly: the epoch counter moves on many times on its way to the end. Prints how long it
    took (the figure in docs/performance.md); only the end and the moving counter are asserted."""
    server = Server(data_dir)
    try:
        page = open_page(browser, f"{server.url}/Train?lesson=bump-twenty-neurons", "Train", "Play-speed-before")
        page.get_by_text("Play / pause / step").click()
        page.get_by_role("button", name="Play").wait_for(timeout=60_000)
        settle(page)
        page.get_by_role("radio", name="8 s", exact=True).click()
        settle(page)
        progress = page.get_by_text(re.compile(r"^Epoch [\d,]+ of 7,000$")).first
        press_key(page, "p")
        started, seen = time.monotonic(), []
        while not seen or seen[-1] < 7000:
            assert time.monotonic() - started < 120, f"play stalled at epoch {seen[-1] if seen else 0}"
            epoch = int(progress.inner_text().split()[1].replace(",", ""))
            if not seen or epoch != seen[-1]:
                seen.append(epoch)
            page.wait_for_timeout(200)
        seconds = time.monotonic() - started
        settle(page)
        shoot(page, "Play-speed-after")
        assert seen == sorted(seen) and len(seen) >= 10, seen
        assert page.locator('[data-testid="stException"]').count() == 0
        print(f"\nplay: bump lesson at '8 s' played 7,000 epochs in {seconds:.1f} s, {len(seen)} counter steps seen")
    finally:
        server.stop()


def test_train_answers_after_the_server_restarts_under_an_idle_page(browser, data_dir):
    """Train reruns its run panel alone (a fragment). A fresh server knows no fragment of a page it
    never ran, and Streamlit drops a press inside one; the page's timed fragment makes the browser
    rerun the whole page as its connection comes back, so the press that follows trains."""
    server = Server(data_dir)
    port = server.port
    try:
        page = open_page(browser, f"{server.url}/Train?lesson=bump-twenty-neurons&seed=3", "Train", "Train-idle")
        server.stop()  # no script running: the browser has nothing to resume
        server = Server(data_dir, port=port)
        page.get_by_text("This page's server stopped or restarted", exact=False).wait_for(timeout=60_000)
        page.get_by_role("button", name="Train", exact=True).click()
        page.get_by_text("Final train loss", exact=True).wait_for(timeout=60_000)
    finally:
        server.stop()
