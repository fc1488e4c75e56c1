"""A run trained an epoch a call, as the Train page's play / step mode keeps it between clicks."""

from __future__ import annotations

import math
import time

from nnlab.datasets import Data
from nnlab.experiment import Experiment


class EpochRun:
    """History, timing and divergence for a run stepped an epoch at a time. A subclass trains one
    epoch (`train_epoch`), remembers finite weights (`keep`) and goes back to them (`restore`)."""

    def __init__(self, exp: Experiment, data: Data):
        self.exp, self.data = exp, data
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

    def train_epoch(self) -> dict[str, float]:
        raise NotImplementedError

    def keep(self) -> None:
        raise NotImplementedError

    def restore(self) -> None:
        raise NotImplementedError
