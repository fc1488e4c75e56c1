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
from nnlab.experiment import Experiment
from nnlab.pictures.template import PALETTE

ARTIFACTS = ROOT / "test-artifacts"
PROJECTOR, PHONE = (1280, 720), (390, 844)
CORNER = 4.0
CELL = 0.2  # nnlab.pictures.frames.PLANE_CELL
LOSS_DEFAULT = Experiment().training.loss

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

    page.get_by_role("button", name="Clear").click()  # below the chart: the page may scroll to it
    settle(page)
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = chart.bounding_box()  # the same scale, where the chart is now
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



def _query(page) -> dict[str, str]:
    """The link's settings, the loss among them (which the link leaves out where it is the default)."""
    return {"loss": LOSS_DEFAULT, **{name: values[0] for name, values in parse_qs(urlparse(page.url).query).items()}}


def _pick(page, label: str, option: str) -> None:
    """Pick `option` in the sidebar's select box `label`, as a user does: open its list, click the option."""
    picker = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text=label).first
    picker.evaluate("node => node.scrollIntoView({block: 'center'})")  # its list opens below it, on the screen
    picker.click()
    page.get_by_role("option", name=option, exact=True).click()
    page.wait_for_timeout(1000)
    settle(page)


LINE = drawing.Curve(((0, drawing.level(-1.5, drawing.CURVE_Y)), (200, drawing.level(1.5, drawing.CURVE_Y))))
CURVE_URL = f"/Data_explorer?lesson=bump-twenty-neurons&dataset=drawn_curve&drawn={drawing.encode(LINE)}"


def test_draw_points_after_a_curve_opens_the_plane_and_its_classes_train_under_their_own_loss(browser, server):
    """A curve's values kept MSE as the loss; picking Draw points kept the page on the curve (the curve
    is no drawing of points, and was refused), and classes drawn then trained under MSE."""
    page = _open(browser, server.url + CURVE_URL, PROJECTOR)
    assert _query(page)["loss"] == "mse"
    _pick(page, "Dataset", "Draw points (2-D)")
    assert _query(page)["dataset"] == "drawn_points" and "drawn" not in _query(page)
    page.get_by_text("Each point carries").wait_for()
    page.get_by_role("button", name="Use its points").click()  # the circle's points: two classes
    page.wait_for_timeout(1500)
    settle(page)
    assert isinstance(_drawing_in(page), drawing.Points) and not _drawing_in(page).values
    assert _query(page)["loss"] == "bce"
    page.get_by_text("so the loss is now Binary cross-entropy", exact=False).wait_for()

    page = _open(browser, server.url + CURVE_URL, PROJECTOR)
    _pick(page, "Dataset", "Circle (2-D)")
    assert _query(page)["dataset"] == "circle" and _query(page)["loss"] == "bce"
    assert page.locator('[data-testid="stException"]').count() == 0


def _lands_on(page, button) -> bool:
    """Whether a click anywhere on `button` (its centre and near its corners) reaches the button."""
    box = button.bounding_box()
    spots = [(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
             for fx, fy in ((0.5, 0.5), (0.15, 0.2), (0.85, 0.2), (0.15, 0.8), (0.85, 0.8))]
    return all(button.evaluate("(node, [x, y]) => node.contains(document.elementFromPoint(x, y))", list(spot))
               for spot in spots)


@pytest.mark.parametrize("dataset", ["drawn_curve", "drawn_points"])
def test_the_drawings_buttons_take_a_click_that_comes_straight_from_the_drawing(browser, server, dataset):
    """The chart's toolbar shows while the pointer is on the chart and lies 50 px over what is above
    it: Clear and Use its points, there, lost the click of a pointer coming from the drawing."""
    start = LINE if dataset == "drawn_curve" else _corners()
    page = _open(browser, f"{server.url}/Data_explorer?lesson=bump-twenty-neurons&dataset={dataset}"
                          f"&drawn={drawing.encode(start)}", PROJECTOR)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.scroll_into_view_if_needed()
    names = ["Use it", "Smooth", "Clear"] if dataset == "drawn_curve" else ["Use its points", "Clear"]
    for name in names:
        button = page.get_by_role("button", name=name, exact=True)
        button.evaluate("node => node.scrollIntoView({block: 'center'})")
        box = chart.bounding_box()  # on the drawing, at the nearest edge of it on the screen
        y = box["y"] + 30 if box["y"] > button.bounding_box()["y"] else box["y"] + box["height"] - 30
        page.mouse.move(box["x"] + box["width"] * 0.8, min(max(y, 5), PROJECTOR[1] - 5))
        page.wait_for_timeout(300)  # the toolbar fades in
        assert _lands_on(page, button), name
    button = page.get_by_role("button", name="Clear", exact=True)
    target = button.bounding_box()
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2, steps=5)
    page.mouse.down()
    page.mouse.up()
    page.wait_for_timeout(1500)
    settle(page)
    assert "drawn" not in _query(page) or not _drawing_in(page).__dict__[
        "knots" if dataset == "drawn_curve" else "points"]


def test_a_drawn_curve_has_one_scale_the_one_it_was_drawn_on(browser, server):
    """The values drawn are the target's: the Preview table showed -1.7150 where -1.5 was drawn (the
    target was standardised), and the network learned that scale."""
    page = _open(browser, server.url + CURVE_URL, PROJECTOR)
    grid = page.locator('[data-testid="stDataFrame"]').last
    grid.scroll_into_view_if_needed()
    settle(page)
    cells = [cell.inner_text() for cell in grid.locator('[role="gridcell"]').all()[:6]]
    assert [float(cells[0]), float(cells[1])] == [-1.0, -1.5], cells  # x, y of the first row
    assert float(cells[3]) == pytest.approx(-0.98) and float(cells[4]) == pytest.approx(-1.47, abs=1e-6), cells
