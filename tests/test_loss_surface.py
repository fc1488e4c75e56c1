"""The loss surface: each point's loss is the network's own with those weights (rebuilt here one
at a time), the path ends at the trained weights with the trained loss, and the directions are
what they say (orthonormal PCA axes; random ones scaled unit by unit to the trained weights)."""

import copy

import pytest
import torch

from nnlab.errors import ConfigError
from nnlab.experiment import DataSpec, Experiment, ModelSpec, TrainSpec
from nnlab.study.loss_surface import landscape
from nnlab.training import trainer
from nnlab.training.engine.autograd import make_loss
from nnlab.training.models import linear_layers

RUNS = {
    "bump, sigmoid units, bce": Experiment(data=DataSpec(name="bump"), model=ModelSpec(hidden=(6,), activations=("sigmoid",)),
                                           training=TrainSpec(epochs=300, batch_size=32, snapshot_every=50)),
    "iris, 3 classes, cross-entropy": Experiment(
        data=DataSpec(name="iris", train_fraction=0.8), model=ModelSpec(hidden=(5, 4), activations=("relu", "tanh")),
        training=TrainSpec(loss="cross_entropy", epochs=60, batch_size=16, shuffle=True, snapshot_every=10)),
    "plane, regression, mse": Experiment(data=DataSpec(name="plane"), model=ModelSpec(hidden=(4,), activations=("elu",)),
                                         training=TrainSpec(loss="mse", epochs=40, snapshot_every=5)),
}


@pytest.fixture(scope="module", params=RUNS)
def result(request):
    return trainer.train(RUNS[request.param])


def _loss_at(result, theta: torch.Tensor) -> float:
    model, offset = copy.deepcopy(result.model).double(), 0
    with torch.no_grad():
        for layer in linear_layers(model).values():
            for parameter in (layer.weight, layer.bias):
                parameter.copy_(theta[offset:offset + parameter.numel()].reshape(parameter.shape))
                offset += parameter.numel()
        target = result.data.y_train
        output = model(result.data.x_train.double())
        return make_loss(result.experiment)(output, target if target.dtype == torch.long else target.double()).item()


def _trained(result) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1).double() for layer in linear_layers(result.model).values()
                      for p in (layer.weight, layer.bias)])


def _moved(result, epoch: int) -> torch.Tensor:
    """The weights recorded at `epoch`, less the trained ones."""
    return torch.cat([result.snapshots[epoch][f"{name}.{kind}"].reshape(-1).double() for name in linear_layers(result.model)
                      for kind in ("weight", "bias")]) - _trained(result)


@pytest.mark.parametrize("directions", ["pca", "random"])
def test_every_point_is_the_networks_own_loss_and_the_path_ends_trained(result, directions):
    surface = landscape(result, directions, grid=7)
    trained = _trained(result)
    assert len(surface.grid) == 49 and list(surface.path["epoch"]) == sorted(result.snapshots)
    for _, point in surface.grid.iloc[[0, 24, 48]].iterrows():
        theta = trained + point["a"] * surface.axes[0] + point["b"] * surface.axes[1]
        assert point["loss"] == pytest.approx(_loss_at(result, theta), abs=1e-9)
    last = surface.path.iloc[-1]
    with torch.no_grad():
        trained_loss = make_loss(result.experiment)(result.model(result.data.x_train), result.data.y_train).item()
    assert abs(last["a"]) < 1e-9 and abs(last["b"]) < 1e-9
    assert last["loss"] == pytest.approx(trained_loss, abs=1e-6)
    assert surface.grid["loss"].min() <= trained_loss + 1e-6  # an odd grid holds (0, 0)


def test_pca_axes_are_orthonormal_and_hold_the_path(result):
    surface = landscape(result, "pca")
    assert torch.allclose(surface.axes @ surface.axes.T, torch.eye(2, dtype=torch.float64), atol=1e-9)
    start = surface.path.iloc[0]
    assert (start["a"], start["b"]) == pytest.approx(tuple((surface.axes @ _moved(result, 0)).tolist()), abs=1e-9)
    # the share of the path's squared movement the plane holds, and no plane holds more: the two largest
    # eigenvalues of the snapshots' Gram matrix over its trace
    moved = torch.stack([_moved(result, epoch) for epoch in sorted(result.snapshots)])
    held = (moved @ surface.axes.T).square().sum() / moved.square().sum()
    eigenvalues = torch.linalg.eigvalsh(moved @ moved.T)  # ascending
    assert surface.explained == pytest.approx(held.item(), rel=1e-9)
    assert surface.explained == pytest.approx((eigenvalues[-2:].sum() / eigenvalues.sum()).item(), rel=1e-9)


def test_random_directions_are_scaled_unit_by_unit(result):
    surface = landscape(result, "random")
    offset = 0
    for layer in linear_layers(result.model).values():
        size = layer.weight.numel()
        for axis in surface.axes:
            rows = axis[offset:offset + size].reshape(layer.weight.shape)
            assert torch.allclose(rows.norm(dim=1), layer.weight.detach().double().norm(dim=1), rtol=1e-9)
            assert not axis[offset + size:offset + size + layer.bias.numel()].any()
        offset += size + layer.bias.numel()


@pytest.mark.parametrize("arguments, says", [(dict(directions="up"), "Unknown directions"), (dict(grid=500), "grid"),
                                             (dict(span=0), "span")])
def test_bad_arguments_are_refused(result, arguments, says):
    with pytest.raises(ConfigError, match=says):
        landscape(result, **arguments)
