"""Cached wrappers: data and results are keyed on the Experiment, bounded for a small server."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

import nnlab
from nnlab import charts
from nnlab.cache import ResultCache
from nnlab.datasets import Data
from nnlab.experiment import Experiment
from nnlab.training import TrainResult

LIVE_REFRESH_SECONDS = 0.5


@st.cache_resource(max_entries=32, show_spinner="Loading data…")
def data_for(exp: Experiment) -> Data:
    """Tensors for the experiment's data; shared read-only between sessions."""
    return nnlab.load_data(exp)


@st.cache_resource
def result_store() -> ResultCache:
    """One bounded store of finished runs for the whole server."""
    return ResultCache(max_entries=24)


def cached_result(exp: Experiment) -> TrainResult | None:
    return result_store().get(_train_key(exp))


def _train_key(exp: Experiment) -> tuple:
    return ("train", exp)


def _compare_key(exp: Experiment, activations: tuple[str, ...], seeds: int, epochs: int) -> tuple:
    return ("compare", exp, activations, seeds, epochs)


def train_live(exp: Experiment) -> TrainResult:
    """Train with a progress bar and a loss chart that redraws while it runs; remember the result."""
    bar = st.progress(0.0, text="Starting…")
    live = st.empty()
    last_draw = [0.0]

    def progress(epoch: int, total: int, rows: list) -> None:
        now = time.monotonic()
        if now - last_draw[0] < LIVE_REFRESH_SECONDS and epoch < total:
            return
        last_draw[0] = now
        bar.progress(epoch / total, text=f"Epoch {epoch:,} of {total:,}")
        live.altair_chart(charts.loss_curves(pd.DataFrame(rows)), width="stretch")

    result = nnlab.train(exp, progress=progress)
    bar.empty()
    live.empty()
    result_store().put(_train_key(exp), result)
    return result


def compare_live(exp: Experiment, activations: tuple[str, ...], seeds: int, epochs: int):
    key = _compare_key(exp, activations, seeds, epochs)
    runs = result_store().get(key)
    if runs is None:
        bar = st.progress(0.0, text="Starting…")
        runs = nnlab.compare(exp, activations, range(seeds), epochs=epochs,
                             progress=lambda done, total: bar.progress(done / total, text=f"Epoch {done:,} of {total:,}"))
        bar.empty()
        result_store().put(key, runs)
    return runs


def cached_compare(exp: Experiment, activations: tuple[str, ...], seeds: int, epochs: int):
    return result_store().get(_compare_key(exp, activations, seeds, epochs))
