"""A lecture hall voting at once, without browsers: many sessions on one real server, each on the
Class page over Streamlit's own protocol, all pressing an option at the same moment, then half of
them changing their vote. Every vote must be counted exactly once, on SQLite and on a real
PostgreSQL server. Prints click-to-acknowledgement and the server's CPU; docs/running-a-class.md
records the figures. By hand: `PYTHONPATH=. python tests/test_load_polls.py --sessions 100`.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import nnlab
from bench.classload import p90
from bench.protocol import Run, Session
from bench.serving import Server, cpu_seconds
from nnlab.classroom.challenges import Board

SESSIONS = 100
OPTIONS = ("sigmoid", "tanh", "relu")


def acknowledged(run: Run) -> bool:
    """The page has told the voter their vote."""
    return any(kind == "alert" and "Your vote" in element.alert.body for kind, element in run.elements)


def vote_together(sessions: dict[int, tuple[Session, Run]], pick) -> list[float]:
    """Every session presses the option `pick(number)` at one moment; click-to-acknowledgement each."""
    start, waits, errors = threading.Barrier(len(sessions)), {}, []

    def press(number: int) -> None:
        session, page = sessions[number]
        button = page.first("button", pick(number))
        try:
            start.wait()
            clicked = time.monotonic()
            run = session.click(button, until=acknowledged, timeout=120)
            assert acknowledged(run), number
            waits[number] = time.monotonic() - clicked
            session.read(timeout=120)  # the rest of the fragment's run
        except Exception as error:  # noqa: BLE001 - every failure is reported below
            errors.append(error)
    threads = [threading.Thread(target=press, args=(number,)) for number in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    return sorted(waits.values())


def run_vote(data_dir: Path, database_url: str, sessions: int) -> str:
    board = Board(database_url)
    made = board.create(nnlab.lessons.get("bump-twenty-neurons"))
    poll = board.ask_lesson(made.code, made.key, "bump-twenty-neurons")
    assert poll.options == OPTIONS
    server = Server(data_dir, {"NNLAB_DATABASE_URL": database_url})
    try:
        opened: dict[int, tuple[Session, Run]] = {}

        def open_one(number: int) -> None:
            session = Session(server.url, "Class", f"class={made.code}")
            opened[number] = (session, session.run())
        threads = [threading.Thread(target=open_one, args=(number,)) for number in range(sessions)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(opened) == sessions and all(page.first("button", "relu") for _, page in opened.values())
        cpu = cpu_seconds(server.process.pid)
        first = vote_together(opened, lambda number: OPTIONS[number % 3])
        changed = vote_together({n: opened[n] for n in range(0, sessions, 2)}, lambda number: "relu")
        cpu = cpu_seconds(server.process.pid) - cpu
    finally:
        server.stop()
    expected = [sum(1 for n in range(sessions) if n % 2 and n % 3 == k) for k in range(3)]
    expected[2] += len(range(0, sessions, 2))  # every even session now says relu
    assert board.tally(made.code, poll.id)["votes"].tolist() == expected
    assert board.votes(made.code, poll.id) == sessions
    waits = first + changed
    return (f"load (polls, {database_url.split(':')[0]}): {sessions} sessions voted at once, then "
            f"{len(changed)} changed their vote at once; every vote counted once. Click to acknowledgement: "
            f"median {statistics.median(waits):.2f} s, p90 {p90(waits):.2f} s (first votes {p90(first):.2f} s, "
            f"changes {p90(changed):.2f} s), slowest {max(waits):.2f} s; server {cpu:.1f} CPU s for "
            f"{len(waits)} votes ({cpu / len(waits) * 1000:.0f} ms a vote).")


def test_a_class_votes_at_once_and_each_vote_counts_once_on_sqlite(data_dir, monkeypatch, tmp_path):
    monkeypatch.undo()  # loopback traffic to our own server needs the real network stack
    monkeypatch.setenv("NNLAB_DATA_DIR", str(data_dir))
    print("\n" + run_vote(data_dir, f"sqlite:///{tmp_path / 'class.sqlite3'}", SESSIONS))


def test_a_class_votes_at_once_and_each_vote_counts_once_on_postgresql(data_dir, monkeypatch, postgres):
    monkeypatch.undo()
    monkeypatch.setenv("NNLAB_DATA_DIR", str(data_dir))
    print("\n" + run_vote(data_dir, postgres.url, SESSIONS))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=SESSIONS)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(run_vote(Path(folder), f"sqlite:///{folder}/class.sqlite3", arguments.sessions))
