"""Play / pause / step / reset, as in TensorFlow Playground: the network lives in session state and
a fragment trains it a slice at a time, so the fit animates while the instructor talks."""

from __future__ import annotations

import math
import time

import streamlit as st

from nnlab.data.datasets import Data
from nnlab.experiment import Experiment
from nnlab.i18n import N_
from nnlab.pictures import gallery, run_charts
from nnlab.training.loop import EpochRun
from nnlab.training.trainer import new_run
from nnlab.ui.pictures import draw
from nnlab.ui.run_screen import fit_view, internals_view, view_toggles
from nnlab.ui.services import one_picture_at_a_time
from nnlab.ui.words import _, formatter, fragment

TICK_SECONDS = 0.5  # how often a playing run redraws
WORK_SECONDS = 0.3  # training time per tick at most; the rest of the tick is drawing
SLICE_EPOCHS = 50  # a tick trains in slices this long, so the autograd engine can stop at WORK_SECONDS
# How long the whole run takes to play, as the instructor picks it (the compiled engine could
# finish a lesson within one tick, too fast to watch).
SPEEDS = {N_("1 min"): 60.0, N_("30 s"): 30.0, N_("15 s"): 15.0, N_("8 s"): 8.0}
DEFAULT_SPEED = "15 s"
_RUN, _PLAYING, _SPEED = "live_run", "live_playing", "play_speed"


def _run(exp: Experiment, data: Data) -> EpochRun:
    """The session's live network for `exp`: a new one (epoch 0) when the settings changed."""
    run = st.session_state.get(_RUN)
    if run is None or run.exp != exp:
        run = st.session_state[_RUN] = new_run(exp, data)
        st.session_state[_PLAYING] = False
    return run


def epochs_per_tick(run: EpochRun, speed: str) -> int:
    """So that the whole run plays in about the chosen time."""
    return max(1, math.ceil(run.epochs * TICK_SECONDS / SPEEDS[speed]))


def _play_tick(run: EpochRun) -> None:
    """Train one tick's share of the run, stopping early if WORK_SECONDS run out."""
    deadline = time.perf_counter() + WORK_SECONDS
    left = epochs_per_tick(run, st.session_state.get(_SPEED) or DEFAULT_SPEED)  # None: its button clicked off
    while left > 0 and not run.finished and time.perf_counter() < deadline:
        left -= run.advance(min(left, SLICE_EPOCHS))


def live_panel(exp: Experiment, data: Data, speed_slot) -> None:
    """Play / step / reset and the live pictures; the speed control goes in `speed_slot` (a
    column beside the page's mode switch, where it costs the projector no height)."""
    _run(exp, data)
    playing = st.session_state.get(_PLAYING, False)
    st.session_state.setdefault(_SPEED, DEFAULT_SPEED)
    speed_slot.segmented_control(_("Whole run takes"), list(SPEEDS), key=_SPEED, format_func=formatter(str),
                                 help=_("How fast Play goes: the time the whole run takes. Pick a slower one to talk "
                                        "it through."))

    @fragment(run_every=TICK_SECONDS if playing else None)
    def panel() -> None:
        run = _run(exp, data)
        if st.session_state.get(_PLAYING) and not run.finished:
            _play_tick(run)
        if st.session_state.get(_PLAYING) and run.finished:
            st.session_state[_PLAYING] = False
            st.rerun()  # the whole page: a paused fragment must stop its timer
        _buttons(run)
        with one_picture_at_a_time().turn():
            _draw(run)

    panel()


def _buttons(run: EpochRun) -> None:
    playing = st.session_state.get(_PLAYING, False)
    cells = st.columns([1, 1, 1, 3], vertical_alignment="center")
    if cells[0].button(_("Pause") if playing else _("Play"), icon=":material/pause:" if playing else ":material/play_arrow:",
                       type="primary", key="live_play", width="stretch", disabled=run.finished and not playing,
                       shortcut="p", help=_("Keyboard: P")):
        st.session_state[_PLAYING] = not playing
        st.rerun()  # the whole page, so the fragment's timer starts or stops
    if cells[1].button(_("Step"), icon=":material/skip_next:", key="live_step", width="stretch",
                       disabled=playing or run.finished, shortcut="s", help=_("One epoch. Keyboard: S")):
        run.step()
    if cells[2].button(_("Reset"), icon=":material/restart_alt:", key="live_reset", width="stretch", shortcut="z",
                       help=_("Back to the initial weights (epoch 0). Keyboard: Z")):
        del st.session_state[_RUN]  # `_run` makes a fresh one, paused, on the rerun
        st.rerun()
    cells[3].progress(min(1.0, run.epoch / run.epochs), text=_("Epoch {epoch:,} of {epochs:,}", epoch=run.epoch,
                                                               epochs=run.epochs))
    st.caption(_("Keys: **P** play or pause · **S** one epoch · **Z** reset"))  # a tooltip is no help on a projector


def _draw(run: EpochRun) -> None:
    result = run.result()
    if result.message:
        st.warning(_(result.message))
    view = gallery.chosen_view(result.data, st.session_state)
    left, right = st.columns(2, gap="large")
    with left:
        fit_view(result, run.epoch, view)
    with right:
        if len(result.history):
            draw(st, run_charts.loss_curves(result.history), width="stretch")
        else:
            st.info(_("Press **Play** to train, or **Step** for one epoch at a time."))
    view_toggles(result.data)
    internals_view(result, run.epoch)
