"""A lecture hall pressing Train at once, without browsers: many sessions on one real server,
each speaking Streamlit's own websocket protocol, each on the bump lesson with its own seed and
all clicking at the same moment. Each must show exactly the run its settings give alone.

Prints click-to-result per session, the server's CPU and memory; docs/reliability.md records the
figures. By hand: `PYTHONPATH=. python tests/test_load_protocol.py --sessions 100`.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import threading
import time
from pathlib import Path

from browser_support import Server
from protocol_client import Session

import nnlab

SESSIONS = 30
LESSON = "bump-twenty-neurons"
FIRST_SEED = 100
TICKS = os.sysconf("SC_CLK_TCK")


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # user + system time


def exact_loss(run) -> str | None:
    """The final train loss the page shows, to the last digit (the metric's help text)."""
    metric = run.first("metric", "Final train loss")
    return re.match(r"Exactly (\S+):", metric.help).group(1) if metric else None


def press_train_together(url: str, server_pid: int, sessions: int) -> dict:
    """Open `sessions` sessions, then have all of them press Train at the same moment."""
    seeds = [FIRST_SEED + i for i in range(sessions)]
    opened: dict[int, tuple] = {}

    def open_session(seed: int) -> None:
        session = Session(url, "Train", f"lesson={LESSON}&seed={seed}")
        first = session.run()
        opened[seed] = (session, first.first("button", "Train"), first)

    threads = [threading.Thread(target=open_session, args=(seed,)) for seed in seeds]
    for thread in threads:
        thread.start()
        if thread is threads[0]:
            thread.join()  # the first page also imports torch and warms the kernels
            one_session_mb = resident_mb(server_pid)
    for thread in threads:
        thread.join()
    assert len(opened) == sessions, "every session opened the Train page"

    start, results = threading.Barrier(sessions), {}

    def press(seed: int) -> None:
        session, button, _ = opened[seed]
        start.wait()
        clicked = time.monotonic()
        run = session.click(button)
        index = next(i for i, (kind, element) in enumerate(run.elements)
                     if kind == "metric" and element.metric.label == "Final train loss")
        results[seed] = (run.arrived[index] - clicked, run)

    cpu_before, wall_before = cpu_seconds(server_pid), time.monotonic()
    threads = [threading.Thread(target=press, args=(seed,)) for seed in seeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    busy_cores = (cpu_seconds(server_pid) - cpu_before) / (time.monotonic() - wall_before)
    busy_mb = resident_mb(server_pid)
    for session, _, _ in opened.values():
        session.close()
    return {"results": results, "first_runs": {seed: first for seed, (_, _, first) in opened.items()},
            "one_session_mb": one_session_mb, "busy_mb": busy_mb, "busy_cores": busy_cores}


def check_and_report(report: dict, sessions: int) -> str:
    """Assert that every session saw exactly its own run alone; return the figures as a line."""
    lesson = nnlab.lessons.get(LESSON)
    seconds = []
    for seed, (waited, run) in sorted(report["results"].items()):
        alone = nnlab.train(lesson.replace(seed=seed))
        assert exact_loss(run) == repr(float(alone.history["train_loss"].iloc[-1])), f"session with seed {seed}"
        assert any(f"seed {seed}" in text for text in run.texts("markdown")), seed
        kinds = {kind for kind, _ in run.elements} | {kind for kind, _ in report["first_runs"][seed].elements}
        assert "exception" not in kinds, seed
        seconds.append(waited)
    ordered = sorted(seconds)
    p90 = ordered[max(0, int(round(0.9 * len(ordered))) - 1)]
    per_session = (report["busy_mb"] - report["one_session_mb"]) / max(1, sessions - 1)
    return (f"load (protocol): {sessions} sessions pressed Train at once on {LESSON}, each its own seed; "
            f"every result equal to the same run alone. Click to result: first {ordered[0]:.2f} s, "
            f"median {statistics.median(ordered):.2f} s, p90 {p90:.2f} s, slowest {ordered[-1]:.2f} s. "
            f"Server: {report['busy_cores']:.2f} cores busy while they trained; RSS {report['one_session_mb']:.0f} MB "
            f"with one session, {report['busy_mb']:.0f} MB with {sessions} ({per_session:.1f} MB per further session). "
            f"All, in order: {', '.join(f'{s:.2f}' for s in ordered)}")


def test_a_class_presses_train_at_once_and_each_sees_exactly_its_own_run(data_dir, monkeypatch):
    monkeypatch.undo()  # loopback traffic to our own server needs the real network stack
    server = Server(data_dir)
    try:
        report = press_train_together(server.url, server.process.pid, SESSIONS)
    finally:
        server.stop()
    print("\n" + check_and_report(report, SESSIONS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=SESSIONS)
    parser.add_argument("--data-dir", default=os.environ.get("NNLAB_DATA_DIR", str(Path.home() / ".cache" / "nnlab")))
    args = parser.parse_args()
    server = Server(Path(args.data_dir))
    try:
        report = press_train_together(server.url, server.process.pid, args.sessions)
    finally:
        server.stop()
    print(check_and_report(report, args.sessions))


if __name__ == "__main__":
    main()
