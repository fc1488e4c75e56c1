"""The Optimizer race page's body: a surface and a start in the sidebar, the racers and their
rates in a table, and the race drawn with a step slider that moves in the browser."""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from nnlab.experiment import SETTINGS
from nnlab.pictures import study_charts
from nnlab.study import surfaces
from nnlab.ui.controls import header
from nnlab.ui.pictures import draw
from nnlab.ui.words import _, formatter

RACE_STEPS = [10, 20, 50, 100, 200, 500, 1000]
RATE = SETTINGS["rate"]  # a racer's learning rate has the setting's range


@functools.lru_cache(maxsize=128)
def _race(name: str, condition: float, racers: tuple, start: tuple[float, float], steps: int):
    """The race's frames, shared read-only by every session that runs the same one (a class runs a few)."""
    where = surfaces.surface(name, condition)
    paths = surfaces.race(where, {label: dict(settings) for label, settings in racers}, start, steps)
    minima = pd.DataFrame(where.minima, columns=["x", "y"])
    return where, surfaces.grid(where), paths, minima


def _racers(where: surfaces.Surface) -> tuple:
    """The racers ticked in the table, each with its settings and the rate typed for it."""
    labels = list(surfaces.RACERS)  # the race's own names; the table shows them in the session's language
    table = pd.DataFrame({"race": True, "racer": [_(label) for label in labels],
                          "learning rate": [surfaces.default_rate(where, label) for label in labels]})
    edited = st.data_editor(table, hide_index=True, key=f"racers_{where.name}", width="stretch",
                            disabled=["racer"], column_config={
                                "race": st.column_config.CheckboxColumn(_("race"), width="small"),
                                "racer": st.column_config.TextColumn(_("racer")),
                                "learning rate": st.column_config.NumberColumn(_("learning rate"), min_value=RATE.low,
                                                                               max_value=RATE.high, format="%.4g",
                                                                               step=0.0001)})
    return tuple((label, tuple({**surfaces.RACERS[label], "rate": float(row["learning rate"])}.items()))
                 for label, row in zip(labels, edited.to_dict("records"), strict=True)
                 if row["race"] and pd.notna(row["learning rate"]))


def show() -> None:
    header("race", _("The surface"))
    bar = st.sidebar
    name = bar.selectbox(_("Surface"), list(surfaces.SURFACES), format_func=formatter(lambda key: surfaces.SURFACES[key].label),
                         key="race_surface")
    condition = 10.0
    if name == "bowl":
        condition = float(bar.select_slider(_("Condition number"), [1, 2, 5, 10, 20, 50, 100], value=10,
                                            key="race_condition",
                                            help=_("How much steeper the bowl is across than along: 1 is round.")))
    where = surfaces.surface(name, condition)
    steps = bar.select_slider(_("Steps"), RACE_STEPS, value=200, key="race_steps")
    x0, x1, y0, y1 = where.box
    left, right = bar.columns(2)
    start = (left.number_input(_("Start x"), float(x0), float(x1), float(where.start[0]), step=0.1, key=f"race_x_{name}"),
             right.number_input(_("Start y"), float(y0), float(y1), float(where.start[1]), step=0.1, key=f"race_y_{name}"))
    picture = st.container()  # the race first, where a projector shows it; the racers' table under it
    with st.expander(_(":material/tune: Racers and their learning rates")):
        racers = _racers(where)
    if not racers:
        picture.info(_("Tick at least one racer under **Racers and their learning rates**."))
        return
    where, surface, paths, minima = _race(name, condition, racers, start, steps)
    title = _("{count} optimizers on the {surface}", count=len(racers), surface=_(where.label))  # a name: as written
    draw(picture, study_charts.race(surface, paths, minima, where.box, title), width="stretch")
    ended = sorted(set(paths["optimizer"]) - set(paths.loc[paths["step"] == steps, "optimizer"]))
    picture.caption(_("**{surface}.** {about} Drag **Step** under the picture to replay the race; a cross marks each "
                      "minimum.", surface=where.label, about=where.about)
                    + (_(" {racers} blew up (its numbers grew past what a float holds): its path ends there.",
                         racers=", ".join(_(racer) for racer in ended)) if ended else ""))
    draw(st, study_charts.race_distances(paths), width="stretch")
    finish = paths[paths["step"] == paths.groupby("optimizer")["step"].transform("max")]
    finish = finish.assign(optimizer=finish["optimizer"].map(_))  # each racer's name in the session's language
    names = {"optimizer": _("racer"), "step": _("last step"), "value": _("height"), "distance": _("distance to a minimum")}
    st.dataframe(finish[["optimizer", "step", "x", "y", "value", "distance"]].rename(columns=names), hide_index=True,
                 column_config={column: st.column_config.NumberColumn(format="%.4g")
                                for column in ("x", "y", names["value"], names["distance"])})
