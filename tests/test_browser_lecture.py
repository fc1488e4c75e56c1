"""A lecture in real Chromium against one real server: the projector's first screen, a second student
at the same link, Back, reloads and lesson switches mid-run, and every page on a phone.
Screenshots land in test-artifacts/."""

from __future__ import annotations

import re

import pytest
from browser_support import ROOT, require_chromium, settle
from requirements_support import need_module

ARTIFACTS = ROOT / "test-artifacts"
PROJECTOR, PHONE = (1280, 720), (390, 844)
SPIRAL = "lesson=bump-twenty-neurons&data=spiral&noise=0.1&fraction=0.7&hidden=8,8&act=tanh,tanh&epochs=300&batch=16"
# About 10 s of training on two cores: long enough to reload or switch lessons in the middle
SLOW = "lesson=bump-twenty-neurons&hidden=128,128&act=tanh,tanh&batch=1&epochs=1000"

need_module("playwright.sync_api")
require_chromium("the browser tests")


def open_at(browser, url: str, heading: str, size: tuple[int, int] = PROJECTOR):
    """`url` in a new session (its own browser context) at `size`, once its page has drawn."""
    page = browser.new_page(viewport={"width": size[0], "height": size[1]}, is_mobile=size == PHONE,
                            has_touch=size == PHONE)
    page.goto(url)
    page.get_by_role("heading", name=heading, exact=True).first.wait_for(timeout=90_000)
    settle(page)
    return page


def train(page) -> None:
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Final train loss", exact=True).wait_for(timeout=120_000)
    settle(page)


def go_to(page, link: str, heading: str) -> None:
    page.get_by_role("link", name=link).click()
    page.get_by_role("heading", name=heading, exact=True).first.wait_for(timeout=60_000)
    settle(page)


def run_caption(page) -> str:
    """The Train page's one-line summary of the settings, "SGD · learning rate ... · seed 42"."""
    return page.get_by_text(re.compile(r"· seed \d+$")).first.inner_text()


def no_errors(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


@pytest.mark.parametrize("query", ["lesson=tabular-relu", "lesson=bump-twenty-neurons&seed=7"])
def test_the_seed_and_the_lesson_survive_a_visit_to_data_explorer(browser, server, query):
    page = open_at(browser, f"{server.url}/Train?{query}", "Train")
    before = run_caption(page)
    assert before.endswith("seed 42" if "tabular" in query else "seed 7")
    go_to(page, "Data explorer", "Data explorer")
    go_to(page, "Train", "Train")
    assert run_caption(page) == before
    if "tabular" in query:  # still the lesson: its title and its question stay
        assert page.get_by_text("Predict first:", exact=False).count() == 1
    no_errors(page)


@pytest.mark.parametrize("query", ["lesson=bump-twenty-neurons", "lesson=tabular-relu", SPIRAL])
def test_the_fit_and_the_loss_are_whole_on_the_first_projector_screen_after_train(browser, server, query):
    page = open_at(browser, f"{server.url}/Train?{query}", "Train")
    train(page)
    fit, loss = (chart.bounding_box() for chart in page.locator('[data-testid="stVegaLiteChart"]').all()[:2])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"first-screen-{query.split('&')[0].split('=')[1]}.png"))
    assert page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollTop") == 0  # nobody scrolled
    for chart in (fit, loss):
        assert chart["y"] >= 0 and chart["y"] + chart["height"] <= PROJECTOR[1], (query, chart)
        assert chart["x"] + chart["width"] <= PROJECTOR[0]


def test_a_second_student_at_the_same_link_predicts_before_seeing_the_answer(browser, server):
    url = f"{server.url}/Train?lesson=tabular-relu&lr=0.02"
    first = open_at(browser, url, "Train")
    train(first)
    answer = first.locator('[data-testid="stMetricValue"]').first.inner_text()
    second = open_at(browser, url, "Train")
    assert second.get_by_text("Final train loss", exact=True).count() == 0
    assert second.get_by_role("button", name="Train", exact=True).is_enabled()
    assert second.get_by_text("Press Train to start", exact=False).count() == 1
    train(second)  # the stored run, at once
    assert second.locator('[data-testid="stMetricValue"]').first.inner_text() == answer


def test_a_lesson_card_loads_its_lesson_and_trains_it(browser, server):
    page = open_at(browser, f"{server.url}/", "nnlab")
    page.locator(".st-key-load_bump-two-layers button").click()
    page.get_by_text("Final train loss", exact=True).wait_for(timeout=120_000)
    settle(page)
    assert "lesson=bump-two-layers" in page.url
    assert page.get_by_role("heading", name="Train", exact=True).count() == 1
    no_errors(page)


def test_each_page_visit_is_one_step_back(browser, server):
    page = open_at(browser, f"{server.url}/Train?lesson=bump-twenty-neurons&seed=7", "Train")
    start = page.evaluate("history.length")
    visits = [("Build model", "Build model"), ("Data explorer", "Data explorer"), ("Compare activations", "Compare activations")]
    for number, (link, heading) in enumerate(visits, 1):
        go_to(page, link, heading)
        assert page.evaluate("history.length") == start + number
    for heading in ("Data explorer", "Build model", "Train"):
        page.go_back()
        page.get_by_role("heading", name=heading, exact=True).first.wait_for(timeout=60_000)
        settle(page)
        assert "seed=7" in page.url
    assert run_caption(page).endswith("seed 7")


def test_a_run_goes_on_through_a_reload_and_through_a_lesson_switch_and_back(browser, server):
    page = open_at(browser, f"{server.url}/Train?{SLOW}&seed=11", "Train")
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text(re.compile(r"^Epoch [1-9][\d,]* of 1,000$")).wait_for(timeout=60_000)
    page.reload()  # a new session: it is told the run is still training, and Train follows it
    page.get_by_text("is training right now", exact=False).wait_for(timeout=60_000)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Final train loss", exact=True).wait_for(timeout=120_000)
    no_errors(page)

    page = open_at(browser, f"{server.url}/Train?{SLOW}&seed=12", "Train")
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text(re.compile(r"^Epoch [1-9][\d,]* of 1,000$")).wait_for(timeout=60_000)
    picker = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first
    picker.evaluate("node => node.scrollIntoView({block: 'center'})")  # its list opens below it, on the screen
    picker.click()
    page.get_by_role("option", name="Two sigmoid neurons make a step").click()
    page.get_by_text("goes on training", exact=False).wait_for(timeout=60_000)
    page.go_back()  # Back: the settings of the run, and the run itself, followed again
    # no click: the page follows the run it left, from where it has got to
    page.get_by_text(re.compile(r"^(Epoch [1-9][\d,]* of 1,000|Final train loss)$")).first.wait_for(timeout=30_000)
    page.get_by_text("Final train loss", exact=True).wait_for(timeout=120_000)
    settle(page)
    assert page.get_by_text("Press Train to start", exact=False).count() == 0
    assert "seed=12" in page.url
    no_errors(page)


PHONE_PAGES = [("", "nnlab"), ("Data_explorer", "Data explorer"), ("Build_model", "Build model"),
               ("Train", "Train"), ("Compare_activations", "Compare activations"), ("Class", "Class challenge"),
               ("Sweep", "Sweep learning rate × width"), ("Inside_one_step", "Inside one step"),
               ("Optimizer_race", "Optimizer race")]


@pytest.mark.parametrize("path, heading", PHONE_PAGES)
def test_every_page_fits_a_phone(browser, server, path, heading):
    page = open_at(browser, f"{server.url}/{path}?lesson=tabular-relu", heading, PHONE)
    if path == "Train":
        train(page)
    elif path == "Compare_activations":
        page.get_by_role("button", name="Compare 20 runs").click()
        page.get_by_text("Final metrics", exact=False).wait_for(timeout=120_000)
        settle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-{path or 'Lessons'}.png"))
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")  # nothing sideways
    title = page.get_by_role("heading", name=heading, exact=True).first.bounding_box()
    header = page.locator('[data-testid="stHeader"]').bounding_box()
    assert title["y"] >= header["y"] + header["height"]  # the title clears the header's menu button
    for chart in page.locator('[data-testid="stVegaLiteChart"]').all():
        box = chart.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0]
    no_errors(page)
