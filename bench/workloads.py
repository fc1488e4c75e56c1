"""Workloads from the lessons' size to far beyond it, for timing engines and devices side by side."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from functools import cached_property

import torch

import nnlab
from nnlab import DataSpec, Experiment, ModelSpec, TrainSpec
from nnlab.data.datasets import Data
from nnlab.training.engine import autograd, compiled
from nnlab.training.engine.choose import flops_per_step


@dataclass
class Workload:
    name: str
    build: callable  # () -> (experiments, data)
    epochs: int  # timed per repeat; results are per epoch

    @cached_property
    def runs(self) -> tuple[list[Experiment], Data]:
        return self.build()

    @property
    def flops_per_step(self) -> float:
        exps, data = self.runs
        return len(exps) * flops_per_step(exps[0], data)


def _lesson(lesson_id: str):
    exp = nnlab.lessons.get(lesson_id)
    return lambda: ([exp], nnlab.load_data(exp))


def _random_table(rows: int, features: int, classes: int, hidden: tuple[int, ...], batch: int, models: int = 1):
    def build():
        generator = torch.Generator().manual_seed(0)
        x = torch.randn(rows, features, generator=generator)
        y = torch.randint(0, classes, (rows,), generator=generator)
        task = "multiclass" if classes > 2 else "binary"
        target = y if task == "multiclass" else y.float().reshape(-1, 1)
        data = Data(x, target, x[:0], target[:0], [f"f{i}" for i in range(features)], "label", task,
                    [str(c) for c in range(classes)])
        loss = "cross_entropy" if task == "multiclass" else "bce_logits"
        exps = [
            Experiment(
                data=DataSpec(name="gauss"),
                model=ModelSpec(hidden=hidden, activations=("relu",) * len(hidden)),
                training=TrainSpec(loss=loss, optimizer="adam", learning_rate=0.001, epochs=1, batch_size=batch),
                seed=seed,
            )
            for seed in range(models)
        ]
        return exps, data

    return build


def _spiral():
    exp = Experiment(
        data=DataSpec(name="spiral", n_points=5000),
        model=ModelSpec(hidden=(64, 64, 64), activations=("tanh",) * 3),
        training=TrainSpec(loss="bce", optimizer="adam", learning_rate=0.01, epochs=1, batch_size=64),
    )
    return [exp], nnlab.load_data(exp)


WORKLOADS = [
    Workload("step lesson: 1-2-1, batch 1", _lesson("step-two-neurons"), 20),
    Workload("bump lesson: 1-20-1, batch 32", _lesson("bump-twenty-neurons"), 200),
    Workload("heart lesson: 12-5-1, full batch", _lesson("tabular-relu"), 200),
    Workload("spiral 5k points: 3x64, batch 64", _spiral, 2),
    Workload("20k points: 2x128, batch 128", _random_table(20_000, 20, 10, (128, 128), 128), 1),
    Workload("40k points: 2x256, batch 256", _random_table(40_000, 20, 10, (256, 256), 256), 1),
    Workload("60k points: 3x256, batch 256", _random_table(60_000, 20, 10, (256, 256, 256), 256), 1),
    Workload("100 models 2-16-1 on 10k points", _random_table(10_000, 2, 2, (16,), 100, models=100), 1),
]


def time_engine(workload: Workload, engine: str, device: str, repeats: int) -> float:
    """Median seconds per epoch of `workload` trained by `engine` on `device`."""
    exps, data = workload.runs

    def run():
        if engine == "compiled":
            compiled.train(exps, data, workload.epochs, "bench", keep_snapshots=False)
        else:
            moved = torch.device(device)
            for exp in exps:
                autograd.train(exp, data, workload.epochs, moved, "bench")
            if moved.type == "cuda":
                torch.cuda.synchronize()

    run()  # warm-up: first calls allocate and, on a GPU, initialise the context
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) / workload.epochs)
    return statistics.median(times)
