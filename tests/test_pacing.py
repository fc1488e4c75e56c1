"""A running lecture in the class database: the instructor's key moves the room and nothing else
does, a step's poll and challenge open when the room reaches it, members and what they did are
counted once each, the record holds the room's work, deleting leaves nothing behind, and every
server reads the room's place at most once a second yet sees every move."""

from __future__ import annotations

import types

import pytest
from sqlalchemy import func, select
from test_classroom import QUICK

import nnlab
from nnlab.classroom import classdb, lectures, pacing
from nnlab.classroom.challenges import Board
from nnlab.classroom.lectures import Card, Lecture, LectureError, PollSpec, Step
from nnlab.classroom.rules import Rules
from nnlab.data.datasets import pin_data
from nnlab.errors import ClassError

DEPTH = "depth-and-nonlinearity"
# the shipped lecture's steps, from 0: 1 and 3 hold a lesson's poll, 4 a challenge, 5 the class board
FIRST_POLL, SECOND_POLL, CHALLENGE, BOARD = 1, 3, 4, 5
NOT_THE_KEY = "not this lecture's instructor key"
@pytest.fixture(scope="module")
def depth() -> Lecture:
    return lectures.shipped()[DEPTH]


@pytest.fixture(scope="module")
def quick_result():
    """A real training result of a few epochs: what a submission's score is read from, without a long run."""
    return nnlab.train(QUICK)


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'class.sqlite3'}"


@pytest.fixture
def board(url) -> Board:
    """A Board on a fresh SQLite file (this module's own: the PostgreSQL test below has its own)."""
    return Board(url)


@pytest.fixture
def started(board, depth):
    code, key = board.start_lecture(depth)
    return code, key


def _rows(board: Board, table, **where) -> int:
    with board.engine.connect() as connection:
        query = select(func.count()).select_from(table)
        for name, value in where.items():
            column = table.c[name]
            query = query.where(column.in_(list(value)) if isinstance(value, (list, tuple, set)) else column == value)
        return int(connection.execute(query).scalar())


def test_a_lecture_starts_on_its_first_step_following_and_not_paused(board, depth, started):
    code, key = started
    assert len(code) == 5 and set(code) <= set(classdb.CODE_LETTERS) and len(key) >= 20
    pace = board.pace(code.lower())  # codes are read in any case
    assert (pace.code, pace.step, pace.mode, pace.paused, pace.ended) == (code, 0, "follow", False, False)
    assert pace.revision == 1 and pace.challenge is None and pace.poll is None  # the first step holds neither
    assert board.is_lecture(code) and not board.is_lecture("ZZZZZ")
    assert board.lecture(code) == depth and Board(board.url).lecture(code) == depth  # the file as started, on any server
    with board.engine.connect() as connection:
        stored = connection.execute(select(classdb.lectures_table.c.key_hash)).scalar()
    assert stored == classdb.key_hash(key) and key not in stored
    with pytest.raises(ClassError, match="no lecture with the code 'NOPE2'"):
        board.pace("nope2")


def test_go_to_moves_the_room_and_bumps_the_revision(board, started):
    code, key = started
    moved = board.go_to(code, key, 2)
    assert (moved.step, moved.revision) == (2, 2) and board.pace(code) == moved
    assert board.pace(code, fresh_within=0) == moved
    back = board.go_to(code, key, 0)
    assert (back.step, back.revision) == (0, 3)


@pytest.mark.parametrize("wrong", ["", "not-the-key", None])
def test_a_wrong_key_changes_nothing(board, started, wrong):
    code, key = started
    before = board.pace(code, fresh_within=0)
    for action in (lambda: board.go_to(code, wrong, FIRST_POLL), lambda: board.set_mode(code, wrong, "free"),
                   lambda: board.set_paused(code, wrong, True), lambda: board.end_lecture(code, wrong),
                   lambda: board.record(code, wrong), lambda: board.delete_lecture(code, wrong),
                   lambda: board.roster(code, wrong, names=True), lambda: board.verify_lecture(code, wrong)):
        with pytest.raises(ClassError, match=NOT_THE_KEY):
            action()
    assert board.pace(code, fresh_within=0) == before
    assert _rows(board, classdb.challenges_table) == 0  # going to a poll's step with a wrong key opened nothing
    board.verify_lecture(code, key)


def test_a_challenges_key_does_not_drive_a_lecture(board, started):
    code, _ = started
    other = board.create(QUICK)
    with pytest.raises(ClassError, match=NOT_THE_KEY):
        board.go_to(code, other.key, 2)
    assert board.pace(code, fresh_within=0).step == 0


@pytest.mark.parametrize("step", [-1, 6, 60])
def test_go_to_beyond_the_steps_is_refused(board, started, step):
    code, key = started
    with pytest.raises(ClassError, match=f"steps 1 to 6; there is no step {step + 1}"):
        board.go_to(code, key, step)
    assert board.pace(code, fresh_within=0).step == 0 and board.pace(code).revision == 1


def test_reaching_a_lesson_poll_opens_it_in_a_closed_challenge_with_the_lectures_key(board, started):
    code, key = started
    pace = board.go_to(code, key, FIRST_POLL)
    assert pace.challenge and pace.poll is not None
    home = board.challenge(pace.challenge)
    assert not home.is_open and home.rules == Rules(score="test_acc")  # a poll's home takes no entries
    assert home.experiment == pin_data(nnlab.lessons.get("tabular-deeper-linear"))
    poll = board.poll(pace.challenge, pace.poll)
    ready = nnlab.lessons.lesson("tabular-deeper-linear").poll
    assert (poll.question, poll.kind, poll.options, poll.is_open) == (ready.question, ready.kind, ready.options, True)
    board.verify(pace.challenge, key)  # the lecture's key is its steps' challenges' key
    board.vote(pace.challenge, pace.poll, "m1", poll.options[0])
    board.close_poll(pace.challenge, key, pace.poll)
    assert not board.poll(pace.challenge, pace.poll).is_open
    with pytest.raises(ClassError, match="closed"):
        board.submit(pace.challenge, "ana", home.experiment)
    board.go_to(code, key, 0)
    again = board.go_to(code, key, FIRST_POLL)  # reached again: the same poll, its votes kept
    assert (again.challenge, again.poll) == (pace.challenge, pace.poll)
    assert _rows(board, classdb.challenges_table) == 1 and board.votes(again.challenge, again.poll, round=1) == 1


def test_a_challenge_step_opens_its_challenge_with_the_steps_rules(board, depth, started):
    code, key = started
    polled = board.go_to(code, key, SECOND_POLL)
    assert polled.poll is not None and not board.challenge(polled.challenge).is_open
    pace = board.go_to(code, key, CHALLENGE)
    assert pace.challenge and pace.challenge != polled.challenge and pace.poll is None
    challenge = board.challenge(pace.challenge)
    assert challenge.is_open and challenge.rules == depth.steps[CHALLENGE].challenge
    assert challenge.rules == Rules(free=("model",), max_units=16, max_epochs=300, score="test_acc",
                                    title="Six layers, the circle")
    assert challenge.experiment == pin_data(depth.steps[CHALLENGE].experiment)
    board.verify(pace.challenge, key)
    with pytest.raises(ClassError, match="keeps the learning rate"):  # the step's rules hold for entries
        board.submit(pace.challenge, "ana", challenge.experiment.replace(training={"learning_rate": 0.5}))


def test_a_board_step_shows_the_latest_challenge_the_room_reached(board, depth):
    code, key = board.start_lecture(depth)
    assert board.go_to(code, key, BOARD).challenge is None  # no challenge reached yet: nothing to show
    challenge = board.go_to(code, key, CHALLENGE).challenge
    shown = board.go_to(code, key, BOARD)
    assert shown.challenge == challenge and shown.poll is None
    assert board.go_to(code, key, BOARD).challenge == challenge  # and it stays


def test_a_board_step_shows_a_challenge_closed_before_it(board, depth, started):
    code, key = started
    challenge = board.go_to(code, key, CHALLENGE).challenge
    board.close(challenge, key)
    assert board.go_to(code, key, BOARD).challenge == challenge


def test_mode_eyes_up_and_the_end_each_bump_the_revision(board, started):
    code, key = started
    board.set_mode(code, key, "free")
    assert (board.pace(code).mode, board.pace(code).revision) == ("free", 2)
    with pytest.raises(ClassError, match="follow or free; not 'chaos'"):
        board.set_mode(code, key, "chaos")
    board.set_paused(code, key, True)
    assert board.pace(code).paused and board.pace(code).revision == 3
    board.set_paused(code, key, False)
    assert not board.pace(code).paused
    board.set_mode(code, key, "follow")
    board.set_paused(code, key, True)
    board.end_lecture(code, key)
    pace = board.pace(code)
    assert pace.ended and not pace.paused and pace.mode == "follow" and pace.revision == 7


def test_joining_counts_a_member_once_and_the_end_closes_the_door(board, started):
    code, key = started
    board.join_lecture(code, "m1")
    board.join_lecture(code.lower(), "m1", nickname="  Ana ")  # the same session again: a nickname given later
    board.join_lecture(code, "m2")
    assert board.roster(code).joined == 2
    assert board.roster(code, key, names=True).names == ("Ana",)
    with pytest.raises(ClassError, match="member id is 1 to"):
        board.join_lecture(code, "x" * (classdb.MAX_VOTER + 1))
    with pytest.raises(ClassError, match="no lecture with the code"):
        board.join_lecture("ZZZZZ", "m3")
    board.end_lecture(code, key)
    with pytest.raises(ClassError, match="This lecture has ended"):
        board.join_lecture(code, "m3")
    assert board.roster(code).joined == 2


def test_did_counts_once_per_member_per_step(board, started):
    code, key = started
    for member in ("m1", "m2"):
        board.join_lecture(code, member)
    for _ in range(3):
        board.did(code, "m1", 0, "trained")
        board.did(code, "m1", 0, "arrived")
    board.did(code, "m2", 0, "trained")
    board.did(code, "m2", 2, "trained")  # another step: counted there, not here
    with pytest.raises(ValueError):
        board.did(code, "m1", 0, "slept")
    assert board.roster(code).trained == 2
    assert _rows(board, classdb.activity_table, lecture=code) == 4
    steps = board.record(code, key)["steps"]
    assert steps.loc[0, ["arrived", "trained"]].tolist() == [1, 2] and steps.loc[2, "trained"] == 1


def _a_room_at_work(board: Board, code: str, key: str, quick_result) -> dict:
    """Three join; two vote at the first poll (one changes their mind), then one in a second round;
    two arrive at the challenge, one trains there twice and submits once."""
    for member, nickname in (("m1", "Ana"), ("m2", "Bo"), ("m3", "")):
        board.join_lecture(code, member, nickname)
    poll = board.go_to(code, key, FIRST_POLL)
    options = board.poll(poll.challenge, poll.poll).options
    for member in ("m1", "m2"):
        board.did(code, member, FIRST_POLL, "arrived")
    board.vote(poll.challenge, poll.poll, "m1", options[0])
    board.vote(poll.challenge, poll.poll, "m2", options[0])
    board.vote(poll.challenge, poll.poll, "m1", options[1])
    at_poll = board.roster(code)
    board.revote(poll.challenge, key, poll.poll)
    board.vote(poll.challenge, poll.poll, "m3", options[1])
    second_round = board.roster(code)
    challenge = board.go_to(code, key, CHALLENGE)
    before = board.roster(code)
    for member in ("m1", "m2"):
        board.did(code, member, CHALLENGE, "arrived")
    board.did(code, "m1", CHALLENGE, "trained")
    board.did(code, "m1", CHALLENGE, "trained")
    exp = board.challenge(challenge.challenge).experiment.replace(model={"activations": ("relu",) * 6})
    entry = board.submit(challenge.challenge, "Ana", exp, train=lambda _: quick_result)
    return {"poll": poll, "options": options, "at_poll": at_poll, "second_round": second_round, "challenge": challenge,
            "before": before, "entry": entry, "exp": exp}


def test_the_roster_counts_the_current_step(board, started, quick_result):
    code, key = started
    room = _a_room_at_work(board, code, key, quick_result)
    assert room["at_poll"] == pacing.Roster(joined=3, on_step=2, trained=0, voted=2, submitted=0)
    assert room["second_round"].voted == 1  # the new round's votes: the first round's are kept apart
    assert room["before"] == pacing.Roster(joined=3, on_step=0, trained=0, voted=0, submitted=0)
    assert board.roster(code) == pacing.Roster(joined=3, on_step=2, trained=1, voted=0, submitted=1)
    assert room["entry"].score == quick_result.history["test_acc"].iloc[-1]
    assert board.roster(code, key, names=True).names == ("Ana", "Bo")  # names only where given, only with the key
    assert board.roster(code, key).names == () and board.roster(code).names == ()
    with pytest.raises(ClassError, match=NOT_THE_KEY):
        board.roster(code, names=True)
    shown = board.go_to(code, key, BOARD)  # the board step counts the challenge it shows
    assert board.roster(code).submitted == 1 and shown.challenge == room["challenge"].challenge


def test_the_record_holds_every_step_entry_and_vote(board, depth, started, quick_result):
    code, key = started
    room = _a_room_at_work(board, code, key, quick_result)
    board.go_to(code, key, BOARD)
    record = board.record(code, key)
    assert set(record) == {"steps", "entries", "votes", "drawings"} and record["drawings"].empty
    steps = record["steps"]
    assert steps["step"].tolist() == [1, 2, 3, 4, 5, 6]
    assert steps["page"].tolist() == [step.page for step in depth.steps]
    assert steps["title"].tolist() == [step.card.title for step in depth.steps]
    assert steps["arrived"].tolist() == [0, 2, 0, 0, 2, 0]
    assert steps["trained"].tolist() == [0, 0, 0, 0, 1, 0]
    assert steps["voted"].tolist() == [0, 2, 0, 0, 0, 0]  # the larger of its two rounds
    assert steps["submitted"].tolist() == [0, 0, 0, 0, 1, 0]  # the board step shows step 5's entry, not counted twice
    entries = record["entries"]
    assert len(entries) == 1 and entries.loc[0, "step"] == 5 and entries.loc[0, "label"] == room["entry"].label
    assert entries.loc[0, "activations"] == "relu" and "experiment" not in entries
    votes = record["votes"]
    options = list(room["options"])
    assert votes["step"].unique().tolist() == [2] and votes["round"].tolist() == [1] * len(options) + [2] * len(options)
    assert votes["option"].tolist() == options * 2
    assert votes["votes"].tolist()[:2] == [1, 1] and votes["votes"].tolist()[len(options):len(options) + 2] == [0, 1]
    assert list(votes.columns) == ["step", "question", "round", "option", "votes"]


def test_an_empty_room_has_an_empty_record(board, depth, started):
    code, key = started
    record = board.record(code, key)
    assert len(record["steps"]) == len(depth.steps) and record["entries"].empty and record["votes"].empty
    assert list(record["entries"].columns)[:3] == ["step", "rank", "label"]


def test_deleting_a_lecture_leaves_nothing_of_it_and_a_wrong_key_deletes_nothing(board, url, started, quick_result):
    code, key = started
    _a_room_at_work(board, code, key, quick_result)
    board.go_to(code, key, SECOND_POLL)
    board.go_to(code, key, BOARD)
    other = board.create(QUICK)  # a challenge of another class: it stays
    board.submit(other.code, "zed", other.experiment, train=lambda _: quick_result)
    with board.engine.connect() as connection:
        homes = set(connection.execute(select(classdb.lecture_steps_table.c.challenge)
                                       .where(classdb.lecture_steps_table.c.lecture == code)).scalars())
    assert len(homes) == 3  # two polls' homes and the challenge (the board shows the challenge's)
    polls = {poll.id for home in homes for poll in board.polls(home)}
    counts = lambda: {  # noqa: E731
        "lecture": _rows(board, classdb.lectures_table, code=code),
        "steps": _rows(board, classdb.lecture_steps_table, lecture=code),
        "members": _rows(board, classdb.members_table, lecture=code),
        "activity": _rows(board, classdb.activity_table, lecture=code),
        "challenges": _rows(board, classdb.challenges_table, code=homes),
        "entries": _rows(board, classdb.entries_table, code=homes),
        "polls": _rows(board, classdb.polls_table, code=homes),
        "votes": _rows(board, classdb.votes_table, poll=polls),
    }
    full = counts()
    assert full == {"lecture": 1, "steps": 4, "members": 3, "activity": 5, "challenges": 3, "entries": 1, "polls": 2,
                    "votes": 3}
    for wrong in ("", "nope", other.key):
        with pytest.raises(ClassError, match=NOT_THE_KEY):
            board.delete_lecture(code, wrong)
    assert counts() == full
    board.delete_lecture(code, key)
    assert set(counts().values()) == {0}
    assert not board.is_lecture(code)
    for server in (board, Board(url)):  # its row is gone for this server's kept pace and for any other
        with pytest.raises(ClassError, match="no lecture with the code"):
            server.pace(code)
    with pytest.raises(ClassError, match="no lecture with the code"):
        board.lecture(code)
    assert len(board.entries(other.code)) == 1 and board.challenge(other.code).is_open


def test_a_server_reads_the_pace_at_most_once_a_fresh_while(board, url, started, monkeypatch):
    code, key = started
    now = [1000.0]
    monkeypatch.setattr(pacing, "time", types.SimpleNamespace(monotonic=lambda: now[0]))
    reads = []
    transaction = board._transaction
    monkeypatch.setattr(board, "_transaction", lambda: reads.append(1) or transaction())
    first = board.pace(code)
    for _ in range(50):
        assert board.pace(code) == first
    assert len(reads) == 1
    other = Board(url)  # another server moves the room
    other.go_to(code, key, 2)
    now[0] += pacing.FRESH_SECONDS / 2
    assert board.pace(code) == first and len(reads) == 1  # still within its fresh while: the old place, no read
    assert board.pace(code, fresh_within=0).step == 2 and len(reads) == 2  # asked for fresh: read at once
    board.pace(code, fresh_within=0)
    other.go_to(code, key, 3)
    assert board.pace(code).step == 2
    now[0] += pacing.FRESH_SECONDS
    assert board.pace(code).step == 3 and len(reads) == 4  # its while over: read again, and the move seen


def test_two_servers_on_one_database_both_see_a_go_to(url, depth):
    first, second = Board(url), Board(url)
    code, key = first.start_lecture(depth)
    assert second.pace(code).step == 0
    moved = first.go_to(code, key, CHALLENGE)
    seen = second.pace(code, fresh_within=0)
    assert (seen.step, seen.revision, seen.challenge) == (CHALLENGE, moved.revision, moved.challenge)
    back = second.go_to(code, key, FIRST_POLL)  # the instructor's other device, on the other server
    assert first.pace(code, fresh_within=0) == back
    second.join_lecture(code, "m1")
    first.join_lecture(code, "m2")
    assert first.roster(code) == second.roster(code) and first.roster(code).joined == 2


def test_a_lecture_with_a_step_that_cannot_open_is_refused_before_it_starts(board):
    broken = Lecture("Broken", (Step("train", (("lesson", "vanishing-gradients"),), Card("Fine")),
                                Step("train", (("lesson", "vanishing-gradients"),), Card("Too narrow"),
                                     challenge=Rules(max_units=4))))
    board._prepare()
    with pytest.raises(LectureError, match="step 2, challenge"):  # refused whole, before any room starts
        board.start_lecture(broken)
    assert _rows(board, classdb.lectures_table) == 0


def test_a_lecture_whose_poll_cannot_open_leaves_nothing_behind(board):
    broken = Lecture("Broken", (Step("train", (("lesson", "vanishing-gradients"),), Card("Fine")),
                                Step("train", (("lesson", "vanishing-gradients"),), Card("Two lines"),
                                     poll=PollSpec(question="One?\nTwo?", options=("a", "b")))))
    board._prepare()
    with pytest.raises(LectureError, match="control characters"):
        board.start_lecture(broken)
    assert _rows(board, classdb.challenges_table) == 0 and _rows(board, classdb.lectures_table) == 0


def test_a_lecture_runs_on_postgresql(postgres, depth, quick_result):
    first, second = Board(postgres.url), Board(postgres.url)
    code, key = first.start_lecture(depth)
    room = _a_room_at_work(first, code, key, quick_result)
    assert second.roster(code) == pacing.Roster(joined=3, on_step=2, trained=1, voted=0, submitted=1)
    shown = second.go_to(code, key, BOARD)
    assert first.pace(code, fresh_within=0) == shown and shown.challenge == room["challenge"].challenge
    record = second.record(code, key)
    assert record["steps"]["submitted"].sum() == 1 and record["votes"]["votes"].sum() == 3
    with pytest.raises(ClassError, match=NOT_THE_KEY):
        first.delete_lecture(code, "nope")
    with first.engine.connect() as connection:
        homes = set(connection.execute(select(classdb.lecture_steps_table.c.challenge)
                                       .where(classdb.lecture_steps_table.c.lecture == code)).scalars())
    second.delete_lecture(code, key)
    for table, column, value in ((classdb.lectures_table, "code", code), (classdb.lecture_steps_table, "lecture", code),
                                 (classdb.members_table, "lecture", code), (classdb.activity_table, "lecture", code),
                                 (classdb.challenges_table, "code", homes), (classdb.entries_table, "code", homes),
                                 (classdb.polls_table, "code", homes)):
        assert _rows(first, table, **{column: value}) == 0, table.name
    with pytest.raises(ClassError, match="no lecture"):
        first.pace(code, fresh_within=0)


def test_a_read_that_ends_after_a_move_never_takes_the_room_back(board, started):
    """A read that began before a move can end after it: what it brings is older than what the server holds."""
    code, key = started
    moved = board.go_to(code, key, 1)
    with board.engine.begin() as connection:  # the row as a read that began before the move saw it
        connection.execute(classdb.lectures_table.update().where(classdb.lectures_table.c.code == code)
                           .values(step=0, revision=moved.revision - 1))
    assert board.pace(code, fresh_within=0) == moved


def test_an_ended_lecture_refuses_every_move(board, started):
    code, key = started
    board.end_lecture(code, key)
    for move in (lambda: board.go_to(code, key, 1), lambda: board.set_mode(code, key, "free"),
                 lambda: board.set_paused(code, key, True)):
        with pytest.raises(ClassError, match="has ended"):
            move()
    assert board.pace(code, fresh_within=0).step == 0


def test_a_lecture_step_can_be_the_class_drawing_together_kept_in_its_record_and_deleted_with_it(board):
    text = """
format = 1
title = "Draw it together"

[[steps]]
page = "board"
settings = { lesson = "bump-twenty-neurons" }
card = { title = "Add your points" }
challenge = { drawing = true, points_each = 3 }
"""
    lecture = lectures.read(text)
    assert lecture.steps[0].challenge == Rules(drawing=True, points_each=3)
    assert lectures.read(lectures.dumps(lecture)) == lecture
    code, key = board.start_lecture(lecture)
    home = board.pace(code).challenge
    for tap in range(4):
        try:
            board.add_point(home, "phone", tap, float(tap), 1.0, tap % 2)
        except ClassError as error:
            assert "3 points, as many as each student may" in str(error)
    drawings = board.record(code, key)["drawings"]
    assert drawings["step"].tolist() == [1, 1, 1] and drawings["class"].tolist() == [0, 1, 0]
    assert "author" not in drawings  # who drew what stays in the database
    board.delete_lecture(code, key)
    assert _rows(board, classdb.drawn_table, code=home) == 0
    with pytest.raises(LectureError, match="true or false"):
        lectures.read(text.replace("drawing = true", "drawing = 1"))
    with pytest.raises(LectureError, match="taken part in on the page 'board'; the step's page is 'train'"):
        lectures.read(text.replace('page = "board"', 'page = "train"'))
    by_hand = text.replace("drawing = true, points_each = 3", "by_hand = true, goal = 0.05").replace(
        "bump-twenty-neurons", "step-two-neurons")
    with pytest.raises(LectureError, match="on the page 'hand'"):
        lectures.read(by_hand)
    assert lectures.read(by_hand.replace('page = "board"', 'page = "hand"')).steps[0].challenge.by_hand
