"""A session's own results, under one key scheme: ("train", experiment), ("compare", ...) and
("sweep", ...). A result is this session's once it asked for it (the class predicts before anyone's
run shows); the server's store keeps every finished one for whoever asks next, and a run this
session started and left is followed again when it comes back."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

import nnlab
from nnlab.data.datasets import Data
from nnlab.experiment import Experiment
from nnlab.pictures import run_charts
from nnlab.training.runqueue import Ticket, Together
from nnlab.training.trainer import TrainResult, lane_kind, train, train_together
from nnlab.ui import state
from nnlab.ui.services import follow, result_store, run_queue

_OWN = "own_results"  # kind -> (key, result): the session's last result of each kind (the store may let it go)
_PENDING = "pending_runs"  # kind -> (key, Ticket): a run this session started and has not seen end


def train_key(exp: Experiment) -> tuple:
    return ("train", exp)


def compare_key(exp: Experiment, activations: tuple[str, ...], seeds: int, epochs: int) -> tuple:
    return ("compare", exp, activations, seeds, epochs)


def sweep_key(exp: Experiment, rates: tuple[float, ...], widths: tuple[int, ...], seeds: int, epochs: int) -> tuple:
    return ("sweep", exp, rates, widths, seeds, epochs)


def own_result(key: tuple):
    """The result this session asked for under `key`, once finished; else None. Another session's
    result of the same key is not shown until this one presses its button."""
    mine = st.session_state.get(_OWN, {}).get(key[0])
    return mine[1] if mine is not None and mine[0] == key else None


def stored_result(key: tuple):
    """This session's result under `key`, else the server's stored one, else None."""
    mine = own_result(key)
    return mine if mine is not None else result_store().get(key)


def shown_result(key: tuple):
    """What a page may show under `key`: the session's own result, or, where the instructor's link
    says show=results, the server's stored one too."""
    return stored_result(key) if state.instructor_flags().show_results else own_result(key)


def left_behind(key: tuple) -> Ticket | None:
    """A run under `key` this session started and left (for another page or other settings) before
    it finished: the page follows it again instead of dropping it."""
    pending = st.session_state.get(_PENDING, {}).get(key[0])
    return pending[1] if pending is not None and pending[0] == key else None


def running_elsewhere(key: tuple) -> bool:
    """Whether a run under `key` is training for some session right now (after a reload, this one's)."""
    return run_queue().in_flight(key) is not None


def background_run(kind: str) -> tuple | None:
    """The key of a run of this kind ("train", ...) this session left before it finished, while it still trains."""
    pending = st.session_state.get(_PENDING, {}).get(kind)
    return pending[0] if pending is not None and not pending[1].done else None


def live(key: tuple, work: Callable, chart=None, together: Callable[[], Together | None] = lambda: None):
    """This session's result under `key`: the stored one at once if the server has it, else
    `work(progress)` queued (or joined: the same key already queued, or this session's own run
    left behind; where `together()` says how, done with the work of its kind waiting beside it)
    and shown until it is done, with `chart` of its history so far."""
    ticket = left_behind(key)  # followed to its end, even where the store has its result: then at once
    result = None if ticket else result_store().get(key)
    if result is None:
        def run(running: Ticket):
            made = work(running.report)
            result_store().put(key, made)
            return made
        ticket = ticket or run_queue().submit(key, run, together())
        pending = st.session_state.setdefault(_PENDING, {})
        pending[key[0]] = (key, ticket)  # kept if the session leaves before the end
        try:
            result = follow(ticket, chart)
        finally:
            if ticket.done:  # ended, or failed: a failed one is not followed again, it is run again
                pending.pop(key[0], None)
    st.session_state.setdefault(_OWN, {})[key[0]] = (key, result)
    return result


def train_live(exp: Experiment, data: Data) -> TrainResult:
    def together() -> Together | None:
        kind = lane_kind(exp, data)
        return Together(("train", kind), (exp, data), _train_together) if kind else None
    return live(train_key(exp), lambda progress: train(exp, progress=progress, data=data), run_charts.loss_curves,
                together)


def _train_together(runs: list[tuple[Experiment, Data]], tickets: list[Ticket]) -> list[TrainResult]:
    """Train runs the queue took together (a class pressing Train on one lesson), each stored
    under its own key as its run alone would be."""
    results = train_together(runs, [ticket.report for ticket in tickets])
    for ticket, result in zip(tickets, results, strict=True):
        result_store().put(ticket.key, result)
    return results


def compare_live(exp: Experiment, activations: tuple[str, ...], seeds: int, epochs: int):
    return live(compare_key(exp, activations, seeds, epochs),
                lambda progress: nnlab.compare(exp, activations, range(seeds), epochs=epochs, progress=progress))


def sweep_live(exp: Experiment, rates: tuple[float, ...], widths: tuple[int, ...], seeds: int, epochs: int):
    return live(sweep_key(exp, rates, widths, seeds, epochs),
                lambda progress: nnlab.sweep(exp, rates, widths, range(seeds), epochs=epochs, progress=progress))
