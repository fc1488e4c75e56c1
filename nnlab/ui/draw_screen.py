"""Drawing the data on the Data explorer: a curve on the line or points on the plane, built on
Streamlit's own chart selections (a fine grid of clear cells in a Vega-Lite chart; a tap selects
one, a drag on the line every one it crosses). No custom component: nothing to build or serve
beside Streamlit, and the selection arrives as the cell's data coordinates, so a tap lands within
one cell of where the finger was on any screen size."""

from __future__ import annotations

import numpy as np
import streamlit as st

from nnlab.choices import DATASETS
from nnlab.data import drawing
from nnlab.data.datasets import load_data
from nnlab.errors import DataError, NnlabError
from nnlab.experiment import Experiment
from nnlab.i18n import N_
from nnlab.pictures import data_charts, frames
from nnlab.ui import services, state
from nnlab.ui.pictures import draw
from nnlab.ui.words import _, formatter

TAPS = "drawing_taps"  # counts handled taps: the chart's key, so a handled selection is not read again
START_SETS = ("circle", "xor", "gauss", "spiral", "plane", "multi_gauss")


def _chart_key(kind: str) -> str:
    return f"drawing_{kind}_{st.session_state.get(TAPS, 0)}"


def _save(exp: Experiment, drawn: drawing.Curve | drawing.Points) -> None:
    state.update(exp.replace(data={"drawing": drawing.encode(drawn)}))
    st.session_state[TAPS] = st.session_state.get(TAPS, 0) + 1  # a new chart: its old selection is gone
    st.rerun()


def show(exp: Experiment) -> bool:
    """The drawing tools for the session's drawn data set (a change is stored and the page reruns);
    whether the drawing is data yet, else what it still needs, said."""
    if exp.data.name == "drawn_curve":
        _curve(exp)
    else:
        _points(exp)
    try:
        services.data_for(exp)
    except DataError as error:
        st.info(_(error), icon=":material/draw:")
        return False
    return True


def _curve(exp: Experiment) -> None:
    curve = drawing.of(exp.data.name, exp.data.drawing)
    event = draw(st, data_charts.drawing_line(frames.line_cells(), frames.drawn_knots(curve)), width="stretch",
                 on_select="rerun", key=_chart_key("line"))
    picked = (event.selection.get("pen") if event else None) or []
    if picked:
        for cell in picked:
            curve = drawing.set_knot(curve, float(cell["x"]), float(cell["y"]))
        _save(exp, curve)
    # The buttons go below the chart: above it, the chart's toolbar (shown while the pointer is on
    # the chart, and 50 px tall over the row above) took the click of a pointer coming from the drawing.
    tools = st.columns([3, 1, 1, 1], vertical_alignment="bottom")
    preset = tools[0].selectbox(_("Start from"), list(drawing.CURVES),
                                format_func=formatter(lambda name: drawing.CURVES[name][0]),
                                key="drawing_preset")
    if tools[1].button(_("Use it"), key="drawing_use"):
        _save(exp, drawing.preset_curve(preset))
    if tools[2].button(_("Smooth"), key="drawing_smooth", disabled=len(curve.knots) < 3):
        _save(exp, drawing.smoothed(curve))
    if tools[3].button(_("Clear"), key="drawing_clear", disabled=not curve.knots):
        _save(exp, drawing.Curve(()))
    st.caption(_("{knots} knots (at most {most}). The target runs through them, straight between; a curve of only 0s "
                 "and 1s is a class to predict, any other a value.", knots=len(curve.knots), most=drawing.MAX_KNOTS))


def _points(exp: Experiment) -> None:
    points = drawing.of(exp.data.name, exp.data.drawing)
    choice = st.columns(2, vertical_alignment="bottom")  # what a tap adds; the buttons go below the chart (_curve)
    kind = choice[0].segmented_control(_("Each point carries"), ["class", "value"], key="drawing_kind",
                                       format_func=formatter({"class": N_("a class"), "value": N_("a value")}.get),
                                       default="value" if points.values else "class", required=True,
                                       disabled=bool(points.points), help=_("Clear the plane to change it."))
    values = kind == "value"
    if values:
        label = choice[1].slider(_("Value to add"), -2.0, 2.0, 1.0, 0.1, key="drawing_value")
    else:
        label = choice[1].segmented_control(_("Class to add"), list(range(drawing.MAX_CLASSES)), key="drawing_class",
                                            default=0, required=True)
    st.space("medium")  # the chart's toolbar lies here, not over the controls above
    classes = sorted({str(point[-1]) for point in points.points}) if not points.values else []
    shown = drawing.CLASS_NAMES if not points.values else []
    event = draw(st, data_charts.drawing_plane(frames.drawn_points(points), shown or classes,
                                          points.values), width="stretch", on_select="rerun", key=_chart_key("plane"))
    picked = (event.selection.get("tap") if event else None) or []
    if picked:
        cell = picked[-1]
        _save(exp, drawing.add_or_erase(drawing.Points(points.points, values), float(cell["x1"]), float(cell["x2"]),
                                        float(label)))
    tools = st.columns([3, 1, 1], vertical_alignment="bottom")
    source = tools[0].selectbox(_("Or start from"), START_SETS, key="drawing_source",
                                format_func=formatter(lambda name: DATASETS[name].label))
    if tools[1].button(_("Use its points"), key="drawing_from"):
        _save(exp, _points_of(source, exp))
    if tools[2].button(_("Clear"), key="drawing_clear", disabled=not points.points):
        _save(exp, drawing.Points((), values))
    st.caption(_("{count} points (at most {most}). Noise and the train fraction in the sidebar apply to them as to the "
                 "other 2-D sets.", count=len(points.points), most=drawing.MAX_POINTS))


def _points_of(name: str, exp: Experiment) -> drawing.Points:
    """Another 2-D set's points (its first MAX_POINTS, without noise), on the drawing's grid."""
    try:
        data = load_data(exp.replace(data={"name": name, "noise": 0.0, "drawing": ""}))
    except NnlabError as error:  # not expected: the 2-D sets build themselves
        st.error(_(error))
        st.stop()
    source = data.source
    values = data.task == "regression"
    target = source.columns[-1]
    third = source[target].to_numpy() if values else np.unique(source[target], return_inverse=True)[1]
    return drawing.points_from(source["x1"].to_numpy(), source["x2"].to_numpy(), third, values)
