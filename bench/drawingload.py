"""A class drawing one data set together, on a real server, without browsers: `python -m bench --only
drawing [--drawers N] [--processes 2]`. N phones open a shared drawing over Streamlit's own protocol
and tap its plane TAPS times each, all at once, as fast as each tap is answered; the projector's
page (the instructor's key) reruns its drawing on its own timer. Measured:

- click to acknowledgement: from a tap sent to its phone drawing "Point added" (median, p90);
- every point kept once: the database holds exactly N x TAPS points, TAPS of each phone;
- the projector: from the last tap answered to the projector's page counting every point.

With two processes the phones go through HAProxy and share one class database (`database_url`, or a
SQLite file in the data directory)."""

from __future__ import annotations

import json
import random
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench.classload import Site, p90
from bench.protocol import Run, Session
from nnlab import lessons
from nnlab.classroom.challenges import Board, Rules
from nnlab.ui.shared_drawing import REFRESH_SECONDS

TAPS = 5
ACK = "Point added"
GOALS = {"ack_p90": 1.0, "projector": 3.0}


def _plane(run: Run):
    """The plane a phone taps: the run's chart that takes a selection."""
    return next((element.vega_lite_chart for kind, element in run.elements
                 if kind == "vega_lite_chart" and element.vega_lite_chart.id), None)


def _acknowledged(run: Run) -> float | None:
    return next((at for (kind, element), at in zip(run.elements, run.arrived, strict=True)
                 if kind == "alert" and element.alert.body.startswith(ACK)), None)


class Phone:
    """One student's phone on the drawing: joined by its link, then its taps."""

    def __init__(self, site: Site, code: str):
        self.cookie = site.cookie()
        self.session = Session(site.url, "Class", f"class={code}", self.cookie)
        run, deadline = self.session.run(timeout=300, through_reruns=True), time.monotonic() + 300
        while _plane(run) is None:  # a fresh server's first page is its boot screen, then the page itself
            if time.monotonic() > deadline:
                raise RuntimeError("a phone did not get the drawing's plane")
            run = self.session.read(timeout=300, through_reruns=True)
        self.plane = _plane(run)
        self.waits: list[float] = []

    def tap(self, x1: float, x2: float) -> None:
        """A tap on the plane, as the browser sends Vega's selection; wait for its answer and the new plane."""
        selection = json.dumps({"selection": {"tap": [{"x1": x1, "x2": x2}]}})
        sent = time.monotonic()
        fragment = self.session.fragments.get(self.plane.id, "")  # the plane's fragment reruns, as in a browser
        run = self.session.run([WidgetState(id=self.plane.id, string_value=selection)], timeout=300, fragment=fragment,
                               through_reruns=True)
        answered = _acknowledged(run)
        if answered is None:
            raise RuntimeError("a tap was not answered with its point")
        self.waits.append(answered - sent)
        self.plane = _plane(run)


class Projector:
    """The instructor's page with the drawing on its timer; when it first counted `total` points."""

    def __init__(self, site: Site, code: str, key: str):
        self.session = Session(site.url, "Class", f"class={code}&key={key}", site.cookie())
        self.session.run(timeout=300, through_reruns=True)
        self.counted: float | None = None
        self.stopped = threading.Event()

    def watch(self, total: int) -> None:
        shows = f"**{total}** points"
        while not self.stopped.is_set():
            started = time.monotonic()
            fragment = [id for id, seconds in self.session.timers.items() if seconds == REFRESH_SECONDS][-1]
            run = self.session.tick(fragment, timeout=300)
            if any(kind == "markdown" and element.markdown.body.startswith(shows) for kind, element in run.elements):
                self.counted = time.monotonic()
                return
            self.stopped.wait(max(0.0, REFRESH_SECONDS - (time.monotonic() - started)))


@dataclass
class Drawn:
    phones: int
    waits: list[float]  # tap -> its answer, every tap of every phone, sorted
    kept: int  # points in the database
    each: set[int]  # how many points each phone has there
    projector: float  # the last tap answered -> the projector counting every point (inf: never)
    cpu_a_tap: float  # the server's CPU seconds (every process) while the phones tapped, a tap
    seconds: float  # from the first tap to the last answer


def measure(site: Site, phones: int) -> Drawn:
    board = Board(site.database_url)
    made = board.create(lessons.get("bump-twenty-neurons"), Rules(drawing=True, points_each=TAPS))
    projector = Projector(site, made.code, made.key)
    joined = [Phone(site, made.code) for _ in range(phones)]
    start = threading.Barrier(phones + 1)

    def draw(phone: Phone) -> None:
        start.wait()
        for _ in range(TAPS):
            phone.tap(round(random.uniform(-5.5, 5.5), 1), round(random.uniform(-5.5, 5.5), 1))

    threads = [threading.Thread(target=draw, args=(phone,)) for phone in joined]
    watcher = threading.Thread(target=projector.watch, args=(phones * TAPS,))
    for thread in [*threads, watcher]:
        thread.start()
    cpu = site.cpu()
    start.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    last_answer = time.monotonic()
    cpu = site.cpu() - cpu
    watcher.join(timeout=60)
    projector.stopped.set()
    for phone in joined:
        phone.session.close()
    projector.session.close()
    kept = board.drawn(made.code).points
    each = set(board.drawers(made.code)["points"])
    waits = sorted(wait for phone in joined for wait in phone.waits)
    seen = projector.counted - last_answer if projector.counted else float("inf")
    return Drawn(phones, waits, len(kept), each, max(0.0, seen), cpu / (phones * TAPS), last_answer - began)


def report(where: str, drawn: Drawn) -> str:
    return (f"shared drawing ({where}): {drawn.phones} phones x {TAPS} taps at once; tap to answer median "
            f"{statistics.median(drawn.waits):.2f} s, p90 {p90(drawn.waits):.2f} s, slowest {max(drawn.waits):.2f} s; "
            f"all {drawn.phones * TAPS} answered in {drawn.seconds:.1f} s, {drawn.cpu_a_tap * 1000:.0f} ms of server CPU a "
            f"tap; kept {drawn.kept} of {drawn.phones * TAPS} (each phone: {sorted(drawn.each)}); the projector counted "
            f"them {drawn.projector:.2f} s after the last answer (it looks every {REFRESH_SECONDS} s)")


def drawing_table(phones: int, data_dir: Path, processes: int = 1, database_url: str | None = None) -> bool:
    where = "one server" if processes == 1 else f"{processes} app processes behind HAProxy"
    print(f"\n14. A class drawing together on {where}")
    site = Site.start(data_dir, processes, database_url)
    try:
        drawn = measure(site, phones)
    finally:
        site.stop()
    print(report(where, drawn))
    met = p90(drawn.waits) <= GOALS["ack_p90"] and drawn.projector <= GOALS["projector"]
    print(f"Goals: every point kept once; p90 tap to answer <= {GOALS['ack_p90']} s; the projector within "
          f"{GOALS['projector']} s: {'met' if met else 'NOT met'}")
    return drawn.kept == phones * TAPS and drawn.each == {TAPS} and met
