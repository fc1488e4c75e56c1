"""Bring a run back, on Train: the weights a run downloaded, with its settings file or this page's
settings, checked tensor by tensor (nnlab.training.weights). The run then starts from them: Play /
pause / step shows the network they make and trains on, Whole run trains on, and Inside one step
opens on them."""

from __future__ import annotations

import json

import streamlit as st

from nnlab.data.datasets import Data
from nnlab.errors import ConfigError, NnlabError
from nnlab.experiment import Experiment
from nnlab.i18n import N_, msg
from nnlab.study import by_hand
from nnlab.training import weights
from nnlab.training.models import bring_back
from nnlab.ui import state
from nnlab.ui.services import data_for
from nnlab.ui.words import _

MAX_SETTINGS_BYTES = 64 * 1024  # a settings file is under 2 kB
NOT_SETTINGS = N_("This settings file is not the JSON file Train's “Settings” button downloads.")
WEIGHTS, SETTINGS, REFUSED = "back_weights", "back_settings", "back_refused"


def panel(exp: Experiment) -> None:
    """The two files and the button; a refused file says why, and nothing else on the page changes."""
    st.caption(_("The weights Train's “Trained weights” button downloads (.safetensors or .pt), with the run's "
                 "settings file; without one, this page's settings must be the run's."))
    left, right = st.columns(2)
    weights = left.file_uploader(_("Its weights"), type=["safetensors", "pt"], key=WEIGHTS)
    right.file_uploader(_("Its settings (.json), if not this page's"), type=["json"], key=SETTINGS)
    st.button(_("Bring it back"), type="primary", disabled=weights is None, key="back_go",
              icon=":material/settings_backup_restore:", on_click=_bring_back, args=(exp,))
    refused = st.session_state.pop(REFUSED, None)
    if refused is not None:
        st.error(_("{problem} Nothing else has changed.", problem=_(refused)), icon=":material/error:")


def _bring_back(exp: Experiment) -> None:
    """The button's callback: it runs before the page, so Train's mode switch can still be set."""
    weights, settings = st.session_state.get(WEIGHTS), st.session_state.get(SETTINGS)
    try:
        wanted = _settings(settings.getvalue()) if settings is not None else exp
        data = data_for(wanted)
        back = bring_back(weights.getvalue(), wanted, data.n_features, data.n_outputs, data.task)
    except NnlabError as error:
        st.session_state[REFUSED] = error
        return
    state.load(back)
    st.session_state[state.TRAIN_MODE] = "live"  # Play / pause / step shows the weights before a step is taken


def _settings(blob: bytes) -> Experiment:
    if len(blob) > MAX_SETTINGS_BYTES:
        raise ConfigError(msg("This settings file is {size:,} bytes; a run's settings file is under 2 kB.", size=len(blob)))
    try:
        values = json.loads(blob.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ConfigError(NOT_SETTINGS) from None
    if not isinstance(values, dict):
        raise ConfigError(NOT_SETTINGS)
    return Experiment.from_dict(values)


def started(exp: Experiment, data: Data) -> None:
    """Under a run that starts from weights brought back: what that means, and the way to the seed's again."""
    if not exp.model.start:
        return
    where = _("set by hand") if exp.model.start.startswith(weights.WRITTEN_OUT) else _("brought back")
    st.info(_("This run starts from weights {where}. **Play / pause / step** shows the network they make, at epoch 0, "
              "and trains on from it; **Whole run** trains {epochs:,} epochs from it. The optimizer starts afresh: "
              "weights hold no momentum or running averages.", where=where, epochs=exp.training.epochs),
            icon=":material/settings_backup_restore:")
    row = st.container(horizontal=True)
    if not by_hand.unfit(exp, data) and row.button(_("Inside one step on them"), icon=":material/calculate:",
                                                           key="back_inside"):
        st.switch_page("pages/7_Inside_one_step.py", query_params=state.link_query(exp))
    if row.button(_("Start from the seed's weights again"), key="back_seed"):
        state.to_the_seed(exp)
