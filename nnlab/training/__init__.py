"""Training a run: the model, the one training loop, its two engines, the server's run queue and result
cache, and the studies that train many runs (compare, sweep). Its modules load on first use
(`nnlab.training.X` works without importing X).
"""

from nnlab.lazy import exports

__getattr__, __dir__ = exports(__name__, {})
