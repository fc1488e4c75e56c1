"""Each optimizer's update written out in float64: the numbers Inside one step shows, the LaTeX
above them and the names of the state it keeps. A new optimizer in nnlab.choices.OPTIMIZERS needs
its rule here (tests/test_inside.py checks every one against torch.optim's own step, and that
every optimizer has one) and its float32 step in nnlab/training/engine/kernels.py; nothing else names it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Rule:
    # (torch's param group, weights, gradient, torch's state for them, step from 1) -> new weights
    # and the state the rule keeps, by column name
    update: Callable[[dict, torch.Tensor, torch.Tensor, dict, float], tuple[torch.Tensor, dict]]
    latex: Callable[[dict], str]  # torch's param group -> the rule as the page writes it
    symbols: dict[str, str]  # each state column -> its symbol in the LaTeX


def _lines(*lines: str) -> str:
    """LaTeX lines aligned at their arrow or equals sign (`&`): a rule fits beside the network, a line each."""
    return r"\begin{aligned} " + r" \\ ".join(lines) + r" \end{aligned}"


def _zeros(state: dict, key: str, like: torch.Tensor) -> torch.Tensor:
    return state.get(key, torch.zeros_like(like))


def _sgd(group, w, g, state, t):
    momentum = group["momentum"]
    if not momentum:
        return w - group["lr"] * g, {}
    buffer = state.get("momentum_buffer")
    velocity = g if buffer is None else momentum * buffer + g
    direction = g + momentum * velocity if group["nesterov"] else velocity
    return w - group["lr"] * direction, {"velocity": velocity}


def _sgd_latex(group) -> str:
    if not group["momentum"]:
        return r"w \leftarrow w - \eta\, g"
    step = r"w &\leftarrow w - \eta\,(g + \mu v)" if group["nesterov"] else r"w &\leftarrow w - \eta\, v"
    return _lines(r"v &\leftarrow \mu v + g", step)


def _adam(group, w, g, state, t):
    beta1, beta2 = group["betas"]
    m = beta1 * _zeros(state, "exp_avg", w) + (1 - beta1) * g
    v = beta2 * _zeros(state, "exp_avg_sq", w) + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return w - group["lr"] * m_hat / (v_hat.sqrt() + group["eps"]), {"m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat}


def _adamw(group, w, g, state, t):
    return _adam(group, w * (1 - group["lr"] * group["weight_decay"]), g, state, t)  # decoupled decay, before the step


ADAM_LINES = (r"m &\leftarrow \beta_1 m + (1-\beta_1)\, g", r"v &\leftarrow \beta_2 v + (1-\beta_2)\, g^2",
              r"\hat m &= \tfrac{m}{1-\beta_1^t}, \quad \hat v = \tfrac{v}{1-\beta_2^t}",
              r"w &\leftarrow w - \eta\, \tfrac{\hat m}{\sqrt{\hat v}+\epsilon}")
ADAM_SYMBOLS = {"m": "m", "v": "v", "m_hat": "m̂", "v_hat": "v̂"}


def _adamax(group, w, g, state, t):
    beta1, beta2 = group["betas"]
    m = beta1 * _zeros(state, "exp_avg", w) + (1 - beta1) * g
    u = torch.maximum(beta2 * _zeros(state, "exp_inf", w), g.abs() + group["eps"])
    return w - group["lr"] / (1 - beta1 ** t) * m / u, {"m": m, "u": u}


def _rmsprop(group, w, g, state, t):
    alpha = group["alpha"]
    square = alpha * _zeros(state, "square_avg", w) + (1 - alpha) * g * g
    return w - group["lr"] * g / (square.sqrt() + group["eps"]), {"square_avg": square}


def _adagrad(group, w, g, state, t):
    total = state.get("sum", torch.full_like(w, group["initial_accumulator_value"])) + g * g
    rate = group["lr"] / (1 + (t - 1) * group["lr_decay"])
    return w - rate * g / (total.sqrt() + group["eps"]), {"sum": total}


ADAPTIVE_STEP = r"w &\leftarrow w - \eta\, \tfrac{g}{\sqrt{s}+\epsilon}"

RULES: dict[str, Rule] = {
    "sgd": Rule(_sgd, _sgd_latex, {"velocity": "v"}),
    "adam": Rule(_adam, lambda group: _lines(*ADAM_LINES), ADAM_SYMBOLS),
    "adamw": Rule(_adamw, lambda group: _lines(r"w &\leftarrow w\,(1 - \eta\lambda)", *ADAM_LINES), ADAM_SYMBOLS),
    "adamax": Rule(_adamax, lambda group: _lines(
        ADAM_LINES[0], r"u &\leftarrow \max(\beta_2 u,\ |g| + \epsilon)",
        r"w &\leftarrow w - \tfrac{\eta}{1-\beta_1^t}\, \tfrac{m}{u}"), {"m": "m", "u": "u"}),
    "rmsprop": Rule(_rmsprop, lambda group: _lines(r"s &\leftarrow \alpha s + (1-\alpha)\, g^2", ADAPTIVE_STEP),
                    {"square_avg": "s"}),
    "adagrad": Rule(_adagrad, lambda group: _lines(r"s &\leftarrow s + g^2", ADAPTIVE_STEP), {"sum": "s"}),
}
