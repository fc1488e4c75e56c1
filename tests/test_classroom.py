"""Class challenges on real databases: SQLite (the embedded default) and a real PostgreSQL server.
Scores come from training the Experiment; rules, keys and closed challenges refuse with messages."""

from __future__ import annotations

import hashlib
import re
import string
import threading

import pytest
from sqlalchemy import select, update

import nnlab
from nnlab.classroom import challenges, classdb
from nnlab.classroom.challenges import Board, Rules

QUICK = nnlab.Experiment(
    data=nnlab.DataSpec(name="xor", n_points=60, train_fraction=0.75),
    model=nnlab.ModelSpec(hidden=(3,), activations=("tanh",)),
    training=nnlab.TrainSpec(loss="bce", optimizer="adam", learning_rate=0.05, epochs=5, batch_size=16),
)


def test_a_challenge_has_a_short_code_a_key_kept_only_as_a_hash_and_pinned_data(board):
    made, other = board.create(QUICK), board.create(QUICK)
    # read off a projector at the back: five capitals and digits, with no 0/O or 1/I/L to mistake
    assert re.fullmatch(r"[A-Z2-9]{5}", made.code)
    assert set(classdb.CODE_LETTERS) == set(string.ascii_uppercase + string.digits) - set("0O1IL")
    # the key rides in a link and no one guesses it: URL-safe, 24 characters (144 random bits), new each time
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}", made.key) and made.key != other.key
    loaded = board.challenge(made.code.lower())  # codes are read in any case
    assert loaded.experiment == made.experiment == QUICK.replace(data={"seed": QUICK.seed})
    assert loaded.rules.score == "test_acc" and loaded.is_open and loaded.key is None
    with board.engine.connect() as connection:
        stored = connection.execute(select(challenges.challenges_table.c.key_hash)
                                    .where(challenges.challenges_table.c.code == made.code)).scalar()
    assert stored == hashlib.sha256(made.key.encode()).hexdigest() and made.key not in stored


def test_the_score_is_the_servers_own_training_of_the_experiment(board):
    made = board.create(QUICK)
    faster = made.experiment.replace(training={"learning_rate": 0.2})
    entry = board.submit(made.code, "  alex  ", faster)
    expected = nnlab.train(faster).history["test_acc"].iloc[-1]
    assert entry.nickname == "alex" and entry.score == expected and entry.label == f"alex #{entry.number}"
    table = board.entries(made.code)
    assert table[["label", "score", "learning_rate", "hidden_units"]].values.tolist() == [
        [entry.label, expected, 0.2, 3]
    ]
    assert table["experiment"][0] == faster


def test_nicknames_are_trimmed_checked_and_duplicates_told_apart(board):
    made = board.create(QUICK)
    first, second = board.submit(made.code, "sam", made.experiment), board.submit(made.code, "sam", made.experiment)
    assert first.label != second.label and set(board.entries(made.code)["nickname"]) == {"sam"}
    for bad, message in (
        ("   ", "1 to 24 characters"),
        ("x" * 25, "1 to 24 characters"),
        ("a\nb", "control characters"),
    ):
        with pytest.raises(nnlab.ClassError, match=message):
            board.submit(made.code, bad, made.experiment)
    assert len(board.entries(made.code)) == 2


def test_an_experiment_outside_the_rules_is_refused_naming_the_rule(board):
    made = board.create(QUICK, Rules(free=("model", "seed"), max_units=8, max_epochs=10))
    base = made.experiment
    refusals = {
        "own data": base.replace(data={"noise": 0.3}),
        "keeps the learning rate as the instructor set it (0.05); yours is 0.5": base.replace(
            training={"learning_rate": 0.5}
        ),
        "at most 8 units in a hidden layer; yours has 9": base.replace(model={"hidden": (9,)}),
    }
    for message, exp in refusals.items():
        with pytest.raises(nnlab.ClassError, match=message.replace("(", r"\(").replace(")", r"\)")):
            board.submit(made.code, "kim", exp)
    loose = board.create(QUICK, Rules(free=("training",), max_epochs=10))
    with pytest.raises(nnlab.ClassError, match="at most 10 epochs; yours trains 11"):
        board.submit(loose.code, "kim", loose.experiment.replace(training={"epochs": 11}))
    assert board.submit(
        made.code, "kim", base.replace(model={"hidden": (8, 8), "activations": ("relu", "relu")}, seed=3)
    )
    assert len(board.entries(made.code)) == 1


def test_the_plain_lesson_a_challenge_was_made_from_is_its_own_data(board):
    made = board.create(QUICK)
    assert QUICK.data.seed is None and made.experiment.data.seed is not None  # pinned by the challenge
    assert board.submit(made.code, "lee", QUICK).score == board.entries(made.code)["score"].iloc[0]
    with pytest.raises(nnlab.ClassError, match="own data"):  # another seed, its data seed left to it: other rows
        board.submit(made.code, "lee", QUICK.replace(seed=QUICK.seed + 1))


def test_a_setting_no_rule_knows_is_refused_with_a_class_error(board, monkeypatch):
    made = board.create(QUICK, Rules(free=("training",)))
    monkeypatch.delitem(challenges.BY_FIELD, ("training", "learning_rate"))
    with pytest.raises(nnlab.ClassError, match="no rule for the setting 'learning rate'"):
        board.submit(made.code, "kim", made.experiment.replace(training={"learning_rate": 0.5}))


def test_the_instructor_key_closes_reopens_and_clears_and_nothing_else_does(board):
    made = board.create(QUICK)
    board.submit(made.code, "ana", made.experiment)
    for wrong in ("", "not-the-key", None):
        for action in (board.close, board.clear):
            with pytest.raises(nnlab.ClassError, match="not this challenge's instructor key"):
                action(made.code, wrong)
    assert board.challenge(made.code).is_open and len(board.entries(made.code)) == 1
    board.close(made.code, made.key)
    with pytest.raises(nnlab.ClassError, match="closed"):
        board.submit(made.code, "ana", made.experiment)
    board.reopen(made.code, made.key)
    board.submit(made.code, "ana", made.experiment)
    board.clear(made.code, made.key)
    assert board.entries(made.code).empty and board.challenge(made.code).is_open


def test_regression_is_scored_by_test_loss_lowest_first(board):
    rows = "\n".join(f"{i % 7},{(i * 3) % 5},{(i % 7) * 2.5 - (i * 3) % 5}" for i in range(60))
    key = nnlab.data.tables.store_upload(f"a,b,value\n{rows}".encode())
    exp = nnlab.Experiment(
        data=nnlab.DataSpec(name="csv", source=key, target="value", train_fraction=0.8),
        model=nnlab.ModelSpec(hidden=(6,), activations=("tanh",)),
        training=nnlab.TrainSpec(loss="mse", optimizer="adam", learning_rate=0.01, epochs=20, batch_size=16),
    )
    made = board.create(exp)
    assert made.rules.score == "test_loss" and not made.higher_is_better
    slow = board.submit(made.code, "slow", made.experiment.replace(training={"learning_rate": 0.0001}))
    quick = board.submit(made.code, "quick", made.experiment.replace(training={"learning_rate": 0.03}))
    assert quick.score < slow.score
    assert board.entries(made.code)["nickname"].tolist() == ["quick", "slow"]
    with pytest.raises(nnlab.ClassError, match="no test accuracy"):
        board.create(exp, Rules(score="test_acc"))


def test_a_run_that_diverges_at_once_has_no_score(board):
    made = board.create(nnlab.lessons.get("tabular-deeper-linear").replace(training={"epochs": 5}))
    exploding = made.experiment.replace(training={"learning_rate": 10.0, "optimizer": "sgd", "momentum": 0.9})

    def diverged_at_once(exp):
        result = nnlab.train(exp)
        result.history = result.history.iloc[:0]
        result.diverged_at = 1
        return result

    with pytest.raises(nnlab.ClassError, match="diverged at epoch 1.*no score"):
        board.submit(made.code, "zed", exploding, train=diverged_at_once)


def test_fifty_threads_submitting_four_times_each_lose_and_double_nothing(board):
    made = board.create(QUICK)
    start, errors = threading.Barrier(50), []

    def student(number: int) -> None:
        start.wait()
        for attempt in range(4):
            try:
                board.submit(made.code, f"s{number}-{attempt}", made.experiment.replace(seed=attempt))
            except Exception as error:  # a lost submission must fail the test, not the thread silently
                errors.append(error)

    threads = [threading.Thread(target=student, args=(number,)) for number in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    table = board.entries(made.code)
    assert len(table) == 200 and table["number"].is_unique
    assert sorted(table["nickname"]) == sorted(f"s{n}-{a}" for n in range(50) for a in range(4))


def test_an_unknown_code_and_an_unreachable_database_say_so():
    board = Board("postgresql://nobody@127.0.0.1:9/none")
    with pytest.raises(nnlab.ClassError, match="cannot be reached right now.*Training still works"):
        board.challenge("ABCDE")


def test_unknown_codes_and_newer_schemas_are_refused(tmp_path):
    board = Board(f"sqlite:///{tmp_path / 'class.sqlite3'}")
    with pytest.raises(nnlab.ClassError, match="no challenge with the code 'NOPE2'"):
        board.challenge("nope2")
    with board.engine.begin() as connection:
        connection.execute(update(challenges.schema_table).values(version=challenges.SCHEMA_VERSION + 1))
    with pytest.raises(nnlab.ClassError, match="newer nnlab"):
        Board(board.url).challenge("ABCDE")


def test_the_default_database_is_a_sqlite_file_in_the_data_directory(data_dir, monkeypatch):
    monkeypatch.delenv("NNLAB_DATABASE_URL", raising=False)
    assert Board().url == f"sqlite:///{data_dir / 'classroom.sqlite3'}"
    monkeypatch.setenv("NNLAB_DATABASE_URL", "postgres://teacher@db.example/class")
    assert Board().url == "postgresql+psycopg://teacher@db.example/class"


def test_a_challenge_to_fit_by_hand_scores_the_weights_untrained_and_lets_nothing_else_change(board):
    from nnlab.study import hand
    from nnlab.training.models import bring_back

    step_lesson = nnlab.lessons.get("step-two-neurons").replace(training={"loss": "mse"})
    made = board.create(step_lesson, Rules(by_hand=True, goal=0.05, title="Fit the step by hand"))
    assert made.rules.score == "train_loss" and made.rules.free == ()
    data = nnlab.load_data(made.experiment)
    mine = hand.with_weight(made.experiment, data, 1, 0, 0, -0.5)
    entry = board.submit(made.code, "kim", mine)
    assert entry.score == hand.hand_loss(mine, data) and board.entries(made.code)["experiment"][0] == mine
    for bad, message in ((mine.replace(training={"learning_rate": 0.5}), "learning rate"),
                         (made.experiment, "set the weights on Be the optimizer")):
        with pytest.raises(challenges.ClassError, match=message):
            board.submit(made.code, "kim", bad)
    trained = nnlab.train(made.experiment, epochs=50)  # weights trained elsewhere and brought back: not by hand
    kept = bring_back(nnlab.export.weights_file(trained.model), made.experiment, data.n_features, data.n_outputs, data.task)
    with pytest.raises(challenges.ClassError, match="Be the optimizer"):
        board.submit(made.code, "kim", kept)
    with pytest.raises(challenges.ClassError, match="training loss"):
        Rules(by_hand=True, score="test_acc")
    with pytest.raises(challenges.ClassError, match="1-20-1"):
        board.create(nnlab.lessons.get("bump-twenty-neurons"), Rules(by_hand=True))
