"""A poll in real Chromium against one real server: the instructor on a projector (1280x720, then
1920x1080) asks the lesson's question; three students (two on phones) vote, the instructor closes
the vote, opens a second round and reveals. Screenshots land in test-artifacts/."""

from __future__ import annotations

import re

from browser_support import PHONE, PROJECTOR, ROOT, open_at, require_chromium, settle
from requirements_support import need_module

import nnlab
from nnlab.classroom.challenges import Board

ARTIFACTS = ROOT / "test-artifacts"
DECIDED = re.compile(r"(won|tie): the best median")
WIDE = (1920, 1080)

need_module("playwright.sync_api")
require_chromium("the browser tests")


def click(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    settle(page)


def test_ask_vote_close_vote_again_and_reveal_on_a_projector_and_phones(browser, server, data_dir):
    ARTIFACTS.mkdir(exist_ok=True)
    board = Board(f"sqlite:///{data_dir / 'classroom.sqlite3'}")  # the server's own (its data directory)
    made = board.create(nnlab.lessons.get("bump-twenty-neurons"))
    question = nnlab.lessons.lesson("bump-twenty-neurons").poll.question
    teacher = open_at(browser, f"{server.url}/Class?class={made.code}&key={made.key}", PROJECTOR)
    teacher.get_by_text("Poll", exact=True).click()
    settle(teacher)
    click(teacher, "Ask it")
    teacher.get_by_role("heading", name=question).wait_for(timeout=30_000)
    students = [open_at(browser, f"{server.url}/Class?class={made.code}", size) for size in (PHONE, PHONE, PROJECTOR)]
    for student, option in zip(students, ("sigmoid", "tanh", "relu"), strict=True):
        click(student, option)
        student.get_by_text("you can change it until the poll closes").wait_for(timeout=30_000)
    students[0].screenshot(path=ARTIFACTS / "poll-phone-voted.png")
    teacher.get_by_text("3", exact=True).wait_for(timeout=30_000)  # the count within its refresh, not the spread
    assert teacher.locator('[data-testid="stVegaLiteChart"]').count() == 0
    teacher.screenshot(path=ARTIFACTS / "poll-projector-voting.png")
    click(teacher, "Close voting")
    click(teacher, "Vote again")
    for student in students:  # each phone finds the new round within its refresh: the buttons are back
        student.get_by_role("button", name="sigmoid", exact=True).wait_for(timeout=30_000)
        click(student, "sigmoid")
        student.get_by_text("you can change it until the poll closes").wait_for(timeout=30_000)
    click(teacher, "Close voting")
    click(teacher, "Reveal")
    teacher.get_by_text(DECIDED).wait_for(timeout=60_000)
    settle(teacher)
    teacher.screenshot(path=ARTIFACTS / "poll-projector-revealed.png")
    wide = open_at(browser, f"{server.url}/Class?class={made.code}&key={made.key}", WIDE)
    wide.get_by_text("Poll", exact=True).click()
    wide.get_by_text(DECIDED).wait_for(timeout=30_000)
    settle(wide)
    wide.screenshot(path=ARTIFACTS / "poll-projector-1920.png")
    students[1].get_by_text(DECIDED).wait_for(timeout=30_000)
    settle(students[1])
    students[1].screenshot(path=ARTIFACTS / "poll-phone-revealed.png", full_page=True)
    poll = board.polls(made.code, newest=1)[0]  # its number is the database's: other tests' polls share it
    assert poll.round == 2 and poll.revealed["answer"] in poll.options
    assert board.tally(made.code, poll.id, round=1)["votes"].tolist() == [1, 1, 1]
    assert board.tally(made.code, poll.id)["votes"].tolist() == [3, 0, 0]
    for page in (teacher, wide, *students):
        assert page.locator('[data-testid="stException"]').count() == 0
