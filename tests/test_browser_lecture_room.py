"""A lecture room in real Chromium against one real server: an instructor on a projector (1280x720)
drives a four-step lecture with the keyboard and the sidebar; three students (two phones, one
laptop), each in a browser context of its own, follow with no action on their side: they vote in a
step's poll, wait under Eyes up, train and submit to a step's challenge, roam in Free and are called
back by Follow, and see the class board. The instructor ends the lecture and downloads the room's
record. Screenshots of the projector and a phone at each stage land in test-artifacts/lecture-room/."""

from __future__ import annotations

import io
import re
import time
import zipfile

import pandas as pd
from browser_support import PHONE, PROJECTOR, ROOT, press_key, require_chromium, settle
from requirements_support import need_module

from nnlab.classroom.challenges import Board
from nnlab.classroom.lectures import Card, Lecture, PollSpec, Step
from nnlab.classroom.rules import Rules

ARTIFACTS = ROOT / "test-artifacts" / "lecture-room"
SETTINGS = (("lesson", "bump-twenty-neurons"), ("epochs", "200"))  # a second or so of training
QUESTION = "Which fits the bump better?"
FOLLOWS = 10_000  # ms: a student's page polls every 2 s; the room's row is at most 1 s old
LECTURE = Lecture("A lecture room in the browser", (
    Step("train", SETTINGS, Card("Twenty neurons", "Watch the loss fall.")),
    Step("train", SETTINGS, Card("Vote first"), poll=PollSpec(question=QUESTION, options=("A", "B"), mark="A")),
    Step("train", SETTINGS, Card("Your best run"), challenge=Rules(free=("model",), max_epochs=300)),
    Step("board", SETTINGS, Card("The board")),
))

PlaywrightTimeout = need_module("playwright.sync_api").TimeoutError
require_chromium("the browser tests")


def open_tab(browser, url: str, size: tuple[int, int]):
    """`url` in a browser context of its own (a person's own session) at `size`; a phone is a touch screen."""
    phone = size == PHONE
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, is_mobile=phone, has_touch=phone,
                                  accept_downloads=True)
    page = context.new_page()
    page.goto(url)
    page.locator('[data-testid="stApp"]').wait_for(timeout=90_000)
    settle(page)
    return page


def heading(page, name: str | re.Pattern, timeout: float = 60_000) -> None:
    """Wait for a heading: `name` exactly, or matching a pattern."""
    exact = {"exact": True} if isinstance(name, str) else {}
    page.get_by_role("heading", name=name, **exact).first.wait_for(timeout=timeout)


def on_step(page, number: int, timeout: float = FOLLOWS) -> None:
    """The step's card is on the page: "Step N of 4 · its title"."""
    page.get_by_text(f"Step {number} of 4", exact=False).first.wait_for(timeout=timeout)


def sidebar(page):
    return page.locator('[data-testid="stSidebar"]')


def no_exceptions(pages, stage: str) -> None:
    for name, page in pages.items():
        assert page.locator('[data-testid="stException"]').count() == 0, f"a Streamlit exception on {name} at {stage}"


def shots(pages, stage: str) -> None:
    """Each page as its screen shows it (`-screen`), and whole: Streamlit scrolls its main area and its
    sidebar inside a screen-high window, which full_page alone does not unroll, so for the whole page
    the window is made as tall as the longer of the two."""
    for name, page in pages.items():
        page.screenshot(path=ARTIFACTS / f"{stage}-{name}-screen.png")
        size = page.viewport_size
        tall = page.evaluate("""() => Math.max(document.querySelector('[data-testid="stMain"]').scrollHeight,
            document.querySelector('[data-testid="stSidebar"][data-collapsed="false"] [data-testid="stSidebarContent"]')
                ?.scrollHeight || 0)""")
        page.set_viewport_size({"width": size["width"], "height": min(max(tall, size["height"]), 4_000)})
        page.wait_for_timeout(300)
        page.screenshot(path=ARTIFACTS / f"{stage}-{name}.png", full_page=True)
        page.set_viewport_size(size)


def test_an_instructor_drives_a_four_step_lecture_and_three_students_follow(browser, server, data_dir):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    board = Board(f"sqlite:///{data_dir / 'classroom.sqlite3'}")  # the server's own (its data directory)
    code, key = board.start_lecture(LECTURE)

    # The instructor's link makes that session the instructor: it lands on step 1's page
    teacher = open_tab(browser, f"{server.url}/Lecture?lecture={code}&key={key}", PROJECTOR)
    heading(teacher, "Train")
    on_step(teacher, 1)
    sidebar(teacher).get_by_text(f"Lecture {code}", exact=True).wait_for(timeout=10_000)
    # the clicker's buttons (Page Up / Page Down) are there for the keys but never seen
    clicker = teacher.locator(".st-key-lecture_clicker button")
    assert clicker.count() == 2 and not any(button.is_visible() for button in clicker.all())
    # ... and the lecture's page shows the room its join code and QR
    sidebar(teacher).get_by_role("link", name="Lecture page: code, record").click()
    heading(teacher, code)
    settle(teacher)
    shots({"teacher": teacher}, "0-join-code")

    # Three students: two by the link (a phone, a laptop), one typing the code and a nickname on a phone
    phone = open_tab(browser, f"{server.url}/Lecture?lecture={code}", PHONE)
    laptop = open_tab(browser, f"{server.url}/Lecture?lecture={code}", PROJECTOR)
    typist = open_tab(browser, f"{server.url}/Lecture", PHONE)
    heading(typist, "Join a lecture")
    typist.get_by_role("textbox", name="Join code").fill(code)
    typist.get_by_role("textbox", name="Nickname (optional)").fill("Ada")
    typist.get_by_role("textbox", name="Nickname (optional)").press("Enter")  # Enter submits the form
    students = {"phone": phone, "laptop": laptop, "typist": typist}
    for student in students.values():
        heading(student, "Train")
        on_step(student, 1)
        settle(student)
    pages = {"teacher": teacher, **students}
    sidebar(teacher).get_by_text(re.compile(r"^3 joined · 3 on this step")).wait_for(timeout=10_000)
    sidebar(teacher).get_by_text("Show names", exact=True).click()  # the one nickname given, on asking
    sidebar(teacher).get_by_text("Ada", exact=True).wait_for(timeout=10_000)
    sidebar(teacher).get_by_text("Show names", exact=True).click()
    settle(teacher)
    assert sidebar(teacher).get_by_text("Ada", exact=True).count() == 0
    no_exceptions(pages, "step 1")
    shots({"teacher": teacher, "phone": phone}, "1-joined")

    # → (the keyboard): step 2 on every page, with no action on the students' side; its poll on the phones
    press_key(teacher, "ArrowRight")
    pressed = time.monotonic()
    on_step(teacher, 2, timeout=30_000)
    for name, student in students.items():
        on_step(student, 2)
        assert student.get_by_role("heading", name="Train", exact=True).count() == 1, name
    print(f"\nstep 2 on every student's page {time.monotonic() - pressed:.1f} s after the key")
    for student in (phone, typist):
        student.get_by_role("heading", name=QUESTION).wait_for(timeout=FOLLOWS)
        for option in ("A", "B"):
            student.get_by_role("button", name=option, exact=True).wait_for(timeout=FOLLOWS)
    phone.get_by_role("button", name="A", exact=True).click()
    phone.get_by_text("you can change it until the poll closes", exact=False).wait_for(timeout=10_000)
    sidebar(teacher).get_by_text(re.compile(r"· 1 voted ·")).wait_for(timeout=10_000)
    settle(phone)
    no_exceptions(pages, "step 2")
    shots({"teacher": teacher, "phone": phone}, "2-voted")

    # Eyes up: every student's page holds, with one title; released, their page comes back
    sidebar(teacher).get_by_text("Eyes up", exact=True).click()
    pressed = time.monotonic()
    for student in students.values():
        heading(student, "Eyes up", timeout=FOLLOWS)
        assert student.get_by_role("heading", name="Train", exact=True).count() == 0
    print(f"Eyes up on every student's page {time.monotonic() - pressed:.1f} s after the toggle")
    settle(phone)
    no_exceptions(pages, "eyes up")
    shots({"teacher": teacher, "phone": phone}, "3-eyes-up")
    sidebar(teacher).get_by_text("Eyes up", exact=True).click()
    settle(teacher)
    released = time.monotonic()
    stuck = []
    for name, student in students.items():  # all within FOLLOWS of the release
        try:
            heading(student, "Train", timeout=max(1_000, FOLLOWS - 1_000 * (time.monotonic() - released)))
            on_step(student, 2, timeout=1_000)
        except PlaywrightTimeout:
            stuck.append(name)
    assert not stuck, f"{stuck} stayed on Eyes up {FOLLOWS // 1000} s after the release"
    settle(phone)
    shots({"phone": phone}, "3-released")

    # Page Down (a presenter's clicker): step 3, a challenge; a student trains and submits above the pictures
    press_key(teacher, "PageDown")
    on_step(teacher, 3, timeout=30_000)
    for student in students.values():
        on_step(student, 3)
    settle(phone)
    phone.get_by_role("button", name="Train", exact=True).click()
    phone.get_by_text("Final train loss", exact=True).wait_for(timeout=120_000)
    submit = phone.get_by_role("heading", name=re.compile(r"^Submit to challenge [A-Z0-9]+$"))
    submit.wait_for(timeout=10_000)
    assert submit.bounding_box()["y"] < phone.locator('[data-testid="stVegaLiteChart"]').first.bounding_box()["y"], \
        "Submit sits above the pictures"
    phone.get_by_role("textbox", name="Nickname on the leaderboard").fill("Grace")
    phone.get_by_role("button", name="Submit", exact=True).click()
    # an entry's number is the database's: the browser tests before this one (axe's board) share it
    phone.get_by_text(re.compile(r"^Entry #\d+: ")).wait_for(timeout=60_000)
    sidebar(teacher).get_by_text(re.compile(r"· 1 trained · 0 voted · 1 submitted$")).wait_for(timeout=10_000)
    settle(phone)
    no_exceptions(pages, "step 3")
    shots({"teacher": teacher, "phone": phone}, "4-submitted")

    # Free: a student roams to another page and is offered the way back; Follow calls them back
    sidebar(teacher).get_by_role("radio", name="Free", exact=True).click()
    settle(teacher)
    laptop.wait_for_timeout(3_000)  # the laptop's page sees Free (one poll) before it roams
    sidebar(laptop).get_by_role("link", name="Data explorer").click()
    heading(laptop, "Data explorer")
    laptop.get_by_role("button", name="Back to the class").wait_for(timeout=10_000)
    settle(laptop)
    no_exceptions(pages, "free")
    shots({"teacher": teacher, "laptop": laptop}, "5-free")
    sidebar(teacher).get_by_role("radio", name="Follow", exact=True).click()
    pressed = time.monotonic()
    heading(laptop, "Train", timeout=FOLLOWS)
    print(f"the roaming student back on the step's page {time.monotonic() - pressed:.1f} s after Follow")
    on_step(laptop, 3)
    assert laptop.get_by_role("button", name="Back to the class").count() == 0

    # Next (the sidebar's button): step 4, the class board, on every page
    sidebar(teacher).get_by_role("button", name=re.compile(r"^Next\b")).click()
    on_step(teacher, 4, timeout=30_000)
    for student in students.values():
        heading(student, re.compile(r"^Class [A-Z0-9]+$"), timeout=FOLLOWS)
        on_step(student, 4)
    settle(phone)
    settle(teacher)
    no_exceptions(pages, "step 4")
    shots({"teacher": teacher, "phone": phone}, "6-board")

    # The end, from the lecture's page, and the room's record as one zip of CSVs
    sidebar(teacher).get_by_role("link", name="Lecture page: code, record").click()
    heading(teacher, code)
    teacher.get_by_role("button", name="End the lecture").click()
    teacher.get_by_text("This lecture has ended: the students' pages are theirs again.").wait_for(timeout=30_000)
    assert sidebar(teacher).get_by_role("button", name="Next").count() == 0  # nothing left to move
    settle(teacher)
    with teacher.expect_download(timeout=90_000) as downloaded:  # built on the press: slow on a busy machine
        teacher.get_by_role("button", name="The room's record (.zip)").click()
    with zipfile.ZipFile(io.BytesIO(downloaded.value.path().read_bytes())) as archive:
        assert {"steps.csv", "entries.csv", "votes.csv"} <= set(archive.namelist())
        tables = {name: archive.read(name).decode() for name in archive.namelist()}
    steps, entries, votes = (pd.read_csv(io.StringIO(tables[f"{name}.csv"])) for name in ("steps", "entries", "votes"))
    assert steps["step"].tolist() == [1, 2, 3, 4] and steps["page"].tolist() == ["train", "train", "train", "board"]
    assert len(entries) == 1 and entries["step"].tolist() == [3]
    assert votes["votes"].sum() == 1 and votes.set_index("option")["votes"].to_dict() == {"A": 1, "B": 0}
    assert set(votes["question"]) == {QUESTION}
    for student in students.values():  # every page is theirs again
        student.get_by_text("The lecture has ended", exact=False).wait_for(timeout=FOLLOWS)
    settle(phone)
    no_exceptions(pages, "the end")
    shots({"teacher": teacher, "phone": phone}, "7-ended")
