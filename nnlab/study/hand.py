"""Be the optimizer: a small network's weights set by hand, one at a time, and written into the run's
start (ModelSpec.start), which the link carries; the loss they give on every training row; and the
way one step of gradient descent would move each of them, from Inside one step's own arithmetic
(nnlab.study.by_hand) over every training row."""

from __future__ import annotations

import math

import torch

from nnlab.data.datasets import Data
from nnlab.errors import ConfigError
from nnlab.experiment import Experiment
from nnlab.i18n import msg
from nnlab.study.by_hand import BIAS, Step, one_step
from nnlab.training import weights
from nnlab.training.models import build_model, linear_layers


def hand_step(exp: Experiment, data: Data) -> Step:
    """One step of gradient descent from the run's start, over every training row: its loss is the
    hand-set weights' loss on the training set, its update how each weight would move."""
    return one_step(exp, rows=list(range(len(data.x_train))), data=data)


def with_weight(exp: Experiment, data: Data, layer: int, unit: int, source: int, value: float) -> Experiment:
    """`exp` starting from its weights with one of them set to `value`: into `unit` of `layer` (from
    1) from unit `source` of the layer before, or its bias (source BIAS)."""
    if not (isinstance(value, (int, float)) and math.isfinite(value) and abs(value) <= weights.MAX_WRITTEN_OUT):
        raise ConfigError(msg("A weight set by hand lies between -{most:g} and {most:g}; got {value}.",
                              most=weights.MAX_WRITTEN_OUT, value=value))
    model = build_model(exp, data.n_features, data.n_outputs, data.task)
    linear = list(linear_layers(model).values())[layer - 1]
    with torch.no_grad():
        if source == BIAS:
            linear.bias[unit] = value
        else:
            linear.weight[unit, source] = value
    return exp.replace(model={"start": weights.written_out(model.state_dict())})


def hand_loss(exp: Experiment, data: Data) -> float:
    """The loss of the run's starting weights on every training row, untrained: what a challenge to
    fit by hand scores."""
    return hand_step(exp, data).loss
