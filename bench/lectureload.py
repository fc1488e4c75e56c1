"""A lecture hall on a real server, without browsers: `python -m bench --only lecture [--phones N]
[--processes 2]`. N phones join a lecture over Streamlit's own protocol and each reruns its follow
fragment on the fragment's own timer, as a browser does. Measured:

- idle: the server's CPU (percent of one core) and memory a phone while every phone sits on a step;
- Next: from the instructor's move to each phone drawing the new step's card (p90, slowest), with
  nothing done on the phones; every phone must arrive.

With two processes the phones go through HAProxy (deploy/haproxy.cfg) and share one class database
(a SQLite file in the data directory unless `database_url` names a PostgreSQL server); a move made
on one process reaches the phones on the other through that database.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.classload import Site, p90
from bench.protocol import Run, Session
from nnlab.classroom.challenges import Board
from nnlab.classroom.lectures import Card, Lecture, Step
from nnlab.ui.lecture_screen import FOLLOW_SECONDS

IDLE_SECONDS = 20  # how long the idle room is watched
# Two steps as a lecture's hour has them: the lessons, then a lesson on Train
LECTURE = Lecture("Load", (
    Step("lessons", (("lesson", "bump-twenty-neurons"),), Card("Where we are going")),
    Step("train", (("lesson", "step-two-neurons"),), Card("Two neurons, one staircase")),
))


def shows_step(number: int):
    """Whether a run drew the card of step `number` (from 1)."""
    def drawn(run: Run) -> bool:
        return any(kind == "markdown" and f"Step {number} of" in element.markdown.body for kind, element in run.elements)
    return drawn


class Phone:
    """One phone in the lecture: joined by its link, then its follow fragment on its timer."""

    def __init__(self, site: Site, code: str, cookie: str | None = None):
        self.cookie = cookie or site.cookie()  # behind HAProxy: the process it is pinned to
        self.session = Session(site.url, "Lecture", f"lecture={code}", self.cookie)
        run, deadline = self.session.run(until=shows_step(1), timeout=300, through_reruns=True), time.monotonic() + 300
        while not shows_step(1)(run):  # a fresh server's first page is its boot screen, then the page itself
            if time.monotonic() > deadline:
                raise RuntimeError("a phone did not land on the lecture's first step")
            run = self.session.read(until=shows_step(1), timeout=300, through_reruns=True)
        self.session.read(timeout=300, through_reruns=True)  # the rest of its first page
        self.arrived: float | None = None
        self.stopped = threading.Event()

    def follow(self, until_step: int, moved: threading.Event) -> None:
        """Rerun the follow fragment every FOLLOW_SECONDS (from a random phase, as phones join at
        random moments) until the phone draws step `until_step`; note when (after `moved` is set)."""
        time.sleep(random.uniform(0, FOLLOW_SECONDS))
        while not self.stopped.is_set():
            started = time.monotonic()
            fragment = [id for id, seconds in self.session.timers.items() if seconds == FOLLOW_SECONDS][-1]
            run = self.session.tick(fragment, timeout=300)
            if moved.is_set() and shows_step(until_step)(run):
                self.arrived = time.monotonic()
                return
            self.stopped.wait(max(0.0, FOLLOW_SECONDS - (time.monotonic() - started)))


class Instructor:
    """The instructor's browser on the lecture (its key in the link), pinned to one process: it
    presses Next in its sidebar, as a person or a clicker does."""

    def __init__(self, site: Site, code: str, key: str, cookie: str | None = None):
        self.session = Session(site.url, "Lecture", f"lecture={code}&key={key}", cookie or site.cookie())
        self.page = self.session.run(until=shows_step(1), timeout=300, through_reruns=True)
        while not self.page.first("button", "Next"):
            self.page = self.session.read(timeout=300, through_reruns=True)
        self.session.read(timeout=300, through_reruns=True)

    def next(self) -> None:
        self.session.click(self.page.first("button", "Next"), timeout=300)


@dataclass
class Measured:
    phones: int
    idle_cpu_percent: float  # of one core, every process together
    mb_a_phone: float
    next_waits: list[float]  # instructor's move -> the phone drew the new step, sorted
    arrived: int
    by_process: dict[str, tuple[int, int]]  # process -> (phones it served, how many of them arrived)


def measure(site: Site, phones: int, instructor_cookie: str | None = None, idle_seconds: float = IDLE_SECONDS) -> Measured:
    """Start a lecture; its instructor's browser (pinned by `instructor_cookie` behind HAProxy) and
    `phones` phones join; the room idles, then the instructor presses Next."""
    board = Board(site.database_url)
    code, key = board.start_lecture(LECTURE)
    instructor = Instructor(site, code, key, instructor_cookie)
    joined: list[Phone] = [Phone(site, code)]  # the first phone warms the step's page: the rest is what a phone costs
    memory_before = site.memory_mb()
    lock = threading.Lock()

    def join() -> None:
        phone = Phone(site, code)
        with lock:
            joined.append(phone)
    threads = [threading.Thread(target=join) for _ in range(phones - 1)]
    for number, thread in enumerate(threads):
        thread.start()
        if number % 20 == 19:
            time.sleep(0.5)  # a hall joins over a minute, not in one millisecond
    for thread in threads:
        thread.join()
    if len(joined) != phones:
        raise RuntimeError(f"only {len(joined)} of {phones} phones joined")
    moved = threading.Event()
    followers = [threading.Thread(target=phone.follow, args=(2, moved)) for phone in joined]
    for thread in followers:
        thread.start()
    time.sleep(FOLLOW_SECONDS * 2)  # every phone on its timer
    cpu, began = site.cpu(), time.monotonic()
    time.sleep(idle_seconds)
    idle = (site.cpu() - cpu) / (time.monotonic() - began) * 100
    mb_a_phone = (site.memory_mb() - memory_before) / max(1, phones - 1)
    pressed = time.monotonic()
    moved.set()
    instructor.next()
    for thread in followers:
        thread.join(timeout=120)
    for phone in joined:
        phone.stopped.set()
        phone.session.close()
    instructor.session.close()
    waits = sorted(phone.arrived - pressed for phone in joined if phone.arrived is not None)
    by_process = {}
    for phone in joined:
        served = phone.cookie.split("=")[1] if phone.cookie else "app"
        joined_there, arrived_there = by_process.get(served, (0, 0))
        by_process[served] = (joined_there + 1, arrived_there + (phone.arrived is not None))
    board.delete_lecture(code, key)
    return Measured(phones, idle, mb_a_phone, waits, len(waits), by_process)


def lecture_table(phone_counts: list[int], data_dir: Path, processes: int = 1, database_url: str | None = None) -> bool:
    """Print idle cost and Next's p90 for each count of phones; False if a phone missed a step."""
    where = "one server" if processes == 1 else f"{processes} app processes behind HAProxy"
    print(f"\n11. A lecture hall on {where}: phones joined and idle on a step, then the instructor presses Next")
    print(f"{'phones':>7}{'idle CPU (% of a core)':>24}{'MB a phone':>12}{'Next: median s':>16}{'p90 s':>8}"
          f"{'slowest s':>11}{'arrived':>9}")
    site = Site.start(data_dir, processes, database_url)
    passed = True
    try:
        for phones in phone_counts:
            measured = measure(site, phones, "NNLAB_SERVER=app1" if processes > 1 else None)
            waits = measured.next_waits or [float("nan")]
            print(f"{phones:>7}{measured.idle_cpu_percent:>24.1f}{measured.mb_a_phone:>12.2f}"
                  f"{statistics.median(waits):>16.2f}{p90(waits):>8.2f}{max(waits):>11.2f}"
                  f"{measured.arrived:>5}/{phones}")
            if processes > 1:
                print("        the instructor on app1; phones served, arrived: " + ", ".join(
                    f"{name} {joined}, {arrived}" for name, (joined, arrived) in sorted(measured.by_process.items())))
            passed = passed and measured.arrived == phones
    finally:
        site.stop()
    print(f"Goals: idle <= 10% of a core and <= 1 MB a phone for 100; Next p90 <= 3 s, slowest <= 5 s; every phone "
          f"arrives. Phones look every {FOLLOW_SECONDS} s.")
    return passed
