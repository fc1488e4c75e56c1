"""Experiment validation: every out-of-range setting is refused with a message that names it."""

import re

import pytest
import torch

import nnlab
from nnlab import ConfigError, DataSpec, Experiment, ModelSpec, TrainSpec
from nnlab.i18n import capitalized


@pytest.mark.parametrize("make, words", [
    (lambda: ModelSpec(hidden=(4,) * 7, activations=("relu",) * 7), "At most 6 hidden layers"),
    (lambda: ModelSpec(hidden=(0,), activations=("relu",)), "Hidden units must be a whole number from 1 to 256"),
    (lambda: ModelSpec(hidden=(4, 257), activations=("relu",) * 2), "from 1 to 256; got 257"),
    (lambda: ModelSpec(hidden=(4, 4), activations=("relu",)), "one activation per hidden layer"),
    (lambda: ModelSpec(hidden=(4,), activations=("swish",)), "Unknown activation 'swish'"),
    (lambda: TrainSpec(learning_rate=0.0), "Learning rate must be between 1e-06 and 10"),
    (lambda: TrainSpec(learning_rate=float("nan")), "Learning rate"),
    (lambda: TrainSpec(epochs=0), "Epochs must be"),
    (lambda: TrainSpec(epochs=20_001), "Epochs must be"),
    (lambda: TrainSpec(batch_size=0), "Batch size must be a whole number from 1"),
    (lambda: TrainSpec(learning_rate=(0.1,)), "Learning rate must be between"),
    (lambda: TrainSpec(epochs=(5,)), "Epochs must be a whole number"),
    (lambda: TrainSpec(optimizer="adamw", beta2=1.0), "β2 must be between 0 and 0.9999"),
    (lambda: ModelSpec(hidden=(4,), activations=("relu",), dropout=(1.0,)), "Dropout must be between 0 and 0.95"),
    (lambda: TrainSpec(loss="hinge"), "Unknown loss 'hinge'"),
    (lambda: TrainSpec(optimizer="lbfgs"), "Unknown optimizer 'lbfgs'"),
    (lambda: DataSpec(name="mnist"), "Unknown dataset 'mnist'"),
    (lambda: DataSpec(noise=3.0), "Noise must be between 0 and 2"),
    (lambda: DataSpec(train_fraction=0.0), "Train fraction"),
    (lambda: DataSpec(name="csv"), "needs its file and a target"),
    (lambda: Experiment(seed=-1), "Seed must be"),
])
def test_out_of_range_settings_are_refused_with_a_clear_message(make, words):
    with pytest.raises(ConfigError, match=words):
        make()


NUMBERS = (int, float)


def _numeric(row) -> bool:
    values = row.default if isinstance(row.default, tuple) else (row.default,)
    return row.default is None and row.parse is not str or any(
        isinstance(value, NUMBERS) and not isinstance(value, bool) for value in values)


def test_every_number_has_a_range_or_says_why_it_needs_none():
    unbounded = [row.name for row in nnlab.experiment.SETTINGS.values()
                 if _numeric(row) and row.low is None and not row.unbounded]
    assert not unbounded


@pytest.mark.parametrize("row", [row for row in nnlab.experiment.SETTINGS.values() if row.low is not None],
                         ids=lambda row: row.name)
def test_each_range_is_taken_at_both_ends_and_refused_past_them(row):
    """The refusal names the setting: a test per row, so a new row's range is checked the day it lands."""
    reading = {"optimizer": row.optimizers[0]} if row.optimizers else {}
    if row.part == "model":
        reading = {"hidden": (4,), "activations": ("relu",)}

    def made(value):
        value = (value,) if isinstance(row.default, tuple) else value
        exp = Experiment().replace(**({row.field: value} if not row.part else {row.part: {**reading, row.field: value}}))
        return getattr(getattr(exp, row.part) if row.part else exp, row.field)

    sample = row.default[0] if isinstance(row.default, tuple) and row.default else row.default
    whole = sample is None or isinstance(sample, int) and not isinstance(row.high, float)
    for end in (row.low, row.high):
        assert made(end) in (end, (end,), ())  # (): all-zero dropout is no dropout
    nudge = 1 if whole else max(row.high - row.low, 1) * 1e-3
    for past in (row.low - nudge, row.high + nudge):
        with pytest.raises(ConfigError, match=re.escape(capitalized(row.says))):
            made(past)


def test_limits_themselves_are_accepted():
    ModelSpec(hidden=(256,) * 6, activations=("elu",) * 6)
    ModelSpec(hidden=(), activations=())
    TrainSpec(learning_rate=10.0, epochs=20_000, batch_size=1)


def test_experiment_is_hashable_and_equal_by_value():
    one, two = nnlab.lessons.get("bump-twenty-neurons"), nnlab.lessons.get("bump-twenty-neurons")
    assert one == two and hash(one) == hash(two)
    assert len({one, two, one.replace(seed=3)}) == 2


def test_replace_changes_nested_fields_and_validates():
    exp = nnlab.lessons.get("bump-twenty-neurons")
    changed = exp.replace(training={"learning_rate": 0.1}, model={"hidden": (3,), "activations": ("tanh",)})
    assert changed.training.learning_rate == 0.1 and changed.model.hidden == (3,)
    assert exp.training.learning_rate == 0.01  # frozen: the original is untouched
    with pytest.raises(ConfigError):
        exp.replace(training={"epochs": 10**6})


def test_dict_round_trip_and_unknown_keys():
    exp = nnlab.lessons.get("tabular-relu")
    assert Experiment.from_dict(exp.to_dict()) == exp
    bad = exp.to_dict()
    bad["training"]["learnin_rate"] = 1
    with pytest.raises(ConfigError, match="unknown setting"):
        Experiment.from_dict(bad)


def test_data_seed_fixes_the_split_apart_from_the_weights():
    exp = nnlab.lessons.get("tabular-linear")
    pinned = exp.replace(data={"seed": exp.seed}, seed=7)
    assert torch.equal(nnlab.load_data(pinned).x_test, nnlab.load_data(exp).x_test)
    assert not torch.equal(nnlab.load_data(exp.replace(seed=7)).x_test, nnlab.load_data(exp).x_test)
    with pytest.raises(ConfigError, match="Data seed"):
        DataSpec(seed=-3)
