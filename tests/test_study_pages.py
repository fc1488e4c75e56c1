"""Inside one step, Optimizer race and the loss surface on Train, under Streamlit's AppTest: the
numbers on the page are the core's, Next and Back walk the phases, and bad choices get messages."""

import pytest
from apptest_support import assert_clean, fresh_caches, open_page  # noqa: F401  (fresh_caches: a fixture)

import nnlab
from nnlab.pictures import step_views
from nnlab.study import by_hand

INSIDE = "pages/7_Inside_one_step.py"
RACE = "pages/8_Optimizer_race.py"


pytestmark = pytest.mark.usefixtures("fresh_caches")  # apptest_support's: each test a new server


def _button(at, label: str):
    return next(button for button in at.button if button.label == label)


def test_next_and_back_walk_forward_loss_backward_update_then_the_next_step():
    at = open_page(INSIDE, lesson="step-two-neurons")
    assert_clean(at)
    step = by_hand.one_step(nnlab.lessons.get("step-two-neurons"))
    forward = at.table[0].value
    assert list(forward["unit"]) == ["h1", "h2", "ŷ"]  # the step lesson's 1-2-1
    assert forward["z = Σ w·a + b"].iloc[0] == step_views.forward_sums(step, step.rows[0], ["x"])["z = Σ w·a + b"].iloc[0]
    seen = []
    for _ in range(5):
        _button(at, "Next").click().run()
        assert_clean(at)
        seen.append((at.session_state["inside_step"], at.session_state["inside_phase"]))
    assert seen == [(0, "loss"), (0, "backward"), (0, "update"), (1, "forward"), (1, "loss")]
    later = by_hand.one_step(nnlab.lessons.get("step-two-neurons"), batch=1)
    assert at.metric[0].value == f"{later.loss:.4f}"
    _button(at, "Back").click().run()
    _button(at, "Back").click().run()
    assert (at.session_state["inside_step"], at.session_state["inside_phase"]) == (0, "update")
    assert "w \\leftarrow w - \\eta\\, g" in at.latex[0].value  # plain SGD's rule over the update's table


def test_the_update_table_shows_adams_state():
    exp = nnlab.lessons.get("step-two-neurons").replace(training={"optimizer": "adam"})
    at = open_page(INSIDE, experiment=exp)
    at.segmented_control(key="inside_phase").set_value("update").run()
    assert_clean(at)
    table = at.dataframe[0].value
    assert {"m", "v", "m̂", "v̂", "step", "after"} <= set(table.columns) and len(table) == 7


def test_a_network_too_big_for_the_board_is_refused_and_the_step_lesson_is_one_press_away():
    at = open_page(INSIDE, lesson="digits-classifier")
    assert_clean(at)
    assert "64-128-10" in at.warning[0].value
    _button(at, "Load the step lesson (1-2-1)").click().run()
    assert_clean(at)
    assert at.session_state["experiment"] == nnlab.lessons.get("step-two-neurons") and at.table


def test_train_opens_a_step_from_the_shown_epoch_and_maps_the_loss_surface():
    at = open_page("pages/3_Train.py", lesson="step-two-neurons")
    at.button(key="train").click().run()
    assert_clean(at)
    at.toggle(key="show_landscape").set_value(True).run()
    assert_clean(at)
    assert any("The loss around the trained weights" in chart.proto.spec for chart in at.get("vega_lite_chart"))
    assert any("of how far the weights moved" in caption.value for caption in at.caption)
    _button(at, "Look inside one training step from epoch 5,000").click().run()
    assert_clean(at)
    assert at.title[0].value == "Inside one step" and at.session_state["inside_from"] == 5000
    shown = at.table[0].value  # the forward sums start from the trained weights, not the initial ones
    trained = nnlab.train(nnlab.lessons.get("step-two-neurons"))
    step = by_hand.one_step(trained.experiment, weights=trained.snapshots[5000])
    assert shown["z = Σ w·a + b"].iloc[0] == step_views.forward_sums(step, step.rows[0], ["x"])["z = Σ w·a + b"].iloc[0]


def test_the_race_draws_every_racer_and_follows_the_table_and_the_surface():
    at = open_page(RACE)
    assert_clean(at)
    race = next(chart.proto.spec for chart in at.get("vega_lite_chart") if "optimizers on the Bowl" in chart.proto.spec)
    assert '"name":"step"' in race.replace(" ", "")  # the step slider lives in the picture
    assert len(at.dataframe[-1].value) == len(nnlab.study.surfaces.RACERS)
    at.sidebar.selectbox(key="race_surface").set_value("rosenbrock").run()
    assert_clean(at)
    assert any("optimizers on the Rosenbrock" in chart.proto.spec for chart in at.get("vega_lite_chart"))
    assert at.dataframe[-1].value["racer"].tolist() == list(nnlab.study.surfaces.RACERS)
