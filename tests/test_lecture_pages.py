"""A lecture under Streamlit's AppTest: prepared on the Lecture page, started, and followed by a
student on every kind of step (each page, a poll, a challenge, Eyes up, Free roaming)."""

from __future__ import annotations

import pytest
import streamlit as st
from apptest_support import assert_clean, open_page

from nnlab.classroom import lectures
from nnlab.classroom.challenges import Board
from nnlab.classroom.lectures import Card, Lecture, PollSpec, Step
from nnlab.classroom.rules import Rules
from nnlab.ui.lecture_screen import PAGE_FILES

QUICK = {"lesson": "bump-twenty-neurons", "epochs": "200"}


@pytest.fixture(autouse=True)
def class_database(tmp_path, monkeypatch):
    """Each test: its own SQLite class database, and Streamlit's process-wide caches cleared."""
    monkeypatch.setenv("NNLAB_DATABASE_URL", f"sqlite:///{tmp_path / 'class.sqlite3'}")
    st.cache_data.clear()
    st.cache_resource.clear()


def step(page: str = "train", title: str = "Look at the fit", **parts) -> Step:
    return Step(page, tuple(QUICK.items()), Card(title, "What to see.", "What will happen?"), **parts)


def started(*steps: Step) -> tuple[str, str]:
    return Board().start_lecture(Lecture("A test lecture", steps))


def student(code: str, page: str = "train"):
    """A student's phone opening the lecture's join link; it lands on the room's step's `page` (AppTest
    reruns the page it opened unless told where the switch went)."""
    at = open_page("pages/9_Lecture.py", query={"lecture": code})
    assert_clean(at)
    at.switch_page(PAGE_FILES[page])
    return at


def after_the_room_moved(at):
    """The student's next look: the server's board reads the room afresh (its pace is kept a second)."""
    st.cache_resource.clear()
    at.run()
    assert_clean(at)
    return at


def texts(at) -> str:
    return " ".join([m.value for m in at.markdown] + [t.value for t in at.title] + [s.value for s in at.subheader]
                    + [i.value for i in at.info])


@pytest.mark.parametrize("page", list(lectures.PAGES))
def test_a_student_who_joins_lands_on_every_kind_of_step_with_its_card(page):
    code, _ = started(step(page, title=f"The {page} step"))
    at = student(code, page)
    assert f"Step 1 of 1 · The {page} step" in texts(at)
    assert at.session_state["lecture_step"] == 0
    assert at.session_state["experiment"] == lectures.read(lectures.dumps(Lecture("x", (step(page),)))).steps[0].experiment


def test_the_student_follows_next_with_the_steps_locks_and_gets_their_own_settings_back():
    code, key = started(step(lock=frozenset({"rate"})), step(title="Second"))
    at = student(code).run()
    assert at.select_slider(key="w_rate").disabled  # the step's lock
    at.number_input(key="w_epochs").set_value(150).run()
    Board().go_to(code, key, 1)
    after_the_room_moved(at)
    assert "Step 2 of 2 · Second" in texts(at) and not at.select_slider(key="w_rate").disabled
    assert at.session_state["experiment"].training.epochs == 200
    Board().go_to(code, key, 0)
    after_the_room_moved(at)
    assert at.session_state["experiment"].training.epochs == 150  # what they did at step 1, there again


def test_a_poll_reaches_the_phone_on_whatever_page_and_the_vote_counts():
    code, key = started(step(), step("data", poll=PollSpec(question="Which?", options=("yes", "no"), mark="yes")))
    at = student(code)
    Board().go_to(code, key, 1)
    after_the_room_moved(at)
    at.switch_page(PAGE_FILES["data"]).run()  # where the room's move took the student
    assert "Which?" in [s.value for s in at.subheader]
    next(b for b in at.button if b.label == "yes").click().run()
    assert_clean(at)
    assert Board().roster(code).voted == 1


def test_a_challenge_step_gives_the_student_its_rules_and_a_submit_button_above_the_result():
    code, key = started(step(challenge=Rules(free=("model",), max_epochs=300)))
    at = student(code).run()
    assert any("Class challenge" in i.value for i in at.info)
    assert at.select_slider(key="w_rate").disabled  # training is the challenge's
    at.button(key="train").click().run()
    assert_clean(at)
    assert at.button(key="class_submit") is not None
    assert Board().roster(code).trained == 1


def test_eyes_up_holds_every_student_page_until_released():
    code, key = started(step())
    at = student(code)
    Board().set_paused(code, key, True)
    after_the_room_moved(at)
    assert [t.value for t in at.title] == ["Eyes up"] and not at.button  # no control left to touch
    Board().set_paused(code, key, False)
    after_the_room_moved(at)
    assert "Train" in [t.value for t in at.title]


def test_in_free_mode_a_student_roams_and_is_offered_the_way_back():
    code, key = started(step())
    at = student(code)
    Board().set_mode(code, key, "free")
    after_the_room_moved(at)
    at.switch_page("pages/1_Data_explorer.py").run()
    assert_clean(at)
    assert any("The class is on Step 1 of 1" in m.value for m in at.markdown)
    assert at.button(key="lecture_back_to_class")


def test_the_instructor_prepares_a_lecture_reorders_edits_and_refuses_a_damaged_file():
    at = open_page("pages/9_Lecture.py")
    at.selectbox(key="lecture_start_from").set_value("depth-and-nonlinearity")
    at.button(key="lecture_open").click().run()
    first = at.session_state["lecture_draft"].steps[0]
    at.button(key="lecture_down_0").click().run()
    assert at.session_state["lecture_draft"].steps[1] == first
    title = next(box for box in at.text_input if box.key.startswith("lc_title_1_"))
    assert title.value == first.card.title  # the moved step's form shows its own words, not its old place's
    title.set_value("")
    next(b for b in at.button if b.key.startswith("FormSubmitter:lecture_card_1_")).click().run()
    errors = [e.value.lower() for e in at.error]
    assert any("step 2, card.title is missing" in error for error in errors), errors  # refused, the draft kept as it was
    assert at.session_state["lecture_draft"].steps[1] == first
    at.button(key="lecture_delete_0").click().run()
    assert len(at.session_state["lecture_draft"].steps) == 5
    assert_clean(at)


def test_a_page_added_as_a_step_opens_with_its_own_settings():
    at = open_page("pages/9_Lecture.py")
    at.selectbox(key="lecture_start_from").set_value("new")
    at.button(key="lecture_open").click().run()
    at.switch_page("pages/3_Train.py").run()
    at.number_input(key="w_epochs").set_value(150).run()
    at.button(key="lecture_add_page").click().run()
    added = at.session_state["lecture_draft"].steps[-1]
    assert added.page == "train" and added.experiment == at.session_state["experiment"]


def test_the_instructor_starts_it_drives_from_the_sidebar_and_takes_the_record_home():
    at = open_page("pages/9_Lecture.py")
    at.session_state["lecture_draft"] = Lecture("Two steps", (step(), step(title="Second")))
    at.run()
    at.button(key="lecture_start").click().run()
    assert_clean(at)
    code = at.session_state["lecture_code"]
    assert "lecture" not in at.query_params and "key" not in at.query_params  # never the key in the address bar
    at.switch_page(PAGE_FILES["train"]).run()  # where starting took the instructor
    at.sidebar.button(key="lecture_next").click().run()
    assert Board().pace(code, fresh_within=0).step == 1
    assert not at.session_state["classroom"].lock  # the instructor's own session is never locked
    at.switch_page("pages/9_Lecture.py").run()
    assert_clean(at)
    assert code in [t.value for t in at.title]
    assert at.get("download_button")


def test_a_board_step_with_its_own_poll_draws_it_once_for_the_student_and_the_instructor():
    code, key = started(step("board", poll=PollSpec(question="Which?", options=("yes", "no")),
                             challenge=Rules(free=("model",), max_epochs=300)))
    at = student(code, "board").run()
    assert [s.value for s in at.subheader].count("Which?") == 1
    teacher = open_page("pages/9_Lecture.py", query={"lecture": code, "key": key})
    teacher.switch_page(PAGE_FILES["board"]).run()
    assert_clean(teacher)
    assert [h.value for h in teacher.header].count("Which?") == 1


def test_a_deleted_lecture_gives_the_student_every_page_back():
    code, key = started(step(lock=frozenset({"rate"})))
    at = student(code).run()
    Board().delete_lecture(code, key)
    after_the_room_moved(at)
    assert "lecture_code" not in at.session_state and not at.select_slider(key="w_rate").disabled
