"""The trainer: one seeded loop you can read top to bottom, reporting progress through a callback."""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd
import torch
from torch import nn

from nnlab.datasets import Data, load_data
from nnlab.errors import ConfigError
from nnlab.experiment import Experiment
from nnlab.models import build_model, outputs_probability, parameter_count

LOSSES_FOR_TASK = {
    "binary": ("bce", "bce_logits", "mse"),
    "multiclass": ("cross_entropy",),
    "regression": ("mse",),
}
# Below this much arithmetic per optimizer step a GPU loses to the CPU: kernel launches, not
# FLOPs, dominate tiny networks. Placeholder until the crossover is measured on a GPU machine.
GPU_MIN_FLOPS_PER_STEP = 5e7

Progress = Callable[[int, int, list], None]  # (epoch, total epochs, history rows so far)


@dataclass
class TrainResult:
    experiment: Experiment
    data: Data
    model: nn.Sequential  # trained weights, on the CPU, in eval mode
    initial_state: dict  # state_dict before the first step
    history: pd.DataFrame  # one row per finished epoch
    snapshots: dict[int, dict] = field(default_factory=dict)  # epoch -> state_dict (0 = initial)
    device: str = "cpu"
    device_reason: str = ""
    seconds: float = 0.0
    diverged_at: int | None = None
    message: str = ""  # for the student: why training stopped early, if it did

    @property
    def epochs_run(self) -> int:
        return len(self.history)

    @property
    def epochs_per_second(self) -> float:
        return self.epochs_run / self.seconds if self.seconds else float("inf")

    def model_at(self, epoch: int) -> nn.Sequential:
        """A copy of the network with the weights recorded at snapshot `epoch`."""
        model = copy.deepcopy(self.model)
        model.load_state_dict(self.snapshots[epoch])
        return model


def check_loss(exp: Experiment, task: str) -> None:
    allowed = LOSSES_FOR_TASK[task]
    if exp.training.loss not in allowed:
        raise ConfigError(f"The loss {exp.training.loss!r} does not fit a {task} target; "
                          f"use {' or '.join(repr(name) for name in allowed)}.")


def resolve_device(requested: str, flops_per_step: float) -> tuple[torch.device, str]:
    """The one place a device is chosen. "auto" takes an accelerator only when the work is big enough."""
    accelerator = ("cuda" if torch.cuda.is_available()
                   else "mps" if torch.backends.mps.is_available() else None)
    if requested == "auto":
        if accelerator is None:
            return torch.device("cpu"), "CPU: no GPU on this machine."
        if flops_per_step < GPU_MIN_FLOPS_PER_STEP:
            return torch.device("cpu"), (f"CPU: {flops_per_step:,.0f} FLOP per step is too little work "
                                         f"for the GPU to pay off its launch overhead.")
        return torch.device(accelerator), f"{accelerator.upper()}: {flops_per_step:,.0f} FLOP per step."
    if requested == "cpu" or requested == accelerator:
        return torch.device(requested), f"{requested.upper()}: requested."
    raise ConfigError(f"Device {requested!r} is not available here; use 'auto' or 'cpu'.")


def make_loss(exp: Experiment) -> nn.Module:
    return {"bce": nn.BCELoss, "bce_logits": nn.BCEWithLogitsLoss,
            "cross_entropy": nn.CrossEntropyLoss, "mse": nn.MSELoss}[exp.training.loss]()


def make_optimizer(exp: Experiment, parameters) -> torch.optim.Optimizer:
    rate = exp.training.learning_rate
    if exp.training.optimizer == "adam":
        return torch.optim.Adam(parameters, lr=rate)
    momentum = 0.9 if exp.training.optimizer == "momentum" else 0.0
    return torch.optim.SGD(parameters, lr=rate, momentum=momentum)


def count_correct(output: torch.Tensor, target: torch.Tensor, exp: Experiment, task: str) -> torch.Tensor:
    """Correct predictions in a batch, rounding a probability as the tutorials do (0.5 counts as 0)."""
    if task == "multiclass":
        return (output.argmax(dim=1) == target).sum()
    threshold = 0.5 if outputs_probability(exp, task) else 0.0
    return ((output > threshold).float() == target).sum()


def batch_order(n: int, batch_size: int | None, shuffle: bool, generator: torch.Generator) -> list:
    """Index slices for one epoch: in order, like a DataLoader without shuffle, unless asked."""
    size = batch_size or n
    if not shuffle:
        return [slice(start, start + size) for start in range(0, n, size)]
    order = torch.randperm(n, generator=generator)
    return [order[start:start + size] for start in range(0, n, size)]


def train(exp: Experiment, epochs: int | None = None, device: str = "auto",
          progress: Progress | None = None) -> TrainResult:
    """Train `exp` for `epochs` (default: the experiment's) and return weights, history and snapshots."""
    data = load_data(exp)
    check_loss(exp, data.task)
    epochs = epochs or exp.training.epochs
    torch.manual_seed(exp.seed)
    model = build_model(exp, data.n_features, data.n_outputs, data.task)
    initial_state = copy.deepcopy(model.state_dict())
    batch = min(exp.training.batch_size or len(data.x_train), len(data.x_train))
    target, reason = resolve_device(device, 6 * parameter_count(model) * batch)
    model.to(target)
    x_train, y_train = data.x_train.to(target), data.y_train.to(target)
    x_test, y_test = data.x_test.to(target), data.y_test.to(target)
    loss_fn, optimizer = make_loss(exp), make_optimizer(exp, model.parameters())
    shuffler = torch.Generator().manual_seed(exp.seed + 1)
    interval = exp.training.snapshot_interval(epochs)
    snapshots, rows = {0: initial_state}, []
    last_finite = copy.deepcopy(initial_state)
    diverged_at, started = None, time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        total_loss = torch.zeros((), device=target)
        correct = torch.zeros((), device=target)
        for part in batch_order(len(x_train), exp.training.batch_size, exp.training.shuffle, shuffler):
            x, y = x_train[part], y_train[part]
            optimizer.zero_grad()
            output = model(x)
            loss = loss_fn(output, y)
            loss.backward()
            optimizer.step()
            total_loss += loss.detach() * len(x)
            if data.hard_labels:
                correct += count_correct(output.detach(), y, exp, data.task)
        row = {"epoch": epoch, "train_loss": total_loss.item() / len(x_train)}
        if data.hard_labels:
            row["train_acc"] = correct.item() / len(x_train)
        if data.has_test:
            row.update(_evaluate(model, x_test, y_test, loss_fn, exp, data))
        if not all(math.isfinite(value) for value in row.values()):
            diverged_at = epoch
            model.load_state_dict(last_finite)
            break
        rows.append(row)
        last_finite = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
        if epoch % interval == 0 or epoch == epochs:
            snapshots[epoch] = {name: tensor.cpu() for name, tensor in last_finite.items()}
        if progress and (epoch % max(1, epochs // 100) == 0 or epoch == epochs):
            progress(epoch, epochs, rows)
    seconds = time.perf_counter() - started
    if rows and max(snapshots) != rows[-1]["epoch"]:
        snapshots[rows[-1]["epoch"]] = {name: tensor.cpu() for name, tensor in last_finite.items()}
    message = (f"Training diverged at epoch {diverged_at} (the loss became NaN or infinite) — "
               f"try a smaller learning rate." if diverged_at else "")
    return TrainResult(exp, data, model.cpu().eval(), initial_state, pd.DataFrame(rows, columns=_columns(data)),
                       snapshots, target.type, reason, seconds, diverged_at, message)


def _evaluate(model, x_test, y_test, loss_fn, exp: Experiment, data: Data) -> dict:
    model.eval()
    with torch.no_grad():
        output = model(x_test)
        row = {"test_loss": loss_fn(output, y_test).item()}
        if data.hard_labels:
            row["test_acc"] = count_correct(output, y_test, exp, data.task).item() / len(x_test)
    return row


def _columns(data: Data) -> list[str]:
    columns = ["epoch", "train_loss"]
    columns += ["train_acc"] if data.hard_labels else []
    columns += ["test_loss"] + (["test_acc"] if data.hard_labels else []) if data.has_test else []
    return columns


def fit_loss_to_task(exp: Experiment, task: str) -> Experiment:
    """`exp` unchanged if its loss suits `task`, else with the task's usual loss."""
    allowed = LOSSES_FOR_TASK[task]
    return exp if exp.training.loss in allowed else exp.replace(training={"loss": allowed[0]})
