"""What the charts are given, and the charts themselves as Vega-Lite specs."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

import nnlab
from nnlab.pictures import data_charts, frames, many_runs_charts, readouts, run_charts, template


def test_fit_curve_spans_the_data_and_matches_the_model():
    result = nnlab.train(nnlab.lessons.get("bump-twenty-neurons"), epochs=20)
    curve = frames.fit_curve(result, 20)
    assert curve["x"].min() == -50 and curve["x"].max() == 49
    expected = result.model(torch.tensor([[0.0]])).item()
    nearest = curve.iloc[(curve["x"]).abs().argsort().iloc[0]]
    assert abs(nearest["prediction"] - expected) < 0.05
    first = frames.fit_curve(result, 0)
    assert not first["prediction"].equals(curve["prediction"])  # the scrubber shows other weights


def test_decision_grid_covers_the_points_with_probabilities():
    exp = nnlab.Experiment(data=nnlab.DataSpec(name="circle", n_points=200, train_fraction=0.8),
                           model=nnlab.ModelSpec(hidden=(4,), activations=("tanh",)), training=nnlab.TrainSpec(epochs=5))
    result = nnlab.train(exp)
    grid = frames.decision_grid(result, 5, resolution=20)
    assert len(grid) == 400
    centres = torch.tensor(np.c_[(grid["x1"] + grid["x1_end"]) / 2, (grid["x2"] + grid["x2_end"]) / 2], dtype=torch.float32)
    expected = nnlab.training.models.predict_proba(result.model_at(5), centres, exp, result.data.task)
    assert np.allclose(grid["probability"], expected.reshape(-1).numpy(), atol=1e-6)  # each cell: the network there
    points = torch.cat([result.data.x_train, result.data.x_test])
    assert grid["x1"].min() < points[:, 0].min() and grid["x1_end"].max() > points[:, 0].max()


def test_confusion_counts_add_up_to_the_split():
    result = nnlab.train(nnlab.lessons.get("tabular-relu"), epochs=50)
    counts = frames.confusion(result, "test", 50)
    assert counts["count"].sum() == 60 and len(counts) == 4
    accuracy = counts.query("actual == predicted")["count"].sum() / 60
    assert abs(accuracy - result.history["test_acc"].iloc[-1]) < 1e-9


def test_network_layout_caps_wide_layers_with_a_count():
    nodes, edges, heading = frames.network_layout([1, 256, 1], ["relu"])
    assert (nodes["label"] == "+244").sum() == 1
    assert len(edges) == 12 + 12
    assert heading["title"].tolist() == ["input\n1", "relu\n256", "output\n1"]


def test_a_wide_layers_count_sits_below_its_units_and_its_heading_above():
    nodes, _, heading = frames.network_layout([64, 20, 1], ["sigmoid"])
    for layer in (0, 1):
        units = nodes[(nodes["layer"] == layer) & (nodes["kind"] != "more")]["y"]
        count = nodes[(nodes["layer"] == layer) & (nodes["kind"] == "more")]["y"].item()
        assert count < units.min() - 1 and heading["y"][layer] > units.max() + 1  # apart: neither overprints


def test_charts_carry_their_data_and_palette():
    history = pd.DataFrame({"epoch": [1, 2, 3], "train_loss": [1.0, 0.5, float("nan")], "test_loss": [1.1, 0.7, 0.6]})
    spec = run_charts.loss_curves(history)
    sent = spec["datasets"]["history"]
    assert list(sent.columns) == ["epoch", "train", "test"] and len(sent) == 3  # one wide frame, folded in the browser
    lines, gap = spec["layer"][1], spec["layer"][0]
    assert lines["transform"][0]["fold"] == ["train", "test"] and "isFinite(datum.value)" in json.dumps(lines)
    assert "isFinite(datum.train) && isFinite(datum.test)" in json.dumps(gap)  # the shaded gap skips the NaN epoch
    frame = frames.points_frame(nnlab.load_data(nnlab.Experiment(data=nnlab.DataSpec(name="xor", n_points=100))))
    scatter = data_charts.scatter_2d(frame, ["0", "1"])
    assert scatter["encoding"]["shape"]["field"] == "class"
    assert scatter["encoding"]["color"]["scale"]["range"] == template.PALETTE[:2]


def test_loss_chart_names_only_the_curves_it_has():
    history = pd.DataFrame({"epoch": [1, 2], "train_loss": [0.9, 0.5]})
    color = run_charts.loss_curves(history)["layer"][0]["encoding"]["color"]
    assert color["scale"]["domain"] == ["train"]


def test_compare_chart_uses_a_capped_log_axis_for_losses():
    rows = [{"activation": a, "seed": s, "epoch": e, "train_loss": (50.0 if e == 1 else 1.0 / e) * (s + 1)}
            for a in ("relu", "tanh") for s in range(2) for e in range(1, 201)]
    spec = many_runs_charts.compare_curves(pd.DataFrame(rows))
    scale = spec["layer"][0]["encoding"]["y"]["scale"]
    assert scale["type"] == "log" and scale["clamp"] is True
    top = next(param["value"] for param in spec["params"] if param["name"] == scale["domain"][1]["expr"])
    assert top < 100  # the 50x first epoch does not set the axis


def test_compare_band_spans_the_middle_half_so_one_odd_seed_does_not_swamp_it():
    # five seeds: four near 1.0, one stuck at 9.0; min..max would run to 9, the quartiles stay near 1
    rows = [{"activation": "relu", "seed": s, "epoch": e, "train_loss": 9.0 if s == 4 else 1.0 + s / 100}
            for s in range(5) for e in range(1, 81)]
    stats = many_runs_charts.smoothed_spread(pd.DataFrame(rows), "train_loss")
    assert len(stats) == 80
    assert stats["low"].min() == pytest.approx(1.01) and stats["high"].max() == pytest.approx(1.03)
    assert stats["median"].max() == pytest.approx(1.02)  # the stuck seed moves neither the line nor the band


def test_compare_curves_are_smoothed_per_run_before_the_median():
    # a loss that flips between 1 and 3 every epoch reads as 2 once smoothed over a 25th of 400 epochs
    rows = [{"activation": "tanh", "seed": 0, "epoch": e, "train_loss": 1.0 if e % 2 else 3.0} for e in range(1, 401)]
    stats = many_runs_charts.smoothed_spread(pd.DataFrame(rows), "train_loss")
    middle = stats[(stats["epoch"] > 20) & (stats["epoch"] < 380)]["median"]
    assert middle.between(1.8, 2.2).all()


def test_long_titles_break_into_lines_on_a_chart_narrower_than_them_and_short_ones_stay():
    weights = pd.DataFrame({"feature": ["age", "sex"] * 2, "unit": ["unit 1"] * 2 + ["unit 2"] * 2,
                            "weight": [0.1, -0.2, 0.3, -0.4]})
    title = run_charts.weight_heatmap(weights)["title"]["text"]["expr"]
    test, choices = title.split(" ? ")
    wide, narrow = choices.split(" : ", 1)
    needed = int(test.split(">=")[1])  # 39 characters: wider than half a 1280-pixel projector's page
    assert needed > 345 and json.loads(wide) == "Inside the network: first-layer weights"
    assert json.loads(narrow) == ["Inside the network:", "first-layer weights"]
    assert all(len(line) <= template.TITLE_CHARS for line in json.loads(narrow))
    assert run_charts.loss_curves(pd.DataFrame({"epoch": [1], "train_loss": [0.5]}))["title"] == "Loss"


def test_heatmap_numbers_show_only_where_a_cell_holds_them():
    weights = pd.DataFrame({"feature": ["age"] * 5, "unit": [f"unit {u}" for u in range(1, 6)], "weight": [0.1] * 5})
    text = run_charts.weight_heatmap(weights)["layer"][1]["mark"]
    assert text["opacity"]["expr"] == "width / 5 >= 44 ? 1 : 0"


def test_odd_column_names_are_escaped_for_vega_lite():
    frame = pd.DataFrame({"serum.sodium [mmol:L]": [1.0, 2.0, 3.0], "class": ["a", "b", "a"]})
    spec = data_charts.feature_histogram(frame, "serum.sodium [mmol:L]", "class")
    assert spec["encoding"]["x"]["field"] == r"serum\.sodium \[mmol:L\]"
    assert spec["encoding"]["x"]["title"] == "serum.sodium [mmol:L]"


def test_points_frame_names_plane_features_for_the_charts():
    data = nnlab.load_data(nnlab.lessons.get("bump-twenty-neurons"))
    frame = frames.points_frame(data)
    assert list(frame.columns) == ["x", "target", "split", "class"]
    assert frame["class"].tolist()[:2] == ["0", "0"] and len(frame) == 100


def test_unit_contributions_add_up_to_what_the_output_sigmoid_receives():
    exp = nnlab.lessons.get("bump-twenty-neurons")
    result = nnlab.train(exp, epochs=50)
    curves, units = frames.unit_contributions(result, 50)
    assert list(units["unit"]) == [f"unit {u}" for u in range(1, 21)] and list(curves.columns[1:-1]) == list(units["unit"])
    bias = float(result.model[-2].bias.detach())
    assert np.allclose(curves[units["unit"]].sum(axis=1) + bias, curves["sum"], atol=1e-4)
    x = torch.tensor(curves["x"].to_numpy(), dtype=torch.float32).reshape(-1, 1)
    assert np.allclose(torch.sigmoid(torch.tensor(curves["sum"].to_numpy())).numpy(),
                       result.model(x).detach().reshape(-1).numpy(), atol=1e-5)
    first = units.iloc[0]
    assert first["out_weight"] == pytest.approx(float(result.model[-2].weight.detach()[0, 0]))
    assert first["bias"] == pytest.approx(float(result.model[0].bias.detach()[0]))
    spec = run_charts.unit_contributions(curves, units, "sum")
    assert "output weight" in json.dumps(spec["layer"])
    assert len(spec["datasets"]["curves"]) == 100 and len(spec["datasets"]["units"]) == 20  # each unit's weights once


def test_unit_maps_show_each_hidden_unit_over_the_plane_with_crossed_inputs():
    exp = nnlab.Experiment(
        data=nnlab.DataSpec(name="circle", crosses=("x1^2", "x2^2")),
        model=nnlab.ModelSpec(hidden=(3, 12), activations=("tanh", "relu")),
        training=nnlab.TrainSpec(loss="bce", optimizer="adam", learning_rate=0.03, epochs=20),
    )
    result = nnlab.train(exp)
    maps = frames.unit_maps(result, 20, resolution=10)
    units = [column for column in maps.columns if column not in run_charts.CELL_COLUMNS]
    assert units == [f"1_{unit}" for unit in range(1, 4)] + [f"2_{unit}" for unit in range(1, 9)]  # wide layers: first 8
    reach = maps[units].abs().max().to_numpy()  # each unit scaled to its own largest value; a dead ReLU stays 0
    assert len(maps) == 100 and reach.max() == pytest.approx(1.0) and np.all((reach == 0) | np.isclose(reach, 1.0))
    grid = torch.tensor(np.c_[(maps.x1 + maps.x1_end) / 2, (maps.x2 + maps.x2_end) / 2], dtype=torch.float32)
    raw = torch.tanh(result.model[0](torch.cat([grid, grid**2], dim=1)))[:, 1].detach()
    assert np.allclose(maps["1_2"].to_numpy(), (raw / raw.abs().max()).numpy(), atol=1e-5)
    spec = run_charts.unit_maps(maps)
    assert spec["facet"]["row"]["field"] == "layer" and spec["transform"][0]["fold"] == units  # unfolded in the browser


def test_first_layer_weights_and_a_discretized_boundary():
    result = nnlab.train(nnlab.lessons.get("tabular-relu"), epochs=30)
    weights = frames.first_layer_weights(result, 30)
    assert len(weights) == 12 * 5
    row = weights[(weights.feature == "age") & (weights.unit == "unit 2")]
    assert float(row["weight"].iloc[0]) == pytest.approx(float(result.model[0].weight.detach()[1, 0]))
    plane = nnlab.train(
        nnlab.Experiment(
            data=nnlab.DataSpec(name="gauss"),
            model=nnlab.ModelSpec(hidden=(2,), activations=("tanh",)),
            training=nnlab.TrainSpec(epochs=5),
        )
    )
    grid = frames.decision_grid(plane, 5)
    spec = run_charts.decision_boundary(grid, frames.points_frame(plane.data), ["0", "1"], "t", discretize=True)
    values = set(spec["datasets"]["grid"]["probability"])
    assert values <= {0.0, 1.0} and len(values) == 2


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"optimizer": "adam", "learning_rate": 10.0}, "answers 'survived' for every row (68% of them are)"),
        ({"learning_rate": 0.0001}, "hardly moved in 1,000 epochs"),
    ],
)
def test_a_run_that_has_not_learned_is_told_why(changes, words):
    result = nnlab.train(nnlab.lessons.get("tabular-relu").replace(training=changes))
    assert words in readouts.not_learning(result)


@pytest.mark.parametrize("lesson_id", [name for name in nnlab.lessons.names() if name != "vanishing-gradients"])
def test_the_lessons_themselves_learn(lesson_id):
    assert readouts.not_learning(nnlab.train(nnlab.lessons.get(lesson_id))) == ""


def test_the_vanishing_gradients_lesson_is_flagged_and_relu_learns_it():
    exp = nnlab.lessons.get("vanishing-gradients")
    sigmoid = nnlab.train(exp)
    assert readouts.gradient_shrink(sigmoid) > 1e4 and "vanishes on its way back" in readouts.not_learning(sigmoid)
    first = sigmoid.gradient_flow[sigmoid.gradient_flow["epoch"] == 1]["mean_abs_grad"]
    assert first.iloc[0] * 1e4 < first.iloc[-1]  # epoch 1: the first layer's gradient is 4+ orders smaller
    relu = nnlab.train(exp.replace(model={"activations": ("relu",) * 6}))
    assert readouts.gradient_shrink(relu) < 1e3 and readouts.not_learning(relu) == ""
    assert relu.history["test_acc"].iloc[-1] >= 0.9


def test_accuracy_axes_read_as_whole_percents():
    spec = json.dumps(run_charts.accuracy_curves(pd.DataFrame({"epoch": [1, 2], "train_acc": [0.43, 0.43]}))["layer"])
    assert '"format": ".0%"' in spec and '"format": "%"' not in spec  # "%" alone drew 43.000000%


def test_all_zero_relu_weights_are_named_as_getting_no_gradient():
    exp = nnlab.lessons.get("bump-twenty-neurons").replace(model={"init": "zeros", "activations": ("relu",)},
                                                          training={"epochs": 300})
    result = nnlab.train(exp)
    assert readouts.gradient_shrink(result) == float("inf")
    assert "no gradient at all" in readouts.not_learning(result)
