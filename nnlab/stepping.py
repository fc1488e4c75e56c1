"""A run trained some epochs at a time, as the Train page's play / step mode keeps it between clicks."""

from __future__ import annotations

import pandas as pd
from torch import nn

from nnlab.datasets import Data
from nnlab.experiment import Experiment
from nnlab.result import TrainResult, divergence_message, grad_frame, history_columns


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
        self.gradients: list[list[float]] = []  # per finished epoch: each Linear layer's mean |weight gradient|
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

    def result(self, snapshots: dict[int, dict] | None = None) -> TrainResult:
        """The run so far; without `snapshots`, just the first and current weights."""
        model = self.current_model()
        if snapshots is None:
            snapshots = {0: self.initial_state, self.epoch: model.state_dict()}
        return TrainResult(self.exp, self.data, model, self.initial_state,
                           pd.DataFrame(self.rows, columns=history_columns(self.data)), grad_frame(self.gradients),
                           snapshots, self.device,
                           self.reason, self.engine, self.seconds, self.diverged_at, divergence_message(self.diverged_at))
