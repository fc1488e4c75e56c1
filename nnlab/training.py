"""The trainer: one seeded loop you can read top to bottom, reporting progress through a callback."""

from __future__ import annotations

import copy
import math
from typing import Callable

import torch
from torch import nn

from nnlab.datasets import Data, batch_order, data_key, load_data
from nnlab.errors import ConfigError
from nnlab.experiment import Experiment
from nnlab.models import outputs_probability, seeded_model
from nnlab.result import TrainResult
from nnlab.stacked import NumpyStepper, record_rows, stackable, train_stacked
from nnlab.stepping import EpochRun

LOSSES_FOR_TASK = {
    "binary": ("bce", "bce_logits", "mse"),
    "multiclass": ("cross_entropy",),
    "regression": ("mse",),
}
ENGINES = ("auto", "numpy", "autograd")
# auto's rule, measured by `python -m bench` (docs/performance.md). Per optimizer step:
# below NUMPY_MAX_FLOPS_PER_STEP the NumPy fast path wins (per-call overhead, not arithmetic,
# sets the pace, and NumPy's calls are cheaper than torch's); above it torch's kernels win.
# A GPU pays off its launch overhead only from GPU_MIN_FLOPS_PER_STEP: a placeholder until the
# crossover is measured on a GPU machine.
NUMPY_MAX_FLOPS_PER_STEP = 4e7  # measured: NumPy 1.6x faster at 1.6e7, torch 1.4x faster at 1.1e8
GPU_MIN_FLOPS_PER_STEP = 5e7

# Cost model for one optimizer step, fitted to docs/performance.md: (seconds of overhead,
# FLOP per second). NumPy: 36-70 us a step on the lessons, 2.4e10 FLOP/s at 20k points x 2x128;
# autograd: ~0.6 ms a step on the lessons, 7e10 FLOP/s at 60k points x 3x256.
STEP_COST = {"numpy": (70e-6, 2.4e10), "autograd": (600e-6, 7e10)}

Progress = Callable[[int, int, list], None]  # (epoch, total epochs, history rows so far)


def check_loss(exp: Experiment, task: str) -> None:
    allowed = LOSSES_FOR_TASK[task]
    if exp.training.loss not in allowed:
        raise ConfigError(f"The loss {exp.training.loss!r} does not fit a {task} target; "
                          f"use {' or '.join(repr(name) for name in allowed)}.")


def accelerator() -> str | None:
    """The GPU torch can use here, if any."""
    if torch.cuda.is_available():
        return "cuda"
    return "mps" if torch.backends.mps.is_available() else None


def choose_engine(flops_per_step: float, gpu: str | None) -> tuple[str, str]:
    """auto's (engine, device) for this much arithmetic per step, given the GPU present (or None)."""
    if gpu and flops_per_step >= GPU_MIN_FLOPS_PER_STEP:
        return "autograd", gpu
    return ("numpy" if flops_per_step < NUMPY_MAX_FLOPS_PER_STEP else "autograd"), "cpu"


def resolve(device: str, engine: str, flops_per_step: float) -> tuple[str, torch.device, str]:
    """The one place the device, and the engine that runs on it, are chosen; with the reason in words."""
    if engine not in ENGINES:
        raise ConfigError(f"Unknown engine {engine!r}; use 'auto', 'numpy' or 'autograd'.")
    gpu = accelerator()
    if device not in ("auto", "cpu") and device != gpu:
        raise ConfigError(f"Device {device!r} is not available here; use 'auto' or 'cpu'.")
    if engine == "numpy" and device not in ("auto", "cpu"):
        raise ConfigError("The NumPy engine runs on the CPU only; use device='cpu'.")
    work = f"{flops_per_step:,.0f} FLOP per step"
    auto_engine, auto_device = choose_engine(flops_per_step, gpu if device == "auto" and engine != "numpy" else None)
    chosen_device = auto_device if device == "auto" else device
    chosen_engine = engine if engine != "auto" else (auto_engine if chosen_device == "cpu" else "autograd")
    if device != "auto":
        why = f"{chosen_device.upper()}: requested."
    elif chosen_device != "cpu":
        why = f"{chosen_device.upper()}: {work}, enough to keep the GPU busy."
    elif gpu is None:
        why = "CPU: no GPU on this machine."
    else:
        why = f"CPU: {work} is too little work for the GPU to pay off its launch overhead."
    how = (" NumPy fast path: at this size per-call overhead, not arithmetic, sets the pace."
           if chosen_engine == "numpy" else " PyTorch autograd: at this size matrix kernels set the pace.")
    return chosen_engine, torch.device(chosen_device), why + how


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


def train(exp: Experiment, epochs: int | None = None, device: str = "auto",
          progress: Progress | None = None, engine: str = "auto") -> TrainResult:
    """Train `exp` for `epochs` (default: the experiment's) and return weights, history and snapshots.

    Small networks run on the NumPy fast path (`engine="numpy"`); large ones, a GPU, or
    `engine="autograd"` use the plain torch loop. From the same seed both reach the same weights
    up to float32 rounding (docs/performance.md gives the measured differences).
    """
    data = load_data(exp)
    check_loss(exp, data.task)
    return _train_loaded(exp, data, epochs or exp.training.epochs, device, engine, progress)


def _train_loaded(exp: Experiment, data: Data, epochs: int, device: str, engine: str,
                  progress: Progress | None) -> TrainResult:
    chosen, target, reason = resolve(device, engine, flops_per_step(exp, data))
    if chosen == "autograd":
        return train_autograd(exp, data, epochs, target, reason, progress)
    rows: list[dict] = []

    def on_epoch(epoch: int, metrics) -> None:
        if progress and reports_progress(epoch, epochs):
            rows.extend(record_rows(metrics, 0, len(rows), epoch))
            progress(epoch, epochs, rows)
    return train_stacked([exp], [data], epochs, reason, on_epoch)[0]


def reports_progress(epoch: int, epochs: int) -> bool:
    """About a hundred progress reports a run, and always the last epoch."""
    return epoch % max(1, epochs // 100) == 0 or epoch == epochs


def train_many(exps: list[Experiment], epochs: int | None = None, device: str = "auto",
               progress: Callable[[int, int], None] | None = None, keep_snapshots: bool = True) -> list[TrainResult]:
    """Train several experiments at once. Those that differ only in activations and seed share one
    stacked computation on the CPU (20 bump runs: 1.9-2.3x the time of one); `progress(epoch, epochs)`.
    `keep_snapshots=False` keeps only the first and last weights, for many runs in memory at once."""
    loaded: dict[tuple, Data] = {}  # a comparison's runs share their data: read and split it once
    datas = []
    for exp in exps:
        key = data_key(exp)
        if key not in loaded:
            loaded[key] = load_data(exp)
        datas.append(loaded[key])
    for exp, data in zip(exps, datas):
        check_loss(exp, data.task)
    epochs = epochs or exps[0].training.epochs
    chosen, _, reason = resolve(device, "auto", len(exps) * flops_per_step(exps[0], datas[0]))
    if chosen == "autograd" or not stackable(exps, datas):
        results = []
        for done, (exp, data) in enumerate(zip(exps, datas), start=1):
            results.append(_train_loaded(exp, data, epochs, device, "auto", None))
            if progress:
                progress(done * epochs // len(exps), epochs)
        return results
    on_epoch = (lambda epoch, metrics: progress(epoch, epochs)) if progress else None
    return train_stacked(exps, datas, epochs, reason, on_epoch, keep_snapshots)


def estimate_seconds(exps: list[Experiment], data: Data, epochs: int | None = None) -> float:
    """About how long training `exps` together on `data` takes here, before doing any of it."""
    exp = exps[0]
    per_model = flops_per_step(exp, data)
    engine, _, _ = resolve("auto", "auto", len(exps) * per_model)
    overhead, speed = STEP_COST[engine]
    steps = (epochs or exp.training.epochs) * math.ceil(len(data.x_train) / (exp.training.batch_size or len(data.x_train)))
    steps_in_turn = steps * (1 if engine == "numpy" else len(exps))  # NumPy stacks runs; autograd takes turns
    return steps_in_turn * overhead + steps * len(exps) * per_model / speed


def flops_per_step(exp: Experiment, data: Data) -> float:
    """Arithmetic in one optimizer step: about 6 FLOP per weight per row (forward and backward)."""
    sizes = [data.n_features, *exp.model.hidden, data.n_outputs]
    weights = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    return 6.0 * weights * min(exp.training.batch_size or len(data.x_train), len(data.x_train))


def stepper(exp: Experiment, data: Data) -> EpochRun:
    """A run to train an epoch at a time (the Train page's play / step mode), on the CPU engine
    auto picks for one run of this size: the NumPy path plays the lessons ~10x faster."""
    engine, target, reason = resolve("cpu", "auto", flops_per_step(exp, data))
    return NumpyStepper(exp, data, reason) if engine == "numpy" else Stepper(exp, data, target, reason)


class Stepper(EpochRun):
    """One network trained with autograd an epoch at a time: the reference loop, and what the Train
    page's play / step mode keeps in session state when the work is large."""

    engine = "autograd"

    def __init__(self, exp: Experiment, data: Data, target: torch.device = torch.device("cpu"), reason: str = ""):
        super().__init__(exp, data, reason)
        self.target, self.device = target, target.type
        self.model = seeded_model(exp, data.n_features, data.n_outputs, data.task)
        self.initial_state = copy.deepcopy(self.model.state_dict())
        self.model.to(target)
        self.x_train, self.y_train = data.x_train.to(target), data.y_train.to(target)
        self.x_test, self.y_test = data.x_test.to(target), data.y_test.to(target)
        self.loss_fn, self.optimizer = make_loss(exp), make_optimizer(exp, self.model.parameters())
        self.shuffler = torch.Generator().manual_seed(exp.seed + 1)
        self.last_finite = copy.deepcopy(self.initial_state)

    def train_epoch(self) -> dict[str, float]:
        exp, data, model = self.exp, self.data, self.model
        model.train()
        total_loss = torch.zeros((), device=self.target)
        correct = torch.zeros((), device=self.target)
        for part in batch_order(len(self.x_train), exp.training.batch_size, exp.training.shuffle, self.shuffler):
            x, y = self.x_train[part], self.y_train[part]
            self.optimizer.zero_grad()
            output = model(x)
            loss = self.loss_fn(output, y)
            loss.backward()
            self.optimizer.step()
            total_loss += loss.detach() * len(x)
            if data.hard_labels:
                correct += count_correct(output.detach(), y, exp, data.task)
        row = {"train_loss": total_loss.item() / len(self.x_train)}
        if data.hard_labels:
            row["train_acc"] = correct.item() / len(self.x_train)
        if data.has_test:
            row.update(_evaluate(model, self.x_test, self.y_test, self.loss_fn, exp, data))
        return row

    def keep(self) -> None:
        self.last_finite = {name: tensor.detach().clone() for name, tensor in self.model.state_dict().items()}

    def restore(self) -> None:
        self.model.load_state_dict(self.last_finite)

    def current_model(self) -> nn.Sequential:
        return copy.deepcopy(self.model).cpu().eval()  # restored to the last finite weights on divergence

    def cpu_state(self) -> dict:
        return {name: tensor.cpu() for name, tensor in self.last_finite.items()}


def train_autograd(exp: Experiment, data: Data, epochs: int, target: torch.device, reason: str,
                   progress: Progress | None = None) -> TrainResult:
    """The reference: a plain torch loop with autograd and torch.optim, on any device."""
    run = Stepper(exp, data, target, reason)
    interval = exp.training.snapshot_interval(epochs)
    snapshots = {0: run.initial_state}
    for epoch in range(1, epochs + 1):
        if run.step() is None:
            break
        if epoch % interval == 0 or epoch == epochs:
            snapshots[epoch] = run.cpu_state()
        if progress and reports_progress(epoch, epochs):
            progress(epoch, epochs, run.rows)
    if run.rows and max(snapshots) != run.epoch:
        snapshots[run.epoch] = run.cpu_state()
    return run.result(snapshots)


def _evaluate(model, x_test, y_test, loss_fn, exp: Experiment, data: Data) -> dict:
    model.eval()
    with torch.no_grad():
        output = model(x_test)
        row = {"test_loss": loss_fn(output, y_test).item()}
        if data.hard_labels:
            row["test_acc"] = count_correct(output, y_test, exp, data.task).item() / len(x_test)
    return row


def fit_loss_to_task(exp: Experiment, task: str) -> Experiment:
    """`exp` unchanged if its loss suits `task`, else with the task's usual loss."""
    allowed = LOSSES_FOR_TASK[task]
    return exp if exp.training.loss in allowed else exp.replace(training={"loss": allowed[0]})
