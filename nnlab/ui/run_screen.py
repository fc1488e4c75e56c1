"""Drawing a finished run or comparison: fit at a chosen snapshot, curves, and the device readout."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nnlab.i18n import N_
from nnlab.pictures import frames, gallery, many_runs_charts, readouts, study_charts
from nnlab.study import by_hand
from nnlab.study.loss_surface import DIRECTIONS, landscape
from nnlab.training.comparison import CompareRun, compare_gradient_flow, compare_histories, compare_summary
from nnlab.training.trainer import TrainResult
from nnlab.ui import inside_screen
from nnlab.ui.pictures import draw
from nnlab.ui.services import freeze_late_imports, one_picture_at_a_time
from nnlab.ui.words import _, formatter


def readout(result: TrainResult) -> None:
    last = result.history.iloc[-1] if len(result.history) else None
    row = st.container(horizontal=True)  # wraps on a phone; one element in all, where columns took one a cell
    row.metric(_("Final train loss"), f"{last['train_loss']:.4f}" if last is not None else "—",
               help=_("Exactly {loss!r}: the mean loss per sample over the last epoch.", loss=float(last['train_loss']))
                    if last is not None else None)
    if last is not None and "test_acc" in last:
        row.metric(_("Test accuracy"), f"{last['test_acc']:.1%}")
    elif last is not None and "train_acc" in last:
        row.metric(_("Train accuracy"), f"{last['train_acc']:.1%}")
    row.metric(_("Epochs per second"), f"{result.epochs_per_second:,.0f}")
    engine = _("compiled (Numba)") if result.engine == "compiled" else "PyTorch autograd"
    row.metric(_("Device"), result.device.upper(), delta=engine, delta_color="off", delta_arrow="off",
               help=_(result.reason))
    st.caption(_("{epochs:,} epochs in {seconds:.2f} s on {device}. Why this device and engine: {reason}",
                 epochs=result.epochs_run, seconds=result.seconds, device=result.device.upper(), reason=result.reason)
               + (_(" Trained in one call as one of {runs} runs of its shape, the lanes of one vector: the time is "
                    "theirs together, the result this run's alone.", runs=result.trained_with + 1)
                  if result.trained_with else ""))


DIRECTION_CHOICES = {"pca": N_("where training moved most"), "random": N_("two random ones")}
LANDSCAPE = "shown_landscape"  # (run, directions) and its loss surface: _landscape's
TOGGLES = {"discretize": (N_("Discretize output"), N_("Colour each cell by the class it is given.")),
           "show_test": (N_("Show test points"), None)}


def view_toggles(data) -> None:
    """The toggles the fit picture offers (gallery.Picture.toggles), under it."""
    picture = gallery.look_up(gallery.FITS, data)
    if picture is None or not picture.toggles:
        return
    for column, name in zip(st.columns(2), ("discretize", "show_test"), strict=True):  # each in its own place
        if name in picture.toggles:
            text, help_text = TOGGLES[name]
            column.toggle(_(text), value=getattr(gallery.View(), name), key=name, help=help_text and _(help_text),
                          disabled=name == "show_test" and not data.has_test)


def fit_view(result: TrainResult, epoch: int, view: gallery.View | None = None) -> None:
    """The picture the tutorial draws: a fit curve, a decision boundary, the answers on images, or
    a confusion matrix (nnlab.pictures.gallery.FITS)."""
    picture = gallery.look_up(gallery.FITS, result.data)
    if picture:
        draw(st, picture.spec(result, epoch, view or gallery.View()), width=picture.width)


def internals_view(result: TrainResult, epoch: int) -> None:
    """Inside the network at snapshot `epoch` (nnlab.pictures.gallery.INTERNALS), with what to read in it."""
    picture = gallery.inside(result)
    if picture:
        draw(st, picture.spec(result, epoch, gallery.View()), width=picture.width)
        if picture.caption:
            st.caption(_(picture.caption))


def show_training(result: TrainResult) -> None:
    freeze_late_imports()  # once, after a lecture's first autograd use
    with one_picture_at_a_time().turn():
        _show_training(result)


def _show_training(result: TrainResult) -> None:
    inside_screen.follow(result.experiment)  # "Look inside one training step" was pressed
    if result.message:
        st.warning(_("{problem} The charts show the run up to the last finite epoch.", problem=result.message))
    if not len(result.history):
        return
    trouble = readouts.not_learning(result)
    if trouble:
        st.warning(_(trouble), icon=":material/troubleshoot:")
    # the fit and the loss first, where a projector shows them without scrolling; what steers them below
    epochs = sorted(result.snapshots)
    slider = f"snapshot_{hash(result.experiment)}"
    epoch = st.session_state.get(slider, epochs[-1])
    epoch = epoch if epoch in epochs else epochs[-1]
    shown = gallery.result_pictures(result, epoch, st.session_state)
    left, right = st.columns([3, 2], gap="large")  # the fit is the lesson's picture: the wider
    _draw_shown(shown, "fit", left)
    _draw_shown(shown, "loss", right)
    if right.toggle(_(":material/landscape: Loss surface"), key="show_landscape",  # short: a narrow column
                    help=_("The training loss over a plane of weight space through the trained weights, and the "
                           "path training took across it.")):
        loss_surface(result)
    st.select_slider(_("Show the fit after epoch"), epochs, value=epochs[-1], key=slider,
                     help=_("The network's weights are recorded at these epochs, as in the tutorials' pictures."))
    view_toggles(result.data)
    readout(result)
    if not by_hand.unfit(result.experiment, result.data):
        st.button(_("Look inside one training step from epoch {epoch:,}", epoch=epoch), icon=":material/calculate:",
                  on_click=inside_screen.start_from, args=(epoch,))
    _draw_shown(shown, "inside", st)
    below = [name for name in ("accuracy", "gradient flow") if name in shown]  # side by side; one alone takes the width
    for name, where in zip(below, st.columns(len(below), gap="large") if len(below) > 1 else [st], strict=True):
        _draw_shown(shown, name, where)


def loss_surface(result: TrainResult) -> None:
    """On asking (it is not part of every result's cost): the loss over a slice of weight space
    through the trained weights, and the path training took across it."""
    picture, words = st.columns([3, 2], gap="large")
    directions = words.radio(_("Directions"), list(DIRECTIONS), key="landscape_directions",
                             format_func=formatter(DIRECTION_CHOICES.get))
    surface = _landscape(result, directions)
    cells, path = frames.landscape_cells(surface.grid, surface.path)
    axes = (_("1st direction"), _("2nd direction"))
    draw(picture, study_charts.loss_landscape(cells, path, axes, _("The loss around the trained weights")), width="stretch")
    share = (_(" These two hold {share:.1%} of how far the weights moved.", share=surface.explained)
             if directions == "pca" else "")
    words.caption(_("A slice through weight space along {directions}. Darker is a higher loss; the trained weights are "
                    "at (0, 0), and the red path joins the recorded epochs.", directions=DIRECTIONS[directions]) + share)


def _landscape(result: TrainResult, directions: str):
    """The session's last loss surface, kept while it is asked for again (the snapshot slider and
    the toggles rerun this part, and the surface does not change with them)."""
    key = (result.experiment, result.epochs_run, directions)
    kept = st.session_state.get(LANDSCAPE)
    if kept is None or kept[0] != key:
        kept = st.session_state[LANDSCAPE] = (key, landscape(result, directions))
    return kept[1]


def _draw_shown(shown: dict, name: str, where) -> None:
    """One of a run's filled pictures (gallery.result_pictures), if it has it, with its caption."""
    if name in shown:
        picture, spec = shown[name]
        draw(where, spec, width=picture.width)
        if picture.caption:
            where.caption(_(picture.caption))


def show_comparison(runs: list[CompareRun]) -> None:
    with one_picture_at_a_time().turn():
        _show_comparison(runs)


def _show_comparison(runs: list[CompareRun]) -> None:
    histories = compare_histories(runs)
    draw(st, many_runs_charts.compare_curves(histories, "train_loss"), width="stretch")
    if "test_acc" in histories:
        draw(st, many_runs_charts.compare_curves(histories, "test_acc"), width="stretch")
    gradients = compare_gradient_flow(runs)
    if gradients["layer"].nunique() > 1:  # with one Linear layer there is no way back to vanish on
        draw(st, many_runs_charts.compare_gradient_flow(gradients), width="stretch")
        st.caption(_("How large each layer's weight gradients are, first layer on the left. Where an activation's "
                     "line falls steeply to the left, its early layers hardly learn: the gradient vanishes."))
    first_seed = [run for run in runs if run.seed == runs[0].seed]
    for number, run in enumerate(first_seed):
        if number % 2 == 0:  # two across: four made a confusion matrix's class names overprint at 1280
            columns = iter(st.columns(2))
        with next(columns):
            st.markdown(_("**{activation}** · seed {seed}", activation=run.activation, seed=run.seed))
            if run.result.message:
                st.caption(_(run.result.message))
            if len(run.history):
                fit_view(run.result, max(run.result.snapshots), gallery.View(compact=True))
    st.subheader(_("Final metrics: mean ± standard deviation over seeds"))
    st.dataframe(_summary_table(compare_summary(runs)), hide_index=True, width="stretch")
    first = runs[0].result
    stacked = all(run.result.engine == "compiled" for run in runs)
    seconds = max(run.result.seconds for run in runs) if stacked else sum(run.result.seconds for run in runs)
    epochs = sum(run.result.epochs_run for run in runs)
    together = _(", trained together on every core") if stacked else ""
    st.caption(_("{runs} runs, {epochs:,} epochs in all, in {seconds:.1f} s on {device} ({speed:,.0f} epochs/s{together}). "
                 "{reason}", runs=len(runs), epochs=epochs, seconds=seconds, device=first.device.upper(),
                 speed=epochs / seconds if seconds else 0, together=together, reason=first.reason))


def _summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """One column per metric, "mean ± std": narrow enough for a 1280-pixel projector."""
    table = {_("activation"): summary["activation"]}
    for metric, title in many_runs_charts.METRIC_NAMES.items():
        if f"{metric} mean" in summary:
            means, spreads = summary[f"{metric} mean"], summary[f"{metric} std"].fillna(0.0)
            shown = "{:.1%} ± {:.1%}" if metric.endswith("acc") else "{:.4f} ± {:.4f}"
            table[_(title)] = [shown.format(m, s) if pd.notna(m) else "—" for m, s in zip(means, spreads, strict=True)]
    table[_("runs diverged")] = summary["runs diverged"]
    return pd.DataFrame(table)
