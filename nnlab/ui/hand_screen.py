"""Be the optimizer's body: the network drawn with its weights, a tap on a connection or a unit picks
a weight or a bias, a slider and a typed value set it; the fit and the loss redraw, and beside each
weight the way one gradient step would move it. The weights live in the run's start, so the link
carries them and Train goes on from them."""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from nnlab.classroom.challenges import Challenge
from nnlab.data.datasets import Data
from nnlab.errors import NnlabError
from nnlab.experiment import Experiment
from nnlab.pictures import gallery, step_views, study_charts
from nnlab.study import hand
from nnlab.study.by_hand import Step
from nnlab.training import weights
from nnlab.training.trainer import new_run
from nnlab.ui import class_screen, state
from nnlab.ui.pictures import draw
from nnlab.ui.run_screen import fit_view
from nnlab.ui.words import _

PICKED, DIAGRAM, REFUSED = "hand_weight", "hand_diagram", "hand_refused"
SLIDER, TYPED = "hand_slider", "hand_typed"
SLIDER_REACH = 10.0  # the slider's ends at the least: the step lesson's inputs run to ±30, its weights past ±1


def _weights(step: Step, features: list[str]) -> pd.DataFrame:
    """Every weight and bias: name, (layer, unit, source), its value and one gradient step's move."""
    names = step_views.unit_names(step, features)
    frame = step.update[["layer", "unit", "source", "before", "step"]].copy()
    frame["name"] = [step_views.weight_name(names, int(layer), int(unit), int(source))
                     for layer, unit, source in zip(frame["layer"], frame["unit"], frame["source"], strict=True)]
    return frame.set_index("name")


def _move(step: float) -> str:
    """One gradient step's move, as an arrow and a size."""
    return "·" if step == 0 else f"{'↑' if step > 0 else '↓'} {abs(step):.3g}"


def show(exp: Experiment, data: Data, challenge: Challenge | None = None) -> None:
    """The page's body; in a challenge to fit by hand, its Submit under the weight's controls."""
    step = hand.hand_step(exp, data)
    table = _weights(step, data.feature_names)
    if table["before"].abs().max() > weights.MAX_WRITTEN_OUT:  # brought back from a file: a hand's range cannot hold them
        st.warning(_("This network has weights beyond what can be set by hand (-{most:g} to {most:g}): it was brought "
                     "back from a file. Start from the seed's weights to set them yourself.", most=weights.MAX_WRITTEN_OUT))
        if st.button(_("Back to the seed's weights"), key="hand_reset"):
            state.to_the_seed(exp)
        return
    if st.session_state.get(PICKED) not in table.index:
        st.session_state[PICKED] = table.index[0]
    diagram, controls = st.columns([3, 2], gap="large")
    units, edges, heading = step_views.diagram(step, step.rows[0], "forward", data.feature_names)
    draw(diagram, study_charts.step_network(units, edges, heading, _("weight"), _("Tap a connection to pick its weight"),
                                            pickable=True),
         width="stretch", on_select=functools.partial(_picked_on_diagram, table), key=DIAGRAM)
    by_hand = challenge is not None and challenge.rules.by_hand
    with controls:
        _weight_controls(exp, data, table, step, training=not by_hand)
        if by_hand:
            class_screen.submit_panel(challenge, exp, data)
    fit_view(new_run(exp, data).result(), 0, gallery.View(title=_("What these weights draw")))
    _weights_table(table)


def _weight_controls(exp: Experiment, data: Data, table: pd.DataFrame, step: Step, training: bool) -> None:
    st.metric(_("Loss on the training rows"), f"{step.loss:.4f}",
              help=_("The mean loss of these weights over every training row, as training measures it."))
    name = st.selectbox(_("Weight"), list(table.index), key=PICKED)
    weight = table.loc[name]
    value = float(weight["before"])
    reach = float(min(weights.MAX_WRITTEN_OUT, max(SLIDER_REACH, round(abs(value) * 1.5))))  # room around a large weight
    for key in (SLIDER, TYPED):
        if st.session_state.get(f"{key}_of") != (name, value):  # another weight picked, or its value changed
            st.session_state[key], st.session_state[f"{key}_of"] = value, (name, value)
    arguments = (exp, data, name, table)
    st.slider(_("Its value"), -reach, reach, step=0.05, key=SLIDER, on_change=_set, args=(*arguments, SLIDER))
    st.number_input(_("Or type it"), -weights.MAX_WRITTEN_OUT, weights.MAX_WRITTEN_OUT, step=0.1, format="%.4f", key=TYPED,
                    on_change=_set, args=(*arguments, TYPED))
    st.caption(_("One step of gradient descent (learning rate {rate:g}, every row) would move it {move}.",
                 rate=step.rate, move=_move(float(weight["step"]))))
    refused = st.session_state.pop(REFUSED, None)
    if refused is not None:
        st.error(_(refused))
    row = st.container(horizontal=True)
    if training and row.button(_("Let gradient descent take over"), type="primary", icon=":material/model_training:",
                               key="hand_train"):
        st.session_state[state.TRAIN_NOW] = True
        st.switch_page("pages/3_Train.py", query_params=state.link_query(exp))
    if row.button(_("Back to the seed's weights"), key="hand_reset", disabled=not exp.model.start):
        state.to_the_seed(exp)


def _set(exp: Experiment, data: Data, name: str, table: pd.DataFrame, key: str) -> None:
    """A slider's or a typed value's callback: the run starts from the weights with this one changed."""
    layer, unit, source = (int(table.loc[name, column]) for column in ("layer", "unit", "source"))
    try:
        state.update(hand.with_weight(exp, data, layer, unit, source, float(st.session_state[key])))
    except NnlabError as error:
        st.session_state[REFUSED] = error


def _picked_on_diagram(table: pd.DataFrame) -> None:
    """A tap on the diagram: the connection's weight becomes the one to set (a bias is picked in the list)."""
    selection = st.session_state[DIAGRAM].selection
    picked = [point.get("weight") for point in selection.get("weight", []) if point.get("weight") in table.index]
    if picked:
        st.session_state[PICKED] = picked[0]


def _weights_table(table: pd.DataFrame) -> None:
    st.markdown(_("**Every weight**, and the way one step of gradient descent would move it"))
    shown = pd.DataFrame({_("weight"): table.index, _("value"): table["before"].to_numpy(),
                          _("one step moves it"): [_move(float(step)) for step in table["step"]]})
    st.dataframe(shown, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(shown)))

