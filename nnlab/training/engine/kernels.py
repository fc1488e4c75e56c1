"""The compiled engine's kernels: whole training runs of small MLPs as Numba loops.

Why: for the lessons' networks eager autograd spends ~0.5 ms a step on Python and dispatch for
~10 kFLOP of arithmetic. One compiled loop over a batch's rows and a layer's units does the same
step in ~1-2 us (docs/performance.md), and `nogil=True` lets every core train at once.

It copies torch's own formulas in float32 (BCELoss's clamped log and 1e-12 floor, the order of
Adam's and SGD's float32 operations), so from the same initial weights and batch order it lands
on the weights of `nnlab.training.engine.autograd`, the reference it is tested against. A layer's sums of
up to 32 terms run in float32, as torch's matmul sums them; longer ones, and the gradients' sums
over a batch's rows, accumulate in float64 and are rounded once, as close to torch's blocked
float32 sums as a loop gets.

Layout: a batch is held rows-last, (units, rows), so every loop over a batch's rows runs on
contiguous memory and vectorises. Each model's parameters are a slice of one flat float32 array,
layer by layer, each weight (out, in) as torch stores it, then its bias; `plan` (one int64 row per
model, columns below) says where. The models of one call share the data and nothing else: each
trains alone, so widths, activations, losses, optimizers and learning rates may differ.
"""

from __future__ import annotations

import math
import os

# Intel's SVML would give a vector of values libm's exp and log where a loop vectorises, and libm's
# where it does not: a lane's result would hang on its place in the vector (tests/test_lanes.py).
os.environ.setdefault("NUMBA_DISABLE_INTEL_SVML", "1")

import numpy as np  # noqa: E402 - after the setting above, which numba reads once, on import
from llvmlite import ir  # noqa: E402
from numba import njit, types  # noqa: E402
from numba.extending import intrinsic

from nnlab.choices import ACTIVATIONS, LOSSES, OPTIMIZERS
from nnlab.experiment import MAX_HIDDEN_LAYERS, SETTINGS

MAX_LINEAR_LAYERS = MAX_HIDDEN_LAYERS + 1  # Linear layers: the hidden ones and the output

# the numbers the plan uses, as nnlab.choices declares them
SIGMOID, TANH, RELU, ELU, LEAKY_RELU, IDENTITY = (ACTIVATIONS[name].kernel for name in (
    "sigmoid", "tanh", "relu", "elu", "leaky_relu", "identity"))
BCE, BCE_LOGITS, CROSS_ENTROPY, MSE = (LOSSES[name].kernel for name in ("bce", "bce_logits", "cross_entropy", "mse"))
SGD, ADAM, ADAMW, RMSPROP, ADAGRAD, ADAMAX = (OPTIMIZERS[name].kernel for name in (
    "sgd", "adam", "adamw", "rmsprop", "adagrad", "adamax"))
# the columns of the per-model hyperparameter array: the settings whose rows say the kernels read them
HYPER = tuple(row.field for row in SETTINGS.values() if row.hyper)
MOMENTUM, NESTEROV, WEIGHT_DECAY, BETA1, BETA2, L2, L1 = (HYPER.index(name) for name in (
    "momentum", "nesterov", "weight_decay", "beta1", "beta2", "l2", "l1"))

# plan columns, one row per model
START, STOP, LAYERS, LOSS, OPTIMIZER, SIGMOID_OUTPUT, BATCH, IN_ORDER = range(8)  # START, STOP: its slice of theta
WIDTHS = 8  # input, hidden..., output: LAYERS + 1 values
LAYER_ACTIVATIONS = WIDTHS + MAX_LINEAR_LAYERS + 1  # one per hidden layer
OFFSETS = LAYER_ACTIVATIONS + MAX_LINEAR_LAYERS  # where each Linear's weight starts in the model's slice; its bias follows
PLAN_COLUMNS = OFFSETS + MAX_LINEAR_LAYERS

# metrics columns, per model and epoch
TRAIN_LOSS, TRAIN_ACC, TEST_LOSS, TEST_ACC = range(4)

EVAL_ROWS = 256  # test rows evaluated at a time
SHORT_SUM = 32  # sums of at most this many terms run in float32; longer ones in float64

F0, F1, F2, HALF = np.float32(0.0), np.float32(1.0), np.float32(2.0), np.float32(0.5)
BCE_LOG_FLOOR = np.float32(-100.0)  # torch's BCELoss clamps each log term here
BCE_GRAD_EPS = np.float32(1e-12)  # and floors p(1-p) here in its gradient
LEAKY_SLOPE = np.float32(0.01)  # torch.nn.LeakyReLU's default
ADAM_EPS = np.float32(1e-8)  # Adam's, AdamW's and Adamax's
RMSPROP_ALPHA = 0.99
RMSPROP_KEEP, RMSPROP_SQUARE = np.float32(RMSPROP_ALPHA), np.float32(1 - RMSPROP_ALPHA)
RMSPROP_EPS = np.float32(1e-8)
ADAGRAD_EPS = np.float32(1e-10)

# --- float32 exp and tanh that vectorise ------------------------------------------------------
# libm's expf is a call per value, which LLVM cannot vectorise, and a bump step takes ~670 of
# them; with these the activations of a batch run 16 values an instruction. Cephes' float32
# polynomials, within 2 ulp of the exact values (tests/test_kernels.py), as torch's own vectorised
# exp (SLEEF, 1 ulp) is.
_LOG2E = np.float32(1.44269504088896341)
_ROUNDER = np.float32(1.5 * 2**23)  # adding and taking it away rounds a float32 to a whole number
_LN2_HI, _LN2_LO = np.float32(0.693359375), np.float32(-2.12194440e-4)
_EXP_POLY = tuple(np.float32(c) for c in (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3,
                                     4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1))
_EXP_LOW, _EXP_HIGH = np.float32(-104.0), np.float32(89.0)  # beyond: 0 and inf, through the scaling
_TANH_POLY = tuple(np.float32(c) for c in (-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2,
                                      1.33314422036e-1, -3.33332819422e-1))
_TANH_SMALL = np.float32(0.625)


@intrinsic
def _power_of_two(typingctx, exponent):
    """2.0 ** exponent as float32, for an int32 exponent in [-126, 127]: the bits put together."""
    def codegen(context, builder, signature, args):
        biased = builder.add(args[0], ir.Constant(ir.IntType(32), 127))
        return builder.bitcast(builder.shl(biased, ir.Constant(ir.IntType(32), 23)), ir.FloatType())
    return types.float32(types.int32), codegen


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def exp32(x):
    """exp of a float32: range reduction by ln 2 (x = n ln 2 + r, |r| <= ln 2 / 2), a polynomial
    for exp(r), then 2**n in two halves so that results down to the denormals and up to inf come
    out right."""
    clamped = min(max(x, _EXP_LOW), _EXP_HIGH)
    n = (clamped * _LOG2E + _ROUNDER) - _ROUNDER  # the nearest whole number, in float32 arithmetic
    r = clamped - n * _LN2_HI - n * _LN2_LO
    p = _EXP_POLY[0]
    p = p * r + _EXP_POLY[1]
    p = p * r + _EXP_POLY[2]
    p = p * r + _EXP_POLY[3]
    p = p * r + _EXP_POLY[4]
    p = p * r + _EXP_POLY[5]
    y = p * (r * r) + r + F1
    half = np.int32(n) >> 1
    y = y * _power_of_two(half) * _power_of_two(np.int32(n) - half)
    return x if x != x else y  # NaN stays NaN: divergence is detected from it


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def sigmoid32(z):
    return F1 / (F1 + exp32(-z))  # torch's formula in float32: exactly 0 or 1 where torch's saturates


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def tanh32(x):
    a = abs(x)
    z = x * x
    p = _TANH_POLY[0]
    p = p * z + _TANH_POLY[1]
    p = p * z + _TANH_POLY[2]
    p = p * z + _TANH_POLY[3]
    p = p * z + _TANH_POLY[4]
    small = p * z * x + x
    large = F1 - F2 / (exp32(a + a) + F1)
    large = large if x >= F0 else -large
    return small if a < _TANH_SMALL else large


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _activate(code, z, h, first, units, rows):
    """h = activation(z) for units first..first+units-1 over a batch's rows. The choice of
    activation is made once, outside the loops (inside, it kept them from vectorising), and NaN
    stays NaN, as in torch, so a diverging run is seen."""
    last = first + units
    if code == SIGMOID:
        for j in range(first, last):
            for r in range(rows):
                h[j, r] = sigmoid32(z[j, r])
    elif code == TANH:
        for j in range(first, last):
            for r in range(rows):
                h[j, r] = tanh32(z[j, r])
    elif code == RELU:
        for j in range(first, last):
            for r in range(rows):
                h[j, r] = F0 if z[j, r] <= F0 else z[j, r]
    elif code == ELU:
        for j in range(first, last):
            for r in range(rows):
                h[j, r] = z[j, r] if z[j, r] > F0 else np.float32(math.expm1(z[j, r]))
    elif code == LEAKY_RELU:
        for j in range(first, last):
            for r in range(rows):
                h[j, r] = z[j, r] * LEAKY_SLOPE if z[j, r] <= F0 else z[j, r]
    else:
        for j in range(first, last):
            for r in range(rows):
                h[j, r] = z[j, r]


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _slopes(code, dh, z, h, first, units, dz, rows):
    """dz[i] = dh[i] * activation'(z) for units first+i (i < units) over a batch's rows, in the
    order torch's backward kernels multiply; dh is float64 and rounded first, as torch's float32
    product would be. The activation is chosen outside the loops, as in `_activate`."""
    if code == SIGMOID:
        for i in range(units):
            for r in range(rows):
                dz[i, r] = np.float32(dh[i, r]) * (F1 - h[first + i, r]) * h[first + i, r]
    elif code == TANH:
        for i in range(units):
            for r in range(rows):
                dz[i, r] = np.float32(dh[i, r]) * (F1 - h[first + i, r] * h[first + i, r])
    elif code == RELU:
        for i in range(units):
            for r in range(rows):
                dz[i, r] = F0 if h[first + i, r] <= F0 else np.float32(dh[i, r])
    elif code == ELU:
        for i in range(units):
            for r in range(rows):
                grad = np.float32(dh[i, r])
                dz[i, r] = grad if z[first + i, r] > F0 else grad * np.float32(math.exp(z[first + i, r]))
    elif code == LEAKY_RELU:
        for i in range(units):
            for r in range(rows):
                grad = np.float32(dh[i, r])
                dz[i, r] = grad if z[first + i, r] > F0 else grad * LEAKY_SLOPE
    else:
        for i in range(units):
            for r in range(rows):
                dz[i, r] = np.float32(dh[i, r])


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _floor(value, floor):
    """max(value, floor) as torch's std::max takes it: NaN stays NaN."""
    return floor if value < floor else value


# --- one model ---------------------------------------------------------------------------------

@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _forward(plan_row, theta, first_unit, acts, zs, rows, acc):
    """Every layer for `rows` rows whose inputs are in acts' first units. Layer l's units are
    acts[first_unit[l]:first_unit[l + 1]]: hidden ones activated, the output's prediction (its
    sigmoid or z itself) with its z in zs."""
    layers = plan_row[LAYERS]
    for layer in range(1, layers + 1):
        fan_in, fan_out = plan_row[WIDTHS + layer - 1], plan_row[WIDTHS + layer]
        weights = plan_row[OFFSETS + layer - 1]
        biases = weights + fan_in * fan_out
        inputs, units = first_unit[layer - 1], first_unit[layer]
        code = plan_row[LAYER_ACTIVATIONS + layer - 1] if layer < layers else (SIGMOID if plan_row[SIGMOID_OUTPUT] else IDENTITY)
        for j in range(fan_out):
            if fan_in <= SHORT_SUM:  # summed in float32, as torch's own matmul sums
                for r in range(rows):
                    zs[units + j, r] = theta[biases + j]
                for i in range(fan_in):
                    w = theta[weights + j * fan_in + i]
                    for r in range(rows):
                        zs[units + j, r] += w * acts[inputs + i, r]
                continue
            bias = np.float64(theta[biases + j])
            for r in range(rows):
                acc[r] = bias
            for i in range(fan_in):
                w = np.float64(theta[weights + j * fan_in + i])
                for r in range(rows):
                    acc[r] += w * acts[inputs + i, r]
            for r in range(rows):
                zs[units + j, r] = np.float32(acc[r])
        _activate(code, zs, acts, units, fan_out, rows)


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _loss(plan_row, first_unit, acts, zs, y, labels, order, start, rows, hard_labels, dz):
    """The batch's summed loss and correct count; the gradient of its mean loss wrt the output
    layer's z into dz (torch's backward formulas, sigmoid output included)."""
    layers = plan_row[LAYERS]
    outputs = plan_row[WIDTHS + layers]
    loss_code = plan_row[LOSS]
    out = first_unit[layers]
    total, correct = 0.0, 0
    if loss_code == CROSS_ENTROPY:
        # log_softmax then the mean NLL; backward: g - softmax * sum(g), g = -1/rows at the label
        at_label = -(F1 / np.float32(rows))
        for r in range(rows):
            label = labels[order[start + r]]
            top, best = zs[out, r], 0
            for k in range(1, outputs):
                if zs[out + k, r] > top:
                    top, best = zs[out + k, r], k
            denominator = 0.0
            for k in range(outputs):
                denominator += math.exp(np.float64(zs[out + k, r] - top))
            log_total = math.log(denominator)
            total += log_total - np.float64(zs[out + label, r] - top)
            for k in range(outputs):
                p = np.float32(math.exp(np.float64(zs[out + k, r] - top) - log_total))
                dz[k, r] = (at_label if k == label else F0) - p * at_label
            correct += best == label
        return total, correct
    count = np.float32(rows * outputs)
    threshold = HALF if plan_row[SIGMOID_OUTPUT] else F0
    for r in range(rows):
        row = order[start + r]
        for k in range(outputs):
            target = y[row, k]
            p = acts[out + k, r]
            if loss_code == BCE:
                if hard_labels:  # a 0/1 target: torch's other term is exactly 0 x a finite log
                    total -= _floor(np.float32(math.log(p if target > HALF else F1 - p)), BCE_LOG_FLOOR)
                else:
                    log_p = _floor(np.float32(math.log(p)), BCE_LOG_FLOOR)
                    log_q = _floor(np.float32(math.log(F1 - p)), BCE_LOG_FLOOR)
                    total -= np.float64(target * log_p + (F1 - target) * log_q)
                grad = (p - target) / _floor((F1 - p) * p, BCE_GRAD_EPS) / count
            elif loss_code == BCE_LOGITS:
                logit = zs[out + k, r]
                total += np.float64(max(logit, F0) - logit * target) + math.log1p(math.exp(-abs(np.float64(logit))))
                grad = (sigmoid32(logit) - target) / count
            else:  # mean squared error
                difference = p - target
                total += np.float64(difference) * difference
                grad = (F2 / count) * difference
            if plan_row[SIGMOID_OUTPUT] and loss_code != BCE_LOGITS:
                grad = grad * (F1 - p) * p
            dz[k, r] = grad
            if hard_labels:
                correct += (p > threshold) == (target > HALF)
    return total, correct


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _sum_gradients(dz, acts, inputs, fan_in, fan_out, weights, biases, rows, grads):
    """A layer's weight and bias gradients, summed over the batch's rows into grads. Inlined into
    the two below, which differ only in whether the sums may be reassociated."""
    for j in range(fan_out):
        total = 0.0
        for r in range(rows):
            total += dz[j, r]
        grads[biases + j] += total
        for i in range(fan_in):
            total = 0.0
            for r in range(rows):
                total += np.float64(dz[j, r]) * acts[inputs + i, r]
            grads[weights + j * fan_in + i] += total


@njit(nogil=True, cache=True, error_model="numpy", fastmath={"reassoc"})
def _add_gradients(dz, acts, inputs, fan_in, fan_out, weights, biases, rows, grads):
    """Reassociated: float64 sums of float32 values may run in any order (it seldom changes what
    float32 keeps) and so vectorise over the rows, where one running sum would wait on each add."""
    _sum_gradients(dz, acts, inputs, fan_in, fan_out, weights, biases, rows, grads)


@njit(nogil=True, cache=True, error_model="numpy")
def _add_gradients_in_order(dz, acts, inputs, fan_in, fan_out, weights, biases, rows, grads):
    """Each sum over the rows in order: what a lane adds (lanes.py), so a run of a lane's shape
    lands on the same weights alone or among lanes."""
    _sum_gradients(dz, acts, inputs, fan_in, fan_out, weights, biases, rows, grads)


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _backward(plan_row, theta, first_unit, acts, zs, rows, dz, dh, grads):
    """Add the weight and bias gradients of every layer into grads (float64), from the output
    layer's dz (one row per unit); dz and dh are scratch."""
    layers = plan_row[LAYERS]
    for layer in range(layers, 0, -1):
        fan_in, fan_out = plan_row[WIDTHS + layer - 1], plan_row[WIDTHS + layer]
        weights = plan_row[OFFSETS + layer - 1]
        biases = weights + fan_in * fan_out
        inputs = first_unit[layer - 1]
        if plan_row[IN_ORDER]:
            _add_gradients_in_order(dz, acts, inputs, fan_in, fan_out, weights, biases, rows, grads)
        else:
            _add_gradients(dz, acts, inputs, fan_in, fan_out, weights, biases, rows, grads)
        if layer == 1:
            break
        for i in range(fan_in):
            for r in range(rows):
                dh[i, r] = 0.0
        for j in range(fan_out):
            for i in range(fan_in):
                w = np.float64(theta[weights + j * fan_in + i])
                for r in range(rows):
                    dh[i, r] += w * dz[j, r]
        _slopes(plan_row[LAYER_ACTIVATIONS + layer - 2], dh, zs, acts, inputs, fan_in, dz, rows)


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _regularise_and_measure(plan_row, theta, l2, l1, grads, flow):
    """Add L2's and L1's gradients to the weights' (not the biases'), then add each layer's mean
    absolute weight gradient to flow: what the optimizer is about to apply."""
    for layer in range(plan_row[LAYERS]):
        fan_in, fan_out = plan_row[WIDTHS + layer], plan_row[WIDTHS + layer + 1]
        weights = plan_row[OFFSETS + layer]
        total = 0.0
        for k in range(weights, weights + fan_in * fan_out):
            if l2 != 0.0 or l1 != 0.0:
                w = np.float64(theta[k])
                grads[k] += l2 * w + l1 * (1.0 if w > 0.0 else (-1.0 if w < 0.0 else 0.0))  # torch: abs' slope at 0 is 0
            total += abs(np.float32(grads[k]))
        flow[layer] += total / max(1, fan_in * fan_out)


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _lerp(start, end, weight):
    """torch's lerp in float32: from the nearer end, so a weight at or above a half keeps its digits."""
    if abs(weight) < HALF:
        return start + weight * (end - start)
    return end - (end - start) * (F1 - weight)


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _optimize(plan_row, rate, hyper, theta, first, second, steps, grads):
    """One optimizer step over a model's parameters with torch's float32 operations in its order
    (torch.optim's single-tensor code, which it runs on the CPU). first and second are the state:
    Adam's two averages (Adamax's average and largest gradient), SGD's momentum buffer, RMSprop's
    and Adagrad's sum of squares."""
    optimizer = plan_row[OPTIMIZER]
    steps[0] += 1
    if optimizer in (ADAM, ADAMW, ADAMAX):  # Adam's family: its betas and bias correction, only where read
        beta1, beta2 = hyper[BETA1], hyper[BETA2]
        lerp, keep2 = np.float32(1 - beta1), np.float32(beta2)
        step_size = np.float32(-(rate / (1 - beta1 ** steps[0])))
        if optimizer == ADAMAX:
            for k in range(theta.shape[0]):
                grad = np.float32(grads[k])
                first[k] = _lerp(first[k], grad, lerp)  # exp_avg.lerp_(grad, 1 - beta1)
                decayed, newest = second[k] * keep2, abs(grad) + ADAM_EPS  # maximum(exp_inf.mul_(beta2), |g| + eps)
                second[k] = decayed if decayed != decayed or decayed > newest else newest  # NaN stays NaN
                theta[k] = theta[k] + step_size * first[k] / second[k]  # addcdiv_(value=-clr)
            return
        if optimizer == ADAMW:  # decoupled weight decay: param.mul_(1 - lr * weight_decay)
            keep = np.float32(1.0 - rate * hyper[WEIGHT_DECAY])
            for k in range(theta.shape[0]):
                theta[k] = theta[k] * keep
        square = np.float32(1 - beta2)
        correction = np.float32(math.sqrt(1 - beta2 ** steps[0]))
        for k in range(theta.shape[0]):
            grad = np.float32(grads[k])
            first[k] = _lerp(first[k], grad, lerp)  # exp_avg.lerp_(grad, 1 - beta1)
            second[k] = second[k] * keep2 + square * grad * grad  # mul_(beta2).addcmul_
            denominator = np.float32(math.sqrt(second[k])) / correction + ADAM_EPS
            theta[k] = theta[k] + step_size * first[k] / denominator  # addcdiv_(value=-step_size)
        return
    alpha = np.float32(-rate)
    if optimizer in (RMSPROP, ADAGRAD):
        keep, square, eps = (RMSPROP_KEEP, RMSPROP_SQUARE, RMSPROP_EPS) if optimizer == RMSPROP else (F1, F1, ADAGRAD_EPS)
        for k in range(theta.shape[0]):
            grad = np.float32(grads[k])
            second[k] = second[k] * keep + square * grad * grad  # RMSprop: mul_(alpha).addcmul_; Adagrad: addcmul_
            theta[k] = theta[k] + alpha * grad / (np.float32(math.sqrt(second[k])) + eps)  # addcdiv_(value=-lr)
        return
    momentum = np.float32(hyper[MOMENTUM])
    nesterov = hyper[NESTEROV] != 0.0
    for k in range(theta.shape[0]):
        grad = np.float32(grads[k])
        if momentum != F0:  # the buffer starts as the first gradient, then buf.mul_(momentum).add_(grad)
            buffer = grad if steps[0] == 1 else first[k] * momentum + grad
            first[k] = buffer
            grad = grad + buffer * momentum if nesterov else buffer  # nesterov: grad.add(buf, alpha=momentum)
        theta[k] = theta[k] + alpha * grad


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _gather(x, order, start, rows, acts):
    """The batch's inputs into the first units of acts, rows last."""
    for r in range(rows):
        row = order[start + r]
        for i in range(x.shape[1]):
            acts[i, r] = x[row, i]


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _evaluate(plan_row, theta, first_unit, x, y, labels, hard_labels, acts, zs, acc, dz):
    """Mean loss and accuracy on (x, y), in chunks, with the training code's forward and loss."""
    n = x.shape[0]
    order = np.arange(n)
    total, correct = 0.0, 0
    chunk = acts.shape[1]
    for start in range(0, n, chunk):
        rows = min(chunk, n - start)
        _gather(x, order, start, rows, acts)
        _forward(plan_row, theta, first_unit, acts, zs, rows, acc)
        loss, right = _loss(plan_row, first_unit, acts, zs, y, labels, order, start, rows, hard_labels, dz)
        total += loss
        correct += right
    per_row = 1 if plan_row[LOSS] == CROSS_ENTROPY else plan_row[WIDTHS + plan_row[LAYERS]]
    return total / (n * per_row), correct / n


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def layout(plan_row, test_rows):
    """Where a model's layers sit in the working arrays: layer l's units from row first_unit[l] of
    acts and zs; the widest layer; and the most rows a step or a chunk of evaluation takes."""
    layers = plan_row[LAYERS]
    first_unit = np.zeros(layers + 2, np.int64)
    widest = 0
    for layer in range(layers + 1):
        first_unit[layer + 1] = first_unit[layer] + plan_row[WIDTHS + layer]
        widest = max(widest, plan_row[WIDTHS + layer])
    return first_unit, widest, max(plan_row[BATCH], min(test_rows, EVAL_ROWS))


@njit(nogil=True, cache=True, error_model="numpy")
def _train_model(plan_row, rates, hyper, memory, steps, data, hard_labels, orders, epoch_start, epoch_stop, metrics,
                 flow):
    """One model's epochs; its arrays are its own slices. Returns the 1-based epoch it diverged
    at (its weights back at the last finite ones), or 0."""
    theta, first, second, last_good = memory
    x_train, y_train, labels_train, x_test, y_test, labels_test = data
    layers = plan_row[LAYERS]
    n, batch = x_train.shape[0], plan_row[BATCH]
    first_unit, widest, rows_max = layout(plan_row, x_test.shape[0])
    acts = np.empty((first_unit[layers + 1], rows_max), np.float32)
    zs = np.empty((first_unit[layers + 1], rows_max), np.float32)
    dz = np.empty((widest, rows_max), np.float32)
    dh = np.empty((widest, rows_max), np.float64)
    acc = np.empty(rows_max, np.float64)
    grads = np.empty(theta.shape[0], np.float64)
    per_row = 1 if plan_row[LOSS] == CROSS_ENTROPY else plan_row[WIDTHS + layers]
    for epoch in range(epoch_start, epoch_stop):
        order = orders[min(epoch - epoch_start, orders.shape[0] - 1)]
        total, correct = 0.0, 0
        flow[epoch, :] = 0.0
        for start in range(0, n, batch):
            rows = min(batch, n - start)
            _gather(x_train, order, start, rows, acts)
            _forward(plan_row, theta, first_unit, acts, zs, rows, acc)
            loss, right = _loss(plan_row, first_unit, acts, zs, y_train, labels_train, order, start, rows,
                                hard_labels, dz)
            total += np.float64(np.float32(loss / (rows * per_row))) * rows  # torch: the batch's float32 mean x rows
            correct += right
            grads[:] = 0.0
            _backward(plan_row, theta, first_unit, acts, zs, rows, dz, dh, grads)
            _regularise_and_measure(plan_row, theta, hyper[L2], hyper[L1], grads, flow[epoch])
            _optimize(plan_row, rates[epoch], hyper, theta, first, second, steps, grads)
        for layer in range(layers):
            flow[epoch, layer] /= (n + batch - 1) // batch  # the mean over the epoch's steps
        row = metrics[epoch]
        row[TRAIN_LOSS] = total / n
        row[TRAIN_ACC] = correct / n if hard_labels else np.nan
        row[TEST_LOSS], row[TEST_ACC] = np.nan, np.nan
        finite = math.isfinite(row[TRAIN_LOSS])
        if x_test.shape[0]:
            row[TEST_LOSS], row[TEST_ACC] = _evaluate(plan_row, theta, first_unit, x_test, y_test, labels_test,
                                                      hard_labels, acts, zs, acc, dz)
            finite = finite and math.isfinite(row[TEST_LOSS])
            if not hard_labels:
                row[TEST_ACC] = np.nan
        if not finite:
            theta[:] = last_good
            return epoch + 1
        last_good[:] = theta
    return 0


@njit(nogil=True, cache=True, error_model="numpy")
def train_epochs(plan, rates, hyper, memory, steps, diverged_at, data, hard_labels, orders, epoch_start, epoch_stop,
                 metrics, flow, models):
    """Train the models numbered in `models` through epochs epoch_start to epoch_stop - 1
    (0-based); updated in place.

    plan: a row per model (its columns above). rates: (models, epochs), each epoch's learning
    rate. hyper: (models, HYPER columns), the settings the kernels read per model. memory: the
    weights, the optimizer's first and second state and the last finite weights, four float32
    arrays of every model's parameters end to end, model m's in [plan[m, START], plan[m, STOP]).
    steps: each model's optimizer steps so far. data: x, y (float32) and labels (int64), train then
    test. orders: (1 or models, 1 or this call's epochs, rows) int64, the training rows in the
    order each epoch shows them.

    Each epoch's metrics go into metrics (models, epochs, 4) and each Linear layer's mean absolute
    weight gradient, averaged over the epoch's steps, into flow (models, epochs, the most Linear
    layers of any model). A model whose metrics turn non-finite goes back to its last finite
    weights and stops there: diverged_at gets its 1-based epoch; a model with diverged_at already
    set is skipped."""
    for m in models:
        if diverged_at[m]:
            continue
        start, stop = plan[m, START], plan[m, STOP]
        mine = (memory[0][start:stop], memory[1][start:stop], memory[2][start:stop], memory[3][start:stop])
        diverged_at[m] = _train_model(plan[m], rates[m], hyper[m], mine, steps[m:m + 1], data, hard_labels,
                                      orders[min(m, orders.shape[0] - 1)], epoch_start, epoch_stop, metrics[m], flow[m])
