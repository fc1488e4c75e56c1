"""One server-wide queue of training work: as many runs at once as there are cores, first come
first served, and work already queued or running under the same key is done once for everyone
who asks for it.

A lecture hall presses Train within seconds; without a queue every session's run shares the CPU
with every other and all results arrive together at the end. With it, the first runs finish in
about their own time and each later session sees its place in line.

Work that can train together says so with a `Together` (the runs of one shape train as lanes,
nnlab/training/engine/lanes.py): a slot that starts such work takes every waiting piece of the same
kind with it into one call. The first adds no wait; what arrives while a call runs goes into the next.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

MAX_TOGETHER = 64  # pieces of work one call takes at most
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Together:
    """How a piece of work can be done with others: `kind` (work of the same kind goes together),
    `item` (its part), and `work(items, tickets)`, which does them all and returns one value each."""

    kind: Hashable
    item: Any
    work: Callable[[list, list[Ticket]], list]


class Ticket:
    """One piece of work in the queue: its place, then its progress, then its result."""

    def __init__(self, key: Hashable | None, work: Callable[[Ticket], Any], together: Together | None = None):
        self.key, self.work, self.together = key, work, together
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
        self._calls = 0  # calls running: one ticket each, or the tickets done together
        self._by_key: dict[Hashable, Ticket] = {}
        self._workers: list[threading.Thread] = []

    def submit(self, key: Hashable | None, work: Callable[[Ticket], Any], together: Together | None = None) -> Ticket:
        """Queue `work(ticket)`, or, with `together`, this work with whatever of its kind is waiting
        when a slot starts it; a key already queued or running gets that ticket instead (None:
        never shared)."""
        with self._lock:
            if key is not None and key in self._by_key:
                return self._by_key[key]
            ticket = Ticket(key, work, together)
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
        """(calls running, tickets waiting) right now: tickets done together are one call."""
        with self._lock:
            return self._calls, len(self._waiting)

    def _serve(self) -> None:
        while True:
            with self._lock:
                while not self._waiting:
                    self._lock.wait()
                tickets = self._take()
                self._calls += 1
            try:
                self._work_on(tickets)
            finally:
                with self._lock:
                    self._calls -= 1
                    again = [ticket for ticket in tickets if not ticket.done]
                    self._waiting.extendleft(reversed(again))  # each at its place in line, to be done alone
                    for ticket in tickets:
                        if ticket.done and ticket.key is not None and self._by_key.get(ticket.key) is ticket:
                            del self._by_key[ticket.key]
                    self._lock.notify_all()

    def _take(self) -> list[Ticket]:
        """The next ticket, with every waiting one of its kind (under the lock)."""
        first = self._waiting.popleft()
        if first.together is None:
            return [first]
        same = [ticket for ticket in self._waiting
                if ticket.together is not None and ticket.together.kind == first.together.kind][:MAX_TOGETHER - 1]
        for ticket in same:
            self._waiting.remove(ticket)
        return [first, *same]

    @staticmethod
    def _work_on(tickets: list[Ticket]) -> None:
        """Finish the tickets: one alone, by its own work; several, by their kind's work together.
        Where that fails, none is finished and each loses its `together`: they go back in line and
        each is done alone, by every slot, with its own error where it has one."""
        if len(tickets) == 1:
            ticket, = tickets
            try:
                ticket._finish(value=ticket.work(ticket))
            except BaseException as error:  # handed to whoever waits on it
                ticket._finish(error=error)
            return
        try:
            values = tickets[0].together.work([ticket.together.item for ticket in tickets], tickets)
            if len(values) != len(tickets):
                raise ValueError(f"{len(values)} values for {len(tickets)} tickets")
        except BaseException:
            _log.exception("work done together failed; each piece is done alone")
            for ticket in tickets:
                ticket.together = None
            return
        for ticket, value in zip(tickets, values, strict=True):
            ticket._finish(value=value)
