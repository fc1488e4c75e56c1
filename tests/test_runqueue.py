"""The server's run queue: first come first served, one run per slot, shared work done once."""

import threading
import time

import pytest

from nnlab.training.runqueue import RunQueue


def gate_work(opened: threading.Event, log: list, name: str):
    def work(ticket):
        log.append(name)
        ticket.report(1, 2)
        opened.wait(5)
        return name
    return work


def test_runs_start_first_come_first_served_slots_at_a_time():
    queue, log, opened = RunQueue(slots=2), [], threading.Event()
    tickets = [queue.submit(name, gate_work(opened, log, name)) for name in "abcde"]
    deadline = time.monotonic() + 5
    while len(log) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    assert sorted(log) == ["a", "b"] and queue.load == (2, 3)
    assert [queue.position(t) for t in tickets] == [0, 0, 1, 2, 3]
    assert tickets[0].epoch == 1 and tickets[0].epochs == 2
    opened.set()
    assert [t.result() for t in tickets] == list("abcde")
    assert log[2:] == ["c", "d", "e"] and queue.load == (0, 0)


def test_the_same_key_in_flight_is_computed_once_for_everyone():
    queue, calls, opened = RunQueue(slots=1), [], threading.Event()

    def work(ticket):
        calls.append(1)
        opened.wait(5)
        return object()
    first, second = queue.submit("same", work), queue.submit("same", work)
    assert first is second and queue.in_flight("same") is first and queue.in_flight("other") is None
    opened.set()
    assert first.result() is second.result() and len(calls) == 1 and queue.in_flight("same") is None
    assert queue.submit("same", work).result() is not first.result()  # once done, a new request runs again


def test_an_error_in_the_work_reaches_whoever_waits_and_the_queue_goes_on():
    queue = RunQueue(slots=1)

    def fail(ticket):
        raise ValueError("bad settings")
    with pytest.raises(ValueError, match="bad settings"):
        queue.submit("x", fail).result()
    assert queue.submit("y", lambda ticket: 42).result() == 42
