"""A class at once, measured: N sessions over Streamlit's own protocol on one real server, each with
its own seed, all pressing Train at the same moment. Per lesson, the server's CPU seconds a result
(training, measured by training the same runs here as the server's queue can group them, and
everything else: drawing, sending, the page's rerun) and click-to-result, in seconds and in T100,
the time of 100 epochs of the bump tutorial's own loop measured in the same run (CPU time over it is steady on a noisy machine).
Beside p90, its floor: the p90 of a server that spent the same CPU a result with no core ever idle
(0.9 x sessions x CPU a result / cores), and the cores it kept busy from the click to the last
result: what is left to gain by scheduling, and what only a cheaper result can give.

`python -m bench --only class [--sessions N] [--lessons bump,step] [--processes 2] [--gate 0.5]
[--gate-training 0.45]`; with two processes the sessions go through HAProxy (deploy/haproxy.cfg)
and the CPU is both processes'. The gates fail the command when the bump lesson's server CPU a
result, training left out (--gate) or training alone (--gate-training), is above that many T100.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

import nnlab
from bench.protocol import Run, Session
from bench.serving import Balancer, Server, cpu_seconds, resident_mb
from bench.tutorial_loops import LOOPS
from nnlab.training.trainer import lane_kind, train, train_together

# A lesson's page, as its link opens it; a session adds its own seed.
LESSONS = {
    "bump": "lesson=bump-twenty-neurons",
    "step": "lesson=step-two-neurons",
    "heart": "lesson=tabular-relu",
    "spiral": "lesson=bump-twenty-neurons&dataset=spiral&fraction=0.8&units=8,8&activation=tanh,tanh&epochs=500",
    "digits": "lesson=digits-classifier",
}
FIRST_SEED = 100
RESULT = "Final train loss"  # the readout's first metric: the result is on the page


def t100(repeats: int = 5) -> float:
    """Seconds for 100 epochs of the bump tutorial's own loop: the median of `repeats`."""
    exp = nnlab.lessons.get("bump-twenty-neurons")
    LOOPS["bump-twenty-neurons"](exp, 5)  # torch's first call pays for its lazy set-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        LOOPS["bump-twenty-neurons"](exp, 100)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def experiment(query: str, seed: int) -> nnlab.Experiment:
    return nnlab.links.from_query(dict(parse_qsl(f"{query}&seed={seed}")))


@dataclass
class Site:
    """Where a class connects: one app server, or HAProxy in front of two (`balancer`)."""

    apps: list[Server]
    balancer: Balancer | None = None
    database_url: str = ""  # the class database every process shares

    @classmethod
    def start(cls, data_dir: Path, processes: int = 1, database_url: str | None = None) -> Site:
        database_url = database_url or f"sqlite:///{data_dir / 'classroom.sqlite3'}"
        apps = [Server(data_dir, {"NNLAB_DATABASE_URL": database_url}) for _ in range(processes)]
        return cls(apps, Balancer(apps) if processes > 1 else None, database_url)

    @property
    def url(self) -> str:
        return (self.balancer or self.apps[0]).url

    def cookie(self) -> str | None:
        """A new browser's cookies for the site: the process HAProxy pins it to."""
        return self.balancer.sticky_cookie() if self.balancer else None

    def cpu(self) -> float:
        return sum(cpu_seconds(app.process.pid) for app in self.apps)

    @property
    def cores(self) -> int:
        """The cores the site's processes share: this machine's (they all run here)."""
        return os.cpu_count() or 1

    @property
    def slots(self) -> int:
        """Runs the site starts at once, each process's queue a run a core."""
        return len(self.apps) * self.cores

    def memory_mb(self) -> float:
        return sum(resident_mb(app.process.pid) for app in self.apps)

    def stop(self) -> None:
        for part in [self.balancer, *self.apps]:
            if part is not None:
                part.stop()


@dataclass
class Pressed:
    """What a class pressing Train at once cost and saw."""

    runs: dict[int, Run]  # seed -> the run its click drew (the Train page's run panel: a fragment)
    pages: dict[int, Run]  # seed -> the run that opened its page (the settings, the sidebar)
    waits: list[float]  # click to the whole result drawn, per session, sorted
    server_cpu: float  # seconds, all threads of every process, from the click to the last result
    one_session_mb: float
    busy_mb: float


def together(work: Callable[[int], object], count: int) -> dict[int, float]:
    """Run work(i) for every i in threads that start at the same moment; seconds each took."""
    start, seconds = threading.Barrier(count), {}

    def one(i: int) -> None:
        start.wait()
        began = time.monotonic()
        work(i)
        seconds[i] = time.monotonic() - began
    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return seconds


def open_sessions(site: Site, query: str, seeds: list[int], page: str = "Train") -> dict[int, tuple[Session, object, Run]]:
    """A session per seed on `page`, opened in parallel: seed -> (session, its Train button, its first run)."""
    opened = {}

    def open_one(seed: int) -> None:
        session = Session(site.url, page, f"{query}&seed={seed}", site.cookie())
        first = session.run()
        opened[seed] = (session, first.first("button", "Train"), first)

    threads = [threading.Thread(target=open_one, args=(seed,)) for seed in seeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(opened) == len(seeds), "every session opened its page"
    return opened


def press_together(site: Site, query: str, seeds: list[int]) -> Pressed:
    """Open a session per seed, then have every one press Train at the same moment."""
    opened = open_sessions(site, query, seeds)
    one_session_mb = site.memory_mb()
    start, runs, waits = threading.Barrier(len(seeds)), {}, {}

    def press(seed: int) -> None:
        session, button, _ = opened[seed]
        start.wait()
        clicked = time.monotonic()
        runs[seed] = session.click(button)
        waits[seed] = runs[seed].finished - clicked

    cpu_before = site.cpu()
    threads = [threading.Thread(target=press, args=(seed,)) for seed in seeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server_cpu = site.cpu() - cpu_before
    busy_mb = site.memory_mb()
    for session, _, _ in opened.values():
        session.close()
    pages = {seed: page for seed, (_, _, page) in opened.items()}
    return Pressed(runs, pages, sorted(waits.values()), server_cpu, one_session_mb, busy_mb)


def training_cpu(exps: list[nnlab.Experiment], slots: int) -> float:
    """CPU seconds to train these runs in this process as the server's queue does when they arrive
    at once: the first `slots` alone (a free slot waits for nothing), then the rest of each lane
    kind together, the others alone. Their data is loaded first and not counted: the server loads
    it when a page opens."""
    runs = [(exp, nnlab.load_data(exp)) for exp in exps]
    kinds: dict[object, list] = {}
    for exp, data in runs[slots:]:
        kinds.setdefault(lane_kind(exp, data) or object(), []).append((exp, data))
    started = time.process_time()
    for exp, data in runs[:slots]:
        train(exp, data=data)
    for group in kinds.values():
        train_together(group, [lambda *_: None] * len(group))
    return time.process_time() - started


def p90_floor(count: int, cpu_a_result: float, cores: int) -> float:
    """The p90 no scheduling can beat: results at this CPU cost each, one after another on every
    core with none idle, the p90 one done when p90's share of all the CPU is spent."""
    return max(1, round(0.9 * count)) * cpu_a_result / cores


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.9 * len(ordered)) - 1)]


def measure(site: Site, query: str, sessions: int) -> dict:
    """One lesson: a warm-up press on each process (its kernels and data loaded), then `sessions`
    pressing at once."""
    press_together(site, query, list(range(FIRST_SEED - 2 * len(site.apps), FIRST_SEED)))
    seeds = list(range(FIRST_SEED, FIRST_SEED + sessions))
    pressed = press_together(site, query, seeds)
    missing = [seed for seed, run in pressed.runs.items() if run.first("metric", RESULT) is None]
    assert not missing, f"no result drawn for seeds {missing}"
    training = training_cpu([experiment(query, seed) for seed in seeds], site.slots)
    return {"pressed": pressed, "training": training / sessions,
            "other": (pressed.server_cpu - training) / sessions,
            "messages": statistics.median(run.messages for run in pressed.runs.values()),
            "kb": statistics.median(run.bytes for run in pressed.runs.values()) / 1024}


def first_page(data_dir: Path) -> tuple[float, float, bool]:
    """A fresh server's first page, from the request: seconds to its first element and to the whole
    page, and whether that first element was the "getting ready" notice's title."""
    server = Server(data_dir)
    try:
        asked = time.monotonic()
        run = Session(server.url, "Train", LESSONS["bump"]).run()
        shown = next((i for i, (kind, _) in enumerate(run.elements) if kind != "empty"), None)  # past placeholders
        if shown is None:
            return float("nan"), run.finished - asked, False
        return run.arrived[shown] - asked, run.finished - asked, run.elements[shown][0] == "heading"
    finally:
        server.stop()


def class_table(sessions: int, lessons: list[str], gate: float | None, data_dir: Path, processes: int = 1,
                training_gate: float | None = None) -> bool:
    """Print the table; False where a gate is set and the bump lesson's cost is above it."""
    where = "one server" if processes == 1 else f"{processes} app processes behind HAProxy"
    print(f"\n8. A class at once: {sessions} sessions press Train together on {where} (Streamlit's protocol); "
          f"T100 timed before and after each lesson's press (this machine's speed moves within minutes)")
    print(f"{'lesson':<8}{'CPU/result: training':>22}{'other':>8}{'total':>8}{'click to result: first':>24}"
          f"{'median':>8}{'p90':>8}{'floor':>7}{'cores':>7}{'msgs':>6}{'kB':>7}{'server MB':>11}")
    shown, whole, notice = first_page(data_dir)
    print(f"A fresh server's first page: {'its title and notice' if notice else 'something'} after {shown:.2f} s, "
          f"whole after {whole:.2f} s")
    passed = True
    site = Site.start(data_dir, processes)
    try:
        for name in lessons:
            before = t100()
            row = measure(site, LESSONS[name], sessions)
            unit = (before + t100()) / 2
            pressed, waits = row["pressed"], row["pressed"].waits
            cells = [row["training"] / unit, row["other"] / unit, (row["training"] + row["other"]) / unit]
            times = [waits[0] / unit, statistics.median(waits) / unit, p90(waits) / unit]
            floor = p90_floor(sessions, pressed.server_cpu / sessions, site.cores)
            cores = pressed.server_cpu / waits[-1]
            print(f"{name:<8}{cells[0]:>18.2f} T100{cells[1]:>8.2f}{cells[2]:>8.2f}{times[0]:>19.1f} T100{times[1]:>8.1f}"
                  f"{times[2]:>8.1f}{floor / unit:>7.1f}{cores:>7.2f}{row['messages']:>6.0f}{row['kb']:>7.0f}"
                  f"{pressed.busy_mb:>11.0f}")
            print(f"{'':<8}{row['training']:>20.3f} s{row['other']:>8.3f}{row['training'] + row['other']:>8.3f}"
                  f"{waits[0]:>21.2f} s{statistics.median(waits):>8.2f}{p90(waits):>8.2f}{floor:>7.2f}"
                  f"{'':>7}   T100 = {unit:.3f} s")
            if gate is not None and name == "bump" and row["other"] / unit > gate:
                print(f"GATE FAILED: the bump lesson's server CPU a result beyond training is "
                      f"{row['other'] / unit:.2f} T100, above {gate} T100")
                passed = False
            if training_gate is not None and name == "bump" and row["training"] / unit > training_gate:
                print(f"GATE FAILED: the bump lesson's training a result is {row['training'] / unit:.2f} T100, above "
                      f"{training_gate} T100")
                passed = False
    finally:
        site.stop()
    return passed
