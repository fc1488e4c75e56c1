"""Compare activations: the same data and the same seeds, one run per activation and seed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from nnlab.data.datasets import pin_data
from nnlab.experiment import Experiment
from nnlab.training.loop import Progress
from nnlab.training.result import early_gradient_flow
from nnlab.training.trainer import TrainResult, train_many


@dataclass
class CompareRun:
    activation: str
    seed: int
    result: TrainResult

    @property
    def history(self) -> pd.DataFrame:
        return self.result.history

    @property
    def model(self):
        return self.result.model


def with_activation(exp: Experiment, activation: str, seed: int) -> Experiment:
    """`exp` with every hidden layer using `activation`, initial weights from `seed` (not weights set by
    hand or brought back: the seeds are the spread), and the data (noise, split) of `exp` itself, so
    every run of a comparison sees the same rows."""
    return pin_data(exp).replace(model={"activations": (activation,) * len(exp.model.hidden), "start": ""}, seed=seed)


def compare(exp: Experiment, activations: Iterable[str] = ("sigmoid", "tanh", "relu", "identity"),
            seeds: Iterable[int] = range(5), epochs: int | None = None, device: str = "auto",
            progress: Progress | None = None) -> list[CompareRun]:
    """Train one run per (activation, seed), all in one stacked computation on the CPU.

    Each run keeps its first and last weights only: twenty runs of snapshots are more memory
    than the comparison's pictures need. `progress(epoch, epochs, None)` reports the share finished.
    """
    plan = [(activation, seed) for activation in activations for seed in seeds]
    results = train_many([with_activation(exp, activation, seed) for activation, seed in plan],
                         epochs=epochs, device=device, progress=progress, keep_snapshots=False)
    return [CompareRun(activation, seed, result) for (activation, seed), result in zip(plan, results, strict=True)]


def compare_histories(runs: list[CompareRun]) -> pd.DataFrame:
    """Every run's history in one long frame with `activation` and `seed` columns."""
    return pd.concat([run.history.assign(activation=run.activation, seed=run.seed) for run in runs],
                     ignore_index=True)


def compare_gradient_flow(runs: list[CompareRun]) -> pd.DataFrame:
    """Per activation and Linear layer: the median over seeds of each run's mean |weight gradient|
    over the first tenth of its epochs (when a vanishing gradient matters most)."""
    early = [early_gradient_flow(run.result.gradient_flow).reset_index().assign(activation=run.activation, seed=run.seed)
             for run in runs if len(run.result.gradient_flow)]
    if not early:
        return pd.DataFrame(columns=["activation", "layer", "mean_abs_grad"])
    frame = pd.concat(early, ignore_index=True)
    return frame.groupby(["activation", "layer"], sort=False, as_index=False)["mean_abs_grad"].median()


def compare_summary(runs: list[CompareRun]) -> pd.DataFrame:
    """One row per activation: final losses and accuracies as mean and spread over seeds."""
    finals = pd.DataFrame([{"activation": run.activation, "seed": run.seed, "diverged": run.result.diverged_at is not None,
                            **run.history.iloc[-1].drop("epoch").to_dict()} for run in runs if len(run.history)])
    metrics = [c for c in ("train_loss", "test_loss", "train_acc", "test_acc") if c in finals]
    summary = finals.groupby("activation", sort=False)[metrics].agg(["mean", "std"])
    summary.columns = [f"{metric} {stat}" for metric, stat in summary.columns]
    summary["runs diverged"] = finals.groupby("activation", sort=False)["diverged"].sum()
    return summary.reset_index()
