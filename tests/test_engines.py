"""The compiled engine against its reference, the autograd loop: same weights, history, snapshots;
stacks of unlike models; divergence; play mode's epoch slices; and auto's choice."""

import dataclasses
import itertools

import numpy as np
import pytest
import torch

import nnlab
from nnlab import DataSpec, Experiment, ModelSpec, TrainSpec
from nnlab.choices import ACTIVATIONS, LOSSES
from nnlab.training.comparison import with_activation
from nnlab.training.engine import supports
from nnlab.training.engine.autograd import AutogradRun
from nnlab.training.engine.compiled import CompiledRun
from nnlab.training.trainer import new_run, train_many


def max_weight_difference(one: nnlab.TrainResult, two: nnlab.TrainResult) -> float:
    return max((one.model.state_dict()[name] - tensor).abs().max().item()
               for name, tensor in two.model.state_dict().items())


def both_engines(exp: Experiment, epochs: int):
    return (nnlab.train(exp, epochs=epochs, device="cpu", engine="compiled"),
            nnlab.train(exp, epochs=epochs, device="cpu", engine="autograd"))


def assert_same_run(one: nnlab.TrainResult, two: nnlab.TrainResult) -> None:
    """Bit for bit: initial weights, final weights and history."""
    for name, tensor in two.initial_state.items():
        assert torch.equal(one.initial_state[name], tensor), name
    assert max_weight_difference(one, two) == 0.0
    assert one.history.equals(two.history)


CASES = [
    # (data, hidden, activations, loss, optimizer, its momentum (SGD's), learning rate, batch size, shuffle)
    ("gauss", (6,), ("sigmoid",), "bce", "sgd", 0.0, 0.1, 16, False),
    ("xor", (8, 5), ("tanh", "relu"), "bce_logits", "adam", 0.0, 0.01, 32, True),
    ("circle", (7,), ("elu",), "mse", "sgd", 0.9, 0.05, None, False),
    ("spiral", (9, 9, 4), ("leaky_relu", "identity", "sigmoid"), "bce", "adam", 0.0, 0.005, 50, True),
    ("iris", (10,), ("relu",), "cross_entropy", "sgd", 0.9, 0.02, 8, True),
    ("wine", (), (), "cross_entropy", "adam", 0.0, 0.01, None, False),
    ("breast-cancer", (40, 40), ("tanh", "elu"), "bce_logits", "adam", 0.0, 0.003, 100, False),  # sums of 40 terms
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[3]}-{c[4]}" + (f"-momentum{c[5]}" if c[5] else "") for c in CASES])
def test_compiled_engine_matches_autograd(case):
    name, hidden, activations, loss, optimizer, momentum, rate, batch, shuffle = case
    exp = Experiment(
        data=DataSpec(name=name, n_points=200, noise=0.2, train_fraction=0.8),
        model=ModelSpec(hidden=hidden, activations=activations),
        training=TrainSpec(
            loss=loss,
            optimizer=optimizer,
            momentum=momentum,
            learning_rate=rate,
            epochs=40,
            batch_size=batch,
            shuffle=shuffle,
            snapshot_every=10,
        ),
        seed=3,
    )
    fast, reference = both_engines(exp, 40)
    assert fast.engine == "compiled" and reference.engine == "autograd"
    assert max_weight_difference(fast, reference) <= 1e-4
    assert list(fast.history.columns) == list(reference.history.columns)
    np.testing.assert_allclose(fast.history.to_numpy(), reference.history.to_numpy(), rtol=1e-4, atol=1e-5)
    assert sorted(fast.snapshots) == sorted(reference.snapshots) == [0, 10, 20, 30, 40]
    for epoch in (0, 20):
        for key, tensor in reference.snapshots[epoch].items():
            assert (fast.snapshots[epoch][key] - tensor).abs().max().item() <= 1e-4


ON_TASK = {"binary": "circle", "multiclass": "iris", "regression": "plane"}  # a data set of each kind of target


def test_every_activation_and_loss_has_its_own_kernel_number():
    """Without one the compiled engine would hand it to autograd; with another's it would compute that one."""
    for table in (ACTIVATIONS, LOSSES):
        numbers = [choice.kernel for choice in table.values()]
        assert None not in numbers and len(set(numbers)) == len(numbers)


@pytest.mark.parametrize(("kind", "name"), [("activation", name) for name in ACTIVATIONS] + [
    ("loss", f"{name} on {task}") for name, loss in LOSSES.items() for task in loss.tasks])
def test_every_activation_and_loss_trains_alike_on_both_engines(kind, name):
    """Each one's float32 kernel against torch's own: a missing or wrong branch fails here by name."""
    activation, loss, task = ("tanh", *name.split(" on ")) if kind == "loss" else (name, "bce", "binary")
    exp = Experiment(data=DataSpec(name=ON_TASK[task], n_points=120, noise=0.1, train_fraction=0.8),
                     model=ModelSpec(hidden=(5, 4), activations=(activation, "tanh")),
                     training=TrainSpec(loss=loss, optimizer="adam", learning_rate=0.02, epochs=30, batch_size=16),
                     seed=5)
    fast, reference = both_engines(exp, 30)
    assert fast.engine == "compiled" and reference.engine == "autograd"
    assert max_weight_difference(fast, reference) <= 1e-4
    np.testing.assert_allclose(fast.history.to_numpy(), reference.history.to_numpy(), rtol=1e-4, atol=1e-5)


def test_regression_target_matches_autograd():
    rows = "\n".join(f"{i % 7},{(i * 3) % 5},{(i % 7) * 2.5 - (i * 3) % 5}" for i in range(60))
    key = nnlab.data.tables.store_upload(f"a,b,value\n{rows}".encode())
    exp = Experiment(
        data=DataSpec(name="csv", source=key, target="value", train_fraction=0.8),
        model=ModelSpec(hidden=(6,), activations=("tanh",)),
        training=TrainSpec(loss="mse", optimizer="adam", learning_rate=0.01, epochs=30, batch_size=16),
    )
    fast, reference = both_engines(exp, 30)
    assert fast.data.task == "regression" and "train_acc" not in fast.history
    assert max_weight_difference(fast, reference) <= 1e-4


def test_a_stack_of_unlike_models_trains_each_exactly_as_alone():
    """Seeds, activations, learning rates, widths, depths, optimizers and batch sizes all differ
    within one call; every model still gets exactly the run it gets alone."""
    base = nnlab.lessons.get("tabular-relu").replace(data={"seed": 42})  # one data key: one stack
    exps = [with_activation(base, act, seed) for act, seed in itertools.product(("relu", "tanh"), (0, 1))]
    exps += [
        base.replace(training={"learning_rate": 0.05}, model={"hidden": (9,)}),
        base.replace(
            model={"hidden": (4, 3), "activations": ("sigmoid", "elu")},
            training={"optimizer": "adam", "batch_size": 64, "shuffle": True},
            seed=5,
        ),
    ]
    stacked = train_many(exps, epochs=60)
    assert all(result.engine == "compiled" for result in stacked)
    for exp, together in zip(exps, stacked, strict=True):
        alone = nnlab.train(exp, epochs=60, device="cpu", engine="compiled")
        assert together.experiment == exp
        assert_same_run(together, alone)


def test_a_diverging_model_in_a_stack_stops_alone():
    base = nnlab.lessons.get("tabular-deeper-linear").replace(
        training={"learning_rate": 10.0, "optimizer": "sgd", "momentum": 0.9})
    exps = [base, base.replace(model={"activations": ("tanh", "tanh")})]
    diverging, steady = train_many(exps, epochs=300)
    assert diverging.diverged_at is not None and "diverged at epoch" in diverging.message
    assert len(diverging.history) == diverging.diverged_at - 1
    assert steady.diverged_at is None and len(steady.history) == 300
    assert all(torch.isfinite(t).all() for t in diverging.model.state_dict().values())
    alone = nnlab.train(base, epochs=300, device="cpu", engine="autograd")
    assert alone.diverged_at == diverging.diverged_at


def test_snapshots_can_be_left_out_for_many_runs():
    exps = [with_activation(nnlab.lessons.get("bump-twenty-neurons"), "relu", seed) for seed in range(3)]
    results = train_many(exps, epochs=50, keep_snapshots=False)
    assert all(sorted(result.snapshots) == [0, 50] for result in results)


def test_auto_picks_the_compiled_engine_for_lessons_and_says_why():
    result = nnlab.train(nnlab.lessons.get("simple-classifier"))
    assert result.engine == "compiled" and "Compiled engine" in result.reason
    with pytest.raises(nnlab.ConfigError, match="Unknown engine"):
        nnlab.train(nnlab.lessons.get("simple-classifier"), engine="jax")


def test_a_setting_the_kernels_lack_goes_to_autograd_with_the_reason(monkeypatch):

    monkeypatch.setitem(nnlab.choices.ACTIVATIONS, "elu", dataclasses.replace(nnlab.choices.ACTIVATIONS["elu"], kernel=None))
    exp = Experiment(
        data=DataSpec(name="gauss", n_points=60),
        model=ModelSpec(hidden=(4,), activations=("elu",)),
        training=TrainSpec(epochs=3),
    )
    assert supports(exp) == (False, "the compiled engine has no elu activation")
    result = nnlab.train(exp)
    assert result.engine == "autograd" and "no elu activation" in result.reason
    with pytest.raises(nnlab.ConfigError, match="needs the autograd engine: the compiled engine has no elu"):
        nnlab.train(exp, engine="compiled")


@pytest.mark.parametrize("lesson_id", ["bump-twenty-neurons", "tabular-relu"])
def test_play_mode_trains_what_train_trains_in_slices(lesson_id):
    exp = nnlab.lessons.get(lesson_id)
    run = new_run(exp, nnlab.load_data(exp))
    assert isinstance(run, CompiledRun)
    rows = [run.step() for _ in range(5)]
    assert run.advance(20) == 20 and rows == run.rows[:5]
    whole = nnlab.train(exp, epochs=25, engine="compiled")
    assert whole.history.to_dict("records") == run.rows
    assert max_weight_difference(run.result(), whole) == 0.0
    assert run.result().engine == "compiled" and sorted(run.result().snapshots) == [0, 25]


def test_play_mode_stops_at_divergence_with_the_last_finite_weights():
    exp = nnlab.lessons.get("tabular-deeper-linear").replace(
        training={"learning_rate": 10.0, "optimizer": "sgd", "momentum": 0.9})
    run = new_run(exp, nnlab.load_data(exp))
    while run.advance(7):
        assert run.epoch < 300
    whole = nnlab.train(exp, epochs=300, engine="compiled")
    assert run.diverged_at == whole.diverged_at and run.epoch == whole.diverged_at - 1
    assert run.finished and run.step() is None and "diverged at epoch" in run.result().message
    assert max_weight_difference(run.result(), whole) == 0.0


def test_play_mode_takes_autograd_when_the_work_is_large():
    exp = Experiment(
        data=DataSpec(name="spiral", n_points=5000),
        model=ModelSpec(hidden=(256, 256, 256), activations=("relu",) * 3),
        training=TrainSpec(loss="bce", optimizer="adam", learning_rate=0.01, epochs=10, batch_size=256),
    )
    run = new_run(exp, nnlab.load_data(exp))
    assert isinstance(run, AutogradRun) and "matrix kernels" in run.reason


def test_flushing_subnormals_changes_no_weight_and_leaves_the_thread_as_torch_has_it(monkeypatch):
    # saturating tanh units at batch 4: the run where kept subnormals made training 2.7x slower
    exp = nnlab.lessons.get("bump-twenty-neurons").replace(
        model={"hidden": (64, 64), "activations": ("tanh", "tanh")}, training={"batch_size": 4, "epochs": 300}
    )
    monkeypatch.setattr("nnlab.training.engine.compiled.FLUSH_SUBNORMALS", False)
    kept = nnlab.train(exp, engine="compiled")
    monkeypatch.setattr("nnlab.training.engine.compiled.FLUSH_SUBNORMALS", True)
    flushed = nnlab.train(exp, engine="compiled")  # on this thread: one run, one core
    assert flushed.history.equals(kept.history)
    for name, value in flushed.model.state_dict().items():
        assert torch.equal(value, kept.model.state_dict()[name]), name
    subnormal = torch.tensor([1e-40], dtype=torch.float32)
    assert (subnormal * 1.0).item() > 0  # this thread still computes with subnormals, as torch does by default
