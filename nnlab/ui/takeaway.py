"""What a student takes home: the run as a plain PyTorch script, its data, weights and history."""

from __future__ import annotations

import streamlit as st

from nnlab.experiment import Experiment
from nnlab.export import data_csv, data_file_name, experiment_json, export_script, history_csv, weights_file
from nnlab.training.trainer import TrainResult
from nnlab.training.weights import file_bytes
from nnlab.ui.words import _, language


@st.cache_data(max_entries=32, show_spinner=False)
def _script(exp: Experiment, language: str) -> str:
    return export_script(exp, language=language)


@st.cache_data(max_entries=8, show_spinner=False)
def _data_file(exp: Experiment) -> bytes:
    return data_csv(exp)


def script_panel(exp: Experiment) -> None:
    """The whole training script, to copy (button at the code's top right) or download, and its data file."""
    script = _script(exp, language())
    file = data_file_name(exp)
    st.caption(_("Run it with `python nnlab_train.py`: it prints its progress and ends with the same final train "
                 "loss as this app.") + (_(" It reads `{file}`: download it beside the script.", file=file) if file else ""))
    left, right = st.columns(2)
    left.download_button(_("Download the script"), script, file_name="nnlab_train.py", mime="text/x-python",
                         icon=":material/code:", on_click="ignore", key="download_script", width="stretch")
    if file:
        right.download_button(_("Download its data (CSV)"), lambda: _data_file(exp), file_name=file, mime="text/csv",
                              icon=":material/table:", on_click="ignore", key="download_data", width="stretch")
    st.code(script, language="python", line_numbers=True, wrap_lines=True, height=420)


def downloads(result: TrainResult) -> None:
    """The trained weights, the per-epoch history and the settings, one button each; each file is
    made when its button is pressed, not on every redraw. In a row that wraps on a phone: one
    element for the row, where columns took one for each cell too."""
    row = st.container(horizontal=True)
    row.download_button(_("Trained weights (.pt)"), lambda: weights_file(result.model), file_name="nnlab_weights.pt",
                        mime="application/octet-stream", icon=":material/download:", on_click="ignore",
                        key="download_weights", width="stretch",
                        help=_("A state_dict: `model.load_state_dict(torch.load('nnlab_weights.pt', weights_only=True))` "
                               "on the model from the script."))
    row.download_button(_("The same, as .safetensors"), lambda: file_bytes(result.model.state_dict()),
                        file_name="nnlab_weights.safetensors", mime="application/octet-stream", icon=":material/download:",
                        on_click="ignore", key="download_safetensors", width="stretch",
                        help=_("The weights in the safetensors format, which any framework reads without running code. "
                               "Train's “Bring a run back” takes either file."))
    row.download_button(_("History (.csv)"), lambda: history_csv(result.history), file_name="nnlab_history.csv",
                        mime="text/csv", icon=":material/download:", on_click="ignore", key="download_history",
                        width="stretch", help=_("One row per epoch: losses and accuracies."))
    row.download_button(_("Settings (.json)"), lambda: experiment_json(result.experiment), file_name="nnlab_experiment.json",
                        mime="application/json", icon=":material/download:", on_click="ignore",
                        key="download_experiment", width="stretch",
                        help=_("Every setting of this run; `nnlab.Experiment.from_dict(json.load(f))` rebuilds it."))
