"""The compiled engine's own float32 exp, sigmoid and tanh against exact values and torch's."""

import numpy as np
import pytest
import torch
from numba import njit

from nnlab.training.engine import kernels

FUNCTIONS = {"exp": kernels.exp32, "sigmoid": kernels.sigmoid32, "tanh": kernels.tanh32}


@njit
def _apply(which, x, out):
    for i in range(x.shape[0]):
        out[i] = kernels.exp32(x[i]) if which == 0 else kernels.sigmoid32(x[i]) if which == 1 else kernels.tanh32(x[i])


def apply(name: str, x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    _apply(list(FUNCTIONS).index(name), x, out)
    return out


def ulps_apart(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How many float32 values lie between a and b."""
    def ordered(values):
        bits = values.astype(np.float32).view(np.int32).astype(np.int64)
        return np.where(bits < 0, -(bits & 0x7FFFFFFF), bits)
    return np.abs(ordered(a) - ordered(b))


# every float32 region that matters: tiny, ordinary, saturating, overflowing and denormal results
POINTS = np.concatenate([np.linspace(-110, 95, 2_000_001, dtype=np.float32),
                         np.float32([0.0, -0.0, 1e-30, -1e-30, 0.625, -0.625, 88.72, 88.73, -87.3, -103.9])])


@pytest.mark.parametrize("name, exact", [("exp", np.exp), ("tanh", np.tanh)])
def test_exp_and_tanh_are_within_one_ulp_of_the_exact_value(name, exact):
    with np.errstate(over="ignore"):
        expected = exact(POINTS.astype(np.float64)).astype(np.float32)
    assert ulps_apart(apply(name, POINTS), expected).max() <= 1


def test_sigmoid_is_within_four_ulp_of_torch_and_saturates_exactly_where_torch_does():
    ours, theirs = apply("sigmoid", POINTS), torch.sigmoid(torch.from_numpy(POINTS)).numpy()
    assert ulps_apart(ours, theirs).max() <= 4
    # Adam turns a gradient of 1e-12 into a whole step: 0 and 1 must be exact where torch's are
    for bound in (0.0, 1.0):
        assert np.array_equal(ours == bound, theirs == bound)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_nan_stays_nan_and_infinities_give_the_limits(name):
    out = apply(name, np.float32([np.nan, np.inf, -np.inf]))
    assert np.isnan(out[0])
    expected = {"exp": [np.inf, 0.0], "sigmoid": [1.0, 0.0], "tanh": [1.0, -1.0]}[name]
    assert out[1:].tolist() == expected
