"""The network: a plain `torch.nn.Sequential` anyone can print, save or paste into a notebook."""

from __future__ import annotations

import torch
from torch import nn

from nnlab.choices import ACTIVATIONS, INITIALIZERS, LOSSES
from nnlab.experiment import Experiment
from nnlab.training import weights


class Dropout(nn.Dropout):
    """`nn.Dropout` whose masks come from the model's own generator, so a run never depends on what
    another thread does with torch's global one. Its masks are those `nn.Dropout` draws after
    `torch.manual_seed` of the same seed (the same `bernoulli_` call; tests/test_models.py)."""

    def __init__(self, p: float, generator: torch.Generator):
        super().__init__(p)
        self.generator = generator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        keep = torch.empty_like(x).bernoulli_(1 - self.p, generator=self.generator)
        return x * keep.div_(1 - self.p)


def dropout_seed(exp: Experiment) -> int:
    return exp.seed + 2  # apart from the weights' (seed) and the shuffling's (seed + 1)


def outputs_probability(exp: Experiment, task: str) -> bool:
    """Whether the loss reads a probability on this task (BCE; MSE on a binary target), so the model ends in a sigmoid."""
    return task in LOSSES[exp.training.loss].reads_probability


def build_model(exp: Experiment, n_inputs: int, n_outputs: int, task: str = "binary") -> nn.Sequential:
    """Linear layers with the chosen activation after each hidden one, and the experiment's initial
    weights: those `torch.manual_seed(exp.seed)` and `nn.Linear` give, but drawn from a generator of
    this call's own, so they never depend on what another thread does with torch's global one."""
    generator = torch.Generator().manual_seed(exp.seed)
    masks = torch.Generator().manual_seed(dropout_seed(exp))
    dropout = exp.model.dropout or (0.0,) * len(exp.model.hidden)
    layers: list[nn.Module] = []
    width = n_inputs
    for units, activation, rate in zip(exp.model.hidden, exp.model.activations, dropout, strict=True):
        layers.append(_linear(width, units, exp.model.init, generator))
        if ACTIVATIONS[activation].module is not None:
            layers.append(ACTIVATIONS[activation].module())
        if rate:
            layers.append(Dropout(rate, masks))
        width = units
    layers.append(_linear(width, n_outputs, exp.model.init, generator))
    if outputs_probability(exp, task):
        layers.append(nn.Sigmoid())
    model = nn.Sequential(*layers)
    if exp.model.start:  # set by hand or brought back: these weights instead of the seed's (it still draws the rest)
        model.load_state_dict(weights.starting(exp.model.start, shapes(model)))
    return model


def shapes(model: nn.Module) -> dict[str, tuple[int, ...]]:
    """Each tensor of the model's state_dict, by name: its shape."""
    return {name: tuple(tensor.shape) for name, tensor in model.state_dict().items()}


def bring_back(blob: bytes, exp: Experiment, n_inputs: int, n_outputs: int, task: str) -> Experiment:
    """`exp` starting from the weights in `blob` (a file Train downloaded), checked against the network
    `exp` builds and kept on this server; or WeightsError saying what is wrong with the file."""
    seeded = exp.replace(model={"start": ""})
    state = weights.read_file(blob, shapes(build_model(seeded, n_inputs, n_outputs, task)))
    return seeded.replace(model={"start": weights.store(state)})


def _linear(n_inputs: int, n_outputs: int, init: str, generator: torch.Generator) -> nn.Linear:
    """`nn.Linear` with its initial weights drawn by `init` from `generator`, not the global one
    (the default: `reset_parameters`' own draws)."""
    # allocated, not drawn: made on the meta device (no memory, no draws), then given empty tensors;
    # nn.utils.skip_init does the same through to_empty, at 5x the cost (a millisecond a network)
    layer = nn.Linear(n_inputs, n_outputs, device="meta")
    layer.weight = nn.Parameter(torch.empty(n_outputs, n_inputs))
    layer.bias = nn.Parameter(torch.empty(n_outputs))
    with torch.no_grad():
        INITIALIZERS[init].draw(layer, generator)
    return layer


def linear_layers(model: nn.Sequential) -> dict[str, nn.Linear]:
    """The model's Linear layers in order, by their name in the Sequential (their state_dict prefix)."""
    return {name: module for name, module in model.named_children() if isinstance(module, nn.Linear)}


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def predict_proba(model: nn.Sequential, x: torch.Tensor, exp: Experiment, task: str) -> torch.Tensor:
    """What the network predicts as a number a chart can show: a probability for classes
    ((N,) for binary, (N, classes) for multi-class), the raw output for regression."""
    with torch.no_grad():
        out = model(x)
    if task == "multiclass":
        return torch.softmax(out, dim=1)
    if task == "binary" and not outputs_probability(exp, task):
        out = torch.sigmoid(out)
    return out.reshape(-1)


def hidden_activations(model: nn.Sequential, x: torch.Tensor) -> list[torch.Tensor]:
    """The output of every hidden layer (after its activation), in order."""
    outputs, h = [], x
    modules = [module for module in model if not isinstance(module, nn.Dropout)]  # in eval mode: nothing
    with torch.no_grad():
        for i, module in enumerate(modules[:-1]):
            h = module(h)
            following = modules[i + 1]
            if not isinstance(module, nn.Linear) or isinstance(following, nn.Linear):
                outputs.append(h)
    return outputs


def sequential_code(model: nn.Sequential) -> str:
    """The Python that builds `model`, one module a line, ready to paste into a notebook."""
    lines = []
    for module in model:
        if isinstance(module, nn.Linear):
            lines.append(f"    nn.Linear({module.in_features}, {module.out_features}),")
        elif isinstance(module, nn.Dropout):
            lines.append(f"    nn.Dropout({module.p!r}),")
        else:
            lines.append(f"    nn.{type(module).__name__}(),")
    return "from torch import nn\n\nmodel = nn.Sequential(\n" + "\n".join(lines) + "\n)"
