"""Training on the NumPy fast path: stack experiments into one `fast.Stack`, run the epochs, unstack.

Initial weights come from `seeded_model` under each experiment's seed, and the batch order from the
same generator calls as the autograd loop, so both engines start and proceed identically.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from nnlab.datasets import Data, batch_order
from nnlab.experiment import Experiment
from nnlab.fast import DTYPE, Stack, StackSpec
from nnlab.models import linear_layers, outputs_probability, seeded_model
from nnlab.result import TrainResult, divergence_message, history_columns
from nnlab.stepping import EpochRun


def stackable(exps: list[Experiment], datas: list[Data]) -> bool:
    """Runs can share a stack when only their activations, seeds and data values differ."""
    first, data = exps[0], datas[0]
    return all(exp.model.hidden == first.model.hidden and exp.training == first.training
               and (d.task, d.hard_labels, d.n_outputs) == (data.task, data.hard_labels, data.n_outputs)
               and d.x_train.shape == data.x_train.shape and d.x_test.shape == data.x_test.shape
               for exp, d in zip(exps, datas))


def train_stacked(exps: list[Experiment], datas: list[Data], epochs: int, reason: str,
                  on_epoch=None, keep_snapshots: bool = True) -> list[TrainResult]:
    first, data = exps[0], datas[0]
    models = [seeded_model(exp, data.n_features, data.n_outputs, data.task) for exp in exps]
    initial_states = [_clone(model.state_dict()) for model in models]
    stack = _stack(exps, data, models)
    interval = first.training.snapshot_interval(epochs) if keep_snapshots else epochs
    started = time.perf_counter()
    record = fit(stack, _stack_data(datas), epochs, _batches(exps, len(data.x_train)), interval, on_epoch)
    seconds = time.perf_counter() - started
    results = []
    for i, (exp, d, model) in enumerate(zip(exps, datas, models)):
        run = int(record.epochs_run[i])
        snapshots = {0: initial_states[i]}
        for epoch, theta in record.snapshots.items():
            if 0 < epoch <= run:
                snapshots[epoch] = _state(model, stack.unpack(theta[i]))
        _load(model, stack.unpack(record.final[i]))
        snapshots.setdefault(run, model.state_dict())
        history = pd.DataFrame({"epoch": np.arange(1, run + 1),
                                **{name: values[:run, i] for name, values in record.metrics.items()}},
                               columns=history_columns(d))
        results.append(TrainResult(exp, d, model.eval(), initial_states[i], history, snapshots, "cpu",
                                   reason, "numpy", seconds, record.diverged_at[i],
                                   divergence_message(record.diverged_at[i])))
    return results


class NumpyStepper(EpochRun):
    """One network on the fast path, an epoch a call: what the Train page's play / step mode keeps
    in session state when auto picks the NumPy engine. The same arithmetic as
    `train(exp, engine="numpy")`."""

    engine = "numpy"

    def __init__(self, exp: Experiment, data: Data, reason: str = ""):
        super().__init__(exp, data, reason)
        self.model = seeded_model(exp, data.n_features, data.n_outputs, data.task)
        self.initial_state = _clone(self.model.state_dict())
        self.stack = _stack([exp], data, [self.model])
        self.run_epoch = EpochRunner(self.stack, _stack_data([data]), _batches([exp], len(data.x_train)))
        self.last_good = self.stack.theta.copy()

    def train_epoch(self) -> dict[str, float]:
        with np.errstate(all="ignore"):  # a diverging run is caught by `step`
            metrics = self.run_epoch(self.epoch + 1)
        return {name: float(values[0]) for name, values in metrics.items()}

    def keep(self) -> None:
        np.copyto(self.last_good, self.stack.theta)

    def restore(self) -> None:
        pass  # the stack's weights are no longer used: `result` reads the last finite ones

    def current_model(self) -> nn.Sequential:
        _load(self.model, self.stack.unpack(self.last_good[0]))
        return copy.deepcopy(self.model).eval()


def record_rows(metrics: dict[str, np.ndarray], model: int, start: int, stop: int) -> list[dict]:
    """History rows of one model for epochs start+1..stop, as the progress callback shows them."""
    return [{"epoch": epoch + 1, **{name: float(values[epoch, model]) for name, values in metrics.items()}}
            for epoch in range(start, stop)]


def _layers(model: nn.Sequential) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight as (fan_in, fan_out), bias) per Linear: torch stores the weight transposed."""
    return [(linear.weight.detach().numpy().T.copy(), linear.bias.detach().numpy().copy())
            for linear in linear_layers(model).values()]


def _stack(exps: list[Experiment], data: Data, models: list[nn.Sequential]) -> Stack:
    """A stack of `models` (built for `exps`, which differ only in activations and seeds)."""
    first = exps[0]
    spec = StackSpec([data.n_features, *first.model.hidden, data.n_outputs],
                     [list(exp.model.activations) for exp in exps], first.training.loss,
                     outputs_probability(first, data.task), data.task, first.training.optimizer,
                     first.training.learning_rate)
    return Stack(spec, [_layers(model) for model in models])


def _clone(state: dict) -> dict:
    return {name: value.clone() for name, value in state.items()}


def _load(model: nn.Sequential, layers: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """Copy the weights into the model's own tensors (load_state_dict's checks cost ~1 ms a model)."""
    with torch.no_grad():
        for linear, (weight, bias) in zip(linear_layers(model).values(), layers):
            linear.weight.copy_(torch.from_numpy(weight.T))
            linear.bias.copy_(torch.from_numpy(bias))


def _state(model: nn.Sequential, layers: list[tuple[np.ndarray, np.ndarray]]) -> dict:
    state = {}
    for name, (weight, bias) in zip(linear_layers(model), layers):
        state[f"{name}.weight"] = torch.from_numpy(np.ascontiguousarray(weight.T))
        state[f"{name}.bias"] = torch.from_numpy(bias)
    return state


def _stack_data(datas: list[Data]) -> StackData:
    task, classes = datas[0].task, datas[0].n_outputs

    def together(tensors: list[torch.Tensor]) -> np.ndarray:
        arrays = [t.numpy() for t in tensors]
        shared = all(np.array_equal(a, arrays[0]) for a in arrays[1:])
        return arrays[0][None] if shared else np.stack(arrays)  # (1, N, ...) when every model sees the same

    def with_ones(x: np.ndarray) -> np.ndarray:
        return np.concatenate((x, np.ones(x.shape[:-1] + (1,), DTYPE)), axis=-1)

    y_train, y_test = together([d.y_train for d in datas]), together([d.y_test for d in datas])
    onehot = (lambda y: np.eye(classes, dtype=DTYPE)[y]) if task == "multiclass" else (lambda y: None)
    return StackData(with_ones(together([d.x_train for d in datas])), y_train, onehot(y_train),
                     with_ones(together([d.x_test for d in datas])), y_test, onehot(y_test), datas[0].hard_labels)


def _batches(exps: list[Experiment], n: int):
    """Each epoch's batches: shared slices in order, or per-model rows drawn as the autograd loop draws them."""
    spec = exps[0].training
    if not spec.shuffle:
        slices = batch_order(n, spec.batch_size, False, None)
        return lambda epoch: slices
    generators = [torch.Generator().manual_seed(exp.seed + 1) for exp in exps]

    def shuffled(epoch: int) -> list[np.ndarray]:
        orders = np.stack([np.concatenate([p.numpy() for p in batch_order(n, spec.batch_size, True, g)])
                           for g in generators])
        size = spec.batch_size or n
        return [orders[:, start:start + size] for start in range(0, n, size)]
    return shuffled


@dataclass
class StackData:
    """Train and test arrays for a stack: x (1 or M, N, features + 1), its last column ones;
    y (1 or M, N, 1) floats, or (1 or M, N) class numbers with their one-hot (1 or M, N, classes)."""

    x_train: np.ndarray
    y_train: np.ndarray
    onehot_train: np.ndarray | None
    x_test: np.ndarray
    y_test: np.ndarray
    onehot_test: np.ndarray | None
    hard_labels: bool

    def __post_init__(self):
        # what accuracy compares predictions with: class numbers, or booleans for a binary target
        self.labels_train = self.y_train if self.onehot_train is not None else self.y_train > 0.5
        self.labels_test = self.y_test if self.onehot_test is not None else self.y_test > 0.5


@dataclass
class Record:
    """What a stack's run produced: per-epoch metrics (epochs, M), NaN past a model's end."""

    metrics: dict[str, np.ndarray]
    epochs_run: np.ndarray  # (M,) finished epochs per model
    diverged_at: list[int | None]
    final: np.ndarray  # (M, P): each model's last finite weights
    snapshots: dict[int, np.ndarray]  # epoch -> theta (M, P), each model's last finite weights by then


class EpochRunner:
    """Trains every model of a stack for one epoch a call and returns that epoch's metrics, (M,)
    arrays by name. `batches(epoch)` gives the epoch's row indices (a slice shared by all models,
    or an (M, B) array of per-model rows); batches that repeat every epoch are cut only once."""

    def __init__(self, stack: Stack, data: StackData, batches):
        self.stack, self.data, self.batches = stack, data, batches
        self.names = ["train_loss"] + (["train_acc"] if data.hard_labels else [])
        if data.x_test.shape[1]:
            self.names += ["test_loss"] + (["test_acc"] if data.hard_labels else [])
        self._prepared: tuple = (None, [])  # (the batch list, its arrays)

    def __call__(self, epoch: int) -> dict[str, np.ndarray]:
        stack, data = self.stack, self.data
        order = self.batches(epoch)
        if order is not self._prepared[0]:
            self._prepared = (order, [tuple(_take(array, rows) for array in (data.x_train, data.y_train,
                                            data.onehot_train, data.labels_train)) for rows in order])
        total, correct = np.zeros(stack.models), np.zeros(stack.models)
        for x, y, onehot, labels in self._prepared[1]:
            z, cache = stack.forward(x)
            loss, dz, out = stack.loss(z, y, onehot, labels if data.hard_labels else None)
            stack.backward(cache, dz)
            stack.step()
            total += loss
            if data.hard_labels:
                correct += stack.correct(out, labels)
        n_train = data.x_train.shape[1]
        row = {"train_loss": total / n_train}
        if data.hard_labels:
            row["train_acc"] = correct / n_train
        if data.x_test.shape[1]:
            row.update(_evaluate(stack, data))
        return row


def fit(stack: Stack, data: StackData, epochs: int, batches, snapshot_every: int, progress=None) -> Record:
    """Train every model of `stack` for `epochs` (see `EpochRunner` for `batches`)."""
    models = stack.models
    run_epoch = EpochRunner(stack, data, batches)
    metrics = {name: np.full((epochs, models), np.nan) for name in run_epoch.names}
    alive = np.ones(models, bool)
    diverged_at: list[int | None] = [None] * models
    last_good = stack.theta.copy()
    snapshots = {0: stack.theta.copy()}
    with np.errstate(all="ignore"):  # overflow in a diverging model is detected below, per model
        for epoch in range(1, epochs + 1):
            row = run_epoch(epoch)
            finite = np.isfinite(sum(row.values()))  # NaN or inf in any metric stays in the sum
            if finite.all() and alive.all():  # the usual epoch: no fancy indexing needed
                for name, values in row.items():
                    metrics[name][epoch - 1] = values
                np.copyto(last_good, stack.theta)
            else:
                for model in np.flatnonzero(alive & ~finite):
                    diverged_at[model] = epoch
                alive &= finite
                for name, values in row.items():
                    metrics[name][epoch - 1, alive] = values[alive]
                last_good[alive] = stack.theta[alive]
            if epoch % snapshot_every == 0 or epoch == epochs:
                snapshots[epoch] = last_good.copy()
            if progress:
                progress(epoch, metrics)
            if not alive.any():
                break
    epochs_run = np.array([(d - 1) if d else epoch for d in diverged_at])
    return Record(metrics, epochs_run, diverged_at, last_good, snapshots)


def _take(array: np.ndarray | None, rows):
    if array is None:
        return None
    if isinstance(rows, slice):
        return array[:, rows]
    return array[0][rows] if array.shape[0] == 1 else np.take_along_axis(array, _expand(rows, array.ndim), axis=1)


def _expand(rows: np.ndarray, ndim: int) -> np.ndarray:
    return rows.reshape(rows.shape + (1,) * (ndim - 2))


def _evaluate(stack: Stack, data: StackData) -> dict[str, np.ndarray]:
    z, _ = stack.forward(data.x_test)  # x_test ends in ones, like x_train
    loss, _, out = stack.loss(z, data.y_test, data.onehot_test, data.labels_test if data.hard_labels else None)
    row = {"test_loss": loss / data.x_test.shape[1]}
    if data.hard_labels:
        row["test_acc"] = stack.correct(out, data.labels_test) / data.x_test.shape[1]
    return row
