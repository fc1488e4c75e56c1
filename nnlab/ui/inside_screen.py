"""The Inside one step page's body: Back / Next through forward, loss, backward and update, the
network drawn with the phase's numbers, and the arithmetic beside it."""

from __future__ import annotations

import functools

import streamlit as st

from nnlab import lessons
from nnlab.choices import OPTIMIZERS
from nnlab.data.datasets import Data
from nnlab.experiment import Experiment
from nnlab.i18n import N_
from nnlab.pictures import step_views, study_charts
from nnlab.study.by_hand import MAX_STEPS_BEFORE, PHASES, Step, one_step
from nnlab.ui import session_runs, state
from nnlab.ui.pictures import draw
from nnlab.ui.words import _, formatter

STEP, PHASE, ROW, START = "inside_step", "inside_phase", "inside_row", "inside_from"
GO = "inside_go"  # set by Train's "Look inside one training step"; the page switch follows in the run
PAGE = "pages/7_Inside_one_step.py"
PHASE_LABELS = {"forward": N_("Forward"), "loss": N_("Loss"), "backward": N_("Backward"),
                "update": N_("Update")}  # all four fit a phone
EXPLAINED = {
    "forward": N_("Each unit adds up its inputs times their weights, plus its bias (**z**), then its activation "
               "squashes the sum (**a**). The lines are the weights: orange pushes up, blue pushes down."),
    "loss": N_("The loss compares each row's output with its target; the step works on the batch's mean."),
    "backward": N_("The chain rule, from the output back: each unit's **dL/dz** is how much the loss changes as its "
                "sum does, **dL/da × f'(z)**. At the output dL/da comes from the loss; below it, it is the sum of "
                "dL/dz × w over the units the unit feeds. A weight's gradient is its unit's dL/dz times the input "
                "it weighs, added up over the batch. The lines are the gradients."),
    "update": N_("The optimizer moves every weight against its gradient. The lines are each weight's step."),
}


@functools.lru_cache(maxsize=64)
def _taken_apart(exp: Experiment, start_epoch: int, number: int) -> Step:
    """One step, shared read-only by every session that asks for the same (a class steps together)."""
    weights = None
    if start_epoch:
        result = session_runs.stored_result(session_runs.train_key(exp))
        weights = result.snapshots[start_epoch] if result is not None and start_epoch in result.snapshots else None
    return one_step(exp, weights=weights, batch=number)


def offer_step_lesson(reason: str, icon: str) -> None:
    """Why one step by hand cannot show this network, and the step lesson one press away."""
    st.warning(_(reason), icon=icon)
    if st.button(_("Load the step lesson (1-2-1)"), type="primary"):
        state.load(lessons.get("step-two-neurons"))
        st.rerun()


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
    result = session_runs.own_result(session_runs.train_key(exp))
    epochs = sorted(result.snapshots) if result is not None else [0]
    if st.session_state.get(START) not in epochs:
        st.session_state[START] = 0
    st.session_state.setdefault(STEP, 0)
    st.session_state.setdefault(PHASE, PHASES[0])
    back, ahead, phase_column = st.columns([4, 4, 13], vertical_alignment="bottom")  # 上一步 and 下一步 fit too
    back.button(_("Back"), icon=":material/arrow_back:", on_click=_move, args=(False,), width="stretch",
                disabled=st.session_state[STEP] == 0 and st.session_state[PHASE] == PHASES[0])
    ahead.button(_("Next"), icon=":material/arrow_forward:", on_click=_move, args=(True,), type="primary", width="stretch")
    phase = phase_column.segmented_control(_("Phase"), PHASES, format_func=formatter(PHASE_LABELS.get), key=PHASE,
                                           required=True,
                                           label_visibility="collapsed")
    number_column, row_column, start_column = st.columns(3)
    number = number_column.number_input(_("Step number"), 0, MAX_STEPS_BEFORE, key=STEP,
                                        help=_("Steps taken before this one; 0 is the first batch of the first epoch."))
    if len(epochs) > 1:
        start = _("the start")
        start_column.select_slider(_("Weights from epoch"), epochs, key=START,
                                   format_func=lambda epoch: start if epoch == 0 else f"{epoch:,}",
                                   help=_("The weights your run recorded; 0 is where training starts."))
    else:
        start_column.caption(_("From the initial weights. Train this network on **Train** to step from its "
                               "trained weights too."))
    step = _taken_apart(exp, st.session_state[START], int(number))
    if st.session_state.get(ROW) not in step.rows:
        st.session_state[ROW] = step.rows[0]
    row = row_column.selectbox(_("Training row shown"), step.rows, key=ROW,
                               help=_("The batch's rows; the loss and every gradient are the batch's."))
    st.caption(_where(step, data))
    features = data.feature_names
    units, edges, heading = step_views.diagram(step, row, phase, features)
    left, right = (st.container(), st.container()) if takes_the_width(heading) else st.columns(2, gap="large")
    edge_title = {"forward": N_("weight"), "loss": N_("weight"), "backward": N_("gradient"), "update": N_("step")}[phase]
    draw(left, study_charts.step_network(units, edges, heading, _(edge_title),
                                   _("{phase}: row {row}", phase=PHASE_LABELS[phase], row=row)), width="stretch")
    with right:
        st.markdown(_(EXPLAINED[phase]))
    _phase_numbers(step, row, phase, features, right)


def takes_the_width(heading) -> bool:
    """Whether a network (its layers' headings) is drawn across the page, its arithmetic below it,
    rather than beside it: with two hidden layers or more, a unit's numbers need ~100 px before the
    next layer, more than half a 1280-pixel projector's page leaves."""
    return len(heading) > 3


def _where(step: Step, data: Data) -> str:
    spec = step.experiment.training
    size = len(step.rows)
    remembers = spec.optimizer != "sgd" or spec.momentum  # plain SGD keeps nothing between steps
    memory = _(" The optimizer's memory starts empty at these weights.") if st.session_state[START] and remembers else ""
    return _("Step {step:,}: epoch {epoch}, batch {batch} ({rows} of {total:,} rows) · {optimizer} at learning rate "
             "{rate:g}.", step=step.number, epoch=step.epoch + 1, batch=step.batch + 1, rows=size,
             total=len(data.x_train), optimizer=OPTIMIZERS[spec.optimizer].label, rate=step.rate) + memory


def _phase_numbers(step: Step, row: int, phase: str, features: list[str], beside) -> None:
    """The phase's arithmetic: a short table beside the network, a wide one across the page under it."""
    if phase == "forward":
        beside.table(_headed(step_views.forward_sums(step, row, features)), hide_index=True)
    elif phase == "loss":
        beside.metric(_("The batch's loss"), f"{step.loss:.4f}",
                      help=_("The mean of the rows' losses: what `backward()` starts from.") +
                           (_(" L2/L1 add {penalty:.4g} before it.", penalty=step.penalty) if step.penalty else ""))
        beside.dataframe(_headed(step_views.losses(step)), hide_index=True, height=min(400, 38 + 35 * len(step.rows)))
    elif phase == "backward":
        beside.table(_headed(step_views.chain_rule(step, row, features)), hide_index=True)
        st.markdown(_("**Each weight's gradient**: this row's share, then the batch's sum."))
        st.dataframe(_headed(step_views.weight_gradients(step, row, features)), hide_index=True)
    else:
        beside.latex(step_views.rule(step))
        st.dataframe(_headed(step_views.updates(step, features)), hide_index=True)


def _headed(table):
    """A table with its column names in the session's language (formulas stay as they are)."""
    return table.rename(columns=_)
