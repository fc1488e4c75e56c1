"""A trained network on its loss surface: the training loss over a 2-D slice of weight space
through the trained weights, and the training's path projected onto it.

The slice's two directions are either the main directions the recorded weights moved in (PCA of
the snapshots, about the trained weights) or two random directions scaled unit by unit to the
trained weights' own size ("filter-normalised", Li et al., Visualizing the Loss Landscape of
Neural Nets, 2018). Every point's loss is the network's mean loss on the training set, without
regularisation, all points evaluated together as one batched forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from nnlab.choices import LOSSES
from nnlab.errors import ConfigError
from nnlab.i18n import N_, msg
from nnlab.training.models import linear_layers
from nnlab.training.result import TrainResult

DIRECTIONS = {"pca": "the two directions training moved most in (PCA of the recorded weights)",
              "random": "two random directions, each unit's scaled to its trained weights (Li et al., 2018)"}
MAX_GRID = 61
MARGIN = 1.25  # a PCA grid reaches past the path's farthest point by this much (times `span`)
CHUNK_VALUES = 8_000_000  # floats a batched forward may hold at once


@dataclass
class Landscape:
    grid: pd.DataFrame  # a, b, loss: the slice, `grid` points a side
    path: pd.DataFrame  # epoch, a, b, loss: each recorded snapshot, projected onto the slice
    directions: str
    axes: torch.Tensor  # (2, weights): the slice's two directions, over the Linear layers' weights and biases in order
    explained: float  # PCA: the share of the path's movement the two directions hold; random: nan


def landscape(result: TrainResult, directions: str = "pca", grid: int = 25, span: float = 1.0) -> Landscape:
    """The loss over the slice through `result`'s trained weights along `directions` ("pca" or
    "random"), `grid` points a side, reaching `span` times the path's extent (pca) or `span` times
    the weights' own size (random); the path ends at (0, 0), the trained weights."""
    if directions not in DIRECTIONS:
        raise ConfigError(msg("Unknown directions {directions!r}; choose one of {value}.", directions=directions,
                              value=', '.join(DIRECTIONS)))
    if not (isinstance(grid, int) and 3 <= grid <= MAX_GRID):
        raise ConfigError(msg("A landscape's grid is 3 to {max_grid} points a side; got {grid}.", max_grid=MAX_GRID, grid=grid))
    if not (isinstance(span, (int, float)) and 0 < span <= 10):
        raise ConfigError(msg("A landscape's span must be above 0 and at most 10; got {span}.", span=span))
    model = result.model
    trained = _flat(model.state_dict(), model)
    epochs = sorted(result.snapshots)
    moved = torch.stack([_flat(result.snapshots[epoch], model) for epoch in epochs]) - trained
    if directions == "pca":
        axes, explained = _principal(moved)
        coordinates = moved @ axes.T
        reach = span * MARGIN * coordinates.abs().max(dim=0).values.clamp(min=1e-3)
    else:
        axes, explained = _filter_normalised(model, result.experiment.seed), float("nan")
        coordinates = torch.linalg.lstsq(axes.T, moved.T).solution.T  # the nearest point of the slice
        reach = torch.tensor([span, span], dtype=torch.float64)
    a = torch.linspace(-reach[0], reach[0], grid, dtype=torch.float64)
    b = torch.linspace(-reach[1], reach[1], grid, dtype=torch.float64)
    aa, bb = torch.meshgrid(a, b, indexing="xy")
    points = torch.cat([torch.stack([aa.reshape(-1), bb.reshape(-1)], dim=1), coordinates])
    losses = _losses(result, trained + points @ axes)
    cells = grid * grid
    return Landscape(
        grid=pd.DataFrame({"a": points[:cells, 0].numpy(), "b": points[:cells, 1].numpy(), "loss": losses[:cells]}),
        path=pd.DataFrame({"epoch": epochs, "a": coordinates[:, 0].numpy(), "b": coordinates[:, 1].numpy(),
                           "loss": losses[cells:]}),
        directions=directions, axes=axes, explained=explained)


def _flat(state: dict, model: nn.Sequential) -> torch.Tensor:
    """The Linear layers' weights and biases, in order, as one float64 vector."""
    return torch.cat([state[f"{name}.{kind}"].reshape(-1).double()
                      for name in linear_layers(model) for kind in ("weight", "bias")])


def _principal(moved: torch.Tensor) -> tuple[torch.Tensor, float]:
    """The two main directions of the snapshots' offsets from the trained weights, and the share
    of their squared length those two hold."""
    _, values, vectors = torch.linalg.svd(moved, full_matrices=False)
    if len(values) < 2 or values[1] <= 1e-12 * max(values[0].item(), 1e-30):
        raise ConfigError(N_("The recorded weights hardly moved, or moved along one line only: there is no "
                             "plane to draw. Train longer, or use random directions."))
    return vectors[:2], float((values[:2] ** 2).sum() / (values ** 2).sum())


def _filter_normalised(model: nn.Sequential, seed: int) -> torch.Tensor:
    """Two random directions; each unit's incoming weights scaled to the norm of its trained ones,
    the biases left still (as Li et al. do)."""
    generator = torch.Generator().manual_seed(seed + 3)  # apart from the weights', shuffling's and dropout's
    axes = []
    for _ in range(2):
        parts = []
        for layer in linear_layers(model).values():
            weight = layer.weight.detach().double()
            noise = torch.randn(weight.shape, generator=generator, dtype=torch.float64)
            noise *= weight.norm(dim=1, keepdim=True) / noise.norm(dim=1, keepdim=True).clamp(min=1e-12)
            parts += [noise.reshape(-1), torch.zeros(layer.bias.numel(), dtype=torch.float64)]
        axes.append(torch.cat(parts))
    return torch.stack(axes)


def _losses(result: TrainResult, thetas: torch.Tensor) -> np.ndarray:
    """The mean training loss of the network at each row of `thetas`, in chunks (a row is a network)."""
    data, model = result.data, result.model
    x, y = data.x_train.double(), data.y_train
    widest = max([data.n_features, *[layer.out_features for layer in linear_layers(model).values()]])
    chunk = max(1, CHUNK_VALUES // (len(x) * widest))
    return np.concatenate([_batched_loss(result, thetas[start:start + chunk], x, y)
                           for start in range(0, len(thetas), chunk)])


def _batched_loss(result: TrainResult, thetas: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """The network's modules run on K weight vectors at once: each Linear as a batched product,
    each other module (activations, the output's sigmoid) element by element; dropout is off."""
    count, offset = len(thetas), 0
    h = x.expand(count, *x.shape)
    with torch.no_grad():
        for module in result.model:
            if isinstance(module, nn.Linear):
                size = module.out_features * module.in_features
                weight = thetas[:, offset:offset + size].reshape(count, module.out_features, module.in_features)
                bias = thetas[:, offset + size:offset + size + module.out_features]
                offset += size + module.out_features
                h = torch.baddbmm(bias.unsqueeze(1), h, weight.transpose(1, 2))
            elif not isinstance(module, nn.Dropout):
                h = module(h)
        loss = LOSSES[result.experiment.training.loss].module(reduction="none")
        if result.data.task == "multiclass":
            rows = loss(h.reshape(-1, h.shape[-1]), y.repeat(count)).reshape(count, -1)
        else:
            rows = loss(h, y.double().expand(count, *y.shape)).reshape(count, -1)
    return rows.mean(dim=1).numpy()
