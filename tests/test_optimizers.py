"""Each optimizer and each of its hyperparameters: the compiled kernels' 100 steps land within 1e-5
of torch.optim's own, built here by hand (not through nnlab's rows), from the same initial weights."""

import dataclasses

import pytest
import torch

import nnlab
from nnlab.choices import OPTIMIZERS
from nnlab.experiment import SETTINGS
from nnlab.training.models import build_model

SETTINGS_BY_FIELD = {row.field: row for row in SETTINGS.values()}
BASE = nnlab.Experiment(data=nnlab.DataSpec(name="circle", n_points=80),
                        model=nnlab.ModelSpec(hidden=(6,), activations=("tanh",)),
                        training=nnlab.TrainSpec(loss="bce", learning_rate=0.05, epochs=100), seed=3)
# Each hyperparameter at a value off its default: (the training settings, torch.optim's keywords for
# them, written here by hand). beta1 0.5 takes torch's lerp down its other branch; over 15 epochs,
# since Adamax with so short a memory is chaotic on this data: torch's own run, its first weight
# moved by 1e-7, ends 5e-3 away after 50 epochs.
HYPERPARAMETERS = {
    "momentum": ({"momentum": 0.9}, {"momentum": 0.9}),
    "nesterov": ({"momentum": 0.5, "nesterov": True}, {"momentum": 0.5, "nesterov": True}),
    "weight_decay": ({"weight_decay": 0.3}, {"weight_decay": 0.3}),
    "beta1": ({"beta1": 0.5, "epochs": 15}, {"betas": (0.5, 0.999)}),
    "beta2": ({"beta2": 0.99}, {"betas": (0.9, 0.99)}),
}
# every optimizer at torch's defaults, then each of its hyperparameters off them
CASES = [({"optimizer": name}, {}) for name in OPTIMIZERS] + [
    ({"optimizer": name, **settings}, keywords) for field, (settings, keywords) in HYPERPARAMETERS.items()
    for name in SETTINGS_BY_FIELD[field].optimizers]
IDS = ["-".join(f"{value}" for value in training.values()) for training, _ in CASES]


def torch_weights(exp: nnlab.Experiment, keywords: dict) -> dict[str, torch.Tensor]:
    data = nnlab.load_data(exp)
    model = build_model(exp, data.n_features, data.n_outputs, data.task)
    make = getattr(torch.optim, OPTIMIZERS[exp.training.optimizer].torch_name)
    optimizer, loss_fn = make(model.parameters(), lr=exp.training.learning_rate, **keywords), torch.nn.BCELoss()
    for _ in range(exp.training.epochs):  # the full batch: a step an epoch
        optimizer.zero_grad()
        loss_fn(model(data.x_train), data.y_train).backward()
        optimizer.step()
    return model.state_dict()


@pytest.mark.parametrize(("training", "keywords"), CASES, ids=IDS)
def test_the_kernels_step_as_torch_optim_does(training, keywords):
    exp = BASE.replace(training=training)
    run = nnlab.train(exp, engine="compiled")
    assert run.engine == "compiled"
    expected = torch_weights(exp, keywords)
    for name, tensor in run.model.state_dict().items():
        assert (tensor - expected[name]).abs().max().item() <= 1e-5, name
    assert not torch.equal(expected["0.weight"], run.snapshots[0]["0.weight"])  # it did move


def test_every_hyperparameter_has_a_case():
    assert set(HYPERPARAMETERS) == {row.field for row in SETTINGS.values() if row.optimizers}


def test_every_optimizer_trains_on_the_compiled_engine():
    """An optimizer without its float32 step in the kernels would fall back to autograd, or step as another."""
    assert all(optimizer.kernel is not None for optimizer in OPTIMIZERS.values())
    assert len({optimizer.kernel for optimizer in OPTIMIZERS.values()}) == len(OPTIMIZERS)


def test_the_rows_keep_within_what_torch_takes_and_torchs_refusal_names_the_setting():
    """Each hyperparameter's range ends where torch.optim still takes it; past it (a row that let
    one through) torch's ValueError is a ConfigError naming the setting, not a traceback."""
    from nnlab.training.engine.autograd import torch_optimizer
    parameter = [torch.zeros(2, requires_grad=True)]
    for field, (settings, _) in HYPERPARAMETERS.items():
        row = SETTINGS_BY_FIELD[field]
        for name in row.optimizers:
            for end in (row.low, row.high) if row.low is not None else (getattr(BASE.training, field),):
                torch_optimizer(dataclasses.replace(BASE.training, optimizer=name, **{**settings, field: end}),
                                parameter)  # torch takes both ends of the range
    spec = nnlab.TrainSpec(optimizer="adam", beta1=0.5)
    object.__setattr__(spec, "beta1", 1.5)  # as a row with too wide a range would let through
    with pytest.raises(nnlab.ConfigError, match="Adam cannot take β1 = 1.5"):
        torch_optimizer(spec, parameter)
    with pytest.raises(nnlab.ConfigError, match="β1 must be between 0 and 0.9999; got 1.5"):
        nnlab.TrainSpec(optimizer="adam", beta1=1.5)


def test_a_hyperparameter_the_optimizer_does_not_read_is_its_default():
    """One run, one description: Adam with a momentum is Adam (the same cache key, the same link)."""
    assert BASE.replace(training={"optimizer": "adam", "momentum": 0.9}) == BASE.replace(training={"optimizer": "adam"})
    with pytest.raises(nnlab.ConfigError, match="Nesterov momentum needs a momentum above 0"):
        BASE.replace(training={"optimizer": "sgd", "nesterov": True})


def test_earlier_links_and_saved_runs_name_momentum_as_an_optimizer():
    old = nnlab.Experiment.from_dict({"training": {"optimizer": "momentum"}})
    assert (old.training.optimizer, old.training.momentum) == ("sgd", 0.9)
    assert nnlab.links.from_query({"opt": "momentum"}).training.momentum == 0.9
