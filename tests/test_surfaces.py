"""Optimizers on a surface: each racer's path is torch.optim's own on the same function (built here
by hand, not through nnlab's rows), and bad racers are refused with the reason."""

import math

import pytest
import torch

from nnlab.choices import OPTIMIZERS
from nnlab.errors import ConfigError
from nnlab.study import surfaces

TORCH_KEYWORDS = {"momentum": "momentum", "nesterov": "nesterov", "decay": "weight_decay"}  # by hand
RATES = {"sgd": 0.001, "rmsprop": 0.01, "adagrad": 0.5}  # each steady on Rosenbrock; the rest 0.05


def _torch_racer(settings: dict):
    """torch.optim's own optimizer for a racer's settings, its keywords written here by hand."""
    make = getattr(torch.optim, OPTIMIZERS[settings["optimizer"]].torch_name)
    keywords = {TORCH_KEYWORDS[key]: value for key, value in settings.items() if key not in ("optimizer", "rate")}
    return lambda parameters: make(parameters, lr=settings["rate"], **keywords)


# every racer the page starts with, and AdamW with a weight decay
RACERS = {label: {**settings, "rate": RATES.get(settings["optimizer"], 0.05)}
          for label, settings in surfaces.RACERS.items()} | {"AdamW, decay 0.1": {"optimizer": "adamw", "rate": 0.05,
                                                                                  "decay": 0.1}}


def by_hand(make, start, steps: int) -> list[tuple[float, float]]:
    point = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer, path = make([point]), [tuple(start)]
    for _ in range(steps):
        optimizer.zero_grad()
        ((1 - point[0]) ** 2 + 100 * (point[1] - point[0] ** 2) ** 2).backward()  # Rosenbrock, written out
        optimizer.step()
        path.append(tuple(point.detach().tolist()))
    return path


def test_every_racers_path_is_torch_optims_own_on_rosenbrock():
    where = surfaces.surface("rosenbrock")
    assert {settings["optimizer"] for settings in RACERS.values()} == set(OPTIMIZERS)
    for group in (dict(list(RACERS.items())[:surfaces.MAX_RACERS]), dict(list(RACERS.items())[surfaces.MAX_RACERS:])):
        paths = surfaces.race(where, group, steps=200)
        assert set(paths["optimizer"]) == set(group) and (paths.groupby("optimizer").size() == 201).all()
    for label, settings in RACERS.items():
        mine = surfaces.race(where, {label: settings}, steps=200)[["x", "y"]].to_numpy()
        expected = torch.tensor(by_hand(_torch_racer(settings), where.start, 200), dtype=torch.float64).numpy()
        assert abs(mine - expected).max() <= 1e-5, label
    first = paths[paths["step"] == 0].iloc[0]
    assert (first["x"], first["y"]) == where.start and first["value"] == pytest.approx(
        (1 - first["x"]) ** 2 + 100 * (first["y"] - first["x"] ** 2) ** 2)
    assert first["distance"] == pytest.approx(math.hypot(first["x"] - 1, first["y"] - 1))


def test_the_racers_that_reach_the_minimum_and_the_one_that_does_not_on_a_ravine():
    where = surfaces.surface("ravine")
    paths = surfaces.race(where, {"SGD": {"optimizer": "sgd", "rate": 0.05},
                                  "Adam": {"optimizer": "adam", "rate": 0.1}}, steps=300)
    last = paths.groupby("optimizer")["distance"].last()
    assert last["Adam"] < 0.5 < last["SGD"]  # plain steps sized for the walls crawl along the floor


def test_a_path_that_blows_up_stops_at_its_first_non_finite_point():
    paths = surfaces.race(surfaces.surface("rosenbrock"), {"too fast": {"optimizer": "sgd", "rate": 1.0}}, steps=50)
    assert len(paths) < 51 and paths["value"].iloc[:-1].map(math.isfinite).all()


def test_bad_racers_are_refused_with_the_reason():
    where = surfaces.surface("bowl", condition=50)
    assert where.value(torch.tensor(0.0), torch.tensor(1.0)) == 25.0
    for racers, message in (({"a": {"optimizer": "lbfgs", "rate": 0.1}}, "Unknown optimizer"),
                            ({"a": {"optimizer": "adam", "rate": 0.1, "momentum": 0.9}}, "Adam has no setting"),
                            ({"a": {"optimizer": "sgd", "rate": 0.1, "nesterov": True}}, "needs a momentum"),
                            ({"a": {"optimizer": "sgd", "rate": 0.1, "momentum": 1.5}}, "Momentum must be between"),
                            ({"a": {"optimizer": "sgd", "rate": -1}}, "Learning rate must be between"),
                            ({str(n): {"optimizer": "sgd", "rate": 0.1} for n in range(surfaces.MAX_RACERS + 1)},
                             f"1 to {surfaces.MAX_RACERS} optimizers")):
        with pytest.raises(ConfigError, match=message):
            surfaces.race(where, racers, steps=5)
    with pytest.raises(ConfigError, match="Unknown surface"):
        surfaces.surface("volcano")
    with pytest.raises(ConfigError, match="condition number"):
        surfaces.surface("bowl", condition=0)


def test_each_surface_is_lowest_at_its_minima_within_its_box():
    for name in surfaces.SURFACES:
        where = surfaces.surface(name)
        values = surfaces.grid(where, points=40)
        lowest = min(float(where.value(torch.tensor(x), torch.tensor(y))) for x, y in where.minima)
        assert lowest <= values["value"].min() + 1e-9, name
        x0, x1, y0, y1 = where.box
        assert all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in (*where.minima, where.start)), name


def test_every_racer_the_page_starts_with_has_a_colour_of_its_own():
    from nnlab.pictures import study_charts
    assert len(set(study_charts.RACER_COLOURS)) >= surfaces.MAX_RACERS == len(surfaces.RACERS)


@pytest.mark.parametrize("name", surfaces.SURFACES)
def test_racers_raced_together_take_the_paths_they_take_alone(name):
    """One pass a step gives every racer its value and gradient; each path is still its own, bit for bit."""
    where = surfaces.surface(name)
    racers = {label: {**settings, "rate": surfaces.default_rate(where, label)} for label, settings in surfaces.RACERS.items()}
    together = surfaces.race(where, racers, steps=100)
    for label, settings in racers.items():
        alone = surfaces.race(where, {label: settings}, steps=100)
        assert together[together["optimizer"] == label].reset_index(drop=True).equals(alone), label
