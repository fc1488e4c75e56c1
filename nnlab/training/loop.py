"""The one training loop of both engines, and a run trained some epochs at a time (the Train
page's play / step mode keeps one between clicks).

An engine hands the loop its models as `Runs`: models trained together a slice of epochs at a
time (the compiled engine's `Stack`, or one `EpochRun`). The loop cuts the slices (about
SLICE_SECONDS each, and at every snapshot), takes the snapshots, reports progress and asks for the
results; divergence, with the last finite weights, is the engine's, epoch by epoch.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

import pandas as pd
from torch import nn

from nnlab.data.datasets import Data
from nnlab.experiment import Experiment
from nnlab.training.result import TrainResult, divergence_message, gradient_flow_frame, history_columns

SLICE_SECONDS = 0.1  # a run is trained in slices about this long, with progress after each

# (epochs done, epochs in all, the first model's history so far where asked for, else None)
Progress = Callable[[int, int, pd.DataFrame | None], None]


class Runs(Protocol):
    """Models trained together, some epochs at a time, each stopping for good where it diverges."""

    epoch: int  # epochs trained so far (of the models still going)
    epochs: int  # where the runs end
    initial_states: list[dict]

    @property
    def finished(self) -> bool: ...

    def advance(self, epochs: int) -> object: ...  # up to `epochs` more epochs

    def state(self, model: int) -> dict: ...  # a model's last finite weights, as new CPU tensors

    def epochs_run(self, model: int) -> int: ...  # its epochs up to its last finite one

    def history(self, model: int) -> pd.DataFrame: ...

    def results(self, snapshots: list[dict[int, dict]]) -> list[TrainResult]: ...


def train_runs(runs: Runs, interval: int, progress: Progress | None = None,
               with_history: bool = False) -> list[TrainResult]:
    """Train `runs` to their end: snapshots every `interval` epochs and of the last finite weights,
    `progress` at most every SLICE_SECONDS and at the end (with the first model's history if
    `with_history`). A slice ends at each snapshot: reporting there too made a short run build
    its history ten times."""
    snapshots: list[dict[int, dict]] = [{0: state} for state in runs.initial_states]
    span = max(1, runs.epochs // 100)  # the first slice; then as many epochs as SLICE_SECONDS take
    reported = time.perf_counter()
    while not runs.finished:
        started, before = time.perf_counter(), runs.epoch
        runs.advance(min(runs.epoch + span, (runs.epoch // interval + 1) * interval) - runs.epoch)
        if runs.epoch % interval == 0 or runs.finished:
            for model, taken in enumerate(snapshots):
                if runs.epochs_run(model) == runs.epoch:  # not one that diverged before
                    taken[runs.epoch] = runs.state(model)
        if progress and (runs.finished or time.perf_counter() - reported >= SLICE_SECONDS):
            progress(runs.epoch, runs.epochs, runs.history(0) if with_history else None)
            reported = time.perf_counter()
        rate = (runs.epoch - before) / max(time.perf_counter() - started, 1e-6)  # epochs a second
        span = max(1, int(rate * SLICE_SECONDS))
    for model, taken in enumerate(snapshots):
        taken.setdefault(runs.epochs_run(model), runs.state(model))
    return runs.results(snapshots)


class EpochRun:
    """History, timing and divergence of one network trained in slices of epochs. An engine's
    subclass trains (`advance`, which stops for good at divergence, keeping the last finite
    weights) and copies the network out (`current_model`); it sets `initial_state`, `engine` and
    `device`."""

    engine = ""
    device = "cpu"

    def __init__(self, exp: Experiment, data: Data, reason: str = "", epochs: int | None = None):
        self.exp, self.data, self.reason = exp, data, reason
        self.epochs = epochs or exp.training.epochs  # where the run ends
        self.initial_state: dict = {}
        self.rows: list[dict] = []  # one history row per finished epoch
        self.gradient_flow: list[list[float]] = []  # per finished epoch: each Linear layer's mean |weight gradient|
        self.diverged_at: int | None = None
        self.seconds = 0.0

    @property
    def epoch(self) -> int:
        return len(self.rows)

    @property
    def finished(self) -> bool:
        return self.diverged_at is not None or self.epoch >= self.epochs

    def advance(self, epochs: int) -> int:
        """Train up to `epochs` more epochs (never past the run's end); return how many ran."""
        raise NotImplementedError

    def step(self) -> dict | None:
        """One epoch; its history row, or None once the run has diverged or finished."""
        return self.rows[-1] if self.advance(1) else None

    def current_model(self) -> nn.Sequential:
        """A CPU copy of the network with the last finite weights, in eval mode."""
        raise NotImplementedError

    # --- one model as `Runs`, for train_runs ---
    @property
    def initial_states(self) -> list[dict]:
        return [self.initial_state]

    def state(self, model: int = 0) -> dict:
        """The last finite weights as new CPU tensors."""
        raise NotImplementedError

    def epochs_run(self, model: int = 0) -> int:
        return self.epoch

    def history(self, model: int = 0) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=history_columns(self.data))

    def results(self, snapshots: list[dict[int, dict]]) -> list[TrainResult]:
        return [self.result(snapshots[0])]

    def result(self, snapshots: dict[int, dict] | None = None) -> TrainResult:
        """The run so far; without `snapshots`, just the first and current weights."""
        model = self.current_model()
        if snapshots is None:
            snapshots = {0: self.initial_state, self.epoch: model.state_dict()}
        return TrainResult(self.exp, self.data, model, self.initial_state, self.history(),
                           gradient_flow_frame(self.gradient_flow),
                           snapshots, self.device,
                           self.reason, self.engine, self.seconds, self.diverged_at, divergence_message(self.diverged_at))
