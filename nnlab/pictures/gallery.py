"""Which picture draws which data, in one place: for each kind of data, the frame function
(nnlab.pictures.frames) and the picture that draws it (a template filled per run, in
nnlab.pictures.*_charts).

Train, play mode, Compare and the Data explorer look a picture up here instead of asking the
data's kind themselves: `FITS` (what the network does with the data, at a snapshot), `INTERNALS` (what
its units do), `CURVES` (the history) and `DATA` (the data alone). The first picture of a table
that shows the data wins; `result_pictures` fills every picture of a run at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from nnlab import i18n
from nnlab.data.datasets import Data
from nnlab.i18n import N_, capitalized, msg
from nnlab.pictures import data_charts, frames, run_charts
from nnlab.training.models import outputs_probability
from nnlab.training.result import TrainResult

SPLITS = {"test": N_("test"), "train": N_("training")}  # a data set's parts, as titles name them


@dataclass(frozen=True)
class View:
    """How a page asks for a picture: Playground's toggles, and a narrow column's lack of title."""

    discretize: bool = False  # colour each cell by the class it is given
    show_test: bool = True  # draw the test points too
    compact: bool = False  # no title: a comparison's narrow columns
    title: str | None = None  # the page's own title, where "after epoch N" would mislead (weights set by hand)


@dataclass(frozen=True)
class Picture:
    name: str
    shows: Callable[[Data], bool]  # the data it draws
    spec: Callable  # (result, epoch, View) -> a filled spec; a DATA picture: (data, View)
    width: str | None = "stretch"  # as st.vega_lite_chart takes it: "content" keeps an image's own pixels
    caption: str = ""  # what to read in it, under it
    toggles: tuple[str, ...] = ()  # the View fields a page offers as toggles under it


def look_up(table: tuple[Picture, ...], data: Data) -> Picture | None:
    """The picture of `table` for this data, if any."""
    return next((picture for picture in table if picture.shows(data)), None)


def _title(view: View, title: str) -> str:
    return "" if view.compact else view.title or title


def _points(data: Data, view: View) -> pd.DataFrame:
    points = frames.points_frame(data)
    return points if view.show_test else points[points["split"] == "train"]


# --- what the network does with the data, at snapshot `epoch` --------------------------------

def _fit_curve(result: TrainResult, epoch: int, view: View) -> dict:
    data = result.data
    return run_charts.fit_1d(_points(data, view), frames.fit_curve(result, epoch), _title(view, None),
                         x_title=data.feature_names[0])


def _answers(result: TrainResult, epoch: int, view: View) -> dict:
    data = result.data
    title = _title(view, msg("{split} images: the answers after epoch {epoch}", split=capitalized(SPLITS[data.shown_split]),
                             epoch=epoch))
    return data_charts.image_grid(frames.image_grid(data, result, epoch), title)


def _value_plane(result: TrainResult, epoch: int, view: View) -> dict:
    data = result.data
    return run_charts.value_plane(_points(data, view), frames.value_grid(result, epoch),
                              _title(view, msg("Prediction after epoch {epoch}", epoch=epoch)), tuple(data.feature_names[:2]))


def _decision_boundary(result: TrainResult, epoch: int, view: View) -> dict:
    data = result.data
    return run_charts.decision_boundary(frames.decision_grid(result, epoch), _points(data, view), data.class_names,
                                    _title(view, msg("Decision boundary after epoch {epoch}", epoch=epoch)),
                                    titles=tuple(data.feature_names[:2]), discretize=view.discretize)


def _confusion(result: TrainResult, epoch: int, view: View) -> dict:
    split = result.data.shown_split
    return run_charts.confusion_matrix(frames.confusion(result, split, epoch),
                                   _title(view, msg("Confusion ({split} set), epoch {epoch}", split=SPLITS[split], epoch=epoch)))


def _plane(task: str) -> Callable[[Data], bool]:
    return lambda data: data.shape_kind == "2d" and data.task == task


FITS = (
    Picture("fit curve", lambda data: data.shape_kind == "1d", _fit_curve),
    Picture("answers on images", lambda data: bool(data.image_shape), _answers, width="content",
            caption=N_("Each answer is just above its image; a wrong one is red, with ✗.")),
    Picture("prediction over the plane", _plane("regression"), _value_plane, toggles=("show_test",)),
    Picture("decision boundary", _plane("binary"), _decision_boundary, toggles=("discretize", "show_test")),
    Picture("confusion matrix", lambda data: data.task != "regression", _confusion),
)


# --- what the network's units do, at snapshot `epoch` ----------------------------------------

def _unit_shares(result: TrainResult, epoch: int, view: View) -> dict:
    data, exp = result.data, result.experiment
    # short: a phone's legend holds about 30 characters; the caption says the output bias is in the sum
    ending = (N_("the sigmoid's input") if outputs_probability(exp, data.task)
              else N_("the output logit") if exp.training.loss == "bce_logits" else N_("the output"))
    curves, units = frames.unit_contributions(result, epoch)
    names = _unit_names(units["unit"])
    curves, units = curves.rename(columns=names), units.assign(unit=units["unit"].map(names))
    return run_charts.unit_contributions(curves, units, i18n.translate(msg("sum = {ending}", ending=ending),
                                                                   i18n.LANGUAGE.get()), data.feature_names[0])


def _unit_names(names) -> dict[str, str]:
    """Each unit's name ("unit 3": a data value that a legend, an axis and a tooltip show) in the session's language."""
    language = i18n.LANGUAGE.get()
    return {name: i18n.translate(msg("unit {number}", number=name.split()[-1]), language) for name in dict.fromkeys(names)}


def _first_weights(result: TrainResult, epoch: int, view: View) -> dict:
    weights = frames.first_layer_weights(result, epoch)
    return run_charts.weight_heatmap(weights.assign(unit=weights["unit"].map(_unit_names(weights["unit"]))))


def _test_confusion(result: TrainResult, epoch: int, view: View) -> dict:
    split = result.data.shown_split
    return run_charts.confusion_matrix(frames.confusion(result, split, epoch),
                                       msg("Confusion ({split} set)", split=SPLITS[split]))


INTERNALS = (
    # the images take the fit's place; the counts of what went wrong follow
    Picture("confusion under the images", lambda data: bool(data.image_shape), _test_confusion),
    Picture("unit shares", lambda data: data.shape_kind == "1d", _unit_shares,
            caption=N_("Each thin line is one unit of the last hidden layer: its activation times its output weight. "
                       "Added up with the output bias they give the thick dashed line. Point at or tap a line for its weights.")),
    Picture("unit maps", lambda data: data.shape_kind == "2d",
            lambda result, epoch, view: run_charts.unit_maps(frames.unit_maps(result, epoch)), width=None,
            caption=N_("Each square is one hidden unit's activation over the same plane (first 8 units of each layer), "
                       "scaled to its own largest value. Later layers combine the shapes of earlier ones.")),
    Picture("first-layer weights", lambda data: True,
            _first_weights,
            caption=N_("Standardised inputs: a large weight means the unit listens to that feature. Red pushes the "
                       "unit up, blue down.")),
)


def inside(result: TrainResult) -> Picture | None:
    """The picture of what the units do; none for a network without hidden units (but images' counts)."""
    picture = look_up(INTERNALS, result.data)
    return picture if picture and (result.experiment.model.hidden or picture is INTERNALS[0]) else None


# --- the history ------------------------------------------------------------------------------

CURVES = (
    Picture("loss", lambda data: True, lambda result, epoch, view: run_charts.loss_curves(result.history)),
    Picture("accuracy", lambda data: data.hard_labels, lambda result, epoch, view: run_charts.accuracy_curves(result.history)),
    Picture("gradient flow", lambda data: True,
            lambda result, epoch, view: run_charts.gradient_flow(result.gradient_flow),
            caption=N_("Each layer's mean absolute weight gradient per epoch (layer 1 is next to the input). "
                       "A layer far below the others hardly changes: its gradient has vanished on the way back.")),
)


def chosen_view(data: Data, toggles: Mapping) -> View:
    """The View the fit picture's toggles ask for (`toggles`: name -> value, as a page last set them)."""
    picture, defaults = look_up(FITS, data), View()
    return View(**{name: bool(toggles.get(name, getattr(defaults, name))) for name in (picture.toggles if picture else ())})


def result_pictures(result: TrainResult, epoch: int, toggles: Mapping) -> dict[str, tuple[Picture, dict]]:
    """Every picture of a run at snapshot `epoch`, filled: "fit", "loss", "inside", "accuracy" and
    "gradient flow", those that apply (name -> (the picture, its spec)); `toggles` as `chosen_view`."""
    view = chosen_view(result.data, toggles)
    chosen = {"fit": look_up(FITS, result.data), "inside": inside(result)}
    chosen |= {picture.name: picture for picture in CURVES if picture.shows(result.data)}
    if not len(result.gradient_flow):
        chosen.pop("gradient flow")
    return {name: (picture, picture.spec(result, epoch, view)) for name, picture in chosen.items() if picture}


# --- the data alone ----------------------------------------------------------------------------

DATA = (
    Picture("points on a line", lambda data: data.shape_kind == "1d",
            lambda data, view: data_charts.scatter_1d(frames.points_frame(data), data.feature_names[0])),
    Picture("classes on the plane", lambda data: data.shape_kind == "2d" and data.task != "regression" and data.hard_labels,
            lambda data, view: data_charts.scatter_2d(frames.points_frame(data), data.class_names,
                                                 tuple(data.feature_names))),
    Picture("values on the plane", lambda data: data.shape_kind == "2d",
            lambda data, view: run_charts.value_plane(frames.points_frame(data), titles=tuple(data.feature_names[:2]))),
    Picture("images", lambda data: bool(data.image_shape),
            lambda data, view: data_charts.image_grid(frames.image_grid(data),
                                                 msg("The first {split} images", split=SPLITS[data.shown_split])),
            width="content"),
)
