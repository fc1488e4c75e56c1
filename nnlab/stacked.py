"""Between torch and the NumPy fast path: stack experiments into one `fast.Stack`, train, unstack.

Initial weights come from `build_model` under each experiment's seed, and the batch order from the
same generator calls as the autograd loop, so both engines start and proceed identically.
"""

from __future__ import annotations

import copy
import time

import numpy as np
import pandas as pd
import torch
from torch import nn

from nnlab.datasets import Data, batch_order
from nnlab.experiment import Experiment
from nnlab.fast import DTYPE, Stack, StackData, StackSpec, fit
from nnlab.models import build_model, outputs_probability
from nnlab.result import TrainResult, divergence_message, history_columns


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
    models = []
    for exp in exps:
        torch.manual_seed(exp.seed)
        models.append(build_model(exp, data.n_features, data.n_outputs, data.task))
    initial_states = [copy.deepcopy(model.state_dict()) for model in models]
    spec = StackSpec([data.n_features, *first.model.hidden, data.n_outputs],
                     [list(exp.model.activations) for exp in exps], first.training.loss,
                     outputs_probability(first, data.task), data.task, first.training.optimizer,
                     first.training.learning_rate)
    stack = Stack(spec, [_layers(model) for model in models])
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
        model.load_state_dict(_state(model, stack.unpack(record.final[i])))
        snapshots.setdefault(run, model.state_dict())
        history = pd.DataFrame({"epoch": np.arange(1, run + 1),
                                **{name: values[:run, i] for name, values in record.metrics.items()}},
                               columns=history_columns(d))
        results.append(TrainResult(exp, d, model.eval(), initial_states[i], history, snapshots, "cpu",
                                   reason, "numpy", seconds, record.diverged_at[i],
                                   divergence_message(record.diverged_at[i])))
    return results


def record_rows(metrics: dict[str, np.ndarray], model: int, start: int, stop: int) -> list[dict]:
    """History rows of one model for epochs start+1..stop, as the progress callback shows them."""
    return [{"epoch": epoch + 1, **{name: float(values[epoch, model]) for name, values in metrics.items()}}
            for epoch in range(start, stop)]


def _linears(model: nn.Sequential) -> list[tuple[str, nn.Linear]]:
    return [(name, module) for name, module in model.named_children() if isinstance(module, nn.Linear)]


def _layers(model: nn.Sequential) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight as (fan_in, fan_out), bias) per Linear: torch stores the weight transposed."""
    return [(linear.weight.detach().numpy().T.copy(), linear.bias.detach().numpy().copy())
            for _, linear in _linears(model)]


def _state(model: nn.Sequential, layers: list[tuple[np.ndarray, np.ndarray]]) -> dict:
    state = {}
    for (name, _), (weight, bias) in zip(_linears(model), layers):
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
