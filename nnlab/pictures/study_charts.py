"""The study tools' pictures: the optimizer race, a run's loss landscape and one step's network."""

from __future__ import annotations

import pandas as pd

from nnlab.i18n import N_
from nnlab.pictures.template import (
    FONT,
    HEIGHT,
    PALETTE,
    TEXT,
    alt,
    described,
    diverging_scale,
    fill_in,
    gradient_below,
    headings_in_language,
    named,
    named_in_language,
    template,
    top_legend,
)

# no pale yellow over grey bands; Tol's wine after Okabe-Ito's, so each of the eight racers has its own
RACER_COLOURS = [*(colour for colour in PALETTE if colour != "#F0E442"), "#882255"]


BANDS = {"name": "greys", "extent": [0.0, 0.4], "count": 12}


def _bands(field: str, title: str) -> dict:
    """A surface's height in grey bands, white (low) to mid grey (high), for the fill and the edge of
    each cell alike (an edge of its own colour closes the hairline gaps between cells): contours the
    paths' colours stand out on."""
    scale = alt.Scale(type="quantize", scheme=BANDS, nice=False)
    return {"color": alt.Color(f"{field}:Q", title=title, legend=None, scale=scale),
            "stroke": alt.Stroke(f"{field}:Q", legend=None, scale=scale)}


def _racer_colours(racers: tuple[str, ...]) -> alt.Scale:
    return alt.Scale(domain=list(racers), range=RACER_COLOURS[:len(racers)])


@template
def _race(racers: tuple[str, ...], box: tuple[float, float, float, float], steps: int) -> alt.LayerChart:
    x0, x1, y0, y1 = box
    step = alt.param(name="step", value=steps, bind=alt.binding_range(min=0, max=steps, step=1, name=N_("Step") + " "))
    colours = _racer_colours(racers)
    x = alt.X("x:Q", title=N_("x"), scale=alt.Scale(domain=[x0, x1], nice=False, zero=False))
    y = alt.Y("y:Q", title=N_("y"), scale=alt.Scale(domain=[y0, y1], nice=False, zero=False))
    cells = named("surface").mark_rect(strokeWidth=0.6).encode(x=x, x2="x_end:Q", y=y, y2="y_end:Q",
                                                               tooltip=[alt.Tooltip("value:Q", format=".3g")],
                                                               **_bands("height", N_("log height")))
    walked = named("paths").transform_filter(alt.datum.step <= step)
    lines = walked.mark_line(strokeWidth=3, clip=True).encode(
        x="x:Q", y="y:Q", order="step:Q",
        color=alt.Color("optimizer:N", scale=colours,
                        legend=top_legend(racers, **named_in_language({racer: racer for racer in racers}))),
        detail="optimizer:N")
    now = walked.transform_filter(alt.datum.step == step).mark_point(
        size=260, filled=True, stroke="white", strokeWidth=2, opacity=1, clip=True).encode(
        x="x:Q", y="y:Q", color=alt.Color("optimizer:N", scale=colours, legend=None),
        tooltip=["optimizer:N", "step:Q", alt.Tooltip("x:Q", format=".3f"), alt.Tooltip("y:Q", format=".3f"),
                 alt.Tooltip("value:Q", format=".4g")])
    lowest = named("minima").mark_point(shape="cross", size=360, filled=True, color=TEXT, opacity=1).encode(
        x="x:Q", y="y:Q")
    return (cells + lines + now + lowest).add_params(step).properties(height=HEIGHT + 200)


@described
def race(surface: pd.DataFrame, paths: pd.DataFrame, minima: pd.DataFrame,
         box: tuple[float, float, float, float], title: str) -> dict:
    """Each racer's path over the surface's height bands (light is low), a cross on each minimum,
    and a slider under it to step through the race in the browser (no trip to the server)."""
    racers = tuple(dict.fromkeys(paths["optimizer"]))
    return fill_in(_race(racers, tuple(float(edge) for edge in box), int(paths["step"].max())), title, surface=surface,
                 paths=paths[["optimizer", "step", "x", "y", "value"]], minima=minima)


@template
def _race_distances(racers: tuple[str, ...]) -> alt.Chart:
    colours = _racer_colours(racers)
    return named("paths").mark_line(strokeWidth=3).encode(
        x=alt.X("step:Q", title=N_("step"), scale=alt.Scale(nice=False)),
        y=alt.Y("shown:Q", title=N_("distance (log)"), scale=alt.Scale(type="log"), axis=alt.Axis(format="~g")),
        color=alt.Color("optimizer:N", scale=colours, legend=None),  # the race's legend, above, names them
        tooltip=["optimizer:N", "step:Q", alt.Tooltip("distance:Q", format=".3g")]
    ).transform_calculate(shown="max(datum.distance, 1e-6)").properties(height=HEIGHT + 40)


@described
def race_distances(paths: pd.DataFrame) -> dict:
    """Each racer's distance to the nearest minimum, step by step, on a log scale (down to 1e-6)."""
    racers = tuple(dict.fromkeys(paths["optimizer"]))
    return fill_in(_race_distances(racers), N_("Distance to a minimum, per step"), paths=paths[["optimizer", "step", "distance"]])


@template
def _loss_landscape(a_title: str, b_title: str) -> alt.LayerChart:
    axis = dict(scale=alt.Scale(nice=False, zero=False))
    cells = named("grid").mark_rect(strokeWidth=0.6).encode(
        x=alt.X("a:Q", title=a_title, **axis), x2="a_end:Q", y=alt.Y("b:Q", title=b_title, **axis), y2="b_end:Q",
        tooltip=[alt.Tooltip("loss:Q", format=".4g")], **_bands("height", N_("log loss")))
    path = named("path")
    line = path.mark_line(strokeWidth=3, color=PALETTE[3]).encode(x="a:Q", y="b:Q", order="epoch:Q")
    dots = path.mark_point(filled=True, size=110, color=PALETTE[3], opacity=1).encode(
        x="a:Q", y="b:Q", tooltip=["epoch:Q", alt.Tooltip("loss:Q", format=".4g")])
    labels = path.mark_text(dy=-16, fontSize=FONT - 2, fontWeight="bold", color=TEXT).encode(
        x="a:Q", y="b:Q", text="label:N")
    return (cells + line + dots + labels).properties(height=HEIGHT + 120, width="container")


@described
def loss_landscape(grid: pd.DataFrame, path: pd.DataFrame, axes: tuple[str, str], title: str) -> dict:
    """The loss over a slice of weight space (frames.landscape_cells) in height bands, and the
    training's path across it, each recorded epoch a dot."""
    return fill_in(_loss_landscape(*axes), title, compact=True, grid=grid, path=path)


@template
def _step_network(edge_title: str, widest: int, layers: int, pickable: bool) -> alt.LayerChart:
    widest = max(widest, 3)  # a layer of one or two units keeps the room of three: labels need it
    reach = widest / 2 + 0.6  # the widest layer's units a step apart, room for the headings above
    x = alt.X("x:Q", axis=None, scale=alt.Scale(zero=False, nice=False, padding=60))
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[-reach, reach + 0.7], nice=False, zero=False))
    edges = named("edges").mark_rule().encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q",
        color=alt.Color("value:Q", scale=diverging_scale("edge_reach", PALETTE[3]), title=edge_title,
                        legend=gradient_below(beside=True)),
        strokeWidth=alt.StrokeWidth("size:Q", scale=alt.Scale(domain=[0, 1], range=[1, 8]), legend=None),
        tooltip=["weight:N", alt.Tooltip("value:Q", format=".4g")])
    units = named("units").mark_circle(size=1000, stroke=TEXT, strokeWidth=1.5, opacity=1, color="white").encode(
        x="x:Q", y="y:Q", tooltip=["unit:N", alt.Tooltip("value:Q", format=".4g")])
    # a unit's numbers at its upper right; 4 px lower than they were, as on a phone the 1-2-1 network's
    # h2 numbers reached the name of ŷ just above them
    # smaller and under the unit where the layers are close (two hidden layers on a phone leave ~78 px
    # between a unit and the next layer, where its numbers need ~100 beside it; the units of a layer
    # are 75 px apart)
    close = f"width / {layers} < 90"
    values = named("units").mark_text(fontSize=alt.ExprRef(f"{close} ? 12 : {FONT - 1}"), fontWeight="bold", color=TEXT,
                                      align=alt.ExprRef(f"{close} ? 'center' : 'left'"),
                                      dx=alt.ExprRef(f"{close} ? 0 : 22"), dy=alt.ExprRef(f"{close} ? 30 : -8"),
                                      lineBreak="\n").encode(x="x:Q", y="y:Q", text="label:N")
    names = named("units").mark_text(fontSize=FONT - 2, color=TEXT).encode(x="x:Q", y="y:Q", text="unit:N")
    heading = named("heading").mark_text(fontSize=FONT, fontWeight="bold", color=TEXT, lineBreak="\n").encode(
        x="x:Q", y="y:Q", text="title:N")
    parts = [edges, units, values, names, heading]
    if pickable:  # a tap on a connection picks its weight: a wide clear rule takes a finger
        handles = named("edges").mark_rule(strokeWidth=18, opacity=0.01).encode(
            x=x, y=y, x2="x2:Q", y2="y2:Q", tooltip=["weight:N", alt.Tooltip("value:Q", format=".4g")])
        parts[0] = edges + handles.add_params(alt.selection_point(name="weight", fields=["weight"], on="click"))
    return alt.layer(*parts).properties(height=75 * widest + 160, width="container")


@described
def step_network(units: pd.DataFrame, edges: pd.DataFrame, heading: pd.DataFrame, edge_title: str, title: str,
                 pickable: bool = False) -> dict:
    """A small network (nnlab.pictures.step_views.diagram) with its numbers beside each unit and each
    connection coloured, and thickened, by its own number: the weights on the way forward, the
    gradients on the way back, the steps at the update. `pickable`: a tap on a connection selects its weight."""
    reach = float(edges["value"].abs().max()) if len(edges) else 1.0
    widest = int(units.groupby("x").size().max())
    return fill_in(_step_network(edge_title, widest, len(heading), pickable), title, {"edge_reach": reach or 1.0},
                 units=units, edges=edges, heading=headings_in_language(heading))
