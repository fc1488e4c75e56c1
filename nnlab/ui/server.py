"""What the server shares between sessions (data, finished runs, the run queue, warm kernels), and
a session's view of its run while it waits in the queue and trains."""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
import time
from collections import deque
from collections.abc import Callable

import streamlit as st

import nnlab
from nnlab.data.datasets import Data
from nnlab.experiment import Experiment
from nnlab.i18n import N_
from nnlab.pictures import run_charts
from nnlab.training.cache import ResultCache
from nnlab.training.engine import compiled
from nnlab.training.runqueue import RunQueue, Ticket
from nnlab.training.trainer import TrainResult, train
from nnlab.ui import state
from nnlab.ui.pictures import draw
from nnlab.ui.words import _

POLL_SECONDS = 0.25  # how often a waiting session looks at its run
PLACE_SECONDS = 1.0  # its place in the queue is sent again at most this often: a hundred sessions
                     # waiting at once sent a new place on nearly every look
CHART_SECONDS = 1.0  # a live loss chart is drawn once its run has trained this long, then at most this often,
CHART_MOVE = 0.02  # and only once its run has moved on by this share of its epochs
_LAST_RESULT = "last_result"  # the session's own last run: the shared store may have let it go
_PENDING = "pending_run"  # (Experiment, Ticket) of a run this session started and has not seen end
COMPILING = N_("Getting the training engine ready: on a newly installed server its first start compiles it, "
             "which takes about 10 seconds, once.")


@st.cache_resource(max_entries=32, show_spinner=False)
def data_for(exp: Experiment) -> Data:
    """Tensors for the experiment's data; shared read-only between sessions."""
    return nnlab.load_data(exp)


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


def own_result(exp: Experiment) -> TrainResult | None:
    """The run of `exp` this session asked for, once finished. Another session's run of the same
    settings is not shown until this one presses Train: the class predicts first."""
    mine = st.session_state.get(_LAST_RESULT)
    return mine if mine is not None and mine.experiment == exp else None


def cached_result(exp: Experiment) -> TrainResult | None:
    """The session's own last run of `exp`, else the server's stored one, else None."""
    return own_result(exp) or result_store().get(_train_key(exp))


def left_behind(exp: Experiment) -> Ticket | None:
    """A run of `exp` this session started and left (for another page or other settings) before it
    finished: the page follows it again instead of dropping it."""
    pending = st.session_state.get(_PENDING)
    return pending[1] if pending is not None and pending[0] == exp else None


def running_elsewhere(exp: Experiment) -> bool:
    """Whether a run of `exp` is training for some session right now (after a reload, this one's)."""
    return run_queue().in_flight(_train_key(exp)) is not None


def background_run() -> Experiment | None:
    """The settings of a run this session left before it finished, while it still trains."""
    pending = st.session_state.get(_PENDING)
    return pending[0] if pending is not None and not pending[1].done else None


def own_job(key: tuple):
    """The result of the job (a comparison, a sweep) this session asked for with this key, once
    finished: like Train, one someone else ran shows only after this session presses its button."""
    mine = st.session_state.get(f"last_{key[0]}")  # (key, result) of the session's own last job of this kind
    return mine[1] if mine is not None and mine[0] == key else None


def shown_job(key: tuple):
    """The job's result this page may show: the session's own, or, where the instructor's link says
    show=results, the server's stored one too."""
    return stored_job(key) if state.instructor_flags().show_results else own_job(key)


def stored_job(key: tuple):
    """This session's job with this key, else the server's stored one, else None."""
    return own_job(key) if own_job(key) is not None else result_store().get(key)


def job_live(key: tuple, work: Callable):
    """This session's job: the stored one at once if the server has it, else `work(progress)`
    queued (or joined) and shown until it is done."""
    def run(ticket: Ticket):
        result = work(ticket.report)
        result_store().put(key, result)
        return result
    stored = result_store().get(key)
    result = stored if stored is not None else follow(run_queue().submit(key, run))
    st.session_state[f"last_{key[0]}"] = (key, result)
    return result


def compare_key(exp: Experiment, activations: tuple[str, ...], seeds: int, epochs: int) -> tuple:
    return ("compare", exp, activations, seeds, epochs)


def compare_live(exp: Experiment, activations: tuple[str, ...], seeds: int, epochs: int):
    return job_live(compare_key(exp, activations, seeds, epochs),
                    lambda progress: nnlab.compare(exp, activations, range(seeds), epochs=epochs, progress=progress))


def sweep_key(exp: Experiment, rates: tuple[float, ...], widths: tuple[int, ...], seeds: int, epochs: int) -> tuple:
    return ("sweep", exp, rates, widths, seeds, epochs)


def sweep_live(exp: Experiment, rates: tuple[float, ...], widths: tuple[int, ...], seeds: int, epochs: int):
    return job_live(sweep_key(exp, rates, widths, seeds, epochs),
                    lambda progress: nnlab.sweep(exp, rates, widths, range(seeds), epochs=epochs, progress=progress))


def _train_key(exp: Experiment) -> tuple:
    return ("train", exp)


def train_live(exp: Experiment, data: Data) -> TrainResult:
    """This session's run of `exp`: the stored one at once if the server has it, else queued (or
    joined, if the same settings are already queued) and shown until it is done."""
    key = _train_key(exp)
    stored = left_behind(exp) or result_store().get(key)
    if isinstance(stored, TrainResult):
        st.session_state[_LAST_RESULT] = stored
        return stored

    def work(ticket: Ticket) -> TrainResult:
        result = train(exp, progress=ticket.report, data=data)
        result_store().put(key, result)
        return result
    ticket = stored or run_queue().submit(key, work)
    st.session_state[_PENDING] = (exp, ticket)  # kept if the session leaves before the end
    result = st.session_state[_LAST_RESULT] = follow(ticket, run_charts.loss_curves)
    st.session_state.pop(_PENDING, None)
    return result


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
            draw(slot(1), chart.__wrapped__(ticket.history), words=False, width="stretch")
            drawn_epoch, drawn_at = ticket.epoch, time.monotonic()
    for placeholder in slots:
        placeholder.empty()
    return ticket.result()
