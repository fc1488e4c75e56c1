"""The Streamlit layer: the only part of nnlab that imports streamlit. Its names load on first use,
so that `nnlab.ui.boot` can draw a server's first page before torch is imported."""

from nnlab.lazy import exports

_HOMES = {name: f"nnlab.ui.{module}" for module, names in {
    "controls": ("control", "data_controls", "header", "label", "model_controls", "training_controls", "with_data",
                 "within_budget"),
    "page_setup": ("RunButton", "allowed", "page", "page_card", "shown_errors"),
    "services": ("data_for",),
    "session_runs": ("background_run", "compare_key", "compare_live", "left_behind", "own_result", "running_elsewhere",
                     "shown_result", "stored_result", "sweep_key", "sweep_live", "train_key", "train_live"),
    "state": ("TRAIN_NOW", "link_query", "load", "share_link"),
}.items() for name in names}
__all__ = sorted(_HOMES)
__getattr__, __dir__ = exports(__name__, _HOMES)
