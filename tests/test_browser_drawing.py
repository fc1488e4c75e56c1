"""Drawing the data in real Chromium, on a projector (1280x720) and a phone (390x844): a tap at a
screen position adds a point at the matching data coordinates, within one grid cell; a drag along
the line sets the curve's target along it. The mapping from screen to data is read off the
picture itself: two points the link puts in opposite corners are found by their colour."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from browser_support import ROOT, require_chromium, settle
from requirements_support import need_module

from nnlab.data import drawing
from nnlab.pictures.template import PALETTE

ARTIFACTS = ROOT / "test-artifacts"
PROJECTOR, PHONE = (1280, 720), (390, 844)
CORNER = 4.0
CELL = 0.2  # nnlab.pictures.frames.PLANE_CELL

need_module("playwright.sync_api")
PIL = need_module("PIL.Image", "pillow")
require_chromium("the browser tests")


def _corners() -> drawing.Points:
    at = [drawing.level(value, drawing.PLANE) for value in (-CORNER, CORNER)]
    return drawing.Points(((at[0], at[0], 0), (at[1], at[1], 1)), False)


def _open(browser, url: str, size: tuple[int, int]):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]}, is_mobile=size == PHONE,
                            has_touch=size == PHONE)
    page.goto(url)
    page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for(timeout=90_000)
    settle(page)
    return page


def _drawing_in(page) -> drawing.Curve | drawing.Points:
    return drawing.decode(parse_qs(urlparse(page.url).query)["drawn"][0])


def _centre_of(image, colour: str) -> tuple[float, float]:
    """The centre of the pixels of this colour (a drawn point's fill) below the legend (its top quarter)."""
    rgb = np.array(image.convert("RGB"), dtype=np.int32)
    want = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    match = (np.abs(rgb - want) <= 6).all(axis=2)
    match[: len(match) // 4] = False
    ys, xs = np.nonzero(match)
    assert len(xs) > 10, f"no point of colour {colour} on the picture"
    return float(xs.mean()), float(ys.mean())


@pytest.mark.parametrize("size", [PROJECTOR, PHONE], ids=["projector", "phone"])
def test_taps_add_points_where_they_land_and_a_tap_on_a_point_erases_it(browser, server, size):
    url = f"{server.url}/Data_explorer?lesson=bump-twenty-neurons&dataset=drawn_points&drawn={drawing.encode(_corners())}"
    page = _open(browser, url, size)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = chart.bounding_box()
    image = PIL.open(io.BytesIO(chart.screenshot()))
    low, high = _centre_of(image, PALETTE[0]), _centre_of(image, PALETTE[1])  # (-4, -4) and (4, 4)

    def screen(x1: float, x2: float) -> tuple[float, float]:
        share = [(value + CORNER) / (2 * CORNER) for value in (x1, x2)]
        return (box["x"] + low[0] + share[0] * (high[0] - low[0]), box["y"] + low[1] + share[1] * (high[1] - low[1]))

    tap = page.touchscreen.tap if size == PHONE else page.mouse.click
    for target in ((2.0, -3.0), (-4.1, 3.3)):
        tap(*screen(*target))
        page.wait_for_timeout(1500)
        settle(page)
        x1, x2, _ = _drawing_in(page).frame_columns()
        assert abs(x1[-1] - target[0]) <= CELL and abs(x2[-1] - target[1]) <= CELL, (target, x1[-1], x2[-1])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"drawing-points-{size[0]}.png"))
    tap(*screen(2.0, -3.0))  # on the point: erased
    page.wait_for_timeout(1500)
    settle(page)
    assert len(_drawing_in(page).points) == 3
    assert page.locator('[data-testid="stException"]').count() == 0


def _line_scale(image) -> tuple[tuple[float, float], tuple[float, float]]:
    """Pixels per unit and the pixel of (0, 0) on the line chart, read off a drawn segment from
    (-0.5, -1) to (0.5, 1): its leftmost and rightmost blue pixels, a knot marker's radius inside."""
    rgb = np.array(image.convert("RGB"), dtype=np.int32)
    want = np.array([int(PALETTE[0][i:i + 2], 16) for i in (1, 3, 5)])
    match = (np.abs(rgb - want) <= 6).all(axis=2)
    match[: len(match) // 5] = False  # the title
    ys, xs = np.nonzero(match)
    radius = (60 / np.pi) ** 0.5  # the knot markers' size, 60 square pixels
    left, right = xs.min() + radius, xs.max() - radius
    top, bottom = ys[xs >= xs.max() - 1].mean(), ys[xs <= xs.min() + 1].mean()  # (0.5, 1) and (-0.5, -1)
    return ((right - left), (top - bottom) / 2), ((left + right) / 2, (top + bottom) / 2)


def test_a_drag_along_the_line_sets_the_target_along_it(browser, server):
    segment = drawing.Curve(((50, drawing.level(-1.0, drawing.CURVE_Y)), (150, drawing.level(1.0, drawing.CURVE_Y))))
    page = _open(browser, f"{server.url}/Data_explorer?lesson=bump-twenty-neurons&dataset=drawn_curve"
                          f"&drawn={drawing.encode(segment)}", PROJECTOR)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = chart.bounding_box()
    (per_x, per_y), (zero_x, zero_y) = _line_scale(PIL.open(io.BytesIO(chart.screenshot())))

    def screen(x: float, y: float) -> tuple[float, float]:
        return box["x"] + zero_x + x * per_x, box["y"] + zero_y + y * per_y

    page.get_by_role("button", name="Clear").click()
    settle(page)
    page.mouse.move(*screen(-0.7, -1.4))
    page.mouse.down()
    for step in range(1, 41):  # along y = 2x, from x = -0.7 to 0.7
        x = -0.7 + 1.4 * step / 40
        page.mouse.move(*screen(x, 2 * x))
    page.mouse.up()
    page.wait_for_timeout(2000)
    settle(page)
    curve = _drawing_in(page)
    x, y = curve.xy()
    assert len(x) >= 20 and x.min() <= -0.6 and x.max() >= 0.6  # a knot for every column the drag crossed
    assert np.abs(y - 2 * x).max() <= 0.15, np.c_[x, y]  # each within a cell (0.02 x 0.1) of the stroke
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "drawing-curve.png"))

