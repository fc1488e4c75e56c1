"""The compiled engine: stacks of small networks trained by the Numba kernels in `kernels.py`.

A `Stack` holds the models of one call (Compare's activations x seeds, a sweep's grid, a class's
waiting runs, or one run): their initial weights from `build_model`, as the autograd engine's;
their parameters end to end in one float32 array; and the data they share. `advance` trains every
model some epochs: runs of one shape together as the lanes of one vector (`lanes.py`), the rest
one by one, in kernel calls spread over the cores (the kernels release the GIL, so other sessions
train meanwhile).
"""

from __future__ import annotations

import copy
import os
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
import pandas as pd
import torch
from torch import nn

from nnlab import choices
from nnlab.choices import ACTIVATIONS, LOSSES, OPTIMIZERS
from nnlab.data.datasets import Data, load_data
from nnlab.experiment import SETTINGS, Experiment
from nnlab.i18n import msg
from nnlab.training.engine import kernels, lanes
from nnlab.training.loop import EpochRun, Progress, train_runs
from nnlab.training.models import build_model, linear_layers, outputs_probability
from nnlab.training.result import TrainResult, divergence_message, gradient_flow_frame, history_columns

METRICS = ("train_loss", "train_acc", "test_loss", "test_acc")  # the kernels' metric columns, in order
ORDER_VALUES = 2_000_000  # shuffled rows handed to one kernel call at most (16 MB)

# Saturated tanh and sigmoid units make gradients below float32's normal range, and arithmetic on
# those subnormals is many times slower: a run slowed down as it learned (2000 epochs of 128x128 at
# batch 4: 15 s kept, 5.6 s flushed to zero; `python -m bench`). Flushing them changes no weight
# (each is far below a float32 weight's last digit; tests/test_engines.py), and a kernel call sets
# its thread back to torch's default (keep them), so torch's own runs on that thread are untouched.
FLUSH_SUBNORMALS = True

# One thread per core runs kernel calls; a stack's models are split among them.
CORES = os.cpu_count() or 1
# A run whose steps take at most LANE_ROWS rows can train as a lane (its gradients then add a
# batch's rows in order, alone too): beyond, the one-run kernel's vectors over a batch's rows do as
# well as lanes. Runs of one shape train as lanes where they are at least MIN_LANES and LANES_PER_ROW
# per row of a step (below, the one-run kernel is as fast: measured, 8 lanes of 8 rows break even),
# at most MAX_LANES a call; a group of 2 x MIN_SPLIT or more is split over the cores, a call a core.
# `python -m bench --only lanes` measures them.
LANE_ROWS, MIN_LANES, LANES_PER_ROW, MAX_LANES, MIN_SPLIT = 8, 4, 2, 32, 8
_pool = ThreadPoolExecutor(max_workers=CORES, thread_name_prefix="nnlab-kernel")


def supports(exp: Experiment) -> tuple[bool, str]:
    """Whether the kernels implement every setting of `exp`; if not, the reason in words."""
    for name in exp.model.activations:
        if ACTIVATIONS[name].kernel is None:
            return False, msg("the compiled engine has no {name} activation", name=name)
    if LOSSES[exp.training.loss].kernel is None:
        return False, msg("the compiled engine has no {loss} loss", loss=exp.training.loss)
    if OPTIMIZERS[exp.training.optimizer].kernel is None:
        return False, msg("the compiled engine has no {optimizer} optimizer", optimizer=exp.training.optimizer)
    for row in SETTINGS.values():
        if row.not_compiled and row.part and getattr(getattr(exp, row.part), row.field) != row.default:
            return False, row.not_compiled
    return True, ""


class Stack:
    """Models that share their data, trained together an epoch range at a time; up to `epochs`."""

    def __init__(self, exps: list[Experiment], data: Data, epochs: int, reason: str = ""):
        self.exps, self.data, self.epochs, self.reason = exps, data, epochs, reason
        self._arrays = _data_arrays(data)
        self.models = [build_model(exp, data.n_features, data.n_outputs, data.task) for exp in exps]
        layers = [list(linear_layers(model).values()) for model in self.models]
        sigmoid_outputs = [outputs_probability(exp, data.task) for exp in exps]
        self.rates = np.array([choices.rates(exp.training.learning_rate, exp.training.schedule, epochs)
                               for exp in exps], np.float64).reshape(len(exps), epochs)
        self.initial_states = [{name: value.clone() for name, value in model.state_dict().items()}
                               for model in self.models]
        # each model's plan row, and its parameters flattened in the order the kernels read, end to end
        self.plan = np.zeros((len(exps), kernels.PLAN_COLUMNS), np.int64)
        pieces, start = [], 0
        for row, exp, linears, sigmoid_output in zip(self.plan, exps, layers, sigmoid_outputs, strict=True):
            widths = [data.n_features, *exp.model.hidden, data.n_outputs]
            row[kernels.LAYERS] = len(widths) - 1
            row[kernels.LOSS] = LOSSES[exp.training.loss].kernel
            row[kernels.OPTIMIZER] = OPTIMIZERS[exp.training.optimizer].kernel
            row[kernels.SIGMOID_OUTPUT] = sigmoid_output
            row[kernels.BATCH] = effective_batch(exp, data)
            row[kernels.IN_ORDER] = row[kernels.BATCH] <= LANE_ROWS
            row[kernels.WIDTHS:kernels.WIDTHS + len(widths)] = widths
            row[kernels.LAYER_ACTIVATIONS:kernels.LAYER_ACTIVATIONS + len(exp.model.activations)] = [
                ACTIVATIONS[name].kernel for name in exp.model.activations]
            offset = 0
            for layer, linear in enumerate(linears):
                row[kernels.OFFSETS + layer] = offset
                pieces += [linear.weight.detach().numpy().ravel(), linear.bias.detach().numpy()]
                offset += linear.weight.numel() + linear.bias.numel()
            row[kernels.START], row[kernels.STOP] = start, start + offset
            start += offset
        self.theta = np.concatenate(pieces).astype(np.float32)
        self.first, self.second = np.zeros_like(self.theta), np.zeros_like(self.theta)
        self.last_good = self.theta.copy()
        self.steps = np.zeros(len(exps), np.int64)
        self.hyper = np.array([[float(getattr(exp.training, name)) for name in kernels.HYPER] for exp in exps],
                              np.float64).reshape(len(exps), len(kernels.HYPER))
        self.diverged_at = np.zeros(len(exps), np.int64)
        self.metrics = np.full((len(exps), epochs, len(METRICS)), np.nan)
        # each Linear layer's mean |weight gradient| per epoch: as many columns as the deepest model has layers
        self.gradient_flow = np.zeros((len(exps), epochs, int(self.plan[:, kernels.LAYERS].max())))
        self.epoch = 0  # epochs trained so far (of the models still going)
        self.seconds = 0.0
        self._shufflers = [torch.Generator().manual_seed(exp.seed + 1) if exp.training.shuffle else None
                           for exp in exps]
        self.lane_groups, self.alone = lane_groups(self.plan)
        shares = min(len(self.alone), CORES)  # runs alone dealt round-robin: neighbours often cost alike
        # contiguous, as the kernel is compiled for (a strided view would compile it once more)
        self.alone_shares = [np.ascontiguousarray(self.alone[share::shares]) for share in range(shares)]
        self.lanes_of = {int(model): len(group) for group in self.lane_groups for model in group}

    @property
    def finished(self) -> bool:
        return self.epoch >= self.epochs or bool(self.diverged_at.all())

    def advance(self, epochs: int) -> None:
        """Train every model still going for up to `epochs` more epochs."""
        stop = min(self.epochs, self.epoch + epochs)
        started = time.perf_counter()
        while self.epoch < stop and not self.diverged_at.all():
            orders, span = self._orders(stop - self.epoch)
            self._call(orders, self.epoch, self.epoch + span)
            self.epoch += span
        self.seconds += time.perf_counter() - started

    def _orders(self, epochs: int) -> tuple[np.ndarray, int]:
        """The training rows each model sees, epoch by epoch, as torch's shuffling loop draws them;
        (1, 1, rows) in order when no model shuffles."""
        n = len(self.data.x_train)
        if not any(self._shufflers):
            return np.arange(n, dtype=np.int64)[None, None], epochs
        span = max(1, min(epochs, ORDER_VALUES // (n * len(self.exps))))
        orders = np.empty((len(self.exps), span, n), np.int64)
        for model, shuffler in enumerate(self._shufflers):
            for epoch in range(span):
                orders[model, epoch] = torch.randperm(n, generator=shuffler).numpy() if shuffler else np.arange(n)
        return orders, span

    def _call(self, orders: np.ndarray, epoch_start: int, epoch_stop: int) -> None:
        """One kernel call per lane group and per share of the runs alone, over the cores."""
        calls = [partial(self._train_lanes, group) for group in self.lane_groups]
        calls += [partial(self._train_alone, share) for share in self.alone_shares]
        calls = [partial(_flushing_subnormals, call, orders, epoch_start, epoch_stop) for call in calls]
        if len(calls) == 1:
            calls[0]()
            return
        for future in [_pool.submit(call) for call in calls]:
            future.result()

    def _train_alone(self, models: np.ndarray, orders: np.ndarray, epoch_start: int, epoch_stop: int) -> None:
        kernels.train_epochs(self.plan, self.rates, self.hyper, (self.theta, self.first, self.second, self.last_good),
                             self.steps, self.diverged_at, self._arrays, self.data.hard_labels, orders, epoch_start,
                             epoch_stop, self.metrics, self.gradient_flow, models)

    def _train_lanes(self, models: np.ndarray, orders: np.ndarray, epoch_start: int, epoch_stop: int) -> None:
        """Train runs of one shape as lanes: their state turned lane-last, trained, put back."""
        going = self.diverged_at[models] == 0
        if not going.any():
            return
        start, stop = self.plan[models, kernels.START], self.plan[models, kernels.STOP]
        flat = (self.theta, self.first, self.second, self.last_good)
        memory = tuple(np.stack([array[a:b] for a, b in zip(start, stop, strict=True)], axis=1) for array in flat)
        span = slice(epoch_start, epoch_stop)
        diverged, metrics, flow = self.diverged_at[models], self.metrics[models, span], self.gradient_flow[models, span]
        step = lanes.train_lanes(self.plan[models[0]], np.ascontiguousarray(self.rates[models, span].T),
                                 np.ascontiguousarray(self.hyper[models].T), memory, int(self.steps[models[going]][0]),
                                 diverged, self._arrays, self.data.hard_labels,
                                 orders if len(orders) == 1 else orders[models], epoch_start, epoch_stop, metrics, flow)
        for lane in np.flatnonzero(going):
            a, b = start[lane], stop[lane]
            for array, lane_array in zip(flat, memory, strict=True):
                array[a:b] = lane_array[:, lane]
        self.steps[models[going]] = step
        self.metrics[models, span], self.gradient_flow[models, span] = metrics, flow  # a stopped lane's rows unwritten
        self.diverged_at[models] = diverged

    def epochs_run(self, model: int) -> int:
        return int(self.diverged_at[model]) - 1 if self.diverged_at[model] else self.epoch

    def state(self, model: int) -> dict[str, torch.Tensor]:
        """Model `model`'s last finite weights as a state_dict of new tensors."""
        row = self.plan[model]
        params = self.last_good[row[kernels.START]:row[kernels.STOP]]
        state, offset = {}, 0
        for name, linear in linear_layers(self.models[model]).items():
            for part, tensor in (("weight", linear.weight), ("bias", linear.bias)):
                size = tensor.numel()
                state[f"{name}.{part}"] = torch.from_numpy(params[offset:offset + size].reshape(tensor.shape).copy())
                offset += size
        return state

    def history(self, model: int, start: int = 0) -> pd.DataFrame:
        """Model `model`'s metrics from epoch start+1 on, with the columns its data defines."""
        run = self.epochs_run(model)
        columns = {"epoch": np.arange(start + 1, run + 1)}
        for name in history_columns(self.data)[1:]:
            columns[name] = self.metrics[model, start:run, METRICS.index(name)]
        return pd.DataFrame(columns)

    def model_gradient_flow(self, model: int, start: int = 0) -> np.ndarray:
        """Model `model`'s mean |weight gradient| per epoch from epoch start+1 on, a column per layer."""
        return self.gradient_flow[model, start:self.epochs_run(model), :int(self.plan[model, kernels.LAYERS])]

    def model(self, model: int, copy_network: bool = True) -> nn.Sequential:
        """Model `model` with its last finite weights, in eval mode: a copy, unless the stack is
        done with its networks (a finished whole run hands them over)."""
        network = copy.deepcopy(self.models[model]) if copy_network else self.models[model]
        with torch.no_grad():
            for name, value in self.state(model).items():
                network.get_parameter(name).copy_(value)
        return network.eval()

    def results(self, snapshots: list[dict[int, dict]]) -> list[TrainResult]:
        """The finished runs' results; they take over the models' networks."""
        return [self._result(model, taken) for model, taken in enumerate(snapshots)]

    def _result(self, model: int, snapshots: dict[int, dict]) -> TrainResult:
        diverged = int(self.diverged_at[model]) or None
        flow = gradient_flow_frame(self.model_gradient_flow(model))
        return TrainResult(self.exps[model], self.data, self.model(model, copy_network=False), self.initial_states[model],
                           self.history(model), flow, snapshots, "cpu", self.reason, "compiled", self.seconds, diverged,
                           divergence_message(diverged), max(0, self.lanes_of.get(model, 1) - 1))


def effective_batch(exp: Experiment, data: Data) -> int:
    """The rows a step of `exp` takes: its batch size, or every row."""
    return min(exp.training.batch_size or len(data.x_train), max(1, len(data.x_train)))


def _flushing_subnormals(call, *args) -> None:
    """A kernel call with subnormals flushed, on a thread left as torch has it afterwards."""
    torch.set_flush_denormal(FLUSH_SUBNORMALS)
    try:
        call(*args)
    finally:
        torch.set_flush_denormal(False)


def lane_groups(plan: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The models that train as lanes, in groups of one shape (every plan column but their slice of
    theta), each cut into calls of at most MAX_LANES and spread over the cores where it is large;
    and the models that train alone (too few of their shape, or steps too long for lanes)."""
    shapes: dict[tuple, list[int]] = {}
    for model, row in enumerate(plan):
        if row[kernels.IN_ORDER]:
            shapes.setdefault(tuple(row[kernels.LAYERS:]), []).append(model)
    groups = []
    for shape, models in shapes.items():
        if len(models) >= max(MIN_LANES, LANES_PER_ROW * shape[kernels.BATCH - kernels.LAYERS]):
            calls = max(-(-len(models) // MAX_LANES), min(CORES, len(models) // MIN_SPLIT))
            groups += np.array_split(np.array(models), calls)
    grouped = {int(model) for group in groups for model in group}
    return groups, np.array([model for model in range(len(plan)) if model not in grouped], np.int64)


def _data_arrays(data: Data) -> tuple[np.ndarray, ...]:
    """x (rows, features) float32; y (rows, outputs) float32 (zeros for classes); labels (rows,) int64."""
    def arrays(x: torch.Tensor, y: torch.Tensor):
        x = np.ascontiguousarray(x.numpy(), np.float32)
        if data.task == "multiclass":
            return x, np.zeros((len(y), 1), np.float32), np.ascontiguousarray(y.numpy(), np.int64)
        return x, np.ascontiguousarray(y.numpy(), np.float32).reshape(len(y), data.n_outputs), np.zeros(len(y), np.int64)
    return arrays(data.x_train, data.y_train) + arrays(data.x_test, data.y_test)


def train(exps: list[Experiment], data: Data, epochs: int, reason: str, progress: Progress | None = None,
          keep_snapshots: bool = True, with_history: bool = False,
          reports: list[Progress] | None = None) -> list[TrainResult]:
    """Train `exps` on `data` together, through the engines' one loop; one TrainResult each, with
    snapshots every `snapshot_interval` epochs (or only the first and last weights). `progress`
    follows them all (with the first's history if `with_history`); or, where given, `reports[i]`
    follows run i with its own history."""
    stack = Stack(exps, data, epochs, reason)
    interval = exps[0].training.snapshot_interval(epochs) if keep_snapshots else epochs
    if reports is not None:  # instead of `progress`
        def each_its_own(epoch: int, total: int, history) -> None:
            for model, report in enumerate(reports):
                report(epoch, total, stack.history(model))
        progress = each_its_own
    return train_runs(stack, interval, progress, with_history)


class CompiledRun(EpochRun):
    """One network on the compiled engine, trained some epochs a call: play mode's run where the
    compiled engine is chosen. The same arithmetic as `train(...)` of the same experiment."""

    engine = "compiled"

    def __init__(self, exp: Experiment, data: Data, reason: str = "", epochs: int | None = None):
        super().__init__(exp, data, reason, epochs)
        self.stack = Stack([exp], data, self.epochs)
        self.initial_state = self.stack.initial_states[0]

    def advance(self, epochs: int) -> int:
        before = self.epoch
        self.stack.advance(epochs)
        self.rows += self.stack.history(0, before).to_dict("records")
        self.gradient_flow += self.stack.model_gradient_flow(0, before).tolist()
        self.diverged_at = int(self.stack.diverged_at[0]) or None
        self.seconds = self.stack.seconds
        return self.epoch - before

    def current_model(self) -> nn.Sequential:
        return self.stack.model(0)

    def state(self, model: int = 0) -> dict:
        return self.stack.state(0)


def warm() -> float:
    """Load the kernels from Numba's cache, or compile them the first time (docs/performance.md
    gives both costs), by training the default network for one epoch, alone and as lanes (a
    class's first grouped press would wait for them); the seconds it took."""
    started = time.perf_counter()
    exp = Experiment()
    data = load_data(exp)
    train([exp], data, 1, "warm-up")
    lane = exp.replace(training={"batch_size": 1})
    train([lane.replace(seed=seed) for seed in range(MIN_LANES)], data, 1, "warm-up")
    return time.perf_counter() - started
