"""Trainer behaviour: seeded determinism, history, snapshots, divergence stop, device choice."""

import math

import pytest
import torch

import nnlab
from nnlab.training.engine.choose import COMPILED_MAX_FLOPS_PER_STEP, GPU_MIN_FLOPS_PER_STEP, choose, flops_per_step


def test_same_experiment_gives_identical_weights_and_history():
    exp = nnlab.lessons.get("bump-two-layers")
    one, two = nnlab.train(exp, epochs=30, device="cpu"), nnlab.train(exp, epochs=30, device="cpu")
    for name, tensor in one.model.state_dict().items():
        assert torch.equal(tensor, two.model.state_dict()[name])
    assert one.history.equals(two.history)
    other = nnlab.train(exp.replace(seed=1), epochs=30, device="cpu")
    assert not torch.equal(other.initial_state["0.weight"], one.initial_state["0.weight"])


def test_history_has_one_row_per_epoch_with_the_defined_metrics():
    heart = nnlab.train(nnlab.lessons.get("tabular-relu"), epochs=25)
    assert list(heart.history.columns) == ["epoch", "train_loss", "train_acc", "test_loss", "test_acc"]
    assert heart.history["epoch"].tolist() == list(range(1, 26))
    data = heart.data
    predicted = (heart.model(data.x_test).reshape(-1) > 0).float()  # logits: > 0 is class 1
    assert heart.history["test_acc"].iloc[-1] == pytest.approx(float((predicted == data.y_test.reshape(-1)).float().mean()))
    step = nnlab.train(nnlab.lessons.get("step-two-neurons"), epochs=2)
    assert list(step.history.columns) == ["epoch", "train_loss"]  # soft targets: no accuracy


def test_train_loss_is_the_mean_per_sample_over_the_epoch():
    exp = nnlab.lessons.get("simple-classifier")
    result = nnlab.train(exp, epochs=1)
    model = nnlab.build_model(exp, 64, 10, "multiclass")
    model.load_state_dict(result.initial_state)
    data = nnlab.load_data(exp)
    expected = torch.nn.functional.cross_entropy(model(data.x_train), data.y_train).item()
    assert result.history["train_loss"].iloc[0] == pytest.approx(expected, rel=1e-6)


def test_snapshots_at_the_interval_plus_start_and_end():
    result = nnlab.train(nnlab.lessons.get("bump-twenty-neurons"), epochs=250)
    assert sorted(result.snapshots) == [0, 50, 100, 150, 200, 250]
    assert torch.equal(result.snapshots[0]["0.weight"], result.initial_state["0.weight"])
    assert torch.equal(result.snapshots[250]["0.weight"], result.model.state_dict()["0.weight"])
    lesson = nnlab.train(nnlab.lessons.get("tabular-linear"), epochs=300)
    assert sorted(lesson.snapshots) == [0, 100, 200, 300]


def test_progress_callback_reports_epochs_in_order_with_every_row_so_far():
    for engine in ("compiled", "autograd"):
        seen = []

        def report(epoch, total, history, seen=seen):
            seen.append((epoch, total, len(history), history["epoch"].iloc[-1]))
        nnlab.train(nnlab.lessons.get("tabular-linear"), epochs=200, engine=engine, progress=report)
        assert seen[-1] == (200, 200, 200, 200)
        assert [e for e, *_ in seen] == sorted({e for e, *_ in seen})
        assert all(e == count == last for e, _, count, last in seen)


def test_huge_learning_rate_stops_at_first_non_finite_epoch_with_message():
    exp = nnlab.lessons.get("tabular-deeper-linear").replace(
        training={"learning_rate": 10.0, "optimizer": "sgd", "momentum": 0.9})
    result = nnlab.train(exp, epochs=500)
    assert result.diverged_at is not None and result.diverged_at <= 500
    assert f"diverged at epoch {result.diverged_at}" in result.message and "smaller learning rate" in result.message
    assert len(result.history) == result.diverged_at - 1
    assert result.history.drop(columns="epoch").map(math.isfinite).all().all()
    assert all(torch.isfinite(t).all() for t in result.model.state_dict().values())
    assert max(result.snapshots) == result.diverged_at - 1


def test_loss_must_fit_the_task():
    exp = nnlab.lessons.get("simple-classifier").replace(training={"loss": "bce"})
    with pytest.raises(nnlab.ConfigError, match="does not fit a multiclass target"):
        nnlab.train(exp, epochs=1)


def work_of(flops: float) -> tuple[list[nnlab.Experiment], nnlab.Data]:
    """A one-model job of about `flops` FLOP a step: the heart lesson's data, with wide enough layers."""
    exp = nnlab.lessons.get("tabular-relu")
    data = nnlab.load_data(exp)
    units = 1
    while flops_per_step(exp.replace(model={"hidden": (units, units), "activations": ("relu", "relu")}), data) < flops \
            and units < 256:
        units += 1
    return [exp.replace(model={"hidden": (units, units), "activations": ("relu", "relu")})], data


def test_auto_picks_the_cpu_without_a_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    choice = choose(*work_of(1e12))
    assert choice.device.type == "cpu" and choice.engine == "autograd" and "no GPU" in choice.reason
    assert nnlab.train(nnlab.lessons.get("simple-classifier"), epochs=1).device == "cpu"
    with pytest.raises(nnlab.ConfigError, match="not available"):
        choose(*work_of(1.0), device="cuda")


def test_auto_takes_the_compiled_engine_for_small_work_and_autograd_for_large():
    assert choose(*work_of(COMPILED_MAX_FLOPS_PER_STEP / 10)).engine == "compiled"
    assert choose(*work_of(COMPILED_MAX_FLOPS_PER_STEP * 1.2), device="cpu").engine == "autograd"
    assert choose(*work_of(COMPILED_MAX_FLOPS_PER_STEP * 1.2), "cpu", "compiled").engine == "compiled"  # asked for


def test_auto_uses_a_gpu_only_for_enough_work(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    small = choose(*work_of(GPU_MIN_FLOPS_PER_STEP / 10))
    large = choose(*work_of(GPU_MIN_FLOPS_PER_STEP * 1.2))
    assert small.device.type == "cpu" and "too little work" in small.reason
    assert (large.engine, large.device.type) == ("autograd", "cuda")
    with pytest.raises(nnlab.ConfigError, match="CPU only"):
        choose(*work_of(1.0), device="cuda", engine="compiled")


def test_estimate_grows_with_the_work_and_stacking_is_cheaper_than_turns():
    from nnlab.training.trainer import estimate_seconds

    exp = nnlab.lessons.get("bump-twenty-neurons")
    data = nnlab.load_data(exp)
    one = estimate_seconds([exp], data)
    assert estimate_seconds([exp], data, epochs=exp.training.epochs * 2) == pytest.approx(2 * one)
    assert one < estimate_seconds([exp.replace(training={"batch_size": 1})], data)
    assert estimate_seconds([exp] * 20, data) < 20 * one  # a stack trains on every core at once
