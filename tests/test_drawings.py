"""A class's shared drawing on real databases (SQLite and PostgreSQL): every tap is kept exactly once
however many phones tap at once, the limits per student and in all hold under that load and are each
refused with their own message, and only the instructor's key freezes, clears or removes a student's
points. The drawing trains and exports like any drawn data."""

from __future__ import annotations

import threading

import pytest

import nnlab
from nnlab.classroom.challenges import Rules
from nnlab.data import drawing
from nnlab.errors import ClassError
from nnlab.export import export_script

LESSON = nnlab.lessons.get("bump-twenty-neurons")


def _made(board, **rules):
    return board.create(LESSON, Rules(drawing=True, **rules))


def test_a_shared_drawing_starts_empty_on_points_of_classes_and_keeps_each_tap_once(board):
    made = _made(board, points_each=4)
    assert made.experiment.data.name == "drawn_points" and not made.experiment.data.drawing
    assert board.add_point(made.code, "phone-a", 0, 1.0, -2.0, 1) == 1
    assert board.add_point(made.code, "phone-a", 0, 1.0, -2.0, 1) == 1  # the same tap, sent again: kept once
    assert board.add_point(made.code, "phone-b", 0, -3.0, 4.0, 0) == 1  # another phone's first tap
    drawn = board.drawn(made.code.lower())
    assert drawn == drawing.Points(((drawing.level(1.0, drawing.PLANE), drawing.level(-2.0, drawing.PLANE), 1),
                                    (drawing.level(-3.0, drawing.PLANE), drawing.level(4.0, drawing.PLANE), 0)), False)
    drawers = board.drawers(made.code)
    assert drawers["points"].tolist() == [1, 1] and drawers["author"].tolist() == ["phone-a", "phone-b"]  # first drew first


def test_a_hundred_taps_at_once_from_twenty_phones_each_kept_once_and_the_limits_hold(board):
    made = _made(board, points_each=5)
    start = threading.Barrier(20)
    refused: list[str] = []

    def phone(number: int) -> None:
        start.wait()
        for tap in range(7):  # two more than a student may add
            try:
                board.add_point(made.code, f"phone-{number}", tap, number / 4 - 2.5, tap - 3.0, number % 3)
            except ClassError as error:
                refused.append(str(error))
        board.add_point(made.code, f"phone-{number}", 2, 0.0, 0.0, 0)  # an old tap again: nothing new

    threads = [threading.Thread(target=phone, args=(number,)) for number in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(board.drawn(made.code).points) == 100 and set(board.drawers(made.code)["points"]) == {5}
    assert len(refused) == 40 and set(refused) == {"You have added 5 points, as many as each student may."}


def test_the_drawing_takes_at_most_its_points_in_all(board, monkeypatch):
    monkeypatch.setattr(drawing, "MAX_POINTS", 12)
    made = _made(board, points_each=5)
    start = threading.Barrier(4)
    refused: list[str] = []

    def phone(number: int) -> None:
        start.wait()
        for tap in range(5):
            try:
                board.add_point(made.code, f"phone-{number}", tap, float(tap), float(number), 0)
            except ClassError as error:
                refused.append(str(error))

    threads = [threading.Thread(target=phone, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(board.drawn(made.code).points) == 12
    assert refused == ["The drawing holds 12 points, as many as it takes."] * 8


def test_bad_taps_and_other_challenges_are_refused_with_what_is_wrong(board):
    made = _made(board)
    for args, says in (((0, 1.0, 1.0, 7), "class is 0 to 4"), ((0, 9.0, 0.0, 0), "lies on the plane"),
                       ((0, float("nan"), 0.0, 0), "lies on the plane"), ((0, 0.0, 0.0, True), "class is 0 to 4")):
        with pytest.raises(ClassError, match=says):
            board.add_point(made.code, "phone", *args)
    with pytest.raises(ClassError, match="1 to 64 characters|author id"):
        board.add_point(made.code, "x" * 65, 0, 0.0, 0.0, 0)
    other = board.create(LESSON)
    with pytest.raises(ClassError, match="not a shared drawing"):
        board.add_point(other.code, "phone", 0, 0.0, 0.0, 0)
    with pytest.raises(ClassError, match="no challenge with the code"):
        board.add_point("NONE9", "phone", 0, 0.0, 0.0, 0)
    with pytest.raises(ClassError, match="nothing to submit"):
        board.submit(made.code, "kim", made.experiment)
    with pytest.raises(ClassError, match="1 to 500 points"):
        Rules(drawing=True, points_each=0)
    with pytest.raises(ClassError, match="not both"):
        Rules(drawing=True, by_hand=True)


def test_only_the_instructors_key_freezes_clears_or_removes_a_students_points(board):
    made = _made(board)
    for number in range(3):
        board.add_point(made.code, "ann", number, float(number), 1.0, 0)
        board.add_point(made.code, "bob", number, float(number), -1.0, 1)
    with pytest.raises(ClassError, match="instructor key"):
        board.remove_points(made.code, "not the key", "ann")
    assert board.remove_points(made.code, made.key, "ann") == 3
    assert board.drawers(made.code)["author"].tolist() == ["bob"]
    board.close(made.code, made.key)
    with pytest.raises(ClassError, match="frozen"):
        board.add_point(made.code, "bob", 9, 0.0, 0.0, 1)
    board.reopen(made.code, made.key)
    board.add_point(made.code, "bob", 9, 0.0, 0.0, 1)
    assert board.remove_points(made.code, made.key) == 4 and not board.drawn(made.code).points


def test_the_class_drawing_trains_and_exports_like_any_drawn_data(board):
    made = _made(board)
    for number in range(20):
        board.add_point(made.code, f"phone-{number % 4}", number, number / 2 - 5, (-1) ** number * 2.0, number % 2)
    exp = made.experiment.replace(data={"drawing": drawing.encode(board.drawn(made.code))}, training={"epochs": 30})
    exp = nnlab.training.trainer.fit_loss_to_task(exp, nnlab.load_data(exp).task)
    result = nnlab.train(exp)
    assert len(result.history) == 30 and result.data.task == "binary"
    assert "DRAWN_ROWS = [" in export_script(exp)  # the script carries the class's points
