"""Each optimizer and each of its hyperparameters: the compiled kernels' 100 steps land within 1e-5
of torch.optim's own, built here by hand (not through nnlab's rows), from the same initial weights."""

import pytest
import torch

import nnlab
from nnlab.choices import OPTIMIZERS
from nnlab.experiment import SETTINGS
from nnlab.models import build_model

BASE = nnlab.Experiment(data=nnlab.DataSpec(name="circle", n_points=80),
                        model=nnlab.ModelSpec(hidden=(6,), activations=("tanh",)),
                        training=nnlab.TrainSpec(loss="bce", learning_rate=0.05, epochs=100), seed=3)
# (the training settings, torch.optim's own optimizer for them)
CASES = [
    ({"optimizer": "sgd"}, lambda p, lr: torch.optim.SGD(p, lr=lr)),
    ({"optimizer": "sgd", "momentum": 0.9}, lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9)),
    ({"optimizer": "sgd", "momentum": 0.5, "nesterov": True},
     lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.5, nesterov=True)),
    ({"optimizer": "adam"}, lambda p, lr: torch.optim.Adam(p, lr=lr)),
    ({"optimizer": "adamw"}, lambda p, lr: torch.optim.AdamW(p, lr=lr)),
    ({"optimizer": "adamw", "weight_decay": 0.3}, lambda p, lr: torch.optim.AdamW(p, lr=lr, weight_decay=0.3)),
    ({"optimizer": "rmsprop"}, lambda p, lr: torch.optim.RMSprop(p, lr=lr)),
    ({"optimizer": "adagrad"}, lambda p, lr: torch.optim.Adagrad(p, lr=lr)),
]
IDS = ["-".join(f"{value}" for value in training.values()) for training, _ in CASES]


def torch_weights(exp: nnlab.Experiment, make) -> dict[str, torch.Tensor]:
    data = nnlab.load_data(exp)
    model = build_model(exp, data.n_features, data.n_outputs, data.task)
    optimizer, loss_fn = make(model.parameters(), exp.training.learning_rate), torch.nn.BCELoss()
    for _ in range(exp.training.epochs):  # the full batch: a step an epoch
        optimizer.zero_grad()
        loss_fn(model(data.x_train), data.y_train).backward()
        optimizer.step()
    return model.state_dict()


@pytest.mark.parametrize(("training", "make"), CASES, ids=IDS)
def test_the_kernels_step_as_torch_optim_does(training, make):
    exp = BASE.replace(training=training)
    run = nnlab.train(exp, engine="compiled")
    assert run.engine == "compiled"
    expected = torch_weights(exp, make)
    for name, tensor in run.model.state_dict().items():
        assert (tensor - expected[name]).abs().max().item() <= 1e-5, name
    assert not torch.equal(expected["0.weight"], run.snapshots[0]["0.weight"])  # it did move


def test_every_optimizer_and_hyperparameter_has_a_case():
    covered = {training["optimizer"] for training, _ in CASES}
    assert covered == set(OPTIMIZERS)
    hyper = {setting.field for setting in SETTINGS.values() if setting.optimizers}
    assert hyper <= {name for training, _ in CASES for name in training}


def test_a_hyperparameter_the_optimizer_does_not_read_is_its_default():
    """One run, one description: Adam with a momentum is Adam (the same cache key, the same link)."""
    assert BASE.replace(training={"optimizer": "adam", "momentum": 0.9}) == BASE.replace(training={"optimizer": "adam"})
    with pytest.raises(nnlab.ConfigError, match="Nesterov momentum needs a momentum above 0"):
        BASE.replace(training={"optimizer": "sgd", "nesterov": True})


def test_earlier_links_and_saved_runs_name_momentum_as_an_optimizer():
    old = nnlab.Experiment.from_dict({"training": {"optimizer": "momentum"}})
    assert (old.training.optimizer, old.training.momentum) == ("sgd", 0.9)
    assert nnlab.links.from_query({"opt": "momentum"}).training.momentum == 0.9
