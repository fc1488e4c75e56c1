"""Every lesson trains to the same weights as a plain PyTorch loop written from the tutorial's spec.

The reference loops below use the tutorials' own tools (DataLoader without shuffle, per-sample
zip, the explicit cross-entropy formula of the step tutorial) and share nothing with nnlab's
trainer but the data and the initial weights.
"""

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import nnlab


def reference_model(lesson_id: str) -> nn.Sequential:
    return {
        "step-two-neurons": lambda: nn.Sequential(nn.Linear(1, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid()),
        "bump-twenty-neurons": lambda: nn.Sequential(nn.Linear(1, 20), nn.Sigmoid(), nn.Linear(20, 1), nn.Sigmoid()),
        "bump-two-layers": lambda: nn.Sequential(nn.Linear(1, 10), nn.Sigmoid(), nn.Linear(10, 10), nn.Sigmoid(),
                                                 nn.Linear(10, 1), nn.Sigmoid()),
        "simple-classifier": lambda: nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)),
        "tabular-linear": lambda: nn.Sequential(nn.Linear(12, 5), nn.Linear(5, 1)),
        "tabular-deeper-linear": lambda: nn.Sequential(nn.Linear(12, 20), nn.Linear(20, 20), nn.Linear(20, 1)),
        "tabular-relu": lambda: nn.Sequential(nn.Linear(12, 5), nn.ReLU(), nn.Linear(5, 1)),
    }[lesson_id]()


def step_cross_entropy(prediction, target):
    return -torch.mean(target * torch.log(prediction) + (1 - target) * torch.log(1 - prediction))


def train_step_lesson(model, data, epochs):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for _ in range(epochs):
        for x, y in zip(data.x_train, data.y_train, strict=True):  # one sample at a time, in order
            loss = step_cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()


def train_bump_lesson(model, data, epochs):
    loader = DataLoader(TensorDataset(data.x_train, data.y_train), batch_size=32)
    criterion, optimizer = nn.BCELoss(), torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()


def train_simple_classifier(model, data, epochs):
    criterion, optimizer = nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(epochs):
        loss = criterion(model(data.x_train), data.y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def train_heart_lesson(model, data, epochs):
    criterion, optimizer = nn.BCEWithLogitsLoss(), torch.optim.SGD(model.parameters(), lr=0.01)
    for _ in range(epochs):
        model.train()
        loss = criterion(model(data.x_train).squeeze(), data.y_train.squeeze())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


REFERENCE = {
    "step-two-neurons": (train_step_lesson, 3),
    "bump-twenty-neurons": (train_bump_lesson, 60),
    "bump-two-layers": (train_bump_lesson, 60),
    "simple-classifier": (train_simple_classifier, 10),
    "tabular-linear": (train_heart_lesson, 150),
    "tabular-deeper-linear": (train_heart_lesson, 150),
    "tabular-relu": (train_heart_lesson, 150),
}


@pytest.mark.parametrize("lesson_id", sorted(REFERENCE))
def test_lesson_matches_plain_torch_loop(lesson_id):
    exp = nnlab.lessons.get(lesson_id)
    train_reference, epochs = REFERENCE[lesson_id]
    result = nnlab.train(exp, epochs=epochs, device="cpu")
    model = reference_model(lesson_id)
    model.load_state_dict(result.initial_state)  # also proves the architecture: same keys, same shapes
    train_reference(model, nnlab.load_data(exp), epochs)
    trained = result.model.state_dict()
    for name, expected in model.state_dict().items():
        difference = (trained[name] - expected).abs().max().item()
        assert difference <= 1e-4, f"{lesson_id}: {name} differs by {difference}"
    assert result.epochs_run == epochs
    moved = max((trained[n] - result.initial_state[n]).abs().max().item() for n in trained)
    assert moved > 1e-3, "training must have changed the weights"
