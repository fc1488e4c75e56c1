"""A run's result depends on its Experiment alone: runs started at the same moment in other
threads, and anything else drawing from torch's global generator meanwhile, change nothing."""

import threading

import pytest
import torch
from test_engines import assert_same_run

import nnlab
from nnlab.training.comparison import with_activation
from nnlab.training.trainer import train_many

THREADS = 8


def noisy_global_generator(stop: threading.Event) -> None:
    """What other code in the server might do: reseed and draw from torch's global generator."""
    seed = 0
    while not stop.is_set():
        torch.manual_seed(seed)
        torch.rand(64)
        seed += 1


@pytest.mark.parametrize("engine, epochs", [("compiled", 400), ("autograd", 15)])
def test_eight_threads_training_at_the_same_moment_each_get_the_run_they_get_alone(engine, epochs):
    lesson = nnlab.lessons.get("bump-twenty-neurons")
    runs = {seed: lesson.replace(seed=seed) for seed in range(THREADS)}
    stacks = {seed: [with_activation(lesson, act, seed) for act in ("relu", "tanh")] for seed in range(THREADS)}

    def train(seed: int):
        """Even seeds train one network, odd ones a stack of two (Compare's way, split over cores)."""
        if seed % 2:
            return train_many(stacks[seed], epochs=epochs)
        return [nnlab.train(runs[seed], epochs=epochs, engine=engine)]

    alone = {seed: train(seed) for seed in range(THREADS)}
    def work(seed: int, start: threading.Barrier, results: dict) -> None:
        start.wait()
        results[seed] = train(seed)

    for _ in range(2):
        start, stop, results = threading.Barrier(THREADS), threading.Event(), {}
        noise = threading.Thread(target=noisy_global_generator, args=(stop,))
        noise.start()
        threads = [threading.Thread(target=work, args=(seed, start, results)) for seed in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stop.set()
        noise.join()
        for seed in range(THREADS):
            assert len(results[seed]) == len(alone[seed])
            for together, by_itself in zip(results[seed], alone[seed], strict=True):
                assert_same_run(together, by_itself)


def test_building_a_model_leaves_the_global_generator_alone():
    state = torch.get_rng_state()
    nnlab.build_model(nnlab.lessons.get("bump-two-layers"), 1, 1)
    nnlab.export_script(nnlab.lessons.get("bump-two-layers"), epochs=2)
    nnlab.train(nnlab.lessons.get("bump-two-layers"), epochs=2)
    assert torch.equal(state, torch.get_rng_state())
