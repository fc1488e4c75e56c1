"""Tools for looking closer: one training step taken apart by hand, optimizers racing on surfaces, and
a trained network's loss surface. Its modules load on first use
(`nnlab.study.X` works without importing X).
"""

from nnlab.lazy import exports

__getattr__, __dir__ = exports(__name__, {})
