"""The Inside one step page's body: Back / Next through forward, loss, backward and update, the
network drawn with the phase's numbers, and the arithmetic beside it."""

from __future__ import annotations

import functools

import streamlit as st

from nnlab import charts, step_views
from nnlab.choices import OPTIMIZERS
from nnlab.datasets import Data
from nnlab.experiment import Experiment
from nnlab.inside import MAX_STEPS_BEFORE, PHASES, Step, one_step
from nnlab.ui import server, state
from nnlab.ui.pictures import draw

STEP, PHASE, ROW, START = "inside_step", "inside_phase", "inside_row", "inside_from"
GO = "inside_go"  # set by Train's "Look inside one training step"; the page switch follows in the run
PAGE = "pages/7_Inside_one_step.py"
PHASE_LABELS = {"forward": "Forward", "loss": "Loss", "backward": "Backward", "update": "Update"}  # all four fit a phone
EXPLAINED = {
    "forward": "Each unit adds up its inputs times their weights, plus its bias (**z**), then its activation "
               "squashes the sum (**a**). The lines are the weights: orange pushes up, blue pushes down.",
    "loss": "The loss compares each row's output with its target; the step works on the batch's mean.",
    "backward": "The chain rule, from the output back: each unit's **dL/dz** is how much the loss changes as its "
                "sum does, **dL/da × f'(z)**. At the output dL/da comes from the loss; below it, it is the sum of "
                "dL/dz × w over the units the unit feeds. A weight's gradient is its unit's dL/dz times the input "
                "it weighs, added up over the batch. The lines are the gradients.",
    "update": "The optimizer moves every weight against its gradient. The lines are each weight's step.",
}


@functools.lru_cache(maxsize=64)
def _taken_apart(exp: Experiment, start_epoch: int, number: int) -> Step:
    """One step, shared read-only by every session that asks for the same (a class steps together)."""
    weights = None
    if start_epoch:
        result = server.cached_result(exp)
        weights = result.snapshots[start_epoch] if result is not None and start_epoch in result.snapshots else None
    return one_step(exp, weights=weights, batch=number)


def start_from(epoch: int) -> None:
    """A button's callback: open this page at the first step from the session's run's weights at `epoch`."""
    st.session_state.update({START: epoch, STEP: 0, PHASE: PHASES[0], GO: True})


def follow(exp: Experiment) -> None:
    """Switch to this page if `start_from` asked (a callback cannot switch pages itself)."""
    if st.session_state.pop(GO, False):
        st.switch_page(PAGE, query_params=state.link_query(exp))


def _move(forward: bool) -> None:
    number, phase = step_views.phase_after(st.session_state.get(STEP, 0), st.session_state.get(PHASE, PHASES[0]), forward)
    st.session_state[STEP], st.session_state[PHASE] = min(number, MAX_STEPS_BEFORE), phase


def show(exp: Experiment, data: Data) -> None:
    result = server.own_result(exp)
    epochs = sorted(result.snapshots) if result is not None else [0]
    if st.session_state.get(START) not in epochs:
        st.session_state[START] = 0
    st.session_state.setdefault(STEP, 0)
    st.session_state.setdefault(PHASE, PHASES[0])
    back, ahead, phase_column = st.columns([1, 1, 5], vertical_alignment="bottom")
    back.button("Back", icon=":material/arrow_back:", on_click=_move, args=(False,), width="stretch",
                disabled=st.session_state[STEP] == 0 and st.session_state[PHASE] == PHASES[0])
    ahead.button("Next", icon=":material/arrow_forward:", on_click=_move, args=(True,), type="primary", width="stretch")
    phase = phase_column.segmented_control("Phase", PHASES, format_func=PHASE_LABELS.get, key=PHASE, required=True,
                                           label_visibility="collapsed")
    number_column, row_column, start_column = st.columns(3)
    number = number_column.number_input("Step number", 0, MAX_STEPS_BEFORE, key=STEP,
                                        help="Steps taken before this one; 0 is the first batch of the first epoch.")
    if len(epochs) > 1:
        start_column.select_slider("Weights from epoch", epochs, key=START,
                                   format_func=lambda epoch: "the start" if epoch == 0 else f"{epoch:,}",
                                   help="The weights your run recorded; 0 is where training starts.")
    else:
        start_column.caption("From the initial weights. Train this network on **Train** to step from its "
                             "trained weights too.")
    step = _taken_apart(exp, st.session_state[START], int(number))
    if st.session_state.get(ROW) not in step.rows:
        st.session_state[ROW] = step.rows[0]
    row = row_column.selectbox("Training row shown", step.rows, key=ROW,
                               help="The batch's rows; the loss and every gradient are the batch's.")
    st.caption(_where(step, data))
    features = data.feature_names
    left, right = st.columns(2, gap="large")
    units, edges, heading = step_views.diagram(step, row, phase, features)
    edge_title = {"forward": "weight", "loss": "weight", "backward": "gradient", "update": "step"}[phase]
    draw(left, charts.step_network(units, edges, heading, edge_title,
                                   f"{PHASE_LABELS[phase]}: row {row}"), width="stretch")
    with right:
        st.markdown(EXPLAINED[phase])
    _phase_numbers(step, row, phase, features, right)


def _where(step: Step, data: Data) -> str:
    spec = step.experiment.training
    size = len(step.rows)
    rows = f"{size} row{'s' if size > 1 else ''} of {len(data.x_train):,}"
    remembers = spec.optimizer != "sgd" or spec.momentum  # plain SGD keeps nothing between steps
    memory = " The optimizer's memory starts empty at these weights." if st.session_state[START] and remembers else ""
    return (f"Step {step.number:,}: epoch {step.epoch + 1}, batch {step.batch + 1} ({rows}) · "
            f"{OPTIMIZERS[spec.optimizer].label} at "
            f"learning rate {step.rate:g}.{memory}")


def _phase_numbers(step: Step, row: int, phase: str, features: list[str], beside) -> None:
    """The phase's arithmetic: a short table beside the network, a wide one across the page under it."""
    if phase == "forward":
        beside.table(step_views.forward_sums(step, row, features), hide_index=True)
    elif phase == "loss":
        beside.metric("The batch's loss", f"{step.loss:.4f}",
                      help="The mean of the rows' losses: what backward() starts from." +
                           (f" L2/L1 add {step.penalty:.4g} before it." if step.penalty else ""))
        beside.dataframe(step_views.losses(step), hide_index=True, height=min(400, 38 + 35 * len(step.rows)))
    elif phase == "backward":
        beside.table(step_views.chain_rule(step, row, features), hide_index=True)
        st.markdown("**Each weight's gradient**: this row's share, then the batch's sum.")
        st.dataframe(step_views.weight_gradients(step, row, features), hide_index=True)
    else:
        beside.latex(step_views.rule(step))
        st.dataframe(step_views.updates(step, features), hide_index=True)
