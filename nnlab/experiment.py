"""One frozen description of a run: data, model, training and seed.

An `Experiment` is the cache key, what a shared link encodes and what an export script
reproduces, so every setting of a run lives here and nowhere else. Out-of-range values raise
`ConfigError` in `__post_init__`, before any tensor is made.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from nnlab.choices import ACTIVATIONS, CROSSES, DATASETS, INITIALIZERS, LOSSES, OPTIMIZERS, SCHEDULES, names
from nnlab.errors import ConfigError

MAX_HIDDEN_LAYERS = 6
MAX_UNITS = 256
MAX_EPOCHS = 20_000
MAX_LEARNING_RATE = 10.0
MAX_POINTS = 5_000
MAX_NOISE = 2.0
MAX_PENALTY = 10.0  # l1 and l2


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True, kw_only=True)
class DataSpec:
    """Which data to learn from. `noise` and `n_points` matter to the 2-D sets only."""

    name: str = "bump"
    noise: float = 0.0  # std of the Gaussian jitter added to 2-D points
    n_points: int = 400  # 2-D sets: how many points to draw
    train_fraction: float = 1.0  # 1.0 trains on every point, as the 1-D tutorials do
    source: str = ""  # uploaded CSV: the content key it was stored under
    target: str = ""  # uploaded CSV: the column to predict
    seed: int | None = None  # fixes noise and split apart from the initial weights; None: the experiment's seed
    crosses: tuple[str, ...] = ()  # 2-D sets: extra input features made from x1 and x2 (choices.CROSSES)

    def __post_init__(self):
        object.__setattr__(self, "crosses", tuple(self.crosses))
        _check(self.name in DATASETS, f"Unknown dataset {self.name!r}; choose one of {', '.join(DATASETS)}.")
        _check(_is_number(self.noise) and 0 <= self.noise <= MAX_NOISE,
               f"Noise must be between 0 and {MAX_NOISE}; got {self.noise}.")
        _check(isinstance(self.n_points, int) and 20 <= self.n_points <= MAX_POINTS,
               f"Number of points must be a whole number from 20 to {MAX_POINTS}; got {self.n_points}.")
        _check(_is_number(self.train_fraction) and 0.1 <= self.train_fraction <= 1.0,
               f"Train fraction must be between 0.1 and 1.0; got {self.train_fraction}.")
        _check(self.name != "csv" or (self.source and self.target),
               "An uploaded table needs its file and a target column.")
        _check(self.seed is None or (isinstance(self.seed, int) and 0 <= self.seed < 2**31),
               f"Data seed must be empty or a whole number from 0 to {2**31 - 1}; got {self.seed}.")
        for name in self.crosses:
            _check(name in CROSSES, f"Unknown feature {name!r}; choose from {', '.join(CROSSES)}.")
        _check(not self.crosses or DATASETS[self.name].group == "2-D",
               "Crossed features (x1^2, x1*x2, sin(x1), ...) apply to the 2-D datasets only.")
        _check(len(set(self.crosses)) == len(self.crosses), "Each crossed feature can be chosen once.")


@dataclass(frozen=True, kw_only=True)
class ModelSpec:
    """Hidden layers of a multilayer perceptron; input and output sizes come from the data."""

    hidden: tuple[int, ...] = (20,)
    activations: tuple[str, ...] = ("sigmoid",)  # one per hidden layer
    init: str = "default"  # how the initial weights are drawn: choices.INITIALIZERS
    dropout: tuple[float, ...] = ()  # () or one rate per hidden layer: the share of its outputs zeroed in training

    def __post_init__(self):
        for name in ("hidden", "activations", "dropout"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not any(self.dropout):  # all zeros is no dropout: one setting, one description
            object.__setattr__(self, "dropout", ())
        _check(len(self.hidden) <= MAX_HIDDEN_LAYERS,
               f"At most {MAX_HIDDEN_LAYERS} hidden layers; got {len(self.hidden)}.")
        for units in self.hidden:
            _check(isinstance(units, int) and not isinstance(units, bool) and 1 <= units <= MAX_UNITS,
                   f"Each hidden layer needs 1 to {MAX_UNITS} units; got {units}.")
        _check(len(self.activations) == len(self.hidden),
               f"Give one activation per hidden layer: {len(self.hidden)} layers, "
               f"{len(self.activations)} activations.")
        for name in self.activations:
            _check(name in ACTIVATIONS, f"Unknown activation {name!r}; choose one of {names(ACTIVATIONS)}.")
        _check(self.init in INITIALIZERS, f"Unknown initialisation {self.init!r}; choose one of {names(INITIALIZERS)}.")
        _check(not self.dropout or len(self.dropout) == len(self.hidden),
               f"Give one dropout rate per hidden layer (or none): {len(self.hidden)} layers, "
               f"{len(self.dropout)} rates.")
        for rate in self.dropout:
            _check(_is_number(rate) and 0 <= rate < 1, f"A dropout rate must be at least 0 and below 1; got {rate}.")

    @property
    def drops(self) -> bool:
        return any(self.dropout)


@dataclass(frozen=True, kw_only=True)
class TrainSpec:
    """How to train: loss, optimizer and the order the data is shown in."""

    loss: str = "bce"
    optimizer: str = "adam"
    learning_rate: float = 0.01
    epochs: int = 1000
    batch_size: int | None = None  # None: the whole training set in one batch
    shuffle: bool = False  # the tutorials keep the data in order
    snapshot_every: int = 0  # record the fit every N epochs; 0 picks about five snapshots
    schedule: str = "constant"  # how the learning rate changes from epoch to epoch: choices.SCHEDULES
    l2: float = 0.0  # adds l2 * 1/2 * the sum of squared weights (not biases) to the mean loss
    l1: float = 0.0  # adds l1 * the sum of absolute weights (not biases)

    def __post_init__(self):
        _check(self.loss in LOSSES, f"Unknown loss {self.loss!r}; choose one of {names(LOSSES)}.")
        _check(self.optimizer in OPTIMIZERS, f"Unknown optimizer {self.optimizer!r}; choose one of {names(OPTIMIZERS)}.")
        _check(self.schedule in SCHEDULES, f"Unknown schedule {self.schedule!r}; choose one of {names(SCHEDULES)}.")
        for name in ("l2", "l1"):
            value = getattr(self, name)
            _check(_is_number(value) and 0 <= value <= MAX_PENALTY,
                   f"{name.upper()} regularisation must be between 0 and {MAX_PENALTY:g}; got {value}.")
        _check(_is_number(self.learning_rate) and 0 < self.learning_rate <= MAX_LEARNING_RATE,
               f"Learning rate must be above 0 and at most {MAX_LEARNING_RATE:g}; got {self.learning_rate}.")
        _check(isinstance(self.epochs, int) and 1 <= self.epochs <= MAX_EPOCHS,
               f"Epochs must be a whole number from 1 to {MAX_EPOCHS}; got {self.epochs}.")
        _check(self.batch_size is None or (isinstance(self.batch_size, int) and self.batch_size >= 1),
               f"Batch size must be at least 1 (or the full batch); got {self.batch_size}.")
        _check(isinstance(self.snapshot_every, int) and self.snapshot_every >= 0,
               f"Snapshot interval must be 0 or more epochs; got {self.snapshot_every}.")

    def snapshot_interval(self, epochs: int) -> int:
        """Epochs between recorded fits: the set interval while it gives at least two snapshots
        in `epochs`, else about five evenly spaced ones."""
        if self.snapshot_every and epochs // self.snapshot_every >= 2:
            return self.snapshot_every
        return max(1, epochs // 5)


@dataclass(frozen=True, kw_only=True)
class Experiment:
    """Everything that decides a run. Equal experiments give equal results on the CPU."""

    data: DataSpec = field(default_factory=DataSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    training: TrainSpec = field(default_factory=TrainSpec)
    seed: int = 0

    def __post_init__(self):
        _check(isinstance(self.seed, int) and 0 <= self.seed < 2**31,
               f"Seed must be a whole number from 0 to {2**31 - 1}; got {self.seed}.")

    def replace(self, **changes) -> Experiment:
        """A copy with top-level fields or, as `data=`, `model=`, `training=` dicts, nested fields changed."""
        for part in ("data", "model", "training"):
            if isinstance(changes.get(part), dict):
                changes[part] = dataclasses.replace(getattr(self, part), **changes[part])
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> Experiment:
        """Inverse of `to_dict`; unknown keys are refused so a typo never passes silently."""
        try:
            return cls(
                data=DataSpec(**values.get("data", {})),
                model=ModelSpec(**values.get("model", {})),
                training=TrainSpec(**values.get("training", {})),
                seed=values.get("seed", 0),
            )
        except TypeError as error:
            raise ConfigError(f"This experiment description has an unknown setting: {error}.") from None
