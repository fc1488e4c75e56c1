"""Training a run: on the engine `nnlab.training.engine.choose` picks, with progress through a callback,
and the time estimate a page shows before any work."""

from __future__ import annotations

import hashlib
import math

import numpy as np

from nnlab.choices import LOSSES_FOR_TASK
from nnlab.data.datasets import Data, data_key, load_data
from nnlab.experiment import SETTINGS, DataSpec, Experiment
from nnlab.training.engine import autograd, compiled
from nnlab.training.engine.choose import choose, flops_per_step
from nnlab.training.loop import EpochRun, Progress
from nnlab.training.result import TrainResult

# Cost of one autograd optimizer step of one model, fitted to steps timed from 1-20-1 to 3 x 256
# (docs/performance.md): seconds of overhead, more seconds per Linear layer, FLOP per second.
AUTOGRAD_STEP_COST = (1.5e-4, 1.0e-4, 1.2e11)
# The compiled kernels, fitted to 57 runs from 1-8-1 to 1-256-256-256-1 at batch 1 to full (within
# 0.6x..1.2x of each; docs/performance.md). They vectorise over a batch's rows, so arithmetic runs
# at COMPILED_FLOPS * rows / (rows + COMPILED_HALF_ROWS): a batch of one is 40x slower per FLOP.
COMPILED_FLOPS, COMPILED_HALF_ROWS = 3.8e10, 38
COMPILED_STEP, COMPILED_EPOCH, COMPILED_UNIT_ROW = 0.42e-6, 4.4e-6, 1.0e-9  # seconds: overheads, activations


def fit_loss_to_task(exp: Experiment, task: str, fitted_for: str | None = None) -> Experiment:
    """`exp` unchanged if its loss suits `task`, else with the task's usual loss. `fitted_for`: the
    task the loss was last fitted to, if another: a loss that suits both (MSE, for a curve's values and
    for classes) was kept for the old task, so the new one gets its usual loss too."""
    allowed = LOSSES_FOR_TASK[task]
    kept = exp.training.loss in allowed and fitted_for in (None, task)
    return exp if kept or exp.training.loss == allowed[0] else exp.replace(training={"loss": allowed[0]})


def train(exp: Experiment, epochs: int | None = None, device: str = "auto", progress: Progress | None = None,
          engine: str = "auto", data: Data | None = None) -> TrainResult:
    """Train `exp` for `epochs` (default: the experiment's) and return weights, history and snapshots;
    `data`: its data, already loaded.

    `engine` is "auto" (small networks on the compiled engine, large ones, a GPU, or settings
    it lacks on the autograd loop), "compiled" or "autograd". From the same seed both reach the
    same weights up to float32 rounding (docs/performance.md gives the measured differences).
    """
    data = data or load_data(exp)
    epochs = epochs or exp.training.epochs
    choice = choose([exp], data, device, engine)
    if choice.engine == "autograd":
        return autograd.train(exp, data, epochs, choice.device, choice.reason, progress, with_history=True)
    return compiled.train([exp], data, epochs, choice.reason, progress, with_history=True)[0]


# What runs trained together as lanes may hold each their own: their initial weights, the rows'
# order, the learning rate and its schedule, and every hyperparameter the kernels read per run.
_PER_LANE = ("learning_rate", "schedule", "shuffle", *(row.field for row in SETTINGS.values() if row.hyper))
_LANES_OWN = {row.field: row.default for row in SETTINGS.values() if row.field in _PER_LANE}  # one value for every lane


def lane_kind(exp: Experiment, data: Data) -> tuple | None:
    """What `exp` shares with the runs it can train together with as lanes, each getting the
    result it gets alone: the experiment less what a lane holds on its own, and its data itself
    (two seeds may draw the same rows). None where it trains alone (on autograd, or a step of
    more than LANE_ROWS rows). For the server's queue."""
    if compiled.effective_batch(exp, data) > compiled.LANE_ROWS or choose([exp], data).engine != "compiled":
        return None
    shared = exp.replace(seed=0, data=DataSpec(), model={"init": SETTINGS["init"].default},
                         training=_LANES_OWN)  # the data itself goes into the kind below
    digest = hashlib.blake2b(repr((data.task, data.n_features, data.n_outputs)).encode(), digest_size=16)
    for array in (data.x_train, data.y_train, data.x_test, data.y_test):
        digest.update(repr(tuple(array.shape)).encode())
        digest.update(np.ascontiguousarray(array.numpy()))
    return shared, digest.hexdigest()


def train_together(runs: list[tuple[Experiment, Data]], reports: list[Progress]) -> list[TrainResult]:
    """Runs (each its experiment and data) of one `lane_kind` trained together: each result what
    `train(exp, data=data)` gives, each followed by its own report."""
    (first, data), *_ = runs
    results = compiled.train([exp for exp, _ in runs], data, first.training.epochs, choose([first], data).reason,
                             reports=reports)
    for result, (_, own) in zip(results, runs, strict=True):
        result.data = own  # the same rows (lane_kind), with its own description of them
    return results


def train_many(exps: list[Experiment], epochs: int | None = None, device: str = "auto",
               progress: Progress | None = None, keep_snapshots: bool = True) -> list[TrainResult]:
    """Train several experiments. Those that share their data train together on the compiled
    engine, on every core, whatever else differs; `progress(epoch, epochs, None)`.
    `keep_snapshots=False` keeps only the first and last weights, for many runs in memory at once."""
    loaded: dict[tuple, Data] = {}  # a comparison's runs share their data: read and split it once
    datas = []
    for exp in exps:
        key = data_key(exp)
        if key not in loaded:
            loaded[key] = load_data(exp)
        datas.append(loaded[key])
    epochs = epochs or exps[0].training.epochs
    choice = choose(exps, datas[0], device) if len(loaded) == 1 else None
    if choice is None or choice.engine == "autograd":
        results = []
        for done, (exp, data) in enumerate(zip(exps, datas, strict=True), start=1):
            results.append(train(exp, epochs, device, data=data))
            if progress:
                progress(done * epochs // len(exps), epochs, None)
        return results
    return compiled.train(exps, datas[0], epochs, choice.reason, progress, keep_snapshots)


def new_run(exp: Experiment, data: Data) -> EpochRun:
    """A run to train some epochs at a time (the Train page's play / step mode), on the CPU engine
    auto picks for one run of this size."""
    choice = choose([exp], data, "cpu")
    if choice.engine == "compiled":
        return compiled.CompiledRun(exp, data, choice.reason)
    return autograd.AutogradRun(exp, data, choice.device, choice.reason)


def estimate_seconds(exps: list[Experiment], data: Data, epochs: int | None = None) -> float:
    """About how long training `exps` together on `data` takes here, before doing any of it."""
    exp, epochs = exps[0], epochs or exps[0].training.epochs
    batch = compiled.effective_batch(exp, data)
    steps = epochs * math.ceil(len(data.x_train) / batch)
    if choose(exps, data).engine == "autograd":  # one model at a time, on every core
        overhead, per_layer, speed = AUTOGRAD_STEP_COST
        layers = len(exp.model.hidden) + 1
        return len(exps) * steps * (overhead + per_layer * layers + flops_per_step(exp, data) / speed)
    per_model = steps * _compiled_seconds(exp, data, batch)
    rows = len(data.x_train) + len(data.x_test)  # each epoch ends with the loss and accuracy of every row
    per_model += epochs * (COMPILED_EPOCH + _compiled_seconds(exp, data, rows) / 3)  # a forward pass: a third
    return per_model * len(exps) / min(len(exps), compiled.CORES)  # a stack trains on every core at once


def _compiled_seconds(exp: Experiment, data: Data, rows: int) -> float:
    """One compiled step of `exp` over `rows` rows: overhead, activations and arithmetic."""
    arithmetic = flops_per_step(exp, data, rows)
    return (COMPILED_STEP + COMPILED_UNIT_ROW * sum(exp.model.hidden) * rows
            + arithmetic * (rows + COMPILED_HALF_ROWS) / (rows * COMPILED_FLOPS))
