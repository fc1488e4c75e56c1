"""How a run is trained: two engines behind one choice.

- `autograd`: the plain torch loop, the reference; any setting, any device.
- `compiled`: Numba kernels (`kernels`) that train whole stacks of small networks per call.
- `choose`: which of the two, on which device, and why, for a given piece of work.
"""

from nnlab.training.engine.choose import EngineChoice, choose, flops_per_step
from nnlab.training.engine.compiled import supports

__all__ = ["EngineChoice", "choose", "flops_per_step", "supports"]
