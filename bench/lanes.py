"""Lanes on one core: microseconds per model-step for runs of one shape trained 1, 4, 8, 16 and 32
at a time, against the one-run kernel and one core's dense float32 limit (`python -m bench --only lanes`)."""

from __future__ import annotations

import contextlib
import statistics
import time

import nnlab
from nnlab import DataSpec, Experiment, ModelSpec, TrainSpec
from nnlab.training.engine import compiled
from nnlab.training.engine.choose import flops_per_step

LANE_COUNTS = (4, 8, 16, 32)
MODEL_STEPS = 200_000  # each timing trains about this many model-steps
GOALS = {"step lesson": 10.0, "bump lesson": 4.0}  # at 16 lanes, per run, against the one-run kernel


def _spiral() -> Experiment:
    return Experiment(data=DataSpec(name="spiral", n_points=200, noise=0.1),
                      model=ModelSpec(hidden=(8, 8), activations=("tanh", "tanh")),
                      training=TrainSpec(loss="bce", optimizer="adam", learning_rate=0.03, batch_size=10))


WORKLOADS = {
    "step lesson": (lambda: nnlab.lessons.get("step-two-neurons"), "1-2-1, 1 row a step"),
    "bump lesson": (lambda: nnlab.lessons.get("bump-twenty-neurons"), "1-20-1, 32 rows"),
    "spiral": (_spiral, "2-8-8-1 tanh, 10 rows"),
    "heart lesson": (lambda: nnlab.lessons.get("tabular-relu"), "12-5-1, 239 rows"),
}


@contextlib.contextmanager
def _one_core(as_lanes: bool):
    """Kernel calls on this thread alone; with `as_lanes`, every run a lane (whatever its rows)."""
    saved = compiled.CORES, compiled.LANE_ROWS, compiled.MIN_LANES, compiled.LANES_PER_ROW
    compiled.CORES = 1
    if as_lanes:
        compiled.LANE_ROWS, compiled.MIN_LANES, compiled.LANES_PER_ROW = 1 << 30, 2, 0
    try:
        yield
    finally:
        compiled.CORES, compiled.LANE_ROWS, compiled.MIN_LANES, compiled.LANES_PER_ROW = saved


def us_per_model_step(exp: Experiment, data, lanes: int, repeats: int) -> float:
    """lanes == 1: the run alone, as the engine trains it; else `lanes` runs of its shape as lanes."""
    steps = -(-len(data.x_train) // compiled.effective_batch(exp, data))
    epochs = max(2, MODEL_STEPS // (lanes * steps))
    exps = [exp.replace(seed=seed) for seed in range(lanes)]
    times = []
    with _one_core(as_lanes=lanes > 1):
        for _ in range(repeats):
            stack = compiled.Stack(exps, data, epochs)
            started = time.perf_counter()
            stack.advance(epochs)
            times.append(time.perf_counter() - started)
    return statistics.median(times) / (lanes * epochs * steps) * 1e6


def lanes_table(repeats: int, limit: float) -> dict[str, dict[int, float]]:
    """Print the table; return each workload's microseconds per model-step by lanes (1: alone)."""
    print("\n12. Lanes on one core: us per model-step, runs of one shape trained together (goal at 16 lanes, per run)")
    print(f"{'workload':<36}{'alone':>8}" + "".join(f"{f'{n} lanes':>10}" for n in LANE_COUNTS)
          + f"{'16 vs alone':>12}{'goal':>7}{'GFLOP/s':>9}{'of limit':>9}{'engine':>10}")
    measured = {}
    for name, (build, shape) in WORKLOADS.items():
        exp = build()
        data = nnlab.load_data(exp)
        times = {lanes: us_per_model_step(exp, data, lanes, repeats) for lanes in (1, *LANE_COUNTS)}
        measured[name] = times
        best = min(times.values())
        rate = flops_per_step(exp, data) / best / 1e3  # GFLOP/s at the fastest count
        engine = "lanes" if compiled.effective_batch(exp, data) <= compiled.LANE_ROWS else "alone"
        goal = f">={GOALS[name]:.0f}x" if name in GOALS else ""
        print(f"{name + ' (' + shape + ')':<36}{times[1]:>8.3f}" + "".join(f"{times[n]:>10.3f}" for n in LANE_COUNTS)
              + f"{times[1] / times[16]:>11.1f}x{goal:>7}{rate:>9.2f}{rate * 1e9 / limit:>9.1%}{engine:>10}")
    print(f"alone: the one-run kernel as a run alone trains; lanes: forced for every workload. engine: how the "
          f"engine trains 4+ runs of the shape (lanes up to {compiled.LANE_ROWS} rows a step). "
          f"limit: {limit / 1e9:.1f} GFLOP/s")
    return measured
