"""Shareable links: every Experiment survives the round trip through query parameters."""

from urllib.parse import parse_qsl, urlencode

import pytest

import nnlab
from nnlab.errors import ConfigError
from nnlab.links import InstructorFlags, flags_from_query, from_query, to_query


def through_url(query: dict) -> dict:
    """What a browser hands back after the parameters were written into a URL."""
    return dict(parse_qsl(urlencode(query)))


@pytest.mark.parametrize("lesson_id", nnlab.lessons.names())
def test_a_lesson_is_one_short_parameter(lesson_id):
    exp = nnlab.lessons.get(lesson_id)
    assert to_query(exp) == {"lesson": lesson_id}
    assert from_query(through_url(to_query(exp))) == exp


@pytest.mark.parametrize(
    "exp",
    [
        nnlab.lessons.get("bump-twenty-neurons").replace(training={"learning_rate": 0.1}),
        nnlab.Experiment(
            data=nnlab.DataSpec(
                name="spiral", noise=0.35, n_points=750, train_fraction=0.65, crosses=("x1*x2", "sin(x1)"), seed=9
            ),
            model=nnlab.ModelSpec(hidden=(8, 3), activations=("tanh", "elu")),
            training=nnlab.TrainSpec(
                loss="bce_logits",
                optimizer="sgd",
                momentum=0.9,
                learning_rate=0.003,
                epochs=1234,
                batch_size=None,
                shuffle=True,
                snapshot_every=7,
            ),
            seed=2**31 - 1,
        ),
        nnlab.lessons.get("tabular-relu").replace(data={"name": "csv", "source": "abc123", "target": "a&b=c d"}),
        nnlab.lessons.get("step-two-neurons").replace(model={"hidden": (), "activations": ()}),
    ],
    ids=["one-change", "everything-changed", "upload-with-odd-target", "no-hidden-layer"],
)
def test_any_experiment_round_trips_through_the_url(exp):
    query = to_query(exp)
    assert from_query(through_url(query)) == exp
    assert set(query) <= {"lesson"} | set(nnlab.links.SETTINGS)


def test_a_link_lists_only_what_differs_from_its_lesson():
    exp = nnlab.lessons.get("bump-twenty-neurons").replace(training={"learning_rate": 0.1, "epochs": 500})
    assert to_query(exp) == {"lesson": "bump-twenty-neurons", "rate": "0.1", "epochs": "500"}


def test_a_hand_written_link_with_new_layers_repeats_the_last_activation():
    exp = from_query({"lesson": "tabular-relu", "hidden": "16,8"})
    assert exp.model.hidden == (16, 8) and exp.model.activations == ("relu", "relu")


def test_links_written_before_the_settings_were_renamed_still_read():
    old = from_query({"lesson": "tabular-relu", "lr": "0.1", "hidden": "7,5", "act": "tanh,elu", "opt": "adam",
                      "data": "heart-failure"})
    new = from_query({"lesson": "tabular-relu", "rate": "0.1", "units": "7,5", "activation": "tanh,elu",
                      "optimizer": "adam"})
    assert old == new and new.training.learning_rate == 0.1 and new.model.activations == ("tanh", "elu")


def test_regularisation_schedule_initialisation_and_dropout_travel_in_a_link():
    exp = nnlab.lessons.get("bump-two-layers").replace(
        training={"l2": 0.001, "l1": 0.0005, "schedule": "cosine"}, model={"init": "xavier", "dropout": (0.2, 0.1)})
    query = to_query(exp)
    assert {"l2": "0.001", "l1": "0.0005", "schedule": "cosine", "init": "xavier", "dropout": "0.2,0.1"}.items() <= query.items()
    assert from_query(query) == exp
    with pytest.raises(ConfigError, match="one dropout rate per hidden layer"):
        from_query(query | {"units": "10,10,10"})


@pytest.mark.parametrize(
    "query, words",
    [
        ({"lr": "fast"}, "lr='fast'"),
        ({"lr": "-1"}, "Learning rate"),
        ({"lesson": "nope"}, "Unknown lesson"),
        ({"hidden": "4,x"}, "hidden="),
        ({"act": "swish"}, "activation"),
        ({"shuffle": "maybe"}, "shuffle="),
        ({"crosses": "x3^2"}, "x3^2"),
    ],
)
def test_a_bad_link_names_the_wrong_value(query, words):
    with pytest.raises(ConfigError, match=None) as error:
        from_query(query)
    assert words in str(error.value)


def test_classroom_flags_hide_and_lock_groups_and_single_controls():
    room = flags_from_query({"hide": "model,upload", "lock": "rate,units"})
    assert room.hidden("layers", "model") and room.hidden("upload", "upload")
    assert not room.hidden("rate", "training") and room.locked("rate", "training")
    assert room.locked("units_3", "model") and not room.locked("epochs", "training")
    assert flags_from_query(through_url(room.to_query())) == room
    assert InstructorFlags().to_query() == {}
    with pytest.raises(ConfigError, match="'sliders'"):
        flags_from_query({"lock": "sliders"})


@pytest.mark.parametrize("query, kept", [
    ({"lesson": "step-two-neurons", "optimizer": "adam", "beta1": "1.5", "rate": "0.1"},
     {"optimizer": "adam", "learning_rate": 0.1}),
    ({"lesson": "bump-twenty-neurons", "momentum": "1.5", "optimizer": "sgd", "rate": "0.1"},
     {"optimizer": "sgd", "learning_rate": 0.1}),
    ({"lesson": "step-two-neurons", "opt": "adamax", "beta2": "2", "rate": "0.1"},
     {"optimizer": "adamax", "learning_rate": 0.1}),
])
def test_a_bad_hyperparameter_is_read_under_the_links_own_optimizer_and_alone_left_out(query, kept):
    """β1 means something for the optimizer the link names, not only the lesson's: the bad value is
    left out with its message, and the link's optimizer and rate are kept."""
    exp, problems = nnlab.links.from_link(query)
    assert {name: getattr(exp.training, name) for name in kept} == kept
    assert len(problems) == 1 and "must be between" in problems[0]


def test_an_out_of_range_setting_the_optimizer_does_not_read_is_still_refused():
    with pytest.raises(nnlab.ConfigError, match="β1 must be between"):
        nnlab.links.from_query({"lesson": "step-two-neurons", "beta1": "1.5"})
