"""What a run gives back: the trained network, its history and snapshots, and how it ran."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from torch import nn

from nnlab.data.datasets import Data
from nnlab.experiment import Experiment
from nnlab.i18n import msg


@dataclass
class TrainResult:
    experiment: Experiment
    data: Data
    model: nn.Sequential  # trained weights, on the CPU, in eval mode
    initial_state: dict  # state_dict before the first step
    history: pd.DataFrame  # one row per finished epoch
    gradient_flow: pd.DataFrame  # epoch, layer (1 = next to the input), mean_abs_grad: how much each layer's weights are pushed
    snapshots: dict[int, dict] = field(default_factory=dict)  # epoch -> state_dict (0 = initial)
    device: str = "cpu"
    reason: str = ""  # why this device and engine, in words
    engine: str = "compiled"  # "compiled": the Numba kernels; "autograd": the plain torch loop
    seconds: float = 0.0
    diverged_at: int | None = None
    message: str = ""  # for the student: why training stopped early, if it did
    trained_with: int = 0  # other runs trained in the same call, as lanes (seconds are the call's)
    _shown: tuple[int, nn.Sequential] | None = field(default=None, init=False, repr=False, compare=False)  # model_at's

    @property
    def epochs_run(self) -> int:
        return len(self.history)

    @property
    def epochs_per_second(self) -> float:
        return self.epochs_run / self.seconds if self.seconds else float("inf")

    def model_at(self, epoch: int) -> nn.Sequential:
        """The network with the weights recorded at snapshot `epoch`, in eval mode, to read and not to
        train: a copy of `model`, kept for the next call, since a result's pictures all ask for the
        snapshot on screen (a copy each took a tenth of drawing them)."""
        shown = self._shown
        if shown is None or shown[0] != epoch:
            model = copy.deepcopy(self.model)
            model.load_state_dict(self.snapshots[epoch])
            self._shown = shown = (epoch, model.eval())
        return shown[1]


def divergence_message(diverged_at: int | None) -> str:
    if diverged_at is None:
        return ""
    return msg("Training diverged at epoch {epoch} (the loss became NaN or infinite) — try a smaller learning rate.",
               epoch=diverged_at)




def gradient_flow_frame(per_epoch, first_epoch: int = 1) -> pd.DataFrame:
    """`per_epoch[e][l]`, each Linear layer's mean absolute weight gradient in epoch
    first_epoch + e, as rows of (epoch, layer from 1, mean_abs_grad)."""
    values = np.asarray(per_epoch, dtype=np.float64)
    values = values if values.ndim == 2 else values.reshape(len(per_epoch), 0)
    epochs, layers = values.shape
    return pd.DataFrame({"epoch": np.repeat(np.arange(first_epoch, first_epoch + epochs), layers),
                         "layer": np.tile(np.arange(1, layers + 1), epochs),
                         "mean_abs_grad": values.ravel()})


def early_gradient_flow(gradient_flow: pd.DataFrame) -> pd.Series:
    """Each Linear layer's mean |weight gradient| over the first tenth of the run's epochs (at least
    the first): where a vanishing gradient shows most. Indexed by layer, from 1."""
    epochs, layers = gradient_flow["epoch"].to_numpy(), gradient_flow["layer"].to_numpy(dtype=np.int64)
    early = epochs <= max(1, epochs.max() // 10) if len(epochs) else np.zeros(0, bool)
    # a group-by in numpy: pandas' costs a tenth of a result's drawing
    sums = np.bincount(layers[early], weights=gradient_flow["mean_abs_grad"].to_numpy()[early])
    counts = np.bincount(layers[early])
    present = np.flatnonzero(counts)
    return pd.Series(sums[present] / counts[present], index=pd.Index(present, name="layer"), name="mean_abs_grad")


def history_columns(data: Data) -> list[str]:
    columns = ["epoch", "train_loss"]
    columns += ["train_acc"] if data.hard_labels else []
    columns += ["test_loss"] + (["test_acc"] if data.hard_labels else []) if data.has_test else []
    return columns
