"""Be the optimizer: a weight set by hand is exactly that weight and nothing else, the link carries
it, the loss is every training row's and each weight's move is one gradient step's; out-of-range
values and links of another network get messages; the page sets, resets and hands over to Train."""

from __future__ import annotations

import pytest
import torch
from apptest_support import assert_clean, fresh_caches, open_page  # noqa: F401  (fresh_caches: a fixture)

import nnlab
from nnlab import links
from nnlab.errors import ConfigError, WeightsError
from nnlab.study import hand
from nnlab.study.by_hand import BIAS
from nnlab.training.engine.autograd import make_loss
from nnlab.training.models import build_model

PAGE = "pages/10_Be_the_optimizer.py"


pytestmark = pytest.mark.usefixtures("fresh_caches")  # apptest_support's: each test a new server


@pytest.fixture(scope="module")
def step_lesson():
    exp = nnlab.lessons.get("step-two-neurons")
    return exp, nnlab.load_data(exp)


def _state(exp, data) -> dict:
    return build_model(exp, data.n_features, data.n_outputs, data.task).state_dict()


def test_a_weight_set_by_hand_is_that_weight_alone_and_the_link_carries_it(step_lesson):
    exp, data = step_lesson
    before = _state(exp, data)
    set_once = hand.with_weight(exp, data, 1, 1, 0, 2.345)
    both = hand.with_weight(set_once, data, 2, 0, BIAS, -7.5)
    after = _state(both, data)
    assert float(after["0.weight"][1, 0]) == pytest.approx(2.345, abs=1e-6) and float(after["2.bias"][0]) == -7.5
    changed = {name: (after[name] != before[name]).sum().item() for name in before}
    assert changed == {"0.weight": 1, "0.bias": 0, "2.weight": 0, "2.bias": 1}
    again, problems = links.from_link(links.to_query(both))
    assert not problems and again == both
    assert all(torch.equal(_state(again, data)[name], after[name]) for name in after)


def test_the_loss_is_every_training_rows_and_each_move_one_gradient_step(step_lesson):
    exp, data = step_lesson
    exp = hand.with_weight(exp, data, 1, 0, 0, -0.4)
    step = hand.hand_step(exp, data)
    model = build_model(exp, data.n_features, data.n_outputs, data.task)
    loss = make_loss(exp)(model(data.x_train), data.y_train)
    assert step.loss == pytest.approx(float(loss), rel=1e-6) and len(step.rows) == len(data.x_train)
    loss.backward()
    gradient = float(model[0].weight.grad[0, 0])
    row = step.update[(step.update["layer"] == 1) & (step.update["unit"] == 0) & (step.update["source"] == 0)].iloc[0]
    assert row["gradient"] == pytest.approx(gradient, rel=1e-5)
    assert row["step"] == pytest.approx(-exp.training.learning_rate * gradient, rel=1e-5)  # SGD: against the gradient
    assert hand.hand_loss(exp, data) == step.loss


def test_bad_values_and_links_of_another_network_are_refused_with_what_is_wrong(step_lesson):
    exp, data = step_lesson
    for value in (float("nan"), float("inf"), 1e6):
        with pytest.raises(ConfigError, match="between"):
            hand.with_weight(exp, data, 1, 0, 0, value)
    wide = exp.replace(model={"hidden": (3,), "activations": ("sigmoid",)})
    foreign = hand.with_weight(wide, data, 1, 0, 0, 1.0).model.start
    with pytest.raises(WeightsError, match="this network has 7 weights and biases, and the link holds 10"):
        build_model(exp.replace(model={"start": foreign}), data.n_features, data.n_outputs, data.task)
    query = links.to_query(exp) | {"start": "w1@@@"}
    kept, problems = links.from_link(query)
    assert kept.model.start == "" and problems


def test_the_page_sets_a_weight_redraws_resets_and_hands_over_to_train(step_lesson):
    exp, data = step_lesson
    at = open_page(PAGE, lesson="step-two-neurons")
    assert_clean(at)
    first = at.metric[0].value
    at.selectbox(key="hand_weight").set_value("b(ŷ)").run()
    at.number_input(key="hand_typed").set_value(3.0).run()
    assert_clean(at)
    changed = at.session_state["experiment"]
    assert float(_state(changed, data)["2.bias"][0]) == 3.0 and at.metric[0].value != first
    assert at.query_params["start"] in (changed.model.start, [changed.model.start])
    assert at.slider(key="hand_slider").value == 3.0  # the slider follows the typed value
    next(button for button in at.button if button.key == "hand_reset").click().run()
    assert at.session_state["experiment"].model.start == "" and at.metric[0].value == first
    at.number_input(key="hand_typed").set_value(-2.0).run()
    next(button for button in at.button if button.key == "hand_train").click().run()
    at.switch_page("pages/3_Train.py").run()  # where the switch went; the lesson card's flag trains at once
    assert_clean(at)
    result_start = at.session_state["experiment"].model.start
    assert result_start and at.metric


def test_a_network_too_big_to_set_by_hand_is_said_and_the_step_lesson_is_one_press_away():
    at = open_page(PAGE, lesson="bump-twenty-neurons")
    assert_clean(at)
    assert "1-20-1" in at.warning[0].value
    at.button[0].click().run()
    assert at.session_state["experiment"] == nnlab.lessons.get("step-two-neurons")


def test_a_network_brought_back_with_weights_beyond_a_hands_reach_is_said_and_the_seeds_are_one_press_away(step_lesson):
    from nnlab.training import weights

    exp, data = step_lesson
    state = {name: tensor * 0 + 150.0 for name, tensor in _state(exp, data).items()}
    brought = exp.replace(model={"start": weights.store(state)})
    at = open_page(PAGE, experiment=brought)
    assert_clean(at)
    assert "beyond what can be set by hand" in at.warning[0].value and not at.slider
    next(button for button in at.button if button.key == "hand_reset").click().run()
    assert at.session_state["experiment"].model.start == "" and at.slider
