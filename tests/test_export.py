"""export_script: each exported script, run where nnlab cannot be imported, ends with nnlab's loss."""

from __future__ import annotations

import ast
import io
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

import nnlab
from nnlab.data.tables import store_upload
from nnlab.export import data_csv, data_file_name, experiment_json, export_script, history_csv, weights_file
from nnlab.training.models import bring_back

# Fewer epochs where the full lesson would take the plain torch loop more than a few seconds.
LESSON_EPOCHS = {"step-two-neurons": 40, "bump-twenty-neurons": 300, "bump-two-layers": 300}
HOSTILE = ["a'b", 'c"d', "e\\f", "g,h", "__import__('os').system('touch pwned')", '"""; x = 1 #']


def run_exported(exp: nnlab.Experiment, epochs: int | None, folder) -> tuple[str, float]:
    """Write the script (and its CSV) into `folder`, run it isolated from nnlab, return output and loss."""
    (folder / "train.py").write_text(export_script(exp, epochs))
    if data_file_name(exp):
        (folder / data_file_name(exp)).write_bytes(data_csv(exp))
    # -I: no current directory or PYTHONPATH on sys.path, so only torch and pandas are importable
    done = subprocess.run([sys.executable, "-I", "train.py"], cwd=folder, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("final train loss: ")
    return done.stdout, float(last.removeprefix("final train loss: "))


def nnlab_loss(exp: nnlab.Experiment, epochs: int | None) -> float:
    return float(nnlab.train(exp, epochs).history["train_loss"].iloc[-1])


def test_nnlab_is_not_importable_where_the_scripts_run(tmp_path):
    done = subprocess.run([sys.executable, "-I", "-c", "import nnlab"], cwd=tmp_path, capture_output=True)
    assert done.returncode != 0


@pytest.mark.parametrize("lesson_id", nnlab.lessons.names())
def test_every_lessons_script_reproduces_nnlabs_final_loss(lesson_id, tmp_path):
    exp = nnlab.lessons.get(lesson_id)
    epochs = LESSON_EPOCHS.get(lesson_id)
    output, loss = run_exported(exp, epochs, tmp_path)
    assert loss == pytest.approx(nnlab_loss(exp, epochs), rel=1e-3)
    assert f"/{epochs or exp.training.epochs}" in output  # it printed progress on the way


def test_a_lesson_script_names_its_tutorial_settings():
    script = export_script(nnlab.lessons.get("bump-twenty-neurons"))
    assert "nn.BCELoss()" in script and "torch.optim.Adam(model.parameters(), lr=0.01)" in script
    assert "BATCH_SIZE = 32" in script and "EPOCHS = 7000" in script and "import pandas" not in script


@pytest.mark.parametrize(
    "exp",
    [
        nnlab.Experiment(
            data=nnlab.DataSpec(name="circle", noise=0.2, train_fraction=0.7, crosses=("x1^2", "x1*x2", "sin(x2)")),
            model=nnlab.ModelSpec(hidden=(4,), activations=("tanh",)),
            training=nnlab.TrainSpec(
                loss="bce", optimizer="adam", learning_rate=0.03, epochs=40, batch_size=16, shuffle=True
            ),
        ),
        nnlab.Experiment(
            data=nnlab.DataSpec(name="iris", train_fraction=0.8),
            model=nnlab.ModelSpec(hidden=(6,), activations=("relu",)),
            training=nnlab.TrainSpec(
                loss="cross_entropy", optimizer="sgd", momentum=0.9, learning_rate=0.05, epochs=60, batch_size=8
            ),
            seed=3,
        ),
        nnlab.Experiment(
            data=nnlab.DataSpec(name="spiral", n_points=300, train_fraction=1.0),
            model=nnlab.ModelSpec(hidden=(8, 8), activations=("elu", "leaky_relu")),
            training=nnlab.TrainSpec(loss="bce_logits", optimizer="sgd", learning_rate=0.1, epochs=60, batch_size=32),
        ),
        nnlab.Experiment(
            data=nnlab.DataSpec(name="drawn_points", noise=0.1, train_fraction=0.8, drawing=nnlab.data.drawing.encode(
                nnlab.data.drawing.points_from(np.linspace(-5, 5, 40), np.sin(np.linspace(0, 9, 40)) * 4,
                                          np.arange(40) % 3, values=False))),
            model=nnlab.ModelSpec(hidden=(6,), activations=("tanh",)),
            training=nnlab.TrainSpec(loss="cross_entropy", learning_rate=0.03, epochs=40, batch_size=8),
        ),
        nnlab.Experiment(
            data=nnlab.DataSpec(name="drawn_curve", drawing=nnlab.data.drawing.encode(nnlab.data.drawing.preset_curve("sine"))),
            model=nnlab.ModelSpec(hidden=(10,), activations=("sigmoid",)),
            training=nnlab.TrainSpec(loss="mse", learning_rate=0.03, epochs=60, batch_size=None),
        ),
    ],
    ids=["circle-crosses-shuffled", "iris-multiclass", "spiral-two-layers", "drawn-points", "drawn-curve"],
)
def test_scripts_beyond_the_lessons_reproduce_the_loss(exp, tmp_path):
    _, loss = run_exported(exp, None, tmp_path)
    assert loss == pytest.approx(nnlab_loss(exp, None), rel=1e-3)


def test_hostile_column_names_stay_string_literals_and_a_regression_target_trains(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(60, len(HOSTILE))), columns=HOSTILE)
    frame["price; rm -rf"] = frame.iloc[:, 0] * 3 + rng.normal(size=60)  # continuous: a regression task
    key = store_upload(frame.to_csv(index=False).encode())
    exp = nnlab.Experiment(
        data=nnlab.DataSpec(name="csv", source=key, target="price; rm -rf", train_fraction=0.8),
        model=nnlab.ModelSpec(hidden=(5,), activations=("tanh",)),
        training=nnlab.TrainSpec(loss="mse", optimizer="adam", learning_rate=0.01, epochs=80),
    )
    script = export_script(exp)
    literals = {node.value for node in ast.walk(ast.parse(script)) if isinstance(node, ast.Constant)}
    assert set(HOSTILE) | {"price; rm -rf"} <= literals
    _, loss = run_exported(exp, None, tmp_path)
    assert loss == pytest.approx(nnlab_loss(exp, None), rel=1e-3)
    assert not (tmp_path / "pwned").exists()


def test_formula_data_needs_no_file():
    exp = nnlab.lessons.get("step-two-neurons")
    assert data_file_name(exp) is None
    with pytest.raises(ValueError):
        data_csv(exp)


def test_downloads_load_back_without_unpickling_and_round_trip():
    exp = nnlab.lessons.get("tabular-relu")
    result = nnlab.train(exp, epochs=20)
    state = torch.load(io.BytesIO(weights_file(result.model)), weights_only=True)
    model = nnlab.build_model(exp, 12, 1, "binary")
    model.load_state_dict(state)
    x = result.data.x_test
    assert torch.equal(model(x), result.model(x))
    assert nnlab.Experiment.from_dict(json.loads(experiment_json(exp))) == exp
    history = pd.read_csv(io.BytesIO(history_csv(result.history)))
    assert list(history.columns) == list(result.history.columns) and len(history) == 20
    assert np.allclose(history["test_acc"], result.history["test_acc"])


def test_a_run_brought_back_exports_its_starting_weights_and_the_script_reproduces_it(tmp_path):
    exp = nnlab.lessons.get("bump-two-layers")
    first = nnlab.train(exp, epochs=30)
    data = first.data
    back = bring_back(weights_file(first.model), exp, data.n_features, data.n_outputs, data.task)
    script = export_script(back, 30)
    assert "START_0 = [" in script and "model.load_state_dict" in script
    _, loss = run_exported(back, 30, tmp_path)
    assert loss == pytest.approx(nnlab_loss(back, 30), rel=1e-3)
    assert loss != pytest.approx(nnlab_loss(exp, 30), rel=1e-3)  # it went on from the weights, not from the seed's
