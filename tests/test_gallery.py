"""The picture registry: every lesson's data has its fit picture and its data picture, each
filled template is a Vega-Lite spec with its data, and a network without hidden units has no
inside picture (but images keep their counts)."""

import pytest

import nnlab
from nnlab.lessons import LESSONS
from nnlab.pictures import gallery

DATASETS = ["bump", "circle", "plane", "heart-failure", "digits", "iris"]


@pytest.fixture(scope="module", params=DATASETS)
def result(request):
    exp = nnlab.Experiment(data=nnlab.DataSpec(name=request.param, n_points=60),
                           model=nnlab.ModelSpec(hidden=(4,), activations=("tanh",)),
                           training=nnlab.TrainSpec(optimizer="adam", epochs=3, learning_rate=0.01))
    exp = nnlab.training.trainer.fit_loss_to_task(exp, nnlab.load_data(exp).task)
    return nnlab.train(exp)


EXPECTED = {"bump": ("fit curve", "unit shares", "points on a line"),
            "circle": ("decision boundary", "unit maps", "classes on the plane"),
            "plane": ("prediction over the plane", "unit maps", "values on the plane"),
            "heart-failure": ("confusion matrix", "first-layer weights", None),
            "digits": ("answers on images", "confusion under the images", "images"),
            "iris": ("confusion matrix", "first-layer weights", None)}


def test_each_kind_of_data_gets_its_own_pictures(result):
    data = result.data
    fit, inside, alone = EXPECTED[result.experiment.data.name]
    assert gallery.look_up(gallery.FITS, data).name == fit
    assert gallery.inside(result).name == inside
    assert (gallery.look_up(gallery.DATA, data) or gallery.Picture("", None, None)).name == (alone or "")
    epoch = max(result.snapshots)
    for picture in (gallery.look_up(gallery.FITS, data), gallery.inside(result)):
        spec = picture.spec(result, epoch, gallery.View())
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
        assert spec["datasets"] and all(len(frame) for frame in spec["datasets"].values()), picture.name


def test_compact_drops_the_title_and_hiding_the_test_points_drops_them():
    exp = LESSONS["bump-twenty-neurons"].experiment.replace(data={"name": "circle", "train_fraction": 0.5},
                                                          training={"epochs": 3})
    result = nnlab.train(exp)
    picture = gallery.look_up(gallery.FITS, result.data)
    full = picture.spec(result, 3, gallery.View())
    bare = picture.spec(result, 3, gallery.View(compact=True, show_test=False))
    assert full["title"] and not bare.get("title")
    splits = [set(frame["split"]) for frame in bare["datasets"].values() if "split" in frame]
    assert splits == [{"train"}]


def test_a_network_without_hidden_units_has_nothing_inside_but_images_keep_their_counts():
    flat = nnlab.train(nnlab.Experiment(data=nnlab.DataSpec(name="circle", n_points=40),
                                        model=nnlab.ModelSpec(hidden=(), activations=()),
                                        training=nnlab.TrainSpec(epochs=2)))
    assert gallery.inside(flat) is None
    digits = nnlab.train(nnlab.lessons.get("digits-classifier").replace(
        model={"hidden": (), "activations": ()}, training={"epochs": 1}))
    assert gallery.inside(digits).name == "confusion under the images"
