"""Be the optimizer in real Chromium: a student on a phone drags a weight and sees the loss change,
the link carry the weights, and a tap on the diagram pick another weight; then gradient descent
takes over on Train from the weights set by hand. Screenshots land in test-artifacts/."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlparse

import numpy as np
from browser_support import PHONE, PROJECTOR, ROOT, open_at, require_chromium, settle
from requirements_support import need_module

ARTIFACTS = ROOT / "test-artifacts"

need_module("playwright.sync_api")
PIL = need_module("PIL.Image", "pillow")
require_chromium("the browser tests")


def _thickest_connection(image) -> tuple[float, float]:
    """The middle of the step lesson's largest weight, x→h2 (0.54, drawn 8 px wide in the scale's deep
    orange), on the diagram's picture: its orange pixels above the legend (the lower quarter)."""
    rgb = np.array(image.convert("RGB"), dtype=np.int32)
    orange = (rgb[..., 0] > 180) & (rgb[..., 1] < 140) & (rgb[..., 2] < 90)
    orange[len(orange) * 3 // 4:] = False
    ys, xs = np.nonzero(orange)
    assert len(xs) > 50, "no thick orange connection on the diagram"
    return float(np.median(xs)), float(np.median(ys))


def _loss(page) -> str:
    return page.locator('[data-testid="stMetricValue"]').first.inner_text()


def _start(page) -> str:
    return parse_qs(urlparse(page.url).query).get("start", [""])[0]


def test_a_student_on_a_phone_drags_a_weight_and_sees_the_loss_change(browser, server):
    ARTIFACTS.mkdir(exist_ok=True)
    page = open_at(browser, f"{server.url}/Be_the_optimizer?lesson=step-two-neurons", PHONE)
    before = _loss(page)
    thumb = page.locator('[data-testid="stSlider"] [data-testid="stSliderThumbValue"]').first.locator("..")
    thumb.scroll_into_view_if_needed()
    box = thumb.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2, steps=6)
    page.mouse.up()
    page.wait_for_timeout(1500)
    settle(page)
    assert _loss(page) != before and _start(page).startswith("w1")
    page.screenshot(path=str(ARTIFACTS / "hand-phone.png"))
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_tap_on_the_diagram_picks_a_weight_and_gradient_descent_takes_over(browser, server):
    page = open_at(browser, f"{server.url}/Be_the_optimizer?lesson=step-two-neurons", PROJECTOR)
    picker = page.get_by_role("combobox", name="Weight")
    first = picker.input_value()
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    box = chart.bounding_box()
    x, y = _thickest_connection(PIL.open(io.BytesIO(chart.screenshot())))
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_timeout(1500)
    settle(page)
    assert first == "w(x→h1)" and picker.input_value() == "w(x→h2)", (first, picker.input_value())
    page.get_by_label("Or type it").fill("2.5")
    page.get_by_label("Or type it").press("Enter")
    page.wait_for_timeout(1500)
    settle(page)
    start = _start(page)
    assert start.startswith("w1")
    page.get_by_role("button", name="Let gradient descent take over").click()
    page.get_by_text("Final train loss", exact=True).wait_for(timeout=120_000)
    assert _start(page) == start and "/Train" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0
