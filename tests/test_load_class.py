"""A class challenge under a class's load, without browsers: 30 students join by link, each with
its own seed, train, and all press Submit at the same moment. Every entry must carry the score the
server computes for that Experiment alone. Prints train and submit click-to-result; the figures
are in docs/running-a-class.md. By hand: `PYTHONPATH=. python tests/test_load_class.py --sessions 60`."""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from browser_support import Server
from streamlit.proto.WidgetStates_pb2 import WidgetState

import nnlab
from bench.classload import together
from bench.protocol import Session
from nnlab.classroom.challenges import Board

SESSIONS = 30


def run_class(data_dir: Path, sessions: int) -> str:
    url = f"sqlite:///{tempfile.mkdtemp(prefix='nnlab-class-')}/class.sqlite3"
    board = Board(url)
    made = board.create(nnlab.lessons.get("bump-twenty-neurons"))
    server = Server(data_dir, {"NNLAB_DATABASE_URL": url})
    students, runs = {}, {}
    try:
        def join(i: int) -> None:
            mine = made.experiment.replace(seed=100 + i)
            students[i] = Session(server.url, "Train", urlencode(nnlab.links.to_query(mine) | {"class": made.code}))
            runs[i] = students[i].run()
        for i in range(sessions):  # opened one by one: the first also warms the server
            join(i)

        def train(i: int) -> None:
            runs[i] = students[i].click(runs[i].first("button", "Train"))
        trained = together(train, sessions)

        def submit(i: int) -> None:
            nickname = runs[i].first("text_input", "Nickname on the leaderboard")
            runs[i] = students[i].run([WidgetState(id=nickname.id, string_value=f"student {i}"),
                                       WidgetState(id=runs[i].first("button", "Submit").id, trigger_value=True)])
        submitted = together(submit, sessions)
    finally:
        for session in students.values():
            session.close()
        server.stop()
    table = board.entries(made.code)
    assert len(table) == sessions and table["number"].is_unique
    for exp, score in zip(table["experiment"], table["score"], strict=True):
        assert score == nnlab.train(exp).history["train_acc"].iloc[-1], exp.seed
    assert sorted(table["nickname"]) == sorted(f"student {i}" for i in range(sessions))
    assert all(any("Watch for it on the projector" in text for text in run.texts("alert")) for run in runs.values())

    def figures(seconds: dict[int, float]) -> str:
        ordered = sorted(seconds.values())
        return (f"first {ordered[0]:.2f} s, median {statistics.median(ordered):.2f} s, "
                f"p90 {ordered[max(0, round(0.9 * len(ordered)) - 1)]:.2f} s, slowest {ordered[-1]:.2f} s")
    return (f"class load: {sessions} students joined by link, each its own seed; every entry scored by the server "
            f"as the same run alone. Train pressed at once: {figures(trained)}. Submit pressed at once: "
            f"{figures(submitted)}.")


def test_a_class_joins_trains_and_submits_at_once_and_every_entry_is_scored_by_the_server(data_dir, monkeypatch):
    monkeypatch.undo()  # loopback traffic to our own server needs the real network stack
    monkeypatch.setenv("NNLAB_DATA_DIR", str(data_dir))
    print("\n" + run_class(data_dir, SESSIONS))


if __name__ == "__main__":
    import os

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=SESSIONS)
    args = parser.parse_args()
    print(run_class(Path(os.environ.get("NNLAB_DATA_DIR") or Path.home() / ".cache" / "nnlab"), args.sessions))
