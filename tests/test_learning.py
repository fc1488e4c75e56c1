"""Networks really learn: reasonable settings reach what a teacher would promise the class."""

from __future__ import annotations

import nnlab
from nnlab import DataSpec, Experiment, ModelSpec, TrainSpec


def test_a_small_tanh_network_learns_the_spiral():
    exp = Experiment(data=DataSpec(name="spiral", n_points=500, noise=0.1, train_fraction=0.7),
                     model=ModelSpec(hidden=(16, 16), activations=("tanh", "tanh")),
                     training=TrainSpec(loss="bce", optimizer="adam", learning_rate=0.03, epochs=400, batch_size=16))
    assert nnlab.train(exp).history["test_acc"].iloc[-1] >= 0.9


def test_the_digits_lesson_reads_nine_in_ten_unseen_digits():
    result = nnlab.train(nnlab.lessons.get("digits-classifier"))
    assert result.data.image_shape == (8, 8) and len(result.data.x_test) == 360
    assert result.history["test_acc"].iloc[-1] >= 0.9


def test_regression_on_the_plane_reaches_the_noise_level_on_test_points():
    noise = 0.5  # each point moved by N(0, 0.5) in x1 and x2 before its value (x1 + x2) / 10 is taken
    exp = Experiment(data=DataSpec(name="plane", n_points=600, noise=noise, train_fraction=0.5),
                     model=ModelSpec(hidden=(8,), activations=("tanh",)),
                     training=TrainSpec(loss="mse", optimizer="adam", learning_rate=0.01, epochs=200, batch_size=10))
    result = nnlab.train(exp)
    data = result.data
    scale = data.source["value"].iloc[data.train_rows].std(ddof=0)  # the target is standardised by it
    noise_level = 2 * (noise / 10) ** 2 / scale**2  # the variance of the value's noise, in those units
    assert data.task == "regression"
    assert 0.7 * noise_level <= result.history["test_loss"].iloc[-1] <= 1.5 * noise_level  # measured: 1.28x
