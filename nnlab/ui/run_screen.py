"""Drawing a finished run or comparison: fit at a chosen snapshot, curves, and the device readout."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nnlab import charts, views
from nnlab.comparison import CompareRun, compare_gradient_flow, compare_histories, compare_summary
from nnlab.models import outputs_probability
from nnlab.training import TrainResult
from nnlab.ui.pictures import draw
from nnlab.ui.server import drawing


def readout(result: TrainResult) -> None:
    last = result.history.iloc[-1] if len(result.history) else None
    row = st.container(horizontal=True)  # wraps on a phone; one element in all, where columns took one a cell
    row.metric("Final train loss", f"{last['train_loss']:.4f}" if last is not None else "—",
               help=f"Exactly {float(last['train_loss'])!r}: the mean loss per sample over the last epoch."
                    if last is not None else None)
    if last is not None and "test_acc" in last:
        row.metric("Test accuracy", f"{last['test_acc']:.1%}")
    elif last is not None and "train_acc" in last:
        row.metric("Train accuracy", f"{last['train_acc']:.1%}")
    row.metric("Epochs per second", f"{result.epochs_per_second:,.0f}")
    engine = "compiled (Numba)" if result.engine == "compiled" else "PyTorch autograd"
    row.metric("Device", result.device.upper(), delta=engine, delta_color="off", delta_arrow="off",
               help=result.reason)
    st.caption(f"{result.epochs_run:,} epochs in {result.seconds:.2f} s on {result.device.upper()}. "
               f"Why this device and engine: {result.reason}")


def plane_choices(data) -> tuple[bool, bool]:
    """The 2-D display toggles' values, as in Playground: (discretize the output, show the test
    points). Read before the picture is drawn; `plane_toggles` draws the toggles under it."""
    if data.shape_kind != "2d":
        return False, True
    return bool(st.session_state.get("discretize", False)), bool(st.session_state.get("show_test", True))


def plane_toggles(data) -> None:
    if data.shape_kind != "2d":
        return
    left, right = st.columns(2)
    if data.task != "regression":
        left.toggle("Discretize output", key="discretize", help="Colour each cell by the class it is given.")
    right.toggle("Show test points", value=True, key="show_test", disabled=not data.has_test)


def fit_view(result: TrainResult, epoch: int, compact: bool = False, discretize: bool = False,
             show_test: bool = True) -> None:
    """The picture the tutorial draws: fit curve, decision boundary, or a confusion matrix.
    `compact` drops the chart title, for the narrow columns of the comparison."""
    data = result.data
    points = views.points_frame(data)
    if not show_test:
        points = points[points["split"] == "train"]
    if data.shape_kind == "1d":
        curve = views.fit_curve(result, epoch)
        chart = charts.fit_1d(points, curve, "" if compact else None, x_title=data.feature_names[0])
        draw(st, chart, width="stretch")
    elif data.image_shape:
        title = "" if compact else f"{data.shown_split.capitalize()} images: the answers after epoch {epoch}"
        draw(st, charts.image_grid(views.image_grid(data, result, epoch), title), width="content")
    elif data.shape_kind == "2d" and data.task == "regression":
        title = "" if compact else f"Prediction after epoch {epoch}"
        grid = views.value_grid(result, epoch)
        draw(st, charts.value_plane(points, grid, title, tuple(data.feature_names[:2])), width="stretch")
    elif data.shape_kind == "2d" and data.task == "binary":
        title = "" if compact else f"Decision boundary after epoch {epoch}"
        chart = charts.decision_boundary(views.decision_grid(result, epoch), points, data.class_names, title,
                                         titles=tuple(data.feature_names[:2]), discretize=discretize)
        draw(st, chart, width="stretch")
    elif data.task != "regression":
        title = "" if compact else f"Confusion ({data.shown_split} set), epoch {epoch}"
        draw(st, charts.confusion_matrix(views.confusion(result, data.shown_split, epoch), title), width="stretch")


def internals_view(result: TrainResult, epoch: int) -> None:
    """Inside the network at snapshot `epoch`: unit shares (1-D), unit maps (2-D), first-layer weights (tables)."""
    data, exp = result.data, result.experiment
    if data.image_shape:  # the images take the fit's place; the counts of what went wrong follow
        split = data.shown_split
        draw(st, charts.confusion_matrix(views.confusion(result, split, epoch), f"Confusion ({split} set)"),
             width="stretch")
        return
    if not exp.model.hidden:
        return
    if data.shape_kind == "1d":
        ending = ("input to the output sigmoid" if outputs_probability(exp, data.task)
                  else "the output logit" if exp.training.loss == "bce_logits" else "the output")
        curves, units = views.unit_contributions(result, epoch)
        chart = charts.unit_contributions(curves, units, f"all units + output bias = {ending}", data.feature_names[0])
        draw(st, chart, width="stretch")
        st.caption("Each thin line is one unit of the last hidden layer: its activation times its output weight. "
                   "Added up with the output bias they give the thick dashed line. Hover a line for its weights.")
    elif data.shape_kind == "2d":
        draw(st, charts.unit_maps(views.unit_maps(result, epoch)))
        st.caption("Each square is one hidden unit's activation over the same plane (first 8 units of each layer), "
                   "scaled to its own largest value. Later layers combine the shapes of earlier ones.")
    else:
        draw(st, charts.weight_heatmap(views.first_layer_weights(result, epoch)), width="stretch")
        st.caption("Standardised inputs: a large weight means the unit listens to that feature. Red pushes the "
                   "unit up, blue down.")


def show_training(result: TrainResult) -> None:
    with drawing().turn():
        _show_training(result)


def _show_training(result: TrainResult) -> None:
    if result.message:
        st.warning(result.message + " The charts show the run up to the last finite epoch.")
    if not len(result.history):
        return
    trouble = views.not_learning(result)
    if trouble:
        st.warning(trouble, icon=":material/troubleshoot:")
    # the fit and the loss first, where a projector shows them without scrolling; what steers them below
    epochs = sorted(result.snapshots)
    slider = f"snapshot_{hash(result.experiment)}"
    epoch = st.session_state.get(slider, epochs[-1])
    epoch = epoch if epoch in epochs else epochs[-1]
    discretize, show_test = plane_choices(result.data)
    left, right = st.columns(2, gap="large")
    with left:
        fit_view(result, epoch, discretize=discretize, show_test=show_test)
    with right:
        draw(st, charts.loss_curves(result.history), width="stretch")
    st.select_slider("Show the fit after epoch", epochs, value=epochs[-1], key=slider,
                     help="The network's weights are recorded at these epochs, as in the tutorials' pictures.")
    plane_toggles(result.data)
    readout(result)
    internals_view(result, epoch)
    accuracy, flow = st.columns(2, gap="large")
    if "train_acc" in result.history:
        draw(accuracy, charts.accuracy_curves(result.history), width="stretch")
    if len(result.gradient_flow):
        draw(flow, charts.gradient_flow(result.gradient_flow), width="stretch")
        flow.caption("Each layer's mean absolute weight gradient per epoch (layer 1 is next to the input). "
                     "A layer far below the others hardly changes: its gradient has vanished on the way back.")


def show_comparison(runs: list[CompareRun]) -> None:
    with drawing().turn():
        _show_comparison(runs)


def _show_comparison(runs: list[CompareRun]) -> None:
    histories = compare_histories(runs)
    draw(st, charts.compare_curves(histories, "train_loss"), width="stretch")
    if "test_acc" in histories:
        draw(st, charts.compare_curves(histories, "test_acc"), width="stretch")
    gradients = compare_gradient_flow(runs)
    if gradients["layer"].nunique() > 1:  # with one Linear layer there is no way back to vanish on
        draw(st, charts.compare_gradient_flow(gradients), width="stretch")
        st.caption("How large each layer's weight gradients are, first layer on the left. Where an activation's "
                   "line falls steeply to the left, its early layers hardly learn: the gradient vanishes.")
    first_seed = [run for run in runs if run.seed == runs[0].seed]
    for number, run in enumerate(first_seed):
        if number % 2 == 0:  # two across: four made a confusion matrix's class names overprint at 1280
            columns = iter(st.columns(2))
        with next(columns):
            st.markdown(f"**{run.activation}** · seed {run.seed}")
            if run.result.message:
                st.caption(run.result.message)
            if len(run.history):
                fit_view(run.result, max(run.result.snapshots), compact=True)
    st.subheader("Final metrics: mean ± standard deviation over seeds")
    st.dataframe(_summary_table(compare_summary(runs)), hide_index=True, width="stretch")
    first = runs[0].result
    stacked = all(run.result.engine == "compiled" for run in runs)
    seconds = max(run.result.seconds for run in runs) if stacked else sum(run.result.seconds for run in runs)
    epochs = sum(run.result.epochs_run for run in runs)
    st.caption(f"{len(runs)} runs, {epochs:,} epochs in all, in {seconds:.1f} s on {first.device.upper()} "
               f"({epochs / seconds if seconds else 0:,.0f} epochs/s{', trained together on every core' if stacked else ''}). "
               f"{first.reason}")


def _summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """One column per metric, "mean ± std": narrow enough for a 1280-pixel projector."""
    table = {"activation": summary["activation"]}
    for metric in ("train_loss", "test_loss", "train_acc", "test_acc"):
        if f"{metric} mean" in summary:
            means, spreads = summary[f"{metric} mean"], summary[f"{metric} std"].fillna(0.0)
            shown = "{:.1%} ± {:.1%}" if metric.endswith("acc") else "{:.4f} ± {:.4f}"
            table[metric.replace("_acc", " accuracy").replace("_", " ")] = [
                shown.format(m, s) if pd.notna(m) else "—" for m, s in zip(means, spreads, strict=True)]
    table["runs diverged"] = summary["runs diverged"]
    return pd.DataFrame(table)
