"""Datasets as plain functions of their spec, each returning tensors ready to train on.

`LOADERS` maps each data set's name (nnlab.choices.DATASETS: the menu option, the URL value
and the config value at once) to the loader that turns its `DataSpec` into `Data`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch

from nnlab.choices import CROSSES
from nnlab.data import drawing
from nnlab.errors import DataError
from nnlab.i18n import N_, msg
from nnlab.lazy import import_alone

if TYPE_CHECKING:
    from nnlab.experiment import DataSpec, Experiment


@dataclass
class Data:
    """Train and test tensors plus what a chart or a page needs to describe them."""

    x_train: torch.Tensor  # (N, features) float32
    y_train: torch.Tensor  # binary/regression: (N, 1) float32; multiclass: (N,) int64
    x_test: torch.Tensor
    y_test: torch.Tensor
    feature_names: list[str]
    target_name: str
    task: str  # "binary", "multiclass" or "regression"
    class_names: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what cleaning changed, in words
    source: pd.DataFrame | None = None  # tables and 2-D sets: the rows before splitting (and scaling)
    train_rows: list[int] = field(default_factory=list)  # positions in `source`, in training order
    test_rows: list[int] = field(default_factory=list)
    standardised: bool = False  # features scaled with the training rows' mean and std
    target_standardised: bool = False  # a regression target scaled with the training rows' mean and std
    crosses: list[str] = field(default_factory=list)  # 2-D sets: extra features made from x1 and x2
    image_shape: tuple[int, int] | None = None  # images: each row's features are these pixels, row by row

    @property
    def table(self) -> pd.DataFrame | None:
        """A real table's clean rows in their own units; None for generated data."""
        return self.source if self.standardised else None

    @property
    def n_features(self) -> int:
        return self.x_train.shape[1]

    @property
    def n_outputs(self) -> int:
        return len(self.class_names) if self.task == "multiclass" else 1

    @property
    def has_test(self) -> bool:
        return len(self.x_test) > 0

    @property
    def shown_split(self) -> str:
        """The part a picture of the results shows: the test rows where there are any."""
        return "test" if self.has_test else "train"

    @functools.cached_property
    def hard_labels(self) -> bool:
        """Accuracy is defined only when every target is a class (the step lesson has 0.5 targets).
        Kept: it compares every target, and training and each picture of a result ask."""
        if self.task == "multiclass":
            return True
        return self.task == "binary" and bool(((self.y_train == 0) | (self.y_train == 1)).all())

    @property
    def shape_kind(self) -> str:
        """How to draw it: "1d" curve, "2d" plane (crossed features are drawn from x1 and x2), or "table"."""
        return {1: "1d", 2: "2d"}.get(self.n_features - len(self.crosses), "table")


def load_data(exp: Experiment) -> Data:
    """The data an experiment trains on; the same experiment always gives the same tensors."""
    return load_keyed(*data_key(exp))


def load_keyed(spec: DataSpec, seed: int) -> Data:
    """The data of a data key (data_key): its spec and the seed of its noise and split."""
    return LOADERS[spec.name](spec, seed)


def data_key(exp: Experiment) -> tuple[DataSpec, int]:
    """What decides an experiment's data: experiments with equal keys load equal tensors."""
    return exp.data, data_seed(exp)


def data_seed(exp: Experiment) -> int:
    """The seed of an experiment's noise and split: its data seed if set, else its own seed."""
    return exp.seed if exp.data.seed is None else exp.data.seed


def pin_data(exp: Experiment) -> Experiment:
    """`exp` with its data seed written out, so that another `seed` changes only the initial
    weights (and shuffling), never the rows: what compare, sweep and a class challenge vary."""
    return exp.replace(data={"seed": data_seed(exp)})


# --- the lesson data, exactly as the tutorials build it -----------------------------------------

def _one_dimensional(x: torch.Tensor, y: torch.Tensor, target: str) -> Data:
    empty = torch.empty(0, 1)
    return Data(x, y, empty, y[:0], ["x"], target, "binary", ["0", "1"])


def step_data(spec: DataSpec, seed: int) -> Data:
    """x = -30..29; target 1 up to -10, 0.5 strictly between -10 and 10, else 0."""
    x = torch.arange(-30, 30, dtype=torch.float32).reshape(-1, 1)
    y = torch.zeros_like(x)
    y[x <= -10] = 1.0
    y[(x > -10) & (x < 10)] = 0.5
    return _one_dimensional(x, y, "y")


def bump_data(spec: DataSpec, seed: int) -> Data:
    """x = -50..49; target 1 where |x| < 20 or 30 < |x| < 40 (strict), else 0."""
    x = torch.arange(-50, 50, dtype=torch.float32).reshape(-1, 1)
    distance = x.abs()
    y = ((distance < 20) | ((distance > 30) & (distance < 40))).float()
    return _one_dimensional(x, y, "y")


def random_classes_data(spec: DataSpec, seed: int) -> Data:
    """32 random inputs of 64 features in [0, 1) with random labels 0..9: nothing to learn but the points."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.rand(32, 64, generator=generator)
    y = torch.randint(0, 10, (32,), generator=generator)
    names = [f"f{i}" for i in range(64)]
    return Data(x, y, torch.empty(0, 64), y[:0], names, "label", "multiclass", [str(i) for i in range(10)])


# --- 2-D sets in the spirit of TensorFlow Playground --------------------------------------------

def _circle(n: int, rng: np.random.Generator):
    inner = n // 2
    radius = np.concatenate([rng.uniform(0, 2, inner), rng.uniform(3, 5, n - inner)])
    angle = rng.uniform(0, 2 * np.pi, n)
    points = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return points, (radius < 2.5).astype(np.int64)


def _xor(n: int, rng: np.random.Generator):
    points = rng.uniform(-5, 5, (n, 2))
    points += np.sign(points) * 0.3  # keep points off the axes so the classes are separable
    return points, (points[:, 0] * points[:, 1] > 0).astype(np.int64)


def _gauss(n: int, rng: np.random.Generator):
    labels = (np.arange(n) < n // 2).astype(np.int64)
    centres = np.where(labels[:, None] == 1, 2.0, -2.0)
    return centres + rng.normal(0, 1, (n, 2)), labels


def _spiral(n: int, rng: np.random.Generator):
    half = n // 2
    labels = (np.arange(n) < half).astype(np.int64)
    position = np.concatenate([np.arange(half) / half, np.arange(n - half) / (n - half)])
    radius = 5 * position
    angle = 1.75 * 2 * np.pi * position + np.where(labels == 1, 0.0, np.pi)
    return np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1), labels


def _plane_value(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    return (x1 + x2) / 10  # a tilted plane: from -1.2 to 1.2 over the square


# centre x1, centre x2, sign: three bumps up and three down, in two rows
GAUSSIANS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def _gaussians_value(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    return sum(sign * np.exp(-((x1 - a) ** 2 + (x2 - b) ** 2) / 2) for a, b, sign in GAUSSIANS)


def _regression(value) -> Callable:
    """Points spread evenly over the square ±6, each with `value` where Gaussian noise of std
    `noise` moves it: the noise is in the target, as in TensorFlow Playground's regression sets."""
    def draw(spec: DataSpec, rng: np.random.Generator):
        points = rng.uniform(-6, 6, (spec.n_points, 2))
        where = points + rng.normal(0, spec.noise, points.shape) if spec.noise else points
        return points, value(where[:, 0], where[:, 1]), "regression"
    return draw


def _jittered(make) -> Callable:
    """A class set's points, moved by Gaussian noise of std `noise` after they are labelled."""
    def draw(spec: DataSpec, rng: np.random.Generator):
        points, labels = make(spec.n_points, rng)
        return (points + rng.normal(0, spec.noise, points.shape) if spec.noise else points), labels, None
    return draw


def _drawn_points(spec: DataSpec, rng: np.random.Generator):
    """The points a student drew (nnlab.data.drawing), moved by Gaussian noise of std `noise`; their
    values are a regression target even where they happen to be few and whole."""
    drawn = drawing.of(spec.name, spec.drawing)
    x1, x2, targets = drawn.frame_columns()
    if len(x1) < 4:
        raise DataError(N_("Tap the plane to add points: a network needs four at least."))
    if not drawn.values and len(np.unique(targets)) < 2:
        raise DataError(N_("Every point is of one class: add points of another class (pick it above the plane)."))
    points = np.stack([x1, x2], axis=1)
    moved = points + rng.normal(0, spec.noise, points.shape) if spec.noise else points
    return moved, targets, "regression" if drawn.values else None


def _plane_loader(draw, target: str = "label", scale_target: bool = True) -> Callable[[DataSpec, int], Data]:
    """A 2-D set's loader; `draw(spec, rng)` gives its points, their targets and the task (None: the
    targets' own, as a table's). `scale_target`: standardise a regression target (split_table)."""
    def load(spec: DataSpec, seed: int) -> Data:
        points, targets, task = draw(spec, np.random.default_rng(seed))
        frame = pd.DataFrame(points, columns=["x1", "x2"]).assign(**{target: targets})
        data = split_table(frame, target, spec.train_fraction, seed, standardise=False, task=task,
                           scale_target=scale_target)
        data.x_train, data.x_test = with_crosses(data.x_train, spec.crosses), with_crosses(data.x_test, spec.crosses)
        data.feature_names += list(spec.crosses)
        data.crosses = list(spec.crosses)
        return data
    return load


def drawn_curve_data(spec: DataSpec, seed: int) -> Data:
    """The curve a student drew (nnlab.data.drawing), read at evenly spaced x: a 0/1 curve as a binary
    target (each x takes its nearest knot's class), any other as a regression target through its knots."""
    curve = drawing.of(spec.name, spec.drawing)
    if len(curve.knots) < 2:
        raise DataError(N_("Draw the curve first: tap the chart at two x positions or more, or start from a preset."))
    knot_x, knot_y = curve.xy()
    x = np.linspace(*drawing.CURVE_X, drawing.CURVE_SAMPLES)
    binary = set(np.unique(knot_y)) == {0.0, 1.0}
    nearest = np.abs(x[:, None] - knot_x[None, :]).argmin(axis=1)
    y = knot_y[nearest] if binary else np.interp(x, knot_x, knot_y)
    return split_table(pd.DataFrame({"x": x, "y": y}), "y", spec.train_fraction, seed, standardise=False,
                       task="binary" if binary else "regression", scale_target=False)


def with_crosses(x: torch.Tensor, crosses) -> torch.Tensor:
    """Points (N, 2) followed by the chosen crossed features, as the network's input."""
    return torch.cat([x[:, :2], *[CROSSES[name].feature(x).reshape(-1, 1) for name in crosses]], dim=1)


# --- real tables ---------------------------------------------------------------------------------

def _sklearn_loader(loader_name: str) -> Callable[[DataSpec, int], Data]:
    def load(spec: DataSpec, seed: int) -> Data:
        bunch = getattr(import_alone("sklearn.datasets"), loader_name)(as_frame=True)
        frame = bunch.frame.rename(columns={"target": "class"})
        names = [str(name) for name in bunch.target_names]
        return split_table(frame, "class", spec.train_fraction, seed, class_names=names)
    return load


def digits_data(spec: DataSpec, seed: int) -> Data:
    """scikit-learn's bundled 8x8 handwritten digits: 1,797 images, 64 pixels of 0-16, ten classes."""
    data = _sklearn_loader("load_digits")(spec, seed)
    data.image_shape = (8, 8)
    return data


def heart_failure_data(spec: DataSpec, seed: int) -> Data:
    from nnlab.data.tables import load_heart_failure

    return split_table(load_heart_failure(), "DEATH_EVENT", spec.train_fraction, seed, class_names=["survived", "died"])


def uploaded_data(spec: DataSpec, seed: int) -> Data:
    from nnlab.data.tables import load_upload

    table = load_upload(spec.source, spec.target)
    data = split_table(table.frame, table.target, spec.train_fraction, seed, class_names=table.class_names)
    data.notes[:0] = table.notes
    return data


# --- one split for every table -------------------------------------------------------------------

def table_task(labels: pd.Series) -> str:
    """binary for two values, multiclass for up to 20 whole-number classes, otherwise regression."""
    values = labels.unique()
    if len(values) == 2:
        return "binary"
    whole = np.all(np.mod(values.astype(float), 1) == 0)
    return "multiclass" if whole and len(values) <= 20 else "regression"


MAX_STANDARD_SCORE = 1e4


def split_table(frame: pd.DataFrame, target: str, train_fraction: float, seed: int,
                class_names: list[str] | None = None, standardise: bool = True, task: str | None = None,
                scale_target: bool = True) -> Data:
    """Stratified train/test split with `seed`; features standardised on the train part only, and a
    regression target too unless `scale_target` is False (a drawing: its values are the ones drawn, so
    every picture and table shows them on the scale they were drawn on). The task is the target's own
    (table_task) unless given."""
    train_test_split = import_alone("sklearn.model_selection").train_test_split
    features = frame.drop(columns=[target])
    labels = frame[target]
    task = task or table_task(labels)
    notes: list[str] = []
    if task == "regression":
        class_names = []
    else:
        codes, uniques = pd.factorize(labels, sort=True)
        labels = pd.Series(codes, index=labels.index)
        class_names = class_names if class_names and len(class_names) == len(uniques) else [str(u) for u in uniques]
    x, y = features.to_numpy(np.float64), labels.to_numpy()  # float64 until scaled: huge values stay finite
    rows = np.arange(len(y))
    if train_fraction < 1.0:
        stratify = y if task != "regression" and np.bincount(y).min() >= 2 else None
        try:
            train_rows, test_rows = train_test_split(rows, train_size=train_fraction, random_state=seed, stratify=stratify)
        except ValueError as error:
            raise DataError(msg("Cannot split {count} rows into train and test parts: {error}", count=len(y),
                                error=error)) from None
    else:
        train_rows, test_rows = rows, rows[:0]
    x_train, x_test, y_train, y_test = x[train_rows], x[test_rows], y[train_rows], y[test_rows]
    if standardise:
        # divide by the largest magnitude before squaring: a value of 1e300 squared is inf even in float64
        magnitude = np.abs(x_train).max(axis=0)
        magnitude[magnitude == 0] = 1.0
        mean, std = x_train.mean(axis=0), (x_train / magnitude).std(axis=0) * magnitude
        std[std == 0] = 1.0  # a constant column stays constant instead of becoming NaN
        x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
        notes.append(N_("Features were standardised (mean 0, std 1) using the training rows only."))
        # A test value far outside the training rows' range (a typo like 1e300) would reach the
        # network as inf; clip it so one bad cell cannot make every test loss infinite.
        far = int((np.abs(x_test) > MAX_STANDARD_SCORE).sum())
        if far:
            x_test = np.clip(x_test, -MAX_STANDARD_SCORE, MAX_STANDARD_SCORE)
            notes.append(msg("Test values that lay more than {limit:,.0f} standard deviations from the training rows' mean were "
                             "clipped there: {far}.", far=far, limit=MAX_STANDARD_SCORE))
    scale_target = scale_target and task == "regression"
    if scale_target:
        centre, scale = y_train.mean(), y_train.std() or 1.0
        y_train, y_test = (y_train - centre) / scale, (y_test - centre) / scale
        notes.append(msg("The target was standardised: value = {centre:.4g} + {scale:.4g} × prediction.", centre=centre,
                         scale=scale))
    return Data(
        torch.tensor(x_train, dtype=torch.float32), _target_tensor(y_train, task),
        torch.tensor(x_test, dtype=torch.float32), _target_tensor(y_test, task),
        [str(c) for c in features.columns], str(target), task, class_names, notes, frame,
        train_rows.tolist(), test_rows.tolist(), standardise, target_standardised=scale_target)


def _target_tensor(y: np.ndarray, task: str) -> torch.Tensor:
    if task == "multiclass":
        return torch.tensor(y, dtype=torch.int64)
    return torch.tensor(y, dtype=torch.float32).reshape(-1, 1)


# Each data set of nnlab.choices.DATASETS, loaded.
LOADERS: dict[str, Callable[[DataSpec, int], Data]] = {
    "step": step_data,
    "bump": bump_data,
    "random-classes": random_classes_data,
    "heart-failure": heart_failure_data,
    "circle": _plane_loader(_jittered(_circle)),
    "xor": _plane_loader(_jittered(_xor)),
    "gauss": _plane_loader(_jittered(_gauss)),
    "spiral": _plane_loader(_jittered(_spiral)),
    "plane": _plane_loader(_regression(_plane_value), "value"),
    "multi_gauss": _plane_loader(_regression(_gaussians_value), "value"),
    "breast-cancer": _sklearn_loader("load_breast_cancer"),
    "wine": _sklearn_loader("load_wine"),
    "iris": _sklearn_loader("load_iris"),
    "digits": digits_data,
    "drawn_curve": drawn_curve_data,
    "drawn_points": _plane_loader(_drawn_points, scale_target=False),
    "csv": uploaded_data,
}


def batch_order(n: int, batch_size: int | None, shuffle: bool, generator: torch.Generator) -> list:
    """Index slices for one epoch: in order, like a DataLoader without shuffle, unless asked."""
    size = batch_size or n
    if not shuffle:
        return [slice(start, start + size) for start in range(0, n, size)]
    order = torch.randperm(n, generator=generator)
    return [order[start:start + size] for start in range(0, n, size)]
