"""The class draws the data, in real Chromium: three phones each tap the shared plane, the projector
(1280x720, the instructor's key) shows every point within its refresh and trains on them. A tap lands
where the finger was, within a cell. Screenshots land in test-artifacts/."""

from __future__ import annotations

import io

import numpy as np
from browser_support import PHONE, PROJECTOR, ROOT, open_at, require_chromium, settle
from requirements_support import need_module

import nnlab
from nnlab.classroom.challenges import Board, Rules
from nnlab.pictures.template import PALETTE

ARTIFACTS = ROOT / "test-artifacts"
SCROLL = "document.querySelector('[data-testid=\"stMain\"]').scrollTop"

need_module("playwright.sync_api")
PIL = need_module("PIL.Image", "pillow")
require_chromium("the browser tests")


def _plane_box(page) -> dict:
    """The plane's scale on the screen, read off its picture while it holds only the test's two points:
    where class 0 at (-4, -4) and class 1 at (4, 4) are drawn."""
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = chart.bounding_box()
    rgb = np.array(PIL.open(io.BytesIO(chart.screenshot())).convert("RGB"), dtype=np.int32)
    centres = []
    for colour in PALETTE[:2]:
        match = (np.abs(rgb - np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])) <= 6).all(axis=2)
        match[: len(match) // 4] = False  # the legend
        ys, xs = np.nonzero(match)
        centres.append((box["x"] + xs.mean(), box["y"] + ys.mean()))
    return {"low": centres[0], "high": centres[1], "top": _plane_top(page), "scroll": page.evaluate(SCROLL)}


def _plane_top(page) -> float:
    """Where the plane starts on the page (not the screen: a tap may scroll it)."""
    return page.evaluate("""() => document.querySelector('[data-testid="stVegaLiteChart"]').getBoundingClientRect().top
                                  + document.querySelector('[data-testid="stMain"]').scrollTop""")


def _tap(page, where: dict, x1: float, x2: float, mine: int) -> None:
    share = [(value + 4) / 8 for value in (x1, x2)]
    (lx, ly), (hx, hy) = where["low"], where["high"]
    moved = _plane_top(page) - where["top"] + where["scroll"] - page.evaluate(SCROLL)  # on the screen, since measured
    page.touchscreen.tap(lx + share[0] * (hx - lx), ly + share[1] * (hy - ly) + moved)
    page.get_by_text(f"Point added: you have {mine} of 4", exact=False).wait_for(timeout=30_000)
    settle(page)


def test_three_phones_draw_one_set_that_the_projector_trains_on(browser, server, data_dir):
    ARTIFACTS.mkdir(exist_ok=True)
    board = Board(f"sqlite:///{data_dir / 'classroom.sqlite3'}")  # the server's own (its data directory)
    made = board.create(nnlab.lessons.get("step-two-neurons"), Rules(drawing=True, points_each=4, title="Two classes"))
    board.add_point(made.code, "the test", 0, -4.0, -4.0, 0)  # two points the phones read the plane's scale from
    board.add_point(made.code, "the test", 1, 4.0, 4.0, 1)
    phones = [open_at(browser, f"{server.url}/Class?class={made.code}", PHONE) for _ in range(3)]
    taps = {0: [(-3.0, 2.0), (-2.0, 3.0)], 1: [(2.5, -2.5), (3.0, -1.0)], 2: [(-1.0, -3.0), (1.0, 2.0)]}
    for number, phone in enumerate(phones):
        where = _plane_box(phone)
        if number == 1:
            phone.locator('[data-testid="stButtonGroup"]').get_by_text("1", exact=True).click()  # this phone adds class 1
            settle(phone)
        plane = _plane_top(phone)
        for mine, (x1, x2) in enumerate(taps[number], start=1):
            _tap(phone, where, x1, x2, mine)
            assert _plane_top(phone) == plane  # the answer is drawn under the plane: the plane stays put
    phones[0].screenshot(path=str(ARTIFACTS / "shared-drawing-phone.png"))
    drawn = board.drawn(made.code)
    assert len(drawn.points) == 8 and len(board.drawers(made.code)) == 4
    x1, x2, labels = drawn.frame_columns()
    wanted = [point for number in range(3) for point in taps[number]]
    assert np.abs(np.c_[x1[2:], x2[2:]] - np.array(wanted)).max() <= 0.35  # within a cell and a half of the finger
    assert labels[2:].tolist() == [0, 0, 1, 1, 0, 0]

    projector = open_at(browser, f"{server.url}/Class?class={made.code}&key={made.key}", PROJECTOR)
    projector.get_by_text("8 points from 4 students", exact=False).wait_for(timeout=10_000)
    _tap(phones[2], where, 0.0, 0.0, 3)  # one more while the projector watches (the plane has not moved)
    projector.get_by_text("9 points from 4 students", exact=False).wait_for(timeout=5_000)  # its refresh: 2 s
    projector.get_by_role("button", name="Train on the drawing").click()
    projector.get_by_text("Trained on 9 points", exact=False).wait_for(timeout=120_000)
    settle(projector)
    projector.screenshot(path=str(ARTIFACTS / "shared-drawing-projector.png"), full_page=True)
    for page in (*phones, projector):
        assert page.locator('[data-testid="stException"]').count() == 0
