"""nnlab's speed, measured side by side in one run: `python -m bench` (add `--full` for whole lessons).

Prints three tables of medians over alternated repeats:
1. each lesson: the tutorial's own loop vs nnlab.train (fast path) vs nnlab's autograd loop;
2. compare (4 activations x 5 seeds) vs one nnlab.train of the same lesson;
3. a grid of workloads, tiny to large: ms per epoch for each engine and device, and auto's pick.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

import nnlab
from bench.tutorial_loops import bump_loop, step_loop
from bench.workloads import WORKLOADS, time_engine
from nnlab.training import choose_engine

REPEATS = 5


def median_seconds(functions: dict[str, callable], repeats: int) -> dict[str, float]:
    """Run each function `repeats` times, alternating between them, and keep the median time."""
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            started = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def lesson_table(full: bool, repeats: int) -> None:
    print("\n1. Lessons: tutorial loop vs nnlab.train (CPU), same epochs, same initial weights")
    print(f"{'lesson':<22}{'epochs':>8}{'tutorial s':>12}{'autograd s':>12}{'nnlab s':>10}{'tutorial/nnlab':>16}{'goal':>8}")
    for lesson_id, loop, short, goal in (("bump-twenty-neurons", bump_loop, 1000, 10), ("step-two-neurons", step_loop, 200, 5)):
        exp = nnlab.lessons.get(lesson_id)
        epochs = exp.training.epochs if full else short
        t = median_seconds({
            "tutorial": lambda: loop(exp, epochs),
            "autograd": lambda: nnlab.train(exp, epochs=epochs, device="cpu", engine="autograd"),
            "nnlab": lambda: nnlab.train(exp, epochs=epochs, device="cpu"),
        }, repeats)
        print(f"{lesson_id:<22}{epochs:>8}{t['tutorial']:>12.2f}{t['autograd']:>12.2f}{t['nnlab']:>10.2f}"
              f"{t['tutorial'] / t['nnlab']:>15.1f}x{'>=' + str(goal) + 'x':>8}")


def compare_table(full: bool, repeats: int) -> None:
    print("\n2. Compare: 4 activations x 5 seeds (20 runs) vs one nnlab.train, same lesson and epochs")
    print(f"{'lesson':<22}{'epochs':>8}{'one run s':>11}{'20 runs s':>11}{'ratio':>8}{'goal':>8}")
    for lesson_id, short in (("bump-twenty-neurons", 1000), ("tabular-relu", 1000)):
        exp = nnlab.lessons.get(lesson_id)
        epochs = exp.training.epochs if full else short
        t = median_seconds({
            "one": lambda: nnlab.train(exp, epochs=epochs),
            "compare": lambda: nnlab.compare(exp, ("sigmoid", "tanh", "relu", "identity"), range(5), epochs=epochs),
        }, repeats)
        print(f"{lesson_id:<22}{epochs:>8}{t['one']:>11.2f}{t['compare']:>11.2f}{t['compare'] / t['one']:>7.2f}x{'<=2x':>8}")


def device_table(repeats: int) -> None:
    gpu = torch.cuda.is_available()
    device_name = torch.cuda.get_device_name() if gpu else "no GPU"
    print(f"\n3. Workloads: ms per epoch by engine and device ({device_name}); auto's pick against the fastest")
    options = [("numpy", "cpu"), ("autograd", "cpu")] + ([("autograd", "cuda")] if gpu else [])
    header = "".join(f"{engine + '/' + device:>16}" for engine, device in options)
    print(f"{'workload':<34}{header}{'auto picks':>18}{'auto/best':>11}")
    for workload in WORKLOADS:
        timings = {option: time_engine(workload, *option, repeats) for option in options}
        pick = choose_engine(workload.flops_per_step, "cuda" if gpu else None)
        best = min(timings.values())
        cells = "".join(f"{timings[option] * 1000:>16.1f}" for option in options)
        print(f"{workload.name:<34}{cells}{pick[0] + '/' + pick[1]:>18}{timings[pick] / best:>10.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="train the lessons' full epochs (minutes)")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--only", choices=("lessons", "compare", "devices"))
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, medians of {args.repeats} alternated repeats")
    if args.only in (None, "lessons"):
        lesson_table(args.full, args.repeats)
    if args.only in (None, "compare"):
        compare_table(args.full, args.repeats)
    if args.only in (None, "devices"):
        device_table(args.repeats)


if __name__ == "__main__":
    main()
