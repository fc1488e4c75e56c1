"""Every picture in words: the numbers each sentence carries, read off small frames built here,
and the frames a run can leave empty, NaN or infinite."""

import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from i18n_support import english

import nnlab.pictures
from nnlab import i18n
from nnlab.pictures import descriptions, frames

NAN, INF = float("nan"), float("inf")


def history(train, test=None, column="loss", first=1):
    frame = pd.DataFrame({"epoch": np.arange(first, first + len(train)), f"train_{column}": train})
    return frame if test is None else frame.assign(**{f"test_{column}": test})


def chart_modules() -> list:
    """Every module of pictures (nnlab/pictures/*_charts.py)."""
    folder = Path(nnlab.pictures.__file__).parent
    return [importlib.import_module(f"nnlab.pictures.{path.stem}") for path in sorted(folder.glob("*_charts.py"))]


def test_every_picture_has_a_description_taking_the_same_arguments():
    pictures = {name: value for module in chart_modules() for name, value in vars(module).items()
                if inspect.isfunction(value) and not name.startswith("_") and value.__module__ == module.__name__
                and inspect.signature(value).return_annotation == "dict"}
    assert set(pictures) == set(EMPTY)  # every picture is also described with no rows, below
    for name, picture in pictures.items():
        expected = [(p.name, p.default, p.kind) for p in inspect.signature(picture).parameters.values()]
        got = [(p.name, p.default, p.kind) for p in inspect.signature(getattr(descriptions, name)).parameters.values()]
        assert got == expected, name


def test_numbers_are_written_one_way_everywhere():
    assert descriptions.number(7000) == "7,000" and descriptions.number(np.int64(1)) == "1"
    assert descriptions.number(0.031234) == "0.0312" and descriptions.number(1.234e-5) == "1.23e-05"
    assert descriptions.number(359556.0) == "360,000" and descriptions.number(1.3e160) == "1.3e+160"
    assert descriptions.number(0.96944, percent=True) == "96.9%" and descriptions.number(1.0, percent=True) == "100%"
    assert descriptions.number(NAN) == "NaN" and descriptions.number(-INF) == "-∞"


def test_a_loss_that_fell_names_its_ends_and_the_test_minimum_and_that_the_test_loss_then_rose():
    said = descriptions.loss_curves(history([0.69, 0.5, 0.2, 0.1, 0.03], [0.7, 0.3, 0.05, 0.08, 0.09]))
    assert said.startswith("Training loss fell from 0.69 at epoch 1 to 0.03 at epoch 5.")
    assert "lowest at epoch 3 (0.05), then rose: 0.09 at epoch 5" in said


def test_a_test_loss_a_hair_above_its_minimum_has_not_stopped_falling():
    said = descriptions.loss_curves(history([0.69, 0.4, 0.2], [0.7, 0.300, 0.302], first=6999))
    assert "from 0.69 at epoch 6,999 to 0.2 at epoch 7,001" in said
    assert "The test loss was lowest at epoch 7,000 (0.3)." in said and "stopped" not in said


def test_a_diverged_run_says_where_it_diverged_and_never_raises():
    assert "From epoch 3 on the training loss is NaN or infinite" in descriptions.loss_curves(history([0.5, 0.4, NAN, INF]))
    assert "from 0.5 at epoch 1 to 0.4 at epoch 2" in descriptions.loss_curves(history([0.5, 0.4, NAN]))
    assert descriptions.loss_curves(history([NAN, INF], [NAN, NAN])) == (
        "No finite training loss: the run diverged at epoch 1.")
    assert "some epochs, the first at epoch 2" in descriptions.loss_curves(history([0.5, NAN, 0.3]))


def test_one_epoch_and_no_epoch():
    assert descriptions.loss_curves(history([0.69])) == "Training loss at epoch 1: 0.69."
    assert descriptions.loss_curves(history([])) == "No epochs yet."
    assert descriptions.accuracy_curves(pd.DataFrame({"epoch": [1, 2], "train_loss": [0.5, 0.4]})) == "No epochs yet."


def test_an_accuracy_is_read_in_percent_and_best_at_its_highest():
    said = descriptions.accuracy_curves(history([0.5, 0.9, 0.981], [0.5, 0.975, 0.94], column="acc"))
    assert said.startswith("Training accuracy rose from 50% at epoch 1 to 98.1% at epoch 3.")
    assert "highest at epoch 2 (97.5%), then fell: 94% at epoch 3" in said


def confusion(pairs: dict) -> pd.DataFrame:
    classes = ["cat", "dog", "fox"]
    return pd.DataFrame([{"actual": a, "predicted": p, "count": pairs.get((a, p), 0)} for a in classes for p in classes])


def test_a_confusion_matrix_counts_its_diagonal_and_its_most_common_mistake():
    counts = confusion({("cat", "cat"): 10, ("dog", "dog"): 8, ("fox", "fox"): 5, ("dog", "fox"): 4, ("cat", "dog"): 1})
    said = descriptions.confusion_matrix(counts, "Confusion")
    assert "Classes: 3; answered right (on the diagonal): 23 of 28 (82.1%)." in said
    assert "Most common mistake: 4 of class dog read as fox." in said
    assert "mistake" not in descriptions.confusion_matrix(confusion({("cat", "cat"): 3}), "")
    assert descriptions.confusion_matrix(confusion({}), "") == "No rows counted."


def test_the_race_names_who_reached_a_minimum_and_when_and_who_is_still_away():
    paths = pd.DataFrame({"optimizer": ["SGD"] * 4 + ["Adam"] * 4 + ["Wild"] * 2, "step": [0, 1, 2, 3] * 2 + [0, 1],
                          "distance": [2.0, 1.5, 1.0, 0.8, 2.0, 0.1, 0.0005, 0.0001, 2.0, INF],
                          "value": [4.0, 2.2, 1.0, 0.6, 4.0, 0.01, 1e-7, 1e-8, 4.0, INF], "x": 0.0, "y": 0.0})
    assert descriptions.race_distances(paths) == (
        "Came within 0.001 of a minimum: Adam at step 2. Still away at step 3, nearest first: SGD: 0.8. "
        "Blew up, its numbers past what a float holds: Wild at step 1.")
    said = descriptions.race(pd.DataFrame(), paths, pd.DataFrame(), (-1, 1, -1, 1), "race")
    assert said.startswith("Height at step 3, lowest first: Adam: 1e-08, SGD: 0.6.") and "Wild at step 1" in said


def grid_2x2(column: str, values) -> pd.DataFrame:
    """Four cells, (0..1) x (0..1) each, in the row-major order nnlab.pictures.frames makes them."""
    x1, x2 = np.array([0.0, 1.0, 0.0, 1.0]), np.array([0.0, 0.0, 1.0, 1.0])
    return pd.DataFrame({"x1": x1, "x2": x2, "x1_end": x1 + 1, "x2_end": x2 + 1, column: values})


def test_a_decision_boundary_counts_the_points_on_their_class_side():
    grid = grid_2x2("probability", [0.1, 0.9, 0.2, 0.8])  # the right half is class "b"
    points = pd.DataFrame({"x1": [0.5, 1.5, 1.5, 0.5, 1.2], "x2": [0.5, 0.5, 1.5, 1.5, 0.2],
                           "class": ["a", "b", "a", "a", "b"], "split": ["train"] * 4 + ["test"], "target": 0.0})
    said = descriptions.decision_boundary(grid, points, ["a", "b"], "t")
    assert said == ("Points on their class's side of the boundary: training 3 of 4 (75%), test 1 of 1 (100%). "
                    "The network gives 50% of the plane to b (probability above 0.5).")
    off_grid = points.assign(x1=9.0)  # off the plane: on no side
    assert "training 0 of 4 (0%)" in descriptions.decision_boundary(grid, off_grid, ["a", "b"], "t")


def test_a_prediction_over_the_plane_and_a_fit_are_their_mean_gap_to_the_targets():
    points = pd.DataFrame({"x1": [0.5, 1.5], "x2": [0.5, 1.5], "target": [1.0, 2.0], "split": ["train", "test"]})
    said = descriptions.value_plane(points, grid_2x2("prediction", [1.5, 0.0, 0.0, 2.25]), "t")
    assert said.startswith("The prediction is on average 0.5 from the training targets (test: 0.25)")
    line = pd.DataFrame({"x": [0.0, 1.0], "prediction": [0.0, 1.0], "epoch": 300})
    points = pd.DataFrame({"x": [0.25, 0.5, 0.75], "target": [0.35, 0.4, 0.75], "split": "train"})
    assert descriptions.fit_1d(points, line) == (
        "After epoch 300 the curve is on average 0.0667 from the training targets, which run from 0.35 to 0.75.")
    assert "no finite output" in descriptions.fit_1d(points, line.assign(prediction=NAN))


def test_images_with_answers_count_the_right_ones_and_the_most_common_mistake():
    answers = pd.DataFrame({"image": [0, 0, 1, 1, 2, 2, 3, 3], "actual": ["7", "7", "1", "1", "7", "7", "3", "3"],
                            "predicted": ["1", "1", "1", "1", "1", "1", "3", "3"], "row": 0, "column": 0, "ink": 0.0})
    said = descriptions.image_grid(answers, "t")
    assert said == "Answered right: 2 of 4 images shown (50%). Most common mistake: 2 of class 7 read as 1."
    assert descriptions.image_grid(answers.drop(columns="predicted"), "t") == "Images shown: 4; by class: 7: 2, 1: 1, 3: 1."


def test_a_poll_says_each_rounds_votes_and_the_answers_share():
    tallies = {"round 1": pd.DataFrame({"option": ["A", "B"], "votes": [12, 8]}),
               "round 2": pd.DataFrame({"option": ["A", "B"], "votes": [0, 0]})}
    said = descriptions.poll_votes(tallies, "B")
    assert said == "Round 1: votes cast: 20; for the answer, B: 8 (40%); the most (12) for A. Round 2: no votes yet."
    assert "the most (12, 60%) for the answer, A" in descriptions.poll_votes(tallies, "A")
    assert descriptions.poll_votes({}) == "No votes yet."


def test_gradient_flow_names_each_layer_and_how_much_smaller_the_first_is():
    flow = pd.DataFrame({"epoch": np.repeat([1, 2], 3), "layer": [1, 2, 3] * 2,
                         "mean_abs_grad": [1e-5, 1e-3, 1e-2, 2e-5, 1e-3, 4e-2]})
    said = descriptions.gradient_flow(flow)
    assert "at epoch 2, from the input: layer 1: 2e-05, layer 2: 0.001, output: 0.04." in said
    assert "1,000 times smaller than the output layer's" in said  # the first tenth: epoch 1
    assert descriptions.gradient_flow(flow.assign(mean_abs_grad=NAN)) == "No finite gradient recorded."


def test_the_data_pictures_count_what_they_show():
    points = pd.DataFrame({"x1": [0.0, 1, 2], "x2": [0.0, 1, 2], "class": ["b", "a", "b"], "split": ["train", "train", "test"]})
    assert descriptions.scatter_2d(points, ["a", "b"]) == "Points: 3 (training: 2, test: 1); by class: a: 1, b: 2."
    assert descriptions.class_balance(pd.Series(["x", "y", "y", "y"])) == (
        "Rows by class: y: 3, x: 1; the largest class, y, is 75% of them.")
    table = pd.DataFrame({"age": [40, 60, 95, 50], "time": [4, 3, 1, 3], "class": ["a", "b", "b", "a"]})
    assert descriptions.feature_histogram(table, "age", "class") == (
        "age runs from 40 to 95, median 55. Median by class: a: 45, b: 77.5.")
    assert "between age and time (-0.982)" in descriptions.correlation_heatmap(table[["age", "time"]])
    many = pd.Series([str(number) for number in range(12)])
    assert descriptions.class_balance(many).count(": 1") == 10 and "and 2 more" in descriptions.class_balance(many)


def test_the_class_pictures_name_the_best_entry_and_cell():
    entries = pd.DataFrame({"label": ["Ana #1", "Bo #2", "Cy #3"], "score": [0.9, 0.95, NAN],
                            "learning_rate": [0.1, 0.3, 1.0], "hidden_units": [4, 8, 16]})
    assert "Best loss: 0.9, by Ana #1 (learning rate 0.1, hidden units: 4)" in descriptions.class_sweep(
        entries, "loss", False, False)
    assert "from 90% to 95%, median 92.5%" in descriptions.score_histogram(entries, "accuracy", True)
    cells = entries.assign(runs=3, diverged=[0, 1, 3])
    said = descriptions.sweep_heatmap(cells, "accuracy", True, True)
    assert "best median accuracy is 95%, at learning rate 0.3 and width 8" in said and "diverged: 4 of 9" in said


def test_inside_the_network_names_the_largest_share_weight_and_flat_unit():
    curves = pd.DataFrame({"x": [0.0, 1.0], "unit 1": [0.0, 0.1], "unit 2": [-2.0, 3.0], "sum": [-1.0, 4.0]})
    units = pd.DataFrame({"unit": ["unit 1", "unit 2"], "in_weight": ["1", "2"], "bias": 0.0, "out_weight": 1.0})
    assert "the one shaping the output most is unit 2, its share running from -2 to 3" in descriptions.unit_contributions(
        curves, units, "sum")
    maps = grid_2x2("1_1", [-1.0, 1.0, 0.5, 0.0]).assign(**{"1_2": 0.3, "2_1": [1.0, 0.0, 0.0, 0.0]})
    assert descriptions.unit_maps(maps) == ("Hidden units shown, layer by layer: 2, 1. Flat over the whole plane, so "
                                            "telling no points apart: layer 1 unit 2.")
    weights = pd.DataFrame({"feature": ["age", "age", "time", "time"], "unit": ["unit 1", "unit 2"] * 2,
                            "weight": [0.5, -0.6, -2.0, 0.1]})
    assert "The largest weight is -2, from time to unit 1; the units listen most to time" in descriptions.weight_heatmap(
        weights)


def test_a_diagram_counts_units_weights_and_biases():
    said = descriptions.network_diagram(*frames.network_layout([2, 30, 1], ["relu"]))
    assert said == "Units per layer, input to output: 2, 30, 1; hidden activations: relu. Weights and biases to learn: 121."


def test_a_comparison_ranks_the_activations_by_their_median_final_value():
    runs = [("relu", 0, [0.9, 0.1]), ("relu", 1, [0.9, 0.3]), ("relu", 2, [0.9, 0.2]), ("tanh", 0, [0.9, 0.5]),
            ("tanh", 1, [0.8, NAN])]  # a diverged seed: its last finite epoch counts
    frame = pd.concat([history(values).assign(activation=name, seed=seed) for name, seed, values in runs])
    assert descriptions.compare_curves(frame, "train_loss") == (
        "Median training loss at the runs' last epoch, best first: relu: 0.2, tanh: 0.65.")
    flow = pd.DataFrame({"activation": ["relu", "relu", "sigmoid", "sigmoid"], "layer": [1, 2, 1, 2],
                         "mean_abs_grad": [0.1, 0.3, 1e-4, 0.1]})
    assert "smallest first: sigmoid: 0.001, relu: 0.333." in descriptions.compare_gradient_flow(flow)


def test_a_landscape_a_step_and_a_drawing_say_their_numbers():
    grid = pd.DataFrame({"a": [-1.0, 0.0], "a_end": [0.0, 1.0], "b": [0.0, 0.0], "b_end": [1.0, 1.0], "loss": [0.4, 0.2]})
    path = pd.DataFrame({"epoch": [0, 50], "a": [-1.0, 0.0], "b": [0.0, 0.0], "loss": [0.69, 0.21]})
    assert descriptions.loss_landscape(grid, path, ("a", "b"), "t") == (
        "Training's path runs from a loss of 0.69 at epoch 0 to 0.21 at epoch 50. The lowest loss in this slice is "
        "0.2, at (0.5, 0.5); the trained weights are at (0, 0).")
    units = pd.DataFrame({"x": [0, 1], "y": 0.0, "unit": ["x", "ŷ"], "value": [1.0, 0.6], "label": ["1", "z=0.4\na=0.6"]})
    edges = pd.DataFrame({"weight": ["w(x→ŷ)", "b(ŷ)"], "value": [-0.7, 0.2]})
    assert descriptions.step_network(units, edges, pd.DataFrame(), "weight", "t") == (
        "The largest weight in size: w(x→ŷ), -0.7. At the output: ŷ (z=0.4 a=0.6).")
    drawn = pd.DataFrame({"x1": [0.0, 1.0], "x2": [0.0, 1.0], "class": ["1", "0"]})
    assert descriptions.drawing_plane(drawn, ["0", "1"], False) == "Points drawn: 2; by class: 0: 1, 1: 1."
    knots = pd.DataFrame({"x": [-1.0, 0.5], "y": [0.25, -2.0]})
    assert descriptions.drawing_line(pd.DataFrame(), knots) == (
        "Knots: 2; the curve runs from x -1 to 0.5, its target from -2 to 0.25.")


EMPTY = {  # each picture's frames with their columns and no rows
    "scatter_1d": lambda e: (e("x", "target", "split"),),
    "fit_1d": lambda e: (e("x", "target", "split"), e("x", "prediction", "epoch")),
    "scatter_2d": lambda e: (e("x1", "x2", "class", "split"), ["a", "b"]),
    "decision_boundary": lambda e: (e("x1", "x2", "x1_end", "x2_end", "probability"), e("x1", "x2", "class", "split"),
                                    ["a", "b"], ""),
    "value_plane": lambda e: (e("x1", "x2", "target", "split"), e("x1", "x2", "x1_end", "x2_end", "prediction")),
    "image_grid": lambda e: (e("image", "column", "row", "ink", "actual", "predicted"), ""),
    "class_balance": lambda e: (pd.Series([], dtype=object),),
    "feature_histogram": lambda e: (e("age", "class"), "age", "class"),
    "correlation_heatmap": lambda e: (e("age", "time"),),
    "loss_curves": lambda e: (e("epoch", "train_loss", "test_loss"),),
    "accuracy_curves": lambda e: (e("epoch", "train_acc", "test_acc"),),
    "gradient_flow": lambda e: (e("epoch", "layer", "mean_abs_grad"),),
    "confusion_matrix": lambda e: (e("actual", "predicted", "count"), ""),
    "network_diagram": lambda e: (e("layer", "unit", "x", "y", "label", "kind"), e("x", "y"), e("x", "title", "y")),
    "compare_curves": lambda e: (e("epoch", "train_loss", "activation", "seed"),),
    "compare_gradient_flow": lambda e: (e("activation", "layer", "mean_abs_grad"),),
    "unit_contributions": lambda e: (e("x", "sum"), e("unit", "in_weight", "bias", "out_weight"), "sum"),
    "unit_maps": lambda e: (e("x1", "x2", "x1_end", "x2_end"),),
    "weight_heatmap": lambda e: (e("feature", "unit", "weight"),),
    "class_sweep": lambda e: (e("label", "score", "learning_rate", "hidden_units"), "score", True, True),
    "sweep_heatmap": lambda e: (e("learning_rate", "hidden_units", "score", "spread", "runs", "diverged"), "s", True, True),
    "score_histogram": lambda e: (e("score"), "score", False),
    "poll_votes": lambda e: ({"round 1": e("option", "votes")}, "A"),
    "race": lambda e: (e("x", "y"), e("optimizer", "step", "x", "y", "value", "distance"), e("x", "y"), (0, 1, 0, 1), ""),
    "race_distances": lambda e: (e("optimizer", "step", "x", "y", "value", "distance"),),
    "loss_landscape": lambda e: (e("a", "b", "a_end", "b_end", "loss"), e("epoch", "a", "b", "loss"), ("a", "b"), ""),
    "step_network": lambda e: (e("x", "y", "unit", "value", "label"), e("weight", "value"), e("x", "y", "title"), "w", ""),
    "drawing_plane": lambda e: (e("x1", "x2"), e("x1", "x2", "class"), ["0"], False),
    "drawing_line": lambda e: (e("x", "y"), e("x", "y")),
}


@pytest.mark.parametrize("name", sorted(EMPTY))
def test_every_picture_with_no_rows_is_described_without_raising(name):
    def empty(*columns):
        return pd.DataFrame({column: pd.Series([], dtype=float) for column in columns})
    said = getattr(descriptions, name)(*EMPTY[name](empty))
    assert isinstance(said, str) and said and "{" not in said


def test_nan_everywhere_is_described_without_raising():
    nan_points = pd.DataFrame({"x1": [NAN, 0.5], "x2": [0.5, NAN], "target": NAN, "class": ["a", "b"], "split": "train"})
    grid = grid_2x2("probability", [NAN] * 4).assign(prediction=NAN)
    for said in (descriptions.decision_boundary(grid, nan_points, ["a", "b"], ""),
                 descriptions.value_plane(nan_points, grid),
                 descriptions.compare_curves(history([NAN, NAN]).assign(activation="relu", seed=0)),
                 descriptions.compare_gradient_flow(pd.DataFrame({"activation": "relu", "layer": [1, 2],
                                                                  "mean_abs_grad": [0.0, NAN]})),
                 descriptions.weight_heatmap(pd.DataFrame({"feature": ["a"], "unit": ["unit 1"], "weight": [NAN]})),
                 descriptions.class_sweep(pd.DataFrame({"label": ["A #1"], "score": [None], "learning_rate": [0.1],
                                                        "hidden_units": [4]}), "score", True, False),
                 descriptions.feature_histogram(pd.DataFrame({"age": [NAN]}), "age", None)):
        assert isinstance(said, str) and said and "{" not in said


def test_in_chinese_the_sentence_still_carries_its_numbers():
    token = i18n.LANGUAGE.set(i18n.CHINESE)
    try:
        said = descriptions.loss_curves(history(np.linspace(0.69, 0.03, 7000)))
        mistakes = descriptions.confusion_matrix(confusion({("cat", "cat"): 3, ("dog", "fox"): 2}), "")
    finally:
        i18n.LANGUAGE.reset(token)
    assert "0.69" in said and "0.03" in said and "7,000" in said and not english(said)
    assert "3" in mistakes and "5" in mistakes and "60%" in mistakes and not english(mistakes, {"cat", "dog", "fox"})
    assert "。 " not in said + mistakes  # no Latin space between Chinese sentences


def test_describing_imports_neither_streamlit_nor_altair():
    code = "import sys, nnlab.pictures.descriptions; print(sorted({'streamlit', 'altair'} & set(sys.modules)))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert found.strip() == "[]"
