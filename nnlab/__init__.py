"""nnlab: small neural networks, trained the way five PyTorch tutorials train them.

Its names load on first use: `nnlab.train` pulls torch, pandas, Numba and SQLAlchemy, and no name
here pulls Streamlit or Altair (the pictures live in `nnlab.pictures`, the Streamlit layer in
`nnlab.ui`).
"""

from nnlab.lazy import exports

_HOMES = {name: f"nnlab.{module}" for module, names in {
    "lessons": ("lessons",), "links": ("links",), "choices": ("DATASETS",),
    "errors": ("ClassError", "ConfigError", "DataError", "NnlabError"),
    "experiment": ("DataSpec", "Experiment", "ModelSpec", "TrainSpec"), "export": ("export_script",),
    "data.datasets": ("Data", "load_data"), "data.tables": ("Table", "read_csv"),
    "training.comparison": ("CompareRun", "compare"), "training.models": ("build_model",),
    "training.sweeps": ("sweep",), "training.trainer": ("TrainResult", "train"),
    "study.loss_surface": ("landscape",),
}.items() for name in names}
__all__ = sorted(_HOMES)
__getattr__, __dir__ = exports(__name__, _HOMES)
