"""A network's weights as a file, and as the start of a run.

Written as safetensors; read from safetensors, or from torch's own format with `weights_only=True`
(nothing is ever unpickled otherwise). A file is checked against the network its settings build,
tensor by tensor, and each way it can be wrong is said on its own: not a weights file, cut short,
of another network, too large. Weights brought back are kept under their content's hash in the
data directory, and a run names them by that short key (ModelSpec.start), as an uploaded table.
"""

from __future__ import annotations

import base64
import binascii
import functools
import io
import math
import pickle
import struct
import zipfile

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load as safetensors_load
from safetensors.torch import save as safetensors_save

from nnlab.data.tables import data_dir, keep
from nnlab.errors import WeightsError
from nnlab.experiment import START
from nnlab.i18n import N_, joined, msg

ZIP = b"PK\x03\x04"  # torch.save's format is a zip archive
WRITTEN_OUT = "w1"  # a start written out in the link, not kept by key
MAX_WRITTEN_OUT = 100.0  # a weight set by hand: beyond this every activation nnlab has is saturated
FOLDER = "weights"  # in the data directory: the weights runs were brought back from
SPARE_BYTES = 64 * 1024  # beyond the tensors' own bytes, a file's headers and names take at most this
SHOWN_PROBLEMS = 6  # a file of another network: its first few differences, then how many more


def file_bytes(state: dict[str, torch.Tensor]) -> bytes:
    """A state_dict as a safetensors file (contiguous copies: safetensors writes no views)."""
    return safetensors_save({name: tensor.detach().contiguous() for name, tensor in state.items()})


def read_file(blob: bytes, expected: dict[str, tuple[int, ...]]) -> dict[str, torch.Tensor]:
    """The tensors of a weights file, checked against `expected` (each tensor's name and shape in
    the network the settings build), or WeightsError saying what is wrong with the file."""
    limit = 4 * sum(math.prod(shape) for shape in expected.values()) + SPARE_BYTES
    if len(blob) > limit:
        raise WeightsError(msg("This file is {size:,} bytes, far more than this network's weights take ({limit:,} at "
                               "most): it is not this network's weights file.", size=len(blob), limit=limit))
    state = _tensors(blob, limit)
    check(state, expected)
    return state


def _tensors(blob: bytes, limit: int) -> dict[str, torch.Tensor]:
    if not blob:
        raise WeightsError(N_("This file is empty."))
    if blob.startswith(ZIP):
        state = _torch_file(blob, limit)
    elif _safetensors_header(blob):
        try:
            state = safetensors_load(blob)
        except (SafetensorError, ValueError, RuntimeError):
            raise WeightsError(N_("This safetensors file is damaged or cut short: download the weights again.")) from None
    else:
        raise WeightsError(N_("This is not a weights file. Upload the .safetensors or .pt file that Train's "
                              "“Trained weights” button downloads."))
    if not isinstance(state, dict) or not all(isinstance(name, str) and isinstance(value, torch.Tensor)
                                              for name, value in state.items()):
        raise WeightsError(N_("This file holds no network's weights (a state_dict: names and tensors)."))
    return state


def _safetensors_header(blob: bytes) -> bool:
    """Whether the file starts as safetensors does: the header's length, then its JSON."""
    return len(blob) >= 10 and blob[8:9] == b"{" and struct.unpack("<Q", blob[:8])[0] > 1


def _torch_file(blob: bytes, limit: int) -> dict:
    """torch.load's own reading, weights_only, of an archive first checked to hold no more than `limit`
    bytes unpacked (torch.save stores its tensors as they are: a packed one could unpack a thousandfold)."""
    try:
        entries = zipfile.ZipFile(io.BytesIO(blob)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise WeightsError(N_("This .pt file is damaged or cut short: download the weights again.")) from None
    if any(entry.compress_type != zipfile.ZIP_STORED for entry in entries) or sum(e.file_size for e in entries) > limit:
        raise WeightsError(msg("This .pt file unpacks to more than this network's weights take ({limit:,} bytes at most): "
                               "it is not this network's weights file.", limit=limit))
    try:
        return torch.load(io.BytesIO(blob), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:  # weights_only refuses any object that is not a tensor or a plain container
        raise WeightsError(N_("This .pt file holds Python objects besides weights; nnlab opens only weights "
                              "(torch.save(model.state_dict()), as Train's download).")) from None
    except (RuntimeError, EOFError, ValueError, KeyError, OSError):
        raise WeightsError(N_("This .pt file is damaged or cut short: download the weights again.")) from None


def check(state: dict[str, torch.Tensor], expected: dict[str, tuple[int, ...]]) -> None:
    """WeightsError listing every tensor that is missing, extra or of another shape; or one of
    another type, or with values that are not numbers."""
    problems = [msg("“{name}” is missing", name=name) for name in expected if name not in state]
    problems += [msg("“{name}” is {shape} in the file and {wanted} in this network", name=name, shape=_shape(state[name].shape),
                     wanted=_shape(wanted)) for name, wanted in expected.items()
                 if name in state and tuple(state[name].shape) != tuple(wanted)]
    problems += [msg("“{name}” is not in this network", name=name) for name in state if name not in expected]
    if problems:
        more = [msg("and {count} more", count=len(problems) - SHOWN_PROBLEMS)] if len(problems) > SHOWN_PROBLEMS else []
        raise WeightsError(msg("These weights are of another network: {problems}. Bring them back with the settings "
                               "of the run that made them (its settings file or link).",
                               problems=joined([*problems[:SHOWN_PROBLEMS], *more], "; ")))
    for name, tensor in state.items():
        if not tensor.is_floating_point():
            raise WeightsError(msg("“{name}” holds whole numbers ({dtype}), not weights.", name=name,
                                   dtype=str(tensor.dtype).removeprefix("torch.")))
        if not torch.isfinite(tensor).all():
            raise WeightsError(msg("“{name}” holds values that are not numbers (NaN or infinite): a run that diverged. "
                                   "Its weights cannot be brought back.", name=name))


def _shape(shape) -> str:
    return "×".join(str(size) for size in shape) or "1"


def store(state: dict[str, torch.Tensor]) -> str:
    """Keep checked weights as float32 under their content's hash; the key a run's start names them by."""
    return keep(file_bytes({name: tensor.to(torch.float32) for name, tensor in state.items()}), FOLDER, ".safetensors")


def starting(start: str, expected: dict[str, tuple[int, ...]]) -> dict[str, torch.Tensor]:
    """The weights a run starts from (ModelSpec.start), checked against `expected`: written out in
    the link, or kept on this server by their key."""
    state = _written_out(start, expected) if start.startswith(WRITTEN_OUT) else stored(start)
    check(state, expected)
    return state


def written_out(state: dict[str, torch.Tensor]) -> str:
    """Weights as a link carries them: every value's float32 bytes in state_dict order, in base64url."""
    values = torch.cat([tensor.detach().reshape(-1).to(torch.float32) for tensor in state.values()])
    return WRITTEN_OUT + base64.urlsafe_b64encode(values.numpy().astype("<f4").tobytes()).decode().rstrip("=")


def _written_out(start: str, expected: dict[str, tuple[int, ...]]) -> dict[str, torch.Tensor]:
    text = start.removeprefix(WRITTEN_OUT)
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise WeightsError(N_("The weights in this link are damaged (cut short in copying?); the seed's are used.")) from None
    counts = [math.prod(shape) for shape in expected.values()]
    if len(raw) != 4 * sum(counts):
        raise WeightsError(msg("The weights in this link are for another network: this network has {wanted:,} weights "
                               "and biases, and the link holds {count:,}.", count=len(raw) // 4, wanted=sum(counts)))
    values = torch.from_numpy(np.frombuffer(raw, dtype="<f4").astype(np.float32))
    if not (torch.isfinite(values) & (values.abs() <= MAX_WRITTEN_OUT)).all():
        raise WeightsError(msg("The weights in this link lie beyond what can be set by hand (-{most:g} to {most:g}).",
                               most=MAX_WRITTEN_OUT))
    return {name: part.reshape(shape).clone() for (name, shape), part in zip(expected.items(), values.split(counts),
                                                                             strict=True)}


@functools.lru_cache(maxsize=64)
def stored(key: str) -> dict[str, torch.Tensor]:
    """The weights a run starts from, by their key (ModelSpec.start); read once, since a key names one
    content (load_state_dict copies them: the tensors kept here are never trained)."""
    path = data_dir() / FOLDER / f"{key}.safetensors"
    try:
        if START.fullmatch(key):
            return safetensors_load(path.read_bytes())
    except (OSError, SafetensorError, ValueError):
        pass
    raise WeightsError(N_("The weights this run starts from are no longer on this server: bring the run back again "
                          "(Train, “Bring a run back”)."))
