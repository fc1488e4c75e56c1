"""Optimizers on a surface: 2-D functions whose shape is known, and a race of optimizers from one
start, each stepping as `torch.optim`'s own does (the optimizers and their settings are the
training settings' rows: nnlab.choices.OPTIMIZERS and the hyperparameters that name them).

Why: "why does Adam get there and SGD not?" is answered on a picture the class can read: a
ravine that SGD zigzags across, a saddle that plain gradient steps crawl off, Rosenbrock's curved
valley where momentum overshoots.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from nnlab.choices import OPTIMIZERS
from nnlab.errors import ConfigError
from nnlab.experiment import SETTINGS, TrainSpec
from nnlab.i18n import N_, msg
from nnlab.training.engine.autograd import torch_optimizer

MAX_STEPS = 2000


@dataclass(frozen=True)
class Surface:
    name: str
    label: str
    value: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # f(x, y), on tensors of any shape
    minima: tuple[tuple[float, float], ...]  # where it is lowest (a saddle: none below its middle)
    start: tuple[float, float]  # a start that shows the shape
    box: tuple[float, float, float, float]  # x from, x to, y from, y to: what a picture shows
    about: str  # what to watch for
    rates: tuple[float, float]  # learning rates that show its shape: the SGD family's, the adaptive ones'


def _bowl(condition: float) -> Callable:
    return lambda x, y: 0.5 * (x ** 2 + condition * y ** 2)


SURFACES = {surface.name: surface for surface in (
    Surface("bowl", N_("Bowl"), _bowl(10.0), ((0.0, 0.0),), (-4.0, 2.0), (-5, 5, -3, 3),
            N_("A round bowl at condition number 1; stretched, its steep side makes plain steps zigzag."), (0.13, 0.1)),
    Surface("ravine", N_("Ravine"), lambda x, y: 0.05 * x ** 2 + 5 * y ** 2, ((0.0, 0.0),), (-8.0, 1.0), (-9, 9, -2, 2),
            N_("A long, narrow valley: steps sized for its steep walls crawl along its gentle floor."), (0.13, 0.1)),
    Surface("rosenbrock", N_("Rosenbrock"), lambda x, y: (1 - x) ** 2 + 100 * (y - x ** 2) ** 2, ((1.0, 1.0),),
            (-1.5, 2.0), (-2, 2, -1, 3), N_("A curved valley: easy to fall into, slow to follow to its end at (1, 1)."),
            (0.001, 0.05)),
    Surface("saddle", N_("Saddle"), lambda x, y: x ** 2 - y ** 2 + 0.1 * y ** 4, ((0.0, math.sqrt(5.0)), (0.0, -math.sqrt(5.0))),
            (-2.0, 1e-3), (-3, 3, -3, 3), N_("Flat in the middle: a start near the ridge rolls off slowly, or not at all."),
            (0.05, 0.05)),
    Surface("himmelblau", N_("Himmelblau"), lambda x, y: (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2,
            ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
            (0.0, 0.0), (-5, 5, -5, 5), N_("Four equal minima: which one an optimizer finds depends on its path."),
            (0.005, 0.1)),
)}


def surface(name: str, condition: float = 10.0) -> Surface:
    """A surface by name; the bowl's `condition` is how much steeper one side is than the other."""
    if name not in SURFACES:
        raise ConfigError(msg("Unknown surface {name!r}; choose one of {value}.", name=name, value=', '.join(SURFACES)))
    if name != "bowl":
        return SURFACES[name]
    if not (isinstance(condition, (int, float)) and 1 <= condition <= 1000):
        raise ConfigError(msg("A bowl's condition number is 1 to 1000; got {condition}.", condition=condition))
    return Surface(**{**SURFACES["bowl"].__dict__, "value": _bowl(float(condition))})


def _racers() -> dict[str, dict]:
    """The racers the page starts with: every optimizer at torch's defaults, SGD with its two
    momentums beside it (their rates: the surface's)."""
    racers = {}
    for name, optimizer in OPTIMIZERS.items():
        racers[optimizer.label] = {"optimizer": name}
        if name == "sgd":
            racers |= {N_("Momentum"): {"optimizer": "sgd", "momentum": 0.9},
                       N_("Nesterov"): {"optimizer": "sgd", "momentum": 0.9, "nesterov": True}}
    return racers


RACERS = _racers()
ADAGRAD_BOOST = 5  # Adagrad's steps only shrink: it starts at five times the adaptive rate
MAX_RACERS = len(RACERS)


def default_rate(where: Surface, label: str) -> float:
    """The rate racer `label` (of RACERS) starts with on this surface."""
    sgd_family, adaptive = where.rates
    name = RACERS[label]["optimizer"]
    return sgd_family if name == "sgd" else adaptive * ADAGRAD_BOOST if name == "adagrad" else adaptive


def make_optimizer(settings: dict, parameters) -> torch.optim.Optimizer:
    """torch.optim's optimizer for one racer's settings: "optimizer", "rate" and the hyperparameters
    that optimizer reads, by their link names ("momentum", "nesterov", "decay", "beta1", "beta2")."""
    name = settings.get("optimizer")
    if name not in OPTIMIZERS:
        raise ConfigError(msg("Unknown optimizer {name!r}; choose one of {value}.", name=name, value=', '.join(OPTIMIZERS)))
    rate = settings.get("rate")
    fields = {}
    for key, value in settings.items():
        row = SETTINGS.get(key)
        if key not in ("optimizer", "rate") and (row is None or name not in row.optimizers):
            raise ConfigError(msg("{label} has no setting {key!r}.", label=OPTIMIZERS[name].label, key=key))
        if row is not None and key != "rate":
            fields[row.field] = value
    return torch_optimizer(TrainSpec(learning_rate=rate, **fields), parameters)  # its ranges checked there


def race(where: Surface, optimizers: dict[str, dict], start: tuple[float, float] | None = None,
         steps: int = 200) -> pd.DataFrame:
    """Each optimizer's path from `start` (default: the surface's own): optimizer, step (0 is the
    start), x, y, value, and the distance to the nearest minimum."""
    if not 1 <= len(optimizers) <= MAX_RACERS:
        raise ConfigError(msg("A race has 1 to {max_racers} optimizers; got {count}.", max_racers=MAX_RACERS,
                              count=len(optimizers)))
    if not (isinstance(steps, int) and 1 <= steps <= MAX_STEPS):
        raise ConfigError(msg("A race is 1 to {max_steps} steps; got {steps}.", max_steps=MAX_STEPS, steps=steps))
    start = where.start if start is None else start
    points = [torch.tensor(start, dtype=torch.float64, requires_grad=True) for _ in optimizers]
    racers = [make_optimizer(settings, [point]) for settings, point in zip(optimizers.values(), points, strict=True)]
    tracks = torch.empty(len(points), steps + 1, 3, dtype=torch.float64)
    for step in range(steps + 1):  # every racer's value and gradient in one pass: each its own, element by element
        for racer in racers:
            racer.zero_grad()
        stacked = torch.stack(points)
        values = where.value(stacked[:, 0], stacked[:, 1])
        with torch.no_grad():
            tracks[:, step, :2], tracks[:, step, 2] = stacked, values
        if step < steps:
            values.sum().backward()
            for racer in racers:
                racer.step()
    frames = []
    for label, path in zip(optimizers, tracks.numpy(), strict=True):
        finite = np.isfinite(path).all(axis=1)
        path = path[:len(path) if finite.all() else int(np.argmin(finite)) + 1]  # up to the first that blew up
        frames.append(pd.DataFrame({"optimizer": label, "step": np.arange(len(path)), "x": path[:, 0],
                                    "y": path[:, 1], "value": path[:, 2]}))
    paths = pd.concat(frames, ignore_index=True)
    minima = np.array(where.minima)
    gaps = np.hypot(paths["x"].to_numpy()[:, None] - minima[:, 0], paths["y"].to_numpy()[:, None] - minima[:, 1])
    return paths.assign(distance=gaps.min(axis=1))


def grid(where: Surface, points: int = 60) -> pd.DataFrame:
    """The surface over its box in `points` x `points` cells: x to x_end, y to y_end, the value at
    the cell's centre, and its log above the lowest (a contour's colour)."""
    x0, x1, y0, y1 = where.box
    xs, ys = np.linspace(x0, x1, points + 1), np.linspace(y0, y1, points + 1)
    cx, cy = np.meshgrid((xs[:-1] + xs[1:]) / 2, (ys[:-1] + ys[1:]) / 2, indexing="xy")
    values = where.value(torch.from_numpy(cx), torch.from_numpy(cy)).reshape(-1).numpy()
    starts_x, starts_y = np.meshgrid(xs[:-1], ys[:-1], indexing="xy")
    return pd.DataFrame({"x": starts_x.reshape(-1), "x_end": starts_x.reshape(-1) + (xs[1] - xs[0]),
                         "y": starts_y.reshape(-1), "y_end": starts_y.reshape(-1) + (ys[1] - ys[0]),
                         "value": values, "height": np.log10(values - values.min() + 1e-3)})
