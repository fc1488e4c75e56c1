"""axe-core's WCAG 2.2 A and AA rules in real Chromium on a projector (1280x720), against one real
server: every page in English and in Chinese, then the states a lesson reaches (Train with a result,
one step taken apart, a drawn curve and drawn points, a challenge's board, an open poll, a running
lecture). Any finding of impact "serious" or "critical" fails, named by rule, impact, element and page."""

from __future__ import annotations

from pathlib import Path

import axe_playwright_python
from browser_support import PROJECTOR, open_at, require_chromium, settle

import nnlab
from nnlab.classroom.challenges import Board, Rules
from nnlab.classroom.lectures import Card, Lecture, Step
from nnlab.data import drawing

AXE = Path(axe_playwright_python.__file__).with_name("axe.min.js")  # axe-core 4.12.1
require_chromium("the browser tests")

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING = {"serious", "critical"}
PAGES = ("/", "/Data_explorer", "/Build_model", "/Train", "/Compare_activations", "/Class", "/Sweep", "/Inside_one_step",
         "/Optimizer_race", "/Lecture")
# Findings that are Streamlit's own and that nnlab's style cannot mend, as (rule id, CSS selector of
# the element) -> why. None at present: each one found so far was nnlab's to fix (nnlab.ui.page_setup).
STREAMLITS_OWN: dict[tuple[str, str], str] = {}
# The rules run on the page; only the nodes no STREAMLITS_OWN entry covers come back
AUDIT = """async ([tags, own]) => {
    const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
    const excused = (rule, node) => own.some(([id, selector]) => id === rule.id
        && typeof node.target[0] === 'string' && document.querySelector(node.target[0])?.matches(selector));
    return results.violations.flatMap(rule => rule.nodes.filter(node => !excused(rule, node)).map(node =>
        ({rule: rule.id, impact: node.impact || rule.impact, target: node.target.join(' >>> ')})));
}"""

def findings(page, where: str) -> list[str]:
    """axe's serious and critical findings on the page as it is now, one line each."""
    if not page.evaluate("() => 'axe' in window"):
        page.add_script_tag(path=AXE)
    found = page.evaluate(AUDIT, [WCAG_22_AA, list(STREAMLITS_OWN)])
    return [f"{f['rule']} ({f['impact']}) at {f['target']} on {where}" for f in found if f["impact"] in FAILING]


def visit(page, url: str) -> None:
    """`url` in the same tab (a fresh session), once its page has drawn."""
    page.goto(url)
    page.locator('[data-testid="stApp"]').wait_for(timeout=90_000)
    settle(page)


def press(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).first.click()
    settle(page)


def test_every_page_in_english_and_in_chinese(browser, server):
    page = open_at(browser, server.url, PROJECTOR)
    problems = findings(page, "/")
    for path in PAGES[1:]:
        visit(page, server.url + path)
        problems += findings(page, path)
    for path in PAGES:
        visit(page, f"{server.url}{path}?lang=zh-CN")
        assert page.locator("[data-selected='true']", has_text="简体中文").count() == 1, path  # the page is in Chinese
        problems += findings(page, f"{path}?lang=zh-CN")
    assert not problems, "\n".join(problems)


def test_a_result_one_step_and_drawings(browser, server):
    page = open_at(browser, f"{server.url}/Train?lesson=bump-twenty-neurons", PROJECTOR)
    press(page, "Train")
    page.get_by_text("Final train loss", exact=True).wait_for(timeout=120_000)
    settle(page)
    problems = findings(page, "Train with a result")
    at = [drawing.level(value, drawing.PLANE) for value in (-2.0, 2.0)]
    points = drawing.encode(drawing.Points(((at[0], at[0], 0), (at[1], at[1], 1)), False))
    for path in ("/Inside_one_step?lesson=step-two-neurons", "/Data_explorer?lesson=bump-twenty-neurons&dataset=drawn_curve",
                 f"/Data_explorer?lesson=bump-twenty-neurons&dataset=drawn_points&drawn={points}"):
        visit(page, server.url + path)
        problems += findings(page, path)
    assert not problems, "\n".join(problems)


def test_a_challenge_board_and_an_open_poll(browser, server, data_dir):
    board = Board(f"sqlite:///{data_dir / 'classroom.sqlite3'}")  # the server's own (its data directory)
    made = board.create(nnlab.lessons.get("tabular-relu"), Rules(free=("model", "training"), max_units=32))
    for number, rate in enumerate((0.003, 0.03, 0.3)):
        board.submit(made.code, f"student {number}", made.experiment.replace(training={"learning_rate": rate}))
    page = open_at(browser, f"{server.url}/Class?class={made.code}&key={made.key}", PROJECTOR)
    page.get_by_text("entries; the best", exact=False).first.wait_for(timeout=60_000)
    problems = findings(page, "the challenge's board")
    for path, where in ((f"/Class?class={made.code}", "a student's Class page in a challenge"),
                        (f"/Train?class={made.code}", "a student's Train page in a challenge")):
        visit(page, server.url + path)
        problems += findings(page, where)
    polled = board.create(nnlab.lessons.get("bump-twenty-neurons"))
    visit(page, f"{server.url}/Class?class={polled.code}&key={polled.key}")
    page.get_by_text("Poll", exact=True).click()
    settle(page)
    press(page, "Ask it")
    problems += findings(page, "the instructor's open poll")
    visit(page, f"{server.url}/Class?class={polled.code}")
    page.get_by_role("button", name="sigmoid", exact=True).wait_for(timeout=30_000)
    problems += findings(page, "a student's open poll")
    assert not problems, "\n".join(problems)


def test_a_running_lecture(browser, server, data_dir):
    board = Board(f"sqlite:///{data_dir / 'classroom.sqlite3'}")
    settings = (("lesson", "bump-twenty-neurons"),)
    code, key = board.start_lecture(Lecture("Accessible", (Step("train", settings, Card("First")),
                                                           Step("board", settings, Card("The board")))))
    page = open_at(browser, f"{server.url}/Lecture?lecture={code}&key={key}", PROJECTOR)
    page.get_by_text(f"Lecture {code}", exact=True).wait_for(timeout=30_000)
    problems = findings(page, "a lecture's step, with the instructor's sidebar")
    page.get_by_role("link", name="Lecture page: code, record").click()
    page.get_by_role("heading", name=code, exact=True).wait_for(timeout=30_000)
    settle(page)
    problems += findings(page, "a lecture's join code")
    assert not problems, "\n".join(problems)
