"""Pictures of many runs: Compare's curves and gradient sizes by activation, and Sweep's heatmap."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nnlab import i18n
from nnlab.i18n import N_, capitalized, msg
from nnlab.pictures.template import (
    FONT,
    HEIGHT,
    LINE_PALETTE,
    alt,
    cell_text,
    described,
    fill_in,
    gradient_below,
    gradient_y,
    layer_names,
    named,
    score_format,
    template,
    thinned,
    top_legend,
)


def _activation_colour(activations: tuple[str, ...]) -> alt.Color:
    return alt.Color("activation:N", scale=alt.Scale(domain=list(activations), range=LINE_PALETTE[: len(activations)]),
                     legend=top_legend(activations, symbolType="stroke", symbolStrokeWidth=4, symbolOpacity=1))


@template
def _compare_curves(activations: tuple[str, ...], label: str, percent: bool, log: bool) -> alt.LayerChart:
    # a log axis spans the parameters bottom..top, set per comparison
    y_scale = (alt.Scale(type="log", domain=[alt.ExprRef("bottom"), alt.ExprRef("top")], clamp=True, nice=False)
               if log else alt.Scale(zero=False))
    axis = alt.Axis(format=".0%") if percent else alt.Axis()
    base = named("stats").encode(x="epoch:Q", color=_activation_colour(activations))
    band = base.mark_area(opacity=0.15).encode(y=alt.Y("low:Q", title=label, scale=y_scale, axis=axis), y2="high:Q")
    line = base.mark_line(strokeWidth=3).encode(y="median:Q", strokeDash=alt.StrokeDash("activation:N", legend=None),
                                                tooltip=["activation:N", "epoch:Q", alt.Tooltip("median:Q", format=".4f")])
    return (band + line).properties(height=HEIGHT + 140)  # the picture this page is for


@described
def compare_curves(histories: pd.DataFrame, metric: str = "train_loss") -> dict:
    """Each activation's curve: every seed's run smoothed, then their median, with a band over the
    middle half of the seeds (a mean and min..max let one odd seed swamp the rest)."""
    stats = smoothed_spread(histories, metric)
    activations = tuple(dict.fromkeys(histories["activation"]))
    # The first epochs of a badly scaled start can be 100x the rest: cap the axis, not the data, and
    # use a log scale only where the curves span a factor of ten (else it squeezes them into a strip).
    bottom, top = float(stats["low"].min()), float(stats["high"].quantile(0.99))
    log = metric.endswith("loss") and bottom > 0 and top / bottom > 10
    name = METRIC_NAMES[metric]
    label = i18n.translate(msg("{metric} (log scale)", metric=name) if log else name, i18n.LANGUAGE.get())
    spec = _compare_curves(activations, label, metric.endswith("acc"), log)
    title = capitalized(msg("{metric}: the median and the middle half of the seeds", metric=name))
    return fill_in(spec, title, {"bottom": bottom, "top": top} if log else None, compact=True, stats=stats)


METRIC_NAMES = {"train_loss": N_("train loss"), "test_loss": N_("test loss"), "train_acc": N_("train accuracy"),
                "test_acc": N_("test accuracy")}  # a history's columns, as a picture names them


@template
def _compare_gradients(activations: tuple[str, ...], order: tuple[str, ...]) -> alt.Chart:
    return named("gradients").mark_line(strokeWidth=3, point=alt.OverlayMarkDef(size=90, filled=True)).encode(
        x=alt.X("where:N", sort=list(order), title=N_("Linear layer, from the input"), axis=alt.Axis(labelAngle=0)),
        y=gradient_y(), color=_activation_colour(activations), strokeDash=alt.StrokeDash("activation:N", legend=None),
        tooltip=["activation:N", "where:N", alt.Tooltip("mean_abs_grad:Q", format=".2e")]).properties(height=HEIGHT + 100)


@described
def compare_gradient_flow(frame: pd.DataFrame) -> dict:
    """compare.compare_gradient_flow: each activation's gradient size by layer (log axis), from the input
    to the output: a line that falls steeply to the left is a gradient vanishing on its way back."""
    where, order = layer_names(frame["layer"])
    spec = _compare_gradients(tuple(dict.fromkeys(frame["activation"])), order)
    return fill_in(spec, N_("Gradient flow in the first tenth of training: the median of the seeds"),
                 gradients=frame.assign(where=where))


def smoothed_spread(histories: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per activation and epoch: the median and the quartiles over seeds of each run's `metric`,
    each run first smoothed by a moving average over a 25th of its epochs."""
    frame = thinned(histories)
    window = max(1, frame["epoch"].nunique() // 25)
    frame = frame.assign(smooth=frame.groupby(["activation", "seed"])[metric]
                         .transform(lambda values: values.rolling(window, min_periods=1, center=True).mean()))
    groups = frame.groupby(["activation", "epoch"], sort=False)["smooth"]
    stats = pd.DataFrame({"median": groups.median(), "low": groups.quantile(0.25), "high": groups.quantile(0.75)})
    stats = stats.reset_index()
    return stats[np.isfinite(stats["median"])]


@template
def _sweep_heatmap(score_label: str, higher_is_better: bool, percent: bool, widths: int) -> alt.LayerChart:
    pick = alt.selection_point(name="cell", fields=["learning_rate", "hidden_units"], on="click")
    value_format = score_format(percent, ".3g")
    base = named("cells").encode(
        x=alt.X("hidden_units:O", title=N_("hidden units in each layer"), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("learning_rate:O", title=N_("learning rate"), sort="descending", axis=alt.Axis(labelOverlap=False)))
    rects = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("score:Q", title=score_label, scale=alt.Scale(scheme="viridis", reverse=not higher_is_better),
                        legend=gradient_below(format=value_format)),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
        tooltip=[alt.Tooltip("learning_rate:Q", title=N_("learning rate")), alt.Tooltip("hidden_units:Q",
                                                                                        title=N_("hidden units")),
                 alt.Tooltip("score:Q", title=i18n.translate(msg("{score} (median)", score=score_label), i18n.LANGUAGE.get()),
                             format=".4g"),
                 alt.Tooltip("spread:Q", title=N_("max - min over seeds"), format=".3g"), "runs:Q", "diverged:Q"],
    ).add_params(pick)
    text = base.mark_text(fontSize=FONT, fontWeight="bold", opacity=cell_text(widths)).encode(
        text=alt.Text("score:Q", format=value_format),
        color=alt.condition(alt.datum.bright, alt.value("#000000"), alt.value("#ffffff")))
    # a row's height, not the chart's: a phone's title in three lines and the scale's title above it took
    # the rows' room, and their labels overprinted
    return (rects + text).properties(height=alt.Step(40))


@described
def sweep_heatmap(cells: pd.DataFrame, score_label: str, higher_is_better: bool, percent: bool) -> dict:
    """A sweep's grid (frames.sweep_cells: learning_rate, hidden_units, score, spread, runs): each
    cell coloured and labelled by its seeds' median score, the better end the brighter, highest
    learning rate on top. A click selects a cell (selection "cell")."""
    spec = _sweep_heatmap(score_label, higher_is_better, percent, cells["hidden_units"].nunique())
    title = msg("Median {score} of each cell's seeds: click a cell to open it on Train", score=score_label)
    return fill_in(spec, title, cells=cells)
