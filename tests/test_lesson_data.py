"""The lesson data equals the tutorials' data, built here point by point from their rules."""

import numpy as np
import torch

import nnlab
from nnlab.choices import DATASETS
from nnlab.data.datasets import LOADERS


def test_step_lesson_data_matches_tutorial_rule():
    data = nnlab.load_data(nnlab.lessons.get("step-two-neurons"))
    expected_x, expected_y = [], []
    for x in range(-30, 30):
        expected_x.append(float(x))
        expected_y.append(1.0 if x <= -10 else 0.5 if -10 < x < 10 else 0.0)
    assert data.x_train[:, 0].tolist() == expected_x
    assert data.y_train[:, 0].tolist() == expected_y
    assert data.y_train[data.x_train[:, 0] == 10].item() == 0.0  # the tutorial leaves x = 10 at zero
    assert len(data.x_test) == 0 and not data.hard_labels


def test_bump_lesson_data_matches_tutorial_rule():
    data = nnlab.load_data(nnlab.lessons.get("bump-twenty-neurons"))
    expected_y = []
    for x in range(-50, 50):
        if -20 < x < 20 or -40 < x < -30 or 30 < x < 40:
            expected_y.append(1.0)
        else:
            expected_y.append(0.0)
    assert data.x_train[:, 0].tolist() == [float(x) for x in range(-50, 50)]
    assert data.y_train[:, 0].tolist() == expected_y
    assert data.y_train.shape == (100, 1) and data.hard_labels


def test_two_layer_bump_lesson_uses_the_same_data():
    one = nnlab.load_data(nnlab.lessons.get("bump-twenty-neurons"))
    two = nnlab.load_data(nnlab.lessons.get("bump-two-layers"))
    assert torch.equal(one.x_train, two.x_train) and torch.equal(one.y_train, two.y_train)


def test_simple_classifier_data_has_tutorial_shapes_and_ranges():
    exp = nnlab.lessons.get("simple-classifier")
    data = nnlab.load_data(exp)
    assert data.x_train.shape == (32, 64) and data.x_train.dtype == torch.float32
    assert data.y_train.shape == (32,) and data.y_train.dtype == torch.int64
    draws = torch.Generator().manual_seed(exp.seed)  # the tutorial's own two draws, from the lesson's seed
    assert torch.equal(data.x_train, torch.rand(32, 64, generator=draws))
    assert torch.equal(data.y_train, torch.empty(32, dtype=torch.long).random_(10, generator=draws))
    again = nnlab.load_data(exp)
    other_seed = nnlab.load_data(exp.replace(seed=exp.seed + 1))
    assert torch.equal(data.x_train, again.x_train)
    assert not torch.equal(data.x_train, other_seed.x_train)


def test_heart_lessons_split_80_20_stratified_and_standardise_on_train():
    data = nnlab.load_data(nnlab.lessons.get("tabular-linear"))
    assert data.n_features == 12 and data.target_name == "DEATH_EVENT"
    assert len(data.x_train) + len(data.x_test) == 299 and len(data.x_test) == 60
    train_rate, test_rate = data.y_train.mean().item(), data.y_test.mean().item()
    assert abs(train_rate - test_rate) < 0.02  # stratified: the same share of deaths in both parts
    np.testing.assert_allclose(data.x_train.mean(dim=0).numpy(), 0, atol=1e-5)
    np.testing.assert_allclose(data.x_train.std(dim=0, unbiased=False).numpy(), 1, atol=1e-4)
    assert abs(float(data.x_test.mean())) > 1e-4  # the test part was not used to standardise


def test_every_lesson_has_the_tutorial_hyperparameters():
    table = {
        "step-two-neurons": ((2,), ("sigmoid",), "bce", "sgd", 0.01, 5000, 1),
        "bump-twenty-neurons": ((20,), ("sigmoid",), "bce", "adam", 0.01, 7000, 32),
        "bump-two-layers": ((10, 10), ("sigmoid", "sigmoid"), "bce", "adam", 0.01, 7000, 32),
        "simple-classifier": ((128,), ("relu",), "cross_entropy", "adam", 0.01, 10, None),
        "tabular-linear": ((5,), ("identity",), "bce_logits", "sgd", 0.01, 1000, None),
        "tabular-deeper-linear": ((20, 20), ("identity", "identity"), "bce_logits", "sgd", 0.01, 1000, None),
        "tabular-relu": ((5,), ("relu",), "bce_logits", "sgd", 0.01, 1000, None),
    }
    assert set(table) <= set(nnlab.lessons.names())  # the others go beyond the tutorials
    for lesson_id, (hidden, activations, loss, optimizer, rate, epochs, batch) in table.items():
        exp = nnlab.lessons.get(lesson_id)
        t = exp.training
        assert (exp.model.hidden, exp.model.activations) == (hidden, activations), lesson_id
        assert (t.loss, t.optimizer, t.learning_rate, t.epochs, t.batch_size, t.shuffle) == (
            loss, optimizer, rate, epochs, batch, False), lesson_id
    assert nnlab.lessons.get("tabular-relu").seed == 42


def test_every_data_set_choice_has_its_loader():
    assert list(LOADERS) == list(DATASETS)  # the same sets, in the menu's order
