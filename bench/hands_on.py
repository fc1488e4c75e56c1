"""Hands on (section 13), timed beside T100 in one run:
- a weight set by hand on Be the optimizer: the server's CPU for the page's rerun (goal 0.1 s);
- a run brought back: the digits lesson's 64-128-10 network, its downloaded weights read, checked
  against its settings and kept (what Train's "Bring it back" does), then the Train page drawn on
  them in Play / pause / step at epoch 0, the page a student sees next (goal 1 s for the two)."""

from __future__ import annotations

import contextlib
import os
import statistics
import tempfile
import time
from pathlib import Path

import nnlab
from bench import classload
from nnlab.export import weights_file
from nnlab.training.models import bring_back

ROOT = Path(__file__).resolve().parents[1]
LESSON = "digits-classifier"
GOAL_SECONDS = 1.0
HAND_GOAL_SECONDS = 0.1


@contextlib.contextmanager
def _data_dir(folder: str):
    """The weights kept in `folder`, not in the data directory a user has."""
    before = os.environ.get("NNLAB_DATA_DIR")
    os.environ["NNLAB_DATA_DIR"] = folder
    try:
        yield
    finally:
        os.environ.pop("NNLAB_DATA_DIR") if before is None else os.environ.update(NNLAB_DATA_DIR=before)


def hands_on_table(repeats: int) -> bool:
    return hand_table(repeats) & bring_back_table(repeats)


def hand_table(repeats: int) -> bool:
    """A typed weight on Be the optimizer (the step lesson), a new value each time: the server's CPU
    for the rerun it makes (AppTest runs the page in this process), beside T100 (one-threaded, so its
    seconds are CPU seconds)."""
    from streamlit.testing.v1 import AppTest

    print("\n13a. A weight set by hand: Be the optimizer rerun on the step lesson (AppTest), server CPU")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/10_Be_the_optimizer.py")
    at.query_params.update({"lesson": "step-two-neurons"})
    at.run()
    values = iter(range(10**6))

    def change() -> None:
        at.number_input(key="hand_typed").set_value(1.0 + next(values) % 7 * 0.25).run()
        assert not at.exception and at.metric, "the page did not redraw"

    change()
    cpu = {"T100": [], "change": []}
    for _ in range(max(repeats, 9)):
        cpu["T100"].append(classload.t100(1))
        started = time.process_time()
        change()
        cpu["change"].append(time.process_time() - started)
    t = {name: statistics.median(values) for name, values in cpu.items()}
    print(f"{'work':<52}{'CPU s':>9}{'T100':>8}")
    print(f"{'a typed weight: the page rerun, its pictures drawn':<52}{t['change']:>9.3f}{t['change'] / t['T100']:>8.2f}")
    print(f"goal: <= {HAND_GOAL_SECONDS} s: {'met' if t['change'] <= HAND_GOAL_SECONDS else 'NOT met'}")
    return t["change"] <= HAND_GOAL_SECONDS


def bring_back_table(repeats: int) -> bool:
    from streamlit.testing.v1 import AppTest

    from nnlab import links

    print("\n13b. A run brought back: the digits lesson's 64-128-10 network, its weights checked, then Train drawn on them")
    exp = nnlab.lessons.get(LESSON)
    result = nnlab.train(exp, epochs=5)
    blob, data = weights_file(result.model), result.data
    with tempfile.TemporaryDirectory() as folder, _data_dir(folder):
        back = bring_back(blob, exp, data.n_features, data.n_outputs, data.task)

        def page() -> None:
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            at.switch_page("pages/3_Train.py")
            at.query_params.update(links.to_query(back))
            at.session_state["train_mode"] = "live"
            at.run()
            assert not at.exception and at.get("vega_lite_chart"), "the page drew no picture"

        page()  # the templates and the data, made once a server
        times = {"T100": [], "check": [], "page": []}
        for _ in range(max(repeats, 7)):
            times["T100"].append(classload.t100(1))
            for name, work in (("check", lambda: bring_back(blob, exp, data.n_features, data.n_outputs, data.task)),
                               ("page", page)):
                started = time.perf_counter()
                work()
                times[name].append(time.perf_counter() - started)
    t = {name: statistics.median(values) for name, values in times.items()}
    total = t["check"] + t["page"]
    print(f"{'work':<52}{'seconds':>9}{'T100':>8}")
    for name, label in (("check", f"read, check and keep {len(blob):,} bytes of weights"),
                        ("page", "Train drawn on them (AppTest, a whole page run)"), ("total", "the two")):
        seconds = total if name == "total" else t[name]
        print(f"{label:<52}{seconds:>9.3f}{seconds / t['T100']:>8.2f}")
    print(f"goal: the two <= {GOAL_SECONDS} s: {'met' if total <= GOAL_SECONDS else 'NOT met'}")
    return total <= GOAL_SECONDS
