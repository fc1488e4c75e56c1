"""A class on two app processes behind Debian's HAProxy (deploy/haproxy.cfg as shipped), sharing one
real PostgreSQL: 60 students over Streamlit's protocol, each pinned to a process by HAProxy's
cookie. Every result equals the same run alone, the students spread over both processes, and every
entry shows on the board either one serves. Then one process stops while its students' runs train:
they come back through HAProxy on the other, with their settings (the link) and the class's entries,
and are told to press Train again. Prints the figures; docs/running-a-class.md records them.
By hand: `PYTHONPATH=.:tests python tests/test_balancer.py --sessions 100`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from browser_support import CHROMIUM, CHROMIUM_ARGS, require_chromium
from postgres_support import Postgres
from requirements_support import missing, need_module, require_postgresql
from streamlit.proto.WidgetStates_pb2 import WidgetState
from test_load_protocol import exact_loss
from websockets.exceptions import ConnectionClosed

import nnlab
from bench.classload import p90, together
from bench.protocol import Run, Session
from bench.serving import Balancer, Server
from nnlab.classroom.challenges import Board
from nnlab.ui.page_setup import RESUMED

SESSIONS = 60
SLOW = "lesson=bump-twenty-neurons&units=128,128&activation=tanh,tanh&batch=1&epochs=1000"  # ~10 s on 2 cores
LONGER = {"epochs": 20_000, "batch_size": 8}  # the runs that are training when their process stops


def require_parts() -> None:
    """Debian's haproxy and postgresql, which a class behind HAProxy needs: a skip without them, a failure in CI."""
    __tracebackhide__ = True
    if shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists():
        missing("Debian's haproxy for the tests behind HAProxy", "Debian's haproxy is not installed (apt-get install haproxy)")
    require_postgresql()


class Student:
    """One browser through HAProxy: its stickiness cookie, and its tab on Train."""

    def __init__(self, balancer: Balancer, exp: nnlab.Experiment, code: str):
        self.exp, self.balancer = exp, balancer
        self.cookie = balancer.sticky_cookie()
        self.tab = Session(balancer.url, "Train", urlencode(nnlab.links.to_query(exp) | {"class": code}), self.cookie)
        self.last = self.tab.run()

    @property
    def process(self) -> str:
        return self.cookie.split("=")[1]

    def press(self, label: str, **options) -> Run:
        self.last = self.tab.click(self.last.first("button", label), **options)
        return self.last

    def comes_back(self) -> Run:
        """What the browser does when its connection drops: ask the site again (HAProxy pins it
        anew), reconnect, and, its script having been running, rerun it with its widgets' values."""
        self.cookie = self.balancer.sticky_cookie(self.cookie)
        self.tab.connect(self.balancer.url, self.cookie)
        self.last = self.tab.run(self.last.widget_states())
        return self.last


def board_count(balancer: Balancer, cookie: str, code: str) -> str:
    """The Class page's count of entries, as the process this cookie pins to shows it."""
    page = Session(balancer.url, "Class", f"class={code}", cookie)
    shown = page.run(until=lambda run: any(" entries; the best " in text for text in run.texts("markdown")))
    page.close()
    return next(text.split(";")[0] for text in shown.texts("markdown") if " entries; the best " in text)


def training(run: Run) -> bool:
    """Whether the click's run is in the queue or training (its notice or progress bar drawn)."""
    return any(kind == "progress" for kind, _ in run.elements) or any(
        text.startswith("Waiting for a free training slot") for text in run.texts("alert"))


def drained(tab: Session) -> bool:
    """Read what the server still sends until it closes the connection; whether the run got drawn."""
    finished = False
    try:
        while True:
            drawn = tab.read(timeout=60).first("metric", "Final train loss") is not None
            finished = finished or drawn
    except ConnectionClosed:
        return finished


def run_class(data_dir: Path, sessions: int) -> str:
    database = Postgres()
    apps, balancer, students = [], None, []
    try:
        board = Board(database.url)
        made = board.create(nnlab.lessons.get("bump-twenty-neurons"))
        env = {"NNLAB_DATABASE_URL": database.url}
        apps = [Server(data_dir, env) for _ in range(2)]
        balancer = Balancer(apps)

        # A class joins through the one address, in parallel.
        joined: dict[int, Student] = {}
        together(lambda i: joined.__setitem__(i, Student(balancer, made.experiment.replace(seed=100 + i), made.code)),
                 sessions)
        students = [joined[i] for i in range(sessions)]
        spread = Counter(student.process for student in students)
        assert set(spread) == {"app1", "app2"} and min(spread.values()) >= sessions // 3, spread

        trained = together(lambda i: students[i].press("Train"), sessions)
        for student in students:
            alone = nnlab.train(student.exp).history["train_loss"].iloc[-1]
            assert exact_loss(student.last) == repr(float(alone)), student.exp.seed

        def submit(i: int) -> None:
            student = students[i]
            nickname = student.last.first("text_input", "Nickname on the leaderboard")
            student.last = student.tab.run([WidgetState(id=nickname.id, string_value=f"student {i}"),
                                            WidgetState(id=student.last.first("button", "Submit").id, trigger_value=True)])
        together(submit, sessions)
        assert all(any("Watch for it on the projector" in text for text in s.last.texts("alert")) for s in students)
        for process in ("app1", "app2"):
            assert board_count(balancer, f"NNLAB_SERVER={process}", made.code) == f"{sessions} entries", process

        # The next link of the lecture: app1's students open it and press Train; app1 stops meanwhile.
        moved = [student for student in students if student.process == "app1"]
        for student in moved:
            student.tab.close()
            student.exp = student.exp.replace(training=LONGER)
            student.tab = Session(balancer.url, "Train",
                                  urlencode(nnlab.links.to_query(student.exp) | {"class": made.code}), student.cookie)
            student.last = student.tab.run()
        together(lambda i: moved[i].press("Train", until=training), len(moved))
        apps[0].stop()
        in_flight = [student for student in moved if not drained(student.tab)]
        assert len(in_flight) >= len(moved) // 2, f"only {len(in_flight)} of {len(moved)} runs were in flight"
        back = together(lambda i: in_flight[i].comes_back(), len(in_flight))
        for student in in_flight:
            assert student.process == "app2"
            assert RESUMED in student.last.texts("alert"), student.last.texts("alert")
            assert any(f"{LONGER['epochs']:,} epochs" in text and f"seed {student.exp.seed}" in text
                       for text in student.last.texts("markdown")), student.exp.seed
            assert "Press **Train** to start." in student.last.texts("alert")
        again = together(lambda i: in_flight[i].press("Train"), len(in_flight))
        for student in in_flight:
            alone = nnlab.train(student.exp).history["train_loss"].iloc[-1]
            assert exact_loss(student.last) == repr(float(alone)), student.exp.seed
        assert board_count(balancer, in_flight[0].cookie, made.code) == f"{sessions} entries"
        assert len(board.entries(made.code)) == sessions
    finally:
        for student in students:
            student.tab.close()
        for part in [balancer, *apps]:
            if part is not None:
                part.stop()
        database.stop()

    def figures(seconds: dict[int, float]) -> str:
        ordered = sorted(seconds.values())
        return f"median {statistics.median(ordered):.2f} s, p90 {p90(ordered):.2f} s"
    return (f"two processes behind HAProxy: {sessions} students, {spread['app1']} pinned to one and {spread['app2']} "
            f"to the other; Train pressed at once: {figures(trained)}, every result equal to the run alone; "
            f"every entry on both boards. One process stopped with {len(in_flight)} runs of {LONGER['epochs']:,} epochs "
            f"in flight: back on the other in {figures(back)}, settings kept and told; Train again: {figures(again)}.")


def test_two_processes_behind_haproxy_serve_a_class_and_survive_one_stopping(data_dir, monkeypatch):
    require_parts()
    monkeypatch.undo()  # loopback traffic to our own servers needs the real network stack
    monkeypatch.setenv("NNLAB_DATA_DIR", str(data_dir))
    print("\n" + run_class(data_dir, SESSIONS))


def test_in_chromium_a_page_whose_process_stops_mid_run_comes_back_on_the_other_and_says_so(data_dir, monkeypatch):
    """The browser's own reconnection, which the protocol test above stands in for."""
    require_parts()
    require_chromium("the browser test behind HAProxy")
    playwright = need_module("playwright.sync_api")
    monkeypatch.undo()
    apps = [Server(data_dir) for _ in range(2)]
    balancer = Balancer(apps)
    try:
        with playwright.sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(f"{balancer.url}/Train?{SLOW}&seed=5")
            page.get_by_role("button", name="Train", exact=True).wait_for(timeout=90_000)
            pinned = next(c["value"] for c in page.context.cookies() if c["name"] == "NNLAB_SERVER")
            page.get_by_role("button", name="Train", exact=True).click()
            page.get_by_text(re.compile(r"^Epoch [1-9][\d,]* of 1,000$")).wait_for(timeout=60_000)
            apps[int(pinned[-1]) - 1].stop()
            page.get_by_text(RESUMED[:40], exact=False).wait_for(timeout=60_000)
            assert next(c["value"] for c in page.context.cookies() if c["name"] == "NNLAB_SERVER") != pinned
            assert page.get_by_text(re.compile(r"1,000 epochs · batch 1 · hidden 128-128 tanh · seed 5$")).count() == 1
            page.get_by_role("button", name="Train", exact=True).click()
            page.get_by_text("Final train loss", exact=True).wait_for(timeout=120_000)
            browser.close()
    finally:
        balancer.stop()
        for app in apps:
            app.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=SESSIONS)
    args = parser.parse_args()
    print(run_class(Path(os.environ.get("NNLAB_DATA_DIR") or Path.home() / ".cache" / "nnlab"), args.sessions))
