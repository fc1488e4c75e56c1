"""Runs of one shape trained as lanes (nnlab/training/engine/lanes.py): each lane's weights,
history and gradient flow bit for bit those of the same run alone, for every optimizer, activation
and loss, whatever else differs between the lanes; divergence lane by lane; and which runs train
as lanes."""

import numba
import numpy as np
import pytest
import torch

import nnlab
from nnlab import DataSpec, Experiment, ModelSpec, TrainSpec
from nnlab.choices import ACTIVATIONS, LOSSES, LOSSES_FOR_TASK, OPTIMIZERS
from nnlab.experiment import SETTINGS
from nnlab.training.engine import compiled
from nnlab.training.trainer import lane_kind, train_many, train_together

LANES = compiled.MIN_LANES + 1
DATA_FOR_TASK = {"binary": "xor", "multiclass": "iris", "regression": "plane"}


def small(data: str = "xor", **training) -> Experiment:
    return Experiment(data=DataSpec(name=data, n_points=60, noise=0.2, train_fraction=0.8),
                      model=ModelSpec(hidden=(5, 3), activations=("tanh", "relu")),
                      training=TrainSpec(**{"loss": LOSSES_FOR_TASK[_task(data)][0], "epochs": 6, "batch_size": 2,
                                            **training}))


def _task(data: str) -> str:
    return next(task for task, name in DATA_FOR_TASK.items() if name == data)


def lanes_of(base: Experiment) -> list[Experiment]:
    """Runs of `base`'s shape that differ in all a lane may: initial weights, the rows' order,
    learning rate and schedule, and every hyperparameter the kernels read (each lane its own)."""
    exps = []
    for lane in range(LANES):
        momentum = 0.3 * (lane % 3)
        hyper = {"momentum": momentum, "nesterov": momentum > 0 and lane % 2 == 1, "weight_decay": 0.02 * lane,
                 "beta1": 0.5 + 0.1 * lane, "beta2": (0.99, 0.999, 0.9)[lane % 3], "l2": 0.01 * (lane % 2),
                 "l1": 0.01 * (lane % 3 == 2)}
        assert set(hyper) == {row.field for row in SETTINGS.values() if row.hyper}, "a new hyperparameter: vary it here"
        exps.append(base.replace(training={"learning_rate": 0.01 * (lane + 1), "shuffle": lane % 2 == 0,
                                           "schedule": ("constant", "cosine")[lane % 2], **hyper}, seed=lane))
    return exps


def assert_lanes_equal_alone(exps: list[Experiment], epochs: int | None = None) -> None:
    stack = compiled.Stack(exps, nnlab.load_data(exps[0]), epochs or exps[0].training.epochs)
    assert [sorted(group) for group in stack.lane_groups] == [list(range(len(exps)))], "they train as lanes"
    together = train_many(exps, epochs=epochs)
    for exp, result in zip(exps, together, strict=True):
        alone = nnlab.train(exp, epochs=epochs, engine="compiled")
        for name, tensor in alone.model.state_dict().items():
            assert torch.equal(result.model.state_dict()[name], tensor), (exp.seed, name)
        assert result.history.equals(alone.history), exp.seed
        assert result.gradient_flow.equals(alone.gradient_flow), exp.seed
        assert result.diverged_at == alone.diverged_at


@pytest.mark.parametrize("optimizer", [name for name, row in OPTIMIZERS.items() if row.kernel is not None])
def test_each_lane_of_every_optimizer_is_the_run_alone(optimizer):
    assert_lanes_equal_alone(lanes_of(small(optimizer=optimizer)))


@pytest.mark.parametrize("activation", [name for name, row in ACTIVATIONS.items() if row.kernel is not None])
def test_each_lane_of_every_activation_is_the_run_alone(activation):
    base = small(optimizer="adam").replace(model={"activations": (activation, activation)})
    assert_lanes_equal_alone(lanes_of(base))


@pytest.mark.parametrize(("loss", "task"), [(loss, task) for task, losses in LOSSES_FOR_TASK.items()
                                            for loss in losses if LOSSES[loss].kernel is not None])
def test_each_lane_of_every_loss_is_the_run_alone(loss, task):
    assert_lanes_equal_alone(lanes_of(small(DATA_FOR_TASK[task], loss=loss, optimizer="adam")))


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_full_call_of_lanes_vectorised_is_each_run_alone(optimizer, monkeypatch):
    """MAX_LANES lanes in one call, so the loops run their vector bodies, not only the remainder
    a handful of lanes takes."""
    monkeypatch.setattr(compiled, "CORES", 1)
    base = small(optimizer=optimizer)
    exps = [run.replace(seed=lane) for lane, run in enumerate(lanes_of(base) * (compiled.MAX_LANES // LANES + 1))]
    assert_lanes_equal_alone(exps[:compiled.MAX_LANES], epochs=3)


def test_numba_vectorises_with_libms_functions_only():
    """Intel's SVML in a loop's vector body and libm in its remainder would make a lane's loss hang
    on its place in the vector."""
    assert not numba.config.USING_SVML


def test_lanes_with_sums_longer_than_float32s_and_a_step_of_one_row():
    base = small(optimizer="sgd", batch_size=1).replace(model={"hidden": (40, 36), "activations": ("elu", "sigmoid")})
    assert_lanes_equal_alone(lanes_of(base), epochs=3)


def test_a_diverging_lane_stops_alone_with_its_last_finite_weights():
    base = small("plane", optimizer="sgd", momentum=0.9, epochs=60).replace(model={"activations": ("identity", "identity")})
    exps = [base.replace(seed=lane) for lane in range(LANES - 1)] + [base.replace(training={"learning_rate": 10.0})]
    assert_lanes_equal_alone(exps)
    steady, diverged = train_many(exps)[::LANES - 1]
    assert steady.diverged_at is None and len(steady.history) == 60
    assert diverged.diverged_at is not None and len(diverged.history) == diverged.diverged_at - 1
    assert all(torch.isfinite(tensor).all() for tensor in diverged.model.state_dict().values())


def test_runs_of_one_shape_train_as_lanes_and_the_rest_alone():
    base = small()
    wide = base.replace(model={"hidden": (6, 3)})
    long_steps = base.replace(training={"batch_size": compiled.LANE_ROWS + 1})
    exps = ([base.replace(seed=seed) for seed in range(compiled.MIN_LANES)] + [wide]
            + [long_steps.replace(seed=seed) for seed in range(compiled.MIN_LANES)]
            + [wide.replace(seed=seed) for seed in range(1, compiled.MIN_LANES - 1)])
    stack = compiled.Stack(exps, nnlab.load_data(base), 2)
    assert [list(group) for group in stack.lane_groups] == [list(range(compiled.MIN_LANES))]
    assert list(stack.alone) == list(range(compiled.MIN_LANES, len(exps)))  # too few of the wide; too long a step


def test_a_large_group_is_cut_into_calls_of_at_most_max_lanes_over_the_cores(monkeypatch):
    monkeypatch.setattr(compiled, "CORES", 2)
    plan = np.zeros((2 * compiled.MAX_LANES + 3, compiled.kernels.PLAN_COLUMNS), np.int64)
    plan[:, compiled.kernels.IN_ORDER] = 1
    groups, alone = compiled.lane_groups(plan)
    assert len(groups) == 3 and max(map(len, groups)) <= compiled.MAX_LANES and not len(alone)
    assert sorted(np.concatenate(groups)) == list(range(len(plan)))
    groups, _ = compiled.lane_groups(plan[:2 * compiled.MIN_SPLIT])
    assert [len(group) for group in groups] == [compiled.MIN_SPLIT] * 2  # both cores


def test_a_class_pressing_train_together_gets_each_run_alone_with_its_snapshots():
    lesson = nnlab.lessons.get("step-two-neurons").replace(training={"epochs": 300, "snapshot_every": 100})
    runs = [(lesson.replace(seed=seed), nnlab.load_data(lesson.replace(seed=seed))) for seed in range(LANES)]
    kinds = {lane_kind(exp, data) for exp, data in runs}
    assert len(kinds) == 1 and None not in kinds  # own seeds, the same rows: one kind
    seen = []
    together = train_together(runs, [lambda epoch, epochs, history, lane=lane: seen.append((lane, epoch, epochs))
                                     for lane in range(LANES)])
    assert {lane for lane, _, _ in seen} == set(range(LANES)) and (0, 300, 300) in seen
    for (exp, data), result in zip(runs, together, strict=True):
        alone = nnlab.train(exp, data=data)
        assert result.experiment == exp and result.data is data and result.reason == alone.reason
        assert (result.trained_with, alone.trained_with) == (LANES - 1, 0)  # its readout says so
        assert sorted(result.snapshots) == sorted(alone.snapshots) == [0, 100, 200, 300]
        for epoch, state in alone.snapshots.items():
            assert all(torch.equal(result.snapshots[epoch][name], tensor) for name, tensor in state.items())
        assert result.history.equals(alone.history)


def test_runs_train_together_only_where_they_would_land_alike():
    step = nnlab.lessons.get("step-two-neurons")
    data = nnlab.load_data(step)
    assert lane_kind(step, data) != lane_kind(step.replace(training={"epochs": 10}), data)
    assert lane_kind(step, data) != lane_kind(step.replace(training={"snapshot_every": 7}), data)
    assert lane_kind(step, data) != lane_kind(step.replace(training={"optimizer": "adam"}), data)
    bump = nnlab.lessons.get("bump-twenty-neurons")  # 32 rows a step: the one-run kernel's vectors do as well
    assert lane_kind(bump, nnlab.load_data(bump)) is None


def test_lanes_take_more_runs_where_a_step_takes_more_rows():
    """Where the one-run kernel's vectors over rows do as well: fewer runs than LANES_PER_ROW a row train alone."""
    rows = compiled.LANE_ROWS
    plan = np.zeros((compiled.LANES_PER_ROW * rows, compiled.kernels.PLAN_COLUMNS), np.int64)
    plan[:, compiled.kernels.IN_ORDER], plan[:, compiled.kernels.BATCH] = 1, rows
    assert len(compiled.lane_groups(plan[:-1])[1]) == len(plan) - 1
    assert not len(compiled.lane_groups(plan)[1])
