"""Every field of every spec, set to other values than usual: a link carries it, its exported script
reproduces nnlab's final loss (within 1e-3), and the engine auto picks gives the autograd reference's
run (within 1e-4) or says why it fell back to autograd. A new field fails here until it has a
variant below."""

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from test_optimizers import CASES as OPTIMIZER_CASES

import nnlab
from nnlab import DataSpec, Experiment, ModelSpec, TrainSpec, links
from nnlab.choices import ACTIVATIONS, DATASETS, INITIALIZERS, OPTIMIZERS, SCHEDULES
from nnlab.experiment import DRAWN, SETTINGS
from nnlab.export import data_csv, data_file_name, export_script
from nnlab.study import hand
from nnlab.training.trainer import fit_loss_to_task

BASE = Experiment(
    data=DataSpec(name="xor", n_points=80, train_fraction=0.75),
    model=ModelSpec(hidden=(6,), activations=("tanh",)),
    training=TrainSpec(loss="bce", optimizer="adam", learning_rate=0.02, epochs=12, batch_size=16, snapshot_every=4),
    seed=1,
)


def _upload() -> str:
    rows = "\n".join(f"{i % 7},{(i * 3) % 5},{(i % 7) * 2.5 - (i * 3) % 5}" for i in range(60))
    return nnlab.data.tables.store_upload(f"a,b,value\n{rows}".encode())


def _csv(base: Experiment) -> Experiment:
    return base.replace(data={"name": "csv", "source": _upload(), "target": "value"}, training={"loss": "mse"})


# Digits at BASE's batch of 16 is chaotic: float32 rounding (torch's blocked sums against the
# kernels' float64 ones) grows from 1e-7 to 20% of the loss in 12 epochs. At 128 rows a step the
# engines agree to 1e-6 (measured), which is what this walk checks.
STEADY = {"digits": {"batch_size": 128}}
# spec -> field -> the experiments that set it otherwise (functions of BASE)
VARIANTS = {
    DataSpec: {
        "name": [lambda b, n=name: b.replace(data={"name": n}, training=STEADY.get(n, {}))
                 for name in DATASETS if name not in ("csv", BASE.data.name, *DRAWN)],  # the drawn ones: "drawing"
        "noise": [lambda b: b.replace(data={"noise": 0.5})],
        "n_points": [lambda b: b.replace(data={"n_points": 40})],
        "train_fraction": [
            lambda b: b.replace(data={"train_fraction": 1.0}),
            lambda b: b.replace(data={"train_fraction": 0.5}),
        ],
        "source": [_csv],
        "target": [_csv],
        "seed": [lambda b: b.replace(data={"seed": 7})],
        "crosses": [lambda b: b.replace(data={"crosses": ("x1^2", "sin(x2)")})],
        "drawing": [
            lambda b: b.replace(data={"name": "drawn_points", "drawing": nnlab.data.drawing.encode(nnlab.data.drawing.points_from(
                np.linspace(-5, 5, 30), np.cos(np.linspace(0, 6, 30)) * 4, np.arange(30) % 2, values=False))}),
            lambda b: b.replace(data={"name": "drawn_curve", "drawing": nnlab.data.drawing.encode(
                nnlab.data.drawing.preset_curve("abs"))}, training={"loss": "mse"}),
        ],
    },
    ModelSpec: {
        "hidden": [
            lambda b: b.replace(model={"hidden": (3, 5, 4), "activations": ("tanh",) * 3}),
            lambda b: b.replace(model={"hidden": (), "activations": ()}),
        ],
        "init": [lambda b, name=name: b.replace(model={"init": name}) for name in INITIALIZERS if name != "default"],
        "dropout": [lambda b: b.replace(model={"dropout": (0.3,)})],
        "start": [lambda b: hand.with_weight(b, nnlab.load_data(b), 1, 0, 0, 0.7)],  # a weight set by hand, in the link
        "activations": [
            lambda b, a=act: b.replace(model={"activations": (a,)})
            for act in ACTIVATIONS
            if act != BASE.model.activations[0]
        ],
    },
    TrainSpec: {
        "loss": [
            lambda b: b.replace(training={"loss": "bce_logits"}),
            lambda b: b.replace(training={"loss": "mse"}),
            lambda b: b.replace(data={"name": "iris"}, training={"loss": "cross_entropy"}),
        ],
        "optimizer": [
            lambda b, o=opt: b.replace(training={"optimizer": o})
            for opt in OPTIMIZERS
            if opt != BASE.training.optimizer
        ],
        "learning_rate": [lambda b: b.replace(training={"learning_rate": 0.3})],
        # an optimizer's hyperparameters: the cases test_optimizers checks against torch.optim
        **{row.field: [lambda b, t=training: b.replace(training=t) for training, _ in OPTIMIZER_CASES
                       if row.field in training] for row in SETTINGS.values() if row.optimizers},
        "epochs": [lambda b: b.replace(training={"epochs": 5})],
        "batch_size": [
            lambda b: b.replace(training={"batch_size": None}),
            lambda b: b.replace(training={"batch_size": 1}),
        ],
        "shuffle": [lambda b: b.replace(training={"shuffle": True})],
        "schedule": [lambda b, name=name: b.replace(training={"schedule": name}) for name in SCHEDULES if name != "constant"],
        "l2": [lambda b: b.replace(training={"l2": 0.01})],
        "l1": [lambda b: b.replace(training={"l1": 0.005})],
        "snapshot_every": [lambda b: b.replace(training={"snapshot_every": 3})],
    },
    Experiment: {
        "data": [lambda b: b.replace(data=DataSpec(name="circle", n_points=60, train_fraction=0.8))],
        "model": [lambda b: b.replace(model=ModelSpec(hidden=(4, 4), activations=("relu", "sigmoid")))],
        "training": [
            lambda b: b.replace(
                training=TrainSpec(loss="mse", optimizer="sgd", momentum=0.9, learning_rate=0.05, epochs=8, batch_size=20)
            )
        ],
        "seed": [lambda b: b.replace(seed=9)],
    },
}
CASES = [
    (spec.__name__, field, index, make)
    for spec, fields in VARIANTS.items()
    for field, makes in fields.items()
    for index, make in enumerate(makes)
]


IDS = [f"{spec}.{field}-{index}" for spec, field, index, _ in CASES]
# Runs every exported script in one isolated Python (no nnlab importable), each in its own folder.
RUNNER = """\
import contextlib, io, json, os, runpy, sys, traceback
results = {}
for folder in sys.argv[1:]:
    os.chdir(folder)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path("train.py", run_name="__main__")
        results[folder] = out.getvalue().strip().splitlines()[-1]
    except Exception:
        results[folder] = traceback.format_exc()
print(json.dumps(results))
"""


def variant(case) -> Experiment:
    *_, make = case
    exp = make(BASE)
    return fit_loss_to_task(exp, nnlab.load_data(exp).task)


@pytest.fixture(scope="module")
def exported_losses(tmp_path_factory) -> dict[str, str]:
    """Each case's exported script's last line, by case id."""
    root = tmp_path_factory.mktemp("exported")
    folders = {}
    for case_id, case in zip(IDS, CASES, strict=True):
        exp, folder = variant(case), root / case_id
        folder.mkdir()
        (folder / "train.py").write_text(export_script(exp))
        if data_file_name(exp):
            (folder / data_file_name(exp)).write_bytes(data_csv(exp))
        folders[str(folder)] = case_id
    (root / "runner.py").write_text(RUNNER)
    done = subprocess.run([sys.executable, "-I", str(root / "runner.py"), *folders], cwd=root, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return {folders[folder]: line for folder, line in json.loads(done.stdout.strip().splitlines()[-1]).items()}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_link_carries_every_variant(case):
    exp = variant(case)
    assert links.from_query(links.to_query(exp)) == exp


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_variants_exported_script_reproduces_nnlabs_final_loss(case, exported_losses):
    last = exported_losses[IDS[CASES.index(case)]]
    assert last.startswith("final train loss: "), last
    exp = variant(case)
    assert float(last.removeprefix("final train loss: ")) == pytest.approx(
        nnlab.train(exp).history["train_loss"].iloc[-1], rel=1e-3)


@pytest.mark.parametrize("spec", list(VARIANTS), ids=lambda spec: spec.__name__)
def test_every_field_of_every_spec_has_variants(spec):
    assert {field.name for field in dataclasses.fields(spec)} == set(VARIANTS[spec])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_auto_gives_the_autograd_run_or_says_why_not(case):
    exp = variant(case)
    assert exp != BASE
    auto = nnlab.train(exp, device="auto")
    reference = nnlab.train(exp, device="cpu", engine="autograd")
    if auto.engine == "autograd":  # an explicit fallback, with its reason
        assert "PyTorch autograd:" in auto.reason and "requested" not in auto.reason
    assert list(auto.history.columns) == list(reference.history.columns)
    np.testing.assert_allclose(auto.history.to_numpy(), reference.history.to_numpy(), rtol=1e-4, atol=1e-5)
    for name, tensor in reference.model.state_dict().items():
        assert (auto.model.state_dict()[name] - tensor).abs().max().item() <= 1e-4, name
    assert sorted(auto.snapshots) == sorted(reference.snapshots)
    assert list(auto.gradient_flow.columns) == ["epoch", "layer", "mean_abs_grad"]
    np.testing.assert_allclose(auto.gradient_flow.to_numpy(), reference.gradient_flow.to_numpy(), rtol=1e-3, atol=1e-7)


RECORD_ONLY = {"snapshot_every"}  # fields that change what a run records, not what it learns


@pytest.fixture(scope="module")
def base_run():
    return nnlab.train(BASE)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_variant_changes_what_the_run_learns(case, base_run):
    """A field that nothing reads passes the walks above (its link, export and engines agree on a run
    it never changed): here each variant must end on other weights than the base run's."""
    run = nnlab.train(variant(case))
    if case[1] in RECORD_ONLY:
        assert sorted(run.snapshots) != sorted(base_run.snapshots)
        return
    ours, base = run.model.state_dict(), base_run.model.state_dict()
    assert ours.keys() != base.keys() or any(
        ours[name].shape != base[name].shape or not torch.equal(ours[name], base[name]) for name in ours), case[:2]
