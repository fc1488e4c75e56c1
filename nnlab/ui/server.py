"""What the server shares between sessions (data, finished runs, the run queue, warm kernels), and
a session's view of its run while it waits in the queue and trains."""

from __future__ import annotations

import threading
import time

import pandas as pd
import streamlit as st

import nnlab
from nnlab import charts
from nnlab.cache import ResultCache
from nnlab.datasets import Data
from nnlab.engine import compiled
from nnlab.experiment import Experiment
from nnlab.runqueue import RunQueue, Ticket
from nnlab.training import TrainResult, train_loaded

POLL_SECONDS = 0.25  # how often a waiting session looks at its run
CHART_SECONDS = 1.0  # a live loss chart is redrawn at most this often,
CHART_MOVE = 0.02  # and only once its run has moved on by this share of its epochs


@st.cache_resource(max_entries=32, show_spinner="Loading data…")
def data_for(exp: Experiment) -> Data:
    """Tensors for the experiment's data; shared read-only between sessions."""
    return nnlab.load_data(exp)


@st.cache_resource
def result_store() -> ResultCache:
    """One bounded store of finished runs for the whole server."""
    return ResultCache(max_entries=24)


@st.cache_resource
def run_queue() -> RunQueue:
    """The one queue every session's training goes through: one run per core at a time."""
    return RunQueue()


@st.cache_resource
def warm_kernels() -> threading.Thread:
    """Load the compiled engine's kernels (or compile them, the first time) in the background as
    the server serves its first page, so the first Train does not wait for them."""
    thread = threading.Thread(target=compiled.warm, name="nnlab-warm", daemon=True)
    thread.start()
    return thread


def cached_result(exp: Experiment) -> TrainResult | None:
    return result_store().get(_train_key(exp))


def cached_compare(exp: Experiment, activations: tuple[str, ...], seeds: int, epochs: int):
    return result_store().get(_compare_key(exp, activations, seeds, epochs))


def _train_key(exp: Experiment) -> tuple:
    return ("train", exp)


def _compare_key(exp: Experiment, activations: tuple[str, ...], seeds: int, epochs: int) -> tuple:
    return ("compare", exp, activations, seeds, epochs)


def train_live(exp: Experiment, data: Data) -> TrainResult:
    """Queue the run (or join the same run already queued), show it until it is done, keep its result."""
    key = _train_key(exp)

    def work(ticket: Ticket) -> TrainResult:
        result = train_loaded(exp, data, exp.training.epochs, progress=ticket.report)
        result_store().put(key, result)
        return result
    return follow(run_queue().submit(key, work), charts.loss_curves)


def compare_live(exp: Experiment, activations: tuple[str, ...], seeds: int, epochs: int):
    key = _compare_key(exp, activations, seeds, epochs)

    def work(ticket: Ticket):
        runs = nnlab.compare(exp, activations, range(seeds), epochs=epochs, progress=ticket.report)
        result_store().put(key, runs)
        return runs
    return follow(run_queue().submit(key, work))


def follow(ticket: Ticket, chart=None):
    """Show where `ticket` stands until it is done (its place in the queue, then a progress bar and,
    given `chart`, its history so far, redrawn only as often as it visibly moves); its result."""
    queue = run_queue()
    status, live = st.empty(), st.empty()
    drawn_epoch, drawn_at = 0, 0.0
    while not ticket.wait(POLL_SECONDS):
        place = queue.position(ticket)
        if place:
            running, _ = queue.load
            status.info(f"Waiting for a free training slot: {place - 1} run{'s' if place != 2 else ''} ahead of "
                        f"yours, {running} training now ({queue.slots} at a time on this server).",
                        icon=":material/hourglass_top:")
            continue
        if not ticket.epochs:
            continue
        status.progress(ticket.epoch / ticket.epochs, text=f"Epoch {ticket.epoch:,} of {ticket.epochs:,}")
        moved = ticket.epoch - drawn_epoch >= CHART_MOVE * ticket.epochs
        if chart and ticket.rows and moved and time.monotonic() - drawn_at >= CHART_SECONDS:
            live.altair_chart(chart(pd.DataFrame(list(ticket.rows))), width="stretch")
            drawn_epoch, drawn_at = ticket.epoch, time.monotonic()
    status.empty()
    live.empty()
    return ticket.result()
