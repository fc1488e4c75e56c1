"""Sweep: a grid of learning rates x hidden widths, several seeds a cell, trained together.

Every run sees the data of the swept experiment's own seed, so a cell differs from another only in
its learning rate and width, and a seed only in the initial weights (and shuffling).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from nnlab.data.datasets import pin_data
from nnlab.errors import ConfigError
from nnlab.experiment import Experiment
from nnlab.i18n import N_, msg
from nnlab.training.loop import Progress
from nnlab.training.trainer import train_many

MAX_SIDE = 8  # learning rates, and widths: a grid of at most 8 x 8 cells
MAX_SEEDS = 5


def sweep_experiment(exp: Experiment, learning_rate: float, hidden_units: int, seed: int) -> Experiment:
    """One cell's run: `exp` with this learning rate, every hidden layer `hidden_units` wide,
    initial weights from `seed` (not weights set by hand or brought back: they fit one width, and the
    seeds are the spread), and the data of `exp`'s own seed."""
    return pin_data(exp).replace(training={"learning_rate": learning_rate},
                                 model={"hidden": (hidden_units,) * len(exp.model.hidden), "start": ""}, seed=seed)


def sweep(exp: Experiment, learning_rates: Iterable[float], hidden_units: Iterable[int], seeds: Iterable[int],
          epochs: int | None = None, device: str = "auto",
          progress: Progress | None = None) -> pd.DataFrame:
    """Train every (learning rate, width, seed) of the grid, stacked on the compiled engine where it
    applies; one row per run: `learning_rate`, `hidden_units`, `seed`, `final_train_loss`, and
    `final_train_acc`, `final_test_loss` and `final_test_acc` where the data defines them, and
    `diverged` (its finals are then those of the last finite epoch). `progress(epoch, epochs, None)`."""
    rates, widths, seeds = list(learning_rates), list(hidden_units), list(seeds)
    if not exp.model.hidden:
        raise ConfigError(N_("A sweep over hidden units needs a model with at least one hidden layer."))
    for name, values, most in (("learning rates", rates, MAX_SIDE), ("hidden widths", widths, MAX_SIDE),
                               ("seeds", seeds, MAX_SEEDS)):
        if not 1 <= len(values) <= most or len(set(values)) != len(values):
            raise ConfigError(msg("A sweep takes 1 to {most} different {name}; got {count}.", most=most, name=name,
                                  count=len(values)))
    plan = [(rate, units, seed) for rate in rates for units in widths for seed in seeds]
    results = train_many([sweep_experiment(exp, *cell) for cell in plan], epochs=epochs, device=device,
                         progress=progress, keep_snapshots=False)
    rows = []
    for (rate, units, seed), result in zip(plan, results, strict=True):
        last = result.history.iloc[-1] if len(result.history) else pd.Series(dtype=float)
        rows.append({"learning_rate": rate, "hidden_units": units, "seed": seed,
                     **{f"final_{name}": float(last[name]) if name in last else float("nan")
                        for name in result.history.columns if name != "epoch"},
                     "diverged": result.diverged_at is not None})
    return pd.DataFrame(rows)
