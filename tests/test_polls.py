"""Polls on real databases (SQLite and a real PostgreSQL server): one vote per voter a round,
changed votes counted once, refusals that name why, and answers the server works out itself."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine
from test_classroom import QUICK

import nnlab
from nnlab.classroom import classdb, polls
from nnlab.classroom.challenges import Board
from nnlab.errors import ClassError


def test_a_choice_poll_counts_one_vote_per_voter_and_lists_every_option(board):
    made = board.create(QUICK)
    poll = board.ask(made.code, made.key, "  Which layer learns last?  ", ["first", "second", "output"], mark="first")
    assert (poll.question, poll.options, poll.round, poll.is_open) == ("Which layer learns last?",
                                                                      ("first", "second", "output"), 1, True)
    board.vote(made.code, poll.id, "ann", "second")
    board.vote(made.code, poll.id, "bob", "second")
    board.vote(made.code, poll.id, "ann", "first")  # changed her mind: counted once, as her last vote
    tally = board.tally(made.code, poll.id)
    assert tally.to_dict("list") == {"option": ["first", "second", "output"], "votes": [1, 1, 0]}
    assert board.votes(made.code, poll.id) == 2


def test_votes_are_refused_with_the_reason(board):
    made = board.create(QUICK)
    poll = board.ask(made.code, made.key, "Yes or no?", ["yes", "no"])
    with pytest.raises(ClassError, match="not one of this poll's options"):
        board.vote(made.code, poll.id, "ann", "maybe")
    with pytest.raises(ClassError, match="There is no poll"):
        board.vote("ZZZZZ", poll.id, "ann", "yes")
    with pytest.raises(ClassError, match="voter id is 1 to 64"):
        board.vote(made.code, poll.id, "x" * 65, "yes")
    with pytest.raises(ClassError, match="instructor key"):
        board.close_poll(made.code, "not-the-key", poll.id)
    board.close_poll(made.code, made.key, poll.id)
    with pytest.raises(ClassError, match="poll is closed"):
        board.vote(made.code, poll.id, "ann", "yes")
    with pytest.raises(ClassError, match="2 to 6 options"):
        board.ask(made.code, made.key, "Too few?", ["only"])
    with pytest.raises(ClassError, match="control characters"):
        board.ask(made.code, made.key, "Line\nbreak?", ["a", "b"])
    with pytest.raises(ClassError, match="instructor key"):
        board.ask(made.code, "wrong", "Who asks?", ["a", "b"])


def test_voting_again_keeps_the_first_round_and_counts_the_second_apart(board):
    made = board.create(QUICK)
    poll = board.ask(made.code, made.key, "Which?", ["a", "b"], mark="b")
    for voter, answer in (("1", "a"), ("2", "a"), ("3", "b")):
        board.vote(made.code, poll.id, voter, answer)
    board.close_poll(made.code, made.key, poll.id)
    again = board.revote(made.code, made.key, poll.id)
    assert (again.round, again.is_open) == (2, True)
    for voter in ("1", "2", "3"):
        board.vote(made.code, poll.id, voter, "b")
    assert board.tally(made.code, poll.id, round=1)["votes"].tolist() == [2, 1]
    assert board.tally(made.code, poll.id)["votes"].tolist() == [0, 3]
    reveal = board.reveal(made.code, made.key, poll.id)
    assert reveal.answer == "b" and not reveal.runs
    stored = board.poll(made.code, poll.id)
    assert stored.revealed == {"answer": "b", "values": {}} and not stored.is_open


def test_a_setting_poll_is_answered_by_training_each_option_as_compare_does(board):
    exp = nnlab.lessons.get("bump-twenty-neurons").replace(training={"epochs": 300})
    made = board.create(exp)
    poll = board.ask(made.code, made.key, "Which activation fits the bumps best?", ["sigmoid", "tanh", "relu"],
                     kind="setting", setting="activation")
    assert poll.score == "train_acc" and poll.experiment == made.experiment
    reveal = board.reveal(made.code, made.key, poll.id, seeds=2)
    runs = nnlab.compare(made.experiment, ("sigmoid", "tanh", "relu"), range(2))
    medians = {a: sorted(r.result.history["train_acc"].iloc[-1] for r in runs if r.activation == a) for a in
               ("sigmoid", "tanh", "relu")}
    assert reveal.values == pytest.approx({a: sum(v) / 2 for a, v in medians.items()})
    best = max(reveal.values.values())
    assert reveal.answer == " and ".join(a for a, v in reveal.values.items() if v == best) and len(reveal.runs) == 6
    assert board.poll(made.code, poll.id).revealed["answer"] == reveal.answer  # every server shows the same


def test_a_setting_poll_refuses_options_the_run_cannot_take(board):
    made = board.create(QUICK)
    with pytest.raises(ClassError, match="not a learning rate this run can take"):
        board.ask(made.code, made.key, "Which rate?", ["0.1", "100"], kind="setting", setting="rate")
    with pytest.raises(ClassError, match="asks about one of"):
        board.ask(made.code, made.key, "Which file?", ["a", "b"], kind="setting", setting="file")
    with pytest.raises(ClassError, match="no train accuracy|no test loss"):
        board.ask(made.code, made.key, "How far?", kind="number", score="train_acc",
                  exp=nnlab.lessons.get("step-two-neurons"))


def test_a_number_poll_bins_its_votes_and_reveals_the_trained_value(board):
    made = board.create(QUICK)
    poll = board.ask(made.code, made.key, "What test accuracy will it reach?", kind="number", low=0, high=1)
    for voter, answer in (("1", 0.55), ("2", "0.58"), ("3", 0.91), ("4", 1.0)):
        board.vote(made.code, poll.id, voter, answer)
    with pytest.raises(ClassError, match="a number from 0 to 1"):
        board.vote(made.code, poll.id, "5", 1.5)
    tally = board.tally(made.code, poll.id)
    assert len(tally) == polls.NUMBER_BINS and tally["option"].iloc[0] == "0–0.1"
    assert tally["votes"].tolist() == [0, 0, 0, 0, 0, 2, 0, 0, 0, 2]
    reveal = board.reveal(made.code, made.key, poll.id)
    assert reveal.values["reached"] == nnlab.train(made.experiment).history["test_acc"].iloc[-1]


def test_many_voters_at_once_are_each_counted_once(board):
    """Forty voters, each clicking twice at the same moment (the second click changes their vote)."""
    made = board.create(QUICK)
    poll = board.ask(made.code, made.key, "Which?", ["a", "b", "c"])
    start = threading.Barrier(40)
    errors = []

    def voter(number: int) -> None:
        try:
            start.wait()
            board.vote(made.code, poll.id, f"v{number}", "a")
            board.vote(made.code, poll.id, f"v{number}", "b" if number % 2 else "c")
        except Exception as error:  # noqa: BLE001 - every failure is reported below
            errors.append(error)
    threads = [threading.Thread(target=voter, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert board.tally(made.code, poll.id)["votes"].tolist() == [0, 20, 20]


def test_an_older_database_gains_the_poll_tables(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_engine(url)
    classdb.metadata.create_all(engine, tables=[classdb.schema_table, classdb.challenges_table,
                                                classdb.entries_table])
    with engine.begin() as connection:
        connection.execute(classdb.schema_table.insert().values(id=1, version=1))
    board = Board(url)
    made = board.create(QUICK)
    assert board.ask(made.code, made.key, "Works?", ["yes", "no"]).id
    with board.engine.connect() as connection:
        assert connection.execute(classdb.schema_table.select()).one().version == classdb.SCHEMA_VERSION


@pytest.mark.parametrize("lesson_id", [name for name, lesson in nnlab.lessons.LESSONS.items() if lesson.poll])
def test_every_lessons_question_opens_as_a_ready_poll(lesson_id, tmp_path):
    board = Board(f"sqlite:///{tmp_path / 'class.sqlite3'}")
    made = board.create(nnlab.lessons.get(lesson_id))
    poll = board.ask_lesson(made.code, made.key, lesson_id)
    ready = nnlab.lessons.lesson(lesson_id).poll
    assert (poll.question, poll.kind, poll.options, poll.score) == (ready.question, ready.kind, ready.options,
                                                                    ready.score)
    assert poll.experiment == nnlab.lessons.get(lesson_id) and poll.is_open
