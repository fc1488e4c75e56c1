"""A run trained an epoch a call, as the Train page's play / step mode keeps it between clicks."""

from __future__ import annotations

import math
import time

import pandas as pd
from torch import nn

from nnlab.datasets import Data
from nnlab.experiment import Experiment
from nnlab.result import TrainResult, divergence_message, history_columns


class EpochRun:
    """History, timing and divergence for a run stepped an epoch at a time. A subclass trains one
    epoch (`train_epoch`), remembers finite weights (`keep`), goes back to them (`restore`) and
    copies them into a model (`current_model`); it sets `initial_state`, `engine` and `device`."""

    engine = ""
    device = "cpu"

    def __init__(self, exp: Experiment, data: Data, reason: str = ""):
        self.exp, self.data, self.reason = exp, data, reason
        self.initial_state: dict = {}
        self.rows: list[dict] = []
        self.diverged_at: int | None = None
        self.seconds = 0.0

    @property
    def epoch(self) -> int:
        return len(self.rows)

    def step(self) -> dict | None:
        """Train one epoch and return its history row; None once it diverges (the weights then go
        back to the last finite epoch and stay there)."""
        if self.diverged_at is not None:
            return None
        started = time.perf_counter()
        row = {"epoch": self.epoch + 1, **self.train_epoch()}
        self.seconds += time.perf_counter() - started
        if not all(math.isfinite(value) for value in row.values()):
            self.diverged_at = row["epoch"]
            self.restore()
            return None
        self.rows.append(row)
        self.keep()
        return row

    def result(self, snapshots: dict[int, dict] | None = None) -> TrainResult:
        """The run so far; without `snapshots`, just the first and current weights."""
        model = self.current_model()
        if snapshots is None:
            snapshots = {0: self.initial_state, self.epoch: model.state_dict()}
        return TrainResult(self.exp, self.data, model, self.initial_state,
                           pd.DataFrame(self.rows, columns=history_columns(self.data)), snapshots, self.device,
                           self.reason, self.engine, self.seconds, self.diverged_at, divergence_message(self.diverged_at))

    def train_epoch(self) -> dict[str, float]:
        raise NotImplementedError

    def current_model(self) -> nn.Sequential:
        """A CPU copy of the network with the last finite weights, in eval mode."""
        raise NotImplementedError

    def keep(self) -> None:
        raise NotImplementedError

    def restore(self) -> None:
        raise NotImplementedError
