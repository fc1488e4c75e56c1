"""One step by hand: every number equals torch autograd's (loss.backward() and optimizer.step() on
the same weights and optimizer state, in float64) within 1e-6; the steps replayed before it are
the autograd engine's own; networks too big for the board are refused with the reason."""

import copy

import pytest
import torch
from torch import nn

from nnlab import lessons
from nnlab.choices import LOSSES, OPTIMIZERS, SCHEDULES
from nnlab.data.datasets import batch_order, load_data
from nnlab.errors import ConfigError
from nnlab.experiment import DataSpec, Experiment, ModelSpec, TrainSpec
from nnlab.pictures import step_views
from nnlab.study import by_hand
from nnlab.training import trainer
from nnlab.training.engine.autograd import make_loss, penalty, torch_optimizer
from nnlab.training.models import build_model, linear_layers

TOLERANCE = 1e-6


def _circle(optimizer: str, **training) -> Experiment:
    return Experiment(data=DataSpec(name="circle", n_points=200, noise=0.1),
                      model=ModelSpec(hidden=(4, 3), activations=("tanh", "tanh")),
                      training=TrainSpec(**{"optimizer": optimizer, "learning_rate": 0.05, "loss": "bce",
                                            "batch_size": 16, "shuffle": True, "epochs": 20, **training}))


NETWORKS = {
    "the step lesson (SGD, one row a batch)": (lessons.get("step-two-neurons"), 7),
    "2-layer tanh on the circle (Adam)": (_circle("adam"), 5),
    "3-class softmax (iris, SGD with Nesterov momentum)": (
        Experiment(data=DataSpec(name="iris", train_fraction=0.8), model=ModelSpec(hidden=(5,), activations=("relu",)),
                   training=TrainSpec(optimizer="sgd", momentum=0.9, nesterov=True, learning_rate=0.1,
                                      loss="cross_entropy", batch_size=32, shuffle=True)), 6),
    "AdamW with L2 and L1": (_circle("adamw", weight_decay=0.1, l2=0.01, l1=0.001), 4),
    "RMSprop, a bce_logits output": (_circle("rmsprop", loss="bce_logits"), 3),
    "Adagrad with a cosine schedule": (_circle("adagrad", schedule="cosine"), 30),
    "Adam with short memories (β1 0.5, β2 0.99)": (_circle("adam", beta1=0.5, beta2=0.99), 4),
    "plain SGD on MSE regression": (
        Experiment(data=DataSpec(name="plane", n_points=100), model=ModelSpec(hidden=(3,), activations=("elu",)),
                   training=TrainSpec(optimizer="sgd", learning_rate=0.01, loss="mse", batch_size=10)), 2),
}

NETWORKS |= {f"{OPTIMIZERS[name].label} at torch's defaults": (_circle(name), 3) for name in OPTIMIZERS}
ON_TASK = {"binary": "circle", "multiclass": "iris", "regression": "plane"}  # a data set of each kind of target
NETWORKS |= {f"{LOSSES[name].label} on {task}": (Experiment(
    data=DataSpec(name=ON_TASK[task], n_points=100, train_fraction=0.8),
    model=ModelSpec(hidden=(3,), activations=("tanh",)),
    training=TrainSpec(loss=name, optimizer="sgd", learning_rate=0.1, batch_size=8)), 2)
    for name, loss in LOSSES.items() for task in loss.tasks}


def _autograd_step(step: by_hand.Step):
    """Replays the steps before, then one step with autograd on a float64 copy: z and a of every
    layer (captured by hooks), dL/dz and dL/da, the loss, the gradients and the new weights."""
    exp = step.experiment
    data = load_data(exp)
    model = build_model(exp, data.n_features, data.n_outputs, data.task)
    optimizer, loss_fn = torch_optimizer(exp.training, model.parameters()), make_loss(exp)
    shuffler, done = torch.Generator().manual_seed(exp.seed + 1), 0
    weights = [layer.weight for layer in linear_layers(model).values()]
    factor = SCHEDULES[exp.training.schedule].factor
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: factor(epoch, exp.training.epochs))
    for _ in range(step.epoch + 1):
        parts = batch_order(len(data.x_train), exp.training.batch_size, exp.training.shuffle, shuffler)
        for part in parts:
            if done == step.number:
                break
            optimizer.zero_grad()
            loss = loss_fn(model(data.x_train[part]), data.y_train[part])
            (loss + penalty(exp, weights)).backward()
            optimizer.step()
            done += 1
        if done < step.number:
            scheduler.step()
    wide = copy.deepcopy(model).double()
    wide_optimizer = torch_optimizer(exp.training, wide.parameters())
    wide_optimizer.load_state_dict(optimizer.state_dict())  # the state, cast to float64
    for group in wide_optimizer.param_groups:
        group["lr"] = step.rate
    captured = []

    def keep(_module, _inputs, output):
        output.retain_grad()
        captured.append(output)

    for module in wide:
        module.register_forward_hook(keep)
    wide.train()
    output = wide(data.x_train[step.rows].double())
    target = data.y_train[step.rows]
    loss = make_loss(exp)(output, target if target.dtype == torch.long else target.double())
    wide_weights = [layer.weight for layer in linear_layers(wide).values()]
    wide_optimizer.zero_grad()
    (loss + penalty(exp, wide_weights)).backward()
    before = [parameter.detach().clone() for parameter in wide.parameters()]
    grads = [parameter.grad.clone() for parameter in wide.parameters()]
    wide_optimizer.step()
    return wide, captured, loss.item(), before, grads, [parameter.detach() for parameter in wide.parameters()]


def _column(frame, layer, column, **where):
    rows = frame[frame["layer"] == layer]
    for name, value in where.items():
        rows = rows[rows[name] == value]
    return torch.tensor(rows[column].to_numpy())  # in the batch's order, row by row


@pytest.mark.parametrize("name", NETWORKS)
def test_every_number_is_autograds(name):
    exp, number = NETWORKS[name]
    step = by_hand.one_step(exp, batch=number)
    wide, captured, loss, before, grads, after = _autograd_step(step)
    assert step.loss == pytest.approx(loss, abs=TOLERANCE)
    linears = [index for index, module in enumerate(wide) if isinstance(module, nn.Linear)]
    for layer, index in enumerate(linears, start=1):
        z = captured[index]
        a = captured[index + 1] if index + 1 < len(captured) and not isinstance(wide[index + 1], nn.Linear) else z
        n_units = z.shape[1]
        for column, expected in (("z", z), ("a", a)):
            got = _column(step.forward, layer, column).reshape(-1, n_units)
            assert torch.allclose(got, expected.detach(), atol=TOLERANCE, rtol=0), (layer, column)
        for column, expected in (("dz", z.grad), ("da", a.grad)):
            got = _column(step.backward, layer, column).reshape(-1, n_units)
            assert torch.allclose(got, expected, atol=TOLERANCE, rtol=0), (layer, column)
    parameters = [(layer, linear) for layer, linear in enumerate(linear_layers(wide).values(), start=1)]
    flat = dict(zip([(layer, kind) for layer, _ in parameters for kind in ("weight", "bias")],
                    zip(before, grads, after, strict=True), strict=True))
    for (layer, kind), (was, grad, now) in flat.items():
        source = dict(source=by_hand.BIAS) if kind == "bias" else {}
        rows = step.update[(step.update["layer"] == layer) & ((step.update["source"] == by_hand.BIAS) == (kind == "bias"))]
        rows = rows.sort_values(["unit", "source"])
        for column, expected in (("before", was), ("gradient", grad), ("after", now)):
            got = torch.tensor(rows[column].to_numpy()).reshape(expected.shape)
            assert torch.allclose(got, expected, atol=TOLERANCE, rtol=0), (layer, kind, column)
        gradients = step.gradients[(step.gradients["layer"] == layer)
                                   & ((step.gradients["source"] == by_hand.BIAS) == (kind == "bias"))]
        assert torch.allclose(torch.tensor(gradients.sort_values(["unit", "source"])["gradient"].to_numpy()),
                              grad.reshape(-1), atol=TOLERANCE, rtol=0), (layer, kind, source)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_has_its_rule_written_out(name):
    """Inside one step writes each optimizer's update as LaTeX and names the state it keeps."""
    step = by_hand.one_step(_circle(name), batch=1)
    latex = step_views.rule(step)
    assert r"w \leftarrow" in latex or r"w &\leftarrow" in latex
    table = step_views.updates(step, ["x1", "x2"])
    assert len(table.columns) == 5 + len(step.state) and not table.isna().any().any()


def test_the_chain_rule_products_add_up():
    """dL/dz = dL/da x f'(z) for every unit and row, and dL/dw is the sum over the batch's rows of
    dL/dz x the input it weighs: the products the page writes out are the numbers it shows."""
    step = by_hand.one_step(_circle("sgd"), batch=2)
    backward = step.backward
    assert (backward["dz"] - backward["da"] * backward["slope"]).abs().max() < 1e-12
    forward = step.forward.set_index(["row", "layer", "unit"])["a"]
    weights = step.gradients[step.gradients["source"] != by_hand.BIAS]
    for _, weight in weights.iterrows():
        deltas = backward[(backward["layer"] == weight["layer"]) & (backward["unit"] == weight["unit"])]
        inputs = [forward[(row, weight["layer"] - 1, weight["source"])] for row in deltas["row"]]
        assert (deltas["dz"].to_numpy() * inputs).sum() == pytest.approx(weight["gradient"], abs=1e-12)


def test_the_replayed_steps_are_the_autograd_engines():
    exp = _circle("adam")
    data = load_data(exp)
    batches = len(batch_order(len(data.x_train), exp.training.batch_size, False, torch.Generator()))
    trained = trainer.train(exp, epochs=2, engine="autograd").model.state_dict()
    step = by_hand.one_step(exp, batch=2 * batches)
    assert (step.epoch, step.batch) == (2, 0)
    weights = step.weights()
    for layer, (name, linear) in enumerate(linear_layers(build_model(exp, 2, 1)).items(), start=1):
        kept = weights[weights["layer"] == layer]
        got = kept[kept["source"] != by_hand.BIAS].sort_values(["unit", "source"])["weight"].to_numpy()
        assert torch.allclose(torch.tensor(got, dtype=torch.float32).reshape(linear.weight.shape),
                              trained[f"{name}.weight"], atol=1e-6)


def test_given_weights_and_rows_are_used():
    exp = lessons.get("step-two-neurons")
    result = trainer.train(exp, epochs=50)
    step = by_hand.one_step(exp, weights=result.model.state_dict(), rows=[3, 4, 5])
    assert step.rows == [3, 4, 5] and sorted(step.targets["row"]) == [3, 4, 5]
    weights = step.weights().set_index(["layer", "unit", "source"])["weight"]
    assert weights[(1, 0, 0)] == pytest.approx(result.model[0].weight[0, 0].item(), abs=1e-7)


@pytest.mark.parametrize("exp, says", [
    (lessons.get("digits-classifier"), "64-128-10"),
    (Experiment(data=DataSpec(name="circle"), model=ModelSpec(hidden=(4,) * 4, activations=("relu",) * 4)), "4 layers"),
    (Experiment(data=DataSpec(name="circle"), model=ModelSpec(hidden=(4,), activations=("relu",), dropout=(0.5,))),
     "dropout"),
])
def test_too_big_or_random_networks_are_refused(exp, says):
    with pytest.raises(ConfigError, match=says):
        by_hand.one_step(exp)


def test_a_bad_step_or_row_is_refused():
    exp = lessons.get("step-two-neurons")
    with pytest.raises(ConfigError, match="at most"):
        by_hand.one_step(exp, batch=by_hand.MAX_STEPS_BEFORE + 1)
    with pytest.raises(ConfigError, match="rows between"):
        by_hand.one_step(exp, rows=[10 ** 6])
