"""The tutorials' own training loops, as a student would run them: the baseline nnlab is timed against.

Written from the lesson specs (DataLoader without shuffle and BCELoss with Adam for the bump
lesson; one sample at a time with the explicit cross-entropy and SGD for the step lesson; the
whole batch with CrossEntropyLoss and Adam, or BCEWithLogitsLoss and SGD, for tutorials 002 and
003). Each starts from nnlab's initial weights, so only the loop differs.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import nnlab


def _model(exp: nnlab.Experiment, data: nnlab.Data) -> nn.Module:
    return nnlab.build_model(exp, data.n_features, data.n_outputs, data.task)


def bump_loop(exp: nnlab.Experiment, epochs: int) -> nn.Module:
    data = nnlab.load_data(exp)
    model = _model(exp, data)
    loader = DataLoader(TensorDataset(data.x_train, data.y_train), batch_size=exp.training.batch_size)
    criterion, optimizer = nn.BCELoss(), torch.optim.Adam(model.parameters(), lr=exp.training.learning_rate)
    losses = []
    for _ in range(epochs):
        total = 0.0
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item()
        losses.append(total)
    return model


def step_loop(exp: nnlab.Experiment, epochs: int) -> nn.Module:
    data = nnlab.load_data(exp)
    model = _model(exp, data)
    optimizer = torch.optim.SGD(model.parameters(), lr=exp.training.learning_rate)
    costs = []
    for _ in range(epochs):
        total = 0.0
        for x, y in zip(data.x_train, data.y_train, strict=True):
            p = model(x)
            loss = -torch.mean(y * torch.log(p) + (1 - y) * torch.log(1 - p))
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            total += loss.item()
        costs.append(total)
    return model


def classifier_loop(exp: nnlab.Experiment, epochs: int) -> nn.Module:
    """Tutorial 002: the whole batch each step, CrossEntropyLoss, Adam."""
    data = nnlab.load_data(exp)
    model = _model(exp, data)
    criterion, optimizer = nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters(), lr=exp.training.learning_rate)
    for _ in range(epochs):
        loss = criterion(model(data.x_train), data.y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


def heart_loop(exp: nnlab.Experiment, epochs: int) -> nn.Module:
    """Tutorial 003: full batch, BCEWithLogitsLoss, SGD, and train and test accuracy every epoch."""
    data = nnlab.load_data(exp)
    model = _model(exp, data)
    criterion, optimizer = nn.BCEWithLogitsLoss(), torch.optim.SGD(model.parameters(), lr=exp.training.learning_rate)
    accuracies = []
    for _ in range(epochs):
        model.train()
        logits = model(data.x_train)
        loss = criterion(logits, data.y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            train_acc = ((logits > 0).float() == data.y_train).float().mean().item()
            test_acc = ((model(data.x_test) > 0).float() == data.y_test).float().mean().item()
        accuracies.append((train_acc, test_acc))
    return model


LOOPS = {"step-two-neurons": step_loop, "bump-twenty-neurons": bump_loop, "bump-two-layers": bump_loop,
         "simple-classifier": classifier_loop, "tabular-linear": heart_loop, "tabular-deeper-linear": heart_loop,
         "tabular-relu": heart_loop}
