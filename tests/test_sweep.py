"""nnlab.sweep: a learning rate x width grid, each row the run its cell describes, trained alone."""

from __future__ import annotations

import pytest

import nnlab
from nnlab.errors import ConfigError
from nnlab.training.sweeps import sweep_experiment


def test_every_row_is_the_run_its_cell_trains_alone():
    exp = nnlab.lessons.get("bump-two-layers")
    frame = nnlab.sweep(exp, [0.003, 0.03, 0.3], [3, 12], seeds=[0, 7], epochs=150)
    assert len(frame) == 12 and list(frame.columns[:4]) == ["learning_rate", "hidden_units", "seed", "final_train_loss"]
    for row in frame.itertuples():
        alone = nnlab.train(sweep_experiment(exp, row.learning_rate, row.hidden_units, row.seed), epochs=150)
        assert alone.experiment.model.hidden == (row.hidden_units,) * 2 and alone.experiment.seed == row.seed
        assert row.final_train_loss == pytest.approx(alone.history["train_loss"].iloc[-1], rel=1e-4)
    # the grid changes what it says it changes: the widths and rates give different runs
    assert frame["final_train_loss"].nunique() == 12


def test_a_split_dataset_gives_test_columns_and_every_run_the_same_rows():
    exp = nnlab.lessons.get("tabular-relu")
    frame = nnlab.sweep(exp, [0.01, 0.1], [4], seeds=range(2), epochs=50)
    assert {"final_test_loss", "final_test_acc", "final_train_acc", "diverged"} <= set(frame.columns)
    datas = {nnlab.load_data(sweep_experiment(exp, 0.01, 4, seed)).test_rows == nnlab.load_data(exp).test_rows
             for seed in range(2)}
    assert datas == {True}  # a seed changes the initial weights, not the split


@pytest.mark.parametrize("args, words", [
    (([], [4], [0]), "1 to 8 different learning rates"),
    (([0.1] * 2, [4], [0]), "different learning rates"),
    (([0.1], list(range(1, 10)), [0]), "hidden widths"),
    (([0.1], [4], range(6)), "1 to 5 different seeds"),
])
def test_a_grid_out_of_bounds_is_refused_by_name(args, words):
    with pytest.raises(ConfigError, match=words):
        nnlab.sweep(nnlab.lessons.get("bump-twenty-neurons"), *args, epochs=5)


def test_a_model_without_hidden_layers_cannot_sweep_widths():
    exp = nnlab.lessons.get("bump-twenty-neurons").replace(model={"hidden": (), "activations": ()})
    with pytest.raises(ConfigError, match="at least one hidden layer"):
        nnlab.sweep(exp, [0.1], [4], [0], epochs=5)
