"""What the server shares between its sessions: the data, finished runs, the run queue, the
compiled kernels warmed at start, the garbage collector's tuning, the first-come turns at drawing,
and the loop that shows a queued run's place, then its progress. A session's own results are in
nnlab.ui.session_runs."""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
import time
from collections import deque

import streamlit as st

from nnlab.data.datasets import Data, data_key, load_keyed
from nnlab.experiment import DataSpec, Experiment
from nnlab.i18n import N_
from nnlab.training.cache import ResultCache
from nnlab.training.engine import compiled
from nnlab.training.runqueue import RunQueue, Ticket
from nnlab.ui.pictures import draw
from nnlab.ui.words import _

POLL_SECONDS = 0.25  # how often a waiting session looks at its run
PLACE_SECONDS = 1.0  # its place in the queue is sent again at most this often: a hundred sessions
                     # waiting at once sent a new place on nearly every look
CHART_SECONDS = 1.0  # a live loss chart is drawn once its run has trained this long, then at most this often,
CHART_MOVE = 0.02  # and only once its run has moved on by this share of its epochs
COMPILING = N_("Getting the training engine ready: on a newly installed server its first start compiles it, "
             "which takes about 10 seconds, once.")


def data_for(exp: Experiment) -> Data:
    """Tensors for the experiment's data; shared read-only between sessions."""
    return _data(*data_key(exp))


@st.cache_resource(max_entries=32, show_spinner=False)
def _data(spec: DataSpec, seed: int) -> Data:
    """Kept by what decides the data alone: a weight set by hand, a new learning rate, reuse it."""
    return load_keyed(spec, seed)


@st.cache_resource
def result_store() -> ResultCache:
    """One bounded store of finished runs for the whole server: the same settings train once, and
    show at once in any session that asks. A class's distinct runs outnumber it; each session
    also keeps its own last run."""
    return ResultCache(max_entries=64)


@st.cache_resource
def run_queue() -> RunQueue:
    """The one queue every session's training goes through: one run per core at a time."""
    return RunQueue()


@st.cache_resource
def start_server() -> threading.Thread:
    """Once per server, at its first page: load the compiled engine's kernels (or compile them,
    the first time) in the background, so the first Train does not wait for them; and freeze what
    is loaded by now (torch, pandas, Streamlit: some 300,000 objects) out of the garbage
    collector's full passes, which otherwise walk them all, GIL held, for ~0.1 s each."""
    gc.freeze()
    # Collect less often: a result makes tens of thousands of short-lived objects (frames, protobufs),
    # and at Python's default thresholds a hundred students pressing Train at once set off ~270 young
    # and 2 full collections (~60 ms each, GIL held). Presses alternated between two servers: CPU a
    # result 111 -> 104 ms, p90 6.9 -> 6.2 s at 100 students; 103 -> 98 ms at 30.
    gc.set_threshold(20_000, 20, 20)
    thread = threading.Thread(target=compiled.warm, name="nnlab-warm", daemon=True)
    thread.start()
    return thread


_DYNAMO_FROZEN = threading.Event()  # set once freeze_late_imports has frozen torch._dynamo


def freeze_late_imports() -> None:
    """Freeze torch._dynamo out of the collector's full passes once it is loaded. torch.optim's
    first step in a process imports it (some 800 modules, sympy among them, +70 MB): the first race,
    step taken apart or autograd run of a lecture. Left in the full passes it made every later
    result dearer (30 presses on the bump lesson, alternated A/B: server CPU a result beyond
    training 0.28-0.43 T100 with it loaded, 0.18-0.22 without). Taking that step at start-up
    instead cost every server the 70 MB and its import's second of CPU, in the first students' wait."""
    if not _DYNAMO_FROZEN.is_set() and "torch._dynamo" in sys.modules:
        gc.freeze()  # twice from two threads at once does no harm
        _DYNAMO_FROZEN.set()


class Turns:
    """A lock handed out first come, first served (threading.Lock wakes waiters in any order)."""

    def __init__(self):
        self._lock = threading.Condition()
        self._line: deque[object] = deque()

    @contextlib.contextmanager
    def turn(self):
        me = object()
        with self._lock:
            self._line.append(me)
            self._lock.wait_for(lambda: self._line[0] is me)
        try:
            yield
        finally:
            with self._lock:
                self._line.popleft()
                self._lock.notify_all()


@st.cache_resource
def one_picture_at_a_time() -> Turns:
    """Sessions draw their results one at a time, in the order they asked. Drawing holds the GIL,
    so taking turns costs nothing in all; but when a class's results land together, the first
    run finished is the first one shown, instead of every session finishing last together."""
    return Turns()


def follow(ticket: Ticket, chart=None):
    """Show where `ticket` stands until it is done (its place in the queue, then a progress bar and,
    given `chart`, its history so far, redrawn only as often as it visibly moves); its result.
    Each element is sent again only when what it shows has changed."""
    queue = run_queue()
    slots = []  # [the status line, the live chart], each made when first needed: a run done within
                # the first poll sends neither

    def slot(number: int):
        while len(slots) <= number:
            slots.append(st.empty())
        return slots[number]
    shown, drawn_epoch, drawn_at, placed_at = None, 0, None, 0.0  # drawn_at: from when training was first seen
    while not ticket.wait(POLL_SECONDS):
        place = queue.position(ticket)
        if place:
            if time.monotonic() - placed_at < PLACE_SECONDS:
                continue
            running = queue.load[0]
            text = _("Waiting for a free training slot: runs ahead of yours: {ahead}; training now: {running} "
                     "({slots} at a time on this server).", ahead=place - 1, running=running, slots=queue.slots)
            if text != shown:
                slot(0).info(text, icon=":material/hourglass_top:")
                shown, placed_at = text, time.monotonic()
            continue
        if not ticket.epochs:
            if start_server().is_alive() and shown != COMPILING:  # a new server's first run waits for it
                slot(0).info(_(COMPILING), icon=":material/build:")
                shown = COMPILING
            continue
        drawn_at = time.monotonic() if drawn_at is None else drawn_at  # a short run draws no live chart
        text = _("Epoch {epoch:,} of {epochs:,}", epoch=ticket.epoch, epochs=ticket.epochs)
        if text != shown:
            slot(0).progress(ticket.epoch / ticket.epochs, text=text)
            shown = text
        moved = ticket.epoch - drawn_epoch >= CHART_MOVE * ticket.epochs
        if chart and ticket.history is not None and moved and time.monotonic() - drawn_at >= CHART_SECONDS:
            # a curve still growing: its words would be stale by the next tick, so none are made (template.described)
            draw(slot(1), chart.__wrapped__(ticket.history), width="stretch")
            drawn_epoch, drawn_at = ticket.epoch, time.monotonic()
    for placeholder in slots:
        placeholder.empty()
    return ticket.result()
