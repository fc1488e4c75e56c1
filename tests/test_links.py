"""Shareable links: every Experiment survives the round trip through query parameters."""

from urllib.parse import parse_qsl, urlencode

import pytest

import nnlab
from nnlab.errors import ConfigError
from nnlab.links import Classroom, classroom_from_query, from_query, to_query


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
                optimizer="momentum",
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
    assert set(query) <= {"lesson"} | set(nnlab.links.PARAMS)


def test_a_link_lists_only_what_differs_from_its_lesson():
    exp = nnlab.lessons.get("bump-twenty-neurons").replace(training={"learning_rate": 0.1, "epochs": 500})
    assert to_query(exp) == {"lesson": "bump-twenty-neurons", "lr": "0.1", "epochs": "500"}


def test_a_hand_written_link_with_new_layers_repeats_the_last_activation():
    exp = from_query({"lesson": "tabular-relu", "hidden": "16,8"})
    assert exp.model.hidden == (16, 8) and exp.model.activations == ("relu", "relu")


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
    room = classroom_from_query({"hide": "model,upload", "lock": "rate,units"})
    assert room.hidden("layers", "model") and room.hidden("upload", "upload")
    assert not room.hidden("rate", "training") and room.locked("rate", "training")
    assert room.locked("units_3", "model") and not room.locked("epochs", "training")
    assert classroom_from_query(through_url(room.to_query())) == room
    assert Classroom().to_query() == {}
    with pytest.raises(ConfigError, match="'sliders'"):
        classroom_from_query({"lock": "sliders"})
