"""The Streamlit layer: the only part of nnlab that imports streamlit."""

from nnlab.ui.controls import control, data_controls, header, model_controls, training_controls, with_data, within_budget
from nnlab.ui.page import RunButton, allowed, page, shown_errors
from nnlab.ui.server import (
    background_run,
    cached_result,
    compare_key,
    compare_live,
    data_for,
    left_behind,
    own_result,
    running_elsewhere,
    shown_job,
    sweep_key,
    sweep_live,
    train_live,
)
from nnlab.ui.state import link_query, load, share_link

__all__ = ["RunButton", "allowed", "background_run", "cached_result", "compare_key", "compare_live", "control", "data_controls",
           "data_for", "header", "left_behind", "link_query", "load", "model_controls", "own_result", "page",
           "running_elsewhere", "share_link", "shown_errors", "shown_job", "sweep_key", "sweep_live", "train_live",
           "training_controls", "with_data", "within_budget"]
