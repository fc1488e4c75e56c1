"""The CPU fast path: a stack of small MLPs trained by hand-written NumPy, all models at once.

Why it exists: for the lessons' networks eager autograd spends ~0.5 ms per optimizer step on
Python and dispatch for ~10 kFLOP of arithmetic. The same step as ~60 NumPy calls on small
arrays takes ~70 us, and models stacked along a leading axis (Compare's activations x seeds)
share those calls (docs/performance.md has the figures). It copies torch's own formulas
(BCELoss's clamped log and 1e-12 floor, Adam's lerp and bias corrections, SGD's momentum buffer)
so that, from the same initial weights and batch order, it lands on the weights of
`nnlab.training.train_autograd`, the reference it is tested against in tests/test_fast_engine.py.

Shapes: M models, B rows in a batch. Layer l's weights and bias are one (M, fan_in + 1, fan_out)
block, the bias as its last row, and every block is a view into one flat (M, P) array, so an
optimizer step is a few calls. The data carries a trailing column of ones, so one matmul applies
the first layer's weights and bias, and one gives both their gradients. Data is (1, N, ...) when
every model sees the same rows, else (M, N, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

# Values are float32, like torch's, so sigmoids saturate to exactly 0 or 1 where torch's do (a
# gradient of exactly 0 versus 1e-12 matters: Adam scales either to a step of up to lr). Long
# sums accumulate in float64: Adam also turns their rounding noise into steps. All in float32, the
# simple-classifier lesson (64-term sums) drifted 1.2e-4 from torch in its 10 steps; with sums
# of more than LONG_SUM terms in float64 it stays within 5.2e-5, and the others within 3e-6.
DTYPE = np.float32
ACCUMULATE = np.float64
LONG_SUM = 32
BCE_LOG_FLOOR = -100.0  # torch's BCELoss clamps each log term here
BCE_GRAD_EPS = 1e-12  # and floors p(1-p) here in its gradient
LEAKY_SLOPE = 0.01  # torch.nn.LeakyReLU's default


# scipy's expit: one call where 1 / (1 + exp(-z)) takes four, and bit-equal to torch.sigmoid more
# often (96% against 83% of values). Measured on a whole lesson, it also beat calling
# torch.sigmoid on zero-copy views (0.29 s against 0.44 s for 1000 bump epochs).
_sigmoid = expit


def _assign(out, values):
    out[...] = values


# name -> (forward (z, out): writes h into out, slope (z, h, out): writes dh/dz into out)
ACTIVATIONS = {
    "sigmoid": (lambda z, out: _sigmoid(z, out=out),
                lambda z, h, out: np.multiply(np.subtract(1.0, h, out=out), h, out=out)),
    "tanh": (lambda z, out: np.tanh(z, out=out),
             lambda z, h, out: np.subtract(1.0, np.multiply(h, h, out=out), out=out)),
    "relu": (lambda z, out: np.maximum(z, 0.0, out=out), lambda z, h, out: np.greater(z, 0.0, out=out)),
    "elu": (lambda z, out: _assign(out, np.where(z > 0, z, np.expm1(z))),
            lambda z, h, out: _assign(out, np.where(z > 0, 1.0, h + 1.0))),
    "leaky_relu": (lambda z, out: _assign(out, np.where(z > 0, z, z * LEAKY_SLOPE)),
                   lambda z, h, out: _assign(out, np.where(z > 0, 1.0, LEAKY_SLOPE))),
    "identity": (lambda z, out: _assign(out, z), lambda z, h, out: _assign(out, 1.0)),
}


@dataclass
class StackSpec:
    """What the models of one stack share; they differ only in activations and initial weights."""

    sizes: list[int]  # input, hidden..., output
    activations: list[list[str]]  # per model, one per hidden layer
    loss: str
    probability_output: bool  # the network ends in a sigmoid (BCE, or MSE on a binary target)
    task: str
    optimizer: str
    learning_rate: float


class Stack:
    """M networks of one shape, their parameters in one (M, P) array."""

    def __init__(self, spec: StackSpec, weights: list[list[tuple[np.ndarray, np.ndarray]]]):
        self.spec = spec
        self.models = len(weights)
        shapes = list(zip(spec.sizes[:-1], spec.sizes[1:]))
        total = sum(fan_in * fan_out + fan_out for fan_in, fan_out in shapes)
        self.theta = np.zeros((self.models, total), DTYPE)
        self.grad = np.zeros_like(self.theta)
        self.shapes = shapes
        self.layers, offset = [], 0
        for fan_in, fan_out in shapes:
            end = offset + (fan_in + 1) * fan_out
            self.layers.append(_Layer(self.theta[:, offset:end].reshape(self.models, fan_in + 1, fan_out),
                                      self.grad[:, offset:end].reshape(self.models, fan_in + 1, fan_out)))
            offset = end
        for model, weights_and_biases in enumerate(weights):
            for layer, (weight, bias) in zip(self.layers, weights_and_biases):
                layer.weight[model] = weight
                layer.bias[model] = bias
        groups = [_groups([acts[layer] for acts in spec.activations]) for layer in range(len(spec.sizes) - 2)]
        self.activate = [_forward(g) for g in groups]  # per hidden layer: (z, out) writes h into out
        self.slopes = [_backward(g) for g in groups]  # per hidden layer: (z, h, out) writes dh/dz into out
        self._buffers: dict[tuple, np.ndarray] = {}
        self.optimizer = _OPTIMIZERS[spec.optimizer](self.theta.shape, spec.learning_rate)

    def unpack(self, row: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """One model's (weight (fan_in, fan_out), bias (fan_out,)) per layer from its row of theta."""
        layers, offset = [], 0
        for fan_in, fan_out in self.shapes:
            block = row[offset:offset + (fan_in + 1) * fan_out].reshape(fan_in + 1, fan_out)
            layers.append((block[:-1].copy(), block[-1].copy()))
            offset += (fan_in + 1) * fan_out
        return layers

    def buffer(self, key: tuple, shape: tuple, fill: float | None = None) -> np.ndarray:
        """A float32 array kept between steps, one per key and shape; `fill` sets it once, when made."""
        key = key + (shape,)
        if key not in self._buffers:
            self._buffers[key] = np.empty(shape, DTYPE) if fill is None else np.full(shape, fill, DTYPE)
        return self._buffers[key]

    def product(self, tag, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """a @ b, summed in float64 when the sum is long, into a float32 buffer kept per tag and shape."""
        if a.shape[-1] == 1:  # an outer product: broadcasting beats NumPy's small batched matmul 2x
            if a.shape[-2] > 2 * b.shape[-1]:  # NumPy loops fastest along the last axis: make it the long one
                return (b.transpose(0, 2, 1) * a.transpose(0, 2, 1)).transpose(0, 2, 1)
            return a * b
        if a.shape[-1] <= LONG_SUM:
            return np.matmul(a, b)
        shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (a.shape[-2], b.shape[-1])
        return np.matmul(a, b, dtype=ACCUMULATE, out=self.buffer((tag, a.shape), shape))

    def linear(self, layer: int, a: np.ndarray) -> np.ndarray:
        """Layer `layer` applied to `a`: the data's column of ones picks up the first layer's bias;
        a hidden layer's output has none, so the elementwise work on it runs on contiguous arrays
        (3x faster than on a view that skips a column)."""
        if not layer:
            return self.product(("z", layer), a, self.layers[layer].block)
        z = self.product(("z", layer), a, self.layers[layer].weight)
        z += self.layers[layer].bias
        return z

    def forward(self, x: np.ndarray):
        """Output before the final sigmoid (M, B, outputs), and what backward needs. `x` ends in ones."""
        inputs, pre = [x], []
        for layer, activate in enumerate(self.activate):
            z = self.linear(layer, inputs[-1])
            h = self.buffer(("h", layer), z.shape)
            activate(z, h)
            pre.append(z)
            inputs.append(h)
        return self.linear(len(self.layers) - 1, inputs[-1]), (inputs, pre)

    def backward(self, cache, dz: np.ndarray) -> None:
        """Fill `self.grad` from the gradient of the loss with respect to the output layer's z."""
        inputs, pre = cache
        for layer in range(len(self.layers) - 1, -1, -1):
            a, views = inputs[layer], self.layers[layer]
            dtype = ACCUMULATE if a.shape[1] > LONG_SUM else DTYPE  # the gradient sums over the batch's rows
            if not layer:  # x's column of ones gives the bias gradient in the same product
                np.matmul(a.transpose(0, 2, 1), dz, out=views.block_grad, dtype=dtype)
                continue
            np.matmul(a.transpose(0, 2, 1), dz, out=views.weight_grad, dtype=dtype)
            rows = self.buffer(("ones",), (1, 1, a.shape[1]), fill=1.0)
            np.matmul(rows, dz, out=views.bias_grad, dtype=dtype)  # the sum over rows, 2-4x faster than np.sum
            dh = self.product(("dh", layer), dz, views.weight_t)
            slope = self.slopes[layer - 1]
            if slope is None:  # identity everywhere: dz is dh
                dz = dh
            else:
                z = pre[layer - 1]
                slopes = self.buffer(("slope", layer), z.shape)
                slope(z, a, slopes)
                dz = dh * slopes

    def step(self) -> None:
        self.optimizer(self.theta, self.grad)

    def loss(self, z: np.ndarray, y: np.ndarray, onehot: np.ndarray | None, labels: np.ndarray | None = None):
        """Per-model loss summed over the batch (M,) (the mean is this / rows), the gradient of the
        mean loss with respect to z, and the output as predictions. `labels` (booleans), when the
        targets are all 0 or 1, lets BCE pick its log term instead of weighing both."""
        spec = self.spec
        count = z.shape[1] * (1 if spec.task == "multiclass" else z.shape[2])
        if spec.loss == "cross_entropy":
            shifted = z - z.max(axis=2, keepdims=True)
            exp = np.exp(shifted)
            total = exp.sum(axis=2, keepdims=True)
            log_p = shifted - np.log(total)
            return -(log_p * onehot).sum(axis=(1, 2)), (exp / total - onehot) / count, z
        if spec.loss == "bce_logits":
            losses = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
            return losses.sum(axis=(1, 2)), (_sigmoid(z) - y) / count, z
        out = _sigmoid(z) if spec.probability_output else z
        if spec.loss == "bce":
            complement = 1.0 - out
            if labels is not None:
                log_likelihood = np.maximum(np.log(np.where(labels, out, complement)), BCE_LOG_FLOOR)
            else:
                log_p = np.maximum(np.log(out), BCE_LOG_FLOOR)
                log_q = np.maximum(np.log(complement), BCE_LOG_FLOOR)
                log_likelihood = log_q + y * (log_p - log_q)
            slope = out * complement
            d_out = (out - y) / np.maximum(slope, BCE_GRAD_EPS)  # torch's BCELoss gradient, floor included
            return -log_likelihood.sum(axis=(1, 2)), d_out * slope * (1.0 / count), out
        difference = out - y  # mse
        d_out = difference * (2.0 / count)
        return (difference * difference).sum(axis=(1, 2)), d_out * (out * (1.0 - out)) if spec.probability_output else d_out, out

    def correct(self, out: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Correct predictions per model against `labels` (classes, or booleans for a binary target),
        rounding as the tutorials do (0.5 counts as class 0)."""
        if self.spec.task == "multiclass":
            return (out.argmax(axis=2) == labels).sum(axis=1)
        threshold = 0.5 if self.spec.probability_output else 0.0
        return ((out > threshold) == labels).sum(axis=(1, 2))


class _Layer:
    """Views into a stack's parameters and gradients for one layer; made once, used every step."""

    def __init__(self, block: np.ndarray, block_grad: np.ndarray):
        self.block, self.block_grad = block, block_grad  # (M, fan_in + 1, fan_out): weights, then bias
        self.weight, self.bias = block[:, :-1], block[:, -1:]
        self.weight_t = self.weight.transpose(0, 2, 1)
        self.weight_grad, self.bias_grad = block_grad[:, :-1], block_grad[:, -1:]


def _groups(names: list[str]) -> list[tuple[str, slice]]:
    """Runs of models that share an activation, as slices of the stack."""
    groups, start = [], 0
    for i in range(1, len(names) + 1):
        if i == len(names) or names[i] != names[start]:
            groups.append((names[start], slice(start, i)))
            start = i
    return groups


def _forward(groups: list[tuple[str, slice]]):
    """(z, out) -> writes h into out, for a layer: the activation itself when the whole stack shares one."""
    if len(groups) == 1:
        return ACTIVATIONS[groups[0][0]][0]

    def activate(z, out):
        for name, part in groups:
            ACTIVATIONS[name][0](z[part], out[part])
    return activate


def _backward(groups: list[tuple[str, slice]]):
    """(z, h, out) -> writes each model's activation slope into out; None when it is 1 everywhere."""
    if [name for name, _ in groups] == ["identity"]:
        return None
    if len(groups) == 1:
        return ACTIVATIONS[groups[0][0]][1]

    def slope(z, h, out):
        for name, part in groups:
            ACTIVATIONS[name][1](z[part], h[part], out[part])
    return slope


def _sgd(shape, rate: float, momentum: float = 0.0):
    buffer = None

    def step(theta, grad):
        nonlocal buffer
        direction = grad
        if momentum:
            if buffer is None:
                buffer = grad.copy()
            else:
                buffer *= momentum
                buffer += grad
            direction = buffer
        theta -= direction * rate
    return step


def _adam(shape, rate: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
    first, second = np.zeros(shape, DTYPE), np.zeros(shape, DTYPE)
    steps = 0

    def step(theta, grad):
        nonlocal steps, first, second  # updated in place; nonlocal only because of +=
        steps += 1
        first += (grad - first) * (1 - beta1)  # torch: exp_avg.lerp_(grad, 1 - beta1)
        second *= beta2
        second += grad * grad * (1 - beta2)
        step_size = rate / (1 - beta1 ** steps)
        denominator = np.sqrt(second) / (1 - beta2 ** steps) ** 0.5 + eps
        theta -= first / denominator * step_size
    return step


_OPTIMIZERS = {"sgd": _sgd, "momentum": lambda shape, rate: _sgd(shape, rate, 0.9), "adam": _adam}
