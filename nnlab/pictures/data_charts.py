"""The data's pictures (Data explorer, and the data before a run): points, images, a table's balance,
distributions and correlations, and the drawing grids."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nnlab.data import drawing
from nnlab.i18n import N_, msg
from nnlab.pictures.frames import PLANE_CELL
from nnlab.pictures.template import (
    FONT,
    HEIGHT,
    MIDDLE,
    PALETTE,
    POINT_COLUMNS,
    TEXT,
    alt,
    cell_text,
    class_scales,
    described,
    diverging_scale,
    fill_in,
    gradient_below,
    named,
    points_1d,
    scatter_layer,
    splits_in,
    template,
    top_legend,
)

PIXEL = 5  # screen pixels per image pixel: an 8x8 digit is 40 px, legible from the back of a room


def _field(name: str) -> str:
    """A column name as a Vega-Lite field: dots and brackets would otherwise mean nested access."""
    return name.replace("\\", "\\\\").replace(".", "\\.").replace("[", "\\[").replace("]", "\\]")


@template
def _scatter_1d(x_title: str, splits: tuple[str, ...]) -> alt.Chart:
    return points_1d(splits, x_title, N_("target")).properties(height=HEIGHT)


@described
def scatter_1d(points: pd.DataFrame, x_title: str = "x") -> dict:
    """Points of a 1-D dataset (columns x, target, split)."""
    return fill_in(_scatter_1d(x_title, splits_in(points)), N_("The data"), points=points[["x", "target", "split"]])


@template
def _scatter_2d(classes: tuple[str, ...], titles: tuple[str, str]) -> alt.Chart:
    return scatter_layer(classes, titles).properties(height=HEIGHT + 80)


@described
def scatter_2d(points: pd.DataFrame, classes: list[str], titles: tuple[str, str] = ("x1", "x2")) -> dict:
    """Points of a 2-D dataset (columns x1, x2, class, split), colour and shape by class."""
    return fill_in(_scatter_2d(tuple(classes), tuple(titles)), N_("The data"), points=points[POINT_COLUMNS])


@template
def _image_grid(columns: int, rows: int, predicted: bool) -> alt.LayerChart:
    x = alt.X("column:Q", axis=None, scale=alt.Scale(domain=[0, columns], nice=False, zero=True))
    y = alt.Y("row:Q", axis=None, scale=alt.Scale(domain=[0, rows], nice=False, zero=True, reverse=True))
    images = named("pixels").transform_calculate(column_end="datum.column + 1", row_end="datum.row + 1").mark_rect().encode(
        x=x, x2="column_end:Q", y=y, y2="row_end:Q",
        color=alt.Color("ink:Q", scale=alt.Scale(scheme="greys"), legend=None),
        tooltip=["image:Q", "actual:N"] + (["predicted:N"] if predicted else []))
    text = named("labels").mark_text(align="left", baseline="bottom", dy=-2, fontSize=FONT - 1, fontWeight="bold").encode(
        x=x, y=y, text="text:N",  # just above the image's first row, nearer it than the image above
        color=alt.condition(alt.datum.wrong, alt.value(PALETTE[3]), alt.value(TEXT)))
    return (images + text).properties(width=columns * PIXEL, height=rows * PIXEL)


@described
def image_grid(pixels: pd.DataFrame, title: str) -> dict:
    """Small images in a grid (frames.image_grid), each labelled by its class or, with predictions,
    by the network's answer: a wrong one's label is red, with a cross (the image shows what it
    is; its tooltip and the confusion matrix say it too). Square pixels of PIXEL screen pixels, so
    the grid keeps its shape at any page width."""
    predicted = "predicted" in pixels
    columns, rows = int(pixels["column"].max()) + 1, int(pixels["row"].max()) + 1
    labels = pixels.groupby("image").first().reset_index()
    labels["wrong"] = labels["predicted"] != labels["actual"] if predicted else False
    answer = labels["predicted"] if predicted else labels["actual"]
    labels["text"] = np.where(labels["wrong"], answer + " ✗", answer)
    return fill_in(_image_grid(columns, rows, predicted), title, pixels=pixels, labels=labels[["column", "row", "text", "wrong"]])


@template
def _class_balance(classes: tuple[str, ...]) -> alt.Chart:
    colours, _ = class_scales(tuple(sorted(classes)))
    return named("counts").mark_bar().encode(
        x=alt.X("rows:Q", title=N_("rows")), y=alt.Y("class:N", sort="-x", title=None),
        color=alt.Color("class:N", scale=colours, legend=None), tooltip=["class:N", "rows:Q"],
    ).properties(height=alt.Step(56))


@described
def class_balance(labels: pd.Series) -> dict:
    counts = labels.value_counts().rename_axis("class").reset_index(name="rows")
    counts["class"] = [str(c) for c in counts["class"]]
    return fill_in(_class_balance(tuple(counts["class"])), N_("Class balance"), counts=counts)


@template
def _feature_histogram(feature: str, by: str | None, classes: tuple[str, ...]) -> alt.Chart:
    encoding = {"x": alt.X(field=_field(feature), type="quantitative", bin=alt.Bin(maxbins=20), title=feature),
                "y": alt.Y("count():Q", title=N_("rows"))}
    chart = named("rows").mark_bar(opacity=0.75)
    if by:
        colours, _ = class_scales(classes)
        chart = chart.transform_calculate(cls=f"toString(datum['{by}'])")
        encoding["color"] = alt.Color("cls:N", scale=colours, title=by)
    return chart.encode(**encoding).properties(height=HEIGHT)


@described
def feature_histogram(frame: pd.DataFrame, feature: str, by: str | None) -> dict:
    classes = tuple(sorted(frame[by].astype(str).unique())) if by else ()
    return fill_in(_feature_histogram(feature, by, classes), msg("Distribution of {feature}", feature=feature),
                 rows=frame[[feature] + ([by] if by else [])])


@template
def _correlation_heatmap(order: tuple[str, ...]) -> alt.LayerChart:
    # the built-in tables' names whole on a phone too ("od280/od315_of_diluted_wines": 212 px): a
    # narrower plot rather than names cut to "…" that nothing else on the page spells out
    axis = alt.Axis(labelLimit=220)
    base = named("cells").encode(x=alt.X("column:N", sort=list(order), title=None, axis=axis),
                                 y=alt.Y("row:N", sort=list(order), title=None, axis=axis))
    cells = base.mark_rect().encode(
        color=alt.Color("correlation:Q", scale=alt.Scale(domain=[-1, 1], range=[PALETTE[0], MIDDLE, PALETTE[3]]),
                        legend=gradient_below()),
        tooltip=["row:N", "column:N", "correlation:Q"])
    chart = cells + base.mark_text(fontSize=14, opacity=cell_text(len(order))).encode(text="correlation:Q")
    return chart.properties(height=alt.Step(40))


@described
def correlation_heatmap(frame: pd.DataFrame) -> dict:
    matrix = frame.corr(numeric_only=True).round(2)
    long = matrix.rename_axis("row").reset_index().melt("row", var_name="column", value_name="correlation")
    return fill_in(_correlation_heatmap(tuple(matrix.columns)), N_("Correlations (point at or tap a cell)"), cells=long)


@template
def _drawing_plane(classes: tuple[str, ...], values: bool, taps: bool) -> alt.LayerChart:
    """The plane to draw on: the points drawn so far, and (`taps`) over them a fine grid of clear
    cells that a tap selects, the selection being the cell's centre. The grid is made in the browser
    from a sequence (Vega's own data generator): a rerun sends a phone no cells."""
    scale = alt.Scale(domain=list(drawing.PLANE), nice=False)
    if values:
        colour = alt.Color("value:Q", scale=diverging_scale("reach", PALETTE[3]), legend=gradient_below(title=N_("value")))
    else:
        colour = alt.Color("class:N", scale=alt.Scale(domain=list(classes), range=PALETTE[:len(classes)]),
                           legend=top_legend(classes))
    points = named("points").mark_point(filled=True, size=140, opacity=1, stroke="white", strokeWidth=1).encode(
        x=alt.X("x1:Q", title=N_("x1"), scale=scale), y=alt.Y("x2:Q", title=N_("x2"), scale=scale), color=colour)
    if not taps:
        return points.properties(height=HEIGHT + 160, width="container")
    # a phone's tap is a touchend: Vega's canvas takes the touch, so the browser makes no click of it
    tap = alt.selection_point(name="tap", fields=["x1", "x2"], on="click, touchend", clear=False, empty=False)
    across, low, half = round((drawing.PLANE[1] - drawing.PLANE[0]) / PLANE_CELL), drawing.PLANE[0], PLANE_CELL / 2
    centre = f"round(({low} + {PLANE_CELL} * (%s + 0.5)) * 1e6) / 1e6"  # a cell's centre, as the grid's step rounds it
    cells = alt.Chart(alt.sequence(0, across * across, as_="cell")).transform_calculate(
        x1=centre % f"(datum.cell % {across})", x2=centre % f"floor(datum.cell / {across})",
    ).transform_calculate(
        x1_from=f"datum.x1 - {half}", x1_to=f"datum.x1 + {half}", x2_from=f"datum.x2 - {half}", x2_to=f"datum.x2 + {half}",
    ).mark_rect(color="white", opacity=0.001).encode(
        x=alt.X("x1_from:Q", scale=scale), x2="x1_to:Q", y=alt.Y("x2_from:Q", scale=scale), y2="x2_to:Q",
        tooltip=alt.value(None)).add_params(tap)  # a cell is a place to tap, not a value to read
    return (points + cells).properties(height=HEIGHT + 160, width="container")


@described
def drawing_plane(points: pd.DataFrame, classes: list[str], values: bool, title: str | None = None,
                  taps: bool = True) -> dict:
    """Points drawn on the plane (x1, x2 and class or value), to tap on (`taps`) or to look at."""
    reach = float(points["value"].abs().max()) if values and len(points) else 1.0
    return fill_in(_drawing_plane(tuple(classes), values, taps), title or N_("Tap to add a point; tap a point to erase it"),
                   {"reach": reach or 1.0}, points=points)


@template
def _drawing_line() -> alt.LayerChart:
    """The line to draw a curve on: clear cells a tap, or a drag (its every cell), selects; the
    curve through the knots so far, and the knots. A cell is centred on a knot's position, so the
    end cells jut out half a cell: clipped, or Vega makes room for them and cuts the axis titles."""
    pen = alt.selection_point(name="pen", fields=["x", "y"], toggle="true", clear=False, empty=False,
                              on="click, touchend, [pointerdown, window:pointerup] > pointermove")
    cells = named("cells").mark_rect(color="white", opacity=0.001, clip=True).encode(
        x=alt.X("x_from:Q", title=N_("x"), scale=alt.Scale(domain=[-1, 1], nice=False)), x2="x_to:Q",
        y=alt.Y("y_from:Q", title=N_("target"), scale=alt.Scale(domain=[-2, 2], nice=False)), y2="y_to:Q",
        tooltip=alt.value(None)).add_params(pen)  # a cell is a place to draw, not a value to read
    curve = named("knots").mark_line(strokeWidth=3, color=PALETTE[0]).encode(x="x:Q", y="y:Q")
    knots = named("knots").mark_point(filled=True, size=60, color=PALETTE[0], opacity=1).encode(x="x:Q", y="y:Q")
    return (curve + knots + cells).properties(height=HEIGHT + 60, width="container")


@described
def drawing_line(cells: pd.DataFrame, knots: pd.DataFrame) -> dict:
    """A drawn curve (its knots x, y, joined), and the cells a tap or a drag selects."""
    return fill_in(_drawing_line(), N_("Tap or drag to set the target"), cells=cells, knots=knots)
