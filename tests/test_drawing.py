"""Drawn data: the drawing round-trips through a link exactly and stays short, a damaged one is
refused with what is wrong while the rest of the link is kept, taps add and erase what they
should, and a drawn curve trains like the tutorials' own (its unit shares add up to the fit)."""

from urllib.parse import urlencode

import numpy as np
import pytest
import torch

import nnlab
from nnlab import links
from nnlab.data import drawing
from nnlab.data.datasets import load_data
from nnlab.errors import ConfigError, DataError
from nnlab.experiment import DataSpec, Experiment, ModelSpec, TrainSpec
from nnlab.pictures import frames
from nnlab.training.trainer import fit_loss_to_task


def _points(count: int, values: bool, seed: int = 0) -> drawing.Points:
    rng = np.random.default_rng(seed)
    third = rng.uniform(-2, 2, count) if values else rng.integers(0, drawing.MAX_CLASSES, count)
    return drawing.points_from(rng.uniform(-6, 6, count), rng.uniform(-6, 6, count), third, values)


def _curve_exp(curve: drawing.Curve, **training) -> Experiment:
    return Experiment(data=DataSpec(name="drawn_curve", drawing=drawing.encode(curve)),
                      model=ModelSpec(hidden=(20,), activations=("sigmoid",)),
                      training=TrainSpec(**{"loss": "mse", "epochs": 300, **training}))


@pytest.mark.parametrize("made", [drawing.preset_curve("sine"), drawing.preset_curve("bump"),
                                  _points(500, values=False), _points(500, values=True)],
                         ids=["sine", "bump", "500 points of 5 classes", "500 points with values"])
def test_a_drawing_round_trips_through_the_link_exactly(made):
    name = "drawn_curve" if isinstance(made, drawing.Curve) else "drawn_points"
    exp = Experiment(data=DataSpec(name=name, drawing=drawing.encode(made)))
    query = links.to_query(exp)
    assert links.from_query(query) == exp and drawing.decode(query["drawn"]) == made
    assert len(urlencode(query, safe=",()*^")) < 4000  # the whole link's query, the drawing in it


def test_the_grid_holds_0_and_1_exactly_and_the_plane_within_a_step():
    curve = drawing.set_knot(drawing.set_knot(drawing.Curve(()), -0.5, 0.0), 0.5, 1.0)
    assert set(curve.xy()[1]) == {0.0, 1.0}
    tapped = drawing.add_or_erase(drawing.Points((), False), 1.2345, -4.321, 2)
    x1, x2, label = tapped.frame_columns()
    step = (drawing.PLANE[1] - drawing.PLANE[0]) / drawing.STEPS
    assert abs(x1[0] - 1.2345) <= step / 2 + 1e-9 and abs(x2[0] + 4.321) <= step / 2 + 1e-9 and label[0] == 2


@pytest.mark.parametrize("text, says", [
    ("c1AB!", "damaged"), ("c1ABC", "cut short"), ("c1" + "D_AA", "beyond the line"), ("c1ACAAABAA", "out of order"),
    ("p1kAAAAF", "at most 5 classes"), ("p1v" + "AAAAA", "cut short"), ("x9AAAA", "does not know"),
    ("p1k" + "AAAAA" * 501, "at most 500 points"),
])
def test_a_damaged_drawing_is_refused_with_what_is_wrong(text, says):
    with pytest.raises(ConfigError, match=says):
        drawing.decode(text)


def test_a_damaged_drawing_in_a_link_is_left_out_and_the_rest_kept():
    exp = Experiment(data=DataSpec(name="drawn_points", drawing=drawing.encode(_points(20, False)), noise=0.3),
                     training=TrainSpec(learning_rate=0.1))
    query = {**links.to_query(exp), "drawn": "p1kAA!"}
    read, problems = links.from_link(query)
    assert read == exp.replace(data={"drawing": ""}) and len(problems) == 1 and "damaged" in problems[0]
    curve_on_points = {**links.to_query(exp), "drawn": drawing.encode(drawing.preset_curve("sine"))}
    read, problems = links.from_link(curve_on_points)
    assert read.training.learning_rate == 0.1 and "is a curve" in problems[0]


def test_taps_add_a_point_erase_the_nearest_and_knots_replace_their_position():
    points = drawing.Points((), False)
    for x1, x2, label in ((0, 0, 0), (3, 3, 1), (-3, 2, 1)):
        points = drawing.add_or_erase(points, x1, x2, label)
    assert len(points.points) == 3
    points = drawing.add_or_erase(points, 3.2, 2.9, 0)  # near (3, 3): erased, not added
    assert [tuple(np.round(column, 2)) for column in points.frame_columns()] == [(0.0, -3.0), (0.0, 2.0), (0, 1)]
    curve = drawing.set_knot(drawing.preset_curve("abs"), 0.0, 1.5)
    x, y = curve.xy()
    assert y[np.argmin(np.abs(x))] == pytest.approx(1.5, abs=1e-3) and len(curve.knots) == 101
    smooth = drawing.smoothed(curve)
    assert smooth.xy()[1].max() < 1.5 and smooth.knots[0] == curve.knots[0]


def test_drawn_sets_load_as_their_kind_and_say_what_is_missing():
    assert load_data(_curve_exp(drawing.preset_curve("bump"))).task == "binary"
    sine = load_data(_curve_exp(drawing.preset_curve("sine")))
    assert sine.task == "regression" and sine.x_train.shape == (drawing.CURVE_SAMPLES, 1)
    classes = load_data(Experiment(data=DataSpec(name="drawn_points", drawing=drawing.encode(_points(60, False)),
                                                 train_fraction=0.8, crosses=("x1*x2",))))
    assert classes.task == "multiclass" and classes.x_train.shape == (48, 3) and len(classes.class_names) == 5
    values = load_data(Experiment(data=DataSpec(name="drawn_points", drawing=drawing.encode(_points(40, True)))))
    assert values.task == "regression"
    with pytest.raises(DataError, match="two x positions"):
        load_data(Experiment(data=DataSpec(name="drawn_curve")))
    one_class = drawing.Points(tuple((i * 300, i * 300, 1) for i in range(6)), False)
    with pytest.raises(DataError, match="another class"):
        load_data(Experiment(data=DataSpec(name="drawn_points", drawing=drawing.encode(one_class))))


def test_drawn_values_are_the_target_on_the_scale_they_were_drawn_on():
    """One scale for a drawing: the target and every picture of it read the values drawn (a standardised
    target put -1.7150 in the table where -1.5 was drawn)."""
    line = drawing.Curve(((0, drawing.level(-1.5, drawing.CURVE_Y)), (200, drawing.level(1.5, drawing.CURVE_Y))))
    data = load_data(_curve_exp(line))
    assert np.allclose(data.y_train.reshape(-1).numpy(), 1.5 * data.x_train.reshape(-1).numpy(), atol=1e-6)
    assert not data.target_standardised and not any("standardised" in note for note in data.notes)
    drawn = _points(40, values=True)
    values = load_data(Experiment(data=DataSpec(name="drawn_points", drawing=drawing.encode(drawn))))
    assert np.array_equal(values.y_train.reshape(-1).numpy(), drawn.frame_columns()[2].astype(np.float32))
    assert load_data(Experiment(data=DataSpec(name="plane"))).target_standardised  # a generated set's values still are


def test_a_loss_kept_for_one_task_gives_way_to_the_usual_one_when_the_task_changes():
    exp = _curve_exp(drawing.preset_curve("sine"))  # MSE: a curve's values
    assert fit_loss_to_task(exp, "binary") == exp  # a loaded experiment's MSE on classes stands (tutorial 001)
    assert fit_loss_to_task(exp, "binary", fitted_for="binary") == exp
    assert fit_loss_to_task(exp, "binary", fitted_for="regression").training.loss == "bce"
    assert fit_loss_to_task(exp, "multiclass").training.loss == "cross_entropy"
    assert fit_loss_to_task(exp, "regression", fitted_for="binary") == exp  # already the usual one


def test_a_drawn_sine_fitted_by_twenty_sigmoids_is_the_sum_of_their_shares():
    result = nnlab.train(_curve_exp(drawing.preset_curve("sine"), learning_rate=0.03, epochs=500, batch_size=None))
    curves, units = frames.unit_contributions(result, 500)
    assert len(units) == 20
    bias = float(result.model[-1].bias.detach())  # regression: the output is the sum itself, no sigmoid after it
    x = torch.tensor(curves["x"].to_numpy(), dtype=torch.float32).reshape(-1, 1)
    fit = result.model(x).detach().reshape(-1).numpy()
    assert np.allclose(curves[units["unit"]].sum(axis=1) + bias, fit, atol=1e-5)
    assert result.history["train_loss"].iloc[-1] < 0.2 * result.history["train_loss"].iloc[0]  # it learned the sine


def test_a_curve_drawn_on_the_data_explorer_trains_on_train_and_its_link_restores_it():
    from apptest_support import assert_clean, open_page

    at = open_page("pages/1_Data_explorer.py", query={"lesson": "bump-twenty-neurons", "dataset": "drawn_curve"})
    assert_clean(at)
    assert "two x positions" in at.info[-1].value and "How many hidden units" in at.info[0].value
    at.selectbox(key="drawing_preset").set_value("sine").run()
    at.button(key="drawing_use").click().run()
    assert_clean(at)
    exp = at.session_state["experiment"]
    assert drawing.decode(exp.data.drawing) == drawing.preset_curve("sine")
    assert at.query_params["drawn"] in (exp.data.drawing, [exp.data.drawing])  # written into the link
    at.switch_page("pages/3_Train.py").run()
    at.button(key="train").click().run()
    assert_clean(at)
    assert any("each hidden unit's share" in chart.proto.spec for chart in at.get("vega_lite_chart"))
    again = open_page("pages/3_Train.py", query=links.to_query(exp))  # a reload: the drawing comes back
    assert again.session_state["experiment"] == exp


def test_points_from_another_set_start_a_drawing_and_clear_empties_it():
    from apptest_support import assert_clean, open_page

    at = open_page("pages/1_Data_explorer.py", query={"lesson": "bump-twenty-neurons", "dataset": "drawn_points"})
    at.selectbox(key="drawing_source").set_value("xor").run()
    at.button(key="drawing_from").click().run()
    assert_clean(at)
    drawn = drawing.decode(at.session_state["experiment"].data.drawing)
    assert len(drawn.points) == 400 and not drawn.values and {label for *_, label in drawn.points} == {0, 1}
    at.button(key="drawing_clear").click().run()
    assert drawing.decode(at.session_state["experiment"].data.drawing).points == ()


def test_a_drawing_goes_into_a_class_challenge_and_is_trained_there(tmp_path):
    from nnlab.classroom.challenges import Board

    board = Board(f"sqlite:///{tmp_path / 'class.sqlite3'}")
    exp = Experiment(data=DataSpec(name="drawn_points", drawing=drawing.encode(_points(40, False)), train_fraction=0.75),
                     model=ModelSpec(hidden=(5,), activations=("tanh",)),
                     training=TrainSpec(loss="cross_entropy", epochs=20))
    made = board.create(exp)
    assert board.challenge(made.code).experiment.data.drawing == exp.data.drawing  # (its data seed pinned)
    entry = board.submit(made.code, "ana", exp)
    assert made.rules.score == "test_acc"  # drawn classes with a test split: scored by test accuracy
    assert entry.score == nnlab.train(exp).history["test_acc"].iloc[-1]  # the drawing trained, on the server
