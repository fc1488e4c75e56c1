"""One frozen description of a run: data, model, training and seed.

An `Experiment` is the cache key, what a shared link encodes and what an export script
reproduces, so every setting of a run lives here and nowhere else. Out-of-range values raise
`ConfigError` in `__post_init__`, before any tensor is made.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field

from nnlab import settings
from nnlab.choices import ACTIVATIONS, CROSSES, DATASETS, INITIALIZERS, LOSSES, OPTIMIZERS, SCHEDULES, names
from nnlab.data import drawing
from nnlab.errors import ConfigError
from nnlab.i18n import N_, capitalized, msg
from nnlab.settings import Setting, Widget, setting

# A run's starting weights (nnlab.training.weights): a brought-back file's hash, or hand-set weights
# written out in the link ("w1" and their float32 bytes in base64url; a network Be the optimizer shows)
START = re.compile(r"[0-9a-f]{16}|w1[A-Za-z0-9_-]{6,2000}")
MAX_HIDDEN_LAYERS = 6
MAX_UNITS = 256
MAX_EPOCHS = 20_000
MAX_LEARNING_RATE = 10.0
MAX_POINTS = 5_000
MAX_NOISE = 2.0
MAX_PENALTY = 10.0  # l1 and l2
MIN_LEARNING_RATE = 1e-6  # a smaller one moves no float32 weight of these networks in 20,000 epochs
MAX_DROPOUT = 0.95  # torch takes any rate below 1; at 1 every unit is zeroed and nothing learns
MAX_BATCH = 100_000  # a batch beyond the training rows is the full batch; no table nnlab reads is longer
MAX_SEED = 2**31 - 1  # torch.Generator takes 64 bits; a link's seed stays a short number
# the values the sidebar offers (a link may set others in range)
LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZES = (0, 1, 4, 8, 16, 32, 64, 128, 256)  # 0: the full batch
PENALTIES = (0.0, 0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)  # L2 and L1, as TF Playground
DECAYS = (0.0, 0.0001, 0.001, 0.01, 0.03, 0.1, 0.3, 1.0)
BETA1S = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)
BETA2S = (0.9, 0.99, 0.995, 0.999, 0.9999)
MAX_BETA = 0.9999  # torch.optim takes a beta below 1; at 1 an average never moves
ADAM_FAMILY = ("adam", "adamw", "adamax")  # the optimizers with Adam's two averages and their betas


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_ranges(spec, part: str) -> None:
    """Each number a row gives a range is within it: a whole one where the row reads its text as
    one, each value of a row that holds one per layer (one number elsewhere, never a tuple), and
    None only where None is the default (an optional seed, the full batch)."""
    for row in settings.rows(type(spec), part):
        if row.low is None:
            continue
        value, says = getattr(spec, row.field), capitalized(row.says)
        if value is None and row.default is None:
            continue
        many = isinstance(row.default, tuple)  # a value per layer: each within the range
        whole = row.parse in (int, settings.optional_int, settings.ints)
        for one in value if many and isinstance(value, tuple) else (value,):
            if whole:
                _check(isinstance(one, int) and not isinstance(one, bool) and row.low <= one <= row.high,
                       msg("{says} must be a whole number from {low} to {high}; got {value}.", says=says,
                           low=row.low, high=row.high, value=one))
            else:
                _check(_is_number(one) and row.low <= one <= row.high,
                       msg("{says} must be between {low:g} and {high:g}; got {value}.", says=says, low=row.low,
                           high=row.high, value=one))


def _penalty(value: float) -> str:
    return N_("off") if value == 0 else f"{value:g}"


DRAWN = ("drawn_curve", "drawn_points")  # the data sets a student draws (nnlab.data.drawing)


def _on_the_plane(values: dict) -> bool:
    """Noise, the number of points and the crossed features mean something for the 2-D sets only."""
    return DATASETS[values["name"]].group == "2-D"


def _batch(size: int) -> str:
    return N_("Full batch") if size == 0 else str(size)


@dataclass(frozen=True, kw_only=True)
class DataSpec:
    """Which data to learn from. `noise` and `n_points` matter to the 2-D sets only."""

    name: str = setting("bump", name="dataset", group="data", says=N_("dataset"), old=("data",),
                        widget=Widget(kind="select", label=N_("Dataset"), options=DATASETS))
    noise: float = setting(0.0, name="noise", group="data", says=N_("noise"), parse=float, show=repr, low=0.0,
                           high=MAX_NOISE, when=_on_the_plane,
                           widget=Widget(kind="slider", label=N_("Noise"), step=0.05,
                                         help=N_("Standard deviation of the jitter added to 2-D points.")))
    n_points: int = setting(400, name="points", group="data", says=N_("number of points"), parse=int, low=20,
                            high=MAX_POINTS, when=lambda values: _on_the_plane(values) and values["name"] not in DRAWN,
                            widget=Widget(kind="slider", label=N_("Points"), step=50, low=50, high=2000))
    train_fraction: float = setting(1.0, name="fraction", group="data", says=N_("train fraction"), parse=float,
                                    show=repr, low=0.1, high=1.0,
                                    widget=Widget(kind="slider", label=N_("Train fraction"), step=0.05,
                                                  help=N_("1.0 trains on every point, as the 1-D tutorials do; below "
                                                          "1.0 the rest is a test set.")))
    source: str = setting("", name="file", group="upload", says=N_("uploaded file"),
                          control=False)  # uploaded CSV: the content key it was stored under
    target: str = setting("", name="target", group="upload", says=N_("target column"),
                          control=False)  # uploaded CSV: the column to predict
    seed: int | None = setting(None, name="data_seed", group="data", says=N_("data seed"), parse=settings.optional_int,
                               show=settings.show_optional_seed, low=0, high=MAX_SEED,
                               control=False)  # None: the experiment's seed
    drawing: str = setting("", name="drawn", group="data", says=N_("drawing"), control=False,
                           when=lambda values: values["name"] in DRAWN)  # nnlab.data.drawing's text: the drawn data
    crosses: tuple[str, ...] = setting((), name="crosses", group="data", says=N_("extra input features"),
                                       parse=settings.words, show=settings.show_words, when=_on_the_plane,
                                       widget=Widget(kind="pills", label=N_("Extra input features"), options=CROSSES,
                                                     help=N_("Feed the network products and sines of x1 and x2 besides "
                                                             "the points themselves, as TensorFlow Playground does.")))

    def __post_init__(self):
        object.__setattr__(self, "crosses", tuple(self.crosses))
        _check(self.name in DATASETS, msg("Unknown dataset {name!r}; choose one of {value}.", name=self.name,
                                          value=', '.join(DATASETS)))
        _check_ranges(self, "data")
        _check(self.name != "csv" or (self.source and self.target),
               N_("An uploaded table needs its file and a target column."))
        if self.name not in DRAWN:
            object.__setattr__(self, "drawing", "")  # one data set, one description
        elif self.drawing:
            drawn = drawing.decode(self.drawing)  # a bad one is refused with what is wrong with it
            _check(isinstance(drawn, drawing.Curve) == (self.name == "drawn_curve"),
                   msg("This link's drawing is {drawn}, not what {label} draws.", label=DATASETS[self.name].label,
                       drawn=N_("a curve") if isinstance(drawn, drawing.Curve) else N_("points")))
        for name in self.crosses:
            _check(name in CROSSES, msg("Unknown feature {name!r}; choose from {value}.", name=name, value=', '.join(CROSSES)))
        _check(not self.crosses or DATASETS[self.name].group == "2-D",
               N_("Crossed features (x1^2, x1*x2, sin(x1), ...) apply to the 2-D datasets only."))
        _check(len(set(self.crosses)) == len(self.crosses), N_("Each crossed feature can be chosen once."))


@dataclass(frozen=True, kw_only=True)
class ModelSpec:
    """Hidden layers of a multilayer perceptron; input and output sizes come from the data."""

    hidden: tuple[int, ...] = setting((20,), name="units", group="model", says=N_("hidden units"), parse=settings.ints,
                                      show=settings.show_words, old=("hidden",), low=1, high=MAX_UNITS)
    activations: tuple[str, ...] = setting(("sigmoid",), name="activation", group="model", says=N_("activations"),
                                           parse=settings.words, show=settings.show_words,
                                           old=("act",))  # one per hidden layer
    init: str = setting("default", name="init", group="model", says=N_("initial weights"),
                        widget=Widget(kind="select", label=N_("Initial weights"), options=INITIALIZERS))
    # () or one rate per hidden layer: the share of its outputs zeroed in training
    dropout: tuple[float, ...] = setting((), name="dropout", group="model", says=N_("dropout"), parse=settings.floats,
                                         show=settings.show_words, low=0.0, high=MAX_DROPOUT,
                                         not_compiled=N_("dropout's random masks are torch's own draws, which the "
                                                         "compiled engine does not make"))
    start: str = setting("", name="start", group="model", says=N_("starting weights"),
                         control=False)  # "": the seed's; else the key of weights brought back (nnlab.training.weights)

    def __post_init__(self):
        for name in ("hidden", "activations", "dropout"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not any(self.dropout):  # all zeros is no dropout: one setting, one description
            object.__setattr__(self, "dropout", ())
        _check(len(self.hidden) <= MAX_HIDDEN_LAYERS,
               msg("At most {max_hidden_layers} hidden layers; got {count}.", max_hidden_layers=MAX_HIDDEN_LAYERS,
                   count=len(self.hidden)))
        _check_ranges(self, "model")
        _check(not self.start or START.fullmatch(self.start),
               N_("The starting weights in this link are damaged; the seed's are used."))
        _check(len(self.activations) == len(self.hidden),
               msg("Give one activation per hidden layer: {count} layers, {count2} activations.", count=len(self.hidden),
                   count2=len(self.activations)))
        for name in self.activations:
            _check(name in ACTIVATIONS, msg("Unknown activation {name!r}; choose one of {value}.", name=name,
                                            value=names(ACTIVATIONS)))
        _check(self.init in INITIALIZERS, msg("Unknown initialisation {init!r}; choose one of {value}.", init=self.init,
                                              value=names(INITIALIZERS)))
        _check(not self.dropout or len(self.dropout) == len(self.hidden),
               msg("Give one dropout rate per hidden layer (or none): {count} layers, {count2} rates.", count=len(self.hidden),
                   count2=len(self.dropout)))

    @property
    def drops(self) -> bool:
        return any(self.dropout)


# The optimizer earlier links and saved runs name that is now SGD with a momentum field.
EARLIER_OPTIMIZERS = {"momentum": ("sgd", {"momentum": 0.9})}


@dataclass(frozen=True, kw_only=True)
class TrainSpec:
    """How to train: optimizer, loss and the order the data is shown in. The fields are in the
    order the sidebar draws them."""

    optimizer: str = setting("adam", name="optimizer", group="training", says=N_("optimizer"), old=("opt",),
                             widget=Widget(kind="select", label=N_("Optimizer"), options=OPTIMIZERS))
    learning_rate: float = setting(0.01, name="rate", group="training", says=N_("learning rate"), parse=float, show=repr,
                                   old=("lr",), low=MIN_LEARNING_RATE, high=MAX_LEARNING_RATE,
                                   widget=Widget(kind="steps", label=N_("Learning rate"),
                                                 options=LEARNING_RATES))
    momentum: float = setting(0.0, name="momentum", group="training", says=N_("momentum"), parse=float, show=repr,
                              low=0.0, high=0.99, optimizers=("sgd",), torch_name="momentum", hyper=True,
                              widget=Widget(kind="slider", label=N_("Momentum"), step=0.01,
                                            help=N_("Each step adds this share of the step before: the weights "
                                                    "keep rolling downhill through small bumps and flat stretches.")))
    nesterov: bool = setting(False, name="nesterov", group="training", says=N_("Nesterov momentum"), parse=settings.flag,
                             show=settings.show_flag, optimizers=("sgd",), torch_name="nesterov", hyper=True,
                             when=lambda values: values["momentum"] > 0,
                             widget=Widget(kind="check", label=N_("Nesterov momentum"),
                                           help=N_("Take the gradient where the momentum is about to carry the "
                                                   "weights: it brakes before overshooting.")))
    weight_decay: float = setting(0.01, name="decay", group="training", says=N_("weight decay"), parse=float, show=repr,
                                  low=0.0, high=1.0, optimizers=("adamw",), torch_name="weight_decay", hyper=True,
                                  widget=Widget(kind="steps", label=N_("Weight decay"), options=DECAYS, format=_penalty,
                                                help=N_("AdamW shrinks every weight by rate × decay each step, "
                                                        "apart from the gradient's adaptive step.")))
    beta1: float = setting(0.9, name="beta1", group="training", says=N_("β1"), parse=float, show=repr, low=0.0,
                           high=MAX_BETA, optimizers=ADAM_FAMILY, torch_name="betas", torch_index=0, hyper=True,
                           widget=Widget(kind="steps", label=N_("β1"), options=BETA1S, beside_next=True,
                                         help=N_("Momentum's memory: the share of the average of past gradients each "
                                                 "step keeps. 0.9 remembers about the last ten steps; 0 is none.")))
    beta2: float = setting(0.999, name="beta2", group="training", says=N_("β2"), parse=float, show=repr, low=0.0,
                           high=MAX_BETA, optimizers=ADAM_FAMILY, torch_name="betas", torch_index=1, hyper=True,
                           widget=Widget(kind="steps", label=N_("β2"), options=BETA2S,
                                         help=N_("The step size's memory: how long each weight remembers the size of "
                                                 "its gradients. 0.999 remembers about the last thousand steps.")))
    schedule: str = setting("constant", name="schedule", group="training", says=N_("learning-rate schedule"),
                            widget=Widget(kind="select", label=N_("Learning-rate schedule"),
                                          options=SCHEDULES))  # how the rate changes from epoch to epoch
    l2: float = setting(0.0, name="l2", group="training", says=N_("L2 regularisation"), parse=float, show=repr, low=0.0,
                        high=MAX_PENALTY, hyper=True,
                        widget=Widget(kind="steps", label=N_("L2"), options=PENALTIES, format=_penalty, beside_next=True,
                                      help=N_("Adds L2 × ½ × the sum of squared weights to the loss: big weights "
                                              "cost more.")))  # on the weights, not the biases
    l1: float = setting(0.0, name="l1", group="training", says=N_("L1 regularisation"), parse=float, show=repr, low=0.0,
                        high=MAX_PENALTY, hyper=True,
                        widget=Widget(kind="steps", label=N_("L1"), options=PENALTIES, format=_penalty,
                                      help=N_("Adds L1 × the sum of absolute weights to the loss: pushes unneeded "
                                              "weights to 0.")))  # on the weights, not the biases
    loss: str = setting("bce", name="loss", group="training", says=N_("loss"),
                        widget=Widget(kind="select", label=N_("Loss"), options=LOSSES))
    epochs: int = setting(1000, name="epochs", group="training", says=N_("epochs"), parse=int, low=1, high=MAX_EPOCHS,
                          widget=Widget(kind="number", label=N_("Epochs"), step=100))
    batch_size: int | None = setting(None, name="batch", group="training", says=N_("batch size"),
                                     parse=settings.optional_int, show=settings.show_optional, low=1, high=MAX_BATCH,
                                     widget=Widget(kind="select", label=N_("Batch size"), options=BATCH_SIZES, none_as=0,
                                                   format=_batch))  # None: the whole training set in one batch
    shuffle: bool = setting(False, name="shuffle", group="training", says=N_("shuffling"), parse=settings.flag,
                            show=settings.show_flag, widget=Widget(kind="check", label=N_("Shuffle each epoch")))
    snapshot_every: int = setting(0, name="snap", group="training", says=N_("snapshot interval"), parse=int,
                                  low=0, high=MAX_EPOCHS,
                                  control=False)  # record the fit every N epochs; 0 picks about five snapshots

    def __post_init__(self):
        if self.optimizer in EARLIER_OPTIMIZERS:
            optimizer, values = EARLIER_OPTIMIZERS[self.optimizer]
            object.__setattr__(self, "optimizer", optimizer)
            for name, value in values.items():
                object.__setattr__(self, name, getattr(self, name) or value)
        _check(self.optimizer in OPTIMIZERS, msg("Unknown optimizer {optimizer!r}; choose one of {value}.",
                                                 optimizer=self.optimizer, value=names(OPTIMIZERS)))
        _check_ranges(self, "training")  # before what the optimizer does not read is reset: a bad value is said
        for row in settings.rows(TrainSpec, "training"):  # what this optimizer does not read: one run, one description
            if not row.read_by(self.optimizer):
                object.__setattr__(self, row.field, row.default)
        _check(self.loss in LOSSES, msg("Unknown loss {loss!r}; choose one of {value}.", loss=self.loss, value=names(LOSSES)))
        _check(self.schedule in SCHEDULES, msg("Unknown schedule {schedule!r}; choose one of {value}.", schedule=self.schedule,
                                               value=names(SCHEDULES)))
        _check(not self.nesterov or self.momentum > 0, N_("Nesterov momentum needs a momentum above 0."))

    def snapshot_interval(self, epochs: int) -> int:
        """Epochs between recorded fits: the set interval while it gives at least two snapshots
        in `epochs`, else about five evenly spaced ones."""
        if self.snapshot_every and epochs // self.snapshot_every >= 2:
            return self.snapshot_every
        return max(1, epochs // 5)

    def optimizer_settings(self) -> list[tuple[Setting, object]]:
        """The optimizer's own hyperparameters that are not at their defaults (which are torch's), with their values."""
        return [(row, getattr(self, row.field)) for row in settings.rows(TrainSpec, "training")
                if self.optimizer in row.optimizers and getattr(self, row.field) != row.default]

    def optimizer_arguments(self) -> dict[str, object]:
        """The optimizer's torch.optim keywords besides the learning rate, those at torch's default
        left out: `torch.optim.SGD(params, lr=rate, momentum=0.9)`. A keyword that is a tuple of
        settings (Adam's betas) is given whole where any of them is not at its default."""
        changed = {row.torch_name for row, _ in self.optimizer_settings()}
        arguments, parts = {}, {}
        for row in settings.rows(TrainSpec, "training"):
            if self.optimizer in row.optimizers and row.torch_name in changed:
                if row.torch_index is None:
                    arguments[row.torch_name] = getattr(self, row.field)
                else:
                    parts.setdefault(row.torch_name, {})[row.torch_index] = getattr(self, row.field)
        for name, values in parts.items():
            arguments[name] = tuple(values[index] for index in sorted(values))
        return arguments


@dataclass(frozen=True, kw_only=True)
class Experiment:
    """Everything that decides a run. Equal experiments give equal results on the CPU."""

    data: DataSpec = field(default_factory=DataSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    training: TrainSpec = field(default_factory=TrainSpec)
    seed: int = setting(0, name="seed", group="training", says=N_("seed"), parse=int, low=0,
                        high=MAX_SEED)  # drawn by hand: on two pages

    def __post_init__(self):
        _check_ranges(self, "")

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
            raise ConfigError(msg("This experiment description has an unknown setting: {error}.", error=error)) from None


# Every setting's row, by its URL name, in the sidebar's order.
SETTINGS: dict[str, Setting] = {row.name: row for spec, part in (
    (DataSpec, "data"), (ModelSpec, "model"), (TrainSpec, "training"), (Experiment, "")) for row in settings.rows(spec, part)}
