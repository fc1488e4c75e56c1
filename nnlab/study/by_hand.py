"""One training step by hand: the forward pass unit by unit, the loss, the chain rule back through
every weight, and the optimizer's update, with the numbers a lecture writes on the board.

The arithmetic here is written out (matrix products, the loss's derivative, each optimizer's
update rule), in float64; tests/test_inside.py checks every number against torch autograd's
`loss.backward()` and `optimizer.step()` on the same weights. Only each activation's own slope
f'(z) is asked of autograd, one element at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from nnlab.choices import SCHEDULES
from nnlab.data.datasets import Data, batch_order, load_data
from nnlab.errors import ConfigError
from nnlab.experiment import Experiment
from nnlab.i18n import N_, msg
from nnlab.study.optimizer_rules import RULES
from nnlab.training.engine.autograd import make_loss, penalty, torch_optimizer
from nnlab.training.models import build_model, linear_layers

SHOWN_LAYERS = 4  # Linear layers: what a board (and a phone) can show with its numbers
SHOWN_UNITS = 8  # in any layer, the inputs included
MAX_STEPS_BEFORE = 5000  # steps replayed to reach the one shown
BIAS = -1  # a bias's `source`: it comes from no unit
PHASES = ("forward", "loss", "backward", "update")


@dataclass
class Step:
    """One step of training, taken apart. Layers count from 0 (the inputs) to the output layer;
    units and rows from 0. A weight is (layer, unit, source): into `unit` of `layer` from unit
    `source` of the layer before (BIAS for the bias)."""

    experiment: Experiment
    number: int  # steps taken before this one
    epoch: int  # from 0
    batch: int  # within its epoch, from 0
    rows: list[int]  # the training rows of this batch (positions in the training set)
    activations: list[str]  # each layer's, the inputs' "" and the output's "sigmoid" or "identity"
    forward: pd.DataFrame  # row, layer, unit, z (NaN for the inputs), a
    targets: pd.DataFrame  # row, output, target, loss (the row's own)
    loss: float  # the batch's loss, as the trainer computes it (regularisation not in it)
    penalty: float  # what L2 and L1 add before backward
    backward: pd.DataFrame  # row, layer, unit, da (dL/da), slope (da/dz), dz (dL/dz); of the batch's loss
    gradients: pd.DataFrame  # layer, unit, source, gradient (the batch's, with the penalty), from_penalty
    update: pd.DataFrame  # layer, unit, source, before, gradient, step, after, and the optimizer's state
    rate: float  # the learning rate this step (the schedule applied)
    optimizer: str
    state: tuple[str, ...]  # the update's state columns, in the order the rule uses them
    group: dict  # torch.optim's settings for this step (lr, betas, momentum, ...): what the rule reads

    def weights(self) -> pd.DataFrame:
        """layer, unit, source, weight: the weights this step starts from."""
        return self.update[["layer", "unit", "source", "before"]].rename(columns={"before": "weight"})


def one_step(exp: Experiment, weights: dict | None = None, batch: int = 0, rows: list[int] | None = None,
             data: Data | None = None) -> Step:
    """Step number `batch` of training `exp` (0: the first batch of the first epoch), taken apart.
    The steps before it are replayed from `weights` (a state_dict; None: the experiment's initial
    weights) with torch.optim, so the optimizer's state (momentum, Adam's averages) is theirs.
    `rows`, if given, are the training rows this step uses instead of its batch's."""
    data = load_data(exp) if data is None else data
    _check_fits(exp, data)
    if not (isinstance(batch, int) and 0 <= batch <= MAX_STEPS_BEFORE):
        raise ConfigError(msg("One step by hand replays at most {max_steps_before:,} steps before it; got step {batch}.",
                              max_steps_before=MAX_STEPS_BEFORE, batch=batch))
    model = build_model(exp, data.n_features, data.n_outputs, data.task)
    if weights is not None:
        model.load_state_dict(weights)
    optimizer, order = _replay(exp, data, model, batch)
    epoch, in_epoch, part = order
    n = len(data.x_train)
    if rows is None:
        rows = torch.arange(n)[part].tolist()
    elif not rows or any(not isinstance(row, int) or not 0 <= row < n for row in rows):
        raise ConfigError(msg("Pick training rows between 0 and {value}.", value=n - 1))
    return _taken_apart(exp, data, model, optimizer, batch, epoch, in_epoch, list(rows))


def unfit(exp: Experiment, data: Data) -> str:
    """Why one step by hand cannot show this network, or "" if it can."""
    sizes = [data.n_features, *exp.model.hidden, data.n_outputs]
    if len(sizes) - 1 > SHOWN_LAYERS or max(sizes) > SHOWN_UNITS:
        return msg("One step by hand shows networks of up to {layers} layers of up to {units} units (inputs included), "
                   "so every number fits on the screen; this one is {sizes}. The step lesson's 1-2-1 is one that fits.",
                   layers=SHOWN_LAYERS, units=SHOWN_UNITS, sizes="-".join(map(str, sizes)))
    if exp.model.drops:
        return N_("One step by hand shows networks without dropout (its masks are random); set dropout to 0 on Build "
                  "model.")
    return ""


def _check_fits(exp: Experiment, data: Data) -> None:
    reason = unfit(exp, data)
    if reason:
        raise ConfigError(reason)


def _replay(exp: Experiment, data: Data, model: nn.Sequential, steps: int):
    """Train `steps` batches as the autograd engine does (its batch order, schedule, penalty); the
    optimizer, and where the next step's batch is: (epoch, batch in epoch, its rows)."""
    spec = exp.training
    optimizer = torch_optimizer(spec, model.parameters())
    loss_fn, weights = make_loss(exp), [layer.weight for layer in linear_layers(model).values()]
    shuffler = torch.Generator().manual_seed(exp.seed + 1)
    factor = SCHEDULES[spec.schedule].factor
    done, epoch = 0, 0
    model.train()
    while True:
        for group in optimizer.param_groups:
            group["lr"] = spec.learning_rate * factor(epoch, spec.epochs)
        parts = batch_order(len(data.x_train), spec.batch_size, spec.shuffle, shuffler)
        for index, part in enumerate(parts):
            if done == steps:
                return optimizer, (epoch, index, part)
            optimizer.zero_grad()
            loss = loss_fn(model(data.x_train[part]), data.y_train[part])
            (loss + penalty(exp, weights) if spec.l2 or spec.l1 else loss).backward()
            optimizer.step()
            done += 1
        epoch += 1


def _taken_apart(exp, data, model, optimizer, number, epoch, in_epoch, rows) -> Step:
    linears = list(linear_layers(model).values())
    weights = [layer.weight.detach().double() for layer in linears]
    biases = [layer.bias.detach().double() for layer in linears]
    functions = _layer_functions(model)
    x = data.x_train[rows].double()
    # forward: z = a_prev W^T + b, a = f(z)
    zs, acts = [], [x]
    for weight, bias, function in zip(weights, biases, functions, strict=True):
        zs.append(acts[-1] @ weight.T + bias)
        acts.append(function(zs[-1]))
    row_loss, d_out = _loss_and_slope(exp.training.loss, zs[-1], acts[-1], data.y_train[rows], len(rows))
    spec = exp.training
    weight_penalty = float(penalty(exp, weights)) if spec.l2 or spec.l1 else 0.0
    # backward: dL/dz = dL/da * f'(z); dL/dW = dz^T a_prev; dL/da_prev = dz W
    deltas, grads_w, grads_b = [None] * len(linears), [None] * len(linears), [None] * len(linears)
    das, slopes = [None] * len(linears), [None] * len(linears)
    da, dz = d_out
    for layer in reversed(range(len(linears))):
        slope = _slope(functions[layer], zs[layer])
        if layer < len(linears) - 1 or dz is None:  # the output's dz may come from the loss itself
            dz = da * slope
        das[layer], slopes[layer], deltas[layer] = da, slope, dz
        grads_w[layer], grads_b[layer] = dz.T @ acts[layer], dz.sum(dim=0)
        da = dz @ weights[layer]
    from_penalty = [spec.l2 * w + spec.l1 * torch.sign(w) for w in weights]
    update = _update(spec.optimizer, optimizer, linears, weights, biases,
                     [g + p for g, p in zip(grads_w, from_penalty, strict=True)], grads_b)
    activations = ["", *[_name(function) for function in functions]]
    return Step(experiment=exp, number=number, epoch=epoch, batch=in_epoch, rows=rows, activations=activations,
                forward=_forward_frame(rows, zs, acts), targets=_targets_frame(rows, data.y_train[rows], row_loss),
                loss=float(row_loss.mean()), penalty=weight_penalty,
                backward=_backward_frame(rows, das, slopes, deltas),
                gradients=_gradient_frame(grads_w, grads_b, from_penalty), update=update[0],
                rate=float(optimizer.param_groups[0]["lr"]), optimizer=exp.training.optimizer, state=update[1],
                group={key: value for key, value in optimizer.param_groups[0].items() if key != "params"})


def _layer_functions(model: nn.Sequential) -> list:
    """After each Linear layer, the module that follows it (an activation, the output's sigmoid) or None."""
    modules = list(model)
    functions = []
    for index, module in enumerate(modules):
        if isinstance(module, nn.Linear):
            following = modules[index + 1] if index + 1 < len(modules) else None
            functions.append(following if following is not None and not isinstance(following, nn.Linear) else None)
    return [function or nn.Identity() for function in functions]


def _name(function: nn.Module) -> str:
    return "identity" if isinstance(function, nn.Identity) else type(function).__name__.lower()


def _slope(function: nn.Module, z: torch.Tensor) -> torch.Tensor:
    """f'(z), element by element (each activation acts on its own element)."""
    z = z.detach().clone().requires_grad_(True)
    function(z).sum().backward()
    return z.grad


def _loss_and_slope(loss: str, z: torch.Tensor, a: torch.Tensor, y: torch.Tensor, n: int):
    """Each row's loss, and (dL/da, dL/dz) at the output for the batch's mean loss."""
    if loss == "cross_entropy":
        y = y.long()
        log_p = z - torch.logsumexp(z, dim=1, keepdim=True)
        row_loss = -log_p[torch.arange(n), y]
        dz = (log_p.exp() - nn.functional.one_hot(y, z.shape[1]).double()) / n
        return row_loss, (dz, dz)  # the output is the logits themselves: da = dz
    y = y.double()
    outputs = y.shape[1]
    if loss == "bce":  # a = sigmoid(z); torch clamps the log at -100 and the slope's denominator at 1e-12
        row_loss = -(y * a.log().clamp(min=-100) + (1 - y) * (1 - a).log().clamp(min=-100)).mean(dim=1)
        da = (a - y) / torch.clamp(a * (1 - a), min=1e-12) / (n * outputs)
        return row_loss, (da, da * a * (1 - a))
    if loss == "bce_logits":
        row_loss = (z.clamp(min=0) - z * y + torch.log1p(torch.exp(-z.abs()))).mean(dim=1)
        dz = (torch.sigmoid(z) - y) / (n * outputs)
        return row_loss, (dz, dz)
    if loss == "mse":
        row_loss = ((a - y) ** 2).mean(dim=1)
        da = 2 * (a - y) / (n * outputs)
        return row_loss, (da, None)  # dz = da * f'(z): the output's function may be a sigmoid
    raise NotImplementedError(f"one step by hand has no {loss} loss")  # a new loss's place (nnlab.choices says)


def _update(name, optimizer, linears, weights, biases, grads_w, grads_b) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Each parameter's update by optimizer `name`'s rule, from its state after the steps before."""
    group = optimizer.param_groups[0]
    frames = []
    columns: tuple[str, ...] = ()
    for layer, linear in enumerate(linears):
        for parameter, before, grad, is_bias in ((linear.weight, weights[layer], grads_w[layer], False),
                                                 (linear.bias, biases[layer], grads_b[layer], True)):
            state = {key: value.double() if torch.is_tensor(value) else value
                     for key, value in optimizer.state.get(parameter, {}).items()}
            after, kept = RULES[name].update(group, before, grad, state, float(state.get("step", 0)) + 1)
            columns = tuple(kept)
            units, sources = (np.arange(before.shape[0]), np.full(before.shape[0], BIAS)) if is_bias else \
                np.indices(before.shape).reshape(2, -1)
            frame = {"layer": layer + 1, "unit": units, "source": sources, "before": before.reshape(-1).numpy(),
                     "gradient": grad.reshape(-1).numpy(), "step": (after - before).reshape(-1).numpy(),
                     "after": after.reshape(-1).numpy()}
            frame.update({key: value.reshape(-1).numpy() for key, value in kept.items()})
            frames.append(pd.DataFrame(frame))
    return pd.concat(frames, ignore_index=True), columns


def _forward_frame(rows, zs, acts) -> pd.DataFrame:
    frames = [_per_unit(rows, 0, z=np.full(acts[0].shape, np.nan), a=acts[0].numpy())]
    for layer, (z, a) in enumerate(zip(zs, acts[1:], strict=True), start=1):
        frames.append(_per_unit(rows, layer, z=z.numpy(), a=a.numpy()))
    return pd.concat(frames, ignore_index=True)


def _backward_frame(rows, das, slopes, deltas) -> pd.DataFrame:
    frames = []
    for layer, (da, slope, dz) in enumerate(zip(das, slopes, deltas, strict=True)):
        frames.append(_per_unit(rows, layer + 1, da=da.numpy(), slope=slope.numpy(), dz=dz.numpy()))
    return pd.concat(frames, ignore_index=True)


def _per_unit(rows, layer: int, **values: np.ndarray) -> pd.DataFrame:
    """Values of shape (rows, units) as rows of (row, layer, unit, value...)."""
    shape = next(iter(values.values())).shape
    return pd.DataFrame({"row": np.repeat(rows, shape[1]), "layer": layer, "unit": np.tile(np.arange(shape[1]), shape[0]),
                         **{name: value.reshape(-1) for name, value in values.items()}})


def _targets_frame(rows, y: torch.Tensor, row_loss: torch.Tensor) -> pd.DataFrame:
    y = y.reshape(len(rows), -1).double().numpy()
    return pd.DataFrame({"row": np.repeat(rows, y.shape[1]), "output": np.tile(np.arange(y.shape[1]), len(rows)),
                         "target": y.reshape(-1), "loss": np.repeat(row_loss.numpy(), y.shape[1])})


def _gradient_frame(grads_w, grads_b, from_penalty) -> pd.DataFrame:
    frames = []
    for layer, (gw, gb, pw) in enumerate(zip(grads_w, grads_b, from_penalty, strict=True)):
        units, sources = np.indices(gw.shape).reshape(2, -1)
        frames.append(pd.DataFrame({"layer": layer + 1, "unit": units, "source": sources,
                                    "gradient": (gw + pw).reshape(-1).numpy(), "from_penalty": pw.reshape(-1).numpy()}))
        frames.append(pd.DataFrame({"layer": layer + 1, "unit": np.arange(len(gb)), "source": BIAS,
                                    "gradient": gb.numpy(), "from_penalty": 0.0}))
    return pd.concat(frames, ignore_index=True)
