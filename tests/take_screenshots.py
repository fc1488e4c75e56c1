"""Screenshots for docs/: each page at projector size (1280x720) in Debian's Chromium, the key ones
at 1920x1080 too, and every page on a 390x844 phone.

Run: PYTHONPATH=. .venv/bin/python tests/take_screenshots.py [study | chinese | lecture | whole]
(needs the heart-failure file in NNLAB_DATA_DIR or ~/.cache/nnlab, as the app does)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from browser_support import CHINESE_PAGES, CHROMIUM, CHROMIUM_ARGS, PHONE, PROJECTOR, ROOT, Server, open_at, press_key, settle
from playwright.sync_api import sync_playwright

import nnlab
from nnlab.classroom.challenges import Board, Rules
from nnlab.data.tables import data_dir

OUT = ROOT / "docs" / "screenshots"
SPIRAL = ("lesson=bump-twenty-neurons&dataset=spiral&noise=0.1&fraction=0.7&crosses=x1%5E2,sin(x1)&units=8,8"
          "&activation=tanh,tanh&epochs=300&batch=16")
GAUSSIANS = ("lesson=bump-twenty-neurons&dataset=multi_gauss&noise=0.1&fraction=0.5&units=8,8&activation=tanh,tanh"
             "&loss=mse&epochs=300&batch=10&rate=0.03")


FULL_HD = (1920, 1080)


def visit(browser, url: str, size: tuple[int, int] = PROJECTOR):
    """`open_at`, once the page's title is on it too."""
    page = open_at(browser, url, size)
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


def beyond_the_tutorials(browser, server: Server) -> None:
    """The sweep, gradient flow, regression on the plane, the digits, and the new sidebar controls."""
    page = visit(browser, f"{server.url}/Sweep?lesson=bump-twenty-neurons")
    page.get_by_role("button", name="Sweep 90 runs", exact=True).click()
    page.get_by_text("90 runs of 1,000 epochs", exact=False).wait_for(timeout=300_000)
    settle(page)
    page.screenshot(path=OUT / "sweep.png")

    trained(browser, f"{server.url}/Train?lesson=vanishing-gradients", "train-vanishing.png",
            lambda page: scroll_to_end_of_text(page, "Each layer's mean absolute weight gradient per epoch"),
            "gradient-flow.png")
    page = visit(browser, f"{server.url}/Compare_activations?lesson=vanishing-gradients")
    train(page, "Compare 20 runs", "Final metrics: mean ± standard deviation over seeds")
    scroll_to_end_of_text(page, "How large each layer's weight gradients are")
    page.screenshot(path=OUT / "compare-gradients.png")

    trained(browser, f"{server.url}/Train?{GAUSSIANS}", "train-regression.png")

    page = visit(browser, f"{server.url}/Train?lesson=digits-classifier")
    train(page, "Train", "Final train loss")
    scroll_to(page, '[data-testid="stVegaLiteChart"]')
    page.screenshot(path=OUT / "train-digits.png")
    visit(browser, f"{server.url}/Data_explorer?lesson=digits-classifier").screenshot(path=OUT / "data-digits.png")

    page = visit(browser, f"{server.url}/Train?lesson=bump-two-layers&schedule=cosine&l2=0.001&dropout=0.2,0.2&init=xavier")
    scroll_to(page, '[data-testid="stSidebar"] [data-testid="stSlider"] >> nth=-1')
    page.screenshot(path=OUT / "sidebar-regularisation.png")


def trained(browser, url: str, first: str, then=None, second: str = ""):
    """Train at `url` and take the first screen as `first`; then, after `then(page)`, `second`."""
    page = visit(browser, url)
    train(page, "Train", "Final train loss")
    page.screenshot(path=OUT / first)
    if then:
        then(page)
        page.screenshot(path=OUT / second)
    return page


def scroll_to_end_of_text(page, text: str) -> None:
    """Put the caption with this text at the bottom of the window, with its chart above it."""
    page.get_by_text(text, exact=False).first.evaluate("node => node.scrollIntoView({block: 'end'})")
    page.wait_for_timeout(800)


def class_pages(browser, server: Server) -> None:
    """A challenge on the heart lesson with a class's worth of entries: the projector at 1280x720 and
    1920x1080, and a student's Train page."""
    board = Board()  # the server's own database: a SQLite file in the same data directory
    made = board.create(nnlab.lessons.get("tabular-relu"), Rules(free=("model", "training"), max_units=32,
                                                                  title="Heart failure: best test accuracy"))
    names = ["ana", "ben", "chloe", "dev", "eli", "fatima", "gus", "hana", "ivan", "jo", "kai", "lena"]
    for number, (rate, units) in enumerate([(r, u) for r in (0.003, 0.01, 0.03, 0.1, 0.3, 1.0) for u in (2, 5, 16, 32)]):
        exp = made.experiment.replace(training={"learning_rate": rate}, model={"hidden": (units,)})
        board.submit(made.code, names[number % len(names)], exp)
    for size, name in (((1280, 720), "class-board"), ((1920, 1080), "class-board-1080")):
        page = browser.new_page(viewport={"width": size[0], "height": size[1]})
        page.goto(f"{server.url}/Class?class={made.code}&key={made.key}")
        page.get_by_text("entries; the best", exact=False).first.wait_for(timeout=90_000)  # the table is a canvas
        settle(page)
        page.screenshot(path=OUT / f"{name}.png")
    page = visit(browser, f"{server.url}/Train?class={made.code}")
    train(page, "Train", "Final train loss")
    page.get_by_label("Nickname on the leaderboard").fill("projector")
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Watch for it on the projector", exact=False).wait_for(timeout=90_000)
    settle(page)
    scroll_to_text(page, f"Submit to challenge {made.code}")
    page.screenshot(path=OUT / "class-submit.png")
    page = visit(browser, f"{server.url}/Class")
    page.screenshot(path=OUT / "class-start.png")


def phone(browser, server: Server) -> None:
    """Every page as a student's phone shows it: the first screen, and after Train the results."""
    for name, path in (("lessons", "?lesson=bump-twenty-neurons"), ("data", f"Data_explorer?{SPIRAL}"),
                       ("build", "Build_model?lesson=bump-two-layers"), ("class", "Class")):
        visit(browser, f"{server.url}/{path}", PHONE).screenshot(path=OUT / f"phone-{name}.png")
    page = visit(browser, f"{server.url}/Train?lesson=bump-twenty-neurons", PHONE)
    train(page, "Train", "Final train loss")
    page.screenshot(path=OUT / "phone-train.png")
    page = visit(browser, f"{server.url}/Train?lesson=tabular-relu", PHONE)
    train(page, "Train", "Final train loss")
    scroll_to(page, '[data-testid="stVegaLiteChart"] >> nth=2')  # the first-layer weights
    page.screenshot(path=OUT / "phone-train-heart.png")
    page = visit(browser, f"{server.url}/Compare_activations?lesson=tabular-relu", PHONE)
    train(page, "Compare 20 runs", "Final metrics: mean ± standard deviation over seeds")
    scroll_to(page, '[data-testid="stVegaLiteChart"]')
    page.screenshot(path=OUT / "phone-compare.png")


def study_pages(browser, server: Server) -> None:
    """Inside one step through its phases, the optimizer race, Train's loss surface; on a phone too."""
    page = visit(browser, f"{server.url}/Inside_one_step?lesson=step-two-neurons")
    scroll_to_text(page, "Back")
    page.screenshot(path=OUT / "inside-step-forward.png")
    for _ in range(2):
        page.get_by_role("button", name="Next").first.click()
        settle(page)
    page.screenshot(path=OUT / "inside-step-backward.png")
    page = visit(browser, f"{server.url}/Inside_one_step?lesson=step-two-neurons&optimizer=adam")
    page.get_by_text("Update", exact=True).first.click()
    settle(page)
    scroll_to_text(page, "Back")
    page.screenshot(path=OUT / "inside-step-adam-update.png")
    page = visit(browser, f"{server.url}/Optimizer_race?lesson=step-two-neurons")
    scroll_to(page, '[data-testid="stVegaLiteChart"]')
    page.screenshot(path=OUT / "race-bowl.png")
    page = visit(browser, f"{server.url}/Train?lesson=bump-twenty-neurons")
    train(page, "Train", "Final train loss")
    page.get_by_text("Loss surface", exact=False).first.click()
    settle(page)
    scroll_to_text(page, "The loss around the trained weights", exact=False)
    page.screenshot(path=OUT / "train-loss-surface.png")
    visit(browser, f"{server.url}/Inside_one_step?lesson=step-two-neurons", PHONE).screenshot(path=OUT / "phone-inside.png")
    sine = nnlab.data.drawing.encode(nnlab.data.drawing.preset_curve("sine"))
    page = visit(browser, f"{server.url}/Data_explorer?lesson=bump-twenty-neurons&dataset=drawn_curve&drawn={sine}")
    scroll_to_text(page, "Start from")
    page.screenshot(path=OUT / "draw-curve.png")
    page = visit(browser, f"{server.url}/Train?lesson=bump-twenty-neurons&dataset=drawn_curve&drawn={sine}&loss=mse"
                          "&units=5&epochs=3000")
    train(page, "Train", "Final train loss")
    scroll_to_text(page, "Inside the network: each hidden unit's share", exact=False)
    page.screenshot(path=OUT / "draw-curve-units.png")
    page = visit(browser, f"{server.url}/Data_explorer?lesson=bump-twenty-neurons&dataset=drawn_points")
    page.get_by_role("button", name="Use its points").click()
    settle(page)
    scroll_to_text(page, "Or start from")
    page.screenshot(path=OUT / "draw-points.png")
    visit(browser, f"{server.url}/Data_explorer?lesson=bump-twenty-neurons&dataset=drawn_points", PHONE).screenshot(
        path=OUT / "phone-draw.png")
    page = visit(browser, f"{server.url}/Optimizer_race?lesson=step-two-neurons", PHONE)
    scroll_to(page, '[data-testid="stVegaLiteChart"]')
    page.screenshot(path=OUT / "phone-race.png")


def lecture_pages(browser, server: Server) -> None:
    """A lecture: preparing it, the projector with its join code, a step with its poll on the projector
    and a phone, and Eyes up on a phone."""
    page = visit(browser, f"{server.url}/Lecture")
    page.screenshot(path=OUT / "lecture-start.png")
    page.locator(".st-key-lecture_open button").click()
    page.get_by_text("Lecture title", exact=True).wait_for(timeout=60_000)
    settle(page)
    page.screenshot(path=OUT / "lecture-prepare.png")
    code, key = Board().start_lecture(nnlab.classroom.lectures.shipped()["depth-and-nonlinearity"])
    teacher = visit(browser, f"{server.url}/Lecture?lecture={code}&key={key}")
    teacher.get_by_text("Step 1 of 6", exact=False).first.wait_for(timeout=60_000)
    phones = [visit(browser, f"{server.url}/Lecture?lecture={code}", PHONE) for _ in range(2)]
    teacher.get_by_role("link", name="Lecture page: code, record").click()  # the same session: its key
    teacher.get_by_role("heading", name=code).first.wait_for(timeout=60_000)
    settle(teacher)
    teacher.screenshot(path=OUT / "lecture-projector.png")
    teacher.get_by_role("button", name="2. More layers, still a line").click()  # the step with a poll
    teacher.get_by_text("Step 2 of 6", exact=False).first.wait_for(timeout=60_000)
    for phone_page in phones:
        phone_page.get_by_text("Step 2 of 6", exact=False).first.wait_for(timeout=30_000)
    phones[0].get_by_role("button", name="5", exact=True).click()
    phones[0].get_by_text("Your vote", exact=False).wait_for(timeout=30_000)
    settle(teacher)
    teacher.wait_for_timeout(2500)  # the projector's count
    teacher.screenshot(path=OUT / "lecture-poll.png")
    settle(phones[0])
    phones[0].screenshot(path=OUT / "phone-lecture-poll.png")
    teacher.get_by_text("Eyes up", exact=True).first.click()
    phones[1].get_by_role("heading", name="Eyes up").wait_for(timeout=30_000)
    settle(phones[1])
    phones[1].screenshot(path=OUT / "phone-lecture-eyes-up.png")


def whole(page, path: Path) -> None:
    """The whole page, every picture below the first screen too: the window made as tall as the page
    (Streamlit scrolls its own inner element, so a browser's full-page shot would hold one screen)."""
    width = page.viewport_size["width"]
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": width, "height": height})
    settle(page)
    page.screenshot(path=path)


WHOLE_PAGES = [(lesson, PROJECTOR, "") for lesson in nnlab.lessons.names()] + [
    ("bump-twenty-neurons", PHONE, ""), ("digits-classifier", PHONE, ""), ("bump-twenty-neurons", PHONE, "zh-CN"),
    ("tabular-relu", FULL_HD, "")]


def whole_pages(browser, server: Server) -> None:
    """Train with a result, whole, for each lesson on the projector, and a few on a phone, in Chinese
    and at 1920x1080: the confusion, the accuracy, the gradient flow and the units below the fit."""
    for lesson, size, language in WHOLE_PAGES:
        page = visit(browser, f"{server.url}/Train?lesson={lesson}" + (f"&lang={language}" if language else ""), size)
        train(page, "训练" if language else "Train", "最终训练损失" if language else "Final train loss")
        kind = {PROJECTOR: "", PHONE: "phone-", FULL_HD: "1080-"}[size] + (f"{language[:2]}-" if language else "")
        whole(page, OUT / f"whole-{kind}{lesson}.png")
        page.close()


def chinese_pages(browser, server: Server) -> None:
    """Lessons, Train with a result, Inside one step and the race in Chinese; on a phone too (the
    charts draw their text in Debian's fonts-noto-cjk)."""
    for path, size, name in CHINESE_PAGES:  # the drawing tools reach below a phone's screen: taken whole
        visit(browser, f"{server.url}{path}&lang=zh-CN", size).screenshot(path=OUT / f"{name}.png",
                                                                         full_page=name == "phone-zh-draw")
    for size, name in ((PROJECTOR, "zh-train.png"), (PHONE, "phone-zh-train.png")):
        page = visit(browser, f"{server.url}/Train?lesson=bump-twenty-neurons&lang=zh-CN", size)
        train(page, "训练", "最终训练损失")
        page.screenshot(path=OUT / name)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    server = Server(Path(os.environ.get("NNLAB_DATA_DIR") or data_dir()))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            if sys.argv[1:] == ["study"]:  # the study pages alone: `take_screenshots.py study`
                study_pages(browser, server)
                return
            if sys.argv[1:] == ["chinese"]:  # the Chinese pages alone
                chinese_pages(browser, server)
                return
            if sys.argv[1:] == ["lecture"]:  # a lecture alone
                lecture_pages(browser, server)
                return
            if sys.argv[1:] == ["whole"]:  # Train's whole pages alone
                whole_pages(browser, server)
                return
            whole_pages(browser, server)
            lecture_pages(browser, server)
            study_pages(browser, server)
            chinese_pages(browser, server)
            visit(browser, f"{server.url}/?lesson=bump-twenty-neurons").screenshot(path=OUT / "lessons.png")

            # the first screen after Train (the fit and the loss are on it), then inside the network
            trained(browser, f"{server.url}/Train?lesson=bump-twenty-neurons", "train-bump.png",
                    lambda page: scroll_to_text(page, "Inside the network: each hidden unit's share"),
                    "inside-bump-units.png")
            trained(browser, f"{server.url}/Train?lesson=tabular-relu", "train-heart.png",
                    lambda page: scroll_to_text(page, "Inside the network: first-layer weights"),
                    "inside-heart-weights.png")

            page = visit(browser, f"{server.url}/Train?{SPIRAL}")
            train(page, "Train", "Final train loss")
            page.get_by_text("Discretize output").first.click()
            settle(page)
            scroll_to(page, '[data-testid="stVegaLiteChart"]')
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

            class_pages(browser, server)
            beyond_the_tutorials(browser, server)

            for size, name in ((PROJECTOR, "compare"), (FULL_HD, "compare-1080")):
                page = visit(browser, f"{server.url}/Compare_activations?lesson=bump-two-layers", size)
                train(page, "Compare 20 runs", "Final metrics: mean ± standard deviation over seeds")
                scroll_to(page, '[data-testid="stVegaLiteChart"]')
                page.screenshot(path=OUT / f"{name}.png")
            for lesson in ("bump-twenty-neurons", "tabular-relu"):
                page = visit(browser, f"{server.url}/Train?lesson={lesson}", FULL_HD)
                train(page, "Train", "Final train loss")
                page.screenshot(path=OUT / f"train-{lesson.split('-')[0]}-1080.png")
            phone(browser, server)
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
