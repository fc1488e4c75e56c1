"""Every named choice a setting offers, declared once: data sets, the 2-D sets' extra input
features, activations, losses, optimizers, initial weights and learning-rate schedules. The
Experiment's validation, the sidebar, the engines and the exported script all read these tables.
- A new initialiser or schedule is one entry here.
- A new activation is its entry, its float32 value and slope in training/engine/kernels.py, and
  its formula in tests/test_models.py (the reference written apart from torch).
- A new loss is its entry, its float32 value and gradient in kernels.py, and its float64 value
  and slope in study/by_hand.py.
- A new optimizer is its entry, its float32 step in kernels.py and its float64 rule in
  study/optimizer_rules.py.
- A new data set is its entry and its loader in data/datasets.LOADERS.
tests/test_engines.py and tests/test_optimizers.py train every activation, loss and optimizer on
both engines, so a place left out fails there.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from nnlab.i18n import N_


@dataclass(frozen=True, kw_only=True)
class Choice:
    name: str  # the value in an Experiment and a link
    label: str  # what the sidebar shows
    help: str = ""  # one sentence for the sidebar's tooltip


@dataclass(frozen=True, kw_only=True)
class Activation(Choice):
    module: type[nn.Module] | None  # None: no module at all, as in the tutorials' purely linear stacks
    kernel: int | None  # its number in the compiled kernels; None: they lack it


@dataclass(frozen=True, kw_only=True)
class Loss(Choice):
    module: type[nn.Module]
    tasks: tuple[str, ...]  # the targets it fits: "binary", "multiclass", "regression"
    kernel: int | None
    reads_probability: tuple[str, ...] = ()  # the tasks on which it reads a probability: the model ends in a sigmoid

    @property
    def code(self) -> str:
        return f"nn.{self.module.__name__}()"


@dataclass(frozen=True, kw_only=True)
class Optimizer(Choice):
    torch_name: str  # its class in torch.optim; its hyperparameters are the settings that name it
    kernel: int | None


@dataclass(frozen=True, kw_only=True)
class Initializer(Choice):
    draw: Callable[[nn.Linear, torch.Generator], None]  # sets a layer's weight and bias, in place
    code: str  # the exported script's loop body, with `layer` and `generator` in scope


@dataclass(frozen=True, kw_only=True)
class Schedule(Choice):
    factor: Callable[[int, int], float]  # (epoch from 0, epochs) -> the learning rate's multiplier
    code: str  # the same multiplier as a Python expression of `epoch` and `EPOCHS`


@dataclass(frozen=True, kw_only=True)
class DataSet(Choice):
    group: str  # "lesson", "2-D", "real table", "drawn" or "upload"; nnlab.data.datasets.LOADERS loads it


@dataclass(frozen=True, kw_only=True)
class Cross(Choice):
    feature: Callable[[torch.Tensor], torch.Tensor]  # of the (N, 2) points
    code: str  # the same in an exported script, of `x`


def _by_name(*choices):
    return {choice.name: choice for choice in choices}


DATASETS = _by_name(
    DataSet(name="step", label=N_("Step (1-D, soft targets)"), group="lesson"),
    DataSet(name="bump", label=N_("Two bumps (1-D)"), group="lesson"),
    DataSet(name="random-classes", label=N_("Random points, 10 classes"), group="lesson"),
    DataSet(name="heart-failure", label=N_("Heart failure records"), group="real table"),
    DataSet(name="circle", label=N_("Circle (2-D)"), group="2-D"),
    DataSet(name="xor", label=N_("XOR (2-D)"), group="2-D"),
    DataSet(name="gauss", label=N_("Two Gaussians (2-D)"), group="2-D"),
    DataSet(name="spiral", label=N_("Spiral (2-D)"), group="2-D"),
    DataSet(name="plane", label=N_("Plane (2-D regression)"), group="2-D"),
    DataSet(name="multi_gauss", label=N_("Six Gaussians (2-D regression)"), group="2-D"),
    DataSet(name="breast-cancer", label=N_("Breast cancer (scikit-learn)"), group="real table"),
    DataSet(name="wine", label=N_("Wine (scikit-learn)"), group="real table"),
    DataSet(name="iris", label=N_("Iris (scikit-learn)"), group="real table"),
    DataSet(name="digits", label=N_("Handwritten digits, 8x8 (scikit-learn)"), group="real table"),
    DataSet(name="drawn_curve", label=N_("Draw a curve (1-D)"), group="drawn"),
    DataSet(name="drawn_points", label=N_("Draw points (2-D)"), group="2-D"),
    DataSet(name="csv", label=N_("Your CSV file"), group="upload"),
)
# Playground's extra inputs for the 2-D sets: each a function of the points, and the same in a script.
CROSSES = _by_name(
    Cross(name="x1^2", label=N_("x1²"), feature=lambda x: x[:, 0] ** 2, code="x[:, 0] ** 2"),
    Cross(name="x2^2", label=N_("x2²"), feature=lambda x: x[:, 1] ** 2, code="x[:, 1] ** 2"),
    Cross(name="x1*x2", label=N_("x1·x2"), feature=lambda x: x[:, 0] * x[:, 1], code="x[:, 0] * x[:, 1]"),
    Cross(name="sin(x1)", label=N_("sin x1"), feature=lambda x: torch.sin(x[:, 0]), code="torch.sin(x[:, 0])"),
    Cross(name="sin(x2)", label=N_("sin x2"), feature=lambda x: torch.sin(x[:, 1]), code="torch.sin(x[:, 1])"),
)


ACTIVATIONS: dict[str, Activation] = _by_name(
    Activation(name="sigmoid", label=N_("sigmoid"), module=nn.Sigmoid, kernel=0),
    Activation(name="tanh", label=N_("tanh"), module=nn.Tanh, kernel=1),
    Activation(name="relu", label=N_("ReLU"), module=nn.ReLU, kernel=2),
    Activation(name="elu", label=N_("ELU"), module=nn.ELU, kernel=3),
    Activation(name="leaky_relu", label=N_("leaky ReLU"), module=nn.LeakyReLU, kernel=4),
    Activation(name="identity", label=N_("none (linear)"), module=None, kernel=5),
)

LOSSES: dict[str, Loss] = _by_name(
    Loss(name="bce", label=N_("Binary cross-entropy (sigmoid output)"), module=nn.BCELoss, tasks=("binary",), kernel=0,
         reads_probability=("binary",)),
    Loss(name="bce_logits", label=N_("BCE with logits"), module=nn.BCEWithLogitsLoss, tasks=("binary",), kernel=1),
    Loss(name="cross_entropy", label=N_("Cross-entropy (classes)"), module=nn.CrossEntropyLoss, tasks=("multiclass",),
         kernel=2),
    Loss(name="mse", label=N_("Mean squared error"), module=nn.MSELoss, tasks=("binary", "regression"), kernel=3,
         reads_probability=("binary",)),
)

# the losses that fit each kind of target, its usual one first
LOSSES_FOR_TASK = {task: tuple(name for name, loss in LOSSES.items() if task in loss.tasks)
                   for task in ("binary", "multiclass", "regression")}

OPTIMIZERS: dict[str, Optimizer] = _by_name(
    Optimizer(name="sgd", label=N_("SGD"), torch_name="SGD", kernel=0,
              help=N_("Each weight steps down its own gradient, times the learning rate; with momentum, "
                      "the steps before push too.")),
    Optimizer(name="adam", label=N_("Adam"), torch_name="Adam", kernel=1,
              help=N_("Momentum, and each weight's step divided by the size its gradients have had lately.")),
    Optimizer(name="adamw", label=N_("AdamW"), torch_name="AdamW", kernel=2,
              help=N_("Adam that also shrinks every weight a little each step (its weight decay).")),
    Optimizer(name="rmsprop", label=N_("RMSprop"), torch_name="RMSprop", kernel=3,
              help=N_("Each weight's step divided by the size its recent gradients have had; no momentum.")),
    Optimizer(name="adagrad", label=N_("Adagrad"), torch_name="Adagrad", kernel=4,
              help=N_("Each weight's step divided by the size of all its gradients so far: steps only shrink.")),
    Optimizer(name="adamax", label=N_("Adamax"), torch_name="Adamax", kernel=5,
              help=N_("Adam that divides each step by the largest recent gradient instead of their average size.")),
)


def _pytorch_default(layer: nn.Linear, generator: torch.Generator) -> None:
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
    bound = 1 / math.sqrt(layer.in_features) if layer.in_features > 0 else 0
    nn.init.uniform_(layer.bias, -bound, bound, generator=generator)


def _zero_bias(draw_weight):
    def draw(layer: nn.Linear, generator: torch.Generator) -> None:
        draw_weight(layer.weight, generator)
        nn.init.zeros_(layer.bias)
    return draw


INITIALIZERS: dict[str, Initializer] = _by_name(
    Initializer(name="default", label=N_("PyTorch's default"),
                help=N_("nn.Linear's own: uniform within ±1/√inputs, weights and biases."),
                draw=_pytorch_default,
                code="nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)\n"
                     "bound = 1 / math.sqrt(layer.in_features)\n"
                     "nn.init.uniform_(layer.bias, -bound, bound, generator=generator)"),
    Initializer(name="xavier", label=N_("Xavier (Glorot)"),
                help=N_("Uniform, scaled by inputs and outputs together: keeps sigmoid and tanh layers' "
                        "signals the same size. Biases start at 0."),
                draw=_zero_bias(lambda w, g: nn.init.xavier_uniform_(w, generator=g)),
                code="nn.init.xavier_uniform_(layer.weight, generator=generator)\nnn.init.zeros_(layer.bias)"),
    Initializer(name="he", label=N_("He (Kaiming)"),
                help=N_("Normal, scaled by the inputs for ReLU layers, which zero half their inputs. Biases start at 0."),
                draw=_zero_bias(lambda w, g: nn.init.kaiming_normal_(w, nonlinearity="relu", generator=g)),
                code='nn.init.kaiming_normal_(layer.weight, nonlinearity="relu", generator=generator)\n'
                     "nn.init.zeros_(layer.bias)"),
    Initializer(name="zeros", label=N_("All zeros"),
                help=N_("Every weight and bias 0: all units in a layer get the same gradient and stay "
                        "identical, however long they train."),
                draw=_zero_bias(lambda w, g: nn.init.zeros_(w)),
                code="nn.init.zeros_(layer.weight)\nnn.init.zeros_(layer.bias)"),
)

SCHEDULES: dict[str, Schedule] = _by_name(
    Schedule(name="constant", label=N_("Constant"), help=N_("The same learning rate every epoch."),
             factor=lambda epoch, epochs: 1.0, code="1.0"),
    Schedule(name="step", label=N_("Halve each quarter"),
             help=N_("The learning rate halves after each quarter of the epochs."),
             factor=lambda epoch, epochs: 0.5 ** (epoch // max(1, epochs // 4)),
             code="0.5 ** (epoch // max(1, EPOCHS // 4))"),
    Schedule(name="cosine", label=N_("Cosine to zero"),
             help=N_("The learning rate falls along a half cosine, to 0 at the last epoch."),
             factor=lambda epoch, epochs: 0.5 * (1 + math.cos(math.pi * epoch / max(1, epochs - 1))),
             code="0.5 * (1 + math.cos(math.pi * epoch / max(1, EPOCHS - 1)))"),
)


@functools.lru_cache(maxsize=64)
def rates(learning_rate: float, schedule: str, epochs: int) -> tuple[float, ...]:
    """The learning rate of each epoch (from 0) of a run of `epochs`: torch's LambdaLR's values.
    Kept: a class trains the same few schedules, and 7,000 epochs of them took a millisecond a run."""
    factor = SCHEDULES[schedule].factor
    return tuple(learning_rate * factor(epoch, epochs) for epoch in range(epochs))


def names(table: dict) -> str:
    """The names of a table's choices, for a message."""
    return ", ".join(table)
