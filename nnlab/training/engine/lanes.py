"""Many runs of one shape trained as the lanes of one vector: the kernels of `kernels.py`, each
loop's innermost index a run.

Why: a small network's step is mostly loop set-up, calls and values one at a time (the logs of a
loss, a batch of one row), not arithmetic (docs/performance.md). Runs of one shape (widths,
activations, loss, optimizer, batch and epochs) take the same branches in the same order, so with
the run innermost every loop, call and branch is shared by all of them, and each value is one
lane of a vector instruction.

Each lane does exactly the float32 and float64 operations of `kernels.py` in their order: its
gradients add a batch's rows in order, as kernels' `_add_gradients_in_order`, which a run of a
lane's shape uses alone. So a run's weights, history and gradient flow are bit for bit the same
alone or among lanes (tests/test_lanes.py); of a run that diverges, its last finite weights (its
optimizer's state, which nothing reads once it stops, runs on to the call's end). Lanes may differ
in everything else: initial weights, the rows' order each epoch, learning rates and schedules,
hyperparameters.

Numba caches each function by its own file's date: after an edit to kernels.py, whose constants
and helpers these kernels take in, clear `__pycache__` (a fresh clone, as CI's, has none).

Layout: a lane's values are the last index. theta, first, second, last_good: (parameters, lanes),
float32, laid out as one model of `kernels.py`; a batch: (units, rows, lanes).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from nnlab.training.engine import kernels
from nnlab.training.engine.kernels import (
    ADAGRAD,
    ADAGRAD_EPS,
    ADAM,
    ADAM_EPS,
    ADAMAX,
    ADAMW,
    BATCH,
    BCE,
    BCE_GRAD_EPS,
    BCE_LOG_FLOOR,
    BCE_LOGITS,
    BETA1,
    BETA2,
    CROSS_ENTROPY,
    F0,
    F1,
    F2,
    HALF,
    IDENTITY,
    L1,
    L2,
    LAYER_ACTIVATIONS,
    LAYERS,
    LOSS,
    MOMENTUM,
    NESTEROV,
    OFFSETS,
    OPTIMIZER,
    RMSPROP,
    RMSPROP_EPS,
    RMSPROP_KEEP,
    RMSPROP_SQUARE,
    SHORT_SUM,
    SIGMOID,
    SIGMOID_OUTPUT,
    TEST_ACC,
    TEST_LOSS,
    TRAIN_ACC,
    TRAIN_LOSS,
    WEIGHT_DECAY,
    WIDTHS,
    _floor,
    sigmoid32,
)

JIT = dict(nogil=True, cache=True, error_model="numpy")  # as kernels.py compiles


@njit(**JIT, inline="always")
def _flat(values):
    """(units, rows, lanes) as (units, rows x lanes): a unit's rows of every lane are one run of
    values, which the one-run kernel's elementwise loops take as they take a batch's rows."""
    return values.reshape(values.shape[0], values.shape[1] * values.shape[2])


@njit(**JIT, inline="always")
def _activate(code, z, h, first, units, rows, lanes):
    """h = activation(z) for units first.. over a batch's rows and every lane: kernels._activate."""
    kernels._activate(code, _flat(z), _flat(h), first, units, rows * lanes)


@njit(**JIT, inline="always")
def _slopes(code, grad, z, h, first, units, dz, rows, lanes):
    """dz[i] = grad[i] * activation'(z) for units first+i: kernels._slopes (grad already rounded
    to float32 here, by `_narrow`, so that its loop holds one type)."""
    kernels._slopes(code, _flat(grad), _flat(z), _flat(h), first, units, _flat(dz), rows * lanes)


@njit(**JIT, inline="always")
def _forward(plan_row, theta, first_unit, acts, zs, rows, lanes, acc):
    """Every layer for `rows` rows of every lane, as kernels._forward."""
    layers = plan_row[LAYERS]
    for layer in range(1, layers + 1):
        fan_in, fan_out = plan_row[WIDTHS + layer - 1], plan_row[WIDTHS + layer]
        weights = plan_row[OFFSETS + layer - 1]
        biases = weights + fan_in * fan_out
        inputs, units = first_unit[layer - 1], first_unit[layer]
        code = plan_row[LAYER_ACTIVATIONS + layer - 1] if layer < layers else (SIGMOID if plan_row[SIGMOID_OUTPUT] else IDENTITY)
        for j in range(fan_out):
            bias = theta[biases + j]
            if fan_in <= SHORT_SUM:  # in float32
                for r in range(rows):
                    z = zs[units + j, r]
                    for k in range(lanes):
                        z[k] = bias[k]
                for i in range(fan_in):
                    w = theta[weights + j * fan_in + i]
                    for r in range(rows):
                        z, a = zs[units + j, r], acts[inputs + i, r]
                        for k in range(lanes):
                            z[k] += w[k] * a[k]
                continue
            for r in range(rows):
                for k in range(lanes):
                    acc[r, k] = np.float64(bias[k])
            for i in range(fan_in):
                w = theta[weights + j * fan_in + i]
                for r in range(rows):
                    a, total = acts[inputs + i, r], acc[r]
                    for k in range(lanes):
                        total[k] += np.float64(w[k]) * a[k]
            for r in range(rows):
                z, total = zs[units + j, r], acc[r]
                for k in range(lanes):
                    z[k] = np.float32(total[k])
        _activate(code, zs, acts, units, fan_out, rows, lanes)


@njit(**JIT, inline="always")
def _cross_entropy(outputs, out, zs, labels, rows, lanes, dz, total, correct):
    """kernels._loss's cross entropy, lane by lane: total and correct added to; dz set."""
    at_label = -(F1 / np.float32(rows))
    for r in range(rows):
        for k in range(lanes):
            label = labels[r, k]
            top, best = zs[out, r, k], 0
            for o in range(1, outputs):
                if zs[out + o, r, k] > top:
                    top, best = zs[out + o, r, k], o
            denominator = 0.0
            for o in range(outputs):
                denominator += math.exp(np.float64(zs[out + o, r, k] - top))
            log_total = math.log(denominator)
            total[k] += log_total - np.float64(zs[out + label, r, k] - top)
            for o in range(outputs):
                p = np.float32(math.exp(np.float64(zs[out + o, r, k] - top) - log_total))
                dz[o, r, k] = (at_label if o == label else F0) - p * at_label
            correct[k] += best == label


@njit(**JIT, inline="always")
def _loss(plan_row, first_unit, acts, zs, ys, labels, rows, lanes, hard_labels, dz, total, correct):
    """The batch's summed loss and correct count per lane into total and correct (zeroed first);
    the gradient of its mean loss wrt the output layer's z into dz, as kernels._loss. ys and
    labels hold each lane's rows of the batch: (outputs, rows, lanes) and (rows, lanes)."""
    layers = plan_row[LAYERS]
    outputs = plan_row[WIDTHS + layers]
    loss_code = plan_row[LOSS]
    out = first_unit[layers]
    total[:lanes] = 0.0
    correct[:lanes] = 0
    if loss_code == CROSS_ENTROPY:
        _cross_entropy(outputs, out, zs, labels, rows, lanes, dz, total, correct)
        return
    count = np.float32(rows * outputs)
    sigmoid_output = plan_row[SIGMOID_OUTPUT] != 0
    threshold = HALF if sigmoid_output else F0
    for r in range(rows):
        for o in range(outputs):
            target, p, z, grad = ys[o, r], acts[out + o, r], zs[out + o, r], dz[o, r]
            if loss_code == BCE and hard_labels:  # a 0/1 target: the other term is exactly 0 x a finite log
                for k in range(lanes):
                    total[k] -= _floor(np.float32(math.log(p[k] if target[k] > HALF else F1 - p[k])), BCE_LOG_FLOOR)
                    grad[k] = (p[k] - target[k]) / _floor((F1 - p[k]) * p[k], BCE_GRAD_EPS) / count
            elif loss_code == BCE:
                for k in range(lanes):
                    log_p = _floor(np.float32(math.log(p[k])), BCE_LOG_FLOOR)
                    log_q = _floor(np.float32(math.log(F1 - p[k])), BCE_LOG_FLOOR)
                    total[k] -= np.float64(target[k] * log_p + (F1 - target[k]) * log_q)
                    grad[k] = (p[k] - target[k]) / _floor((F1 - p[k]) * p[k], BCE_GRAD_EPS) / count
            elif loss_code == BCE_LOGITS:
                for k in range(lanes):
                    logit = z[k]
                    total[k] += (np.float64(max(logit, F0) - logit * target[k])
                                 + math.log1p(math.exp(-abs(np.float64(logit)))))
                    grad[k] = (sigmoid32(logit) - target[k]) / count
            else:  # mean squared error
                for k in range(lanes):
                    difference = p[k] - target[k]
                    total[k] += np.float64(difference) * difference
                    grad[k] = (F2 / count) * difference
            if sigmoid_output and loss_code != BCE_LOGITS:
                for k in range(lanes):
                    grad[k] = grad[k] * (F1 - p[k]) * p[k]
            if hard_labels:
                for k in range(lanes):
                    correct[k] += (p[k] > threshold) == (target[k] > HALF)


@njit(**JIT, inline="always")
def _widen(source, first, units, rows, lanes, wide):
    """wide[i] = source[first + i] in float64, exactly: a loop that mixes float32 and float64
    vectorised only from 24 lanes, one of float64 alone from 8."""
    for i in range(units):
        for r in range(rows):
            s, w = source[first + i, r], wide[i, r]
            for k in range(lanes):
                w[k] = np.float64(s[k])


@njit(**JIT, inline="always")
def _add_gradients(dz64, acts64, fan_in, fan_out, weights, biases, rows, lanes, grads, total):
    """A layer's gradients, each lane's rows added in order (kernels._add_gradients_in_order), from
    dz and the layer's inputs widened to float64; total: scratch (lanes,), a sum kept apart from
    the arrays it reads (a sum in grads itself ran at half the speed)."""
    for j in range(fan_out):
        total[:lanes] = 0.0
        for r in range(rows):
            d = dz64[j, r]
            for k in range(lanes):
                total[k] += d[k]
        g = grads[biases + j]
        for k in range(lanes):
            g[k] += total[k]
        for i in range(fan_in):
            total[:lanes] = 0.0
            for r in range(rows):
                d, a = dz64[j, r], acts64[i, r]
                for k in range(lanes):
                    total[k] += d[k] * a[k]
            g = grads[weights + j * fan_in + i]
            for k in range(lanes):
                g[k] += total[k]


@njit(**JIT, inline="always")
def _backward(plan_row, theta, first_unit, acts, zs, rows, lanes, dz, dh, grads, wide):
    """Every layer's weight and bias gradients into grads (zeroed), as kernels._backward. wide:
    float64 scratch: a layer's dz, inputs and weights, and a sum per lane."""
    layers = plan_row[LAYERS]
    dz64, acts64, theta64, total = wide
    for layer in range(layers, 0, -1):
        fan_in, fan_out = plan_row[WIDTHS + layer - 1], plan_row[WIDTHS + layer]
        weights = plan_row[OFFSETS + layer - 1]
        biases = weights + fan_in * fan_out
        inputs = first_unit[layer - 1]
        _widen(dz, 0, fan_out, rows, lanes, dz64)
        _widen(acts, inputs, fan_in, rows, lanes, acts64)
        _add_gradients(dz64, acts64, fan_in, fan_out, weights, biases, rows, lanes, grads, total)
        if layer == 1:
            break
        dh[:fan_in, :rows, :lanes] = 0.0
        for p in range(weights, biases):
            for k in range(lanes):
                theta64[p, k] = np.float64(theta[p, k])
        for j in range(fan_out):
            for i in range(fan_in):
                w = theta64[weights + j * fan_in + i]
                for r in range(rows):
                    h, d = dh[i, r], dz64[j, r]
                    for k in range(lanes):
                        h[k] += w[k] * d[k]
        _narrow(dh, fan_in, rows, lanes, dz)
        _slopes(plan_row[LAYER_ACTIVATIONS + layer - 2], dz, zs, acts, inputs, fan_in, dz, rows, lanes)


@njit(**JIT, inline="always")
def _narrow(dh, units, rows, lanes, out):
    """out = dh rounded to float32, as torch's float32 product rounds it."""
    for i in range(units):
        for r in range(rows):
            h, o = dh[i, r], out[i, r]
            for k in range(lanes):
                o[k] = np.float32(h[k])


@njit(**JIT, inline="always")
def _regularise_and_measure(plan_row, theta, hyper, lanes, grads, flow, sums):
    """L2's and L1's gradients added to the weights', then each layer's mean absolute weight
    gradient added to flow (layers, lanes), as kernels._regularise_and_measure."""
    for layer in range(plan_row[LAYERS]):
        fan_in, fan_out = plan_row[WIDTHS + layer], plan_row[WIDTHS + layer + 1]
        weights = plan_row[OFFSETS + layer]
        total = flow[layer]
        sums[:lanes] = 0.0
        for p in range(weights, weights + fan_in * fan_out):
            g, w = grads[p], theta[p]
            for k in range(lanes):
                l2, l1 = hyper[L2, k], hyper[L1, k]
                if l2 != 0.0 or l1 != 0.0:
                    value = np.float64(w[k])
                    g[k] += l2 * value + l1 * (1.0 if value > 0.0 else (-1.0 if value < 0.0 else 0.0))
                sums[k] += abs(np.float32(g[k]))
        for k in range(lanes):
            total[k] += sums[k] / max(1, fan_in * fan_out)


@njit(**JIT, inline="always")
def _adam_family(optimizer, rates, hyper, theta, first, second, step, lanes, grads32, scale):
    """Adam's, AdamW's and Adamax's step of every lane, as kernels._optimize."""
    parameters = theta.shape[0]
    lerp, keep2, step_size, square, correction = scale[0], scale[1], scale[2], scale[3], scale[4]
    for k in range(lanes):
        beta1 = hyper[BETA1, k]
        lerp[k], keep2[k] = np.float32(1 - beta1), np.float32(hyper[BETA2, k])
        step_size[k] = np.float32(-(rates[k] / (1 - beta1 ** step)))
    if optimizer == ADAMAX:
        for p in range(parameters):
            t, m, u, g = theta[p], first[p], second[p], grads32[p]
            for k in range(lanes):
                grad = g[k]
                m[k] = kernels._lerp(m[k], grad, lerp[k])
                decayed, newest = u[k] * keep2[k], abs(grad) + ADAM_EPS
                u[k] = decayed if decayed != decayed or decayed > newest else newest
                t[k] = t[k] + step_size[k] * m[k] / u[k]
        return
    if optimizer == ADAMW:
        keep = scale[5]
        for k in range(lanes):
            keep[k] = np.float32(1.0 - rates[k] * hyper[WEIGHT_DECAY, k])
        for p in range(parameters):
            t = theta[p]
            for k in range(lanes):
                t[k] = t[k] * keep[k]
    for k in range(lanes):  # Adam's and AdamW's alone
        beta2 = hyper[BETA2, k]
        square[k], correction[k] = np.float32(1 - beta2), np.float32(math.sqrt(1 - beta2 ** step))
    for p in range(parameters):
        t, m, v, g = theta[p], first[p], second[p], grads32[p]
        for k in range(lanes):
            grad = g[k]
            m[k] = kernels._lerp(m[k], grad, lerp[k])
            v[k] = v[k] * keep2[k] + square[k] * grad * grad
            denominator = np.float32(math.sqrt(v[k])) / correction[k] + ADAM_EPS
            t[k] = t[k] + step_size[k] * m[k] / denominator


@njit(**JIT, inline="always")
def _optimize(plan_row, rates, hyper, theta, first, second, step, lanes, grads, grads32, scale):
    """One optimizer step of every lane, as kernels._optimize; step: the step's number (1-based),
    the same in every lane. grads32 and scale: scratch, (parameters, lanes) and (6, lanes) float32."""
    optimizer = plan_row[OPTIMIZER]
    parameters = theta.shape[0]
    for p in range(parameters):  # float32 first: a loop that mixes float64 and float32 vectorised only from 24 lanes
        for k in range(lanes):
            grads32[p, k] = np.float32(grads[p, k])
    if optimizer in (ADAM, ADAMW, ADAMAX):
        _adam_family(optimizer, rates, hyper, theta, first, second, step, lanes, grads32, scale)
        return
    alpha = scale[0]
    for k in range(lanes):
        alpha[k] = np.float32(-rates[k])
    if optimizer in (RMSPROP, ADAGRAD):
        keep, square, eps = (RMSPROP_KEEP, RMSPROP_SQUARE, RMSPROP_EPS) if optimizer == RMSPROP else (F1, F1, ADAGRAD_EPS)
        for p in range(parameters):
            t, v, g = theta[p], second[p], grads32[p]
            for k in range(lanes):
                grad = g[k]
                v[k] = v[k] * keep + square * grad * grad
                t[k] = t[k] + alpha[k] * grad / (np.float32(math.sqrt(v[k])) + eps)
        return
    momentum, nesterov = scale[1], scale[2]
    for k in range(lanes):
        momentum[k], nesterov[k] = np.float32(hyper[MOMENTUM, k]), np.float32(hyper[NESTEROV, k] != 0.0)
    for p in range(parameters):
        t, b, g = theta[p], first[p], grads32[p]
        for k in range(lanes):
            grad = g[k]
            if momentum[k] != F0:
                buffer = grad if step == 1 else b[k] * momentum[k] + grad
                b[k] = buffer
                grad = grad + buffer * momentum[k] if nesterov[k] != F0 else buffer
            t[k] = t[k] + alpha[k] * grad


@njit(**JIT, inline="always")
def _gather(x, y, labels, orders, start, rows, lanes, acts, ys, lane_labels):
    """Each lane's rows of the batch: inputs into the first units of acts, targets into ys and
    lane_labels. orders: (1 or lanes, rows in all)."""
    shared = orders.shape[0] == 1
    for r in range(rows):
        for k in range(lanes):
            row = orders[0 if shared else k, start + r]
            for i in range(x.shape[1]):
                acts[i, r, k] = x[row, i]
            for o in range(y.shape[1]):
                ys[o, r, k] = y[row, o]
            lane_labels[r, k] = labels[row]


@njit(**JIT)
def _evaluate(plan_row, theta, first_unit, x, y, labels, hard_labels, lanes, buffers, losses, rights):
    """Each lane's mean loss and accuracy on (x, y) into losses and rights, as kernels._evaluate."""
    acts, zs, dz, acc, ys, lane_labels, total, correct, _ = buffers
    n = x.shape[0]
    order = np.arange(n).reshape(1, n)
    losses[:lanes] = 0.0
    rights[:lanes] = 0.0
    chunk = acts.shape[1]
    for start in range(0, n, chunk):
        rows = min(chunk, n - start)
        _gather(x, y, labels, order, start, rows, lanes, acts, ys, lane_labels)
        _forward(plan_row, theta, first_unit, acts, zs, rows, lanes, acc)
        _loss(plan_row, first_unit, acts, zs, ys, lane_labels, rows, lanes, hard_labels, dz, total, correct)
        for k in range(lanes):
            losses[k] += total[k]
            rights[k] += correct[k]
    per_row = 1 if plan_row[LOSS] == CROSS_ENTROPY else plan_row[WIDTHS + plan_row[LAYERS]]
    for k in range(lanes):
        losses[k] = losses[k] / (n * per_row)
        rights[k] = rights[k] / n


@njit(**JIT)
def train_lanes(plan_row, rates, hyper, memory, step, diverged_at, data, hard_labels, orders, epoch_start, epoch_stop,
                metrics, flow):
    """Train the lanes of one shape (plan_row, as kernels' plan) through epochs epoch_start to
    epoch_stop - 1; updated in place.

    rates: (this call's epochs, lanes). hyper: (kernels.HYPER columns, lanes). memory: theta,
    first, second, last_good, each (parameters, lanes) float32. step: the optimizer steps taken so
    far (every lane's). orders: (1 or lanes, 1 or this call's epochs, rows). metrics: (lanes, this
    call's epochs, 4); flow: (lanes, this call's epochs, Linear layers or more). A lane whose
    metrics turn non-finite gets its last finite weights back and its 1-based epoch in
    diverged_at, as in kernels.train_epochs; lanes with diverged_at set still compute (a vector
    has every lane) but nothing of theirs is kept. Returns the steps taken in all."""
    # worked on in copies: arrays the compiler sees made here alias nothing, so its loops check less
    theta, first, second, last_good = memory[0].copy(), memory[1].copy(), memory[2].copy(), memory[3].copy()
    x_train, y_train, labels_train, x_test, y_test, labels_test = data
    lanes, layers = theta.shape[1], plan_row[LAYERS]
    n, batch = x_train.shape[0], plan_row[BATCH]
    first_unit, buffers, dh, wide, grads, grads32, scale = _scratch(plan_row, x_test.shape[0], y_train.shape[1],
                                                                    theta.shape[0], lanes)
    acts, zs, dz, acc, ys, lane_labels, total, correct, sums = buffers
    epoch_total, epoch_correct, test_loss, test_acc = np.empty(lanes), np.empty(lanes), np.empty(lanes), np.empty(lanes)
    epoch_flow = np.empty((max(1, layers), lanes))
    per_row = 1 if plan_row[LOSS] == CROSS_ENTROPY else plan_row[WIDTHS + layers]
    for epoch in range(epoch_start, epoch_stop):
        order = orders[:, min(epoch - epoch_start, orders.shape[1] - 1)]
        epoch_total[:] = 0.0
        epoch_correct[:] = 0.0
        epoch_flow[:] = 0.0
        for start in range(0, n, batch):
            rows = min(batch, n - start)
            _gather(x_train, y_train, labels_train, order, start, rows, lanes, acts, ys, lane_labels)
            _forward(plan_row, theta, first_unit, acts, zs, rows, lanes, acc)
            _loss(plan_row, first_unit, acts, zs, ys, lane_labels, rows, lanes, hard_labels, dz, total, correct)
            for k in range(lanes):  # torch: the batch's float32 mean x rows
                epoch_total[k] += np.float64(np.float32(total[k] / (rows * per_row))) * rows
                epoch_correct[k] += correct[k]
            grads[:] = 0.0
            _backward(plan_row, theta, first_unit, acts, zs, rows, lanes, dz, dh, grads, wide)
            _regularise_and_measure(plan_row, theta, hyper, lanes, grads, epoch_flow, sums)
            step += 1
            _optimize(plan_row, rates[epoch - epoch_start], hyper, theta, first, second, step, lanes, grads, grads32, scale)
        if x_test.shape[0]:
            _evaluate(plan_row, theta, first_unit, x_test, y_test, labels_test, hard_labels, lanes, buffers, test_loss,
                      test_acc)
        epoch_flow /= (n + batch - 1) // batch  # the mean over the epoch's steps
        _end_epoch(epoch, epoch - epoch_start, epoch_total / n, epoch_correct / n, test_loss, test_acc,
                   x_test.shape[0] > 0, hard_labels, epoch_flow, layers, theta, last_good, diverged_at, metrics, flow)
    for k in range(lanes):  # a lane that stopped computed on: its weights are its last finite ones
        if diverged_at[k]:
            theta[:, k] = last_good[:, k]
    memory[0][:], memory[1][:], memory[2][:], memory[3][:] = theta, first, second, last_good
    return step


@njit(**JIT, inline="always")  # inlined, so the compiler sees fresh arrays that alias nothing
def _scratch(plan_row, test_rows, outputs, parameters, lanes):
    """Each layer's first unit, and every array a call of train_lanes works in."""
    first_unit, widest, rows_max = kernels.layout(plan_row, test_rows)
    units = first_unit[plan_row[LAYERS] + 1]
    buffers = (np.empty((units, rows_max, lanes), np.float32),  # acts
               np.empty((units, rows_max, lanes), np.float32),  # zs
               np.empty((widest, rows_max, lanes), np.float32),  # dz
               np.empty((rows_max, lanes), np.float64),  # acc
               np.empty((outputs, rows_max, lanes), np.float32),  # ys
               np.empty((rows_max, lanes), np.int64),  # lane_labels
               np.empty(lanes, np.float64),  # total
               np.empty(lanes, np.int64),  # correct
               np.empty(lanes, np.float64))  # sums
    dh = np.empty((widest, rows_max, lanes), np.float64)
    wide = (np.empty((widest, rows_max, lanes)), np.empty((widest, rows_max, lanes)), np.empty((parameters, lanes)),
            np.empty(lanes))
    return (first_unit, buffers, dh, wide, np.empty((parameters, lanes), np.float64),
            np.empty((parameters, lanes), np.float32), np.empty((6, lanes), np.float32))


@njit(**JIT, inline="always")
def _end_epoch(epoch, column, train_loss, train_acc, test_loss, test_acc, tested, hard_labels, epoch_flow, layers,
               theta, last_good, diverged_at, metrics, flow):
    """Each going lane's metrics and gradient flow for the epoch; a lane whose metrics are not
    finite goes back to its last finite weights and stops, as in kernels._train_model."""
    for k in range(theta.shape[1]):
        if diverged_at[k]:
            continue
        row = metrics[k, column]
        for layer in range(layers):
            flow[k, column, layer] = epoch_flow[layer, k]
        row[TRAIN_LOSS] = train_loss[k]
        row[TRAIN_ACC] = train_acc[k] if hard_labels else np.nan
        row[TEST_LOSS], row[TEST_ACC] = np.nan, np.nan
        finite = math.isfinite(row[TRAIN_LOSS])
        if tested:
            row[TEST_LOSS] = test_loss[k]
            row[TEST_ACC] = test_acc[k] if hard_labels else np.nan
            finite = finite and math.isfinite(row[TEST_LOSS])
        if finite:
            last_good[:, k] = theta[:, k]
        else:
            theta[:, k] = last_good[:, k]
            diverged_at[k] = epoch + 1
