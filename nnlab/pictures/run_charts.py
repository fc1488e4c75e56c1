"""A run's pictures (Train, Build model): its fit or boundary, curves, gradient flow, confusion, the
inside of the network and its diagram."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from nnlab import i18n
from nnlab.i18n import N_, msg
from nnlab.pictures.template import (
    FONT,
    HEIGHT,
    LINE_PALETTE,
    MIDDLE,
    NARROW,
    PALETTE,
    POINT_COLUMNS,
    TEXT,
    alt,
    cell_text,
    described,
    diverging_scale,
    fill_in,
    gradient_below,
    gradient_y,
    headings_in_language,
    kept_rows,
    layer_names,
    named,
    points_1d,
    scatter_layer,
    splits_in,
    template,
    text_width,
    top_legend,
)

# A chart's height holds its title and axes too (Streamlit sizes a chart to fit: autosize "fit"). A plane's
# picture gives up its legends' width beside the plot, so it takes more height to stay near square.
PLANE_HEIGHT = HEIGHT + 100


@template
def _fit_1d(x_title: str, splits: tuple[str, ...]) -> alt.LayerChart:
    line = named("curve").mark_line(strokeWidth=4, color=PALETTE[0]).encode(
        x="x:Q", y="prediction:Q", tooltip=[alt.Tooltip("x:Q", format=".2f"), alt.Tooltip("prediction:Q", format=".3f")])
    return (points_1d(splits, x_title, N_("target / prediction")) + line).properties(height=HEIGHT)


@described
def fit_1d(points: pd.DataFrame, curve: pd.DataFrame, title: str | None = None, x_title: str = "x") -> dict:
    """Data points and the network's output over x, as in the tutorials' plots."""
    epoch = int(curve["epoch"].iloc[0]) if len(curve) else 0
    title = msg("Fit after epoch {epoch}", epoch=epoch) if title is None else title
    return fill_in(_fit_1d(x_title, splits_in(points)), title, compact=True, points=points[["x", "target", "split"]],
                 curve=curve[["x", "prediction"]])


@template
def _decision_boundary(classes: tuple[str, ...], titles: tuple[str, str]) -> alt.LayerChart:
    heat = named("grid").mark_rect(opacity=0.55).encode(
        x=alt.X("x1:Q", scale=alt.Scale(zero=False, nice=False)), x2="x1_end:Q",
        y=alt.Y("x2:Q", scale=alt.Scale(zero=False, nice=False)), y2="x2_end:Q",
        fill=alt.Fill("probability:Q", scale=alt.Scale(domain=[0, 1], range=[PALETTE[0], MIDDLE, PALETTE[1]]),
                      title=f"P({classes[-1]})", legend=alt.Legend(gradientLength=HEIGHT // 3)))
    # fill, not color, for the heatmap: the points' colour and shape then share one class legend
    return (heat + scatter_layer(classes, titles)).properties(height=PLANE_HEIGHT)


@described
def decision_boundary(grid: pd.DataFrame, points: pd.DataFrame, classes: list[str], title: str,
                      titles: tuple[str, str] = ("x1", "x2"), discretize: bool = False) -> dict:
    """Probability of the second class as a diverging heatmap under the points; `discretize` shows
    only which side of 0.5 each cell is on, as Playground's "Discretize output" does."""
    if discretize:
        grid = grid.assign(probability=(grid["probability"] > 0.5).astype(float))
    return fill_in(_decision_boundary(tuple(classes), tuple(titles)), title, compact=True, grid=grid,
                 points=points[POINT_COLUMNS])


@template
def _value_plane(titles: tuple[str, str], with_grid: bool) -> alt.Chart | alt.LayerChart:
    scale = diverging_scale("reach")
    dots = named("points").mark_circle(size=70, opacity=0.95, stroke=TEXT, strokeWidth=0.8).encode(
        x=alt.X("x1:Q", title=titles[0], scale=alt.Scale(zero=False, nice=False)),
        y=alt.Y("x2:Q", title=titles[1], scale=alt.Scale(zero=False, nice=False)),
        color=alt.Color("target:Q", scale=scale, title=N_("target"), legend=alt.Legend(gradientLength=HEIGHT // 3)),
        tooltip=["x1:Q", "x2:Q", alt.Tooltip("target:Q", format=".3f"), "split:N"])
    if not with_grid:
        return dots.properties(height=PLANE_HEIGHT)
    heat = named("grid").mark_rect(opacity=0.6).encode(
        x="x1:Q", x2="x1_end:Q", y="x2:Q", y2="x2_end:Q",
        fill=alt.Fill("prediction:Q", scale=scale, title=N_("prediction"), legend=None))
    return (heat + dots).properties(height=PLANE_HEIGHT)


@described
def value_plane(points: pd.DataFrame, grid: pd.DataFrame | None = None, title: str = "The data",
                titles: tuple[str, str] = ("x1", "x2")) -> dict:
    """2-D regression: the points coloured by their target on a diverging scale, over a heatmap of
    the network's prediction (`grid`: x1, x2, their ends and `prediction`) when there is one."""
    low, high = float(points["target"].min()), float(points["target"].max())
    frames = {"points": points[["x1", "x2", "target", "split"]]}
    if grid is not None:
        low, high = min(low, float(grid["prediction"].min())), max(high, float(grid["prediction"].max()))
        frames["grid"] = grid
    reach = max(abs(low), abs(high), 1e-6)
    return fill_in(_value_plane(tuple(titles), grid is not None), title, {"reach": reach}, compact=True, **frames)


@template
def _train_test_curves(curves: tuple[str, ...], y_title: str, percent: bool) -> alt.LayerChart:
    """Train (solid) and test (dashed) curves, from one wide frame (epoch and a column per curve,
    folded in the browser: a quarter of the bytes); NaN points are left out."""
    value_format = ".1%" if percent else ".4f"
    axis = alt.Axis(format=".0%", tickMinStep=0.01) if percent else alt.Axis()  # else 51%, 50%, 50%, 49% on a flat run
    y = alt.Y("value:Q", title=y_title, axis=axis, scale=alt.Scale(zero=False))  # a longer title overruns a short chart
    lines = named("history").transform_fold(list(curves), as_=["curve", "value"]).transform_filter(
        "isFinite(datum.value)").mark_line(strokeWidth=3).encode(
        x=alt.X("epoch:Q"), y=y,
        color=alt.Color("curve:N", scale=alt.Scale(domain=list(curves), range=PALETTE[: len(curves)]),
                        legend=top_legend(curves)),  # above: a narrow column's plot keeps its width
        strokeDash=alt.StrokeDash("curve:N", scale=alt.Scale(domain=list(curves), range=[[1, 0], [8, 4]][: len(curves)]),
                                  legend=top_legend(curves)),
        tooltip=["epoch:Q", "curve:N", alt.Tooltip("value:Q", format=value_format)])
    if len(curves) < 2:
        return alt.layer(lines).properties(height=HEIGHT)
    # the train/test gap, shaded: how much better the network does on rows it has seen
    area = named("history").transform_filter("isFinite(datum.train) && isFinite(datum.test)").mark_area(
        opacity=0.18, color="#777").encode(x="epoch:Q", y="train:Q", y2="test:Q")
    return (area + lines).properties(height=HEIGHT)


def _curves(history: pd.DataFrame, columns: dict[str, str], y_title: str, percent: bool, title: str) -> dict:
    language = i18n.LANGUAGE.get()  # the curves' names are the data's columns and the legend's entries
    present = {column: i18n.translate(name, language) for column, name in columns.items() if column in history}
    rows = kept_rows(history["epoch"].to_numpy())

    def kept(column: str, kind) -> np.ndarray:  # thinned, in 32 bits as `compact` sends them
        values = history[column].to_numpy()
        return (values if rows is None else values[rows]).astype(kind)
    frame = pd.DataFrame({"epoch": kept("epoch", np.int32),
                          **{name: kept(column, np.float32) for column, name in present.items()}})
    return fill_in(_train_test_curves(tuple(present.values()), y_title, percent), title, history=frame)


@described
def loss_curves(history: pd.DataFrame) -> dict:
    return _curves(history, {"train_loss": N_("train"), "test_loss": N_("test")}, N_("loss"), False, N_("Loss"))


@described
def accuracy_curves(history: pd.DataFrame) -> dict:
    return _curves(history, {"train_acc": N_("train"), "test_acc": N_("test")}, N_("accuracy"), True, N_("Accuracy"))


def _layer_colours(layers: int) -> list[str]:
    """A colour per Linear layer, up to 7 (six hidden and the output, which is black)."""
    hidden = [colour for colour in LINE_PALETTE[:6] if colour != "#000000"] + [PALETTE[1]]
    return hidden[: layers - 1] + ["#000000"]


@template
def _gradient_flow(names: tuple[str, ...]) -> alt.Chart:
    return named("gradients").transform_fold(list(names), as_=["layer", "mean_abs_grad"]).transform_filter(
        "isFinite(datum.mean_abs_grad) && datum.mean_abs_grad > 0").mark_line(strokeWidth=3).encode(  # a log axis has no 0
        x=alt.X("epoch:Q"), y=gradient_y(),
        color=alt.Color("layer:N", scale=alt.Scale(domain=list(names), range=_layer_colours(len(names))),
                        legend=alt.Legend(orient="right", title=None)),  # up to 7 entries: on top they took the plot's height
        tooltip=["epoch:Q", "layer:N", alt.Tooltip("mean_abs_grad:Q", format=".2e")]).properties(height=HEIGHT)


@described
def gradient_flow(gradient_flow: pd.DataFrame) -> dict:
    """Each Linear layer's mean absolute weight gradient by epoch, on a log axis: a layer whose
    line lies orders of magnitude below the others barely learns (vanishing gradients). Sent as a
    column per layer, folded in the browser."""
    layers = int(gradient_flow["layer"].max()) if len(gradient_flow) else 0
    _, names = layer_names(pd.Series(range(1, layers + 1)))
    # a row per epoch and layer, as nnlab.training.result.gradient_flow_frame lays them out: an epoch's layers side by side
    values = gradient_flow["mean_abs_grad"].to_numpy().reshape(-1, max(layers, 1))
    epochs = gradient_flow["epoch"].to_numpy()[::max(layers, 1)]
    rows = kept_rows(epochs)
    if rows is not None:
        values, epochs = values[rows], epochs[rows]
    wide = pd.DataFrame({"epoch": epochs.astype(np.int32),
                         **{name: values[:, i].astype(np.float32) for i, name in enumerate(names[:layers])}})
    return fill_in(_gradient_flow(names), N_("Gradient flow"), gradients=wide)


ROW = 34  # a heatmap's row on a projector: its label and its count read from the back of the room


@template
def _confusion_matrix(classes: int, digits: int) -> alt.LayerChart:
    # horizontal class names: turned ones took the height the "predicted" title needs in a narrow column
    base = named("counts").encode(x=alt.X("predicted:N", title=N_("predicted"), axis=alt.Axis(labelAngle=0, labelLimit=90)),
                                  y=alt.Y("actual:N", title=N_("actual")))
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color("count:Q", scale=alt.Scale(scheme="blues"), legend=None),
        tooltip=["actual:N", "predicted:N", "count:Q"])
    size = FONT + 6 if classes <= 4 else FONT
    # a count only where its cell holds it (a phone's ten columns do not hold three digits); among many
    # classes no zeros, so the diagonal and the mistakes stand out (in a 2x2 a blank would read as missing)
    shown = alt.ExprRef(f"width / {classes} >= {round(digits * size * 0.6 + 8)} ? 1 : 0")
    counted = base.transform_filter("datum.count > 0") if classes > 4 else base
    text = counted.mark_text(fontSize=size, fontWeight="bold", opacity=shown).encode(
        text="count:Q", color=alt.condition(alt.datum.dark, alt.value("white"), alt.value("black")))
    return (cells + text).properties(height=alt.Step(ROW if classes > 4 else 80))


@described
def confusion_matrix(counts: pd.DataFrame, title: str) -> dict:
    """Counts of (actual, predicted) classes, a row a class tall enough to read; a count over half
    the largest is on a dark cell."""
    classes = counts["actual"].nunique()
    digits = len(str(int(counts["count"].max()))) if len(counts) else 1
    dark = counts["count"] > counts["count"].max() / 2
    return fill_in(_confusion_matrix(classes, digits), title, counts=counts.assign(dark=dark))


@template
def _network_diagram(layers: int, heading_width: int) -> alt.LayerChart:
    margin = 30  # px around the units
    axis = dict(axis=None, scale=alt.Scale(zero=False, nice=False, padding=margin))
    lines = named("edges").mark_rule(opacity=0.25, color="#555").encode(
        x=alt.X("x:Q", **axis), y=alt.Y("y:Q", **axis), x2="x2:Q", y2="y2:Q")
    kinds = alt.Scale(domain=["input", "hidden", "output"], range=[PALETTE[1], PALETTE[0], PALETTE[2]])
    units = named("units").mark_circle(size=420, stroke="black", strokeWidth=1, opacity=1).encode(
        x="x:Q", y="y:Q", color=alt.Color("kind:N", scale=kinds, legend=None), tooltip=["layer:Q", "unit:Q"])
    more = named("more").mark_text(fontSize=FONT, fontWeight="bold").encode(x="x:Q", y="y:Q", text="label:N")
    # where the columns are closer than a heading is wide (a phone's eight layers), every other heading
    # two lines higher: "sigmoid" beside "sigmoid" overprinted
    raised = alt.ExprRef(f"(width - {2 * margin}) / {max(layers - 1, 1)} < {heading_width} ? -40 : 0")
    titles = [named("heading").transform_filter(f"datum.x % 2 == {odd}").mark_text(
        fontSize=FONT, lineBreak="\n", fontWeight="bold", dy=raised if odd else 0).encode(x="x:Q", y="y:Q", text="title:N")
        for odd in (0, 1)]
    return alt.layer(lines, units, more, *titles).properties(height=HEIGHT + 60)


@described
def network_diagram(nodes: pd.DataFrame, edges: pd.DataFrame, heading: pd.DataFrame) -> dict:
    """Units as circles, connections as lines, one column per layer with its size and activation."""
    more = nodes["kind"] == "more"
    heading = headings_in_language(heading)
    widest = max((text_width(line) for title in heading["title"] for line in title.split("\n")), default=0)
    return fill_in(_network_diagram(len(heading), widest * 9), N_("Network"),  # px: a bold 16-px character is about 9
                 edges=edges, units=nodes[~more], more=nodes[more], heading=heading)


@template
def _unit_contributions(units: tuple[str, ...], sum_label: str, x_title: str) -> alt.LayerChart:
    hover = alt.selection_point(name="hover", on="pointerover", fields=["unit"], empty=False)
    one = i18n.translate(N_("one unit"), i18n.LANGUAGE.get())  # a data value the legend shows: in the language
    colour = alt.Color("kind:N", scale=alt.Scale(domain=[one, sum_label], range=[PALETTE[0], PALETTE[3]]),
                       legend=top_legend((one, sum_label), symbolType="stroke", symbolStrokeWidth=4))
    lines = named("curves").transform_fold(list(units), as_=["unit", "contribution"]).transform_lookup(
        lookup="unit", from_=alt.LookupData(alt.NamedData("units"), "unit", ["in_weight", "bias", "out_weight"]),
    ).transform_calculate(kind=json.dumps(one, ensure_ascii=False)).mark_line().encode(
        x=alt.X("x:Q", title=x_title), y=alt.Y("contribution:Q", title=N_("contribution to the output")),
        detail="unit:N", color=colour,
        strokeWidth=alt.condition(hover, alt.value(6), alt.value(2)),
        opacity=alt.condition(hover, alt.value(1.0), alt.value(0.55)),
        tooltip=["unit:N", alt.Tooltip("in_weight:N", title=N_("weight (from x)")), alt.Tooltip("bias:Q", format=".3f"),
                 alt.Tooltip("out_weight:Q", title=N_("output weight"), format=".3f")]).add_params(hover)
    total = named("curves").transform_calculate(kind=json.dumps(sum_label)).mark_line(
        strokeWidth=4, strokeDash=[10, 4]).encode(
        x="x:Q", y="sum:Q", color=colour, tooltip=[alt.Tooltip("sum:Q", title=sum_label, format=".3f")])
    return (lines + total).properties(height=HEIGHT + 40)


@described
def unit_contributions(curves: pd.DataFrame, units: pd.DataFrame, sum_label: str, x_title: str = "x") -> dict:
    """Each last-layer unit's contribution (output weight x activation) over x, and their sum
    (frames.unit_contributions): how a few sigmoids add up to a step or a bump. Hover a unit for its
    weights. The curves go as one wide frame, each unit's weights once."""
    return fill_in(_unit_contributions(tuple(units["unit"]), sum_label, x_title),
                 N_("Inside the network: each hidden unit's share"), compact=True, curves=curves, units=units)


CELL_COLUMNS = ("x1", "x2", "x1_end", "x2_end")  # a plane's cells: nnlab.pictures.frames' grids


@template
def _unit_maps(side: int, units: tuple[str, ...]) -> alt.FacetChart:
    heat = alt.Chart().mark_rect().encode(
        x=alt.X("x1:Q", axis=None, scale=alt.Scale(zero=False, nice=False)), x2="x1_end:Q",
        y=alt.Y("x2:Q", axis=None, scale=alt.Scale(zero=False, nice=False)), y2="x2_end:Q",
        color=alt.Color("activation:Q", scale=alt.Scale(domain=[-1, 1], range=[PALETTE[0], MIDDLE, PALETTE[1]]),
                        title=N_("activation (scaled)"), legend=gradient_below()),
        tooltip=["layer:O", "unit:O", alt.Tooltip("activation:Q", format=".2f")],
    ).properties(width=side, height=side)
    header = alt.Header(labelFontSize=FONT, titleFontSize=FONT)
    # a column per unit, "layer_unit", unfolded in the browser into a map each
    return heat.facet(data=alt.NamedData("maps"), row=alt.Row("layer:O", title=N_("hidden layer"), header=header),
                      column=alt.Column("unit:O", title=N_("unit"), header=header)).transform_fold(
        list(units), as_=["key", "activation"]).transform_calculate(
        layer="toNumber(split(datum.key, '_')[0])", unit="toNumber(split(datum.key, '_')[1])")


@described
def unit_maps(frame: pd.DataFrame) -> dict:
    """A small heatmap of every hidden unit's activation over the plane, one row per layer
    (`nnlab.pictures.frames.unit_maps`: a column per unit)."""
    units = tuple(column for column in frame.columns if column not in CELL_COLUMNS)
    side = 96 if max(int(unit.split("_")[1]) for unit in units) <= 6 else 64  # eight across fit a 1280-pixel projector
    # a facet grid keeps its size and scrolls sideways on a phone; its title wraps to the page's width
    return fill_in(_unit_maps(side, units), N_("Inside the network: what each hidden unit responds to"),
                 compact=True, maps=frame)


NUMBER_ONLY = "replace(datum.label, regexp('\\\\D+', 'g'), '')"  # "unit 3", "单元 3": "3"


@template
def _weight_heatmap(units: tuple[str, ...]) -> alt.LayerChart:
    base = named("weights").encode(
        x=alt.X("unit:N", sort=list(units), title=None,  # "unit 3" reads as "3" where there is no room for it
                axis=alt.Axis(labelAngle=0, labelExpr=f"{NARROW} ? {NUMBER_ONLY} : datum.label")),
        y=alt.Y("feature:N", sort=None, title=None, axis=alt.Axis(labelLimit=alt.ExprRef(f"{NARROW} ? 210 : 260"))))
    cells = base.mark_rect().encode(
        color=alt.Color("weight:Q", scale=diverging_scale("reach", PALETTE[3]), legend=gradient_below()),
        tooltip=["feature:N", "unit:N", alt.Tooltip("weight:Q", format=".3f")])
    text = base.mark_text(fontSize=13, opacity=cell_text(len(units))).encode(text=alt.Text("weight:Q", format=".2f"))
    return (cells + text).properties(height=alt.Step(30))


@described
def weight_heatmap(weights: pd.DataFrame) -> dict:
    """First-layer weights, features down and units across: which inputs each unit listens to."""
    reach = float(weights["weight"].abs().max()) or 1.0
    return fill_in(_weight_heatmap(tuple(dict.fromkeys(weights["unit"]))), N_("Inside the network: first-layer weights"),
                 {"reach": reach}, weights=weights)
