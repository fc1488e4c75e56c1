"""Every picture's template, filled with a real run's frames, is a valid Vega-Lite spec; and
drawing a picture again builds nothing: no Altair, no schema validation on a result's path."""

from __future__ import annotations

import json

import altair as alt
import jsonschema
import numpy as np
import pandas as pd
import pytest

import nnlab
from nnlab import i18n
from nnlab.data import drawing
from nnlab.pictures import class_charts, data_charts, frames, many_runs_charts, run_charts, step_views, study_charts, template
from nnlab.training.comparison import compare_gradient_flow, compare_histories

SCHEMA = alt.vegalite.v6.schema.core.VegaLiteSchema._rootschema


def short(lesson: str, **training) -> nnlab.TrainResult:
    exp = nnlab.lessons.get(lesson)
    return nnlab.train(exp.replace(training={"epochs": 30, "snapshot_every": 10, **training}))


def plane(name: str, **spec) -> nnlab.TrainResult:
    exp = nnlab.Experiment(data=nnlab.DataSpec(name=name, n_points=120, train_fraction=0.8, **spec),
                           model=nnlab.ModelSpec(hidden=(4, 3), activations=("tanh", "tanh")),
                           training=nnlab.TrainSpec(epochs=20, loss="mse" if name == "plane" else "bce"))
    return nnlab.train(exp)


def every_picture() -> dict[str, dict]:
    """Each public picture, drawn as the pages draw it."""
    where = nnlab.study.surfaces.surface("rosenbrock")
    racers = {label: {**settings, "rate": nnlab.study.surfaces.default_rate(where, label)}
              for label, settings in nnlab.study.surfaces.RACERS.items()}
    paths = nnlab.study.surfaces.race(where, racers, steps=20)
    step = nnlab.study.by_hand.one_step(nnlab.lessons.get("step-two-neurons"))
    bump, heart, digits = short("bump-twenty-neurons"), short("tabular-relu"), short("digits-classifier", epochs=2)
    circle, regression = plane("circle"), plane("plane")
    points = frames.points_frame(bump.data)
    runs = nnlab.compare(nnlab.lessons.get("vanishing-gradients"), ("sigmoid", "relu"), range(2), epochs=20)
    sweep = frames.sweep_cells(nnlab.sweep(bump.experiment, (0.01, 0.1), (2, 5), range(2), epochs=20), "train_loss", False)
    entries = pd.DataFrame({"label": ["a #1", "b #2"], "score": [0.7, 0.8], "learning_rate": [0.01, 0.1],
                            "hidden_units": [5, 10], "activations": ["relu", "tanh"], "optimizer": ["adam", "sgd"],
                            "epochs": [100, 200]})
    table = frames.table_frame(heart.data)
    surface = nnlab.landscape(bump, grid=9)
    return {
        "loss_landscape": study_charts.loss_landscape(*frames.landscape_cells(surface.grid, surface.path), ("a", "b"), "Loss"),
        "scatter_1d": data_charts.scatter_1d(points),
        "fit_1d": run_charts.fit_1d(points, frames.fit_curve(bump, 30)),
        "scatter_2d": data_charts.scatter_2d(frames.points_frame(circle.data), circle.data.class_names),
        "decision_boundary": run_charts.decision_boundary(frames.decision_grid(circle, 20), frames.points_frame(circle.data),
                                                      circle.data.class_names, "Decision boundary"),
        "value_plane": run_charts.value_plane(frames.points_frame(regression.data), frames.value_grid(regression, 20), "p"),
        "value_plane_data": run_charts.value_plane(frames.points_frame(regression.data)),
        "image_grid": data_charts.image_grid(frames.image_grid(digits.data, digits, 2), "Test images"),
        "image_grid_data": data_charts.image_grid(frames.image_grid(digits.data), "The images"),
        "class_balance": data_charts.class_balance(table["class"]),
        "feature_histogram": data_charts.feature_histogram(table, "age", "class"),
        "correlation_heatmap": data_charts.correlation_heatmap(table.drop(columns=["class"])),
        "loss_curves": run_charts.loss_curves(heart.history),
        "accuracy_curves": run_charts.accuracy_curves(heart.history),
        "gradient_flow": run_charts.gradient_flow(bump.gradient_flow),
        "confusion_matrix": run_charts.confusion_matrix(frames.confusion(heart, "test", 30), "Confusion"),
        "network_diagram": run_charts.network_diagram(*frames.network_layout([1, 40, 1], ["sigmoid"])),
        "compare_curves": many_runs_charts.compare_curves(compare_histories(runs), "train_loss"),
        "compare_gradient_flow": many_runs_charts.compare_gradient_flow(compare_gradient_flow(runs)),
        "unit_contributions": run_charts.unit_contributions(*frames.unit_contributions(bump, 30), "sum"),
        "unit_maps": run_charts.unit_maps(frames.unit_maps(circle, 20)),
        "weight_heatmap": run_charts.weight_heatmap(frames.first_layer_weights(heart, 30)),
        "class_sweep": class_charts.class_sweep(entries, "test accuracy", True, True),
        "sweep_heatmap": many_runs_charts.sweep_heatmap(sweep, "train loss", False, False),
        "score_histogram": class_charts.score_histogram(entries, "test accuracy", True),
        "race": study_charts.race(nnlab.study.surfaces.grid(where, 20), paths, pd.DataFrame(where.minima, columns=["x", "y"]),
                            where.box, "Race"),
        "race_distances": study_charts.race_distances(paths),
        "drawing_plane": data_charts.drawing_plane(frames.drawn_points(drawing.points_from(
            np.array([1.0, -2.0]), np.array([0.5, 3.0]), np.array([0, 1]), values=False)), ["0", "1"], False),
        "drawing_plane_values": data_charts.drawing_plane(frames.drawn_points(drawing.points_from(
            np.array([1.0, -2.0]), np.array([0.5, 3.0]), np.array([0.7, -1.2]), values=True)), [], True),
        "drawing_line": data_charts.drawing_line(frames.line_cells(), frames.drawn_knots(drawing.preset_curve("sine"))),
        "step_network": study_charts.step_network(*step_views.diagram(step, step.rows[0], "backward", ["x"]), "gradient", "Back"),
        "poll_votes": class_charts.poll_votes({"round 1": pd.DataFrame({"option": ["sigmoid", "relu"], "votes": [7, 3]}),
                                         "round 2": pd.DataFrame({"option": ["sigmoid", "relu"], "votes": [2, 8]})},
                                        answer="relu", title="Which learns?"),
    }


@pytest.fixture(scope="module")
def pictures() -> dict[str, dict]:
    return every_picture()


def as_sent(spec: dict) -> dict:
    """The spec with its frames as the rows Vega reads."""
    return {**spec, "datasets": {name: json.loads(frame.to_json(orient="records"))
                                 for name, frame in spec["datasets"].items()}}


def test_every_template_is_drawn_here(pictures):
    builders = template.TEMPLATE_BUILDERS
    drawn = [builder.build.__name__ for builder in builders if builder.cache_info().currsize]
    assert len(builders) >= 20 and len(drawn) == len(builders), drawn


@pytest.mark.parametrize("name", [
    "scatter_1d", "fit_1d", "scatter_2d", "decision_boundary", "value_plane", "value_plane_data", "image_grid",
    "image_grid_data", "class_balance", "feature_histogram", "correlation_heatmap", "loss_curves", "accuracy_curves",
    "gradient_flow", "confusion_matrix", "network_diagram", "compare_curves", "compare_gradient_flow",
    "unit_contributions", "unit_maps", "weight_heatmap", "class_sweep", "sweep_heatmap", "score_histogram",
    "poll_votes", "race", "race_distances", "step_network", "loss_landscape", "drawing_plane", "drawing_plane_values",
    "drawing_line"])
def test_each_filled_picture_is_valid_vega_lite_with_its_data(pictures, name):
    spec = as_sent(pictures[name])
    jsonschema.validate(spec, SCHEMA)
    named = {match for match in _data_names(spec)}
    assert named and named <= set(spec["datasets"]), (named, list(spec["datasets"]))  # every named source is sent
    assert all(len(rows) for rows in spec["datasets"].values() if rows is not None) or name == "network_diagram"
    parameters = {param["name"] for param in spec.get("params", [])}
    text = json.dumps({key: value for key, value in spec.items() if key != "datasets"})
    for needed in ("reach", "bottom", "top"):  # a parameter the template reads is filled
        if f'"expr": "{needed}"' in text or f'"expr": "-{needed}"' in text:
            assert needed in parameters, needed


def _data_names(node) -> set[str]:
    if isinstance(node, dict):
        found = {node["data"]["name"]} if isinstance(node.get("data"), dict) and "name" in node["data"] else set()
        return found.union(*(_data_names(value) for key, value in node.items() if key != "datasets"))
    if isinstance(node, list):
        return set().union(*(_data_names(value) for value in node))
    return set()


def test_drawing_again_builds_no_altair_chart(pictures, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("Altair was asked for a spec on the drawing path")
    monkeypatch.setattr(alt.TopLevelMixin, "to_dict", refuse)
    again = every_picture()  # the same shapes: every template is cached
    assert again["fit_1d"]["layer"] is pictures["fit_1d"]["layer"]  # the one shared template
    assert again["fit_1d"]["datasets"]["curve"] is not pictures["fit_1d"]["datasets"]["curve"]


def test_filling_a_template_leaves_it_unchanged(pictures):
    template = run_charts._fit_1d("x", ("train",))
    before = json.dumps(template)
    run_charts.fit_1d(pd.DataFrame({"x": [0.0], "target": [1.0], "split": ["train"]}),
                  pd.DataFrame({"x": [0.0], "prediction": [0.5], "epoch": [3]}))
    assert json.dumps(template) == before and "datasets" not in template


def test_curves_go_in_32_bits_and_labels_exactly(pictures):
    assert pictures["loss_curves"]["datasets"]["history"]["train"].dtype == "float32"
    rates = pictures["sweep_heatmap"]["datasets"]["cells"]["learning_rate"]
    assert rates.dtype == "float64" and set(rates) == {0.01, 0.1}  # an axis label reads 0.1, not 0.100000001


def test_a_pictures_frames_reach_the_browser_as_the_same_arrow_table(pictures):
    import pyarrow as pa

    from nnlab.ui.pictures import arrow_bytes
    for name in ("unit_contributions", "decision_boundary", "image_grid", "class_sweep"):
        for frame in pictures[name]["datasets"].values():
            table = pa.ipc.open_stream(arrow_bytes(frame)).read_all()
            assert table.column_names == [str(column) for column in frame.columns]
            back = table.to_pandas()
            for column in frame.columns:
                assert [str(value) for value in back[str(column)]] == [str(value) for value in frame[column]], column


def test_a_long_history_is_thinned_to_the_screen_keeping_its_first_and_last_epoch():
    history = pd.DataFrame({"epoch": range(1, 7001), "train_loss": 1.0})
    kept = template.thinned(history)["epoch"]
    assert kept.iloc[0] == 1 and kept.iloc[-1] == 7000 and len(kept) <= template.CURVE_POINTS + 1
    grads = pd.DataFrame({"epoch": [e for e in range(1, 7001) for _ in range(2)], "layer": [1, 2] * 7000,
                          "mean_abs_grad": 0.5})
    assert set(template.thinned(grads)["epoch"]) == set(kept)  # every layer of each kept epoch


@pytest.fixture(scope="module")
def chinese_pictures() -> dict[str, dict]:
    token = i18n.LANGUAGE.set(i18n.CHINESE)
    try:
        return every_picture()
    finally:
        i18n.LANGUAGE.reset(token)


def test_every_picture_made_in_chinese_is_valid_vega_lite_and_names_a_cjk_font(chinese_pictures, pictures):
    for name, spec in chinese_pictures.items():
        jsonschema.validate(as_sent(spec), SCHEMA)
        assert "Noto Sans CJK SC" in spec["config"]["font"], name
    assert chinese_pictures["loss_curves"]["title"] == "损失" and pictures["loss_curves"]["title"] == "Loss"
    points_legend = chinese_pictures["fit_1d"]["layer"][0]["encoding"]["shape"]["legend"]
    assert points_legend["title"] is None and '"train": "训练"' in points_legend["labelExpr"]  # the splits, named in Chinese


def test_every_picture_carries_its_description_in_words(pictures, chinese_pictures):
    for name, spec in {**pictures, **{f"{name} (zh)": spec for name, spec in chinese_pictures.items()}}.items():
        assert isinstance(spec.get("description"), str) and len(spec["description"]) > 10, name


def test_a_description_is_drawn_under_its_picture_as_typed():
    from nnlab.ui.pictures import draw

    class Place:  # what draw asks of st, a column or a placeholder
        def __init__(self):
            self.drawn = []

        def vega_lite_chart(self, spec, **options):
            self.drawn.append(("chart", spec["description"]))

        def caption(self, text):
            self.drawn.append(("caption", text))

    spec = {"datasets": {}, "description": "Best score: 95%, by [win](https://x.y) #2."}
    place, quiet = Place(), Place()
    draw(place, spec)
    draw(quiet, spec, words=False)
    assert place.drawn == [("chart", spec["description"]), ("caption", r"Best score\: 95%, by \[win\]\(https\://x\.y\) \#2\.")]
    assert quiet.drawn == [("chart", spec["description"])]
