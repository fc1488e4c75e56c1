"""nnlab's speed, measured side by side in one run: `python -m bench` (`--full` for whole lessons).

Prints medians over alternated repeats:
1. each lesson: the tutorial's own loop vs nnlab's autograd loop vs the compiled engine;
2. Compare (4 activations x 5 seeds) vs ONE run of the tutorial's loop, same epochs;
3. model-steps per second per core, against what one core does on dense arithmetic;
4. a grid of workloads, tiny to large: ms per epoch for each engine and device, and auto's pick;
5. what the compiled engine costs at a cold start and with its cache;
6. saturated units: subnormals kept vs flushed, and the time estimate a page shows vs the real time;
7. a sweep of 6 learning rates x 5 widths x 3 seeds (90 runs) vs ONE run of the tutorial's loop;
8. a class at once on a real server: the server's CPU a result and click-to-result, in T100
   (bench/classload.py; `--gate` makes it fail above a budget);
9. the study pages: an optimizer race drawn, a loss surface mapped, one step taken apart, each
   against its goal in seconds and in T100;
10. a language's cost: the Train page with a result, rerun in English and in Chinese (AppTest);
11. a lecture hall: phones joined and idle (the server's CPU and memory a phone), then the time from
    the instructor's Next to each phone showing the new step (bench/lectureload.py);
12. lanes: runs of one shape trained 1 to 32 at a time on one core, us per model-step (bench/lanes.py);
13. hands on: a weight set by hand, redrawn; a 64-128-10 network's weights brought back, checked and
    drawn on Train (bench/hands_on.py);
14. a class drawing together: phones tapping one shared drawing at once, tap to answer and the
    projector's update (bench/drawingload.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import pandas as pd
import torch

import nnlab
from bench import classload, drawingload, hands_on, lanes, lectureload
from bench.tutorial_loops import LOOPS
from bench.workloads import WORKLOADS, time_engine
from nnlab.training.comparison import with_activation
from nnlab.training.engine import choose, compiled
from nnlab.training.engine.choose import flops_per_step
from nnlab.training.trainer import estimate_seconds

REPEATS = 5
QUICK_EPOCHS = {"step-two-neurons": 200, "bump-twenty-neurons": 1000, "bump-two-layers": 1000}  # else the lesson's
ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity")


def median_seconds(functions: dict[str, callable], repeats: int) -> dict[str, float]:
    """Run each function `repeats` times, alternating between them, and keep the median time."""
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            started = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def epochs_for(lesson_id: str, full: bool) -> int:
    exp = nnlab.lessons.get(lesson_id)
    return exp.training.epochs if full else QUICK_EPOCHS.get(lesson_id, exp.training.epochs)


def lesson_table(full: bool, repeats: int) -> None:
    print("\n1. Lessons: the tutorial's loop vs nnlab (autograd; compiled), same epochs, same initial weights")
    print(f"{'lesson':<24}{'epochs':>7}{'tutorial s':>12}{'autograd s':>12}{'compiled s':>12}"
          f"{'tutorial/compiled':>19}{'goal':>7}")
    for lesson_id, loop in LOOPS.items():
        exp, epochs = nnlab.lessons.get(lesson_id), epochs_for(lesson_id, full)
        t = median_seconds({
            "tutorial": partial(loop, exp, epochs),
            "autograd": partial(nnlab.train, exp, epochs=epochs, engine="autograd"),
            "compiled": partial(nnlab.train, exp, epochs=epochs, engine="compiled"),
        }, repeats)
        goal = ">=80x" if lesson_id == "bump-twenty-neurons" else ""
        print(f"{lesson_id:<24}{epochs:>7}{t['tutorial']:>12.3f}{t['autograd']:>12.3f}{t['compiled']:>12.4f}"
              f"{t['tutorial'] / t['compiled']:>18.1f}x{goal:>7}")


def compare_table(full: bool, repeats: int) -> None:
    print(f"\n2. Compare: {len(ACTIVATIONS)} activations x 5 seeds (20 runs) vs ONE run of the tutorial's loop, same epochs")
    print(f"{'lesson':<24}{'epochs':>7}{'tutorial s':>12}{'compare s':>11}{'compare/tutorial':>18}{'goal':>8}")
    for lesson_id in ("bump-twenty-neurons", "tabular-relu"):
        exp, epochs = nnlab.lessons.get(lesson_id), epochs_for(lesson_id, full)
        t = median_seconds({
            "tutorial": partial(LOOPS[lesson_id], exp, epochs),
            "compare": partial(nnlab.compare, exp, ACTIVATIONS, range(5), epochs=epochs),
        }, repeats)
        goal = "<=1/15" if lesson_id == "bump-twenty-neurons" else ""
        print(f"{lesson_id:<24}{epochs:>7}{t['tutorial']:>12.3f}{t['compare']:>11.3f}"
              f"{'1/' + format(t['tutorial'] / t['compare'], '.1f'):>18}{goal:>8}")


def core_flops(repeats: int) -> float:
    """What one core does on dense float32 arithmetic: a 1024 x 1024 matrix product in torch on one
    thread (its kernels use every vector unit), best of `repeats`."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    a, b = torch.rand(1024, 1024), torch.rand(1024, 1024)
    best = float("inf")
    for _ in range(repeats + 1):
        started = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - started)
    torch.set_num_threads(threads)
    return 2 * 1024 ** 3 / best


def throughput_table(repeats: int) -> None:
    exp = nnlab.lessons.get("bump-twenty-neurons")
    data = nnlab.load_data(exp)
    steps_per_epoch, flops = 4, flops_per_step(exp, data)
    epochs, cores = 2000, compiled.CORES
    stack = [with_activation(exp, act, seed) for act in ACTIVATIONS for seed in range(5)]
    t = median_seconds({
        "one": lambda: compiled.train([exp], data, epochs, "bench", keep_snapshots=False),
        "stack": lambda: compiled.train(stack, data, epochs, "bench", keep_snapshots=False),
    }, repeats)
    limit = core_flops(repeats)
    print(f"\n3. Model-steps per second per core (bump lesson, {flops:,.0f} FLOP a step, {cores} cores)")
    print(f"{'run':<40}{'model-steps/s/core':>20}{'us/step':>9}{'GFLOP/s/core':>14}{'of limit':>10}")
    for name, seconds, models, used in (("one run alone (one core)", t["one"], 1, 1),
                                        (f"Compare's 20 runs (all {cores} cores)", t["stack"], 20, cores)):
        rate = models * epochs * steps_per_epoch / seconds / used
        print(f"{name:<40}{rate:>20,.0f}{1e6 / rate:>9.2f}{rate * flops / 1e9:>14.2f}{rate * flops / limit:>10.1%}")
    print(f"limit: one core's dense float32 arithmetic, a 1024x1024 torch.mm on one thread: {limit / 1e9:.1f} GFLOP/s")


def device_table(repeats: int) -> None:
    gpu = torch.cuda.is_available()
    device_name = torch.cuda.get_device_name() if gpu else "no GPU"
    print(f"\n4. Workloads: ms per epoch by engine and device ({device_name}); auto's pick against the fastest")
    options = [("compiled", "cpu"), ("autograd", "cpu")] + ([("autograd", "cuda")] if gpu else [])
    header = "".join(f"{engine + '/' + device:>16}" for engine, device in options)
    print(f"{'workload':<34}{'FLOP/step':>10}{header}{'auto picks':>18}{'auto/best':>11}")
    for workload in WORKLOADS:
        timings = {option: time_engine(workload, *option, repeats) for option in options}
        choice = choose(*workload.runs)
        pick = (choice.engine, choice.device.type)
        best = min(timings.values())
        cells = "".join(f"{timings[option] * 1000:>16.1f}" for option in options)
        print(f"{workload.name:<34}{workload.flops_per_step:>10.1e}{cells}{pick[0] + '/' + pick[1]:>18}"
              f"{timings[pick] / best:>10.2f}x")


def start_up_table() -> None:
    """A fresh process loading the kernels: once with an empty Numba cache, then with it filled."""
    code = ("import time; t = time.perf_counter(); from nnlab.training.engine import compiled; "
            "imported = time.perf_counter() - t; print(imported, compiled.warm())")
    print("\n5. Start-up: a new process imports nnlab and trains one epoch (compiled.warm)")
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for label in ("cold (empty cache: compiles)", "cached (loads the compiled code)"):
            output = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            imported, warm = map(float, output.stdout.split())
            print(f"{label:<36} import {imported:5.2f} s, first epoch {warm:5.2f} s")


def estimate_table(repeats: int) -> None:
    """Wide tanh layers at small batches: where saturated units made subnormal gradients, and where
    the time estimate (which refuses runs over the limit) was furthest off."""
    print("\n6. Saturated tanh units (bump data, Adam): subnormals kept vs flushed; the estimate vs the real time")
    print(f"{'workload':<28}{'epochs':>7}{'kept s':>9}{'flushed s':>11}{'kept/flushed':>14}{'estimate s':>12}"
          f"{'estimate/real':>15}")
    base = nnlab.lessons.get("bump-twenty-neurons")
    for hidden, batch, epochs in (((128, 128), 4, 1000), ((128, 128), 1, 200), ((256,), 1, 300), ((32, 32, 32), 16, 2000)):
        exp = base.replace(model={"hidden": hidden, "activations": ("tanh",) * len(hidden)},
                           training={"batch_size": batch, "epochs": epochs})

        def run(flush: bool, exp=exp) -> None:
            compiled.FLUSH_SUBNORMALS = flush
            nnlab.train(exp, engine="compiled")
        t = median_seconds({"kept": partial(run, False), "flushed": partial(run, True)}, max(1, repeats // 2))
        compiled.FLUSH_SUBNORMALS = True
        estimate = estimate_seconds([exp], nnlab.load_data(exp))
        name = f"{'x'.join(map(str, hidden))} batch {batch}"
        print(f"{name:<28}{epochs:>7}{t['kept']:>9.2f}{t['flushed']:>11.2f}{t['kept'] / t['flushed']:>13.1f}x"
              f"{estimate:>12.2f}{estimate / t['flushed']:>15.2f}")


SWEEP_RATES, SWEEP_WIDTHS, SWEEP_SEEDS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3), (2, 5, 10, 20, 40), range(3)


def sweep_table(repeats: int) -> None:
    runs = len(SWEEP_RATES) * len(SWEEP_WIDTHS) * len(SWEEP_SEEDS)
    print(f"\n7. Sweep: {len(SWEEP_RATES)} learning rates x {len(SWEEP_WIDTHS)} widths x {len(SWEEP_SEEDS)} seeds "
          f"({runs} runs) vs ONE run of the tutorial's loop, bump lesson, same epochs")
    print(f"{'epochs':>7}{'tutorial s':>12}{'sweep s':>10}{'sweep/tutorial':>16}{'goal':>7}")
    exp, epochs = nnlab.lessons.get("bump-twenty-neurons"), 1000
    t = median_seconds({
        "tutorial": partial(LOOPS["bump-twenty-neurons"], exp, epochs),
        "sweep": partial(nnlab.sweep, exp, SWEEP_RATES, SWEEP_WIDTHS, SWEEP_SEEDS, epochs=epochs),
    }, repeats)
    print(f"{epochs:>7}{t['tutorial']:>12.3f}{t['sweep']:>10.3f}{t['sweep'] / t['tutorial']:>15.2f}x{'<=3x':>7}")


def study_table(repeats: int) -> None:
    """What the Optimizer race, Train's loss surface and Inside one step cost a press, uncached."""
    from nnlab.pictures import frames, step_views, study_charts
    from nnlab.study import by_hand, surfaces
    from nnlab.ui.pictures import arrow_bytes

    print("\n9. Study pages: a press's work, uncached (the race and the surface filled and sent as Arrow)")
    where = surfaces.surface("rosenbrock")
    racers = {label: {**settings, "rate": surfaces.default_rate(where, label)} for label, settings in surfaces.RACERS.items()}
    minima = pd.DataFrame(where.minima, columns=["x", "y"])

    def race() -> None:
        paths = surfaces.race(where, racers, steps=200)
        race = study_charts.race(surfaces.grid(where), paths, minima, where.box, "race")
        for spec in (race, study_charts.race_distances(paths)):
            [arrow_bytes(frame) for frame in spec["datasets"].values()]

    bump = nnlab.train(nnlab.lessons.get("bump-twenty-neurons"))  # 7,000 epochs, a snapshot every 1,000

    def surface() -> None:
        mapped = nnlab.landscape(bump, grid=25)
        spec = study_charts.loss_landscape(*frames.landscape_cells(mapped.grid, mapped.path), ("a", "b"), "surface")
        [arrow_bytes(frame) for frame in spec["datasets"].values()]

    step_lesson = nnlab.lessons.get("step-two-neurons")

    def step() -> None:
        taken = by_hand.one_step(step_lesson, batch=100)
        step_views.diagram(taken, taken.rows[0], "backward", ["x"])
        step_views.weight_gradients(taken, taken.rows[0], ["x"])

    race(), surface(), step()  # torch.optim's and Altair's first use, once a process
    t = median_seconds({"T100": classload.t100, "race": race, "surface": surface, "step": step}, repeats)
    print(f"{'work':<52}{'seconds':>9}{'T100':>8}{'goal':>9}")
    for name, label, goal in (("race", f"race: {len(surfaces.RACERS)} optimizers x 200 steps, drawn", 0.3),
                              ("surface", "loss surface: 25 x 25, bump lesson (7,000 epochs)", 1.0),
                              ("step", "one step by hand, step 100 of the step lesson", None)):
        print(f"{label:<52}{t[name]:>9.3f}{t[name] / t['T100']:>8.2f}{f'<= {goal} s' if goal else '':>9}")


def language_table(repeats: int) -> bool:
    """A rerun of Train with the bump lesson's result on it, in English and in Chinese, alternated:
    the Chinese one within 5% (issue 24's goal; templates are made once per language)."""
    from streamlit.testing.v1 import AppTest

    print("\n10. A rerun of Train with a result (bump lesson), English against Chinese, alternated (AppTest)")
    pages = {}
    for language in ("en", "zh-CN"):
        at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
        at.switch_page("pages/3_Train.py")
        at.query_params.update({"lesson": "bump-twenty-neurons", "lang": language})
        at.run()
        at.button(key="train").click().run()
        at.run()  # the templates made, the result drawn once
        assert not at.exception and at.metric, language
        pages[language] = at
    rounds = max(repeats, 15)
    seconds = {language: [] for language in pages}
    for _ in range(rounds):
        for language, at in pages.items():
            started = time.perf_counter()
            at.run()
            seconds[language].append(time.perf_counter() - started)
    english, chinese = (statistics.median(seconds[language]) for language in pages)
    ratio = chinese / english
    print(f"{'rerun':<52}{'seconds':>9}")
    print(f"{'English':<52}{english:>9.3f}\n{'Chinese':<52}{chinese:>9.3f}")
    print(f"Chinese / English: {ratio:.3f} (goal <= 1.05; medians of {rounds})")
    return ratio <= 1.05


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="train the lessons' full epochs (minutes)")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--only", choices=("lessons", "compare", "throughput", "devices", "start-up", "estimates", "sweep",
                                           "class", "study", "languages", "lecture", "lanes", "hands-on", "drawing"))
    parser.add_argument("--sessions", type=int, default=30, help="class: sessions pressing Train at once")
    parser.add_argument("--lessons", default=",".join(classload.LESSONS), help="class: which, comma-separated")
    parser.add_argument("--processes", type=int, choices=(1, 2), default=1,
                        help="class and lecture: app processes (2: behind HAProxy, deploy/haproxy.cfg)")
    parser.add_argument("--phones", default="30,100", help="lecture: phones in the hall, comma-separated counts")
    parser.add_argument("--drawers", type=int, default=100, help="drawing: phones tapping the shared drawing at once")
    parser.add_argument("--gate", type=float, help="class: fail above this many T100 of server CPU a result, training "
                                                   "left out (bump lesson)")
    parser.add_argument("--gate-training", type=float, help="class: fail above this many T100 of training a result "
                                                            "(bump lesson)")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {os.cpu_count()} cores, medians of {args.repeats} alternated repeats")
    compiled.warm()
    sections = {"lessons": lambda: lesson_table(args.full, args.repeats),
                "compare": lambda: compare_table(args.full, args.repeats),
                "throughput": lambda: throughput_table(args.repeats),
                "devices": lambda: device_table(args.repeats),
                "start-up": start_up_table,
                "estimates": lambda: estimate_table(args.repeats),
                "sweep": lambda: sweep_table(args.repeats),
                "class": lambda: class_section(args),
                "study": lambda: study_table(args.repeats),
                "languages": lambda: language_table(args.repeats),
                "lecture": lambda: lecture_section(args),
                "lanes": lambda: lanes.lanes_table(args.repeats, core_flops(args.repeats)),
                "hands-on": lambda: hands_on.hands_on_table(args.repeats),
                "drawing": lambda: drawing_section(args)}
    passed = True
    for name, section in sections.items():
        if args.only in (None, name):
            passed = section() is not False and passed
    sys.exit(0 if passed else 1)


def class_section(args) -> bool:
    with tempfile.TemporaryDirectory() as data_dir:
        return classload.class_table(args.sessions, args.lessons.split(","), args.gate, Path(data_dir), args.processes,
                                     args.gate_training)



def drawing_section(args) -> bool:
    with tempfile.TemporaryDirectory() as data_dir:
        return drawingload.drawing_table(args.drawers, Path(data_dir), args.processes)


def lecture_section(args) -> bool:
    with tempfile.TemporaryDirectory() as data_dir:
        return lectureload.lecture_table([int(n) for n in args.phones.split(",")], Path(data_dir), args.processes)


if __name__ == "__main__":
    main()
