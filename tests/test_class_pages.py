"""The Class page and the challenge on Train under Streamlit's AppTest: an instructor starts one, a
student joins by its link, trains and submits; rules, keys, abuse and a database that is down."""

from __future__ import annotations

import pytest
import streamlit as st
from apptest_support import assert_clean, open_page

import nnlab
from nnlab.classroom.challenges import Board, Rules

LESSON = nnlab.lessons.get("bump-twenty-neurons").replace(training={"epochs": 300})


@pytest.fixture(autouse=True)
def class_database(tmp_path, monkeypatch):
    """Each test: its own SQLite class database, and Streamlit's process-wide caches cleared."""
    url = f"sqlite:///{tmp_path / 'class.sqlite3'}"
    monkeypatch.setenv("NNLAB_DATABASE_URL", url)
    st.cache_data.clear()
    st.cache_resource.clear()
    return url


def test_an_instructor_starts_a_challenge_and_gets_its_code_qr_and_private_link():
    at = open_page("pages/5_Class.py", experiment=LESSON)
    at.text_input(key="class_title").set_value("Fit *both* bumps")
    at.multiselect(key="class_free").set_value(["model"])
    at.button(key="class_create").click().run()
    assert_clean(at)
    code, key = at.session_state["class_code"], at.session_state["class_key"]
    assert any(t.value == code for t in at.title)  # the join code, large
    assert any(c.value.replace("\u200b", "") == f"/Train?class={code}" for c in at.caption)  # the join link, under the code
    assert at.code[0].value == f"/Class?class={code}&key={key}"  # the private link, in the sidebar only
    assert at.query_params["class"] in (code, [code]) and "key" not in at.query_params  # never in the address bar
    assert {"Close the challenge", "Clear every entry"} <= {b.label for b in at.button}
    assert any(s.value == r"Fit \*both\* bumps" for s in at.subheader)  # the title shows as typed, not as Markdown
    assert "classroom" not in at.session_state or not at.session_state["classroom"].lock  # the instructor: free
    challenge = Board().challenge(code)
    assert challenge.rules == Rules(free=("model",), max_units=64, max_epochs=300, score="train_acc",
                                    title="Fit *both* bumps")


def test_a_student_joins_by_link_trains_submits_and_the_server_scores_it():
    made = Board().create(LESSON, Rules(free=("model",)))
    at = open_page("pages/3_Train.py", query={"class": made.code})
    assert_clean(at)
    assert any(f"Class challenge {made.code}" in i.value for i in at.info)
    assert at.select_slider(key="w_rate").disabled  # training settings are the challenge's
    assert at.session_state["experiment"] == made.experiment
    at.button(key="train").click().run()
    at.text_input(key="class_nickname").set_value("<b>[me](http://x)</b>")
    at.button(key="class_submit").click().run()
    assert_clean(at)
    expected = nnlab.train(made.experiment).history["train_acc"].iloc[-1]
    entries = Board().entries(made.code)
    assert entries["score"].tolist() == [expected] and entries["nickname"].tolist() == ["<b>[me](http://x)</b>"]
    assert any("rank 1 of 1" in s.value for s in at.success)
    at.button(key="class_submit").click().run()  # again at once: too soon
    assert any("One submission every 10 seconds" in w.value for w in at.warning)
    assert len(Board().entries(made.code)) == 1
    board = open_page("pages/5_Class.py", query={"class": made.code})
    assert_clean(board)
    top = board.dataframe[0].value
    assert top["who"].tolist() == ["<b>[me](http://x)</b> #1"]  # shown as text, in a table cell
    assert "open" in top and top["open"][0].startswith("/Train?") and f"class={made.code}" in top["open"][0]
    assert not [b for b in board.button if b.label == "Close the challenge"]  # no key, no instructor controls


def test_settings_outside_the_rules_are_refused_with_the_rule_named():
    made = Board().create(LESSON, Rules(free=("model",), max_units=30))
    at = open_page("pages/3_Train.py", query={"class": made.code})

    def submit(message: str) -> None:
        at.session_state["class_submitted"] = -1e9
        at.run()
        at.button(key="train").click().run()
        at.text_input(key="class_nickname").set_value("eve")
        at.button(key="class_submit").click().run()
        assert any(message in e.value for e in at.error), [e.value for e in at.error]
        assert not at.exception

    at.session_state["experiment"] = made.experiment.replace(model={"hidden": (40,)})
    submit("at most 30 units in a hidden layer; yours has 40")
    at.session_state["experiment"] = made.experiment
    at.session_state["w_rate"] = 0.1  # a locked control's value, as a hostile client could send it
    submit("keeps the learning rate as the instructor set it (0.01); yours is 0.1")
    assert Board().entries(made.code).empty


def test_a_challenge_whose_own_settings_break_its_limits_is_refused():
    with pytest.raises(nnlab.ClassError, match="own settings break its limits.*at most 8 units"):
        Board().create(LESSON, Rules(max_units=8))


def test_a_wrong_instructor_key_joins_as_a_student_and_changes_nothing():
    made = Board().create(LESSON)
    at = open_page("pages/5_Class.py", query={"class": made.code, "key": "guess"})
    assert not at.exception
    assert any("not this challenge's instructor key" in w.value and "joins as a student" in w.value for w in at.warning)
    assert not [b for b in at.button if b.label in ("Close the challenge", "Clear every entry")]
    right = open_page("pages/5_Class.py", query={"class": made.code, "key": made.key})
    right.button(key="class_close").run()
    right.button(key="class_close").click().run()
    assert not Board().challenge(made.code).is_open
    student = open_page("pages/3_Train.py", query={"class": made.code})
    student.button(key="train").click().run()
    assert student.button(key="class_submit").disabled and any("closed" in i.value for i in student.info)


def test_a_database_that_is_down_is_said_and_training_goes_on(monkeypatch):
    made = Board().create(LESSON)
    monkeypatch.setenv("NNLAB_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
    st.cache_resource.clear()
    at = open_page("pages/3_Train.py", query={"class": made.code})
    assert not at.exception
    assert any("cannot be reached right now" in w.value for w in at.warning)
    at.button(key="train").click().run()
    assert not at.exception and [m.label for m in at.metric][:1] == ["Final train loss"]
    page = open_page("pages/5_Class.py")
    assert not page.exception and [s.value for s in page.subheader] == ["Join your class", "Start a challenge"]
    page.text_input(key="class_join_code").set_value(made.code)
    page.button(key="class_join").click().run()
    assert not page.exception and any("cannot be reached right now" in e.value for e in page.error)


def test_a_poll_from_ask_to_a_second_round_on_the_projector_and_the_phones():
    """The instructor asks the lesson's question; students vote with one button each (the projector
    shows only how many); voting closes, opens again, and the reveal trains the answer."""
    made = Board().create(LESSON)
    teacher = open_page("pages/5_Class.py", query={"class": made.code, "key": made.key})
    teacher.segmented_control(key="class_projecting").set_value("poll").run()
    teacher.button(key="poll_ask_lesson").click().run()
    assert_clean(teacher)
    question = nnlab.lessons.lesson("bump-twenty-neurons").poll.question
    assert any(h.value == question for h in teacher.header)
    assert any(c.value.replace("\u200b", "") == f"/Class?class={made.code}" for c in teacher.caption)  # the QR: to the vote
    students = [open_page("pages/5_Class.py", query={"class": made.code}) for _ in range(3)]
    for student, option in zip(students, (0, 0, 2), strict=True):
        assert any(s.value == question for s in student.subheader)
        student.button(key=f"poll_option_1_{option}").click().run()
        assert_clean(student)
        assert any("Your vote" in i.value and "until the poll closes" in i.value for i in student.info)
    students[0].button(key="poll_option_1_1").click().run()  # a change of mind: still one vote
    teacher.run()
    assert teacher.metric[0].value == "3" and not teacher.get("vega_lite_chart")  # a count, not the spread
    teacher.button(key="poll_close").click().run()
    teacher.button(key="poll_again").click().run()
    for student in students:
        student.run()
        student.button(key="poll_option_1_0").click().run()
    teacher.button(key="poll_close").click().run()
    teacher.button(key="poll_reveal").click().run()
    assert_clean(teacher)
    poll = Board().poll(made.code, 1)
    assert poll.revealed["answer"] in poll.options and poll.round == 2
    assert Board().tally(made.code, 1, round=1)["votes"].tolist() == [1, 1, 1]
    assert any(poll.revealed["answer"] in s.value for s in teacher.success)
    specs = [chart.proto.spec for chart in teacher.get("vega_lite_chart")]
    assert any("the median and the middle half of the seeds" in spec for spec in specs)  # the runs that decided it
    students[1].run()
    assert any(poll.revealed["answer"] in s.value for s in students[1].success)
    teacher.button(key="poll_new_button").click().run()  # a second question, written by hand
    teacher.text_input(key="poll_question").set_value("Is a lower loss always better?")
    teacher.text_area(key="poll_options").set_value("yes\nno")
    teacher.button(key="poll_ask").click().run()
    assert_clean(teacher)
    assert any(h.value == "Is a lower loss always better?" for h in teacher.header)  # shown, not the form again


def test_the_instructor_who_started_a_challenge_is_never_locked_by_its_link():
    """The page writes class=CODE into the address; reading it again must not make the instructor a student."""
    at = open_page("pages/5_Class.py", experiment=LESSON)
    at.button(key="class_create").click().run()
    at.switch_page("pages/3_Train.py").run()
    assert_clean(at)
    assert "classroom" not in at.session_state or not at.session_state["classroom"].lock
    assert not at.select_slider(key="w_rate").disabled and not at.selectbox(key="w_lesson").disabled


def test_a_challenge_to_fit_by_hand_from_its_start_to_a_students_entry():
    step = nnlab.lessons.get("step-two-neurons").replace(training={"loss": "mse"})
    at = open_page("pages/5_Class.py", experiment=step)
    at.segmented_control(key="class_kind").set_value("hand").run()
    assert at.multiselect(key="class_free").disabled and not at.number_input(key="class_goal").disabled
    at.number_input(key="class_goal").set_value(0.05)
    at.button(key="class_create").click().run()
    assert_clean(at)
    code = at.session_state["class_code"]
    assert Board().challenge(code).rules == Rules(by_hand=True, goal=0.05, free=(), score="train_loss")
    assert any(c.value.replace("\u200b", "") == f"/Be_the_optimizer?class={code}" for c in at.caption)  # the join link
    assert any("Fit by hand" in m.value and "0.05" in m.value for m in at.markdown)

    student = open_page("pages/10_Be_the_optimizer.py", query={"class": code})
    assert_clean(student)
    assert not any(button.key == "hand_train" for button in student.button)  # no training in this challenge
    student.selectbox(key="hand_weight").set_value("w(x→h1)").run()
    student.number_input(key="hand_typed").set_value(-0.5).run()
    student.text_input(key="class_nickname").set_value("kim")
    student.button(key="class_submit").click().run()
    assert_clean(student)
    entries = Board().entries(code)
    assert len(entries) == 1 and entries["experiment"][0].model.start.startswith("w1")
    assert any("Not yet below the goal of 0.05" in s.value for s in student.success)
    train = open_page("pages/3_Train.py", query={"class": code})
    train.button(key="train").click().run()
    assert_clean(train)
    assert not any(button.key == "class_submit" for button in train.button)  # entries are made by hand, not here


def test_a_shared_drawings_projector_keeps_its_private_link_and_a_phone_gets_the_plane():
    made = Board().create(LESSON, Rules(drawing=True, points_each=5))
    projector = open_page("pages/5_Class.py", query={"class": made.code, "key": made.key})
    assert_clean(projector)
    assert projector.code[0].value == f"/Class?class={made.code}&key={made.key}"  # a reloaded projector's way back
    assert {"Train on the drawing", "Freeze the drawing", "Clear the drawing"} <= {b.label for b in projector.button}
    phone = open_page("pages/5_Class.py", query={"class": made.code})
    assert_clean(phone)
    assert any(t.value == "Draw the data together" for t in phone.title)
    assert not any("key=" in code.value for code in phone.code)  # a student never sees the instructor's link
    assert not any(b.label == "Train on the drawing" for b in phone.button)
