"""A run brought back: every lesson's downloaded weights load back to the same predictions bit for
bit, through its settings file; a damaged, foreign or hostile file gets its own message and is
never unpickled; a run starts from weights brought back on either engine, in Inside one step and in
its exported script."""

from __future__ import annotations

import io
import json
import pickle
import zipfile

import pytest
import torch

import nnlab
from nnlab.errors import ConfigError, WeightsError
from nnlab.experiment import Experiment
from nnlab.export import experiment_json, weights_file
from nnlab.study import by_hand
from nnlab.training import weights
from nnlab.training.models import bring_back, build_model


def _trained(lesson_id: str, epochs: int = 3):
    return nnlab.train(nnlab.lessons.get(lesson_id), epochs=epochs)


def _back(blob: bytes, exp: Experiment, data) -> Experiment:
    return bring_back(blob, exp, data.n_features, data.n_outputs, data.task)


@pytest.fixture(scope="module")
def bump():
    return _trained("bump-twenty-neurons", 20)


@pytest.mark.parametrize("lesson_id", nnlab.lessons.names())
@pytest.mark.parametrize("kind", ["pt", "safetensors"])
def test_every_lessons_download_comes_back_to_the_same_predictions_bit_for_bit(lesson_id, kind):
    result = _trained(lesson_id)
    blob = weights_file(result.model) if kind == "pt" else weights.file_bytes(result.model.state_dict())
    settings = Experiment.from_dict(json.loads(experiment_json(result.experiment)))  # its settings file
    back = _back(blob, settings, result.data)
    data = result.data
    model = build_model(back, data.n_features, data.n_outputs, data.task).eval()
    x = torch.cat([data.x_train, data.x_test])
    assert torch.equal(model(x), result.model(x))
    assert back.model.start and back.replace(model={"start": ""}) == result.experiment


def _zip_with(payload: bytes) -> bytes:
    """torch.save's zip layout holding `payload` as its pickle."""
    buffer = io.BytesIO()
    torch.save({"0.weight": torch.zeros(1)}, buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for item in source.infolist():
            target.writestr(item, payload if item.filename.endswith("data.pkl") else source.read(item))
    return out.getvalue()


class _Hostile:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('x')",))


def _corpus(result) -> dict[str, tuple[bytes, str]]:
    """Damaged and foreign files, each with the words its message must hold."""
    good = weights_file(result.model)
    safe = weights.file_bytes(result.model.state_dict())
    other = _trained("step-two-neurons", 1).model  # another network: 1-2-1
    state = result.model.state_dict()
    model_object = io.BytesIO()
    torch.save(result.model, model_object)  # the whole module object, pickled
    return {
        "empty": (b"", "empty"),
        "a csv": (b"x,y\n1,2\n", "not a weights file"),
        "random bytes": (bytes(range(256)) * 4, "not a weights file"),
        "pt cut in half": (good[: len(good) // 2], "cut short"),
        "pt cut at its end": (good[:-30], "cut short"),
        "safetensors cut short": (safe[:-50], "cut short"),
        "safetensors header cut": (safe[:20], "cut short"),
        "a whole model, pickled": (model_object.getvalue(), "Python objects"),
        "a pickle that runs code": (_zip_with(pickle.dumps(_Hostile())), "Python objects"),
        "another network": (weights_file(other), "another network"),
        "a layer missing": (weights.file_bytes({k: v for k, v in state.items() if k != "2.bias"}), "“2.bias” is missing"),
        "a weight of another shape": (weights.file_bytes({**state, "0.weight": torch.zeros(7, 1)}), "7×1 in the file and 20×1"),
        "a tensor too many": (weights.file_bytes({**state, "9.weight": torch.zeros(1)}), "“9.weight” is not in"),
        "whole numbers": (weights.file_bytes({**state, "0.bias": torch.zeros(20, dtype=torch.int64)}), "whole numbers"),
        "NaN weights": (weights.file_bytes({**state, "2.weight": torch.full((1, 20), float("nan"))}), "diverged"),
        "far too large": (good + bytes(1_000_000), "far more than"),
        "not a state_dict": (_pt({"0.weight": [1.0, 2.0]}), "no network's weights"),
    }


def _pt(value) -> bytes:
    buffer = io.BytesIO()
    torch.save(value, buffer)
    return buffer.getvalue()


def test_each_damaged_foreign_or_hostile_file_gets_its_own_message_and_nothing_is_unpickled(bump, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, (blob, words) in _corpus(bump).items():
        with pytest.raises(WeightsError) as refused:
            _back(blob, bump.experiment, bump.data)
        assert words in str(refused.value), (name, str(refused.value))
    assert not (tmp_path / "PWNED").exists()


def test_another_networks_file_lists_what_differs_and_stops_after_six(bump):
    wide = nnlab.train(bump.experiment.replace(model={"hidden": (3, 3, 3, 3), "activations": ("relu",) * 4}), epochs=1)
    with pytest.raises(WeightsError) as refused:
        _back(weights_file(wide.model), bump.experiment, bump.data)
    text = str(refused.value)
    assert "“0.weight” is 3×1 in the file and 20×1 in this network" in text and "more" in text and "settings" in text


def test_a_run_starts_from_weights_brought_back_on_both_engines_and_in_inside_one_step(bump):
    back = _back(weights_file(bump.model), bump.experiment, bump.data)
    runs = [nnlab.train(back, epochs=2, engine=engine) for engine in ("compiled", "autograd")]
    for again in runs:
        assert all(torch.equal(again.initial_state[name], tensor) for name, tensor in bump.model.state_dict().items())
    losses = [again.history["train_loss"].to_numpy() for again in runs]
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)  # the engines agree from there, as from a seed's weights
    step_lesson = _trained("step-two-neurons", 5)
    taken_apart = by_hand.one_step(_back(weights_file(step_lesson.model), step_lesson.experiment, step_lesson.data))
    shown = sorted(taken_apart.weights()["weight"].tolist())
    assert shown == sorted(float(value) for tensor in step_lesson.model.state_dict().values() for value in tensor.reshape(-1))


def test_a_start_that_is_gone_or_damaged_is_said(bump):
    with pytest.raises(WeightsError, match="no longer on this server"):
        build_model(bump.experiment.replace(model={"start": "0123456789abcdef"}), 1, 1, "binary")
    with pytest.raises(ConfigError, match="damaged"):
        bump.experiment.replace(model={"start": "../../etc/passwd"})
    link = nnlab.links.to_query(bump.experiment) | {"start": "nothex"}
    exp, problems = nnlab.links.from_link(link)
    assert exp.model.start == "" and problems


def _deflated(blob: bytes) -> bytes:
    """The same archive with its entries packed: torch.load reads it as well."""
    source = zipfile.ZipFile(io.BytesIO(blob))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, source.read(item), compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_a_packed_pt_that_would_unpack_past_the_networks_size_is_refused_before_it_is_read(bump):
    huge = _pt({"0.weight": torch.zeros(5_000_000)})  # 20 MB of zeros, which pack to a few kB
    packed = _deflated(huge)
    assert len(packed) < 100_000
    with pytest.raises(WeightsError, match="unpacks to more than"):
        _back(packed, bump.experiment, bump.data)
    assert torch.equal(torch.load(io.BytesIO(_deflated(weights_file(bump.model))), weights_only=True)["0.weight"],
                       bump.model.state_dict()["0.weight"])  # torch itself reads a packed file ...
    with pytest.raises(WeightsError, match="unpacks to more than"):  # ... which nnlab does not: torch.save never packs
        _back(_deflated(weights_file(bump.model)), bump.experiment, bump.data)


def test_weights_in_a_link_that_are_cut_beyond_a_hands_reach_or_of_another_size_are_said(bump):
    exp, data = bump.experiment, bump.data
    shapes = {name: tuple(tensor.shape) for name, tensor in bump.model.state_dict().items()}
    written = weights.written_out(bump.model.state_dict())
    assert weights.starting(written, shapes)["0.weight"].equal(bump.model.state_dict()["0.weight"])
    for start, says in (("w1AAAAAAAAA", "damaged"),  # 9 characters: no base64's length
                        (written[:41], "this network has 61 weights and biases"),
                        (weights.written_out({"w": torch.full((61,), 150.0)}), "beyond what can be set by hand")):
        with pytest.raises(WeightsError, match=says):
            build_model(exp.replace(model={"start": start}), data.n_features, data.n_outputs, data.task)


def test_the_largest_network_set_by_hand_fits_in_a_link():
    from nnlab.experiment import START
    from nnlab.study.by_hand import SHOWN_UNITS

    largest = {f"{layer}.weight": torch.ones(SHOWN_UNITS, SHOWN_UNITS) for layer in range(3)}  # 8-8-8-8
    largest |= {f"{layer}.bias": torch.ones(SHOWN_UNITS) for layer in range(3)}
    assert START.fullmatch(weights.written_out(largest))


def test_many_threads_keeping_the_same_weights_at_once_each_get_its_key(bump):
    import threading

    keys, failed = [], []

    def keep() -> None:
        try:
            keys.append(weights.store(bump.model.state_dict()))
        except Exception as error:  # noqa: BLE001  (any failure is the finding)
            failed.append(error)

    threads = [threading.Thread(target=keep) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failed and len(set(keys)) == 1
    assert weights.stored(keys[0])["2.bias"].equal(bump.model.state_dict()["2.bias"])


def test_compare_and_sweep_start_from_each_seeds_weights_not_a_start(bump):
    back = _back(weights_file(bump.model), bump.experiment, bump.data)
    from nnlab.training.comparison import with_activation
    from nnlab.training.sweeps import sweep_experiment

    assert with_activation(back, "tanh", 3).model.start == "" and sweep_experiment(back, 0.1, 7, 2).model.start == ""
