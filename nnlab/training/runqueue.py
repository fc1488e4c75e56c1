"""One server-wide queue of training work: as many runs at once as there are cores, first come
first served, and work already queued or running under the same key is done once for everyone
who asks for it.

A lecture hall presses Train within seconds; without a queue every session's run shares the CPU
with every other and all results arrive together at the end. With it, the first runs finish in
about their own time and each later session sees its place in line.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Hashable
from typing import Any


class Ticket:
    """One piece of work in the queue: its place, then its progress, then its result."""

    def __init__(self, key: Hashable | None, work: Callable[[Ticket], Any]):
        self.key, self.work = key, work
        self.epoch, self.epochs = 0, 0  # progress once running
        self.history = None  # the history so far (a DataFrame), where the work reports one
        self._done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None

    def report(self, epoch: int, epochs: int, history=None) -> None:
        """Called by the work as it goes (from the worker thread)."""
        self.epoch, self.epochs = epoch, epochs
        if history is not None:
            self.history = history

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the work is done, waiting up to `timeout` seconds for it."""
        return self._done.wait(timeout)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def result(self) -> Any:
        """The work's return value; its exception is raised again here."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value

    def _finish(self, value: Any = None, error: BaseException | None = None) -> None:
        self._value, self._error = value, error
        self._done.set()


class RunQueue:
    """First come, first served, `slots` at a time (default: one per core)."""

    def __init__(self, slots: int | None = None):
        self.slots = slots or os.cpu_count() or 1
        self._lock = threading.Condition()
        self._waiting: deque[Ticket] = deque()
        self._running: set[Ticket] = set()
        self._by_key: dict[Hashable, Ticket] = {}
        self._workers: list[threading.Thread] = []

    def submit(self, key: Hashable | None, work: Callable[[Ticket], Any]) -> Ticket:
        """Queue `work(ticket)`; a key already queued or running gets that ticket instead (None:
        never shared)."""
        with self._lock:
            if key is not None and key in self._by_key:
                return self._by_key[key]
            ticket = Ticket(key, work)
            self._waiting.append(ticket)
            if key is not None:
                self._by_key[key] = ticket
            if len(self._workers) < self.slots:
                worker = threading.Thread(target=self._serve, name=f"nnlab-run-{len(self._workers)}", daemon=True)
                self._workers.append(worker)
                worker.start()
            self._lock.notify()
            return ticket

    def in_flight(self, key: Hashable) -> Ticket | None:
        """The ticket queued or running under `key`, if any."""
        with self._lock:
            return self._by_key.get(key)

    def position(self, ticket: Ticket) -> int:
        """1 for the next to start, 2 behind it, ...; 0 once it runs or is done."""
        with self._lock:
            try:
                return self._waiting.index(ticket) + 1
            except ValueError:
                return 0

    @property
    def load(self) -> tuple[int, int]:
        """(running, waiting) right now."""
        with self._lock:
            return len(self._running), len(self._waiting)

    def _serve(self) -> None:
        while True:
            with self._lock:
                while not self._waiting:
                    self._lock.wait()
                ticket = self._waiting.popleft()
                self._running.add(ticket)
            try:
                ticket._finish(value=ticket.work(ticket))
            except BaseException as error:  # handed to whoever waits on it
                ticket._finish(error=error)
            finally:
                with self._lock:
                    self._running.discard(ticket)
                    if ticket.key is not None and self._by_key.get(ticket.key) is ticket:
                        del self._by_key[ticket.key]
