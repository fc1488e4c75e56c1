"""Models: shapes, output layer consistent with the loss, and code that rebuilds the same network."""

import torch
from torch import nn

import nnlab
from nnlab.training.models import build_model, hidden_activations, parameter_count, sequential_code


def test_step_model_has_sigmoid_after_both_layers():
    model = build_model(nnlab.lessons.get("step-two-neurons"), 1, 1)
    assert [type(m) for m in model] == [nn.Linear, nn.Sigmoid, nn.Linear, nn.Sigmoid]
    assert parameter_count(model) == 2 + 2 + 2 + 1


def test_identity_activation_adds_no_module_and_logits_loss_has_linear_output():
    model = build_model(nnlab.lessons.get("tabular-deeper-linear"), 12, 1)
    assert [type(m) for m in model] == [nn.Linear, nn.Linear, nn.Linear]
    assert model(torch.zeros(7, 12)).shape == (7, 1)


def test_multiclass_model_outputs_one_logit_per_class():
    exp = nnlab.lessons.get("simple-classifier")
    model = build_model(exp, 64, 10, "multiclass")
    assert model(torch.rand(5, 64)).shape == (5, 10)
    assert not isinstance(list(model)[-1], nn.Sigmoid)


# Each activation as its formula, written out here: the model must apply exactly this after each hidden Linear.
FORMULAS = {"sigmoid": lambda z: 1 / (1 + torch.exp(-z)), "tanh": lambda z: 1 - 2 / (torch.exp(2 * z) + 1),
            "relu": lambda z: torch.where(z > 0, z, 0.0), "elu": lambda z: torch.where(z > 0, z, torch.exp(z) - 1),
            "leaky_relu": lambda z: torch.where(z > 0, z, 0.01 * z), "identity": lambda z: z}


def test_every_activation_applies_its_formula_after_each_hidden_layer():
    assert set(FORMULAS) == set(nnlab.experiment.ACTIVATIONS)
    x = torch.randn(6, 2, generator=torch.Generator().manual_seed(0)) * 3
    for activation, formula in FORMULAS.items():
        exp = nnlab.Experiment(model=nnlab.ModelSpec(hidden=(3, 4), activations=(activation, activation)))
        model = build_model(exp, 2, 1)
        linears = [module for module in model if isinstance(module, nn.Linear)]
        first = formula(linears[0](x))
        second = formula(linears[1](first))
        outputs = hidden_activations(model, x)  # each hidden layer's output, and only those
        assert [output.shape for output in outputs] == [(6, 3), (6, 4)], activation
        assert torch.allclose(outputs[0], first, atol=1e-6) and torch.allclose(outputs[1], second, atol=1e-6), activation
        assert torch.allclose(model(x), torch.sigmoid(linears[2](second)), atol=1e-6), activation  # BCE: a sigmoid out


def test_sequential_code_rebuilds_the_same_architecture():
    exp = nnlab.Experiment(model=nnlab.ModelSpec(hidden=(5, 3), activations=("leaky_relu", "tanh")))
    model = build_model(exp, 4, 1)
    namespace = {}
    exec(sequential_code(model), namespace)  # our own generated code, never user text
    rebuilt = namespace["model"]
    rebuilt.load_state_dict(model.state_dict())
    x = torch.randn(8, 4)
    assert torch.equal(rebuilt(x), model(x))
