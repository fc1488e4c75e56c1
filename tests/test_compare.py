"""Compare activations: one run per activation and seed, from the same starting weights."""

import json

import torch

import nnlab
import nnlab.training.trainer
from nnlab.choices import ACTIVATIONS
from nnlab.pictures import many_runs_charts
from nnlab.training.comparison import compare_gradient_flow, compare_histories, compare_summary
from nnlab.training.models import build_model


def test_compare_returns_a_run_per_activation_and_seed_from_shared_initial_weights():
    exp = nnlab.lessons.get("tabular-relu")
    runs = nnlab.compare(exp, activations=("relu", "tanh"), seeds=range(2), epochs=20)
    assert [(r.activation, r.seed) for r in runs] == [("relu", 0), ("relu", 1), ("tanh", 0), ("tanh", 1)]
    by_key = {(r.activation, r.seed): r for r in runs}
    for seed in (0, 1):
        relu, tanh = by_key["relu", seed].result, by_key["tanh", seed].result
        assert torch.equal(relu.initial_state["0.weight"], tanh.initial_state["0.weight"])
        assert not torch.equal(relu.model.state_dict()["0.weight"], tanh.model.state_dict()["0.weight"])
    assert list(runs[2].model) [1].__class__.__name__ == "Tanh"


def test_compare_tables_have_every_run_and_one_summary_row_per_activation():
    runs = nnlab.compare(nnlab.lessons.get("tabular-linear"), activations=("identity", "sigmoid"), seeds=range(3), epochs=10)
    histories = compare_histories(runs)
    assert len(histories) == 2 * 3 * 10
    summary = compare_summary(runs)
    assert summary["activation"].tolist() == ["identity", "sigmoid"]
    assert {"train_loss mean", "test_acc std", "runs diverged"} <= set(summary.columns)


def test_a_comparison_reads_and_splits_its_data_once_and_every_seed_sees_those_rows(monkeypatch):
    exp = nnlab.lessons.get("tabular-relu")
    loads = []
    real = nnlab.training.trainer.load_data
    monkeypatch.setattr(nnlab.training.trainer, "load_data", lambda exp: loads.append(exp) or real(exp))
    runs = nnlab.compare(exp, activations=("relu", "tanh"), seeds=range(3), epochs=2)
    assert len(runs) == 6 and len(loads) == 1
    assert all(run.result.data is runs[0].result.data for run in runs)
    assert torch.equal(runs[0].result.data.x_test, real(exp).x_test)  # the lesson's own split, whatever the seed
    assert not torch.equal(runs[0].result.initial_state["0.weight"], runs[1].result.initial_state["0.weight"])


def test_build_model_draws_the_weights_torch_manual_seed_and_nn_linear_give():
    exp = nnlab.lessons.get("bump-two-layers").replace(seed=7)
    torch.manual_seed(7)
    expected = torch.nn.Sequential(torch.nn.Linear(1, 10), torch.nn.Sigmoid(), torch.nn.Linear(10, 10),
                                   torch.nn.Sigmoid(), torch.nn.Linear(10, 1), torch.nn.Sigmoid())
    got = build_model(exp, 1, 1)
    for name, value in expected.state_dict().items():
        assert torch.equal(got.state_dict()[name], value)


def test_compare_shows_where_a_gradient_vanishes():
    runs = nnlab.compare(nnlab.lessons.get("vanishing-gradients"), ("sigmoid", "relu"), range(2), epochs=30)
    early = compare_gradient_flow(runs).pivot(index="layer", columns="activation", values="mean_abs_grad")
    assert list(early.index) == list(range(1, 8))  # six hidden layers and the output
    assert early.loc[1, "sigmoid"] * 1e4 < early.loc[7, "sigmoid"]  # four orders of magnitude lost on the way back
    assert early.loc[1, "relu"] * 100 > early.loc[7, "relu"]
    assert "first tenth of training" in json.dumps(many_runs_charts.compare_gradient_flow(compare_gradient_flow(runs))["title"])


def test_every_activation_has_a_line_colour_of_its_own():
    """Compare draws one line per activation: with every activation chosen, no two share a colour."""
    names = tuple(ACTIVATIONS)
    colour = many_runs_charts._activation_colour(names).to_dict()["scale"]
    assert colour["domain"] == list(names) and len(set(colour["range"])) == len(names)
