"""A session's own results (nnlab.ui.session_runs), one key scheme for a run, a comparison and a
sweep: a run left behind is followed again whatever ran since, and a failed one is run again."""

import pytest
import streamlit as st

from nnlab.ui import session_runs


class Ticket:
    def __init__(self, result=None, error=None):
        self.result, self.error, self.done = result, error, False

    def report(self, *args):
        pass


class Queue:
    def __init__(self):
        self.submitted = []

    def submit(self, key, work):
        ticket = Ticket()
        self.submitted.append((key, ticket, work))
        return ticket


@pytest.fixture
def served(monkeypatch):
    """session_runs over an empty store, a queue that records what it is given, and a follow that
    ends each ticket as its test says: `ends[key kind]` is 'done', 'failed' or 'left'."""
    st.session_state.clear()
    queue, store, ends = Queue(), {}, {}

    def follow(ticket, chart=None):
        key = next(key for key, made, _ in queue.submitted if made is ticket)
        if ends[key[0]] == "left":
            raise KeyboardInterrupt  # the page was left: the script stops mid-follow
        ticket.done = True
        if ends[key[0]] == "failed":
            raise RuntimeError("the work failed")
        return f"result of {key[0]}"

    monkeypatch.setattr(session_runs, "follow", follow)
    monkeypatch.setattr(session_runs, "run_queue", lambda: queue)
    monkeypatch.setattr(session_runs, "result_store", lambda: store)
    yield queue, ends
    st.session_state.clear()


def test_a_run_left_behind_is_still_followed_after_a_comparison_ran(served):
    queue, ends = served
    train, compare = ("train", "exp"), ("compare", "exp", ("relu",), 2, 10)
    ends.update(train="left", compare="done")
    with pytest.raises(KeyboardInterrupt):
        session_runs.live(train, lambda progress: None)
    left = session_runs.left_behind(train)
    assert left is queue.submitted[0][1] and session_runs.background_run("train") == train
    assert session_runs.live(compare, lambda progress: None) == "result of compare"
    assert session_runs.left_behind(train) is left and session_runs.background_run("train") == train
    ends["train"] = "done"
    assert session_runs.live(train, lambda progress: None) == "result of train"
    assert len(queue.submitted) == 2 and session_runs.left_behind(train) is None  # followed, not run again
    assert session_runs.own_result(train) == "result of train"


def test_a_failed_run_is_run_again_not_followed_again(served):
    queue, ends = served
    sweep = ("sweep", "exp", (0.1,), (4,), 1, 10)
    ends["sweep"] = "failed"
    for _ in range(2):
        with pytest.raises(RuntimeError):
            session_runs.live(sweep, lambda progress: None)
    assert len(queue.submitted) == 2 and session_runs.left_behind(sweep) is None
