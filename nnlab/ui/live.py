"""Play / pause / step / reset, as in TensorFlow Playground: the network lives in session state and
a fragment trains it a slice at a time, so the fit animates while the instructor talks."""

from __future__ import annotations

import math
import time

import streamlit as st

from nnlab import charts
from nnlab.datasets import Data
from nnlab.experiment import Experiment
from nnlab.stepping import EpochRun
from nnlab.training import stepper
from nnlab.ui.results import fit_view, internals_view, plane_options

TICK_SECONDS = 0.6  # how often a playing run redraws
WORK_SECONDS = 0.3  # training time per tick at most; the rest of the tick is drawing
PLAY_SECONDS = 8.0  # the shortest a whole run plays: the NumPy path could finish a lesson in one tick
_RUN, _PLAYING = "live_run", "live_playing"


def _run(exp: Experiment, data: Data) -> EpochRun:
    """The session's live network for `exp`: a new one (epoch 0) when the settings changed."""
    run = st.session_state.get(_RUN)
    if run is None or run.exp != exp:
        run = st.session_state[_RUN] = stepper(exp, data)
        st.session_state[_PLAYING] = False
    return run


def _epochs_per_tick(run: EpochRun) -> int:
    """So that the whole run takes at least PLAY_SECONDS to play, and can be watched."""
    return max(1, math.ceil(run.exp.training.epochs * TICK_SECONDS / PLAY_SECONDS))


def _finished(run: EpochRun) -> bool:
    return run.diverged_at is not None or run.epoch >= run.exp.training.epochs


def live_panel(exp: Experiment, data: Data) -> None:
    _run(exp, data)
    playing = st.session_state.get(_PLAYING, False)

    @st.fragment(run_every=TICK_SECONDS if playing else None)
    def panel() -> None:
        run = _run(exp, data)
        if st.session_state.get(_PLAYING) and not _finished(run):
            deadline = time.perf_counter() + WORK_SECONDS
            for _ in range(_epochs_per_tick(run)):
                if time.perf_counter() > deadline or _finished(run):
                    break
                run.step()
        if st.session_state.get(_PLAYING) and _finished(run):
            st.session_state[_PLAYING] = False
            st.rerun()  # the whole page: a paused fragment must stop its timer
        _buttons(run)
        _draw(run)

    panel()


def _buttons(run: EpochRun) -> None:
    playing = st.session_state.get(_PLAYING, False)
    total = run.exp.training.epochs
    cells = st.columns([1, 1, 1, 3], vertical_alignment="center")
    if cells[0].button("Pause" if playing else "Play", icon=":material/pause:" if playing else ":material/play_arrow:",
                       type="primary", key="live_play", width="stretch", disabled=_finished(run) and not playing,
                       shortcut="p", help="Keyboard: P"):
        st.session_state[_PLAYING] = not playing
        st.rerun()  # the whole page, so the fragment's timer starts or stops
    if cells[1].button("Step", icon=":material/skip_next:", key="live_step", width="stretch",
                       disabled=playing or _finished(run), shortcut="s", help="One epoch. Keyboard: S"):
        run.step()
    if cells[2].button("Reset", icon=":material/restart_alt:", key="live_reset", width="stretch", shortcut="z",
                       help="Back to the initial weights (epoch 0). Keyboard: Z"):
        del st.session_state[_RUN]  # `_run` makes a fresh one, paused, on the rerun
        st.rerun()
    cells[3].progress(min(1.0, run.epoch / total), text=f"Epoch {run.epoch:,} of {total:,}")


def _draw(run: EpochRun) -> None:
    result = run.result()
    if result.message:
        st.warning(result.message)
    discretize, show_test = plane_options(result.data)
    left, right = st.columns(2, gap="large")
    with left:
        fit_view(result, run.epoch, discretize=discretize, show_test=show_test)
    with right:
        if len(result.history):
            st.altair_chart(charts.loss_curves(result.history), width="stretch")
        else:
            st.info("Press **Play** to train, or **Step** for one epoch at a time.")
    internals_view(result, run.epoch)
