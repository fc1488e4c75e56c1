"""auto's choice of engine and device: the one place it is made, with its reason in words."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from nnlab.choices import LOSSES_FOR_TASK
from nnlab.data.datasets import Data
from nnlab.errors import ConfigError
from nnlab.experiment import Experiment
from nnlab.i18n import N_, msg
from nnlab.training.engine.compiled import effective_batch, supports

ENGINES = ("auto", "compiled", "autograd")
# Measured by `python -m bench` (docs/performance.md), per model and optimizer step: below
# COMPILED_MAX_FLOPS_PER_STEP the compiled engine wins (per-step overhead, not arithmetic, sets
# the pace, and a compiled loop has almost none); above it torch's matrix kernels win. Measured:
# compiled 2.4x faster at 3.3e6, autograd 1.6x faster at 1.6e7; the crossover is near 9e6.
COMPILED_MAX_FLOPS_PER_STEP = 8e6
# A GPU pays off its launch overhead only from GPU_MIN_FLOPS_PER_STEP (all models of a call
# together): a placeholder until the crossover is measured on a GPU machine.
GPU_MIN_FLOPS_PER_STEP = 5e7


@dataclass(frozen=True)
class EngineChoice:
    engine: str  # "compiled" or "autograd"
    device: torch.device
    reason: str  # for the readout: why this device and this engine


def flops_per_step(exp: Experiment, data: Data, rows: int | None = None) -> float:
    """Arithmetic in one optimizer step (of a batch, or of `rows` rows): about 6 FLOP per weight per
    row, forward and backward."""
    sizes = [data.n_features, *exp.model.hidden, data.n_outputs]
    weights = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    return 6.0 * weights * (rows or effective_batch(exp, data))


def accelerator() -> str | None:
    """The GPU torch can use here, if any."""
    if torch.cuda.is_available():
        return "cuda"
    return "mps" if torch.backends.mps.is_available() else None


def choose(exps: list[Experiment], data: Data, device: str = "auto", engine: str = "auto") -> EngineChoice:
    """The engine and device to train `exps` (models that share `data`) with, and why; a
    ConfigError if they cannot be trained (a loss that does not fit the data's target, an engine
    or device that is not here)."""
    for exp in exps:
        allowed = LOSSES_FOR_TASK[data.task]
        if exp.training.loss not in allowed:
            raise ConfigError(msg("The loss {loss!r} does not fit a {task} target; use {value}.", loss=exp.training.loss,
                                  task=data.task, value=' or '.join(repr(name) for name in allowed)))
    if engine not in ENGINES:
        raise ConfigError(msg("Unknown engine {engine!r}; use 'auto', 'compiled' or 'autograd'.", engine=engine))
    gpu = accelerator()
    if device not in ("auto", "cpu") and device != gpu:
        raise ConfigError(msg("Device {device!r} is not available here; use 'auto' or 'cpu'.", device=device))
    total = sum(flops_per_step(exp, data) for exp in exps)
    if device != "auto":
        device_name, where = device, msg("{device}: requested.", device=device.upper())
    elif gpu and engine != "compiled" and total >= GPU_MIN_FLOPS_PER_STEP:
        device_name, where = gpu, msg("{device}: {flops:,.0f} FLOP per step, enough to keep the GPU busy.",
                                      device=gpu.upper(), flops=total)
    elif gpu:
        device_name, where = "cpu", msg("CPU: {flops:,.0f} FLOP per step is too little work for the GPU to pay off its "
                                        "launch overhead.", flops=total)
    else:
        device_name, where = "cpu", N_("CPU: no GPU on this machine.")

    unsupported = next((why for ok, why in map(supports, exps) if not ok), "")
    per_model = max(flops_per_step(exp, data) for exp in exps)
    if engine == "compiled":
        if device_name != "cpu":
            raise ConfigError(N_("The compiled engine runs on the CPU only; use device='cpu'."))
        if unsupported:
            raise ConfigError(msg("This run needs the autograd engine: {unsupported}.", unsupported=unsupported))
        return EngineChoice("compiled", torch.device("cpu"), msg("{where} Compiled engine: requested.", where=where))
    if engine == "autograd":
        why = N_("requested")
    elif device_name != "cpu":
        why = N_("the compiled engine runs on the CPU only")
    elif unsupported:
        why = unsupported
    elif per_model >= COMPILED_MAX_FLOPS_PER_STEP:
        why = msg("at {flops:,.0f} FLOP a step torch's matrix kernels set the pace", flops=per_model)
    else:
        return EngineChoice("compiled", torch.device("cpu"),
                            msg("{where} Compiled engine (Numba): at this size per-step overhead, not arithmetic, sets "
                                "the pace, and one compiled loop has almost none.", where=where))
    return EngineChoice("autograd", torch.device(device_name), msg("{where} PyTorch autograd: {why}.", where=where, why=why))
