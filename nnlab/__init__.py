"""nnlab: small neural networks, trained the way five PyTorch tutorials train them.

`import nnlab` pulls torch, pandas, Numba and SQLAlchemy, never Streamlit or Altair: charts live
in `nnlab.charts` and the Streamlit layer in `nnlab.ui`.
"""

from nnlab import classroom, lessons, links
from nnlab.compare import CompareRun, compare
from nnlab.datasets import DATASETS, Data, load_data
from nnlab.errors import ClassError, ConfigError, DataError, NnlabError
from nnlab.experiment import DataSpec, Experiment, ModelSpec, TrainSpec
from nnlab.export import export_script
from nnlab.models import build_model
from nnlab.sweeps import sweep
from nnlab.tables import Table, read_csv
from nnlab.training import TrainResult, train

__all__ = [
    "ClassError", "CompareRun", "ConfigError", "DATASETS", "Data", "DataError", "DataSpec", "Experiment", "ModelSpec",
    "NnlabError", "Table", "TrainResult", "TrainSpec", "build_model", "classroom", "compare", "export_script", "lessons",
    "links", "load_data", "read_csv", "sweep", "train",
]
