"""The server's run queue: first come first served, one run per slot, shared work done once."""

import threading
import time

import pytest

from nnlab.training.runqueue import RunQueue, Together


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


def test_waiting_work_of_one_kind_is_done_in_one_call_and_the_first_waits_for_nothing():
    queue, calls, started, opened = RunQueue(slots=1), [], threading.Event(), threading.Event()

    def together(items, tickets):
        calls.append(items)
        return [item * 10 for item in items]

    def alone(item):
        def work(ticket):
            started.set()
            opened.wait(5)
            return item * 100
        return work
    first = queue.submit(1, alone(1), Together("lesson", 1, together))
    assert started.wait(5)  # the first starts at once, on its own
    later = [queue.submit(item, alone(item), Together("lesson" if item != 4 else "other", item, together))
             for item in (2, 3, 4, 5)]
    opened.set()
    assert first.result() == 100 and [ticket.result() for ticket in later] == [20, 30, 400, 50]
    assert calls == [[2, 3, 5]]  # what arrived meanwhile went into the next call, by kind; one of a kind alone


@pytest.mark.parametrize("spoiled", ["raises", "short"])
def test_work_done_together_that_fails_is_done_again_alone_each_with_its_own_error(spoiled):
    queue, opened = RunQueue(slots=1), threading.Event()
    blocker = queue.submit("block", lambda ticket: opened.wait(5))

    def together(items, tickets):
        if spoiled == "raises":
            raise RuntimeError("one bad item spoils the call")
        return items[:-1]  # a value short: no ticket may be left waiting

    def alone(item):
        def work(ticket):
            if item == 2:
                raise ValueError("item 2 is bad")
            return item
        return work
    tickets = [queue.submit(item, alone(item), Together("kind", item, together)) for item in (1, 2, 3)]
    opened.set()
    assert blocker.result() is True
    assert tickets[0].result() == 1 and tickets[2].result() == 3
    with pytest.raises(ValueError, match="item 2 is bad"):
        tickets[1].result()
    assert queue.load == (0, 0) and all(queue.in_flight(item) is None for item in (1, 2, 3))
