"""A session's own results (nnlab.ui.session_runs), one key scheme for a run, a comparison and a
sweep: a run left behind is followed again whatever ran since, and a failed one is run again."""

import pytest
import streamlit as st
import torch

import nnlab
from nnlab.ui import session_runs


class Ticket:
    def __init__(self, result=None, error=None):
        self.result, self.error, self.done = result, error, False

    def report(self, *args):
        pass


class Queue:
    def __init__(self):
        self.submitted = []

    def submit(self, key, work, together=None):
        ticket = Ticket()
        self.submitted.append((key, ticket, work))
        self.together = together
        return ticket


class Store(dict):
    def put(self, key, value):
        self[key] = value


@pytest.fixture
def served(monkeypatch):
    """session_runs over an empty store, a queue that records what it is given, and a follow that
    ends each ticket as its test says: `ends[key kind]` is 'done', 'failed' or 'left'."""
    st.session_state.clear()
    queue, store, ends = Queue(), Store(), {}

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


def test_a_class_pressing_train_on_a_lane_lesson_is_trained_together_and_stored_run_by_run(served):
    queue, ends = served
    ends["train"] = "done"
    lesson = nnlab.lessons.get("step-two-neurons").replace(training={"epochs": 20})
    runs = [(lesson.replace(seed=seed), nnlab.load_data(lesson.replace(seed=seed))) for seed in range(6)]
    session_runs.train_live(*runs[0])
    together = queue.together
    assert together is not None and together.item == runs[0]
    tickets = [Ticket() for _ in runs]
    for ticket, (exp, _) in zip(tickets, runs, strict=True):
        ticket.key = session_runs.train_key(exp)
    results = together.work(runs, tickets)
    store = session_runs.result_store()
    for (exp, data), result in zip(runs, results, strict=True):
        assert store[session_runs.train_key(exp)] is result
        alone = nnlab.train(exp, data=data)
        assert all(torch.equal(result.model.state_dict()[name], tensor) for name, tensor in alone.model.state_dict().items())
    session_runs.train_live(*[(exp.replace(training={"batch_size": 32}), data) for exp, data in runs[:1]][0])
    assert queue.together is None  # 32 rows a step: it trains alone
