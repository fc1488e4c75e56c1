"""nnlab: small neural networks, trained the way five PyTorch tutorials train them.

Its names load on first use: `nnlab.train` pulls torch, pandas, Numba and SQLAlchemy, and no name
here pulls Streamlit or Altair (charts live in `nnlab.charts`, the Streamlit layer in `nnlab.ui`).
"""

from nnlab.lazy import exports

_HOMES = {name: f"nnlab.{module}" for module, names in {
    "classroom": ("classroom",), "inside": ("inside",), "lessons": ("lessons",), "links": ("links",), "surfaces": ("surfaces",),
    "choices": ("DATASETS",), "comparison": ("CompareRun", "compare"), "datasets": ("Data", "load_data"),
    "errors": ("ClassError", "ConfigError", "DataError", "NnlabError"),
    "experiment": ("DataSpec", "Experiment", "ModelSpec", "TrainSpec"),
    "export": ("export_script",), "models": ("build_model",), "sweeps": ("sweep",), "tables": ("Table", "read_csv"),
    "loss_surface": ("landscape",), "training": ("TrainResult", "train"),
}.items() for name in names}
__all__ = sorted(_HOMES)
__getattr__, __dir__ = exports(__name__, _HOMES)
